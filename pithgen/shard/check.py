"""What an assembly checks of the shard artifacts before it uses anything in them.

In this order, each failure a :class:`~pithgen.errors.ShardError` (exit 2, nothing
written) that names the shard (``shard I/N (FOLDER)``), what was expected and what was
found:

1. every folder holds a readable manifest (``shard.json``) of a known format, written by
   this pithgen version;
2. the shards form one set: the same N, no shard given twice, none missing;
3. each was built with this assembly's configuration (every value pages depend on,
   compared one by one so that the message names the one that differs) and from the same
   input files (names, sizes and SHA-256 of every one);
4. each folder holds exactly the files its manifest lists: none missing, none added (no
   symbolic link either), each of the listed size and SHA-256.

The records the shards hold are checked as they are loaded (:mod:`pithgen.shard.reuse`):
each in the shard the partition gives it, none in two shards.

A manifest's hashes catch damage and mix-ups (an artifact of another run, a truncated
download, a file edited by hand); they are no signature. Like the build cache, a shard
artifact is trusted as far as whoever can write it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, TypeGuard

from pithgen import __version__
from pithgen.cache.fingerprint import file_sha256
from pithgen.canonical import HEX64_RE
from pithgen.checks import shown, some
from pithgen.errors import ShardError
from pithgen.parallel import Workers, batched
from pithgen.shard.artifact import FORMAT, MANIFEST, UNITS, VERDICTS
from pithgen.shard.partition import MAX_SHARDS, RULE

#: A file of an artifact: path, size, SHA-256 (hex), unit ("" for the artifact's lists).
Listed = tuple[str, int, str, str]


@dataclass(frozen=True)
class Expected:
    """What this assembly expects of every shard: the render context's fields and the
    input files' count and digest."""

    context: dict[str, str | None]
    files: int
    inputs: str


@dataclass(frozen=True)
class Shard:
    """One checked shard artifact."""

    folder: Path
    index: int
    count: int
    context: dict[str, Any]
    inputs: dict[str, Any]
    files: tuple[Listed, ...]

    @property
    def name(self) -> str:
        return f"shard {self.index}/{self.count} ({self.folder})"


def check_shards(folders: Sequence[Path], expected: Expected, jobs: int = 1) -> list[Shard]:
    """The shards in ``folders``, checked (module docstring), by shard number."""
    shards = [read_manifest(folder) for folder in folders]
    _check_set(shards)
    for shard in shards:
        _check_build(shard, expected)
    for shard in shards:
        check_files(shard, jobs)
    return sorted(shards, key=lambda s: s.index)


