"""Search tokenizer and shard hashing, shared by the Python index builder and pithgen.js.

``templates/assets/pithgen.js`` implements exactly the same functions (``tokenize``,
``queryTokens``, ``fnv1a32``, ``shardOf``); ``tests/test_js_logic.py`` runs both on
``tests/fixtures/token_cases.json`` and on random Unicode text, so any change here must be
made there too.

Tokenizer, step by step (JavaScript equivalent in brackets):

1. Fold: NFKC, ``lower()`` [``toLowerCase()``], final sigma U+03C2 -> U+03C3, NFKD, drop every
   nonspacing mark (general category ``Mn``: accents, so ``Schrödinger`` -> ``schrodinger``),
   NFC.
2. Find *compound tokens*: a word is a letter or number (``\\p{L}``/``\\p{N}``) followed by
   letters, numbers and remaining marks (``\\p{M}``); a compound is words joined by single
   ``.``, ``/``, ``:`` or ``-`` characters: ``cs.lg``, ``astro-ph/9610094``,
   ``1810.06877v2``, ``self-supervised``.  Everything else (spaces, ``_``, ``$``, ``\\``,
   apostrophes, emoji, ...) separates tokens; so TeX ``$\\alpha$-stable`` gives ``alpha``
   and ``stable``.
3. :func:`tokenize` (used for indexing) emits, per compound, the compound itself, then
   every contiguous run of its parts, longest first for each start position:
   ``astro-ph/9610094`` -> ``astro-ph/9610094``, ``astro-ph``, ``astro``,
   ``ph/9610094``, ``ph``, ``9610094``.  A query for any sub-compound therefore matches.
   Compounds with more than :data:`MAX_SPAN_PARTS` parts emit only the compound and its
   single parts (bounds the index size).
4. Single-character ASCII tokens (``a``, ``x``, ``1``) are dropped: they are in nearly
   every title and carry no meaning.  Single non-ASCII characters are kept (Greek
   letters, CJK characters): in Greek-letter physics titles and CJK text they are real words.
5. Tokens are de-duplicated, keeping the first occurrence.

:func:`query_tokens` returns only the (de-duplicated, length-filtered) compound tokens: a
query ``astro-ph`` requires the token ``astro-ph``, which the indexer emitted as a
sub-compound of ``astro-ph/9610094``.

Python and JavaScript agree exactly on text made of characters assigned in Python's
Unicode database (``unicodedata.unidata_version``; 14.0 on Python 3.11).  A browser's newer
Unicode treats characters assigned later as letters where Python sees separators, so such
characters may not be searchable; this is a documented limitation.  Within Unicode 14 one
assigned character tokenizes differently in current browsers: U+1171E (Ahom, ``Mn`` in 14,
``Mc`` from 15).  ``tests/test_js_logic.py`` checks every other assigned code point.

Dropping ``Mn`` also removes the Indic virama (``हिन्दी`` is indexed as ``हिनदी``); queries are
folded the same way, so such words still match.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

__all__ = [
    "MAX_SPAN_PARTS",
    "fnv1a32",
    "query_tokens",
    "shard_count",
    "shard_of",
    "tokenize",
]

#: Compounds with more parts than this only emit their single parts, not every run.
MAX_SPAN_PARTS = 6

_SPLIT_RE = re.compile(r"([./:-])")

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def _ranges(codepoints: list[int]) -> str:
    """A regex character-class body for a sorted list of code points."""
    out: list[str] = []
    start = prev = -2
    for cp in [*codepoints, -2]:
        if cp == prev + 1:
            prev = cp
            continue
        if start >= 0:
            out.append(re.escape(chr(start)))
            if prev > start:
                out.append("-" + re.escape(chr(prev)))
        start = prev = cp
    return "".join(out)


@functools.cache
def _regexes() -> tuple[dict[int, None], re.Pattern[str]]:
    """Build (nonspacing-mark deletion table, compound regex) from Python's Unicode database.

    Built once on first use (about 0.1 s) so that the classes are exactly the general
    categories ``\\p{Mn}``, ``\\p{L}``, ``\\p{N}``, ``\\p{M}`` that the JavaScript uses.
    """
    mn: list[int] = []
    word: list[int] = []
    mark: list[int] = []
    category = unicodedata.category
    for cp in range(sys.maxunicode + 1):
        cat = category(chr(cp))
        first = cat[0]
        if first in "LN":
            word.append(cp)
        elif first == "M":
            mark.append(cp)
            if cat == "Mn":
                mn.append(cp)
    w = "[" + _ranges(word) + "]"
    wm = "[" + _ranges(word + mark) + "]"
    part = w + wm + "*"
    compound = re.compile(part + "(?:[./:-]" + part + ")*")
    return dict.fromkeys(mn), compound


def _fold(text: str) -> str:
    mn_table, _ = _regexes()
    s = unicodedata.normalize("NFKC", text).lower().replace("\u03c2", "\u03c3")
    s = unicodedata.normalize("NFKD", s).translate(mn_table)
    return unicodedata.normalize("NFC", s)


def _fold_by_char(text: str) -> str:
    """:func:`_fold` without the tables: nonspacing marks dropped one by one."""
    category = unicodedata.category
    s = unicodedata.normalize("NFKC", text).lower().replace("\u03c2", "\u03c3")
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if category(c) != "Mn")
    return unicodedata.normalize("NFC", s)


def _scan(text: str) -> list[str]:
    """What the compound regex of :func:`_regexes` finds in ``text``, found by looking up
    each character's general category: a letter or number, then letters, numbers and
    marks, then any number of ``[./:-]`` each followed by such a run (the regex is
    greedy and everything after its first run is optional, so it never backtracks)."""
    category = unicodedata.category
    out: list[str] = []
    n, i = len(text), 0
    while i < n:
        if category(text[i])[0] not in "LN":
            i += 1
            continue
        start = i
        i += 1
        while True:
            while i < n and category(text[i])[0] in "LNM":
                i += 1
            if i + 1 < n and text[i] in "./:-" and category(text[i + 1])[0] in "LN":
                i += 2
                continue
            break
        out.append(text[start:i])
    return out


#: Text that is not ASCII is folded and scanned character by character (:func:`_scan`)
#: for this many space-separated chunks, and by the tables of :func:`_regexes` after
#: that: building them costs about a second a process, more than a few records' text.
TABLES_AFTER = 4096
_by_char = [0]


def _unicode_compounds(chunk: str) -> list[str]:
    """The compounds of one space-separated chunk that is not ASCII."""
    if _by_char[0] < TABLES_AFTER:
        _by_char[0] += 1
        return _scan(_fold_by_char(chunk))
    return _regexes()[1].findall(_fold(chunk))


def _keep(token: str) -> bool:
    return not (len(token) == 1 and ord(token) < 128)


#: The compound regex on ASCII text, which folds to ``lower()`` alone (no ASCII character
#: changes under NFKC or NFKD, none is a mark, and the letters and digits are exactly
#: ``[a-z0-9]`` after ``lower()``): about ten times faster for the usual English abstract.
_ASCII_COMPOUND_RE = re.compile(r"[a-z0-9]+(?:[./:-][a-z0-9]+)*")


def _compounds(text: str) -> list[str]:
    """The compounds of ``text``, in order. Folding never reaches across a space (U+0020
    is a starter that composes with nothing, and not case-ignorable for the final sigma),
    so each space-separated chunk is folded alone: an ASCII one by the fast path, any
    other by :func:`_unicode_compounds` (a build of a few records never builds the
    Unicode tables)."""
    out: list[str] = []
    for chunk in text.split(" "):
        if chunk.isascii():
            out.extend(_ASCII_COMPOUND_RE.findall(chunk.lower()))
        else:
            out.extend(_unicode_compounds(chunk))
    return out


def _expand(compound: str) -> list[str]:
    """The compound, then its contiguous runs of parts (see module docstring)."""
    pieces = _SPLIT_RE.split(compound)  # [part, sep, part, sep, ..., part]
    n = (len(pieces) + 1) // 2
    if n == 1:
        return [compound]
    out = [compound]
    if n > MAX_SPAN_PARTS:
        out.extend(pieces[0::2])
        return out
    for i in range(n):
        for j in range(n - 1, i - 1, -1):
            if i == 0 and j == n - 1:
                continue
            out.append("".join(pieces[2 * i : 2 * j + 1]))
    return out


def tokenize(text: str) -> list[str]:
    """All index tokens of ``text``: compounds and their runs of parts, de-duplicated."""
    seen: dict[str, None] = {}
    for compound in _compounds(text):
        for token in _expand(compound):
            if _keep(token):
                seen.setdefault(token, None)
    return list(seen)


def query_tokens(text: str) -> list[str]:
    """The tokens a search for ``text`` requires (AND): its compounds, de-duplicated."""
    seen: dict[str, None] = {}
    for compound in _compounds(text):
        if _keep(compound):
            seen.setdefault(compound, None)
    return list(seen)


def fnv1a32(s: str) -> int:
    """32-bit FNV-1a hash of the UTF-8 bytes of ``s``."""
    h = _FNV_OFFSET
    for byte in s.encode("utf-8"):
        h = ((h ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def shard_of(key: str, nshards: int) -> str:
    """The shard name (lowercase hex, zero-padded to the width of ``nshards - 1``)."""
    if not _is_power_of_two(nshards):
        raise ValueError(f"nshards must be a power of two, got {nshards}")
    width = len(format(nshards - 1, "x"))
    return format(fnv1a32(key) % nshards, "x").zfill(width)


def shard_count(n_items: int, per_shard: int, minimum: int = 16, maximum: int = 65536) -> int:
    """Smallest power of two >= ``n_items / per_shard``, clamped into [minimum, maximum]."""
    if per_shard < 1:
        raise ValueError(f"per_shard must be >= 1, got {per_shard}")
    if n_items < 0:
        raise ValueError(f"n_items must be >= 0, got {n_items}")
    if not (_is_power_of_two(minimum) and _is_power_of_two(maximum) and minimum <= maximum):
        raise ValueError(f"minimum and maximum must be powers of two, got {minimum}, {maximum}")
    needed = -(-n_items // per_shard)
    count = 1
    while count < needed:
        count *= 2
    return max(minimum, min(maximum, count))
