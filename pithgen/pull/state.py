"""What ``pithgen pull`` remembers between runs, in one small SQLite file (by default
``.pithgen-pull.sqlite3`` beside the records folder; ``--state FILE``, ``--no-state``).

- **Validators** (the conditional-request cache): for each URL whose document is held,
  the ``ETag`` and ``Last-Modified`` it came with and the content digest of the held
  document. The next run sends them, and a 304 means "still the document you hold"; they
  are sent only while a held document still has that digest. At most
  :data:`MAX_VALIDATORS` URLs are kept (the least recently used go first). No body is
  cached: the records folder holds the bodies.
- **Resume**: a run is named by its source, its request and its records folder. Each URL
  it finished (written, unchanged, or absent at the source) is marked as it finishes,
  committed in small batches and at once on an interrupt. A run that completes forgets
  its marks; a run that was interrupted keeps them, and the same command run again skips
  what was finished (checking that the document is still held) and carries on.

The file is a cache, never a source of truth: one that cannot be read, or was written by
another schema, is removed and started afresh. Only the main thread uses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

from pithgen.pull.http import Validators

SCHEMA = "pull-1"
MAX_VALIDATORS = 100_000
STATE_NAME = ".pithgen-pull.sqlite3"
COMMIT_EVERY = 64  # marks; an interrupt commits at once, a SIGKILL loses at most these
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, digest TEXT NOT NULL,
    used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS done (
    run TEXT NOT NULL, url TEXT NOT NULL, digest TEXT, PRIMARY KEY (run, url));
"""


def default_state_path(into: Path) -> Path:
    return into.absolute().parent / STATE_NAME


def run_key(root: str, request: list[str], into: Path) -> str:
    """The name of a run: its source, what it asked for (sorted) and its folder."""
    text = json.dumps([root, sorted(request), str(into.absolute())], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _open(path: Path | None) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:" if path is None else path, timeout=30)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(_TABLES)
    row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
    if row is None:
        db.execute("INSERT INTO meta (name, value) VALUES ('schema', ?)", (SCHEMA,))
        db.commit()
    elif row[0] != SCHEMA:
        raise sqlite3.DatabaseError(f"schema {row[0]!r}")
    return db


class PullState:
    """The state file (``path``), or a state kept in memory only (``None``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.notes: list[str] = []
        self._marks = 0
        try:
            self.db = _open(path)
        except sqlite3.DatabaseError as exc:
            assert path is not None
            for suffix in ("", "-journal", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{path}{suffix}")
            self.notes.append(f"the pull state {path} could not be used ({exc}); started afresh")
            self.db = _open(path)

    # --- validators --------------------------------------------------------------------

    def validators(self, url: str) -> tuple[Validators, str] | None:
        row = self.db.execute(
            "SELECT etag, last_modified, digest FROM validators WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return None
        return Validators(row[0], row[1]), row[2]

    def remember(self, url: str, validators: Validators, digest: str) -> None:
        if not validators:
            self.forget(url)
            return
        self.db.execute(
            "INSERT OR REPLACE INTO validators (url, etag, last_modified, digest, used) "
            "VALUES (?, ?, ?, ?, ?)",
            (url, validators.etag, validators.last_modified, digest, time.time_ns()),
        )

    def forget(self, url: str) -> None:
        self.db.execute("DELETE FROM validators WHERE url = ?", (url,))

    # --- resume --------------------------------------------------------------------------

    def resume(self, run: str) -> dict[str, str | None]:
        """What an interrupted run of this name finished: URL -> content digest (``None``:
        absent at the source)."""
        rows = self.db.execute("SELECT url, digest FROM done WHERE run = ?", (run,))
        return {url: digest for url, digest in rows}

    def mark(self, run: str, url: str, digest: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO done (run, url, digest) VALUES (?, ?, ?)", (run, url, digest)
        )
        self._marks += 1
        if self._marks % COMMIT_EVERY == 0:
            self.db.commit()

    def finish(self, run: str) -> None:
        self.db.execute("DELETE FROM done WHERE run = ?", (run,))
        self.commit()

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.execute(
                "DELETE FROM validators WHERE url NOT IN "
                "(SELECT url FROM validators ORDER BY used DESC LIMIT ?)",
                (MAX_VALIDATORS,),
            )
            self.db.commit()
        self.db.close()
