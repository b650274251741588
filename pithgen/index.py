"""Stage 4, index: small per-record summaries -> listings, resolve and search shards.

Pure: it receives :class:`Summary` objects (a few hundred bytes each, never a rendered
page) and produces data structures and shard files. Shard formats are a contract with
``static/pithgen.js`` (offline resolver and search): each shard is a script
``pithgenShard("<name>", <json>);`` loadable from ``file://``, with a JSON twin for scripts.
"""

from __future__ import annotations

import json
from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pithgen.canonical import doi_for
from pithgen.tokens import shard_count, shard_of, tokenize

TITLE_CHARS = 300
AUTHORS_CHARS = 300
RESOLVE_TITLE_CHARS = 120
IDS_PER_SHARD = 256
TOKENS_PER_SHARD = 512
DOC_BLOCK = 500
SEARCH_TEXT_LIMIT = 20_000  # per record: a 10 MB authors line cannot flood the index
NEWEST = 20


@dataclass(frozen=True, slots=True)
class Summary:
    """What listings and indexes keep of one published record."""

    suffix: str
    pith_number: str
    title: str
    authors: str
    arxiv_id: str
    version: int
    submitted_at: str
    primary_cat: str
    cross_cats: tuple[str, ...]

    @property
    def year(self) -> str:
        return self.submitted_at[:4]

    @property
    def arxiv_versioned(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    @property
    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.submitted_at, self.arxiv_id, self.version, self.suffix)


