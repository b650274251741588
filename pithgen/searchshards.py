"""The ``search/`` shards, written from the index stage's store (:class:`SiteIndex`).

What is indexed and how results are ranked is specified in :mod:`pithgen.index`
("Search"); the pure functions are :mod:`pithgen.search`. Everything is produced by
ordered queries, one shard at a time: memory holds one shard, one three-character group
of the vocabulary and the split lists (a few per common prefix), never the archive.

*Shards.* ``search/meta.js``: ``{"version": 2, "token_shards": N, "doc_block": B,
"docs": papers, "records": R, "tokens": T}``. ``search/d/{n}.js``: papers ``n*B`` to
``n*B+B-1``, each ``[suffix, pith, title, authors, arXiv id with version, category, year,
[[version, suffix], ...]]`` of its newest version, then its other versions newest first.
``search/t/{h}.js``: ``{"t": {token: postings}, "s": {key: [child keys]}}``, where
``h = shardOf(key, N)`` of the token's *key* and a posting list is ascending docids as
``(docid - previous docid) * 16 + field bits`` (the first against 0). N is the smallest
power of two (at least 16) of about POSTINGS_PER_SHARD postings a shard.

*Keys* (prefix matching loads only the shards a word needs): a token shorter than
PREFIX_MIN (3) characters is its own key; a longer one is keyed by its first 3
characters, or, when that key is *split*, by the shortest longer prefix that is not (up
to KEY_MAX, 8), or by itself and a space when the token is a split key itself. A key is
split when its tokens hold more than GROUP_LIMIT postings (and more than one token). The
split lists of the tokens under a 3-character prefix P are all in P's shard. A query
word therefore loads one token shard (P's), or two (P's and its key's); only a word that
is itself a split prefix (a common one, like ``con``) loads its subtree's shards, all of
which hold tokens it matches. Prefix matching adds no postings: the index is as large
as with whole words only, plus the split lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pithgen import layout, search
from pithgen.index import DOC_BLOCK, POSTINGS_PER_SHARD, SiteIndex, shard_script
from pithgen.listing import AUTHORS_CHARS, TITLE_CHARS, Paper
from pithgen.tokens import shard_count, shard_of

SEARCH_FORMAT = 2


def search_files(
    index: SiteIndex,
    doc_block: int = DOC_BLOCK,
    postings_per_shard: int = POSTINGS_PER_SHARD,
    group_limit: int = search.GROUP_LIMIT,
) -> Iterator[tuple[str, bytes]]:
    """Every ``search/`` shard as ``(path, bytes)``: the meta, the token shards (in shard
    order) and the document blocks."""
    nshards = shard_count(index.postings, postings_per_shard)
    n_tokens, splits = _plan(index, nshards, group_limit)
    meta = {
        "version": SEARCH_FORMAT,
        "token_shards": nshards,
        "doc_block": doc_block,
        "docs": index.paper_count(),
        "records": index.count,
        "tokens": n_tokens,
    }
    yield layout.shard_script(layout.SEARCH_META), shard_script(layout.SEARCH_META, meta)
    pending = iter(splits)
    waiting = next(pending, None)
    for shard, table in _token_tables(index.postings_by_shard()):
        while waiting is not None and waiting[0] < shard:
            yield _token_shard(waiting[0], waiting[1], {})
            waiting = next(pending, None)
        lists: dict[str, list[str]] = {}
        if waiting is not None and waiting[0] == shard:
            lists = waiting[1]
            waiting = next(pending, None)
        yield _token_shard(shard, lists, table)
    while waiting is not None:
        yield _token_shard(waiting[0], waiting[1], {})
        waiting = next(pending, None)
    for n, block in enumerate(_blocks(index.papers_by_docid(), doc_block)):
        name = layout.search_doc_block(n)
        yield layout.shard_script(name), shard_script(name, [doc_row(p) for p in block])


def _token_tables(
    rows: Iterable[tuple[str, str, int]],
) -> Iterator[tuple[str, dict[str, list[int]]]]:
    """Each shard's ``{token: packed postings}`` from ``(shard, token, value)`` rows in
    shard and token order (values in no order): one plain loop, as an archive has
    millions of postings."""
    shard = token = ""
    table: dict[str, list[int]] = {}
    values: list[int] = []
    for row_shard, row_token, value in rows:
        if row_token == token and row_shard == shard:
            values.append(value)
            continue
        if values:
            values.sort()
            table[token] = search.encode_packed(values)
        if row_shard != shard:
            if table:
                yield shard, table
            shard, table = row_shard, {}
        token, values = row_token, [value]
    if values:
        values.sort()
        table[token] = search.encode_packed(values)
    if table:
        yield shard, table


def _plan(
    index: SiteIndex, nshards: int, limit: int
) -> tuple[int, list[tuple[str, dict[str, list[str]]]]]:
    """Store every token's shard (:func:`pithgen.search.plan_keys`); returns the number of
    distinct tokens and the split lists by shard, in shard order (the split lists of a
    three-character prefix go to that prefix's shard)."""
    splits: dict[str, dict[str, list[str]]] = {}
    count = 0

    def keyed() -> Iterator[tuple[str, str]]:
        nonlocal count
        last: dict[str, list[str]] = {}
        last_key, last_shard = "", ""
        for token, key, lists in search.plan_keys(index.vocabulary(), limit):
            count += 1
            if lists and lists is not last:  # once per three-character group
                splits.setdefault(shard_of(token[: search.PREFIX_MIN], nshards), {}).update(lists)
                last = lists
            if key != last_key or not last_shard:  # tokens in order: a key's come together
                last_key, last_shard = key, shard_of(key, nshards)
            yield token, last_shard

    index.set_token_shards(keyed())
    return count, sorted(splits.items())


def _token_shard(
    shard: str, lists: dict[str, list[str]], table: dict[str, list[int]]
) -> tuple[str, bytes]:
    name = layout.search_token_shard(shard)
    data: dict[str, Any] = {"t": table}
    if lists:
        data["s"] = lists
    return layout.shard_script(name), shard_script(name, data)


def doc_row(paper: Paper) -> list[Any]:
    """A paper as a search result: its newest version's suffix, Pith Number, title,
    authors, arXiv id with version, category and year, and ``[version, suffix]`` of its
    other versions, newest first."""
    s = paper.latest
    return [
        s.suffix, s.pith_number, s.title[:TITLE_CHARS], s.authors[:AUTHORS_CHARS],
        s.arxiv_versioned, s.primary_cat, s.year, [[o.version, o.suffix] for o in paper.others],
    ]  # fmt: skip


def _blocks(items: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    block: list[Paper] = []
    for item in items:
        block.append(item)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block
