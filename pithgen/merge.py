"""Stage 3, merge: archive-level checks across records.

- Exact duplicates (same kind, same Pith Number, same document content) are merged: the
  first in input order is kept, the others stay ``verified`` with a ``duplicate`` warning
  and are not published twice.
- Two documents of the same kind with the same Pith Number but different content, or
  records with different Pith Numbers claiming the same arXiv id and version, all fail the
  ``conflict`` check, each naming the others: no winner is picked silently.
- A record document and a bundle of the same Pith Number complement each other.

Only verified documents take part: a forged copy that failed its own checks cannot knock
out the genuine record.

Memory stays flat however large the archive: verdicts stream into an on-disk SQLite
table (a temporary file, removed by :meth:`MergeResult.close`), the cross-record checks
are SQL queries over it, and results are read back as streams in input order.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pithgen.model import Check, Source, Verdict

_SCHEMA = """
CREATE TABLE verdicts (
    idx INTEGER PRIMARY KEY, ok INTEGER NOT NULL, kind TEXT, pith TEXT, suffix TEXT,
    digest TEXT, arxiv TEXT, version INTEGER, data TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0
);
"""


def compact(verdict: Verdict) -> Verdict:
    """Keep only what a report needs: failures, warnings and not-checkable notes."""
    return replace(verdict, checks=tuple(c for c in verdict.checks if c.outcome != "ok"))


def _dump(verdict: Verdict) -> str:
    return json.dumps(
        [
            verdict.source.path,
            verdict.source.line,
            verdict.kind,
            [[c.check, c.outcome, c.message] for c in verdict.checks],
            verdict.pith_number,
            verdict.arxiv_id,
            verdict.version,
            verdict.doc_digest,
            verdict.raw_sha256,
            verdict.key_id,
        ],
        ensure_ascii=False,
    )


def _load(data: str) -> Verdict:
    path, line, kind, checks, pith, arxiv, version, digest, raw, key_id = json.loads(data)
    return Verdict(
        Source(path, line),
        kind,
        tuple(Check(c, o, m) for c, o, m in checks),
        pith_number=pith,
        arxiv_id=arxiv,
        version=version,
        doc_digest=digest,
        raw_sha256=raw,
        key_id=key_id,
    )


@dataclass(frozen=True)
class Chosen:
    """One published document, as pass 2 of a build meets it again (by input position)."""

    index: int
    verdict: Verdict
    has_record: bool
    has_bundle: bool


class MergeResult:
    """The merged verdicts of an archive, stored on disk; read them back as streams."""

    def __init__(self, db: sqlite3.Connection, path: str | None) -> None:
        self._db = db
        self._path = path
        row = db.execute("SELECT count(*), coalesce(sum(ok), 0) FROM verdicts").fetchone()
        self.total: int = row[0]
        self.verified: int = row[1]
        self.failed: int = self.total - self.verified
        self.warnings: int = sum(
            sum(1 for c in _load(d).checks if c.outcome == "warning")
            for (d,) in db.execute("SELECT data FROM verdicts WHERE data LIKE '%\"warning\"%'")
        )
        self.published_count: int = db.execute(
            "SELECT count(DISTINCT pith) FROM verdicts WHERE published = 1"
        ).fetchone()[0]

    def iter_verdicts(self, *, failed_first: bool = False) -> Iterator[Verdict]:
        """Every verdict, in input order (failed ones first, each group in input order)."""
        order = "ok, idx" if failed_first else "idx"
        for (data,) in self._db.execute(f"SELECT data FROM verdicts ORDER BY {order}"):
            yield _load(data)

    def iter_chosen(self) -> Iterator[Chosen]:
        """The published documents in input order, with what else their number has."""
        query = """
            SELECT v.idx, v.data,
                   EXISTS(SELECT 1 FROM verdicts w WHERE w.published = 1 AND w.pith = v.pith
                          AND w.kind = 'record'),
                   EXISTS(SELECT 1 FROM verdicts w WHERE w.published = 1 AND w.pith = v.pith
                          AND w.kind = 'bundle')
            FROM verdicts v WHERE v.published = 1 ORDER BY v.idx
        """
        for idx, data, has_record, has_bundle in self._db.execute(query):
            yield Chosen(idx, _load(data), bool(has_record), bool(has_bundle))

    def versions_of(self, arxiv_id: str) -> list[tuple[int, str]]:
        """``(version, suffix)`` of every published record of one paper, by version."""
        query = """SELECT DISTINCT version, suffix FROM verdicts
                   WHERE published = 1 AND arxiv = ? ORDER BY version, suffix"""
        return [(int(v), str(s)) for v, s in self._db.execute(query, (arxiv_id,))]

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


def _open_store(
    on_disk: bool, directory: Path | None = None
) -> tuple[sqlite3.Connection, str | None]:
    path = None
    if on_disk:
        fd, path = tempfile.mkstemp(prefix="pithgen-merge-", suffix=".sqlite3", dir=directory)
        os.close(fd)
    db = sqlite3.connect(path or ":memory:")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -8192")  # 8 MiB page cache, whatever the archive size
    db.execute("PRAGMA temp_store = FILE")
    db.executescript(_SCHEMA)
    return db, path


def _conflict_groups(db: sqlite3.Connection) -> dict[int, list[str]]:
    """Losing rows (by index) and why, naming the other documents involved."""
    losers: dict[int, list[str]] = defaultdict(list)
    identity = """
        SELECT v.idx, v.pith, v.kind, v.digest, v.data FROM verdicts v
        JOIN (SELECT pith, kind FROM verdicts WHERE ok = 1 GROUP BY pith, kind
              HAVING count(DISTINCT digest) > 1) g ON g.pith = v.pith AND g.kind = v.kind
        WHERE v.ok = 1 ORDER BY v.idx
    """
    groups: dict[tuple[str, str], list[tuple[int, str, str]]] = defaultdict(list)
    for idx, pith, kind, digest, data in db.execute(identity):
        groups[(pith, kind)].append((idx, digest, str(_load(data).source)))
    for (pith, kind), rows in groups.items():
        for idx, digest, _ in rows:
            others = sorted({src for _, d, src in rows if d != digest})
            losers[idx].append(
                f"another {kind} with Pith Number {pith} but different content: {', '.join(others)}"
            )
    paper = """
        SELECT v.idx, v.arxiv, v.version, v.pith, v.data FROM verdicts v
        JOIN (SELECT arxiv, version FROM verdicts WHERE ok = 1 GROUP BY arxiv, version
              HAVING count(DISTINCT pith) > 1) g ON g.arxiv = v.arxiv AND g.version = v.version
        WHERE v.ok = 1 ORDER BY v.idx
    """
    papers: dict[tuple[str, int], list[tuple[int, str, str]]] = defaultdict(list)
    for idx, arxiv, version, pith, data in db.execute(paper):
        papers[(arxiv, version)].append((idx, pith, str(_load(data).source)))
    for (arxiv, version), rows in papers.items():
        first_source: dict[str, str] = {}
        for _, pith, src in rows:
            first_source.setdefault(pith, src)
        for idx, pith, _ in rows:
            others = [f"{first_source[o]} ({o})" for o in sorted(first_source) if o != pith]
            losers[idx].append(
                f"arXiv {arxiv}v{version} is also claimed by a different record: "
                f"{', '.join(others)}"
            )
    return losers


def merge(
    verdicts: Iterable[Verdict],
    *,
    keep_checks: bool = False,
    on_disk: bool = True,
    directory: Path | None = None,
) -> MergeResult:
    """Stage 3. ``verdicts`` in input order; the result keeps that order. Checks that
    passed are dropped from the stored verdicts unless ``keep_checks``."""
    db, path = _open_store(on_disk, directory)
    try:
        rows = (
            (
                idx,
                int(v.ok and v.pith_number is not None and v.kind is not None),
                v.kind,
                v.pith_number,
                v.suffix,
                v.doc_digest,
                v.arxiv_id,
                v.version,
                _dump(v if keep_checks else compact(v)),
            )
            for idx, v in enumerate(verdicts)
        )
        db.executemany(
            "INSERT INTO verdicts (idx, ok, kind, pith, suffix, digest, arxiv, version, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute("CREATE INDEX by_identity ON verdicts (pith, kind, digest, idx)")
        db.execute("CREATE INDEX by_paper ON verdicts (arxiv, version, pith)")
        _mark(db)
        db.execute("CREATE INDEX by_published ON verdicts (published, pith, kind)")
        db.commit()
    except BaseException:
        db.close()
        if path is not None:
            os.unlink(path)
        raise
    return MergeResult(db, path)


def _mark(db: sqlite3.Connection) -> None:
    """Apply duplicates and conflicts to the stored verdicts; mark what is published."""
    duplicates = """
        SELECT v.idx, g.first, v.data, f.data FROM verdicts v
        JOIN (SELECT pith, kind, digest, min(idx) AS first FROM verdicts WHERE ok = 1
              GROUP BY pith, kind, digest HAVING count(*) > 1) g
          ON g.pith = v.pith AND g.kind = v.kind AND g.digest = v.digest AND v.idx > g.first
        JOIN verdicts f ON f.idx = g.first
        WHERE v.ok = 1
    """
    updates: dict[int, Verdict] = {}
    first_of: dict[int, int] = {}
    for idx, first, data, first_data in db.execute(duplicates).fetchall():
        first_of[idx] = first
        updates[idx] = _load(data).with_check(
            Check("duplicate", "warning", f"exact duplicate of {_load(first_data).source}; merged")
        )
    losers = _conflict_groups(db)
    for idx, first in first_of.items():  # duplicates of a losing document lose with it
        if first in losers and idx not in losers:
            losers[idx] = losers[first]
    for idx, reasons in losers.items():
        if idx not in updates:
            (data,) = db.execute("SELECT data FROM verdicts WHERE idx = ?", (idx,)).fetchone()
            updates[idx] = _load(data)
        updates[idx] = updates[idx].with_check(Check("conflict", "failed", "; ".join(reasons)))
    db.executemany(
        "UPDATE verdicts SET data = ?, ok = ? WHERE idx = ?",
        ((_dump(v), int(v.ok), idx) for idx, v in updates.items()),
    )
    db.execute(
        """UPDATE verdicts SET published = 1 WHERE ok = 1 AND idx IN
           (SELECT min(idx) FROM verdicts WHERE ok = 1 GROUP BY pith, kind, digest)"""
    )
