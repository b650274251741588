"""pithgen.tlog.merkle against RFC 6962 itself: a naive recursive reference implementation
written straight from RFC 6962 section 2.1 (MTH, PATH, PROOF/SUBPROOF), the published
Certificate Transparency vectors (tests/fixtures/tlog/rfc6962-vectors.json), and tampering.

The reference recomputes every hash from the entries on each call, sharing nothing with the
library but SHA-256: if the library's split point, prefixes, proof order or verification
loop drifted, the two would disagree."""

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
    EMPTY_ROOT,
    HashTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    subtree_hash,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "tlog" / "rfc6962-vectors.json").read_text()
)
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaves_hex"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["roots_by_size"]]

# --- the reference: RFC 6962 section 2.1, recursive, from the entries ----------------------


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_k(n: int) -> int:
    """The largest power of two smaller than n (n > 1), by counting."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return sha(b"")
    if len(d) == 1:
        return sha(b"\x00" + d[0])
    k = ref_k(len(d))
    return sha(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = ref_k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], whole: bool) -> list[bytes]:
    if m == len(d):
        return [] if whole else [ref_mth(d)]
    k = ref_k(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], whole), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


def entries(size: int, salt: int = 0) -> list[bytes]:
    return [f"{salt}:{i}".encode() for i in range(size)]


def tree_of(d: list[bytes]) -> HashTree:
    return HashTree(leaf_hash(e) for e in d)


def flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


# --- the published vectors -------------------------------------------------------------------


def test_hashes_match_rfc6962_roots_for_every_size() -> None:
    tree = tree_of(LEAVES)
    assert EMPTY_ROOT == ROOTS[0] == ref_mth([])
    for size in range(len(LEAVES) + 1):
        assert tree.root(size) == ROOTS[size] == ref_mth(LEAVES[:size])
    for level, hashes in enumerate(VECTORS["node_hashes_by_level"]):
        assert [tree.node(level, i).hex() for i in range(len(hashes))] == hashes
    assert node_hash(leaf_hash(LEAVES[0]), leaf_hash(LEAVES[1])) == ROOTS[2]


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=lambda v: f"{v['index']}@{v['size']}")
def test_inclusion_vectors(vector: dict[str, Any]) -> None:
    index, size = vector["index"], vector["size"]
    proof = [bytes.fromhex(h) for h in vector["proof"]]
    leaf, root = leaf_hash(LEAVES[index]), ROOTS[size]
    assert inclusion_proof(index, size, tree_of(LEAVES).node) == proof
    verify_inclusion(leaf, index, size, proof, root)
    # Go's corruptInclusionProof probes (transparency-dev/merkle proof/verify_test.go)
    probes = [
        (leaf, index - 1, size, proof, root),
        (leaf, index + 1, size, proof, root),
        (leaf, index ^ 2, size, proof, root),
        (leaf, index, size * 2, proof, root),
        (leaf, index, size // 2, proof, root),
        (leaf_hash(b"WrongLeaf"), index, size, proof, root),
        (leaf, index, size, proof, EMPTY_ROOT),
        (leaf, index, size, proof, flip(root)),
        (leaf, index, size, [*proof, b""], root),
        (leaf, index, size, [*proof, root], root),
        (leaf, index, size, [b"", *proof], root),
        (leaf, index, size, [root, *proof], root),
    ]
    probes += [
        (leaf, index, size, [flip(p, 3) if n == i else p for n, p in enumerate(proof)], root)
        for i in range(len(proof))
    ]
    if proof:
        probes.append((leaf, index, size, proof[:-1], root))
    if len(proof) > 1:
        probes.append((leaf, index, size, [proof[0], sha(b"x"), *proof[1:]], root))
    for probe in probes:
        with pytest.raises(LogError):
            verify_inclusion(*probe)


def test_inclusion_refuses_a_wrong_leaf_or_index() -> None:
    tree = tree_of(LEAVES)
    proof = inclusion_proof(5, 8, tree.node)
    with pytest.raises(LogError, match="expected root"):
        verify_inclusion(leaf_hash(LEAVES[4]), 5, 8, proof, ROOTS[8])
    for index in (4, 6, 7):
        with pytest.raises(LogError):
            verify_inclusion(leaf_hash(LEAVES[5]), index, 8, proof, ROOTS[8])
    with pytest.raises(LogError, match="below the tree size"):
        verify_inclusion(leaf_hash(LEAVES[0]), 8, 8, proof, ROOTS[8])
    with pytest.raises(LogError, match="32-byte"):
        verify_inclusion(b"short", 0, 1, [], ROOTS[1])


@pytest.mark.parametrize("vector", VECTORS["consistency"], ids=lambda v: f"{v['old']}-{v['new']}")
def test_consistency_vectors(vector: dict[str, Any]) -> None:
    old, new = vector["old"], vector["new"]
    proof = [bytes.fromhex(h) for h in vector["proof"]]
    assert consistency_proof(old, new, tree_of(LEAVES).node) == proof
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)
    if not proof:
        return
    # Go's corruptConsistencyProof probes
    probes = [
        (old - 1, new, ROOTS[old], ROOTS[new], proof),
        (old + 1, new, ROOTS[old], ROOTS[new], proof),
        (old ^ 2, new, ROOTS[old], ROOTS[new], proof),
        (old, new * 2, ROOTS[old], ROOTS[new], proof),
        (old, new // 2, ROOTS[old], ROOTS[new], proof),
        (old, new, flip(ROOTS[old]), ROOTS[new], proof),
        (old, new, ROOTS[old], flip(ROOTS[new]), proof),
        (old, new, ROOTS[new], ROOTS[old], proof),
        (old, new, ROOTS[old], ROOTS[new], []),
        (old, new, ROOTS[old], ROOTS[new], [*proof, ROOTS[old]]),
        (old, new, ROOTS[old], ROOTS[new], [ROOTS[new], *proof]),
        (old, new, ROOTS[old], ROOTS[new], [proof[0], *proof]),
        (old, new, ROOTS[old], ROOTS[new], proof[:-1]),
    ]
    probes += [
        (
            old,
            new,
            ROOTS[old],
            ROOTS[new],
            [flip(p, 4) if n == i else p for n, p in enumerate(proof)],
        )
        for i in range(len(proof))
    ]
    for probe in probes:
        with pytest.raises(LogError):
            verify_consistency(*probe)


def test_trivial_consistency_cases_are_exact() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, ROOTS[5], [])
    verify_consistency(3, 3, ROOTS[3], ROOTS[3], [])
    with pytest.raises(LogError, match="two different roots for the same size 3"):
        verify_consistency(3, 3, ROOTS[3], ROOTS[4], [])
    with pytest.raises(LogError, match="empty tree's root"):
        verify_consistency(0, 5, ROOTS[1], ROOTS[5], [])
    with pytest.raises(LogError, match="expected 0 hashes, found 1"):
        verify_consistency(0, 1, EMPTY_ROOT, ROOTS[1], [EMPTY_ROOT])
    with pytest.raises(LogError, match="a log only grows"):
        verify_consistency(2, 1, ROOTS[2], ROOTS[1], [])


# --- the library against the reference, random sizes ----------------------------------------


@given(st.integers(1, 2000), st.data())
def test_root_and_inclusion_proofs_match_the_reference(size: int, data: st.DataObject) -> None:
    d = entries(size, data.draw(st.integers(0, 9), "salt"))
    tree = tree_of(d)
    root = ref_mth(d)
    assert tree.root() == root
    assert tree_hash(size, tree.node) == root
    index = data.draw(st.integers(0, size - 1), "index")
    proof = inclusion_proof(index, size, tree.node)
    assert proof == ref_path(index, d)
    verify_inclusion(leaf_hash(d[index]), index, size, proof, root)
    if proof:  # any single flipped bit, anywhere in the proof, is refused
        n = data.draw(st.integers(0, len(proof) - 1), "tampered hash")
        tampered = [*proof[:n], flip(proof[n], data.draw(st.integers(0, 7))), *proof[n + 1 :]]
        with pytest.raises(LogError):
            verify_inclusion(leaf_hash(d[index]), index, size, tampered, root)
    other = data.draw(st.integers(0, size - 1), "other index")
    if other != index:
        with pytest.raises(LogError):
            verify_inclusion(leaf_hash(d[other]), index, size, proof, root)


@given(st.integers(1, 2000), st.data())
def test_consistency_proofs_match_the_reference(new: int, data: st.DataObject) -> None:
    d = entries(new, data.draw(st.integers(0, 9), "salt"))
    tree = tree_of(d)
    old = data.draw(st.integers(0, new), "old size")
    proof = consistency_proof(old, new, tree.node)
    assert proof == ([] if old == 0 else ref_proof(old, d))
    old_root, new_root = ref_mth(d[:old]), ref_mth(d)
    verify_consistency(old, new, old_root, new_root, proof)
    if proof:
        n = data.draw(st.integers(0, len(proof) - 1), "tampered hash")
        with pytest.raises(LogError):
            verify_consistency(
                old, new, old_root, new_root, [*proof[:n], flip(proof[n]), *proof[n + 1 :]]
            )
    if 0 < old < new:  # another history of the first old entries is not extended by this one
        forked = ref_mth([*d[: old - 1], b"forked"])
        with pytest.raises(LogError, match=r"does not lead to the (old|new) root"):
            verify_consistency(old, new, forked, new_root, proof)


@given(st.integers(1, 600), st.data())
def test_any_range_hash_is_the_reference_mth(size: int, data: st.DataObject) -> None:
    d = entries(size)
    start = data.draw(st.integers(0, size - 1))
    end = data.draw(st.integers(start + 1, size))
    assert subtree_hash(start, end, tree_of(d).node) == ref_mth(d[start:end])


@given(st.integers(0, 120))
def test_a_tree_built_leaf_by_leaf_has_every_intermediate_root(size: int) -> None:
    d = entries(size)
    tree = HashTree()
    for n, e in enumerate(d):
        assert tree.append(leaf_hash(e)) == n
        assert tree.root() == ref_mth(d[: n + 1])
    assert [tree.root(n) for n in range(size + 1)] == [ref_mth(d[:n]) for n in range(size + 1)]


def test_root_from_inclusion_proof_says_what_it_expected() -> None:
    tree = tree_of(LEAVES)
    proof = inclusion_proof(2, 7, tree.node)
    assert root_from_inclusion_proof(leaf_hash(LEAVES[2]), 2, 7, proof) == ROOTS[7]
    with pytest.raises(LogError, match=r"leaf 2 in a tree of size 7: expected 3 hashes, found 4"):
        root_from_inclusion_proof(leaf_hash(LEAVES[2]), 2, 7, [*proof, ROOTS[1]])
    with pytest.raises(
        LogError, match="no complete subtree at level 3, index 1 in a tree of size 8"
    ):
        tree.node(3, 1)
    with pytest.raises(LogError, match="expected a size <= 8, found 9"):
        tree.root(9)
    with pytest.raises(LogError, match="old size <= new size"):
        consistency_proof(5, 4, tree.node)
