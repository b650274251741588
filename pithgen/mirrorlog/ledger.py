"""What the log holds and what this build publishes, side by side, and the append-only
rules between them.

A temporary SQLite store (memory stays flat whatever the size of the log) keeps

- ``logged``: every entry of the previous log (index, Pith Number, kind, file SHA-256);
- ``current``: every file this build publishes that the log covers (Pith Number, kind,
  canonical SHA-256, file SHA-256);
- ``fresh``: the entries this build appends, with their new indexes.

The rules (docs/log.md section 7): a file of a kind the log holds for a Pith Number must
still be published (a removed record, bundle or state is refused); a record document must
be published with the very bytes logged (a changed record is refused); a bundle or state
with new bytes is appended as a new entry; a file the log does not hold yet is appended.
New entries go in one fixed order: by Pith Number, then kind (record, bundle, state), then
file SHA-256, so the same sequence of builds always gives the same log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pithgen.tempstore import TempStore
from pithgen.tlog.entry import KINDS, LogEntry, parse_entry

LISTED = 20  # refused files named in the error message (all are counted)

_SCHEMA = """
CREATE TABLE logged (idx INTEGER PRIMARY KEY, pith TEXT NOT NULL, kind TEXT NOT NULL,
                     sha TEXT NOT NULL);
CREATE INDEX logged_by_file ON logged (pith, kind, idx);
CREATE TABLE current (pith TEXT NOT NULL, kind TEXT NOT NULL, canonical TEXT NOT NULL,
                      sha TEXT NOT NULL, PRIMARY KEY (pith, kind)) WITHOUT ROWID;
CREATE TABLE fresh (idx INTEGER PRIMARY KEY, pith TEXT NOT NULL, kind TEXT NOT NULL,
                    entry BLOB NOT NULL);
CREATE UNIQUE INDEX fresh_by_file ON fresh (pith, kind);
"""
_RANK = {kind: n for n, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Refusal:
    """A published file the log holds that this build would drop or alter."""

    pith: str
    kind: str
    reason: str  # "removed" or "changed"


class Ledger(TempStore):
    """The previous log's entries, this build's files, and the entries to append."""

    def __init__(self, directory: Path | None = None) -> None:
        super().__init__("log", _SCHEMA, directory)
        self.logged_size = 0

    # --- filling ----------------------------------------------------------------------

    def add_logged(self, entries: Iterable[bytes], where: str) -> Iterator[bytes]:
        """Record the previous log's entries (each parsed: a malformed entry is refused);
        yields each entry back, so the caller hashes it in the same pass."""
        batch: list[tuple[int, str, str, str]] = []
        for entry in entries:
            parsed = parse_entry(entry, f"{where}: entry {self.logged_size}")
            batch.append((self.logged_size, parsed.pith_number, parsed.kind, parsed.json_sha256))
            self.logged_size += 1
            if len(batch) >= 4096:
                self.db.executemany("INSERT INTO logged VALUES (?, ?, ?, ?)", batch)
                batch.clear()
            yield entry
        self.db.executemany("INSERT INTO logged VALUES (?, ?, ?, ?)", batch)

    def add_current(self, files: Iterable[tuple[str, str, str, str]]) -> None:
        """This build's files: (Pith Number, kind, canonical SHA-256, file SHA-256)."""
        self.db.executemany("INSERT INTO current VALUES (?, ?, ?, ?)", files)

    # --- the rules --------------------------------------------------------------------

    def refusals(self) -> tuple[list[Refusal], int]:
        """The logged files this build would drop or alter (at most :data:`LISTED`, in
        order of Pith Number and kind) and how many in all."""
        query = """
            WITH latest AS (SELECT pith, kind, sha, max(idx) FROM logged GROUP BY pith, kind)
            SELECT l.pith, l.kind, CASE WHEN c.sha IS NULL THEN 'removed' ELSE 'changed' END
            FROM latest l LEFT JOIN current c ON c.pith = l.pith AND c.kind = l.kind
            WHERE c.sha IS NULL OR (l.kind = 'record' AND c.sha != l.sha)
            ORDER BY l.pith, l.kind
        """
        rows = self.db.execute(query).fetchall()
        return [Refusal(p, k, r) for p, k, r in rows[:LISTED]], len(rows)

    def append_fresh(self) -> int:
        """Number the files the log does not hold with these bytes, after the previous
        log's entries, in the fixed order; returns how many."""
        rank = " ".join(f"WHEN '{kind}' THEN {n}" for kind, n in _RANK.items())
        query = f"""
            WITH latest AS (SELECT pith, kind, sha, max(idx) FROM logged GROUP BY pith, kind)
            SELECT c.pith, c.kind, c.canonical, c.sha FROM current c
            LEFT JOIN latest l ON l.pith = c.pith AND l.kind = c.kind
            WHERE l.sha IS NULL OR l.sha != c.sha
            ORDER BY c.pith, CASE c.kind {rank} END, c.sha
        """
        rows = self.db.cursor().execute(query)
        count = 0

        def numbered() -> Iterator[tuple[int, str, str, bytes]]:
            nonlocal count
            for pith, kind, canonical, sha in rows:
                yield (
                    self.logged_size + count,
                    pith,
                    kind,
                    LogEntry(kind, pith, canonical, sha).encode(),
                )
                count += 1

        self.db.executemany("INSERT INTO fresh VALUES (?, ?, ?, ?)", numbered())
        return count

    # --- reading back -----------------------------------------------------------------

    def fresh(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """The new entries with indexes in [start, stop), in order."""
        end = (1 << 62) if stop is None else stop
        for (entry,) in self.db.execute(
            "SELECT entry FROM fresh WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end)
        ):
            yield bytes(entry)

    def index_of(self, pith: str, kind: str) -> int | None:
        """The index of the entry logging this build's ``kind`` file of ``pith``: the latest
        entry of the log for that file (appended by this build or an earlier one)."""
        row = self.db.execute(
            "SELECT idx FROM fresh WHERE pith = ? AND kind = ?", (pith, kind)
        ).fetchone()
        if row is not None:
            return int(row[0])
        row = self.db.execute(
            "SELECT max(idx) FROM logged WHERE pith = ? AND kind = ?", (pith, kind)
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])
