"""Build configuration: ``pithgen.toml`` (when present) with command-line flags winning.

``pithgen.toml``::

    [site]
    title = "My Pith mirror"
    base_url = "https://example.org/pith-mirror/"
    description = "Markdown text shown on the home page."
    page_size = 100

    [build]
    records = "records"
    out = "site"
    trust_keys = ["keys/my-registry.json"]
    default_keys = true
    keep_going = false
    templates = "templates"
    events = "events"             # event files (.jsonl of signed events) beside records/
    jobs = 4                      # worker processes (default: every core)
    cache = ".pithgen-cache"      # the build cache (default: beside the output folder)

    [log]                         # the mirror's transparency log (docs/log.md)
    key = "keys/mirror-log.private.json"  # signs its checkpoints (no key: no log)
    origin = "example.org/pith-mirror/log" # default: the base URL's log/, without scheme
    from = "https://example.org/pith-mirror/log/"  # the previous log when the site and the
                                  # build cache have none (a CI job after a cache miss)

Relative paths in the file are relative to the file's folder. A file with problems is
refused with one :class:`ConfigError` listing every problem (one per line, each naming
its table and key), so that a user fixes them all in one go.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from pithgen.errors import ConfigError

CONFIG_NAME = "pithgen.toml"
CACHE_NAME = ".pithgen-cache"
DEFAULT_TITLE = "Pith mirror"
PAGE_SIZES = range(10, 10_001)
KNOWN_KEYS: Mapping[str, frozenset[str]] = {
    "site": frozenset({"title", "base_url", "description", "page_size"}),
    "log": frozenset({"key", "origin", "from"}),
    "build": frozenset(
        {
            "records",
            "out",
            "trust_keys",
            "default_keys",
            "keep_going",
            "templates",
            "jobs",
            "cache",
            "events",
        }
    ),
}


@dataclass(frozen=True)
class BuildConfig:
    records: Path = Path("records")
    out: Path = Path("site")
    base_url: str | None = None
    title: str = DEFAULT_TITLE
    description: str = ""
    page_size: int = 100
    trust_keys: tuple[Path, ...] = ()
    default_keys: bool = True
    keep_going: bool = False
    templates: Path | None = None
    #: Event files (``.jsonl``) attaching events to records; ``None``: ``events/`` beside
    #: the records folder.
    events: Path | None = None
    #: Worker processes; ``None``: every core (see :mod:`pithgen.parallel`).
    jobs: int | None = None
    #: The build cache folder; ``None``: ``.pithgen-cache`` beside the output folder.
    cache: Path | None = None
    use_cache: bool = True
    #: The mirror's log (pithgen.logstage): the private key that signs its checkpoints (no
    #: key: no log), its origin (None: derived from the base URL), and whether to start a
    #: new log instead of extending the previous one.
    log_key: Path | None = None
    log_origin: str | None = None
    new_log: bool = False
    #: Where to read the previous log when neither the site nor the build cache has it:
    #: the published site's log folder (an http(s) URL) or a local copy of it.
    log_from: str | None = None
    origin: str = "defaults"

    @property
    def events_dir(self) -> Path:
        """Where the event files are (a folder that need not exist)."""
        return self.events if self.events is not None else self.records.parent / "events"

    @property
    def cache_dir(self) -> Path:
        """Where the build cache lives."""
        return self.cache if self.cache is not None else self.out.parent / CACHE_NAME

    def with_overrides(
        self,
        *,
        records: Path | None = None,
        out: Path | None = None,
        base_url: str | None = None,
        title: str | None = None,
        trust_keys: Sequence[Path] = (),
        default_keys: bool | None = None,
        keep_going: bool | None = None,
        jobs: int | None = None,
        cache: Path | None = None,
        use_cache: bool | None = None,
        events: Path | None = None,
        log_key: Path | None = None,
        new_log: bool | None = None,
        log_from: str | None = None,
    ) -> BuildConfig:
        """Flags win over the file; ``None`` means 'not given on the command line'.
        Trusted keys add up: the file's, then the command line's."""
        return replace(
            self,
            records=self.records if records is None else records,
            out=self.out if out is None else out,
            base_url=self.base_url
            if base_url is None
            else normalise_base_url(base_url, "--base-url"),
            title=self.title if title is None else title,
            trust_keys=self.trust_keys + tuple(trust_keys),
            default_keys=self.default_keys if default_keys is None else default_keys,
            keep_going=self.keep_going if keep_going is None else keep_going,
            jobs=self.jobs if jobs is None else jobs,
            cache=self.cache if cache is None else cache,
            use_cache=self.use_cache if use_cache is None else use_cache,
            events=self.events if events is None else events,
            log_key=self.log_key if log_key is None else log_key,
            new_log=self.new_log if new_log is None else new_log,
            log_from=self.log_from if log_from is None else log_from,
        )


_URL_TEXT = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no space
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]*")  # RFC 3986 pchar, unescaped


def _host_problem(host: str) -> str | None:
    """What is wrong with the host of a URL (lowercase, without port), or None."""
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return f"{host!r} is not an IPv6 address"
        return None
    name = host[:-1] if host.endswith(".") else host
    if name.replace(".", "").isdigit():
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            return f"{host!r} is not an IPv4 address"
        return None
    if len(name) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in name.split(".")):
        return (
            f"{host!r} is not a host name (labels of 1 to 63 letters, digits or '-', "
            "separated by '.'; an international name in its xn-- form)"
        )
    return None


def _host_and_port(netloc: str) -> tuple[str, str | None]:
    """``host:port`` (or ``[v6]:port``) split; the port is None when there is no ':'."""
    if netloc.startswith("["):
        end = netloc.find("]") + 1
        if end == 0:
            return netloc, None  # an unclosed '[': _host_problem says what is wrong
        host, rest = netloc[:end], netloc[end:]
        return host, (rest[1:] if rest.startswith(":") else (rest or None))
    host, colon, port = netloc.partition(":")
    return host, (port if colon else None)


def base_url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as the site's public URL, or None.

    The base URL is written into every page, the 404 page's root-relative links and
    script, the sitemap, the feed and the manifest, so it must be exactly an ``http(s)``
    URL of a real host: no user name (``user@``), a port from 1 to 65535 if any, no
    query or fragment, and a path without empty (``//``), ``.`` or ``..`` segments and
    without characters that would need escaping (a path starting with ``//`` would make
    the 404 page load its script from another host)."""
    if not _URL_TEXT.fullmatch(url):
        return (
            "expected a URL of printable ASCII characters (no spaces, no control or "
            f"non-ASCII characters; an international host in its xn-- form), found {url!r}"
        )
    if "\\" in url:
        return f"expected a URL without backslashes, found {url!r}"
    scheme, sep, _ = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return f"expected an absolute http(s) URL (http://HOST/ or https://HOST/), found {url!r}"
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed '[' of an IPv6 host
        return f"expected a URL, found {url!r} ({exc})"
    if "?" in url or "#" in url:
        return f"expected a URL without query or fragment, found {url!r}"
    if "@" in parts.netloc:
        return f"expected a URL without a user name or password (user@), found {url!r}"
    host, port = _host_and_port(parts.netloc)
    if not host:
        return f"expected a URL with a host, found {url!r}"
    problem = _host_problem(host.lower())
    if problem is not None:
        return f"expected a URL with a valid host: {problem}, in {url!r}"
    if port is not None and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        return f"expected a port from 1 to 65535 after the host, found {port!r} in {url!r}"
    if parts.path and not parts.path.startswith("/"):
        return f"expected the path to start with '/', found {url!r}"
    segments = parts.path.split("/")[1:]
    if any(s == "" for s in segments[:-1]):
        return f"expected a path without empty segments ('//'), found {url!r}"
    if any(s in (".", "..") for s in segments):
        return f"expected a path without '.' or '..' segments, found {url!r}"
    bad = sorted({c for s in segments for c in s if not _PATH_SEGMENT.fullmatch(c)})
    if bad:
        return (
            f"expected a path of letters, digits and -._~!$&'()*+,;=:@ (no percent-escapes), "
            f"found {''.join(bad)!r} in {url!r}"
        )
    return None


