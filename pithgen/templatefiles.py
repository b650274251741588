"""Where pithgen's own templates and assets are (:func:`default_templates_dir`): kept
apart from :mod:`pithgen.theme` so that hashing them (every build's render context,
:mod:`pithgen.cache.fingerprint`) does not load Jinja."""

from __future__ import annotations

from pathlib import Path

from pithgen.errors import ConfigError


def default_templates_dir() -> Path:
    """Where pithgen's own templates are: inside the installed package, or the project's
    top-level ``templates/`` folder when running from a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise ConfigError(
        "pithgen's default templates are missing (expected templates/base.html beside the "
        "package); reinstall pithgen",
        where=str(here),
    )
