"""The build cache's copy of a mirror's log (:mod:`pithgen.mirrorlog`).

The live site's ``log/`` folder is where the previous log is read from. A CI job usually
starts with no site at all but with the build cache restored: the copy kept here lets it
extend the log instead of starting a new one (which would fork the log: two trees under one
origin and key). It holds every file of the log as of the last successful build (its
checkpoint and tiles), each sealed with its SHA-256 like every cached value, and is
changed in the transaction that records the build, so it never runs ahead of the site.

A copy is never trusted: the log read from it is verified like the live site's (signed
checkpoint, every tile against the entries).
"""

from __future__ import annotations

from collections.abc import Iterable

from pithgen.cache.store import CacheDB, sealed, unsealed
from pithgen.errors import LogError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS site_log (
    out TEXT NOT NULL, path TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (out, path)
) WITHOUT ROWID;
"""
CHECKPOINT = "checkpoint"


class LogCopy:
    """The cached copy of the log of one output folder (by its absolute path)."""

    def __init__(self, cache: CacheDB, out: str) -> None:
        self.db = cache.db
        self.out = out
        self.where = f"{cache.folder} (the build cache's copy of the log)"
        self.db.executescript(_SCHEMA)

    def read(self, path: str) -> bytes | None:
        row = self.db.execute(
            "SELECT data FROM site_log WHERE out = ? AND path = ?", (self.out, path)
        ).fetchone()
        return None if row is None else unsealed(row[0])

    def fetch(self, path: str) -> bytes:
        """A :data:`pithgen.tlog.tiles.Fetch` over the copy."""
        data = self.read(path)
        if data is None:
            raise LogError("missing or damaged in the build cache's copy of the log", where=path)
        return data

    def checkpoint(self) -> bytes | None:
        return self.read(CHECKPOINT)

    def put(self, path: str, data: bytes) -> None:
        """Add or replace one file (not committed: the build's record of its site commits
        it, so the copy never runs ahead of the site)."""
        self.db.execute(
            "INSERT OR REPLACE INTO site_log (out, path, data) VALUES (?, ?, ?)",
            (self.out, path, sealed(data)),
        )

    def delete(self, paths: Iterable[str]) -> None:
        self.db.executemany(
            "DELETE FROM site_log WHERE out = ? AND path = ?", [(self.out, p) for p in paths]
        )

    def clear(self) -> None:
        self.db.execute("DELETE FROM site_log WHERE out = ?", (self.out,))
