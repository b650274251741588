"""Proof that a staging folder holds exactly what the writer put there, before the swap.

Another program (a concurrent build that took the folder for its own leftovers, a
cleaner, a user) could remove, add or truncate files in the staging folder while a site
is written; publishing it would replace a good site with a broken one. So the writer
keeps a :class:`Tally` of every file (path and size) and folder it creates, and before
the swap the staging folder is walked and tallied the same way; the two must be equal.

A tally is a count and an order-independent digest, the sum modulo 2**256 of
SHA-256(path + NUL + size) (folders: SHA-256(path + "/" + NUL)), so memory stays flat
for millions of files and the walk may visit them in any order. When the tallies differ,
:func:`differences` names what is missing, extra or changed, from the writer's journal
(a file in the build's scratch folder) and a second walk, compared in SQLite on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MODULUS = 1 << 256
SHOWN = 5  # differences named in a message, of each kind


def entry_key(relpath: str, size: int | None) -> str:
    """A file (``size`` in bytes) or a folder (``size`` None) as one line of a journal."""
    return f"{relpath}/" if size is None else f"{relpath}\0{size}"


def _digest(relpath: str, size: int | None) -> int:
    name = relpath.encode("utf-8", "surrogateescape")
    data = name + b"/\0" if size is None else name + b"\0" + str(size).encode("ascii")
    return int.from_bytes(hashlib.sha256(data).digest(), "big")


@dataclass
class Tally:
    """A count and an order-independent digest of files and folders."""

    count: int = 0
    digest: int = 0

    def add(self, relpath: str, size: int | None) -> None:
        self.count += 1
        self.digest = (self.digest + _digest(relpath, size)) % MODULUS


def walk(root: Path) -> Iterator[tuple[str, int | None]]:
    """Everything below ``root`` as (relative path, size), size None for a folder;
    anything that is neither a regular file nor a folder (a symbolic link, a pipe) is
    given size -1, which the writer never writes. Holds one open folder per level, never
    a listing, so memory stays flat however large a folder is."""
    stack = [("", os.scandir(root))]
    try:
        while stack:
            prefix, entries = stack[-1]
            entry = next(entries, None)
            if entry is None:
                entries.close()
                stack.pop()
                continue
            relpath = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                yield relpath, None
                stack.append((relpath + "/", os.scandir(entry.path)))
            elif entry.is_file(follow_symlinks=False):
                yield relpath, entry.stat(follow_symlinks=False).st_size
            else:
                yield relpath, -1
    finally:
        for _, entries in stack:
            entries.close()


def tally(entries: Iterable[tuple[str, int | None]]) -> Tally:
    result = Tally()
    for relpath, size in entries:
        result.add(relpath, size)
    return result


def _shown(key: str) -> str:
    path, _, size = key.partition("\0")
    if not size:
        return path
    return f"{path} ({'not a regular file' if size == '-1' else size + ' bytes'})"


def differences(journals: Iterable[Path], root: Path, scratch: Path) -> tuple[list[str], list[str]]:
    """What the writers wrote (``journals``: one :func:`entry_key` a line) but ``root`` does
    not hold, and what ``root`` holds but the writer did not write: at most
    :data:`SHOWN` of each, as text for a message. SQLite on disk keeps memory flat."""
    database = scratch / "stagecheck.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.execute("CREATE TABLE written (key TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute("CREATE TABLE found (key TEXT PRIMARY KEY) WITHOUT ROWID")
        for journal in journals:
            with journal.open(encoding="utf-8", errors="surrogateescape", newline="\n") as lines:
                db.executemany(
                    "INSERT OR IGNORE INTO written VALUES (?)", ((line[:-1],) for line in lines)
                )
        db.executemany(
            "INSERT OR IGNORE INTO found VALUES (?)", ((entry_key(*e),) for e in walk(root))
        )
        query = "SELECT key FROM {0} WHERE key NOT IN (SELECT key FROM {1}) ORDER BY key LIMIT ?"
        missing = [_shown(k) for (k,) in db.execute(query.format("written", "found"), (SHOWN,))]
        extra = [_shown(k) for (k,) in db.execute(query.format("found", "written"), (SHOWN,))]
    with contextlib.suppress(OSError):
        database.unlink()
    return missing, extra


__all__ = ["MODULUS", "SHOWN", "Tally", "differences", "entry_key", "tally", "walk"]
