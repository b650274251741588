"""Digests of what a build depends on.

- :func:`render_context`: what every page depends on besides its own record: pithgen's
  version, the templates and assets in effect (every file's name and bytes, overrides and
  defaults), the site's title, base URL and description, and the trusted keys.
- :func:`build_digest`: everything a build's output depends on: the render context, the
  other configuration values that reach the site (page size, keep-going), and every input
  file's name, size and SHA-256 (computed here from the bytes; never trusted on a
  timestamp). Two builds with the same digest produce the same site.
- :func:`unit_key`: what one published document's files depend on.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from pithgen import __version__
from pithgen.canonical import canonical_json
from pithgen.config import BuildConfig
from pithgen.keys import KeyRing
from pithgen.load import InputFile
from pithgen.parallel import Workers, batched
from pithgen.progress import Progress
from pithgen.templatefiles import default_templates_dir

_CHUNK = 1 << 20


def _folder_files(folder: Path) -> Iterable[tuple[str, Path]]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            yield path.relative_to(folder).as_posix(), path


def templates_digest(overrides: Path | None) -> str:
    """Every template and asset file in effect: the overrides folder's and the defaults'."""
    digest = hashlib.sha256()
    for label, folder in (("overrides", overrides), ("defaults", default_templates_dir())):
        digest.update(f"{label}\0".encode())
        if folder is None or not folder.is_dir():
            continue
        for rel, path in _folder_files(folder):
            data = path.read_bytes()
            digest.update(f"{rel}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            digest.update(data)
    return digest.hexdigest()


def keys_digest(keys: KeyRing) -> str:
    described = [{"origin": k.origin, "document": k.to_dict(), "raw": k.raw.hex()} for k in keys]
    return hashlib.sha256(canonical_json(described).encode("utf-8")).hexdigest()


def context_fields(
    config: BuildConfig, keys: KeyRing, log: str | None = None
) -> dict[str, str | None]:
    """What every page depends on besides its own record, by name (a shard artifact keeps
    them, so that an assembly can say which one differs); ``log`` describes the mirror's
    log (its first origin and public key), if any."""
    return {
        "log": log,
        "pithgen": __version__,
        "templates": templates_digest(config.templates),
        "title": config.title,
        "base_url": config.base_url,
        "description": config.description,
        "keys": keys_digest(keys),
    }


def context_digest(fields: dict[str, str | None]) -> bytes:
    """The digest of :func:`context_fields`."""
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).digest()


def render_context(config: BuildConfig, keys: KeyRing, log: str | None = None) -> bytes:
    """What every page depends on besides its own record (see the module docstring)."""
    return context_digest(context_fields(config, keys, log))


_FIRST_READ = 1 << 16


def file_sha256(path: str | os.PathLike[str]) -> tuple[int, str]:
    """Size and SHA-256 of a file's bytes, read to the end. The first read asks for 64 KiB
    (a record's whole file, without the cost of allocating a large buffer for it), the
    rest in chunks of 1 MiB."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        data = os.read(fd, _FIRST_READ)
        digest = hashlib.sha256(data)
        size = len(data)
        while data:
            data = os.read(fd, _CHUNK)
            digest.update(data)
            size += len(data)
    finally:
        os.close(fd)
    return size, digest.hexdigest()


_PARALLEL_FROM = 16_384
_BATCH = 2048


def _hash_batch(paths: Sequence[str | None]) -> list[tuple[int, str]]:
    """Size and SHA-256 of each path, or (-1, why it could not be read); ``None``: a
    refused file, not read."""
    found: list[tuple[int, str]] = []
    for path in paths:
        if path is None:
            found.append((-1, ""))
            continue
        try:
            found.append(file_sha256(path))
        except OSError as exc:
            found.append((-1, f"unreadable: {exc.strerror or exc}"))
    return found


def _no_state() -> None:
    """Hashing workers need no state."""


def input_hashes(
    files: Sequence[InputFile], progress: Progress | None = None, jobs: int = 1
) -> list[tuple[str, int, str]]:
    """(name, size, SHA-256) of every input file, in order; files that cannot be read
    are named with their reason instead of a hash (their documents fail as usual).

    From :data:`_PARALLEL_FROM` files on, batches of paths go to ``jobs`` processes
    (threads do not help: measured on 10,000 records, two threads sharing the GIL took
    twice as long as one); below, starting them costs more than they save."""
    paths = [None if f.refused is not None else f.real for f in files]
    workers = jobs if len(files) >= _PARALLEL_FROM else 1
    hashes: list[tuple[int, str]] = []
    with Workers(workers, _hash_batch, _no_state) as pool:
        for done in pool.map(batched(paths, _BATCH)):
            hashes.extend(done)
            if progress is not None:
                progress.advance(len(done))
    return [
        (f.display, size, f"refused: {f.refused}" if f.refused is not None else sha)
        for f, (size, sha) in zip(files, hashes, strict=True)
    ]


def build_digest(
    config: BuildConfig, context: bytes, inputs: Sequence[tuple[str, int, str]]
) -> str:
    """Everything the site depends on (see the module docstring)."""
    described = {
        "context": context.hex(),
        "page_size": config.page_size,
        "keep_going": config.keep_going,
        "inputs": inputs_digest(inputs),
    }
    return hashlib.sha256(canonical_json(described).encode("utf-8")).hexdigest()


def inputs_digest(inputs: Sequence[tuple[str, int, str]]) -> str:
    """The digest of the input files alone (name, size, SHA-256 of each, in order): each
    text is prefixed by its length, so no name or reason can be read as two."""
    lines = "".join(f"{len(n)}:{n}{size}:{len(sha)}:{sha}\n" for n, size, sha in inputs)
    return hashlib.sha256(lines.encode("utf-8", "surrogateescape")).hexdigest()


def unit_key(context: bytes, parts: Sequence[object]) -> bytes:
    """The key of a published document's files: the render context and ``parts`` (its
    bytes' hash, its verdict, what its page shows of the rest of the archive)."""
    return hashlib.sha256(context + canonical_json(list(parts)).encode("utf-8")).digest()