def read_manifest(folder: Path) -> Shard:
    """Step 1 for one folder."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise ShardError("expected the folder of a shard artifact, found none", where=str(folder))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ShardError(
            f"expected a shard artifact (written by `pithgen build --shard I/N`), found no "
            f"{MANIFEST}",
            where=str(folder),
        ) from None
    except OSError as exc:
        raise ShardError(f"cannot read the shard's manifest: {exc}", where=str(path)) from None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError(f"expected an object, found {type(data).__name__}")
    except (ValueError, RecursionError) as exc:
        raise ShardError(
            f"the shard's manifest is not valid JSON: {exc}", where=str(path)
        ) from None
    if data.get("format") != FORMAT:
        raise ShardError(
            f"expected a shard manifest of format {FORMAT!r}, found {shown(data.get('format'))}",
            where=str(path),
        )
    index, count = data.get("shard"), data.get("of")
    if not (_int(count) and 1 <= count <= MAX_SHARDS and _int(index) and 1 <= index <= count):
        raise ShardError(
            f"expected shard I of N (1 <= I <= N), found shard {shown(index)} of {shown(count)}",
            where=str(path),
        )
    where = f"shard {index}/{count} ({folder})"
    if data.get("pithgen") != __version__:
        raise ShardError(
            f"{where} was built by pithgen {shown(data.get('pithgen'))}, this is pithgen "
            f"{__version__}: build every shard and assemble them with one pithgen version"
        )
    if data.get("partition") != RULE:
        raise ShardError(
            f"{where} was partitioned by {shown(data.get('partition'))}, expected {RULE!r}"
        )
    context, inputs = data.get("context"), data.get("inputs")
    if not isinstance(context, dict) or not isinstance(inputs, dict):
        raise ShardError(f"{where}: the manifest has no 'context' or 'inputs' object")
    return Shard(folder, index, count, context, inputs, _listed(data.get("files"), where))


def _int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _listed(files: object, where: str) -> tuple[Listed, ...]:
    if not isinstance(files, list):
        raise ShardError(f"{where}: expected the manifest's 'files' list, found {shown(files)}")
    out: list[Listed] = []
    for item in files:
        if not (
            isinstance(item, list)
            and len(item) == 4
            and isinstance(item[0], str)
            and _int(item[1])
            and isinstance(item[2], str)
            and HEX64_RE.fullmatch(item[2])
            and isinstance(item[3], str)
        ):
            raise ShardError(
                f"{where}: expected [path, size, sha256, unit] in 'files', found {shown(item)}"
            )
        out.append((item[0], item[1], item[2], item[3]))
    return tuple(out)


def _check_set(shards: list[Shard]) -> None:
    """Step 2."""
    first = shards[0]
    for shard in shards[1:]:
        if shard.count != first.count:
            raise ShardError(
                f"{shard.name} is of {shard.count} shards, but {first.name} is "
                f"of {first.count}: assemble the shards of one build"
            )
    seen: dict[int, Shard] = {}
    for shard in shards:
        if shard.index in seen:
            raise ShardError(
                f"shard {shard.index}/{shard.count} is given twice: "
                f"{seen[shard.index].folder} and {shard.folder}"
            )
        seen[shard.index] = shard
    missing = [str(i) for i in range(1, first.count + 1) if i not in seen]
    if missing:
        found = ", ".join(str(i) for i in sorted(seen))
        raise ShardError(
            f"missing shard(s) {some(missing, 10, ', ')} of {first.count}: expected one "
            f"artifact for each of shards 1 to {first.count}, found shard(s) {found}"
        )


def _check_build(shard: Shard, expected: Expected) -> None:
    """Step 3."""
    for name in sorted(set(expected.context) | set(shard.context)):
        want, found = expected.context.get(name), shard.context.get(name)
        if want != found:
            raise ShardError(
                f"{shard.name} was built with another configuration: its {name} is "
                f"{shown(found)}, this assembly's is {shown(want)}. Build every shard and "
                "assemble them with the same pithgen.toml, flags, templates and keys"
            )
    found_files, found_digest = shard.inputs.get("files"), shard.inputs.get("digest")
    if (found_files, found_digest) != (expected.files, expected.inputs):
        raise ShardError(
            f"{shard.name} was built from other input: {shown(found_files)} file(s) with "
            f"digest {shown(found_digest)}, this assembly reads {expected.files} with digest "
            f"{expected.inputs} (the names, sizes and SHA-256 of the records and event files). "
            "Build every shard and assemble them from the same checkout"
        )


def check_files(shard: Shard, jobs: int = 1) -> None:
    """Step 4 (the files hashed by ``jobs`` processes)."""
    listed = {path: (size, sha) for path, size, sha, _ in shard.files}
    if len(listed) != len(shard.files):
        raise ShardError(f"{shard.name}: its manifest lists a file twice")
    found = set(_walk(shard))
    missing = sorted(set(listed) - found)
    if missing:
        raise ShardError(
            f"{shard.name} is missing file(s) its manifest lists: {some(missing, 5, ', ')}"
        )
    extra = sorted(found - set(listed) - {MANIFEST})
    if extra:
        raise ShardError(
            f"{shard.name} holds file(s) its manifest does not list: {some(extra, 5, ', ')}"
        )
    for name in (VERDICTS, UNITS):
        if name not in listed:
            raise ShardError(f"{shard.name}: its manifest does not list {name}")

    paths = sorted(listed)
    with Workers(jobs, _hash_files, _no_setup) as workers:
        done = workers.map(batched((str(shard.folder / p) for p in paths), 256))
        for path, (size, sha) in zip(paths, chain.from_iterable(done), strict=True):
            want_size, want_sha = listed[path]
            if (size, sha) != (want_size, want_sha):
                raise ShardError(
                    f"{shard.name}: {path} was altered: its manifest says {want_size} "
                    f"bytes with SHA-256 {want_sha}, found {size} bytes with SHA-256 {sha}"
                )


def _no_setup() -> None:
    pass


def _hash_files(paths: list[str]) -> list[tuple[int, str]]:
    """(size, SHA-256) of each file (in a worker process)."""
    return [file_sha256(Path(path)) for path in paths]


def _walk(shard: Shard) -> list[str]:
    """Every file under the shard's folder, relative, '/'-separated (hidden ones too)."""
    out: list[str] = []
    stack = [(str(shard.folder), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_symlink():
                    raise ShardError(
                        f"{shard.name} holds a symbolic link, {rel}: expected regular files only"
                    )
                if entry.is_dir():
                    stack.append((entry.path, rel + "/"))
                else:
                    out.append(rel)
    return out
