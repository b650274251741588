"""Opening a pull source and reading its URL patterns from ``pith-mirrors.json``.

``SOURCE`` is the base URL of a mirror (``https://pith.science``, a pithgen site) or a
local folder holding a built site (a path or a ``file://`` URL). Everything fetched from
it is the source's root plus a relative path of the grammar of
:mod:`pithgen.pull.paths`; nothing a source serves can make pull fetch from anywhere else
(only a redirect can, to the hosts the operator allowed).

The manifest (spec section 7) is untrusted data. Of its ``mirrors``, the one whose
``base_url`` is the source is used, or the only one when it lists one (a site served
somewhere other than its base URL). Its ``record_pattern`` and ``bundle_pattern`` become
relative templates: a pattern under the mirror's ``base_url`` or under the source's root
is taken relative to it, a relative pattern as it is, and the result must have the safe
grammar with exactly one ``{suffix}``. A pattern that points to another host or scheme,
climbs with ``..`` or is anything else is refused, and so is the whole run (exit 2):
pull does not guess around a manifest it cannot trust. A missing pattern, or a source
with no manifest at all (404), gets the patterns Pith publishes (spec section 7), which
are :data:`pithgen.layout.RECORD_JSON` and :data:`pithgen.layout.BUNDLE`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from pithgen import layout
from pithgen.errors import PithgenError, UsageError
from pithgen.pull.http import HttpClient, NetworkOptions, Response, Validators
from pithgen.pull.local import FolderClient, folder_of
from pithgen.pull.paths import UnsafePath, check_template
from pithgen.strictjson import JSONDefect, parse_document

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_URL_CHARS = re.compile(r"[A-Za-z0-9._~/:@!$&'()*+,;=%-]+")
MAX_MIRRORS = 1000


class Client(Protocol):
    """What pull asks of a source: files by relative path."""

    root: str

    def url(self, relpath: str) -> str: ...

    def get(self, relpath: str, validators: Validators | None = None) -> Response: ...

    def close_thread(self) -> None: ...


class ManifestError(PithgenError):
    """A source's ``pith-mirrors.json`` that cannot be used as it is."""


@dataclass(frozen=True)
class Patterns:
    """Where a source keeps a record's JSON and its bundle: relative templates."""

    record: str
    bundle: str
    origin: str


DEFAULT_PATTERNS = Patterns(
    layout.RECORD_JSON, layout.BUNDLE, "Pith's published patterns (spec section 7)"
)


@dataclass(frozen=True)
class Source:
    client: Client
    patterns: Patterns


def check_root_url(spec: str) -> str:
    """An ``http(s)`` URL of a host, without credentials, query or fragment, as a root
    ending in ``/``."""
    try:
        parts = urlsplit(spec)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"SOURCE: not a valid URL ({exc})", where=spec) from None
    problems = []
    if not parts.hostname:
        problems.append("no host")
    if parts.username is not None or parts.password is not None:
        problems.append("credentials (user@)")
    if parts.query or parts.fragment or spec.endswith(("?", "#")):
        problems.append("a query or fragment")
    if port == 0:
        problems.append("port 0")
    if not _URL_CHARS.fullmatch(spec):
        problems.append("a character that needs escaping")
    if problems:
        raise UsageError(
            "SOURCE: expected the base URL of a mirror (http or https), found one with "
            + ", ".join(problems),
            where=spec,
        )
    return spec if spec.endswith("/") else spec + "/"


def open_client(spec: str, options: NetworkOptions, stop: threading.Event) -> Client:
    """The client of ``SOURCE``: a URL, a ``file://`` URL or a folder."""
    if re.match(r"(?i)https?://", spec):
        scheme, rest = spec.split("://", 1)
        return HttpClient(check_root_url(scheme.lower() + "://" + rest), options, stop)
    if _SCHEME.match(spec) and not spec.startswith("file:") and not re.match(r"[A-Za-z]:", spec):
        raise UsageError("SOURCE: expected an http(s) or file URL, or a folder", where=spec)
    return FolderClient(folder_of(spec), options)


def open_source(spec: str, options: NetworkOptions, stop: threading.Event) -> Source:
    client = open_client(spec, options, stop)
    return Source(client, read_patterns(client))


def read_patterns(client: Client) -> Patterns:
    """The source's patterns, from its manifest (see the module docstring)."""
    response = client.get(layout.MANIFEST)
    where = client.url(layout.MANIFEST)
    if response.status == 404:
        return DEFAULT_PATTERNS
    try:
        manifest = parse_document(response.body)
    except JSONDefect as exc:
        raise ManifestError(
            f"expected a mirror manifest (JSON), found: {exc}", where=where
        ) from None
    return patterns_of(manifest, client.root, where)


def patterns_of(manifest: dict[str, Any], root: str, where: str) -> Patterns:
    """The relative templates of one parsed manifest, for a source at ``root``."""
    if manifest.get("manifest_type") != "pith_mirror_manifest":
        raise ManifestError(
            f"expected manifest_type 'pith_mirror_manifest', found "
            f"{str(manifest.get('manifest_type'))[:60]!r}",
            where=where,
        )
    mirrors = manifest.get("mirrors")
    if (
        not isinstance(mirrors, list)
        or not 1 <= len(mirrors) <= MAX_MIRRORS
        or not all(isinstance(m, dict) for m in mirrors)
    ):
        raise ManifestError(
            f"expected 'mirrors': a list of 1 to {MAX_MIRRORS} objects", where=where
        )
    mine = [m for m in mirrors if _same_root(m.get("base_url"), root)]
    if mine:
        mirror = mine[0]
    elif len(mirrors) == 1:
        mirror = mirrors[0]
    else:
        raise ManifestError(
            f"lists {len(mirrors)} mirrors and none has the base_url {root.rstrip('/')!r}",
            where=where,
        )
    base = mirror.get("base_url")
    found = {}
    for key, default in (("record_pattern", layout.RECORD_JSON), ("bundle_pattern", layout.BUNDLE)):
        value = mirror.get(key)
        if value is None:
            found[key] = default
        elif not isinstance(value, str):
            raise ManifestError(
                f"{key}: expected a string, found {type(value).__name__}", where=where
            )
        else:
            found[key] = _relative(value, key, base if isinstance(base, str) else None, root, where)
    return Patterns(found["record_pattern"], found["bundle_pattern"], f"the manifest {where}")


def _same_root(base: object, root: str) -> bool:
    return isinstance(base, str) and bool(base) and base.rstrip("/") + "/" == root


def _relative(value: str, key: str, base: str | None, root: str, where: str) -> str:
    """A manifest pattern as a checked template relative to the source's root."""
    rel: str | None = None
    for prefix in (root, base.rstrip("/") + "/" if base else None):
        if prefix and value.startswith(prefix):
            rel = value[len(prefix) :]
            break
    if rel is None:
        if _SCHEME.match(value) or value.startswith(("/", "\\")):
            raise ManifestError(
                f"{key}: refused pattern {value[:120]!r}: it points outside the source "
                "(another scheme, host or folder); pull fetches only from SOURCE",
                where=where,
            )
        rel = value
    try:
        return check_template(rel, where)
    except UnsafePath as exc:
        raise ManifestError(f"{key}: {exc.message}", where=where) from None
