"""The templates and assets in effect for a build: pithgen's defaults plus a site's overrides.

The default set is the top-level ``templates/`` folder of the project (``templates/*.html``,
``feed.xml`` and ``templates/assets/`` with the site's CSS and JavaScript). It is the
documented starting point for overrides: copy a file into your site's ``templates/``
folder (same relative path) and edit it. In an installed package the same folder ships as
``pithgen/templates`` (``pyproject.toml`` maps it there); in a source checkout or an
editable install it is read where it is.

Every template is rendered with autoescaping on: every record field is untrusted text.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from pithgen import __version__, layout
from pithgen.errors import ConfigError
from pithgen.templatefiles import default_templates_dir

#: Files copied verbatim into the site's ``assets/`` folder.
ASSET_FILES = ("pithgen.css", "pithgen.js", "theme.js", "verify.js", "favicon.svg")


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """Text that XML 1.0 can carry: C0 controls (other than tab, LF, CR) become U+FFFD.
    Escaping is left to autoescape."""
    return _XML_ILLEGAL.sub("\ufffd", str(value))


def script_json(value: Any) -> Markup:
    """JSON safe inside a <script> element (JSON-LD): no '<', '>' or '&' survives raw."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _visible_files(folder: Path) -> list[str]:
    """Every file below ``folder`` (relative, with ``/``), skipping dot-files and
    dot-folders (editors' swap files, ``.git``)."""
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            found.append(rel.as_posix())
    return found


def check_overrides(overrides: Path | None) -> None:
    """A site's overrides folder must exist and every file in it must have the relative
    path of one of pithgen's templates or assets: a misspelt override (``recrod.html``)
    would otherwise be silently ignored. :class:`ConfigError` naming the folder or every
    such file (and the names it could have meant)."""
    if overrides is None:
        return
    if not overrides.is_dir():
        raise ConfigError(
            "expected a folder of template overrides, found none", where=str(overrides)
        )
    known = _visible_files(default_templates_dir())
    strays = [rel for rel in _visible_files(overrides) if rel not in known]
    if not strays:
        return
    lines = []
    for rel in strays:
        close = difflib.get_close_matches(rel, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        lines.append(f"{rel} matches no template of pithgen{hint}")
    raise ConfigError(
        "; ".join(lines) + f"; an override has the path of one of: {', '.join(known)}",
        where=str(overrides),
    )


def make_env(overrides: Path | None) -> jinja2.Environment:
    """A Jinja2 environment over the site's overrides (first) and the defaults; the
    overrides are checked first (:func:`check_overrides`)."""
    check_overrides(overrides)
    folders = [str(overrides)] if overrides is not None else []
    folders.append(str(default_templates_dir()))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["script_json"] = script_json
    env.filters["xml_text"] = xml_text
    env.globals["pithgen_version"] = __version__
    env.globals["layout"] = layout
    return env


def asset_bytes(name: str, overrides: Path | None) -> bytes:
    """The bytes of ``assets/{name}``: the site's override if it has one, else the default."""
    if name not in ASSET_FILES:
        raise ValueError(f"unknown asset {name!r}")
    if overrides is not None:
        candidate = overrides / "assets" / name
        if candidate.is_file():
            return candidate.read_bytes()
    return (default_templates_dir() / "assets" / name).read_bytes()


def template_error_at(env: jinja2.Environment, exc: BaseException) -> str | None:
    """``FILE:LINE`` of the template where ``exc`` happened (or ``FILE``), or None when it
    did not happen in a template.

    A syntax error carries its file and line; an error while rendering (an undefined
    name, a division by zero, a filter given the wrong type) does not, but Jinja2 gives
    the traceback a frame for every template line it ran, named by the template's file:
    the innermost of those is where it happened."""
    folders = [str(Path(f)) + os.sep for f in getattr(env.loader, "searchpath", [])]
    found = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if any(name.startswith(folder) for folder in folders):
            found = f"{name}:{tb.tb_lineno}"
        tb = tb.tb_next
    if isinstance(exc, jinja2.TemplateSyntaxError):
        file = exc.filename or exc.name or "template"
        return f"{file}:{exc.lineno}" if exc.lineno else file
    if found is None and isinstance(exc, jinja2.TemplateError):
        return getattr(exc, "filename", None) or getattr(exc, "name", None) or "template"
    return found
