"""The audit's side-by-side store: what the log holds and what the mirror publishes.

A temporary SQLite file (removed on close), so that memory stays flat however large the
mirror: the audit streams the log's entries into ``logged``, every per-record file it
reads into ``published`` (its SHA-256, never its bytes), and the records to look at
into ``candidates``; the comparisons of :mod:`pithgen.audit.compare` are queries.

- ``logged``: every entry (index, suffix, Pith Number, kind, canonical SHA-256, file
  SHA-256). The *latest* entry of a file (a suffix and a kind) is the one a site must
  publish: a bundle or state with new bytes is a new entry (docs/log.md section 7).
- ``published``: every record document, bundle and state found (suffix, kind, path,
  Pith Number and canonical SHA-256 when it verified, file SHA-256, arXiv id and
  version).
- ``candidates``: every suffix some source names: a log entry, the resolve index
  (``indexed``), a file in the site's folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pithgen.tempstore import TempStore
from pithgen.tlog.entry import LogEntry

BATCH = 4096
PAGE = 512

_SCHEMA = """
CREATE TABLE logged (idx INTEGER PRIMARY KEY, suffix TEXT NOT NULL, pith TEXT NOT NULL,
                     kind TEXT NOT NULL, canonical TEXT NOT NULL, sha TEXT NOT NULL);
CREATE INDEX logged_by_file ON logged (suffix, kind, idx);
CREATE TABLE published (suffix TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL,
                        pith TEXT, canonical TEXT, sha TEXT NOT NULL, arxiv TEXT,
                        version INTEGER, PRIMARY KEY (suffix, kind)) WITHOUT ROWID;
CREATE TABLE candidates (suffix TEXT PRIMARY KEY, indexed INTEGER NOT NULL) WITHOUT ROWID;
"""
#: The latest entry of every logged file (SQLite takes the bare columns from the max row).
_LATEST = """
WITH latest AS (SELECT suffix, kind, pith, canonical, sha, max(idx) AS idx
                FROM logged GROUP BY suffix, kind)