def normalise_base_url(url: str, where: str) -> str:
    """``url`` with its scheme and host in lowercase and a trailing slash;
    :class:`ConfigError` naming ``where`` and what is wrong if unusable."""
    problem = base_url_problem(url)
    if problem is not None:
        raise ConfigError(f"base URL: {problem}", where=where)
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


def describe(value: object) -> str:
    """A TOML value named by its TOML type (and shown, when short), for messages."""
    kinds: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
        ((datetime.date, datetime.time), "a date/time"),
    )
    name = next((text for kind, text in kinds if isinstance(value, kind)), type(value).__name__)
    shown = repr(value)
    return f"{name} {shown}" if len(shown) <= 40 and not isinstance(value, dict) else name


class _Table:
    """Typed reads from one table of the file; a value of the wrong type is noted as a
    problem (and read as absent) instead of stopping the reading."""

    def __init__(self, name: str, values: Mapping[str, object], problems: list[str]) -> None:
        self.name = name
        self.values = values
        self.problems = problems

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"[{self.name}] {key}: {text}")

    def _wrong(self, key: str, expected: str) -> None:
        self.problem(key, f"expected {expected}, found {describe(self.values[key])}")

    def string(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None or isinstance(value, str):
            return value
        self._wrong(key, "a string")
        return None

    def integer(self, key: str) -> int | None:
        value = self.values.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        self._wrong(key, "an integer")
        return None

    def flag(self, key: str) -> bool | None:
        value = self.values.get(key)
        if value is None or isinstance(value, bool):
            return value
        self._wrong(key, "true or false")
        return None

    def strings(self, key: str) -> list[str]:
        value = self.values.get(key)
        if value is None:
            return []
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return [str(item) for item in value]
        self._wrong(key, "an array of paths (strings)")
        return []


def _read_toml(path: Path) -> dict[str, object]:
    where = str(path)
    try:
        data: dict[str, object] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("configuration file not found", where=where) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read TOML: {exc}", where=where) from None
    return data


def _tables(data: Mapping[str, object], problems: list[str]) -> dict[str, _Table]:
    for name in sorted(set(data) - set(KNOWN_KEYS)):
        problems.append(f"[{name}]: unknown table; expected [site], [build] and [log]")
    tables = {}
    for name, known in KNOWN_KEYS.items():
        values = data.get(name, {})
        if not isinstance(values, dict):
            problems.append(f"{name}: expected a table [{name}], found {describe(values)}")
            values = {}
        for key in sorted(set(values) - known):
            problems.append(
                f"[{name}] {key}: unknown key; expected one of {', '.join(sorted(known))}"
            )
        tables[name] = _Table(name, values, problems)
    return tables


def _joined(problems: Sequence[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems)


def _source(base: Path, value: str | None) -> str | None:
    """A URL as it is; a folder relative to the configuration file's folder."""
    if value is None or value.lower().startswith(("http://", "https://")):
        return value
    return str(base / value)


def load_config(path: Path | None, *, cwd: Path) -> BuildConfig:
    """Read ``path`` (or ``cwd/pithgen.toml`` if it exists); defaults otherwise.

    Raises one :class:`ConfigError` listing every problem of the file."""
    if path is None:
        candidate = cwd / CONFIG_NAME
        if not candidate.is_file():
            folder = cwd / "templates"
            return BuildConfig(
                records=cwd / "records",
                out=cwd / "site",
                templates=folder if folder.is_dir() else None,
            )
        path = candidate
    problems: list[str] = []
    tables = _tables(_read_toml(path), problems)
    site, build, log = tables["site"], tables["build"], tables["log"]
    title = site.string("title")
    description = site.string("description")
    page_size = site.integer("page_size")
    if page_size is not None and page_size not in PAGE_SIZES:
        site.problem("page_size", f"expected 10..10000, found {page_size}")
        page_size = None
    base_url = site.string("base_url")
    url_problem = base_url_problem(base_url) if base_url else None
    if url_problem is not None:
        site.problem("base_url", url_problem)
    records, out = build.string("records"), build.string("out")
    trust_keys = build.strings("trust_keys")
    default_keys, keep_going = build.flag("default_keys"), build.flag("keep_going")
    templates = build.string("templates")
    jobs = build.integer("jobs")
    if jobs is not None and not 1 <= jobs <= 256:
        build.problem("jobs", f"expected 1..256, found {jobs}")
        jobs = None
    cache = build.string("cache")
    events = build.string("events")
    log_key, log_origin = log.string("key"), log.string("origin")
    log_from = log.string("from")
    if templates and not (path.parent / templates).is_dir():
        build.problem(
            "templates",
            f"expected a folder of template overrides, found none at {path.parent / templates}",
        )
    if problems:
        raise ConfigError(_joined(problems), where=str(path))
    base = path.parent
    default_templates = base / "templates"
    return BuildConfig(
        records=base / (records or "records"),
        out=base / (out or "site"),
        base_url=normalise_base_url(base_url, str(path)) if base_url else None,
        title=title or DEFAULT_TITLE,
        description=description or "",
        page_size=page_size or 100,
        trust_keys=tuple(base / k for k in trust_keys),
        default_keys=True if default_keys is None else default_keys,
        keep_going=bool(keep_going),
        templates=(base / templates)
        if templates
        else (default_templates if default_templates.is_dir() else None),
        jobs=jobs,
        cache=base / cache if cache else None,
        events=base / events if events else None,
        log_key=base / log_key if log_key else None,
        log_origin=log_origin,
        log_from=_source(base, log_from),
        origin=str(path),
    )
