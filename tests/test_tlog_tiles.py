"""pithgen.tlog.tiles: C2SP tlog-tiles paths and tile sets (the spec's own examples in
tests/fixtures/tlog/c2sp-examples.json), entry bundles, reading hashes back from tiles, and
growing a log: appending in any number of steps gives byte-identical files to one build,
full tiles never change, and every tampered file is caught."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pithgen.errors import LogError
from pithgen.tlog.merkle import (
    HashTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)
from pithgen.tlog.tiles import (
    EntryBundle,
    HashTile,
    TileReader,
    TileUpdate,
    build,
    bundles_for_size,
    decode_bundle,
    encode_bundle,
    encode_index,
    extend,
    folder_fetch,
    parse_tile_path,
    tile_data,
    tiles_for_size,
    verify_tiles,
)

EXAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "tlog" / "c2sp-examples.json").read_text()
)


def entries(size: int, start: int = 0) -> list[bytes]:
    # varied lengths, including empty entries
    return [f"entry {i}".encode() * (i % 3) for i in range(start, start + size)]


def fetch_from(files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    def fetch(path: str) -> bytes:
        if path not in files:
            raise LogError("missing from the log", where=path)
        return files[path]

    return fetch


def apply(files: dict[str, bytes], update: TileUpdate) -> None:
    for path in update.remove:
        del files[path]
    files.update(update.write)


# --- paths -----------------------------------------------------------------------------------


def test_the_spec_example_index_encoding() -> None:
    example = EXAMPLES["tile_index_example"]
    assert encode_index(example["index"]) == example["path_elements"] == "x001/x234/067"
    assert HashTile(0, 1234067).path == "tile/0/x001/x234/067"


@pytest.mark.parametrize(
    ("index", "encoded"),
    [
        (0, "000"),
        (7, "007"),
        (999, "999"),
        (1000, "x001/000"),
        (1001, "x001/001"),
        (999999, "x999/999"),
        (1000000, "x001/x000/000"),
        (2**64 // 256, "x072/x057/x594/x037/x927/936"),
    ],
)
def test_index_encoding_edges(index: int, encoded: str) -> None:
    assert encode_index(index) == encoded
    assert parse_tile_path(f"tile/3/{encoded}") == HashTile(3, index)


def test_partial_tiles_and_entry_bundles() -> None:
    assert HashTile(1, 1234067, 5).path == "tile/1/x001/x234/067.p/5"
    assert HashTile(0, 0, 255).path == "tile/0/000.p/255"
    assert HashTile(63, 0, 1).path == "tile/63/000.p/1"
    assert EntryBundle(1000).path == "tile/entries/x001/000"
    assert EntryBundle(3, 1).path == "tile/entries/003.p/1"
    assert parse_tile_path("tile/entries/x001/000.p/17") == EntryBundle(1000, 17)
    with pytest.raises(LogError, match="expected a tile level from 0 to 63, found 64"):
        HashTile(64, 0)
    with pytest.raises(LogError, match="expected a tile index >= 0, found -1"):
        HashTile(0, -1)
    with pytest.raises(LogError, match="expected a tile width from 1 to 256, found 0"):
        HashTile(0, 0, 0)
    with pytest.raises(LogError, match="expected a tile width from 1 to 256, found 257"):
        EntryBundle(0, 257)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/0001",
        "tile/0/x000/001",  # a leading zero group: not the canonical spelling of 1
        "tile/0/x001",
        "tile/0/001/",
        "/tile/0/001",
        "tile/00/001",
        "tile/64/000",
        "tile/-1/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/05",
        "tile/0/000.p/",
        "tile/0/000.p/1000",
        "tile/entries/000.p/256",
        "tile/data/000",
        "tile/0/X001/000",
        "tile/0/x1/000",
        "tile/0/\u0660\u0660\u0661",  # Arabic-Indic digits: not ASCII
    ],
)
def test_non_canonical_tile_paths_are_refused(path: str) -> None:
    with pytest.raises(LogError, match="tile path"):
        parse_tile_path(path)


@given(st.integers(0, 63), st.integers(0, 10**12), st.integers(1, 256), st.booleans())
def test_tile_paths_round_trip(level: int, index: int, width: int, bundle: bool) -> None:
    tile = EntryBundle(index, width) if bundle else HashTile(level, index, width)
    assert parse_tile_path(tile.path) == tile


# --- which tiles a tree has ------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES["tile_counts"], ids=lambda e: str(e["size"]))
def test_the_spec_example_tile_sets(example: dict[str, Any]) -> None:
    tiles = tiles_for_size(example["size"])
    summary = []
    for level in sorted({t.level for t in tiles}):
        at = [t for t in tiles if t.level == level]
        full = [t for t in at if t.width == 256]
        if full:
            summary.append([level, "full", len(full)])
        summary += [[level, "partial", t.width] for t in at if t.width < 256]
    assert summary == example["tiles"]


@given(st.integers(0, 4 * 256**2))
def test_each_level_has_floor_size_over_256_to_the_level_hashes(size: int) -> None:
    tiles = tiles_for_size(size)
    level = 0
    while size // 256**level:
        at = [t for t in tiles if t.level == level]
        assert [t.index for t in at] == list(range(len(at)))
        assert sum(t.width for t in at) == size // 256**level
        assert all(t.width == 256 for t in at[:-1])
        assert at[-1].width == (size // 256**level % 256 or 256)
        level += 1
    assert all(t.level < level for t in tiles)
    bundles = bundles_for_size(size)
    assert [(b.index, b.width) for b in bundles] == [
        (t.index, t.width) for t in tiles if t.level == 0
    ]


def test_no_tiles_for_an_empty_tree() -> None:
    assert tiles_for_size(0) == bundles_for_size(0) == []
    assert build([]) == TileUpdate(0, hashlib.sha256(b"").digest(), {}, ())


# --- entry bundles ---------------------------------------------------------------------------


def test_bundles_are_uint16_length_prefixed() -> None:
    assert encode_bundle([b"a", b"", b"xyz"]) == b"\x00\x01a\x00\x00\x00\x03xyz"
    assert decode_bundle(b"\x00\x01a\x00\x00\x00\x03xyz", 3, "b") == [b"a", b"", b"xyz"]
    big = b"x" * 0xFFFF
    assert decode_bundle(encode_bundle([big]), 1, "b") == [big]
    with pytest.raises(LogError, match="at most 65535 bytes, found 65536"):
        encode_bundle([b"x" * 0x10000])


@pytest.mark.parametrize(
    ("data", "width", "message"),
    [
        (b"\x00\x01a\x00", 1, "expected a 2-byte length at byte 3"),
        (b"\x00\x05abc", 1, "entry 0 claims 5 bytes, found 3"),
        (b"\x00\x01a", 2, "expected 2 entries, found 1"),
        (b"\x00\x01a\x00\x01b", 1, "expected 1 entries, found 2"),
    ],
)
def test_malformed_bundles_are_refused(data: bytes, width: int, message: str) -> None:
    with pytest.raises(LogError, match=message) as caught:
        decode_bundle(data, width, "tile/entries/000.p/1")
    assert caught.value.where == "tile/entries/000.p/1"


# --- building, reading back, growing ---------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 512, 1000, 65535 + 2 * 256 + 3])
def test_tiles_read_back_every_node_and_proof(size: int) -> None:
    d = entries(size)
    files = dict(build(d).write)
    tree = HashTree(leaf_hash(e) for e in d)
    assert sorted(files) == sorted(
        [t.path for t in tiles_for_size(size)] + [b.path for b in bundles_for_size(size)]
    )
    reader = TileReader(size, fetch_from(files))
    levels = range(size.bit_length())
    samples = [(lv, i) for lv in levels for i in {0, (size >> lv) - 1, (size >> lv) // 2}]
    for level, index in samples:
        if (index + 1) << level <= size:
            assert reader.node(level, index) == tree.node(level, index), (level, index)
    root = tree_hash(size, reader.node)
    assert root == tree.root() == build(d).root
    for index in {0, size // 3, size - 1}:
        proof = inclusion_proof(index, size, reader.node)
        assert proof == inclusion_proof(index, size, tree.node)
        verify_inclusion(leaf_hash(d[index]), index, size, proof, root)
    assert verify_tiles(size, fetch_from(files)).entries == tuple(d)


@given(st.lists(st.integers(0, 300), min_size=1, max_size=6))
def test_appending_in_steps_is_byte_identical_to_one_build(steps: list[int]) -> None:
    files: dict[str, bytes] = {}
    size = 0
    history = []
    for step in steps:
        update = extend(size, fetch_from(files), entries(step, size))
        full_before = {p: files[p] for p in files if ".p/" not in p}
        assert not set(update.write) & set(full_before), "a full tile or bundle was rewritten"
        assert all(".p/" in p for p in update.remove), "a full tile or bundle was removed"
        apply(files, update)
        assert {p: files[p] for p in full_before} == full_before
        history.append((update.size, update.root))
        size = update.size
    whole = build(entries(size))
    assert files == dict(whole.write)
    assert (size, whole.root) == history[-1]
    # and every earlier log is consistent with the last one, read from the tiles
    reader = TileReader(size, fetch_from(files))
    for old, old_root in history:
        verify_consistency(
            old, size, old_root, whole.root, consistency_proof(old, size, reader.node)
        )


def test_growing_across_a_level_two_tile() -> None:
    files: dict[str, bytes] = {}
    size = 0
    for step in (65530, 10, 300):
        update = extend(size, fetch_from(files), entries(step, size))
        apply(files, update)
        size = update.size
    assert "tile/2/000.p/1" in files and "tile/1/000" in files
    assert files == dict(build(entries(size)).write)


def test_extend_refuses_tiles_that_are_not_the_signed_tree() -> None:
    update = build(entries(700))
    files = dict(update.write)
    grown = extend(700, fetch_from(files), entries(3, 700), old_root=update.root)
    assert grown == extend(700, fetch_from(files), entries(3, 700))
    files["tile/1/000.p/2"] = files["tile/1/000.p/2"][:32] + bytes(32)
    with pytest.raises(LogError, match="the log's tiles do not hash to its checkpoint"):
        extend(700, fetch_from(files), entries(3, 700), old_root=update.root)


def test_extend_reads_only_what_it_needs() -> None:
    files = dict(build(entries(1000)).write)
    read: list[str] = []

    def fetch(path: str) -> bytes:
        read.append(path)
        return files[path]

    extend(1000, fetch, entries(5, 1000))
    assert "tile/entries/003.p/232" in read
    assert not [p for p in read if p.startswith("tile/entries/") and ".p/" not in p]
    assert len(read) < 12


def test_verify_tiles_catches_any_tampered_file(tmp_path: Path) -> None:
    d = entries(70000 // 100)
    files = dict(build(d).write)
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    assert verify_tiles(len(d), folder_fetch(tmp_path)).root == build(d).root
    tile = "tile/1/000.p/2"
    original = files[tile]
    (tmp_path / tile).write_bytes(original[:40] + bytes([original[40] ^ 1]) + original[41:])
    with pytest.raises(LogError, match="hash 1: expected") as caught:
        verify_tiles(len(d), folder_fetch(tmp_path))
    assert caught.value.where == tile
    (tmp_path / tile).write_bytes(original + b"\x00")
    with pytest.raises(LogError, match="expected 64 bytes, found 65"):
        verify_tiles(len(d), folder_fetch(tmp_path))
    (tmp_path / tile).write_bytes(original)
    bundle = "tile/entries/001"
    (tmp_path / bundle).write_bytes(
        encode_bundle([*decode_bundle(files[bundle], 256, "")[:-1], b"x"])
    )
    with pytest.raises(LogError, match="does not match the log's entries") as caught:
        verify_tiles(len(d), folder_fetch(tmp_path))
    assert caught.value.where == "tile/0/001"
    (tmp_path / bundle).unlink()
    with pytest.raises(LogError, match="missing from the log") as caught:
        verify_tiles(len(d), folder_fetch(tmp_path))
    assert caught.value.where == str(tmp_path / bundle)


def test_tile_reader_refusals() -> None:
    files = dict(build(entries(300)).write)
    reader = TileReader(300, fetch_from(files))
    with pytest.raises(
        LogError, match="no complete subtree at level 9, index 0 in a tree of size 300"
    ):
        reader.node(9, 0)
    with pytest.raises(LogError, match="no tile 2 at level 0"):
        reader.tile(0, 2)
    files["tile/0/001.p/44"] = files["tile/0/001.p/44"][:-1]
    with pytest.raises(LogError, match=r"expected 1408 bytes \(44 hashes\), found 1407"):
        TileReader(300, fetch_from(files)).node(0, 299)
    assert (
        tile_data(HashTile(0, 1, 44), HashTree(leaf_hash(e) for e in entries(300)).node)
        == (build(entries(300)).write["tile/0/001.p/44"])
    )
