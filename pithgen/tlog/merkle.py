"""RFC 6962 Merkle tree hashing and proofs (RFC 9162 algorithms), over a hash-reading callback.

The tree over entries ``D[0:n]`` is the one of RFC 6962 section 2.1 (and of every C2SP
log): ``leaf = SHA-256(0x00 || entry)``, ``node = SHA-256(0x01 || left || right)``, the
empty tree hashes to ``SHA-256("")``, and a tree of ``n > 1`` leaves splits at ``k``, the
largest power of two strictly below ``n`` (not at the midpoint).

Everything here reads the tree through a :data:`NodeReader`: ``read(level, index)`` returns
the hash of the *complete* subtree of ``2**level`` leaves starting at leaf
``index * 2**level``. That is exactly what a log stores (the hashes of a tile at tile level
``L`` are the nodes at tree level ``8 * L``), so the same code computes roots and proofs from
an in-memory :class:`HashTree`, from tiles on disk (:class:`pithgen.tlog.tiles.TileReader`)
or from a database, without ever holding the whole tree. Only complete, aligned subtrees are
ever read; the hash of any other range is folded from them.

Proof generation follows RFC 9162 section 2.1.3.1 (``PATH``) and 2.1.4.1 (``PROOF`` and
``SUBPROOF``); verification follows sections 2.1.3.2 and 2.1.4.2 step by step, and refuses
with a :class:`LogError` that says what was expected and what was found. A proof has exactly
one valid length for given sizes, so a proof of any other length is refused before hashing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from pithgen.errors import LogError

HASH_SIZE = 32
#: The root hash of the empty tree (RFC 6962: the hash of an empty string).
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: ``read(level, index)``: hash of the complete subtree over leaves
#: ``[index * 2**level, (index + 1) * 2**level)``.
NodeReader = Callable[[int, int], bytes]


def leaf_hash(entry: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """RFC 6962's k for a range of ``n >= 2`` leaves: the largest power of two below n."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise LogError(
            f"{what}: expected a {HASH_SIZE}-byte SHA-256 hash, found {len(value)} bytes"
        )


