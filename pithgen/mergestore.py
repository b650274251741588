"""The merge stage's store: verdicts in an on-disk SQLite table, read back as streams.

:mod:`pithgen.merge` applies its rules to this store with SQL queries; this module owns
its schema, how a :class:`Verdict` is stored (:func:`dump_verdict`, :func:`load_verdict`,
every field by name), and :class:`MergeResult`, through which the later stages read it.

Two tables: ``verdicts``, one row per input document in input order (``idx``), with the
columns the rules query (``ok`` = verified and identified, so taking part in the merge;
``published`` = chosen by the publication rule), and ``findings``, at most one merge
finding (``conflict``, ``duplicate`` or ``superseded``) per document, joined to its verdict
when it is read back.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pithgen.checks import bounded
from pithgen.model import Check, Source, Verdict, verdict_dict

_SCHEMA = """
CREATE TABLE verdicts (
    idx INTEGER PRIMARY KEY, ok INTEGER NOT NULL, kind TEXT, pith TEXT, suffix TEXT,
    canonical TEXT, digest TEXT, raw TEXT, updated TEXT, key_id TEXT,
    path TEXT NOT NULL, line INTEGER, arxiv TEXT, version INTEGER, data TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE findings (
    idx INTEGER PRIMARY KEY, name TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL
);
"""
_INSERT = """INSERT INTO verdicts (idx, ok, kind, pith, suffix, canonical, digest, raw,
             updated, key_id, path, line, arxiv, version, data)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
#: A verdict's columns in the store but its source (:func:`verdict_columns`): ok, kind,
#: pith, suffix, canonical, digest, raw, updated, key_id, arxiv, version.
Columns = tuple[int, str | None, str | None, str | None, str | None, str | None, str | None,
                str | None, str | None, str | None, int | None]  # fmt: skip
_READ = """SELECT v.data, f.name, f.outcome, f.message
           FROM verdicts v LEFT JOIN findings f ON f.idx = v.idx"""


def compact(verdict: Verdict) -> Verdict:
    """Keep only what a report needs: failures, warnings and not-checkable notes."""
    return replace(verdict, checks=tuple(c for c in verdict.checks if c.outcome != "ok"))


def dump_verdict(verdict: Verdict) -> str:
    """A verdict as the store keeps it: every field, by name (:func:`load_verdict`)."""
    return with_source(verdict_body(verdict), verdict.source)


def verdict_body(verdict: Verdict) -> str:
    """:func:`dump_verdict` without where the document was read from: what depends on
    the document's bytes alone (the build cache keeps it, :class:`StoredVerdict`)."""
    return json.dumps(
        {
            "kind": verdict.kind,
            "checks": [[c.check, c.outcome, c.message] for c in verdict.checks],
            "pith_number": verdict.pith_number,
            "arxiv_id": verdict.arxiv_id,
            "version": verdict.version,
            "doc_digest": verdict.doc_digest,
            "raw_sha256": verdict.raw_sha256,
            "key_id": verdict.key_id,
            "canonical_sha256": verdict.canonical_sha256,
            "updated_at": verdict.updated_at,
        },
        ensure_ascii=False,
    )


def with_source(body: str, source: Source) -> str:
    """A :func:`verdict_body` with its source put first: exactly :func:`dump_verdict`."""
    where = json.dumps(source.path, ensure_ascii=False)
    return f'{{"path": {where}, "line": {json.dumps(source.line)}, {body[1:]}'


def verdict_columns(verdict: Verdict) -> Columns:
    """The store's columns of a verdict but its source (see :data:`_SCHEMA`)."""
    v = verdict
    return (
        int(v.ok and v.pith_number is not None and v.kind is not None),
        v.kind, v.pith_number, v.suffix, v.canonical_sha256, v.doc_digest, v.raw_sha256,
        v.updated_at, v.key_id, v.arxiv_id, v.version,
    )  # fmt: skip


@dataclass(frozen=True)
class StoredVerdict:
    """A verdict as the build cache returns it, not parsed: the store's columns and
    :func:`verdict_body`, with where the document was read this time. The merge stage
    stores it as it is (:func:`add_verdicts`); :meth:`verdict` parses it."""

    source: Source
    columns: Columns
    body: str

    def verdict(self) -> Verdict:
        return load_verdict(with_source(self.body, self.source))


def load_verdict(data: str) -> Verdict:
    """The verdict :func:`dump_verdict` stored."""
    stored = json.loads(data)
    return Verdict(
        Source(stored["path"], stored["line"]),
        stored["kind"],
        tuple(Check(c, o, m) for c, o, m in stored["checks"]),
        pith_number=stored["pith_number"],
        arxiv_id=stored["arxiv_id"],
        version=stored["version"],
        doc_digest=stored["doc_digest"],
        raw_sha256=stored["raw_sha256"],
        key_id=stored["key_id"],
        canonical_sha256=stored["canonical_sha256"],
        updated_at=stored["updated_at"],
    )


def read_stored(data: str, name: str | None, outcome: Any, message: str | None) -> Verdict:
    """A stored verdict with the merge's finding about it, if any."""
    verdict = load_verdict(data)
    if name is None or message is None:
        return verdict
    return verdict.with_check(Check(name, outcome, bounded(message)))


def report_entry(data: str, name: str | None, outcome: Any, message: str | None) -> dict[str, Any]:
    """``compact(read_stored(...)).to_dict()``, made from the stored JSON without building
    the verdict and its checks (a report lists every document of the archive)."""
    stored = json.loads(data)
    checks = [(c, o, m) for c, o, m in stored["checks"] if o != "ok"]
    if name is not None and message is not None and outcome != "ok":
        checks.append((name, outcome, bounded(message)))
    return verdict_dict(
        str(Source(stored["path"], stored["line"])), stored["kind"], stored["pith_number"],
        stored["arxiv_id"], stored["version"], checks,
    )  # fmt: skip


def open_store(
    on_disk: bool, directory: Path | None = None
) -> tuple[sqlite3.Connection, str | None]:
    """A new, empty store: a temporary file in ``directory`` (or in memory)."""
    path = None
    if on_disk:
        fd, path = tempfile.mkstemp(prefix="pithgen-merge-", suffix=".sqlite3", dir=directory)
        os.close(fd)
    # check_same_thread=False: the garbage collector may close a forgotten store from
    # another thread (a process pool runs threads); no two threads ever use one at once.
    db = sqlite3.connect(path or ":memory:", check_same_thread=False)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -8192")  # 8 MiB page cache, whatever the archive size
    db.execute("PRAGMA temp_store = FILE")
    db.executescript(_SCHEMA)
    return db, path


def add_verdicts(
    db: sqlite3.Connection, verdicts: Iterable[Verdict | StoredVerdict], *, keep_checks: bool
) -> None:
    """Store ``verdicts`` (streamed) in input order; checks that passed are dropped unless
    ``keep_checks``."""

    def row(idx: int, v: Verdict | StoredVerdict) -> tuple[Any, ...]:
        if isinstance(v, StoredVerdict) and keep_checks:
            ok, *columns = v.columns
            return (idx, ok, *columns[:8], v.source.path, v.source.line, *columns[8:],
                    with_source(v.body, v.source))  # fmt: skip
        verdict = v.verdict() if isinstance(v, StoredVerdict) else v
        ok, *columns = verdict_columns(verdict)
        data = dump_verdict(verdict if keep_checks else compact(verdict))
        return (idx, ok, *columns[:8], verdict.source.path, verdict.source.line,
                *columns[8:], data)  # fmt: skip

    db.executemany(_INSERT, (row(idx, v) for idx, v in enumerate(verdicts)))


@dataclass(frozen=True)
class Chosen:
    """One published document, as pass 2 of a build meets it again (by input position)."""

    index: int
    verdict: Verdict
    has_record: bool
    has_bundle: bool


@dataclass(frozen=True)
class ChosenRow:
    """One published document as the store's columns describe it (no verdict parsed):
    what deciding whether its pages changed needs."""

    index: int
    kind: str
    pith: str
    suffix: str
    arxiv_id: str
    raw_sha256: str
    has_record: bool
    has_bundle: bool
    canonical: str = ""

    @property
    def owns_page(self) -> bool:
        """Whether this document's unit writes the record's page (a record document; a
        bundle only when no record document is published beside it)."""
        return self.kind == "record" or not self.has_record


class MergeResult:
    """The merged verdicts of an archive, stored on disk; read them back as streams."""

    def __init__(self, db: sqlite3.Connection, path: str | None) -> None:
        self._db = db
        self._path = path
        self._versions_ready = False
        row = db.execute("SELECT count(*), coalesce(sum(ok), 0) FROM verdicts").fetchone()
        self.total: int = row[0]
        self.verified: int = row[1]
        self.failed: int = self.total - self.verified
        self.warnings: int = (
            sum(
                sum(1 for c in load_verdict(d).checks if c.outcome == "warning")
                for (d,) in db.execute("SELECT data FROM verdicts WHERE data LIKE '%\"warning\"%'")
            )
            + db.execute("SELECT count(*) FROM findings WHERE outcome = 'warning'").fetchone()[0]
        )
        self.published_count: int = db.execute(
            "SELECT count(DISTINCT pith) FROM verdicts WHERE published = 1"
        ).fetchone()[0]

    def iter_verdicts(self, *, failed_first: bool = False) -> Iterator[Verdict]:
        """Every verdict with the merge's finding, in input order (failed ones first, each
        group in input order)."""
        for row in self.iter_stored(failed_first=failed_first):
            yield read_stored(*row)

    def iter_stored(
        self, *, failed_first: bool = False
    ) -> Iterator[tuple[str, str | None, str | None, str | None]]:
        """:meth:`iter_verdicts` as stored, not parsed: ``(data, finding's name, outcome,
        message)``, each row the whole of what its verdict is read from
        (:func:`read_stored`)."""
        order = "v.ok, v.idx" if failed_first else "v.idx"
        return self._db.execute(f"{_READ} ORDER BY {order}")

    def iter_chosen(self, positions: Sequence[int] | None = None) -> Iterator[Chosen]:
        """The published documents in input order, with what else their number has; with
        ``positions`` (ascending input positions), only those of them (read by position:
        an incremental build parses the few verdicts it renders, not the archive's)."""
        query = """
            SELECT v.idx, v.data,
                   EXISTS(SELECT 1 FROM verdicts w WHERE w.published = 1 AND w.pith = v.pith
                          AND w.kind = 'record'),
                   EXISTS(SELECT 1 FROM verdicts w WHERE w.published = 1 AND w.pith = v.pith
                          AND w.kind = 'bundle')
            FROM verdicts v WHERE v.published = 1"""
        if positions is None:
            chunks: Iterable[tuple[str, Sequence[int]]] = [(f"{query} ORDER BY v.idx", ())]
        else:
            chunks = (
                (f"{query} AND v.idx IN ({','.join('?' * len(c))}) ORDER BY v.idx", c)
                for c in (positions[s : s + 500] for s in range(0, len(positions), 500))
            )
        for sql, params in chunks:
            for idx, data, has_record, has_bundle in self._db.execute(sql, params):
                yield Chosen(idx, load_verdict(data), bool(has_record), bool(has_bundle))

    def iter_chosen_rows(self) -> Iterator[ChosenRow]:
        """:meth:`iter_chosen` without the verdicts (much cheaper to read)."""
        query = """
            SELECT v.idx, v.kind, v.pith, v.suffix, v.arxiv, v.raw, v.canonical,
                   EXISTS(SELECT 1 FROM verdicts w WHERE w.published = 1 AND w.pith = v.pith
                          AND w.kind = 'record'),
                   EXISTS(SELECT 1 FROM verdicts w WHERE w.published = 1 AND w.pith = v.pith
                          AND w.kind = 'bundle')
            FROM verdicts v WHERE v.published = 1 ORDER BY v.idx
        """
        for idx, kind, pith, suffix, arxiv, raw, canonical, record, bundle in self._db.execute(
            query
        ):
            yield ChosenRow(
                idx, kind, pith, suffix, arxiv, raw, bool(record), bool(bundle), canonical
            )

    def iter_chosen_versions(self) -> Iterator[tuple[ChosenRow, list[tuple[int, str]]]]:
        """:meth:`iter_chosen_rows`, each with ``(version, suffix)`` of every published
        record of its paper, by version (all in one query, from a table of every paper's
        versions made once)."""
        if not self._versions_ready:
            self._db.executescript(
                """
                CREATE TEMP TABLE paper_versions AS
                    SELECT arxiv, json_group_array(json_array(version, suffix)) AS versions
                    FROM (SELECT DISTINCT arxiv, version, suffix FROM verdicts
                          WHERE published = 1)
                    GROUP BY arxiv;
                CREATE UNIQUE INDEX temp.paper_versions_by_arxiv ON paper_versions (arxiv);
                """
            )
            self._versions_ready = True
        query = """
            SELECT v.idx, v.kind, v.pith, v.suffix, v.arxiv, v.raw, v.canonical,
                   EXISTS(SELECT 1 FROM verdicts w WHERE w.published = 1 AND w.pith = v.pith
                          AND w.kind = 'record'),
                   EXISTS(SELECT 1 FROM verdicts w WHERE w.published = 1 AND w.pith = v.pith
                          AND w.kind = 'bundle'),
                   p.versions
            FROM verdicts v LEFT JOIN paper_versions p ON p.arxiv = v.arxiv
            WHERE v.published = 1 ORDER BY v.idx
        """
        for *columns, versions in self._db.execute(query):
            idx, kind, pith, suffix, arxiv, raw, canonical, record, bundle = columns
            row = ChosenRow(
                idx, kind, pith, suffix, arxiv, raw, bool(record), bool(bundle), canonical
            )
            yield row, sorted((int(v), str(s)) for v, s in json.loads(versions or "[]"))

    def published_identities(self) -> dict[str, tuple[str, int]]:
        """Every published Pith Number with its arXiv id and version."""
        query = "SELECT DISTINCT pith, arxiv, version FROM verdicts WHERE published = 1"
        return {str(p): (str(a), int(v)) for p, a, v in self._db.execute(query)}

    def verified_bundles(self) -> dict[int, str]:
        """The input positions of the verified bundles (published or not), with their Pith
        Number: every one's events belong to its record."""
        query = "SELECT idx, pith FROM verdicts WHERE ok = 1 AND kind = 'bundle'"
        return {int(i): str(p) for i, p in self._db.execute(query)}

    def document_counts(self) -> dict[str, int]:
        """How many documents were read from each input file (by its name in reports)."""
        rows = self._db.execute("SELECT path, count(*) FROM verdicts GROUP BY path")
        return {str(path): int(n) for path, n in rows}

    def paths_of(self, positions: Sequence[int]) -> set[str]:
        """The input files holding the documents at ``positions``."""
        found: set[str] = set()
        for start in range(0, len(positions), 500):
            chunk = list(positions[start : start + 500])
            marks = ",".join("?" * len(chunk))
            query = f"SELECT DISTINCT path FROM verdicts WHERE idx IN ({marks})"
            found.update(str(path) for (path,) in self._db.execute(query, chunk))
        return found

    def shared_shorts(self) -> frozenset[str]:
        """8-character short numbers that more than one published record has."""
        query = """SELECT substr(suffix, 1, 8) FROM verdicts WHERE published = 1
                   GROUP BY substr(suffix, 1, 8) HAVING count(DISTINCT pith) > 1"""
        return frozenset(short for (short,) in self._db.execute(query))

    def close(self) -> None:
        self._db.close()
        if self._path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)
            self._path = None

    def __enter__(self) -> MergeResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()