def shard_script(name: str, data: Any) -> bytes:
    """``pithgenShard(name, data);`` with ``<``, ``>``, ``&`` escaped so nothing breaks out."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"pithgenShard({json.dumps(name)}, {text});\n".encode("ascii")


def shard_json(data: Any) -> bytes:
    return (
        json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode("utf-8")


def _both(path: str, name: str, data: Any) -> Iterator[tuple[str, bytes]]:
    yield f"{path}.js", shard_script(name, data)
    yield f"{path}.json", shard_json(data)


@dataclass(frozen=True)
class Page:
    """One page of a paginated listing."""

    number: int
    count: int
    items: list[Summary]

    def filename(self, number: int | None = None) -> str:
        n = self.number if number is None else number
        return "index.html" if n == 1 else f"page-{n}.html"


def paginate(items: list[Summary], size: int) -> Iterator[Page]:
    count = max(1, -(-len(items) // size))
    for n in range(count):
        yield Page(n + 1, count, items[n * size : (n + 1) * size])


@dataclass(frozen=True)
class Listings:
    by_year: dict[str, list[Summary]]
    by_category: dict[str, list[Summary]]
    newest: list[Summary]


def listings(summaries: list[Summary]) -> Listings:
    """Stable listings: oldest first within each year and category, so adding records
    rarely moves earlier pages; ``newest`` for the home page and feed."""
    ordered = sorted(summaries, key=lambda s: s.sort_key)
    by_year: dict[str, list[Summary]] = defaultdict(list)
    by_cat: dict[str, list[Summary]] = defaultdict(list)
    for s in ordered:
        by_year[s.year].append(s)
        by_cat[s.primary_cat].append(s)
    newest = ordered[::-1][:NEWEST]
    return Listings(dict(sorted(by_year.items())), dict(sorted(by_cat.items())), newest)


def by_arxiv_id(summaries: list[Summary]) -> dict[str, list[Summary]]:
    out: dict[str, list[Summary]] = defaultdict(list)
    for s in summaries:
        out[s.arxiv_id].append(s)
    for versions in out.values():
        versions.sort(key=lambda s: (s.version, s.suffix))
    return dict(sorted(out.items()))


def resolve_files(summaries: list[Summary]) -> Iterator[tuple[str, bytes]]:
    """``resolve/`` shards: by suffix prefix (Pith Numbers) and by arXiv id hash."""
    by_prefix: dict[str, list[list[Any]]] = defaultdict(list)
    for s in sorted(summaries, key=lambda s: s.suffix):
        by_prefix[s.suffix[:2]].append([s.suffix, s.pith_number, s.title[:RESOLVE_TITLE_CHARS]])
    ids = by_arxiv_id(summaries)
    nshards = shard_count(len(ids), IDS_PER_SHARD)
    by_shard: dict[str, dict[str, list[list[Any]]]] = defaultdict(dict)
    for arxiv_id, versions in ids.items():
        by_shard[shard_of(arxiv_id, nshards)][arxiv_id] = [
            [s.version, s.suffix, s.pith_number, s.title[:RESOLVE_TITLE_CHARS]] for s in versions
        ]
    meta = {
        "version": 1,
        "pith_prefix_len": 2,
        "id_shards": nshards,
        "records": len(summaries),
        "ids": len(ids),
        "shard_hash": "fnv1a32(utf8(id)) % id_shards, lowercase hex, "
        "zero-padded to the width of id_shards-1",
    }
    yield from _both("resolve/meta", "resolve/meta", meta)
    for prefix, rows in sorted(by_prefix.items()):
        yield from _both(f"resolve/p/{prefix}", f"resolve/p/{prefix}", rows)
    for shard, table in sorted(by_shard.items()):
        yield from _both(f"resolve/a/{shard}", f"resolve/a/{shard}", table)


def search_text(s: Summary, authors: str | None = None) -> str:
    """What search finds a record by: title, authors, identifiers, categories."""
    return " ".join(
        (
            s.title,
            s.authors if authors is None else authors,
            s.arxiv_id,
            s.arxiv_versioned,
            doi_for(s.arxiv_id),
            s.pith_number,
            s.suffix,
            s.suffix[:8],
            s.primary_cat,
            *s.cross_cats,
        )
    )


class SearchIndex:
    """Token -> document ids, built one record at a time in any order.

    Postings are compact ``array('I')`` (4 bytes a posting); document ids are the ranks
    of the records in suffix order, known before pass 2 starts."""

    def __init__(self) -> None:
        self.postings: dict[str, array[int]] = {}

    def add(self, docid: int, text: str) -> None:
        """Index ``text`` (at most :data:`SEARCH_TEXT_LIMIT` characters of it)."""
        for token in tokenize(text[:SEARCH_TEXT_LIMIT]):
            found = self.postings.get(token)
            if found is None:
                self.postings[token] = array("I", (docid,))
            else:
                found.append(docid)


def search_files(
    ordered: list[Summary], index: SearchIndex | None = None
) -> Iterator[tuple[str, bytes]]:
    """``search/`` shards: an inverted index by token hash, and document blocks.

    ``ordered`` fixes document ids (its order must be deterministic); ``index``, when
    given, was filled with those ids (else it is built here from the summaries)."""
    if index is None:
        index = SearchIndex()
        for docid, s in enumerate(ordered):
            index.add(docid, search_text(s))
    postings = index.postings
    nshards = shard_count(len(postings), TOKENS_PER_SHARD)
    by_shard: dict[str, list[str]] = defaultdict(list)
    for token in postings:
        by_shard[shard_of(token, nshards)].append(token)
    meta = {
        "version": 1,
        "token_shards": nshards,
        "doc_block": DOC_BLOCK,
        "docs": len(ordered),
        "tokens": len(postings),
    }
    yield "search/meta.js", shard_script("search/meta", meta)
    for shard, tokens in sorted(by_shard.items()):
        table = {token: sorted(postings[token]) for token in tokens}
        yield f"search/t/{shard}.js", shard_script(f"search/t/{shard}", table)
    for block in range(0, len(ordered), DOC_BLOCK):
        rows = [
            [
                s.suffix,
                s.pith_number,
                s.title[:TITLE_CHARS],
                s.authors[:AUTHORS_CHARS],
                s.arxiv_versioned,
                s.primary_cat,
                s.year,
            ]
            for s in ordered[block : block + DOC_BLOCK]
        ]
        n = block // DOC_BLOCK
        yield f"search/d/{n}.js", shard_script(f"search/d/{n}", rows)
