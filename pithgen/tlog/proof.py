"""C2SP tlog-proof files (c2sp.org/tlog-proof@v1): an offline proof that an entry is logged.

A proof bundles everything needed to check, with nothing but the log's public key, that an
entry is in the log::

    c2sp.org/tlog-proof@v1
    extra <base64>                  <- optional, opaque, unauthenticated (pithgen writes none)
    index 73894                     <- the entry's index, decimal, no leading zero
    gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=   <- inclusion proof, leaf's sibling first,
    ...                                               one base64 SHA-256 hash per line
                                    <- an empty line
    <the signed checkpoint, verbatim>

Verifying (:func:`verify_proof`) opens the checkpoint under the trusted log key (refusing one
signed by any other key, or of another log), then checks that ``SHA-256(0x00 || entry)`` at
``index`` leads through the hashes to the checkpoint's root. A proof copied onto another
checkpoint, another entry or another index fails there. Parsing is strict: one spelling per
proof (canonical base64, no leading zeros, exactly the hashes the sizes call for).

pithgen writes one proof per logged file, beside the file it is about, so a reader holding a
record's JSON can check it is in the mirror's log without fetching any tile.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pithgen.checks import shown
from pithgen.errors import LogError
from pithgen.tlog.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from pithgen.tlog.merkle import (
    HASH_SIZE,
    NodeReader,
    inclusion_proof,
    leaf_hash,
    tree_hash,
    verify_inclusion,
)
from pithgen.tlog.note import NoteVerifier, b64decode_strict, parse_note

HEADER = "c2sp.org/tlog-proof@v1"
MAX_HASHES = 64  # a tree of at most 2**64 leaves
_INDEX = re.compile(r"index (0|[1-9][0-9]*)")


@dataclass(frozen=True)
class TlogProof:
    """A parsed proof: index, inclusion hashes, the signed checkpoint text, extra data."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint


class _Lines:
    """Reads a text line by line, each line required to end with a newline."""

    def __init__(self, text: str, where: str | None) -> None:
        self.text, self.pos, self.where = text, 0, where

    def next(self, expected: str) -> str:
        end = self.text.find("\n", self.pos)
        if end < 0:
            found = "the end" if self.pos == len(self.text) else repr(self.text[self.pos :])
            raise LogError(
                f"expected {expected} ending in a newline, found {found}", where=self.where
            )
        line, self.pos = self.text[self.pos : end], end + 1
        return line

    def peek(self) -> str:
        end = self.text.find("\n", self.pos)
        return self.text[self.pos : end if end >= 0 else len(self.text)]


def parse_proof(data: bytes | str, where: str | None = None) -> TlogProof:
    """The parts of a proof file; its checkpoint is parsed as a signed note but not verified
    (that is :func:`verify_proof`'s job)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LogError(
                f"expected a UTF-8 proof, found invalid byte at {exc.start}", where=where
            ) from None
    lines = _Lines(data, where)
    header = lines.next(f"the header {HEADER!r}")
    if header != HEADER:
        raise LogError(f"expected the header {HEADER!r}, found {header!r}", where=where)
    extra = None
    if lines.peek().startswith("extra "):
        extra = b64decode_strict(lines.next("the extra line")[6:], "extra data", where)
    index_line = lines.next("the index line")
    match = _INDEX.fullmatch(index_line)
    if match is None or len(match.group(1)) > 20:  # an index of a tree of at most 2**64
        raise LogError(
            f"expected 'index <decimal without leading zeros>' below 2**64, found "
            f"{shown(index_line)}",
            where=where,
        )
    hashes: list[bytes] = []
    while (line := lines.next("an inclusion proof hash or an empty line")) != "":
        if len(hashes) == MAX_HASHES:
            raise LogError(f"expected at most {MAX_HASHES} proof hashes, found more", where=where)
        raw = b64decode_strict(line, f"proof hash {len(hashes)}", where)
        if len(raw) != HASH_SIZE:
            raise LogError(
                f"proof hash {len(hashes)}: expected {HASH_SIZE} bytes, found {len(raw)}",
                where=where,
            )
        hashes.append(raw)
    checkpoint = data[lines.pos :]
    if not checkpoint:
        raise LogError("expected a signed checkpoint after the empty line, found none", where=where)
    parse_note(checkpoint, where)
    return TlogProof(int(match.group(1)), tuple(hashes), checkpoint, extra)


def make_proof(index: int, read: NodeReader, signed_checkpoint: str) -> TlogProof:
    """The proof of entry ``index`` in the tree the signed checkpoint commits to, read from
    ``read``; refuses a checkpoint whose root is not that tree's, so a published proof
    always verifies."""
    checkpoint = checkpoint_of(signed_checkpoint)
    root = tree_hash(checkpoint.size, read)
    if root != checkpoint.root_hash:
        raise LogError(
            f"the tree of size {checkpoint.size} has root {root.hex()}, but the checkpoint "
            f"says {checkpoint.root_hash.hex()}"
        )
    hashes = inclusion_proof(index, checkpoint.size, read)
    return TlogProof(index, tuple(hashes), signed_checkpoint)


def checkpoint_of(signed_checkpoint: str, where: str | None = None) -> Checkpoint:
    """The checkpoint body of a signed checkpoint, without checking its signatures."""
    return parse_checkpoint(parse_note(signed_checkpoint, where).text, where)


@dataclass(frozen=True)
class VerifiedProof:
    """What a verified proof establishes: this entry is entry ``index`` of the log, as of
    the (signature-checked) ``checkpoint``."""

    index: int
    checkpoint: Checkpoint
    extra: bytes | None


def verify_proof(
    data: bytes | str,
    entry: bytes,
    verifiers: Iterable[NoteVerifier],
    origin: str | None = None,
    where: str | None = None,
) -> VerifiedProof:
    """Check a proof file for ``entry`` against the trusted log keys (and log origin)."""
    proof = parse_proof(data, where)
    signed = open_checkpoint(proof.checkpoint, verifiers, origin, where)
    checkpoint = signed.checkpoint
    try:
        verify_inclusion(
            leaf_hash(entry), proof.index, checkpoint.size, proof.hashes, checkpoint.root_hash
        )
    except LogError as exc:
        raise LogError(exc.message, where=where) from None
    return VerifiedProof(proof.index, checkpoint, proof.extra)


__all__ = [
    "HEADER",
    "TlogProof",
    "VerifiedProof",
    "checkpoint_of",
    "make_proof",
    "parse_proof",
    "verify_proof",
]