"""


@dataclass(frozen=True)
class Logged:
    """One log entry, as stored."""

    index: int
    entry: LogEntry


@dataclass(frozen=True)
class Published:
    """One per-record file the mirror publishes."""

    suffix: str
    kind: str
    path: str
    sha: str
    pith: str | None = None
    canonical: str | None = None
    arxiv_id: str | None = None
    version: int | None = None


class AuditStore(TempStore):
    """The three tables and their queries (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__("audit", _SCHEMA)
        self._batch: list[tuple[int, str, str, str, str, str]] = []

    # --- filling ----------------------------------------------------------------------

    def add_logged(self, index: int, entry: LogEntry) -> None:
        suffix = entry.pith_number.rsplit(":", 1)[1]
        e = entry
        self._batch.append(
            (index, suffix, e.pith_number, e.kind, e.canonical_sha256, e.json_sha256)
        )
        if len(self._batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        self.db.executemany("INSERT INTO logged VALUES (?, ?, ?, ?, ?, ?)", self._batch)
        self._batch.clear()

    def add_candidates(self, suffixes: Iterable[str], indexed: bool = False) -> None:
        """Suffixes to look at (``indexed``: named by the site's resolve index)."""
        self.db.executemany(
            "INSERT INTO candidates VALUES (?, ?) ON CONFLICT (suffix) DO UPDATE SET "
            "indexed = max(indexed, excluded.indexed)",
            ((s, int(indexed)) for s in suffixes),
        )

    def add_logged_candidates(self) -> None:
        self.flush()
        self.db.execute("INSERT OR IGNORE INTO candidates SELECT DISTINCT suffix, 0 FROM logged")

    def count_candidates(self) -> int:
        (count,) = self.db.execute("SELECT count(*) FROM candidates").fetchone()
        return int(count)

    def add_published(self, file: Published) -> None:
        f = file
        self.db.execute(
            "INSERT OR REPLACE INTO published VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (f.suffix, f.kind, f.path, f.pith, f.canonical, f.sha, f.arxiv_id, f.version),
        )

    # --- reading ----------------------------------------------------------------------

    def candidates(self) -> Iterator[str]:
        """Every candidate suffix, in order, a page at a time."""
        last = ""
        while True:
            rows = self.db.execute(
                "SELECT suffix FROM candidates WHERE suffix > ? ORDER BY suffix LIMIT ?",
                (last, PAGE),
            ).fetchall()
            if not rows:
                return
            for (suffix,) in rows:
                yield suffix
            last = rows[-1][0]

    def latest(self, suffix: str, kind: str) -> Logged | None:
        """The latest entry of a file (``None`` when the log holds none)."""
        self.flush()
        row = self.db.execute(
            "SELECT idx, kind, pith, canonical, sha FROM logged WHERE suffix = ? AND kind = ? "
            "ORDER BY idx DESC LIMIT 1",
            (suffix, kind),
        ).fetchone()
        return None if row is None else Logged(row[0], LogEntry(row[1], row[2], row[3], row[4]))

    def count_published(self, kind: str) -> int:
        (count,) = self.db.execute(
            "SELECT count(*) FROM published WHERE kind = ?", (kind,)
        ).fetchone()
        return int(count)

    # --- the comparisons --------------------------------------------------------------

    def unlogged(self) -> Iterator[tuple[str, str, str | None]]:
        """(path, kind, Pith Number) of published files the log holds no entry of."""
        self.flush()
        yield from self.db.execute(
            "SELECT p.path, p.kind, p.pith FROM published p WHERE NOT EXISTS "
            "(SELECT 1 FROM logged l WHERE l.suffix = p.suffix AND l.kind = p.kind) "
            "ORDER BY p.suffix, p.kind"
        )

    def not_latest(self) -> Iterator[tuple[str, str, str, int, str, str, int | None]]:
        """Published files whose bytes are not their latest entry's: (path, kind, Pith
        Number, latest index, latest SHA-256, file SHA-256, the index of an older entry
        with the file's bytes or ``None``)."""
        self.flush()
        yield from self.db.execute(
            _LATEST + "SELECT p.path, p.kind, l.pith, l.idx, l.sha, p.sha, "
            "(SELECT max(o.idx) FROM logged o WHERE o.suffix = p.suffix AND o.kind = p.kind "
            " AND o.sha = p.sha) "
            "FROM published p JOIN latest l ON l.suffix = p.suffix AND l.kind = p.kind "
            "WHERE l.sha != p.sha ORDER BY p.suffix, p.kind"
        )

    def wrong_canonical(self) -> Iterator[tuple[str, int, str, str]]:
        """Files published as logged whose entry names another canonical SHA-256 than
        the file's verified record: (path, index, entry's, file's)."""
        self.flush()
        yield from self.db.execute(
            _LATEST + "SELECT p.path, l.idx, l.canonical, p.canonical FROM published p "
            "JOIN latest l ON l.suffix = p.suffix AND l.kind = p.kind "
            "WHERE l.sha = p.sha AND p.canonical IS NOT NULL AND l.canonical != p.canonical "
            "ORDER BY p.suffix, p.kind"
        )

    def missing(self) -> Iterator[tuple[str, str, str, int]]:
        """Logged files not published: (suffix, kind, Pith Number, latest index)."""
        self.flush()
        yield from self.db.execute(
            _LATEST + "SELECT l.suffix, l.kind, l.pith, l.idx FROM latest l WHERE NOT EXISTS "
            "(SELECT 1 FROM published p WHERE p.suffix = l.suffix AND p.kind = l.kind) "
            "ORDER BY l.suffix, l.kind"
        )

    def altered_records(self) -> Iterator[tuple[str, str]]:
        """Record documents the log holds with more than one content: (Pith Number,
        their entry indexes) (a build never appends a changed record document)."""
        self.flush()
        yield from self.db.execute(
            "SELECT min(pith), group_concat(idx, ', ') FROM logged WHERE kind = 'record' "
            "GROUP BY suffix HAVING count(DISTINCT sha) > 1 ORDER BY suffix"
        )

    def indexed_unpublished(self, unlogged_only: bool) -> Iterator[tuple[str]]:
        """Suffixes the resolve index names that have no record document nor bundle (with
        ``unlogged_only``, only those the log does not hold either: the others are
        reported missing from the log's side)."""
        self.flush()
        logged = (
            " AND NOT EXISTS (SELECT 1 FROM logged l WHERE l.suffix = c.suffix AND l.kind IN "
            "('record', 'bundle'))"
            if unlogged_only
            else ""
        )
        yield from self.db.execute(
            "SELECT c.suffix FROM candidates c WHERE c.indexed AND NOT EXISTS (SELECT 1 FROM "
            "published p WHERE p.suffix = c.suffix AND p.kind IN ('record', 'bundle'))"
            + logged
            + " ORDER BY c.suffix"
        )

    def conflicts(self) -> Iterator[tuple[str, int, str]]:
        """One arXiv id and version published under several Pith Numbers: (arXiv id,
        version, the Pith Numbers) (what the merge stage calls a conflict)."""
        yield from self.db.execute(
            "SELECT arxiv, version, group_concat(DISTINCT pith) FROM published "
            "WHERE kind IN ('record', 'bundle') AND arxiv IS NOT NULL AND pith IS NOT NULL "
            "GROUP BY arxiv, version HAVING count(DISTINCT pith) > 1 ORDER BY arxiv, version"
        )


__all__ = ["AuditStore", "Logged", "Published"]
