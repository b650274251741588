"""Stage 4, index: small per-record summaries -> listings, resolve and search shards.

It receives one :class:`Summary` per published record (a few hundred bytes, never a
rendered page) and its search tokens, and keeps them in a temporary on-disk SQLite store,
so memory stays flat however large the archive; listings, redirects, sitemaps and shards
are then produced by ordered queries, one page or shard at a time.

Listings show one entry per paper (:mod:`pithgen.listing`): their queries return the
records of a paper together, newest version first. A category listing also holds the
records cross-listed in it (the ``crosslists`` table, one row per record and secondary
category), flagged as such.

Shard formats are a contract with ``assets/pithgen.js`` (offline resolver and search):
each shard is a script ``pithgenShard("<name>", <json>);`` loadable from ``file://``, with
a JSON twin for scripts (resolve shards).

Search
------
Search finds *papers*: the versions of a paper are one document, shown as its newest
version with the others linked ("also v1"). Document ids (docids) number the papers
newest first (by their newest record's submission time, then arXiv id, descending).

*What is indexed* (:func:`pithgen.search.index_tokens`, tokenized by
:mod:`pithgen.tokens`), each token with the bits of the fields it was found in: title 8,
authors 4 (the full authors text, at most ``search.SEARCH_TEXT_LIMIT`` characters),
identifiers and categories 2 (arXiv id with and without version, Pith suffix and its
first 8 characters, primary and cross-list categories; not the constant ``pith:`` or
``10.48550/arxiv.``, which would make posting lists as long as the archive), abstract 1
(``paper.abstract``, else ``paper.abstract_excerpt``, at most ``search.ABSTRACT_CHARS``
characters). A paper's posting for a token has the bits of all its versions together.

*Shards and keys* (:mod:`pithgen.searchshards`): token shards hold whole *keys*, a
token's first 3 (PREFIX_MIN) characters, one character longer where a key's tokens hold
too many postings, so that a query word loads one token shard, or two; postings carry
the field bits.

*Matching and ranking.* The query's words are :func:`pithgen.tokens.query_tokens`. A word
matches the token equal to it and, when it is at least PREFIX_MIN characters long, every
token it starts. A paper is found when every word matches one of its tokens. A word's
score in a paper is the highest, over the tokens it matches there, of ``2 * field bits +
(1 if the token is the word itself)``: a hit in a title (16 to 31) outranks any hit
without it (15 at most), one in the authors (8 to 15) any in identifiers (4 to 7) or
only the abstract (2 or 3), and the whole word outranks a longer word it starts in the
same fields. A paper's score is the sum over the words.
Results are best score first, then lowest docid (newest paper). :func:`pithgen.search.rank`
is the reference; ``rankQuery`` in ``assets/pithgen.js`` does exactly the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import groupby, islice
from pathlib import Path
from typing import Any

from pithgen import layout, search
from pithgen.listing import (
    Page,
    Paper,
    Summary,
    group_papers,
    paginate,
)
from pithgen.tempstore import TempStore
from pithgen.tokens import shard_count, shard_of

RESOLVE_TITLE_CHARS = 120
IDS_PER_SHARD = 256
#: Postings per token shard, on average (a shard holds whole keys).
POSTINGS_PER_SHARD = 8192
#: Papers per document block: a page of results loads at most one block per result.
DOC_BLOCK = 32
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


_SCHEMA = """
CREATE TABLE summaries (
    rid INTEGER PRIMARY KEY, suffix TEXT NOT NULL UNIQUE, pith TEXT NOT NULL,
    title TEXT NOT NULL, authors TEXT NOT NULL, arxiv TEXT NOT NULL, version INTEGER NOT NULL,
    submitted_at TEXT NOT NULL, year TEXT NOT NULL, cat TEXT NOT NULL, cross TEXT NOT NULL
);
CREATE TABLE postings (token TEXT NOT NULL, rid INTEGER NOT NULL, bits INTEGER NOT NULL);
CREATE TABLE crosslists (cat TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (cat, rid));
CREATE TABLE entries (sha BLOB NOT NULL);
CREATE TABLE packed (rid INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""
_COLUMNS = "suffix, pith, title, authors, arxiv, version, submitted_at, cat, cross"
_LISTING_ORDER = "submitted_at, arxiv, version, suffix"
_NEWEST_FIRST = ", ".join(f"{c} DESC" for c in _LISTING_ORDER.split(", "))


def entry_bytes(summary: Summary, tokens: Mapping[str, int]) -> bytes:
    """What the index keeps of one record, as the build cache remembers it with its unit
    (:func:`pithgen.units.pack`): the JSON ``[summary list, {token: bits}]``."""
    return json.dumps([summary.to_list(), tokens], ensure_ascii=False).encode("utf-8")


def _summary(row: tuple[Any, ...]) -> Summary:
    suffix, pith, title, authors, arxiv, version, submitted_at, cat, cross = row
    return Summary(
        suffix, pith, title, authors, arxiv, version, submitted_at, cat, tuple(json.loads(cross))
    )


class SiteIndex(TempStore):
    """The index stage's store: summaries and search postings in a temporary SQLite file.

    Add every published record with :meth:`add`, call :meth:`finish`, then read listings,
    redirects and shards as streams. Search document ids are the papers' ranks newest
    first (module docstring). :meth:`close` removes the file.
    """

    def __init__(self, directory: Path | None = None) -> None:
        super().__init__(
            "index", _SCHEMA, directory, pragmas=("cache_size = -16384", "temp_store = FILE")
        )
        self.count = 0
        self._postings = 0
        self._digest: bytes | None = None
        self._search_ready = False
        self._finished = False

    def add(self, summary: Summary, tokens: Mapping[str, int]) -> None:
        """One published record and the search tokens it is found by, with their field
        bits (:func:`pithgen.search.index_tokens`)."""
        self.add_many([(summary, tokens)])

    def add_many(self, items: Sequence[tuple[Summary, Mapping[str, int]]]) -> None:
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
        postings = [
            (token, first + n, bits)
            for n, (_, tokens) in enumerate(items)
            for token, bits in tokens.items()
        ]
        self.db.executemany("INSERT INTO postings (token, rid, bits) VALUES (?, ?, ?)", postings)
        self._entries(entry_bytes(s, t) for s, t in items)
        self.count += len(items)
        self._postings += len(postings)

    def add_packed(self, items: Sequence[bytes]) -> None:
        """Several records as their units remembered them (:func:`pithgen.units.pack`:
        the JSON ``[summary list, {token: bits}]``), taken apart by SQLite's JSON functions
        instead of in Python: what :meth:`add_many` would store from the unpacked items."""
        first = self.count + 1
        rows = [(first + n, data.decode("utf-8")) for n, data in enumerate(items)]
        fields = ", ".join(f"json_extract(?2, '$[0][{n}]')" for n in range(9))
        self.db.executemany(
            f"INSERT INTO summaries (rid, {_COLUMNS}, year) "
            f"VALUES (?1, {fields}, substr(json_extract(?2, '$[0][6]'), 1, 4))",
            rows,
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO crosslists (cat, rid) SELECT c.value, ?1 "
            "FROM json_each(?2, '$[0][8]') c WHERE c.value != json_extract(?2, '$[0][7]')",
            rows,
        )
        # Their postings are taken apart only if search shards are made (_searchable).
        self.db.executemany("INSERT INTO packed (rid, data) VALUES (?, ?)", rows)
        self._entries(items)
        self.count += len(rows)

    def _entries(self, entries: Iterable[bytes]) -> None:
        """Remember the SHA-256 of each record's entry (:meth:`content_digest`)."""
        self.db.executemany(
            "INSERT INTO entries (sha) VALUES (?)", ((hashlib.sha256(e).digest(),) for e in entries)
        )

    def content_digest(self) -> bytes:
        """The SHA-256 of everything this index holds, whatever the order the records
        came in: of their entries' SHA-256 (:func:`entry_bytes`), sorted. Every output
        made from the index alone (shards, listings, redirects) is a function of it, so a
        build whose index has the last build's digest keeps them (:mod:`pithgen.delta`)."""
        if self._digest is None:
            digest = hashlib.sha256(f"pithgen-index-v1 {self.count}\n".encode())
            for (sha,) in self.db.execute("SELECT sha FROM entries ORDER BY sha"):
                digest.update(sha)
            self._digest = digest.digest()
        return self._digest

    def finish(self) -> None:
        """Index the summaries for listings; the search tables are made when search
        shards are (:meth:`_searchable`): a build that keeps them never makes them."""
        self.db.executescript(
            """
            CREATE INDEX summaries_by_listing ON summaries (submitted_at, arxiv, version, suffix);
            CREATE INDEX summaries_by_id ON summaries (arxiv, version, suffix);
            CREATE INDEX summaries_by_cat ON summaries (cat);
            CREATE INDEX summaries_by_year ON summaries (year);
            """
        )
        self.db.commit()
        self._finished = True

    @property
    def postings(self) -> int:
        """How many search postings the records have (all records' tokens)."""
        self._searchable()
        return self._postings

    def _searchable(self) -> None:
        """The postings of the records added packed, the postings by token, the papers'
        docids (module docstring) and each record's docid, made once."""
        if self._search_ready:
            return
        if not self._finished:
            raise RuntimeError("the index is searched before finish()")
        cursor = self.db.execute(
            "INSERT INTO postings (token, rid, bits) "
            "SELECT t.key, p.rid, t.value FROM packed p, json_each(p.data, '$[1]') t"
        )
        self._postings += cursor.rowcount
        self.db.executescript(
            """
            DELETE FROM packed;
            CREATE INDEX postings_by_token ON postings (token, rid, bits);
            CREATE TABLE papers AS
                SELECT arxiv, row_number() OVER (
                    ORDER BY max(submitted_at) DESC, arxiv DESC
                ) - 1 AS docid
                FROM summaries GROUP BY arxiv;
            CREATE UNIQUE INDEX papers_by_arxiv ON papers (arxiv);
            CREATE TABLE docmap (rid INTEGER PRIMARY KEY, docid INTEGER NOT NULL);
            INSERT INTO docmap
                SELECT s.rid, p.docid FROM summaries s JOIN papers p ON p.arxiv = s.arxiv;
            """
        )
        self.db.commit()
        self._search_ready = True

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

    def listing_rows(self, column: str, value: str) -> Iterator[tuple[Any, ...]]:
        """The rows of one listing, as stored, in its order (everything its pages are
        made from: :meth:`pages`)."""
        return self.db.execute(self._listing_query(column), (value,))

    def _listing_query(self, column: str) -> str:
        return f"""
            SELECT {_COLUMNS}, crossed,
                   min(submitted_at) OVER (PARTITION BY arxiv) AS first_submitted
            FROM ({self._listed(column)}) WHERE listed = ?
            ORDER BY first_submitted, arxiv, version DESC, suffix
        """

    def listing_digest(self, column: str, value: str) -> bytes:
        """The SHA-256 of :meth:`listing_rows`, each row as a JSON array made by SQLite
        (what a listing's memo is keyed by: cheaper than hashing the rows here)."""
        columns = ", ".join(f"r.{c}" for c in _COLUMNS.split(", "))
        query = f"""
            SELECT json_array({columns}, r.crossed)
            FROM ({self._listing_query(column)}) r
        """
        digest = hashlib.sha256()
        for (row,) in self.db.execute(query, (value,)):
            digest.update(row.encode("utf-8", "surrogatepass") + b"\n")
        return digest.digest()

    def pages(self, column: str, value: str, count: int, size: int) -> Iterator[Page]:
        """A stable listing of ``count`` papers, ``size`` papers a page, oldest paper first
        (adding records rarely moves earlier pages); a paper's versions newest first."""
        rows = ((_summary(row[:9]), bool(row[9])) for row in self.listing_rows(column, value))
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

    # --- the search index (written by :mod:`pithgen.searchshards`) ----------------------

    def papers_by_docid(self) -> Iterator[Paper]:
        """Every paper, in search docid order (newest first), its versions newest first."""
        self._searchable()
        query = f"""
            SELECT {", ".join(f"s.{c}" for c in _COLUMNS.split(", "))}
            FROM summaries s JOIN papers p ON p.arxiv = s.arxiv
            ORDER BY p.docid, s.version DESC, s.suffix
        """
        return group_papers((_summary(row), False) for row in self.db.execute(query))

    def paper_count(self) -> int:
        self._searchable()
        return int(self.db.execute("SELECT count(*) FROM papers").fetchone()[0])

    def vocabulary(self) -> Iterator[tuple[str, int]]:
        """Every search token and its number of postings (records), in code-point order
        (SQLite compares UTF-8 bytes, which orders like code points)."""
        self._searchable()
        return self.db.execute("SELECT token, count(*) FROM postings GROUP BY token ORDER BY token")

    def set_token_shards(self, rows: Iterable[tuple[str, str]]) -> None:
        """Store the token shard of every token (``(token, shard)``)."""
        self._searchable()
        self.db.execute(
            "CREATE TABLE tokkey (shard TEXT NOT NULL, token TEXT NOT NULL, "
            "PRIMARY KEY (shard, token)) WITHOUT ROWID"
        )
        rows = iter(rows)
        while batch := list(islice(rows, 10_000)):
            self.db.executemany("INSERT INTO tokkey (token, shard) VALUES (?, ?)", batch)

    def postings_by_shard(self) -> Iterator[tuple[str, str, int]]:
        """``(shard, token, docid * FIELD_SPAN + bits)`` of every record's postings, by
        shard and token (docids in no order; the records of one paper share its docid).
        No sort: tokkey is read in key order, each token's postings from the covering
        index, each docid by its record's rowid."""
        self._searchable()
        return self.db.execute(
            f"""
            SELECT k.shard, k.token, m.docid * {search.FIELD_SPAN} + p.bits
            FROM tokkey k JOIN postings p ON p.token = k.token JOIN docmap m ON m.rid = p.rid
            ORDER BY k.shard, k.token
            """
        )
