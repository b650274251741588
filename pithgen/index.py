"""Stage 4, index: small per-record summaries -> listings, resolve and search shards.

It receives one :class:`Summary` per published record (a few hundred bytes, never a
rendered page) and its search text, and keeps them in a temporary on-disk SQLite store, so
memory stays flat however large the archive; listings, redirects, sitemaps and shards are
then produced by ordered queries, one page or shard at a time.

Listings show one entry per paper (:mod:`pithgen.listing`): their queries return the
records of a paper together, newest version first. A category listing also holds the
records cross-listed in it (the ``crosslists`` table, one row per record and secondary
category), flagged as such.

Shard formats are a contract with ``assets/pithgen.js`` (offline resolver and search):
each shard is a script ``pithgenShard("<name>", <json>);`` loadable from ``file://``, with
a JSON twin for scripts (resolve shards).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from pithgen import layout
from pithgen.listing import (
    AUTHORS_CHARS,
    TITLE_CHARS,
    Page,
    Paper,
    Summary,
    group_papers,
    paginate,
)
from pithgen.tokens import shard_count, shard_of, tokenize

RESOLVE_TITLE_CHARS = 120
IDS_PER_SHARD = 256
TOKENS_PER_SHARD = 512
DOC_BLOCK = 500
SEARCH_TEXT_LIMIT = 20_000  # per record: a 10 MB authors line cannot flood the index
NEWEST = 20


def shard_script(name: str, data: Any) -> bytes:
    """``pithgenShard(name, data);`` with ``<``, ``>``, ``&`` escaped so nothing breaks out."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"pithgenShard({json.dumps(name)}, {text});\n".encode("ascii")


