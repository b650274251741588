"""A build's temporary SQLite stores: one file each, in the build's work folder (or the
system's temporary folder), without a journal or syncing (a store dies with its build and
is never read by another), removed on :meth:`TempStore.close`.

The index, graph, log ledger, shard and audit stores all keep their rows here so that a
build's memory stays flat whatever the archive's size; this class owns how such a file is
made, opened and removed, and the stores own their tables and queries.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Self


class TempStore:
    """A temporary SQLite database holding ``schema``; a context manager that removes
    it."""

    def __init__(
        self,
        name: str,
        schema: str,
        directory: Path | None = None,
        *,
        shared: bool = False,
        pragmas: Sequence[str] = (),
    ) -> None:
        """``name`` goes into the file name (``pithgen-NAME-….sqlite3``); ``shared``
        lets threads other than the creator use the connection; ``pragmas`` are set
        after the two every store has."""
        fd, self._path = tempfile.mkstemp(
            prefix=f"pithgen-{name}-", suffix=".sqlite3", dir=directory
        )
        os.close(fd)
        self.db = sqlite3.connect(self._path, check_same_thread=not shared)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", *pragmas):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(schema)

    def close(self) -> None:
        self.db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
