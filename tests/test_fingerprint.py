"""The hashes a build takes of its inputs (pithgen.cache.fingerprint): every byte, whatever
the size, the walk or the number of processes."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import pytest

from pithgen.cache import fingerprint
from pithgen.cache.fingerprint import file_sha256, input_hashes, inputs_digest
from pithgen.load import discover

SIZES = {"empty.json": 0, "small.json": 5, "record.json": 4_800, "big.json": 70_000}


def _tree(root: Path) -> dict[str, bytes]:
    contents = {}
    for index, (name, size) in enumerate(sorted(SIZES.items())):
        data = bytes((index + i) % 251 for i in range(size))
        folder = root / f"d{index % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        contents[f"d{index % 2}/{name}"] = data
    return contents


def test_every_byte_is_hashed_whatever_the_file_size(tmp_path: Path) -> None:
    contents = _tree(tmp_path)
    large = tmp_path / "large.bin"
    large.write_bytes(b"x" * (3 << 20) + b"tail")  # past the first read and a 1 MiB chunk
    assert file_sha256(large) == (
        len(large.read_bytes()),
        hashlib.sha256(large.read_bytes()).hexdigest(),
    )
    files = discover([tmp_path], relative=True)
    found = {name: (size, sha) for name, size, sha in input_hashes(files)}
    assert found == {
        name.replace("/", os.sep): (len(data), hashlib.sha256(data).hexdigest())
        for name, data in contents.items()
    }


def test_a_walk_without_sizes_finds_the_same_files(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "link.json").symlink_to(tmp_path / "d0" / "big.json")
    with_sizes = discover([tmp_path], relative=True)
    without = discover([tmp_path], relative=True, sizes=False)
    assert [dataclasses.replace(f, size=-1) for f in with_sizes if f.display != "link.json"] == [
        f for f in without if f.display != "link.json"
    ]
    # a symlink is still resolved and looked at (its target's size is known)
    assert [f.size for f in without if f.display == "link.json"] == [SIZES["big.json"]]
    assert input_hashes(with_sizes) == input_hashes(without)


def test_files_that_cannot_be_read_are_named_with_their_reason(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "outside.json").symlink_to(tmp_path.parent)  # refused: leaves the tree
    files = discover([tmp_path], relative=True, sizes=False)
    (tmp_path / "d0" / "big.json").unlink()  # gone between the walk and the read
    found = {name: (size, sha) for name, size, sha in input_hashes(files)}
    assert found[os.path.join("d0", "big.json")][0] == -1
    assert found[os.path.join("d0", "big.json")][1].startswith("unreadable: ")
    assert found["outside.json"][0] == -1
    assert found["outside.json"][1].startswith("refused: symlink leads outside")


def test_processes_hash_exactly_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(300):
        folder = tmp_path / f"{i % 7}"
        folder.mkdir(exist_ok=True)
        (folder / f"r{i}.json").write_text(f'{{"n": {i}}}' * (i % 50), encoding="utf-8")
    files = discover([tmp_path], relative=True, sizes=False)
    one = input_hashes(files, jobs=1)
    monkeypatch.setattr(fingerprint, "_PARALLEL_FROM", 10)
    monkeypatch.setattr(fingerprint, "_BATCH", 16)
    assert input_hashes(files, jobs=3) == one
    assert [name for name, _, _ in one] == [f.display for f in files]


def test_the_inputs_digest_tells_names_sizes_and_hashes_apart() -> None:
    base = [("a.json", 12, "ab" * 32)]
    variants = [
        [("a.json1", 2, "ab" * 32)],  # the name's end read as the size's start
        [("a.json", 12, "ab" * 32 + "\n0:")],
        [("a.json", 13, "ab" * 32)],
        [("a.json", 12, "ab" * 32), ("", 0, "")],
        [],
    ]
    digests = {inputs_digest(v) for v in [base, *variants]}
    assert len(digests) == 1 + len(variants)
    assert inputs_digest(list(base)) == inputs_digest(base)