def shard_json(data: Any) -> bytes:
    return (
        json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode("utf-8")


def _both(name: str, data: Any) -> Iterator[tuple[str, bytes]]:
    """A shard as a script for pages and as JSON for other programs."""
    yield layout.shard_script(name), shard_script(name, data)
    yield layout.shard_json(name), shard_json(data)


def search_text(s: Summary, authors: str | None = None) -> str:
    """What search finds a record by: title, authors, identifiers, categories.

    Identifiers go in without their constant parts (``pith:``, ``10.48550/arxiv.``), which
    every record shares and would only make posting lists as long as the archive; DOIs and
    full Pith Numbers are the resolver's job."""
    return " ".join(
        (
            s.title,
            s.authors if authors is None else authors,
            s.arxiv_id,
            s.arxiv_versioned,
            s.suffix,
            s.suffix[:8],
            s.primary_cat,
            *s.cross_cats,
        )
    )


def index_tokens(s: Summary, authors: str | None = None) -> list[str]:
    """The search tokens of a record: those of its :func:`search_text`, at most
    :data:`SEARCH_TEXT_LIMIT` characters of it (a 10 MB authors line cannot flood the
    index)."""
    return tokenize(search_text(s, authors)[:SEARCH_TEXT_LIMIT])


_SCHEMA = """
CREATE TABLE summaries (
    rid INTEGER PRIMARY KEY, suffix TEXT NOT NULL UNIQUE, pith TEXT NOT NULL,
    title TEXT NOT NULL, authors TEXT NOT NULL, arxiv TEXT NOT NULL, version INTEGER NOT NULL,
    submitted_at TEXT NOT NULL, year TEXT NOT NULL, cat TEXT NOT NULL, cross TEXT NOT NULL
);
CREATE TABLE postings (token TEXT NOT NULL, rid INTEGER NOT NULL);
CREATE TABLE crosslists (cat TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (cat, rid));
"""
_COLUMNS = "suffix, pith, title, authors, arxiv, version, submitted_at, cat, cross"
_LISTING_ORDER = "submitted_at, arxiv, version, suffix"
_NEWEST_FIRST = ", ".join(f"{c} DESC" for c in _LISTING_ORDER.split(", "))


def _summary(row: tuple[Any, ...]) -> Summary:
    suffix, pith, title, authors, arxiv, version, submitted_at, cat, cross = row
    return Summary(
        suffix, pith, title, authors, arxiv, version, submitted_at, cat, tuple(json.loads(cross))
    )


class SiteIndex:
    """The index stage's store: summaries and search postings in a temporary SQLite file.

    Add every published record with :meth:`add`, call :meth:`finish`, then read listings,
    redirects and shards as streams. Search document ids are the records' ranks newest
    first (so results come newest first). :meth:`close` removes the file.
    """

    def __init__(self, directory: Path | None = None) -> None:
        fd, self._path = tempfile.mkstemp(prefix="pithgen-index-", suffix=".sqlite3", dir=directory)
        os.close(fd)
        self.db = sqlite3.connect(self._path)
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "cache_size = -16384",
            "temp_store = FILE",
        ):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(_SCHEMA)
        self.count = 0

    def add(self, summary: Summary, tokens: Iterable[str]) -> None:
        """One published record and the search tokens it is found by
        (:func:`index_tokens`)."""
        self.add_many([(summary, tokens)])

    def add_many(self, items: Sequence[tuple[Summary, Iterable[str]]]) -> None:
        """Several records at once (three statements for the lot: much faster)."""
        first = self.count + 1
        rows = [
            (
                first + n,
                s.suffix,
                s.pith_number,
                s.title,
                s.authors,
                s.arxiv_id,
                s.version,
                s.submitted_at,
                s.primary_cat,
                json.dumps(list(s.cross_cats)),
                s.year,
            )
            for n, (s, _) in enumerate(items)
        ]
        self.db.executemany(
            f"INSERT INTO summaries (rid, {_COLUMNS}, year) VALUES ({', '.join('?' * 11)})",
            rows,
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO crosslists (cat, rid) VALUES (?, ?)",
            (
                (cat, first + n)
                for n, (s, _) in enumerate(items)
                for cat in s.cross_cats
                if cat != s.primary_cat
            ),
        )
        self.db.executemany(
            "INSERT INTO postings (token, rid) VALUES (?, ?)",
            ((token, first + n) for n, (_, tokens) in enumerate(items) for token in tokens),
        )
        self.count += len(items)

    def finish(self) -> None:
        self.db.executescript(
            f"""
            CREATE INDEX summaries_by_listing ON summaries (submitted_at, arxiv, version, suffix);
            CREATE INDEX summaries_by_id ON summaries (arxiv, version, suffix);
            CREATE INDEX summaries_by_cat ON summaries (cat);
            CREATE INDEX summaries_by_year ON summaries (year);
            CREATE INDEX postings_by_token ON postings (token, rid);
            CREATE TABLE docmap AS
                SELECT rid, row_number() OVER (ORDER BY {_NEWEST_FIRST}) - 1 AS docid
                FROM summaries;
            CREATE UNIQUE INDEX docmap_by_rid ON docmap (rid);
            """
        )
        self.db.commit()

    def close(self) -> None:
        self.db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def __enter__(self) -> SiteIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading back ----------------------------------------------------------------

    def _summaries(
        self, where: str = "", args: tuple[Any, ...] = (), order: str = "suffix"
    ) -> Iterator[Summary]:
        query = f"SELECT {_COLUMNS} FROM summaries {where} ORDER BY {order}"
        for row in self.db.execute(query, args):
            yield _summary(row)

    def ordered(self) -> Iterator[Summary]:
        """Every record in suffix order."""
        return self._summaries()

    def _listed(self, column: str) -> str:
        """The rows a listing by ``column`` ("year" or "cat") draws from, with a 0/1
        ``crossed`` flag: a category listing also holds the records cross-listed in it."""
        if column == "year":
            return f"SELECT {_COLUMNS}, year AS listed, 0 AS crossed FROM summaries"
        if column == "cat":
            cross = ", ".join(f"s.{c}" for c in _COLUMNS.split(", "))
            return (
                f"SELECT {_COLUMNS}, cat AS listed, 0 AS crossed FROM summaries UNION ALL "
                f"SELECT {cross}, c.cat AS listed, 1 AS crossed "
                "FROM crosslists c JOIN summaries s ON s.rid = c.rid"
            )
        raise ValueError(column)

    def groups(self, column: str) -> list[tuple[str, int]]:
        """``(value, papers)`` for each year (``"year"``) or category (``"cat"``, with its
        cross-lists): the number of entries its listing shows."""
        query = (
            f"SELECT listed, count(DISTINCT arxiv) FROM ({self._listed(column)}) "
            "GROUP BY listed ORDER BY listed"
        )
        return [(str(value), int(n)) for value, n in self.db.execute(query)]

    def pages(self, column: str, value: str, count: int, size: int) -> Iterator[Page]:
        """A stable listing of ``count`` papers, ``size`` papers a page, oldest paper first
        (adding records rarely moves earlier pages); a paper's versions newest first."""
        query = f"""
            SELECT {_COLUMNS}, crossed,
                   min(submitted_at) OVER (PARTITION BY arxiv) AS first_submitted
            FROM ({self._listed(column)}) WHERE listed = ?
            ORDER BY first_submitted, arxiv, version DESC, suffix
        """
        rows = ((_summary(row[:9]), bool(row[9])) for row in self.db.execute(query, (value,)))
        return paginate(group_papers(rows), count, size)

    def newest(self, n: int = NEWEST) -> list[Summary]:
        """The ``n`` newest records (the feed's entries)."""
        return list(self._summaries(order=f"{_NEWEST_FIRST} LIMIT {int(n)}"))

    def newest_papers(self, n: int = NEWEST) -> list[Paper]:
        """The ``n`` papers with the newest records, each with all its versions."""
        query = f"""
            WITH papers AS (
                SELECT arxiv, max(submitted_at) AS latest FROM summaries GROUP BY arxiv
                ORDER BY latest DESC, arxiv DESC LIMIT {int(n)}
            )
            SELECT {", ".join(f"s.{c}" for c in _COLUMNS.split(", "))}
            FROM summaries s JOIN papers p ON p.arxiv = s.arxiv
            ORDER BY p.latest DESC, s.arxiv DESC, s.version DESC, s.suffix
        """
        rows = ((_summary(row), False) for row in self.db.execute(query))
        return list(group_papers(rows))

    def by_short(self) -> Iterator[tuple[str, list[Summary]]]:
        """Records grouped by the 8-character short number."""
        for short, group in groupby(self.ordered(), key=lambda s: s.suffix[:8]):
            yield short, list(group)

    def by_arxiv_id(self) -> Iterator[tuple[str, list[Summary]]]:
        """Records grouped by arXiv id, versions ascending."""
        rows = self._summaries(order="arxiv, version, suffix")
        for arxiv_id, group in groupby(rows, key=lambda s: s.arxiv_id):
            yield arxiv_id, list(group)

    def _shard_table(self, name: str, values: str, nshards: int) -> None:
        """``name(value, shard)`` for every distinct value of the query ``values``."""
        self.db.execute(f"CREATE TABLE {name} (value TEXT PRIMARY KEY, shard TEXT NOT NULL)")
        cursor = self.db.execute(values)
        while batch := cursor.fetchmany(10_000):
            self.db.executemany(
                f"INSERT INTO {name} (value, shard) VALUES (?, ?)",
                ((v, shard_of(v, nshards)) for (v,) in batch),
            )

    def resolve_files(self) -> Iterator[tuple[str, bytes]]:
        """``resolve/`` shards: by suffix prefix (Pith Numbers) and by arXiv id hash."""
        n_ids = self.db.execute("SELECT count(DISTINCT arxiv) FROM summaries").fetchone()[0]
        nshards = shard_count(n_ids, IDS_PER_SHARD)
        meta = {
            "version": 1,
            "pith_prefix_len": 2,
            "id_shards": nshards,
            "records": self.count,
            "ids": n_ids,
            "shard_hash": "fnv1a32(utf8(id)) % id_shards, lowercase hex, "
            "zero-padded to the width of id_shards-1",
        }
        yield from _both(layout.RESOLVE_META, meta)
        for prefix, group in groupby(self.ordered(), key=lambda s: s.suffix[:2]):
            entries = [[s.suffix, s.pith_number, s.title[:RESOLVE_TITLE_CHARS]] for s in group]
            yield from _both(layout.resolve_pith_shard(prefix), entries)
        self._shard_table("idshard", "SELECT DISTINCT arxiv FROM summaries", nshards)
        query = """
            SELECT i.shard, s.arxiv, s.version, s.suffix, s.pith, s.title
            FROM summaries s JOIN idshard i ON i.value = s.arxiv
            ORDER BY i.shard, s.arxiv, s.version, s.suffix
        """
        for shard, rows in groupby(self.db.execute(query), key=lambda r: r[0]):
            table: dict[str, list[list[Any]]] = {}
            for _, arxiv, version, suffix, pith, title in rows:
                table.setdefault(arxiv, []).append(
                    [version, suffix, pith, title[:RESOLVE_TITLE_CHARS]]
                )
            yield from _both(layout.resolve_id_shard(shard), table)

    def search_files(self) -> Iterator[tuple[str, bytes]]:
        """``search/`` shards: an inverted index by token hash, and document blocks."""
        n_tokens = self.db.execute("SELECT count(DISTINCT token) FROM postings").fetchone()[0]
        nshards = shard_count(n_tokens, TOKENS_PER_SHARD)
        meta = {
            "version": 1,
            "token_shards": nshards,
            "doc_block": DOC_BLOCK,
            "docs": self.count,
            "tokens": n_tokens,
        }
        yield layout.shard_script(layout.SEARCH_META), shard_script(layout.SEARCH_META, meta)
        self._shard_table("tokshard", "SELECT DISTINCT token FROM postings", nshards)
        query = """
            SELECT t.shard, p.token, m.docid FROM postings p
            JOIN tokshard t ON t.value = p.token JOIN docmap m ON m.rid = p.rid
            ORDER BY t.shard, p.token, m.docid
        """
        for shard, rows in groupby(self.db.execute(query), key=lambda r: r[0]):
            table: dict[str, list[int]] = {}
            for _, token, docid in rows:
                table.setdefault(token, []).append(docid)
            name = layout.search_token_shard(shard)
            yield layout.shard_script(name), shard_script(name, table)
        for n, block in enumerate(_blocks(self._summaries(order=_NEWEST_FIRST), DOC_BLOCK)):
            docs = [
                [
                    s.suffix,
                    s.pith_number,
                    s.title[:TITLE_CHARS],
                    s.authors[:AUTHORS_CHARS],
                    s.arxiv_versioned,
                    s.primary_cat,
                    s.year,
                ]
                for s in block
            ]
            name = layout.search_doc_block(n)
            yield layout.shard_script(name), shard_script(name, docs)


def _blocks(items: Iterable[Summary], size: int) -> Iterator[list[Summary]]:
    block: list[Summary] = []
    for item in items:
        block.append(item)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block
