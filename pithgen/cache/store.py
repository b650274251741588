"""The cache database: one SQLite file in the cache folder, opened defensively.

A cache is an optimisation, never a source of truth: a database that is locked for too
long, has another schema version or cannot be read at all is set aside (renamed, then
removed) and a fresh one is started; every value stored carries its own SHA-256
(:func:`sealed` / :func:`unsealed`), checked on every read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import zlib
from pathlib import Path

from pithgen import __version__
from pithgen.errors import OutputError

#: 2: a unit keeps its search tokens with their field bits (pithgen.search), not a list.
#: 4: a verdict entry is its columns, a newline and its body (pithgen.cache.verdicts).
SCHEMA_VERSION = "4"
DB_NAME = "pithgen-cache.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS verdicts (key BLOB PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sites (out TEXT PRIMARY KEY, value BLOB NOT NULL);
"""


def sealed(data: bytes) -> bytes:
    """``data`` compressed, behind its SHA-256 (what :func:`unsealed` checks)."""
    packed = zlib.compress(data, 1)
    return hashlib.sha256(packed).digest() + packed


def unsealed(value: object) -> bytes | None:
    """The data :func:`sealed` stored, or ``None`` when the value is damaged."""
    if not isinstance(value, bytes) or len(value) < 32:
        return None
    digest, packed = value[:32], value[32:]
    if hashlib.sha256(packed).digest() != digest:
        return None
    try:
        return zlib.decompress(packed)
    except zlib.error:
        return None


class CacheDB:
    """The open cache database of one cache folder (see :func:`open_cache`)."""

    def __init__(self, folder: Path, db: sqlite3.Connection, notes: list[str]) -> None:
        self.folder = folder
        self.db = db
        #: What happened on opening (a damaged database set aside), for the build summary.
        self.notes = notes

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.commit()
        self.db.close()

    def __enter__(self) -> CacheDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(_SCHEMA)
    found = dict(db.execute("SELECT name, value FROM meta"))
    if not found:
        db.executemany(
            "INSERT INTO meta (name, value) VALUES (?, ?)",
            [("schema", SCHEMA_VERSION), ("created_by", __version__)],
        )
        db.commit()
    elif found.get("schema") != SCHEMA_VERSION:
        raise sqlite3.DatabaseError(f"schema {found.get('schema')!r}")
    db.execute("SELECT count(*) FROM verdicts").fetchone()  # readable at all?
    return db


def open_cache(folder: Path) -> CacheDB:
    """Open (or create) the cache database in ``folder``; a damaged one is replaced."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the cache folder: {exc}", where=str(folder)) from None
    path = folder / DB_NAME
    notes: list[str] = []
    try:
        return CacheDB(folder, _connect(path), notes)
    except sqlite3.Error as exc:
        notes.append(f"the build cache could not be read ({exc}); it was started afresh")
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    try:
        return CacheDB(folder, _connect(path), notes)
    except sqlite3.Error as exc:
        raise OutputError(f"cannot create the build cache: {exc}", where=str(path)) from None


def damaged(exc: sqlite3.DatabaseError) -> bool:
    """Whether ``exc`` says a database file is damaged (rather than, say, a full disk)."""
    text = str(exc).lower()
    return any(
        word in text for word in ("malformed", "not a database", "corrupt", "decode", "unsupported")
    )


def remove_cache(folder: Path) -> bool:
    """Remove the cache in ``folder``: only the files a cache consists of, then the folder
    if nothing else is in it (a folder that is not a cache is left alone). Returns whether
    there was a cache."""
    path = folder / DB_NAME
    if not path.is_file():
        return False
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    for journal in folder.glob("spare-*.touching"):
        with contextlib.suppress(FileNotFoundError):
            journal.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()
    return True
