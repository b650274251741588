"""The grammar of every path pull fetches from a source, and of the patterns that build
them.

A source is a root (a URL ending in ``/`` or a local folder); everything fetched from it
is the root plus a *relative path* of this grammar: ``/``-separated segments of
``A-Z a-z 0-9 . _ ~ -``, no empty segment, no ``.`` or ``..`` segment, no ``%``, ``?``,
``#``, ``\\`` or ``:``. Such a path names the same file under any URL root and any
folder: it cannot climb out of the root, change scheme or host, or be decoded into
something else. Patterns from a source's manifest (untrusted) must have the same grammar
with exactly one ``{suffix}`` placeholder, which is only ever filled with a
26-character base32 suffix.
"""

from __future__ import annotations

import re

from pithgen.errors import PithgenError

SUFFIX_RE = re.compile(r"[A-Z2-7]{26}")
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
PLACEHOLDER = "{suffix}"
MAX_PATH = 512


class UnsafePath(PithgenError):
    """A path or pattern that would leave the source's root, or could be read as
    something other than a plain relative path."""


def _segments_ok(path: str) -> str | None:
    """Why ``path`` is not a safe relative path, or ``None`` when it is."""
    if not path:
        return "it is empty"
    if len(path) > MAX_PATH:
        return f"it is longer than {MAX_PATH} characters"
    for segment in path.split("/"):
        if segment == "":
            return "it has an empty segment (a leading, trailing or doubled '/')"
        if segment in (".", ".."):
            return f"it has a {segment!r} segment"
        if not _SEGMENT.fullmatch(segment):
            return (
                f"segment {segment[:40]!r} has a character outside "
                "A-Z a-z 0-9 . _ ~ - (no %, ?, #, :, \\ or spaces)"
            )
    return None


def check_relpath(path: str) -> str:
    """``path`` itself when it is a safe relative path; else :class:`UnsafePath`."""
    why = _segments_ok(path)
    if why is not None:
        raise UnsafePath(f"refused path {path[:80]!r}: {why}")
    return path


def check_template(template: str, where: str) -> str:
    """``template`` itself when it is a safe relative path with exactly one
    ``{suffix}``, ending in ``.json``; else :class:`UnsafePath` naming ``where``."""
    why: str | None
    if template.count(PLACEHOLDER) != 1:
        why = f"expected exactly one {PLACEHOLDER}, found {template.count(PLACEHOLDER)}"
    elif not template.endswith(".json"):
        why = "expected a path ending in .json"
    else:
        why = _segments_ok(template.replace(PLACEHOLDER, "A" * 26))
    if why is not None:
        raise UnsafePath(f"refused pattern {template[:120]!r}: {why}", where=where)
    return template


def fill(template: str, suffix: str) -> str:
    """The path of ``suffix`` under a checked template (the suffix is checked too)."""
    if not SUFFIX_RE.fullmatch(suffix):
        raise UnsafePath(f"refused suffix {suffix[:40]!r}: expected 26 characters A-Z, 2-7")
    return check_relpath(template.replace(PLACEHOLDER, suffix))
