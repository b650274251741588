"""What an audit trusts: the mirror's published record keys and its log key.

**Record keys.** A mirror publishes the keys it verified its records under: the
manifest's ``trusted_keys`` (``pith-mirrors.json``), each with its key document
(``keys/KEY_ID.json``). The audit verifies every record under exactly those keys, read
from the key documents (checked as ``--trust-key`` files are: the strict Ed25519 rule, no
secret material), and requires the manifest to name the same public keys.

**The log key.** By default the key the mirror publishes: ``keys/log.vkey`` (a C2SP
verifier key), which the manifest's ``log`` block must repeat (vkey, origin, note key id,
public key). A reader who kept the key from an earlier visit pins it with ``--log-key``:
the checkpoint must then verify under that key, and a site now publishing another key
fails. Problems are reported under the ``manifest`` check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pithgen import layout
from pithgen.audit.findings import Findings
from pithgen.audit.source import AuditSource
from pithgen.checks import shown
from pithgen.errors import KeyFileError, LogError
from pithgen.keys import KeyRing, check_key_id, key_from_dict
from pithgen.strictjson import JSONDefect, parse_document
from pithgen.tlog.note import NoteVerifier

MAX_KEYS = 1000
CHECK = "manifest"


@dataclass(frozen=True)
class Trust:
    """The keys an audit checks with, and what the manifest says of the log."""

    keys: KeyRing
    verifier: NoteVerifier | None
    key_from: str
    manifest_log: dict[str, Any] | None


def read_trust(source: AuditSource, pinned: NoteVerifier | None, findings: Findings) -> Trust:
    """The record keys and the log key of the mirror (see the module docstring)."""
    mirror = _mirror(source, findings)
    keys = _record_keys(source, mirror, findings) if mirror is not None else KeyRing()
    published = _published_vkey(source, findings)
    log = mirror.get("log") if mirror is not None else None
    if mirror is not None and not isinstance(log, dict):
        findings.fail(CHECK, source.url(layout.MANIFEST), "expected a 'log' block, found none")
        log = None
    if log is not None and published is not None:
        _compare_log_block(source.url(layout.MANIFEST), log, published, findings)
    if pinned is None:
        return Trust(keys, published, source.url(layout.LOG_KEY), log)
    if published is not None and published.vkey != pinned.vkey:
        findings.fail(
            CHECK,
            source.url(layout.LOG_KEY),
            f"expected the pinned log key {pinned.vkey}, found {shown(published.vkey)}",
        )
    return Trust(keys, pinned, "--log-key", log)


def _mirror(source: AuditSource, findings: Findings) -> dict[str, Any] | None:
    """This mirror's entry of the manifest (the only one, or the one at its base URL)."""
    where = source.url(layout.MANIFEST)
    data = source.get(layout.MANIFEST)
    if data is None:
        findings.fail(CHECK, where, "expected the mirror manifest, found none")
        return None
    try:
        manifest = parse_document(data)
    except JSONDefect as exc:
        findings.fail(CHECK, where, f"expected a mirror manifest (JSON), found: {exc}")
        return None
    mirrors = manifest.get("mirrors")
    if manifest.get("manifest_type") != "pith_mirror_manifest" or not isinstance(mirrors, list):
        findings.fail(
            CHECK,
            where,
            "expected manifest_type 'pith_mirror_manifest' and a list of mirrors, found "
            f"{shown(manifest.get('manifest_type'))}",
        )
        return None
    mine = [m for m in mirrors if isinstance(m, dict) and _at(m.get("base_url"), source.root)]
    if not mine and len(mirrors) == 1 and isinstance(mirrors[0], dict):
        mine = mirrors
    if not mine:
        findings.fail(
            CHECK, where, f"expected this mirror among its {len(mirrors)} mirrors, found none"
        )
        return None
    found: dict[str, Any] = mine[0]
    return found


def _at(base: object, root: str) -> bool:
    return isinstance(base, str) and bool(base) and base.rstrip("/") + "/" == root


def _record_keys(source: AuditSource, mirror: dict[str, Any], findings: Findings) -> KeyRing:
    """The keys the manifest lists, each read from its published key document."""
    ring = KeyRing()
    where = source.url(layout.MANIFEST)
    listed = mirror.get("trusted_keys")
    if not isinstance(listed, list) or not 1 <= len(listed) <= MAX_KEYS:
        findings.fail(
            CHECK, where, f"trusted_keys: expected a list of 1 to {MAX_KEYS} keys, found "
            f"{shown(listed, 60)}",
        )  # fmt: skip
        return ring
    for n, item in enumerate(listed):
        key_id = item.get("key_id") if isinstance(item, dict) else None
        at = where
        try:
            if not isinstance(key_id, str):
                raise KeyFileError(f"trusted_keys[{n}]: expected a key_id, found {shown(key_id)}")
            check_key_id(key_id, None)
            path = layout.key_document(key_id)
            at = source.url(path)  # a checked key id is a safe path segment
            data = source.get(path)
            if data is None:
                raise KeyFileError("expected the key document of a trusted key, found none")
            try:
                doc = parse_document(data)
            except JSONDefect as exc:
                raise KeyFileError(f"expected a JSON key document, found: {exc}") from None
            key = key_from_dict(doc, f"key document {at}")
            stated = item.get("public_key_hex") if isinstance(item, dict) else None
            if key.key_id != key_id:
                raise KeyFileError(f"expected key_id {key_id!r}, found {key.key_id!r}")
            if stated != key.raw.hex():
                raise KeyFileError(
                    f"the manifest lists key {key_id} as {shown(stated)}, its key document "
                    f"holds {key.raw.hex()}"
                )
            ring.add(key)
        except KeyFileError as exc:
            findings.fail(CHECK, at, exc.message)
    return ring


def _published_vkey(source: AuditSource, findings: Findings) -> NoteVerifier | None:
    where = source.url(layout.LOG_KEY)
    data = source.get(layout.LOG_KEY)
    if data is None:
        findings.fail(CHECK, where, "expected the log's verifier key, found none")
        return None
    try:
        text = data.decode("ascii")
        if not text.endswith("\n") or text.count("\n") != 1:
            raise LogError(f"expected one line ending in a newline, found {shown(text, 200)}")
        return NoteVerifier.parse(text[:-1])
    except (UnicodeDecodeError, LogError) as exc:
        message = exc.message if isinstance(exc, LogError) else "expected ASCII text"
        findings.fail(CHECK, where, f"expected a verifier key: {message}")
        return None


def _compare_log_block(
    where: str, log: dict[str, Any], vkey: NoteVerifier, findings: Findings
) -> None:
    """The manifest's ``log`` block names the key ``keys/log.vkey`` holds."""
    expected = {
        "vkey": vkey.vkey,
        "origin": vkey.name,
        "note_key_id": f"{vkey.key_id:08x}",
        "public_key_hex": vkey.public_key.hex(),
    }
    for name, value in expected.items():
        if log.get(name) != value:
            findings.fail(
                CHECK,
                where,
                f"log.{name}: expected {value} (from {layout.LOG_KEY}), found "
                f"{shown(log.get(name))}",
            )


__all__ = ["Trust", "read_trust"]
