"""The C2SP tlog-tiles layout: tile paths, hash tiles, entry bundles, and growing a tile set.

A tiled log serves its tree as static files under its prefix (paths here are relative to
it; where the prefix lives in a site is the site layout's business):

- ``tile/<L>/<N>``: the N-th *full* tile of level L, 256 hashes of 32 bytes (8,192 bytes).
  Level 0 holds leaf hashes; a hash at level L >= 1 is the Merkle Tree Hash of a full tile
  at level L - 1, i.e. the tree node at height ``8 * L``.
- ``tile/<L>/<N>.p/<W>``: a *partial* tile of W hashes (1..255), the rightmost tile of its
  level; for a tree of size s it has ``floor(s / 256**L) mod 256`` hashes. Never empty.
- ``tile/entries/<N>[.p/<W>]``: the entries themselves, as big-endian uint16
  length-prefixed byte strings, in bundles aligned with the level-0 tiles.
- ``N`` is written in 3-digit groups, all but the last prefixed ``x``: 1234067 is
  ``x001/x234/067`` (so a file system never has a file and a folder of one name).

Full tiles never change once written: appending entries only adds files and supersedes the
rightmost partial tiles. :func:`extend` computes exactly the files the bigger tree has that
the smaller one did not (and the partial files it no longer has), so growing a log in many
steps gives the same bytes as building it at once. :class:`TileReader` reads node hashes back
from tile files (a :data:`~pithgen.tlog.merkle.NodeReader`), :func:`verify_tiles` checks a
whole tile set against its entry bundles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pithgen.errors import LogError
from pithgen.tlog.merkle import HASH_SIZE, HashTree, NodeReader, leaf_hash, node_hash, tree_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF  # an entry bundle's uint16 length prefix

#: Reads one file of the log by its path relative to the log's prefix; raises
#: :class:`LogError` (or ``OSError``) when it cannot.
Fetch = Callable[[str], bytes]

_PATH = re.compile(r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([0-9]+))?")


def encode_index(n: int) -> str:
    """A tile index as path elements: 3-digit groups, all but the last prefixed ``x``."""
    if n < 0:
        raise LogError(f"expected a tile index >= 0, found {n}")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def _check(index: int, width: int) -> None:
    if index < 0:
        raise LogError(f"expected a tile index >= 0, found {index}")
    if not 1 <= width <= TILE_WIDTH:
        raise LogError(f"expected a tile width from 1 to {TILE_WIDTH}, found {width}")


def _suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


@dataclass(frozen=True)
class HashTile:
    """Tile ``index`` of ``level``: ``width`` consecutive node hashes at tree height 8*level."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL:
            raise LogError(f"expected a tile level from 0 to {MAX_LEVEL}, found {self.level}")
        _check(self.index, self.width)

    @property
    def path(self) -> str:
        return f"tile/{self.level}/{encode_index(self.index)}{_suffix(self.width)}"


@dataclass(frozen=True)
class EntryBundle:
    """Entry bundle ``index``: the ``width`` entries under level-0 tile ``index``."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check(self.index, self.width)

    @property
    def path(self) -> str:
        return f"tile/entries/{encode_index(self.index)}{_suffix(self.width)}"


def parse_tile_path(path: str) -> HashTile | EntryBundle:
    """The tile or entry bundle a path names; only the canonical spelling is accepted."""
    match = _PATH.fullmatch(path)
    if match is None:
        raise LogError(f"expected a tile path tile/<L>/<N>[.p/<W>], found {path!r}")
    level, digits, width_text = match.groups()
    index = int(digits.replace("x", "").replace("/", ""))
    width = int(width_text) if width_text is not None else TILE_WIDTH
    try:
        tile: HashTile | EntryBundle = (
            EntryBundle(index, width) if level == "entries" else HashTile(int(level), index, width)
        )
    except LogError as exc:
        raise LogError(f"not a tile path: {path!r}: {exc.message}") from None
    if tile.path != path or (width_text is not None and width == TILE_WIDTH):
        raise LogError(f"not the canonical tile path: expected {tile.path!r}, found {path!r}")
    return tile


def iter_tiles(size: int) -> Iterator[HashTile]:
    """Every hash tile of a tree of ``size`` leaves, level by level, left to right, one at
    a time (a signed size may be huge: a reader stops at the first file that is missing)."""
    level, count = 0, size
    while count:
        full, partial = divmod(count, TILE_WIDTH)
        yield from (HashTile(level, n) for n in range(full))
        if partial:
            yield HashTile(level, full, partial)
        level, count = level + 1, count // TILE_WIDTH


def tiles_for_size(size: int) -> list[HashTile]:
    """Every hash tile of a tree of ``size`` leaves, level by level, left to right."""
    return list(iter_tiles(size))


def iter_bundles(size: int) -> Iterator[EntryBundle]:
    """Every entry bundle of a log of ``size`` entries, left to right, one at a time."""
    full, partial = divmod(size, TILE_WIDTH)
    yield from (EntryBundle(n) for n in range(full))
    if partial:
        yield EntryBundle(full, partial)


def bundles_for_size(size: int) -> list[EntryBundle]:
    """Every entry bundle of a log of ``size`` entries, left to right."""
    return list(iter_bundles(size))


def tile_data(tile: HashTile, read: Callable[[int, int], bytes]) -> bytes:
    """The bytes of a hash tile, read from a node reader of the tree."""
    first = tile.index * TILE_WIDTH
    return b"".join(read(TILE_HEIGHT * tile.level, first + i) for i in range(tile.width))


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes."""
    out = bytearray()
    for n, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise LogError(
                f"entry {n} of a bundle: expected at most {MAX_ENTRY_SIZE} bytes, "
                f"found {len(entry)}"
            )
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def decode_bundle(data: bytes, width: int, where: str) -> list[bytes]:
    """The ``width`` entries of a bundle; trailing or missing bytes are refused."""
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise LogError(f"expected a 2-byte length at byte {pos}, found the end", where=where)
        length = int.from_bytes(data[pos : pos + 2], "big")
        if pos + 2 + length > len(data):
            raise LogError(
                f"entry {len(entries)} claims {length} bytes, found {len(data) - pos - 2}",
                where=where,
            )
        entries.append(data[pos + 2 : pos + 2 + length])
        pos += 2 + length
    if len(entries) != width:
        raise LogError(f"expected {width} entries, found {len(entries)}", where=where)
    return entries


