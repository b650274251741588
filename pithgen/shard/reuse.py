"""What an assembly takes from the checked shards: their verdicts and their rendered units.

Both are loaded into a temporary SQLite store (memory stays flat however large the
archive), each line parsed strictly, and checked as it goes in: a unit (``SUFFIX:record``
or ``SUFFIX:bundle``) must be in the shard the partition gives its Pith Number and in no
other, and every file a shard lists belongs to one of its units (or is one of its lists).

- :class:`ShardVerdicts` gives the build the shards' verdict on a document's exact bytes;
  a document no shard verified is verified by the assembly itself.
- :class:`ShardStore` answers the build's :class:`~pithgen.units.Reuse` questions: the
  shards' key of a unit, and the copy task of a unit whose key is the assembly's own.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from pithgen.canonical import sha256_hex
from pithgen.checks import shown
from pithgen.errors import ShardError
from pithgen.mergestore import StoredVerdict, load_verdict
from pithgen.model import Source, Verdict
from pithgen.pipeline import VerdictSource
from pithgen.shard.artifact import UNITS, VERDICTS
from pithgen.shard.check import Shard
from pithgen.shard.partition import shard_of_suffix
from pithgen.tempstore import TempStore
from pithgen.units import CopyTask

_SCHEMA = """
CREATE TABLE verdicts (sha TEXT PRIMARY KEY, data TEXT NOT NULL, shard INTEGER NOT NULL,
                       line INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE units (unit TEXT PRIMARY KEY, shard INTEGER NOT NULL, key BLOB NOT NULL,
                    data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE files (unit TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,
                    sha BLOB NOT NULL);
"""
_UNIT = re.compile(r"([A-Z2-7]{26}):(record|bundle)")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 500


class ShardStore(TempStore):
    """The shards' verdicts and units (see the module docstring)."""

    def __init__(
        self, shards: Sequence[Shard], directory: Path | None = None, *, verdicts: bool = True
    ) -> None:
        super().__init__("shards", _SCHEMA, directory, shared=True)
        self.folders = {s.index: s.folder for s in shards}
        self.count = len(shards)
        try:
            for shard in shards:
                self._load(shard, verdicts)
            self.db.execute("CREATE INDEX files_by_unit ON files (unit)")
            self.db.commit()
        except BaseException:
            self.close()
            raise

    # --- loading --------------------------------------------------------------------

    def _load(self, shard: Shard, verdicts: bool) -> None:
        rows: list[tuple[object, ...]] = []
        for number, item in _lines(shard, VERDICTS) if verdicts else ():
            if not (
                isinstance(item, dict)
                and isinstance(item.get("sha256"), str)
                and _HEX64.fullmatch(item["sha256"])
            ):
                raise _bad(shard, VERDICTS, number, "{sha256, verdict}", item)
            if not isinstance(item.get("verdict"), dict):
                raise _bad(shard, VERDICTS, number, "a verdict", item.get("verdict"))
            rows.append((item["sha256"], json.dumps(item["verdict"]), shard.index, number))
        self.db.executemany(
            "INSERT OR REPLACE INTO verdicts (sha, data, shard, line) VALUES (?, ?, ?, ?)", rows
        )
        for number, item in _lines(shard, UNITS):
            if not (
                isinstance(item, list)
                and len(item) == 3
                and all(isinstance(part, str) for part in item)
                and _UNIT.fullmatch(item[0])
                and _HEX64.fullmatch(item[1])
            ):
                raise _bad(shard, UNITS, number, "[unit, key, data]", item)
            unit, key, data = item
            owner = shard_of_suffix(unit.split(":")[0], shard.count)
            if owner != shard.index:
                raise ShardError(
                    f"{shard.name} holds {unit}, which belongs to shard "
                    f"{owner}/{shard.count} by the partition"
                )
            try:
                self.db.execute(
                    "INSERT INTO units (unit, shard, key, data) VALUES (?, ?, ?, ?)",
                    (unit, shard.index, bytes.fromhex(key), data.encode("utf-8")),
                )
            except sqlite3.IntegrityError:
                (other,) = self.db.execute(
                    "SELECT shard FROM units WHERE unit = ?", (unit,)
                ).fetchone()
                raise ShardError(
                    f"{unit} is in {shard.name} and in shard {other}/{shard.count} "
                    f"({self.folders[other]})"
                ) from None
        units = {
            u for (u,) in self.db.execute("SELECT unit FROM units WHERE shard = ?", (shard.index,))
        }
        rows = []
        for path, size, sha, unit in shard.files:
            if unit == "" and path in (VERDICTS, UNITS):
                continue
            if unit not in units:
                raise ShardError(
                    f"{shard.name}: its manifest gives {path} to {shown(unit)}, "
                    "which is not one of its records"
                )
            rows.append((unit, path, size, bytes.fromhex(sha)))
        self.db.executemany("INSERT INTO files (unit, path, size, sha) VALUES (?, ?, ?, ?)", rows)

    # --- what the build asks ---------------------------------------------------------

    def keys(self, units: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(units), _CHUNK):
            chunk = list(units[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            query = f"SELECT unit, key FROM units WHERE unit IN ({marks})"
            found.update((unit, bytes(key)) for unit, key in self.db.execute(query, chunk))
        return found

    def copies(self, units: Sequence[tuple[str, bytes]]) -> Iterator[CopyTask]:
        for start in range(0, len(units), _CHUNK):
            chunk = units[start : start + _CHUNK]
            names = [unit for unit, _ in chunk]
            marks = ",".join("?" * len(names))
            found = {
                unit: (shard, bytes(data))
                for unit, shard, data in self.db.execute(
                    f"SELECT unit, shard, data FROM units WHERE unit IN ({marks})", names
                )
            }
            files: dict[str, list[tuple[str, int, bytes]]] = {}
            query = (
                f"SELECT unit, path, size, sha FROM files WHERE unit IN ({marks}) ORDER BY rowid"
            )
            for unit, path, size, sha in self.db.execute(query, names):
                files.setdefault(unit, []).append((path, size, bytes(sha)))
            for unit, key in chunk:
                shard, data = found[unit]
                folder = os.fspath(self.folders[shard])
                listed = tuple(
                    (f"{folder}/{path}", path, size, sha) for path, size, sha in files[unit]
                )
                yield CopyTask(unit, key, data, listed)

    def verdict(self, sha: str) -> Verdict | None:
        """The shards' verdict on the bytes of SHA-256 ``sha`` (checked as it is read)."""
        row = self.db.execute(
            "SELECT data, shard, line FROM verdicts WHERE sha = ?", (sha,)
        ).fetchone()
        if row is None:
            return None
        try:
            return load_verdict(row[0])
        except (ValueError, KeyError, TypeError):
            raise ShardError(
                f"shard {row[1]}/{self.count} ({self.folders[row[1]]}): line {row[2]} of "
                f"{VERDICTS}: expected a verdict, found {shown(row[0])}"
            ) from None


class ShardVerdicts:
    """A :class:`~pithgen.pipeline.VerdictSource`: the shards' verdicts first, then the
    build cache, where the verdicts computed here go (the shards' stay in the shards' own
    caches: in CI, keeping every verdict twice would double what the caches hold)."""

    def __init__(self, store: ShardStore, cache: VerdictSource | None) -> None:
        self.store = store
        self.cache = cache
        self.from_shards = 0
        self.verified = 0

    def get(self, raw: bytes, source: Source) -> Verdict | StoredVerdict | None:
        verdict = self.store.verdict(sha256_hex(raw))
        if verdict is None:
            return self.cache.get(raw, source) if self.cache is not None else None
        self.from_shards += 1
        return replace(verdict, source=source)

    def by_sha256(
        self, items: Sequence[tuple[bytes, Source]]
    ) -> list[Verdict | StoredVerdict | None]:
        found: list[Verdict | StoredVerdict | None] = []
        for sha256, source in items:
            verdict = self.store.verdict(sha256.hex())
            if verdict is not None:
                self.from_shards += 1
            found.append(replace(verdict, source=source) if verdict is not None else None)
        misses = [n for n, v in enumerate(found) if v is None]
        if misses and self.cache is not None:
            cached = self.cache.by_sha256([items[n] for n in misses])
            for n, hit in zip(misses, cached, strict=True):
                found[n] = hit
        return found

    def put(self, items: Iterable[tuple[bytes, Verdict]]) -> None:
        kept = list(items)
        self.verified += len(kept)
        if self.cache is not None:
            self.cache.put(kept)

    def commit(self) -> None:
        if self.cache is not None:
            self.cache.commit()


def _lines(shard: Shard, name: str) -> Iterator[tuple[int, object]]:
    """Each line of one of a shard's lists, parsed (the files were checked against the
    manifest: a line that does not parse is damage the hashes did not catch, or a bug)."""
    path = shard.folder / name
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, 1):
            try:
                yield number, json.loads(line)
            except (ValueError, RecursionError) as exc:
                raise ShardError(
                    f"{shard.name}: line {number} of {name} is not valid JSON: {exc}",
                    where=str(path),
                ) from None


def _bad(shard: Shard, name: str, number: int, expected: str, found: object) -> ShardError:
    return ShardError(
        f"{shard.name}: line {number} of {name}: expected {expected}, found {shown(found)}"
    )