def subtree_hash(start: int, end: int, read: NodeReader) -> bytes:
    """MTH(D[start:end]) for ``0 <= start < end``, read from complete aligned subtrees."""
    n = end - start
    if n <= 0:
        raise LogError(f"expected a non-empty range of leaves, found [{start}, {end})")
    if n & (n - 1) == 0 and start % n == 0:
        return read(n.bit_length() - 1, start // n)
    k = split_point(n)
    return node_hash(subtree_hash(start, start + k, read), subtree_hash(start + k, end, read))


def tree_hash(size: int, read: NodeReader) -> bytes:
    """The root hash of the tree of the first ``size`` leaves."""
    if size < 0:
        raise LogError(f"expected a tree size >= 0, found {size}")
    return EMPTY_ROOT if size == 0 else subtree_hash(0, size, read)


def inclusion_proof(index: int, size: int, read: NodeReader) -> list[bytes]:
    """RFC 9162 PATH(index, D[0:size]): the hashes from the leaf's sibling up to the root's
    child."""
    if not 0 <= index < size:
        raise LogError(f"expected a leaf index below the tree size {size}, found {index}")
    top_down: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            top_down.append(subtree_hash(start + k, end, read))
            end = start + k
        else:
            top_down.append(subtree_hash(start, start + k, read))
            start += k
    return top_down[::-1]


def consistency_proof(old_size: int, new_size: int, read: NodeReader) -> list[bytes]:
    """RFC 9162 PROOF(old_size, D[0:new_size]); empty when ``old_size`` is 0 or ``new_size``."""
    if not 0 <= old_size <= new_size:
        raise LogError(f"expected 0 <= old size <= new size, found {old_size} and {new_size}")
    if old_size in (0, new_size):
        return []
    top_down: list[bytes] = []
    m, start, end, whole = old_size, 0, new_size, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            top_down.append(subtree_hash(start + k, end, read))
            end = start + k
        else:
            top_down.append(subtree_hash(start, start + k, read))
            m, start, whole = m - k, start + k, False
    if not whole:
        top_down.append(subtree_hash(start, end, read))
    return top_down[::-1]


def inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes the inclusion proof of leaf ``index`` in a tree of ``size`` has."""
    count, start, end = 0, 0, size
    while end - start > 1:
        k = split_point(end - start)
        count += 1
        if index < start + k:
            end = start + k
        else:
            start += k
    return count


def consistency_proof_length(old_size: int, new_size: int) -> int:
    """How many hashes the consistency proof from ``old_size`` to ``new_size`` has."""
    if old_size in (0, new_size):
        return 0
    count, m, start, end, whole = 0, old_size, 0, new_size, True
    while m != end - start:
        k = split_point(end - start)
        count += 1
        if m <= k:
            end = start + k
        else:
            m, start, whole = m - k, start + k, False
    return count + (0 if whole else 1)


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 section 2.1.3.2, steps 1-4)."""
    if not 0 <= index < size:
        raise LogError(f"expected a leaf index below the tree size {size}, found {index}")
    _check_hash(leaf, "leaf hash")
    expected = inclusion_proof_length(index, size)
    if len(proof) != expected:
        raise LogError(
            f"inclusion proof of leaf {index} in a tree of size {size}: expected {expected} "
            f"hashes, found {len(proof)}"
        )
    fn, sn, r = index, size - 1, leaf
    for n, p in enumerate(proof):
        _check_hash(p, f"inclusion proof hash {n}")
        if sn == 0:  # RFC 9162 step 3.1: the exact length check above makes this unreachable
            raise LogError(f"inclusion proof of leaf {index} is too long for size {size}")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # RFC 9162 step 4, likewise implied by the length check
        raise LogError(f"inclusion proof of leaf {index} is too short for size {size}")
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` whose root is ``root``."""
    found = root_from_inclusion_proof(leaf, index, size, proof)
    if found != root:
        raise LogError(
            f"inclusion proof of leaf {index} does not lead to the root of the tree of size "
            f"{size}: expected root {root.hex()}, found {found.hex()}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (``new_size``, ``new_root``) extends (``old_size``, ``old_root``):
    RFC 9162 section 2.1.4.2, with the trivial cases (same size, empty old tree) exact."""
    if not 0 <= old_size <= new_size:
        raise LogError(
            f"a log only grows: expected an old size <= the new size {new_size}, found {old_size}"
        )
    _check_hash(old_root, "old root")
    _check_hash(new_root, "new root")
    expected = consistency_proof_length(old_size, new_size)
    if len(proof) != expected:
        raise LogError(
            f"consistency proof from size {old_size} to {new_size}: expected {expected} "
            f"hashes, found {len(proof)}"
        )
    if old_size == 0 and old_root != EMPTY_ROOT:
        raise LogError(
            f"the empty tree's root is {EMPTY_ROOT.hex()}, found {old_root.hex()} for size 0"
        )
    if old_size in (0, new_size):
        if old_size == new_size and old_root != new_root:
            raise LogError(
                f"two different roots for the same size {old_size}: {old_root.hex()} and "
                f"{new_root.hex()}"
            )
        return
    for n, p in enumerate(proof):
        _check_hash(p, f"consistency proof hash {n}")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:  # RFC 9162 step 6.1: the exact length check above makes this unreachable
            raise LogError(f"consistency proof from size {old_size} is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # RFC 9162 step 7, likewise implied by the length check
        raise LogError(f"consistency proof from size {old_size} to {new_size} is too short")
    if fr != old_root:
        raise LogError(
            f"consistency proof from size {old_size} to {new_size} does not lead to the old "
            f"root: expected {old_root.hex()}, found {fr.hex()}"
        )
    if sr != new_root:
        raise LogError(
            f"consistency proof from size {old_size} to {new_size} does not lead to the new "
            f"root: expected {new_root.hex()}, found {sr.hex()}"
        )


class HashTree:
    """An in-memory tree: every complete subtree hash, level by level (2n hashes for n
    leaves). Appending a leaf adds the complete subtrees it closes, so hashes are computed
    once; :meth:`node` is a :data:`NodeReader`."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        # One bytearray per level (32 bytes a hash): memory is 64 bytes a leaf.
        self._levels: list[bytearray] = [bytearray()]
        for leaf in leaf_hashes:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def _count(self, level: int) -> int:
        return len(self._levels[level]) // HASH_SIZE

    def append(self, leaf: bytes) -> int:
        """Add one leaf hash; returns its index."""
        _check_hash(leaf, "leaf hash")
        self._levels[0] += leaf
        level = 0
        while self._count(level) % 2 == 0:
            if level + 1 == len(self._levels):
                self._levels.append(bytearray())
            pair = bytes(self._levels[level][-2 * HASH_SIZE :])
            self._levels[level + 1] += node_hash(pair[:HASH_SIZE], pair[HASH_SIZE:])
            level += 1
        return self.size - 1

    def node(self, level: int, index: int) -> bytes:
        if 0 <= level < len(self._levels) and 0 <= index < self._count(level):
            return bytes(self._levels[level][index * HASH_SIZE : (index + 1) * HASH_SIZE])
        raise LogError(
            f"no complete subtree at level {level}, index {index} in a tree of size {self.size}"
        )

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (default: all of them)."""
        size = self.size if size is None else size
        if size > self.size:
            raise LogError(f"expected a size <= {self.size}, found {size}")
        return tree_hash(size, self.node)


__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "HashTree",
    "NodeReader",
    "consistency_proof",
    "consistency_proof_length",
    "inclusion_proof",
    "inclusion_proof_length",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "split_point",
    "subtree_hash",
    "tree_hash",
    "verify_consistency",
    "verify_inclusion",
]