def folder_fetch(folder: Path) -> Fetch:
    """A :data:`Fetch` reading the log's files from a local folder (its prefix)."""

    def fetch(path: str) -> bytes:
        try:
            return (folder / path).read_bytes()
        except FileNotFoundError:
            raise LogError("missing from the log", where=str(folder / path)) from None

    return fetch


def _fetch(fetch: Fetch, path: str) -> bytes:
    try:
        return fetch(path)
    except OSError as exc:
        raise LogError(f"cannot read the log file: {exc}", where=path) from None


class TileReader:
    """Node hashes of a tree of ``size`` leaves, read from its tile files (each tile fetched
    once). Nodes between tile levels are hashed from the tile below; partial tiles are used
    where the tree has no full tile yet."""

    def __init__(self, size: int, fetch: Fetch) -> None:
        self.size = size
        self._fetch = fetch
        self._tiles: dict[HashTile, bytes] = {}

    def tile(self, level: int, index: int) -> HashTile:
        """The tile of this tree holding hash ``index`` of tile level ``level``."""
        count = self.size // TILE_WIDTH**level
        full, partial = divmod(count, TILE_WIDTH)
        if index < full:
            return HashTile(level, index)
        if index == full and partial:
            return HashTile(level, index, partial)
        raise LogError(f"a tree of size {self.size} has no tile {index} at level {level}")

    def hashes(self, tile: HashTile) -> bytes:
        data = self._tiles.get(tile)
        if data is None:
            data = _fetch(self._fetch, tile.path)
            if len(data) != tile.width * HASH_SIZE:
                raise LogError(
                    f"expected {tile.width * HASH_SIZE} bytes ({tile.width} hashes), "
                    f"found {len(data)}",
                    where=tile.path,
                )
            self._tiles[tile] = data
        return data

    def node(self, level: int, index: int) -> bytes:
        if level < 0 or index < 0 or (index + 1) << level > self.size:
            raise LogError(
                f"no complete subtree at level {level}, index {index} in a tree of size {self.size}"
            )
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        tile = self.tile(tile_level, first // TILE_WIDTH)
        data = self.hashes(tile)
        offset = first % TILE_WIDTH
        row = [
            data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(offset, offset + (1 << height))
        ]
        while len(row) > 1:
            row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        return row[0]


class _Extended:
    """The nodes of a tree grown from an old tree (read through ``old``) by new leaves."""

    def __init__(self, old_size: int, old: Callable[[int, int], bytes], new: list[bytes]) -> None:
        self.old_size, self._old, self._new = old_size, old, new
        self._memo: dict[tuple[int, int], bytes] = {}

    def node(self, level: int, index: int) -> bytes:
        if (index + 1) << level <= self.old_size:
            return self._old(level, index)
        if level == 0:
            return self._new[index - self.old_size]
        found = self._memo.get((level, index))
        if found is None:
            found = node_hash(self.node(level - 1, 2 * index), self.node(level - 1, 2 * index + 1))
            self._memo[(level, index)] = found
        return found


@dataclass(frozen=True)
class TileUpdate:
    """What growing a log writes: its new size and root, the files that are new or replace
    a partial one (path -> bytes), and the partial files the new size no longer has."""

    size: int
    root: bytes
    write: Mapping[str, bytes]
    remove: tuple[str, ...]


def extend(
    old_size: int, fetch: Fetch, entries: Sequence[bytes], old_root: bytes | None = None
) -> TileUpdate:
    """Append ``entries`` to the log of ``old_size`` entries whose files ``fetch`` reads
    (never called when ``old_size`` is 0). Reads only the old tiles it needs and the old
    partial entry bundle. With ``old_root`` (the previous checkpoint's), first checks that
    the old tiles hash to it, so a log is only ever grown from the tree it signed; checking
    every old file against its entries is :func:`verify_tiles`'s job."""
    new_size = old_size + len(entries)
    old = TileReader(old_size, fetch)
    if old_root is not None and (found := tree_hash(old_size, old.node)) != old_root:
        raise LogError(
            f"the log's tiles do not hash to its checkpoint: expected root {old_root.hex()} "
            f"for size {old_size}, found {found.hex()}"
        )
    grown = _Extended(old_size, old.node, [leaf_hash(e) for e in entries])
    had = {t.path for t in tiles_for_size(old_size)} | {b.path for b in bundles_for_size(old_size)}
    write: dict[str, bytes] = {}
    for tile in tiles_for_size(new_size):
        if tile.path not in had:
            write[tile.path] = tile_data(tile, grown.node)
    old_partial: list[bytes] = []
    if old_size % TILE_WIDTH:
        bundle = bundles_for_size(old_size)[-1]
        old_partial = decode_bundle(_fetch(fetch, bundle.path), bundle.width, bundle.path)
    for bundle in bundles_for_size(new_size):
        if bundle.path in had:
            continue
        first = bundle.index * TILE_WIDTH
        earlier = old_partial if first < old_size else []
        start = max(first, old_size) - old_size
        write[bundle.path] = encode_bundle(
            [*earlier, *entries[start : start + bundle.width - len(earlier)]]
        )
    kept = {t.path for t in tiles_for_size(new_size)} | {b.path for b in bundles_for_size(new_size)}
    return TileUpdate(
        size=new_size,
        root=tree_hash(new_size, grown.node),
        write=write,
        remove=tuple(sorted(had - kept)),
    )


def build(entries: Sequence[bytes]) -> TileUpdate:
    """Every tile and entry bundle of a log of ``entries``, from scratch."""

    def nothing(path: str) -> bytes:
        raise LogError("an empty log has no files", where=path)

    return extend(0, nothing, entries)


@dataclass(frozen=True)
class VerifiedTiles:
    """A tile set checked against its entries: the entries and their whole tree."""

    entries: tuple[bytes, ...]
    tree: HashTree

    @property
    def root(self) -> bytes:
        return self.tree.root()


def difference(expected: bytes, found: bytes) -> str:
    """Where the bytes of a tile differ from what was expected, for a message."""
    if len(found) != len(expected):
        return f"expected {len(expected)} bytes, found {len(found)}"
    hashes = range(0, len(expected), HASH_SIZE)
    at = next(i for i in hashes if found[i : i + HASH_SIZE] != expected[i : i + HASH_SIZE])
    return (
        f"hash {at // HASH_SIZE}: expected {expected[at : at + HASH_SIZE].hex()}, "
        f"found {found[at : at + HASH_SIZE].hex()}"
    )


def read_entries(size: int, fetch: Fetch) -> Iterator[bytes]:
    """Every entry of a log of ``size`` entries, in order, read bundle by bundle (so memory
    holds one bundle at a time)."""
    for bundle in iter_bundles(size):
        yield from decode_bundle(_fetch(fetch, bundle.path), bundle.width, bundle.path)


def check_tiles(size: int, fetch: Fetch, read: NodeReader) -> None:
    """Check that every tile file of a log of ``size`` entries holds exactly the hashes of
    the tree ``read`` reads (the tree rebuilt from the log's entries)."""
    for tile in tiles_for_size(size):
        expected, found = tile_data(tile, read), _fetch(fetch, tile.path)
        if found != expected:
            raise LogError(
                f"the tile does not match the log's entries: {difference(expected, found)}",
                where=tile.path,
            )


def verify_tiles(size: int, fetch: Fetch) -> VerifiedTiles:
    """Read every entry bundle of a log of ``size`` entries, rebuild its tree, and check that
    every tile file holds exactly the hashes the entries imply (so proofs read from the
    tiles are the entries' proofs). The caller compares :attr:`VerifiedTiles.root` with the
    checkpoint's root."""
    entries = list(read_entries(size, fetch))
    tree = HashTree(leaf_hash(e) for e in entries)
    check_tiles(size, fetch, tree.node)
    return VerifiedTiles(tuple(entries), tree)


__all__ = [
    "MAX_ENTRY_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "EntryBundle",
    "Fetch",
    "HashTile",
    "TileReader",
    "TileUpdate",
    "VerifiedTiles",
    "build",
    "bundles_for_size",
    "check_tiles",
    "decode_bundle",
    "difference",
    "encode_bundle",
    "encode_index",
    "extend",
    "folder_fetch",
    "iter_bundles",
    "iter_tiles",
    "parse_tile_path",
    "read_entries",
    "tile_data",
    "tiles_for_size",
    "verify_tiles",
]
