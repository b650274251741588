"""arXiv identifier grammar and resolver query parsing.

Everything a person might paste into the resolver (spec section 3) is parsed here into a
:class:`Query`.  ``templates/assets/pithgen.js`` mirrors :func:`parse_query` line for line;
``tests/fixtures/resolve_cases.json`` is run through both implementations, so any change
here must be made there too.

Rules (shared with the JavaScript):

* Surrounding whitespace is stripped using the explicit :data:`WHITESPACE` set (not
  ``str.strip``, whose notion of whitespace differs from JavaScript's ``trim``).
* A query that still contains anything but printable ASCII (0x20-0x7E) is ``none``: every
  accepted form is printable ASCII, and refusing the rest keeps Python's and JavaScript's
  case mapping, ``.`` and ``\\s`` semantics identical.  Spaces are allowed only after
  ``arXiv:`` and ``doi:``.
* Matching is case-insensitive (the query is ASCII-lowercased).  arXiv ids come out
  lowercase (old-style archive names are lowercase; new ids are digits), Pith suffixes come
  out uppercase.
* A version is ``v`` followed by 1 to 6 digits without a leading zero (``v0`` is invalid).
* An old-style id's archive is one of :data:`OLD_ARCHIVES`, the fixed list of arXiv's
  archives from before April 2007 (``hep-th/9901001``; ``foo/9901001`` is no id), so that
  an id is case-unambiguous and can never spell a reserved file name.
* Old-style ids with a subject class (``math.GT/0309136``) are normalised to the canonical
  record form without it (``math/0309136``).
* URLs: ``arxiv.org/{abs,pdf,html}/ID``, ``doi.org/DOI``, ``dx.doi.org/DOI``, and any
  ``http(s)://``/``file://`` URL containing ``/pith/{26-char suffix}`` (a Pith page or a
  mirror of one).  The scheme and ``www.``/``export.`` host prefixes are optional; ``?``
  query strings and ``#`` fragments, trailing slashes, a ``.pdf`` ending and ``%2F``
  (percent-encoded slash) are handled.
* A bare base32 string counts as a Pith suffix prefix only when it is 8 to 26 characters
  long (``pith:`` prefixed ones from 4); shorter bare words never match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pithgen.canonical import SUFFIX_LEN

__all__ = [
    "ARXIV_NEW",
    "ARXIV_NEW_RE",
    "ARXIV_OLD",
    "ARXIV_OLD_RE",
    "OLD_ARCHIVE",
    "OLD_ARCHIVES",
    "PITH_SUFFIX_LEN",
    "WHITESPACE",
    "Query",
    "QueryKind",
    "is_arxiv_id",
    "parse_arxiv",
    "parse_query",
]

#: New-style arXiv id without version: ``YYMM.NNNN`` (0704-1412) or ``YYMM.NNNNN`` (1501-).
#: Both lengths are accepted for any month; MM must be 01-12.  ``\Z`` (not ``$``) so that
#: ``.match()`` never accepts a trailing newline.
ARXIV_NEW = r"[0-9]{2}(?:0[1-9]|1[0-2])\.[0-9]{4,5}"
ARXIV_NEW_RE = re.compile(rf"^{ARXIV_NEW}\Z")

#: arXiv's archives of old-style ids (1991 to March 2007), the only ones there will ever be:
#: the archives of arXiv's taxonomy (info.arxiv.org/help/arxiv_identifier.html, the
#: ``ARCHIVES`` of arXiv's own arxiv-base taxonomy) that began before the April 2007 scheme
#: change, so not ``econ``, ``eess``, ``q-fin``, ``stat`` (nor the ``test`` archive).
#: ``templates/assets/pithgen.js`` holds the same list (``OLD_ARCHIVES``; a test compares).
OLD_ARCHIVES = (
    "acc-phys",
    "adap-org",
    "alg-geom",
    "ao-sci",
    "astro-ph",
    "atom-ph",
    "bayes-an",
    "chao-dyn",
    "chem-ph",
    "cmp-lg",
    "comp-gas",
    "cond-mat",
    "cs",
    "dg-ga",
    "funct-an",
    "gr-qc",
    "hep-ex",
    "hep-lat",
    "hep-ph",
    "hep-th",
    "math",
    "math-ph",
    "mtrl-th",
    "nlin",
    "nucl-ex",
    "nucl-th",
    "patt-sol",
    "physics",
    "plasm-ph",
    "q-alg",
    "q-bio",
    "quant-ph",
    "solv-int",
    "supr-con",
)
#: One of :data:`OLD_ARCHIVES`, as a regular expression (names are letters and ``-``).
OLD_ARCHIVE = "(?:" + "|".join(OLD_ARCHIVES) + ")"

#: Old-style arXiv id without version, canonical form: ``archive/YYMMNNN`` with one of
#: :data:`OLD_ARCHIVES` (``hep-th``, ``astro-ph``, ``math``, ...) and no subject class.
ARXIV_OLD = OLD_ARCHIVE + r"/[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{3}"
ARXIV_OLD_RE = re.compile(rf"^{ARXIV_OLD}\Z")

PITH_SUFFIX_LEN = SUFFIX_LEN
#: Shortest prefix accepted after ``pith:`` and without it.
PITH_MIN_PREFIX = 4
PITH_MIN_BARE = 8

#: Characters stripped from both ends of a query (identical set in pithgen.js).
WHITESPACE = (
    " \t\n\r\f\v\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)

QueryKind = Literal["pith", "arxiv", "none"]

_VERSION = r"(?:v([1-9][0-9]{0,5}))?"
_NEW_WITH_VERSION = re.compile(r"([0-9]{4}\.[0-9]{4,5})" + _VERSION)
_OLD_WITH_VERSION = re.compile(rf"({OLD_ARCHIVE})(?:\.[a-z]{{2}})?/([0-9]{{7}})" + _VERSION)
_ARXIV_URL = re.compile(
    r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/([^?#]*)(?:[?#].*)?"
)
_DOI_URL = re.compile(r"(?:https?://)?(?:dx\.)?doi\.org/([^?#]*)(?:[?#].*)?")
_PITH_URL = re.compile(
    rf"(?:https?|file)://[^?#]*/pith/([a-z2-7]{{{PITH_SUFFIX_LEN}}})(?:[./?#].*)?"
)
_DOI_PREFIX = re.compile(r"doi: *(.*)")
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)")
_ARXIV_PREFIX = re.compile(r"arxiv: *(.+)")
_PITH_FULL = re.compile(rf"pith:[0-9]{{4}}:([a-z2-7]{{{PITH_SUFFIX_LEN}}})")
_PITH_SHORT = re.compile(rf"pith:([a-z2-7]{{{PITH_MIN_PREFIX},{PITH_SUFFIX_LEN}}})")
_PITH_BARE = re.compile(rf"[a-z2-7]{{{PITH_MIN_BARE},{PITH_SUFFIX_LEN}}}")
_PCT_SLASH = re.compile(r"%2f", re.IGNORECASE)
_STRIP = re.compile("^[" + WHITESPACE + "]+|[" + WHITESPACE + r"]+\Z")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")
_TRAILING_SLASHES = re.compile(r"/+$")


@dataclass(frozen=True)
class Query:
    """A parsed resolver query.

    ``kind == "pith"``: ``value`` is the uppercase suffix or suffix prefix, ``prefix`` is
    true when it is shorter than 26 characters, ``version`` is None.
    ``kind == "arxiv"``: ``value`` is the normalised id without version, ``version`` the
    requested version or None, ``prefix`` is false.
    ``kind == "none"``: ``value`` is the whitespace-stripped input.
    """

    kind: QueryKind
    value: str
    version: int | None
    prefix: bool


def is_arxiv_id(s: str) -> bool:
    """True if ``s`` is exactly a canonical arXiv id (either grammar, no version)."""
    return bool(ARXIV_NEW_RE.match(s) or ARXIV_OLD_RE.match(s))


def parse_arxiv(s: str) -> tuple[str, int | None] | None:
    """Parse an arXiv id with optional version (``1810.06877v2``, ``math.GT/0309136``).

    Case-insensitive; returns ``(normalised id, version or None)`` or None.  No prefixes,
    URLs or whitespace are accepted here.
    """
    if not _PRINTABLE_ASCII.fullmatch(s):
        return None
    low = s.lower()
    m = _NEW_WITH_VERSION.fullmatch(low)
    if m:
        arxiv_id = m.group(1)
        version = m.group(2)
    else:
        m = _OLD_WITH_VERSION.fullmatch(low)
        if not m:
            return None
        arxiv_id = m.group(1) + "/" + m.group(2)
        version = m.group(3)
    if not is_arxiv_id(arxiv_id):
        return None
    return arxiv_id, (int(version) if version else None)


def _strip(q: str) -> str:
    return _STRIP.sub("", q)


def _url_path(path: str) -> str:
    """Decode ``%2F`` and drop trailing slashes from the path part of a URL."""
    return _TRAILING_SLASHES.sub("", _PCT_SLASH.sub("/", path))


def _arxiv_query(s: str) -> Query | None:
    parsed = parse_arxiv(s)
    if parsed is None:
        return None
    return Query("arxiv", parsed[0], parsed[1], False)


def _doi_query(s: str) -> Query | None:
    m = _ARXIV_DOI.fullmatch(s)
    return _arxiv_query(m.group(1)) if m else None


def _pith_query(suffix: str) -> Query:
    value = suffix.upper()
    return Query("pith", value, None, len(value) < PITH_SUFFIX_LEN)


def _parse_lower(s: str) -> Query | None:
    """Parse an ASCII-lowercased, stripped, non-empty query; None when nothing fits."""
    m = _ARXIV_URL.fullmatch(s)
    if m:
        path = _url_path(m.group(1))
        if path.endswith(".pdf"):
            path = path[: -len(".pdf")]
        return _arxiv_query(path)
    m = _DOI_URL.fullmatch(s)
    if m:
        return _doi_query(_url_path(m.group(1)))
    m = _PITH_URL.fullmatch(s)
    if m:
        return _pith_query(m.group(1))
    m = _DOI_PREFIX.fullmatch(s)
    if m:
        return _doi_query(m.group(1))
    m = _ARXIV_PREFIX.fullmatch(s)
    if m:
        return _arxiv_query(m.group(1))
    m = _PITH_FULL.fullmatch(s)
    if m:
        return _pith_query(m.group(1))
    m = _PITH_SHORT.fullmatch(s)
    if m:
        return _pith_query(m.group(1))
    found = _doi_query(s) or _arxiv_query(s)
    if found:
        return found
    if _PITH_BARE.fullmatch(s):
        return _pith_query(s)
    return None


def parse_query(q: str) -> Query:
    """Parse anything a person might paste into the resolver (spec section 3).

    Returns ``Query("none", stripped_input, None, False)`` when nothing fits.
    """
    stripped = _strip(q)
    if _PRINTABLE_ASCII.fullmatch(stripped):
        found = _parse_lower(stripped.lower())
        if found is not None:
            return found
    return Query("none", stripped, None, False)
