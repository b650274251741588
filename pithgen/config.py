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

Relative paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pithgen.errors import ConfigError

CONFIG_NAME = "pithgen.toml"
DEFAULT_TITLE = "Pith mirror"


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
    origin: str = "defaults"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def with_overrides(self, **flags: Any) -> BuildConfig:
        """Flags win over the file; ``None`` means 'not given on the command line'."""
        given = {k: v for k, v in flags.items() if v is not None and v != ()}
        if "trust_keys" in given:
            given["trust_keys"] = tuple(self.trust_keys) + tuple(given["trust_keys"])
        if "base_url" in given:
            given["base_url"] = normalise_base_url(given["base_url"], "--base-url")
        return replace(self, **given)


def normalise_base_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"base URL: expected an absolute http(s) URL, found {url!r}", where=where)
    if parts.query or parts.fragment:
        raise ConfigError(f"base URL: expected no query or fragment, found {url!r}", where=where)
    return url if url.endswith("/") else url + "/"


def _expect(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        raise ConfigError(
            f"[{key}]: expected {kind.__name__}, found {type(value).__name__}", where=where
        )
    return value


def _flag(table: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = _expect(table, key, bool, where)
    return default if value is None else bool(value)


def load_config(path: Path | None, *, cwd: Path) -> BuildConfig:
    """Read ``path`` (or ``cwd/pithgen.toml`` if it exists); defaults otherwise."""
    if path is None:
        candidate = cwd / CONFIG_NAME
        if not candidate.is_file():
            templates = cwd / "templates"
            return BuildConfig(
                records=cwd / "records",
                out=cwd / "site",
                templates=templates if templates.is_dir() else None,
            )
        path = candidate
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("configuration file not found", where=where) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read TOML: {exc}", where=where) from None
    unknown = sorted(set(data) - {"site", "build"})
    if unknown:
        raise ConfigError(f"unknown table(s) {unknown}; expected [site] and [build]", where=where)
    site, build = data.get("site", {}), data.get("build", {})
    if not isinstance(site, dict) or not isinstance(build, dict):
        raise ConfigError("[site] and [build] must be tables", where=where)
    known_site = {"title", "base_url", "description", "page_size"}
    known_build = {"records", "out", "trust_keys", "default_keys", "keep_going", "templates"}
    for table, known, name in ((site, known_site, "site"), (build, known_build, "build")):
        extra = sorted(set(table) - known)
        if extra:
            raise ConfigError(
                f"[{name}]: unknown key(s) {extra}; expected some of {sorted(known)}", where=where
            )
    base = path.parent
    page_size = _expect(site, "page_size", int, where) or 100
    if not 10 <= page_size <= 10000:
        raise ConfigError(f"[site] page_size: expected 10..10000, found {page_size}", where=where)
    keys = _expect(build, "trust_keys", list, where) or []
    if not all(isinstance(k, str) for k in keys):
        raise ConfigError("[build] trust_keys: expected a list of paths", where=where)
    base_url = _expect(site, "base_url", str, where)
    templates = _expect(build, "templates", str, where)
    default_templates = base / "templates"
    return BuildConfig(
        records=base / (_expect(build, "records", str, where) or "records"),
        out=base / (_expect(build, "out", str, where) or "site"),
        base_url=normalise_base_url(base_url, where) if base_url else None,
        title=_expect(site, "title", str, where) or DEFAULT_TITLE,
        description=_expect(site, "description", str, where) or "",
        page_size=page_size,
        trust_keys=tuple(base / k for k in keys),
        default_keys=_flag(build, "default_keys", True, where),
        keep_going=_flag(build, "keep_going", False, where),
        templates=(base / templates)
        if templates
        else (default_templates if default_templates.is_dir() else None),
        origin=where,
    )
