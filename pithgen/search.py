"""The search index's format and ranking, in Python: what the index stage writes into
``search/`` and what ``assets/pithgen.js`` (``rankQuery``) does with it.

The rules are specified in :mod:`pithgen.index` (section "Search"); this module holds the
pure functions both sides share: the tokens a record is found by, with the fields each was
found in (:func:`index_tokens`, :func:`field_tokens`),
the shard key of a token (:func:`plan_keys`, :func:`token_key`), the postings encoding
(:func:`encode_postings`, :func:`decode_postings`) and :func:`rank`, the reference
implementation of a search over the written shards. ``tests/test_js_logic.py`` runs
``rank`` and the JavaScript on the same built index and queries: change them together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pithgen import layout
from pithgen.listing import Summary
from pithgen.tokens import query_tokens, shard_of, tokenize

#: Field bits of a posting: where in the paper its token was found.
TITLE = 8
AUTHORS = 4
IDS = 2  # arXiv id (with and without version), Pith suffix and short number, categories
ABSTRACT = 1
#: A posting is one integer: (docid gap) * FIELD_SPAN + field bits.
FIELD_SPAN = 16

#: A query word of at least this many characters (code points) also matches the tokens
#: it starts; a shorter one only the token itself. Tokens are sharded by their first
#: PREFIX_MIN characters, deepened one character at a time up to KEY_MAX.
PREFIX_MIN = 3
KEY_MAX = 8
#: A key whose tokens hold more postings than this is split by the next character.
GROUP_LIMIT = 8192
#: The exact token of a split key is kept under the key and this mark (no token holds a
#: space), so that the split key's shard holds only the split lists, never a long posting
#: list that a query for a longer word does not need.
EXACT = " "

#: Of the authors text: a 10 MB authors line cannot flood the index.
SEARCH_TEXT_LIMIT = 20_000
ABSTRACT_CHARS = 5_000  # arXiv's abstracts have at most 1,920

Weighted = dict[str, int]
"""Search tokens of a paper: token -> field bits."""


def field_tokens(fields: Iterable[tuple[int, str]]) -> Weighted:
    """The tokens of each ``(field bits, text)``, each with the bits of every field it is
    in (first appearance order)."""
    out: Weighted = {}
    for bits, text in fields:
        for token in tokenize(text):
            out[token] = out.get(token, 0) | bits
    return out


def abstract_text(paper: Mapping[str, Any]) -> str:
    """What search indexes of a paper's abstract: ``paper.abstract``, else
    ``paper.abstract_excerpt``, at most :data:`ABSTRACT_CHARS` characters."""
    for name in ("abstract", "abstract_excerpt"):
        value = paper.get(name)
        if isinstance(value, str) and value:
            return value[:ABSTRACT_CHARS]
    return ""


def search_fields(
    s: Summary, authors: str | None = None, abstract: str = ""
) -> list[tuple[int, str]]:
    """``(field bits, text)`` of everything search finds a record by (:mod:`pithgen.index`,
    "What is indexed")."""
    ids = (s.arxiv_id, s.arxiv_versioned, s.suffix, s.suffix[:8], s.primary_cat, *s.cross_cats)
    return [
        (TITLE, s.title),
        (AUTHORS, (s.authors if authors is None else authors)[:SEARCH_TEXT_LIMIT]),
        (IDS, " ".join(ids)),
        (ABSTRACT, abstract[:ABSTRACT_CHARS]),
    ]


def index_tokens(s: Summary, authors: str | None = None, abstract: str = "") -> Weighted:
    """The search tokens of a record, each with its field bits (:func:`search_fields`)."""
    return field_tokens(search_fields(s, authors, abstract))


def encode_postings(postings: Iterable[tuple[int, int]]) -> list[int]:
    """``(docid, bits)`` -> gap * FIELD_SPAN + bits each, in ascending docid order; the
    postings of one docid are merged (their bits or-ed)."""
    return encode_packed(sorted(docid * FIELD_SPAN + bits for docid, bits in postings))


def encode_packed(values: Iterable[int]) -> list[int]:
    """:func:`encode_postings` of ``docid * FIELD_SPAN + bits`` values in ascending order."""
    out: list[int] = []
    previous = 0
    last = -1
    for value in values:
        docid = value // FIELD_SPAN
        if docid == last:
            out[-1] |= value % FIELD_SPAN
            continue
        out.append(value - previous * FIELD_SPAN)
        previous = last = docid
    return out


def decode_postings(values: Sequence[Any]) -> list[tuple[int, int]]:
    """The inverse of :func:`encode_postings`; anything that is not a non-negative integer
    ends the list (shards are checked, not trusted)."""
    out: list[tuple[int, int]] = []
    docid = 0
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            break
        docid += value // FIELD_SPAN
        out.append((docid, value % FIELD_SPAN))
    return out


def token_key(token: str, splits: Mapping[str, Any]) -> str:
    """The shard key of an index token: the token itself when shorter than PREFIX_MIN,
    else its shortest prefix of at least PREFIX_MIN characters that is not split (the
    token and EXACT when the token itself is a split key)."""
    if len(token) < PREFIX_MIN:
        return token
    k = PREFIX_MIN
    while token[:k] in splits:
        if len(token) == k:
            return token + EXACT
        k += 1
    return token[:k]


def plan_keys(
    vocabulary: Iterable[tuple[str, int]], limit: int = GROUP_LIMIT
) -> Iterator[tuple[str, str, dict[str, list[str]]]]:
    """Shard keys for a vocabulary given in code-point order as ``(token, postings)``.

    Yields ``(token, key, splits)`` for every token, where ``splits`` holds the split lists
    (key -> child keys, sorted) of the token's PREFIX_MIN-character subtree, the same
    object for every token of that subtree. A key is split while its tokens hold more
    than ``limit`` postings, it has more than one token and it is shorter than KEY_MAX.
    Memory holds one PREFIX_MIN-character group at a time."""
    group: list[tuple[str, int]] = []
    for token, count in vocabulary:
        # A token shorter than PREFIX_MIN never sorts inside a group: it ends one.
        if group and (len(token) < PREFIX_MIN or group[0][0][:PREFIX_MIN] != token[:PREFIX_MIN]):
            yield from _plan_group(group, limit)
            group = []
        if len(token) < PREFIX_MIN:
            yield token, token, {}
        else:
            group.append((token, count))
    if group:
        yield from _plan_group(group, limit)


def _plan_group(
    group: list[tuple[str, int]], limit: int
) -> Iterator[tuple[str, str, dict[str, list[str]]]]:
    splits: dict[str, list[str]] = {}
    keyed: list[tuple[str, str]] = []
    _split(group, group[0][0][:PREFIX_MIN], limit, splits, keyed)
    for token, key in keyed:
        yield token, key, splits


def _split(
    tokens: list[tuple[str, int]],
    key: str,
    limit: int,
    splits: dict[str, list[str]],
    keyed: list[tuple[str, str]],
) -> None:
    if len(tokens) == 1 or len(key) >= KEY_MAX or sum(n for _, n in tokens) <= limit:
        keyed.extend((token, key) for token, _ in tokens)
        return
    children: dict[str, list[tuple[str, int]]] = {}
    for token, n in tokens:
        if len(token) == len(key):
            keyed.append((token, key + EXACT))
            children[key + EXACT] = []
        else:
            children.setdefault(token[: len(key) + 1], []).append((token, n))
    splits[key] = sorted(children)
    for child, members in children.items():
        if members:
            _split(members, child, limit, splits, keyed)


# --- reading: the reference search ----------------------------------------------------

Reader = Callable[[str], Any]
"""Returns the data of a shard by name (``search/t/0a``), or None when it is missing."""


def _table(data: Any, name: str) -> dict[str, Any]:
    part = data.get(name) if isinstance(data, dict) else None
    return part if isinstance(part, dict) else {}


def word_postings(word: str, read: Reader, nshards: int) -> dict[int, int]:
    """docid -> the best score of ``word`` in that paper: over the index tokens it
    matches (itself, or any token it starts when at least PREFIX_MIN characters long),
    2 * field bits, plus 1 when the token is the word itself."""
    found: dict[str, list[int]] = {}

    def shard(key: str) -> Any:
        return read(layout.search_token_shard(shard_of(key, nshards)))

    def take(key: str, data: Any) -> None:
        """The tokens of a leaf key that start with ``word``."""
        tokens = _table(data, "t")
        if key.endswith(EXACT):
            exact = key[: -len(EXACT)]
            if exact in tokens and exact.startswith(word):
                found[exact] = tokens[exact]
            return
        for token, postings in tokens.items():
            if token.startswith(word) and token.startswith(key):
                found[token] = postings

    if len(word) < PREFIX_MIN:
        tokens = _table(shard(word), "t")
        if word in tokens:
            found[word] = tokens[word]
    else:
        first = shard(word[:PREFIX_MIN])
        splits = _table(first, "s")
        key = word[:PREFIX_MIN]
        while key in splits and len(key) < len(word):
            key = word[: len(key) + 1]
        if key not in splits:
            take(key, first if len(key) == PREFIX_MIN else shard(key))
        else:
            todo = [key]
            while todo:
                node = todo.pop()
                for child in splits.get(node, []):
                    if not _child_of(child, node):
                        continue
                    if child in splits:
                        todo.append(child)
                    else:
                        take(child, shard(child))
    best: dict[int, int] = {}
    for token, postings in found.items():
        exact = 1 if token == word else 0
        for docid, bits in decode_postings(postings if isinstance(postings, list) else []):
            score = 2 * bits + exact
            if score > best.get(docid, -1):
                best[docid] = score
    return best


def _child_of(child: Any, key: str) -> bool:
    """A well-formed child key: one more character than ``key``, or ``key`` and EXACT."""
    return isinstance(child, str) and child.startswith(key) and len(child) == len(key) + 1


def rank(query: str, read: Reader) -> tuple[list[str], list[tuple[int, int]]]:
    """The query's words and the papers matching all of them as ``(docid, score)``, best
    first: the score is the sum of the words' scores (:func:`word_postings`); ties go to
    the lower docid (the newer paper)."""
    words = query_tokens(query)
    if not words:
        return words, []
    meta = read(layout.SEARCH_META)
    nshards = meta.get("token_shards") if isinstance(meta, dict) else None
    if not isinstance(nshards, int):
        return words, []
    total: dict[int, int] | None = None
    for word in words:
        scores = word_postings(word, read, nshards)
        if total is None:
            total = scores
        else:
            total = {d: s + scores[d] for d, s in total.items() if d in scores}
    ranked = sorted((total or {}).items(), key=lambda item: (-item[1], item[0]))
    return words, ranked
