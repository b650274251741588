"""Portable output: no two written paths may differ only in case.

A site copied to a case-insensitive file system (macOS, Windows) keeps one of two files
whose paths differ only in case, so the copy would be silently broken. Comparing every
path with every other would take memory that grows with the site, so the check leans on
the layout's grammars (the reasoning is in :mod:`pithgen.layout`):

* Under the folders whose every name comes from a case-fixed grammar (``pith/``,
  ``arxiv/``, ``doi/``, ``browse/``, ``.well-known/``, ``resolve/``, ``search/``,
  ``verification/``, ``sitemaps/``: :data:`FIXED_TOPS`) a path must match those grammars
  exactly (:data:`GRAMMARS`); two different paths of these grammars never differ only in
  case (``tests/test_portable.py`` checks it with random values), so they need no memory.
* A path whose first segment differs only in case from one of those folders is refused.
* Every other path (the files at the root, ``assets/``, ``keys/{key_id}.json``: a few
  dozen) is remembered, folded, with its folders, and a second path or folder that
  differs from one of them only in case is refused.

Memory is therefore bounded by the number of paths outside the case-fixed folders (in a
built site: the fixed pages, the assets and one key document per trusted key).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pithgen import layout
from pithgen.errors import OutputError
from pithgen.identifiers import ARXIV_NEW, ARXIV_OLD
from pithgen.structure import CATEGORY_RE

#: What each placeholder of a case-fixed layout pattern may stand for in a built site.
#: Each grammar is case-fixed: two different values never differ only in case.
GRAMMARS = {
    "suffix": "[A-Z2-7]{26}",
    "short": "[A-Z2-7]{8}",
    "prefix": "[A-Z2-7]{1,26}",
    "arxiv_id": f"(?:{ARXIV_NEW}|{ARXIV_OLD})",
    "version": "[1-9][0-9]{0,5}",
    "kind": "(?:year|category)",
    "name": f"(?:[0-9]{{4}}|{CATEGORY_RE.pattern})",  # a year or a category
    "page": r"(?:index\.html|page-[1-9][0-9]{0,8}\.html)",
    "number": "[1-9][0-9]{0,8}",
    "shard": "[0-9a-f]{1,8}",
    "block": "(?:0|[1-9][0-9]{0,8})",
    # A tile path of C2SP tlog-tiles (pithgen.tlog.tiles owns it): digits, x and .p only.
    "tile": r"(?:entries|0|[1-9][0-9]?)/(?:x[0-9]{3}/){0,6}[0-9]{3}(?:\.p/[1-9][0-9]{0,2})?",
}

_SHARDS = (
    layout.RESOLVE_META,
    layout.RESOLVE_PITH_SHARD,
    layout.RESOLVE_ID_SHARD,
    layout.SEARCH_META,
    layout.SEARCH_TOKEN_SHARD,
    layout.SEARCH_DOC_BLOCK,
)

#: Every layout pattern whose placeholders all have a case-fixed grammar, in folders.
#: (``keys/{key_id}.json`` is not one: key ids are of mixed case.)
FIXED_PATTERNS = (
    layout.RECORD_JSON,
    layout.RECORD_PAGE,
    layout.BUNDLE,
    layout.BADGE,
    layout.STATE,
    layout.RECORD_PROOF,
    layout.BUNDLE_PROOF,
    layout.EVENTS,
    layout.WELL_KNOWN_BUNDLE,
    layout.SHORT_REDIRECT,
    layout.ARXIV_REDIRECT,
    layout.ARXIV_VERSION_REDIRECT,
    layout.DOI_REDIRECT,
    layout.LISTING,
    layout.BROWSE,
    layout.VERIFICATION_PAGE,
    layout.SITEMAP_PART,
    layout.LOG_CHECKPOINT,
    layout.LOG_TILE,
    *(layout.shard_script(name) for name in _SHARDS),
    *(layout.shard_json(name) for name in _SHARDS),
)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def pattern_regex(pattern: str) -> str:
    """The regular expression of a layout pattern, each placeholder its grammar."""
    parts = _PLACEHOLDER.split(pattern)
    return "".join(GRAMMARS[part] if n % 2 else re.escape(part) for n, part in enumerate(parts))


def _by_top() -> dict[str, re.Pattern[str]]:
    tops: dict[str, list[str]] = {}
    for pattern in FIXED_PATTERNS:
        top, _, _ = pattern.partition("/")
        tops.setdefault(top, []).append(pattern_regex(pattern))
    return {top: re.compile("|".join(regexes)) for top, regexes in tops.items()}


_FIXED = _by_top()
#: The top-level folders whose every path comes from case-fixed grammars.
FIXED_TOPS = frozenset(_FIXED)
_FIXED_FOLDED = {top.casefold(): top for top in FIXED_TOPS}


def _folders_and_self(relpath: str) -> Iterator[str]:
    """``a``, ``a/b``, ``a/b/c.html`` for ``a/b/c.html``."""
    start = 0
    while (cut := relpath.find("/", start)) >= 0:
        yield relpath[:cut]
        start = cut + 1
    yield relpath


class CaseGuard:
    """Refuses a written path that would share a file or folder with another one on a
    case-insensitive file system (see the module docstring)."""

    def __init__(self) -> None:
        self._free: dict[str, str] = {}  # casefold()ed path -> the path as written

    def check(self, relpath: str) -> None:
        """Raise :class:`OutputError` if ``relpath`` (already a safe path) could collide
        with another written path but for case."""
        top, slash, _ = relpath.partition("/")
        if slash and top in _FIXED:
            if not _FIXED[top].fullmatch(relpath):
                raise OutputError(
                    f"refusing output path {relpath!r}: the names under {top}/ must follow "
                    "the site layout's case-fixed grammars"
                )
            return
        fixed = _FIXED_FOLDED.get(top.casefold())
        if fixed is not None:
            raise OutputError(
                f"refusing output path {relpath!r}: {top!r} differs only in case from the "
                f"site's folder {fixed}/ (one name on a case-insensitive file system)"
            )
        for path in _folders_and_self(relpath):
            known = self._free.setdefault(path.casefold(), path)
            if known != path:
                raise OutputError(
                    f"two outputs differ only in case: {known!r} and {path!r} (in "
                    f"{relpath!r}); a case-insensitive file system (macOS, Windows) would "
                    "hold only one of them"
                )


__all__ = ["FIXED_PATTERNS", "FIXED_TOPS", "GRAMMARS", "CaseGuard", "pattern_regex"]
