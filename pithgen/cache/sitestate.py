"""What the cache knows about a built site, so that the next build changes only what
changed.

For each output folder (by absolute path) the cache keeps:

- the **state**: the digest of everything the last build depended on (a build with the
  same digest has nothing to do), the identity of the live site folder (device, inode and
  modification time: a folder put there by anything else, even on a reused inode, does
  not match) and of the **spare**: the previous site, kept beside the output
  (``.NAME.pithgen-spare-…``) and brought up to date by the next build, then swapped in (see
  :mod:`pithgen.incremental`; which paths of the spare a killed build may have touched is
  kept in a small file beside the database, not in it, see :class:`SpareJournal`);
- the **manifest** of the live site: every file with its SHA-256, size and the *unit*
  that produced it (``SUFFIX:record`` or ``SUFFIX:bundle`` for a published document's
  files, ``""`` for the site-wide files);
- the **unit keys**: for each published document, the digest of everything its files
  depend on; the same key means the same files, so they are not rendered again;
- the **memos** of site-wide outputs: for each group of site-wide files (a listing's
  pages, a page of the verification report), the digest of everything they were made
  from and their paths; the same digest means the same files, so they are not made again
  (:class:`pithgen.delta.SiteOutput`);
- the **lagging paths**: where the spare differs from the live site (what the last build
  changed).

Each manifest row carries a checksum of its values, checked when read: a damaged row is
treated as unknown (its file is written again), never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pithgen.cache.store import CacheDB, sealed, unsealed

_SCHEMA = """
CREATE TABLE IF NOT EXISTS site_state (out TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS site_files (
    out TEXT NOT NULL, path TEXT NOT NULL, sha BLOB NOT NULL, size INTEGER NOT NULL,
    unit TEXT NOT NULL, chk BLOB NOT NULL, PRIMARY KEY (out, path)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS site_files_by_unit ON site_files (out, unit);
CREATE TABLE IF NOT EXISTS site_units (
    out TEXT NOT NULL, unit TEXT NOT NULL, key BLOB NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (out, unit)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_memos (
    out TEXT NOT NULL, name TEXT NOT NULL, key BLOB NOT NULL, paths TEXT NOT NULL,
    chk BLOB NOT NULL, PRIMARY KEY (out, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_lagging (
    out TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (out, path)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class SiteState:
    """The cache's record of one output folder after its last successful build."""

    digest: str
    live: tuple[int, int, int]
    spare: str | None = None
    spare_identity: tuple[int, int] | None = None
    counts: dict[str, int] | None = None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> SiteState:
        raw = json.loads(data)
        spare_identity = raw.get("spare_identity")
        return cls(
            digest=str(raw["digest"]),
            live=(int(raw["live"][0]), int(raw["live"][1]), int(raw["live"][2])),
            spare=raw.get("spare"),
            spare_identity=None
            if spare_identity is None
            else (int(spare_identity[0]), int(spare_identity[1])),
            counts={str(k): int(v) for k, v in (raw.get("counts") or {}).items()},
        )


@dataclass(frozen=True)
class FileEntry:
    """One file of a site: its path, content hash and size, and the unit that wrote it."""

    path: str
    sha: bytes
    size: int
    unit: str


def _chk(out: str, e: FileEntry) -> bytes:
    text = f"{out}\0{e.path}\0{e.sha.hex()}\0{e.size}\0{e.unit}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()[:8]


def _memo_chk(out: str, name: str, key: bytes, paths: str) -> bytes:
    text = f"{out}\0{name}\0{key.hex()}\0{paths}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()[:8]


class SiteStore:
    """The cache's tables about one output folder."""

    def __init__(self, cache: CacheDB, out: str) -> None:
        self.db = cache.db
        self.out = out
        self.db.executescript(_SCHEMA)

    # --- state ----------------------------------------------------------------------

    def state(self) -> SiteState | None:
        row = self.db.execute(
            "SELECT CAST(value AS BLOB) FROM site_state WHERE out = ?", (self.out,)
        ).fetchone()
        data = unsealed(row[0]) if row else None
        if data is None:
            return None
        try:
            return SiteState.from_json(data)
        except (ValueError, KeyError, TypeError, IndexError):
            return None

    def set_state(self, state: SiteState) -> None:
        """Record the state and commit everything this build recorded (the manifest, the
        units, the lagging paths): the one commit of a build's record of its site."""
        self.db.execute(
            "INSERT OR REPLACE INTO site_state (out, value) VALUES (?, ?)",
            (self.out, sealed(state.to_json())),
        )
        self.db.commit()

    def forget(self) -> None:
        """Drop everything known about this output (a full build records it afresh; in the
        same transaction, so a build that does not finish leaves the old record)."""
        for table in ("site_state", "site_files", "site_units", "site_memos", "site_lagging"):
            self.db.execute(f"DELETE FROM {table} WHERE out = ?", (self.out,))

    # --- the live manifest ------------------------------------------------------------

    def file(self, path: str) -> FileEntry | None:
        row = self.db.execute(
            "SELECT CAST(sha AS BLOB), size, unit, CAST(chk AS BLOB) FROM site_files "
            "WHERE out = ? AND path = ?",
            (self.out, path),
        ).fetchone()
        if row is None:
            return None
        entry = FileEntry(path, row[0], row[1], row[2])
        return entry if _chk(self.out, entry) == row[3] else None

    def files_of(self, unit: str) -> list[FileEntry]:
        """The files ``unit`` wrote (damaged rows left out: they count as unknown)."""
        rows = self.db.execute(
            "SELECT path, CAST(sha AS BLOB), size, unit, CAST(chk AS BLOB) FROM site_files "
            "WHERE out = ? AND unit = ? "
            "ORDER BY path",
            (self.out, unit),
        )
        found = []
        for path, sha, size, owner, chk in rows:
            entry = FileEntry(path, sha, size, owner)
            if _chk(self.out, entry) == chk:
                found.append(entry)
        return found

    def put_files(self, entries: Iterable[FileEntry]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO site_files (out, path, sha, size, unit, chk) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((self.out, e.path, e.sha, e.size, e.unit, _chk(self.out, e)) for e in entries),
        )

    def drop_files(self, paths: Iterable[str]) -> None:
        self.db.executemany(
            "DELETE FROM site_files WHERE out = ? AND path = ?", ((self.out, p) for p in paths)
        )

    def paths_of(self, unit: str) -> Iterator[str]:
        for (path,) in self.db.execute(
            "SELECT path FROM site_files WHERE out = ? AND unit = ? ORDER BY path",
            (self.out, unit),
        ):
            yield path

    # --- units ------------------------------------------------------------------------

    def unit_keys(self) -> dict[str, bytes]:
        """Every unit's key (a few dozen bytes per published document)."""
        rows = self.db.execute("SELECT unit, key FROM site_units WHERE out = ?", (self.out,))
        return {unit: key for unit, key in rows}

    def unit_data(self, units: Sequence[str]) -> dict[str, bytes]:
        """What the units remembered (their summary and search tokens), by unit; damaged
        entries left out."""
        found: dict[str, bytes] = {}
        for start in range(0, len(units), 500):
            chunk = list(units[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "SELECT unit, CAST(data AS BLOB) FROM site_units "
                f"WHERE out = ? AND unit IN ({marks})",
                (self.out, *chunk),
            )
            for unit, value in rows:
                data = unsealed(value)
                if data is not None:
                    found[unit] = data
        return found

    def set_units(self, units: Iterable[tuple[str, bytes, bytes]]) -> None:
        """Remember ``(unit, key, data)``."""
        self.db.executemany(
            "INSERT OR REPLACE INTO site_units (out, unit, key, data) VALUES (?, ?, ?, ?)",
            ((self.out, unit, key, sealed(data)) for unit, key, data in units),
        )

    def drop_units(self, units: Iterable[str]) -> None:
        self.db.executemany(
            "DELETE FROM site_units WHERE out = ? AND unit = ?", ((self.out, u) for u in units)
        )

    # --- memos of site-wide outputs -------------------------------------------------------

    def memos(self) -> dict[str, tuple[bytes, tuple[str, ...]]]:
        """Every memo, by name: its key and the paths it made (damaged rows left out)."""
        found: dict[str, tuple[bytes, tuple[str, ...]]] = {}
        rows = self.db.execute(
            "SELECT name, CAST(key AS BLOB), paths, CAST(chk AS BLOB) FROM site_memos "
            "WHERE out = ?",
            (self.out,),
        )
        for name, key, paths, chk in rows:
            if _memo_chk(self.out, name, key, paths) != chk:
                continue
            try:
                listed = json.loads(paths)
            except ValueError:
                continue
            if isinstance(listed, list) and all(isinstance(p, str) for p in listed):
                found[name] = (key, tuple(listed))
        return found

    def set_memos(self, memos: dict[str, tuple[bytes, tuple[str, ...]]]) -> None:
        """Replace the memos with ``memos`` (those of the build being recorded)."""
        self.db.execute("DELETE FROM site_memos WHERE out = ?", (self.out,))
        self.db.executemany(
            "INSERT INTO site_memos (out, name, key, paths, chk) VALUES (?, ?, ?, ?, ?)",
            (
                (self.out, name, key, text, _memo_chk(self.out, name, key, text))
                for name, (key, paths) in sorted(memos.items())
                for text in [json.dumps(list(paths), ensure_ascii=False)]
            ),
        )

    # --- lagging paths of the spare ---------------------------------------------------------

    def lagging(self) -> Iterator[str]:
        for (path,) in self.db.execute(
            "SELECT path FROM site_lagging WHERE out = ? ORDER BY path", (self.out,)
        ):
            yield path

    def add_lagging(self, paths: Iterable[str]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO site_lagging (out, path) VALUES (?, ?)",
            ((self.out, p) for p in paths),
        )

    def clear_lagging(self) -> None:
        self.db.execute("DELETE FROM site_lagging WHERE out = ?", (self.out,))

    def commit(self) -> None:
        self.db.commit()


class SpareJournal:
    """The paths of the spare a build is about to touch, in a file beside the cache
    database (``spare-{digest of the output}.touching``), written before the spare is
    changed and removed after the new state is recorded. A killed build leaves it: the
    next build re-synchronises those paths from the live site. Past :data:`LIMIT` paths
    the journal says "all" and the next build makes a new spare instead."""

    LIMIT = 200_000

    def __init__(self, folder: Path, out: str) -> None:
        name = hashlib.sha256(out.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.path = folder / f"spare-{name}.touching"

    def read(self) -> list[str] | None:
        """The paths a killed build may have touched (``[]``: none), or ``None`` when it
        may have touched anything."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            return None
        paths = data.get("paths") if isinstance(data, dict) else None
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            return None
        return paths

    def write(self, paths: Iterable[str]) -> None:
        listed = sorted(set(paths))
        data = {"paths": listed} if len(listed) <= self.LIMIT else {"all": True}
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(data), encoding="utf-8")
        with open(temp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(temp, self.path)

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
