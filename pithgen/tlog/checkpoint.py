"""C2SP checkpoints (c2sp.org/tlog-checkpoint): a log's signed tree head, as a signed note.

The checkpoint body is the note text::

    example.org/mirror/log          <- origin: the log's identity
    1234                            <- tree size, decimal, no leading zero ("0" when empty)
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=   <- root hash, standard base64 of 32 bytes
    (optional extension lines, each non-empty)

every line ending in a newline. Parsing is strict (one spelling per checkpoint): no missing
final newline, no empty line, no sign, space or leading zero in the size, only canonical
padded base64 of exactly 32 bytes for the root.

The origin must be non-empty; the spec recommends a schema-less URL without Unicode spaces
or ``+``, and tlog-tiles says it SHOULD be the log's URL prefix without the scheme and
trailing slashes. A checkpoint read from elsewhere may carry any non-empty origin (clients
must not assume the format), but a log pithgen *signs* follows the recommendation
(:func:`check_origin`), its default origin is derived from the log's URL
(:func:`origin_from_url`), and it is signed under a key named by the origin, as the spec
recommends, so that one name identifies both the log and its key.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pithgen.checks import shown
from pithgen.errors import LogError
from pithgen.tlog.merkle import HASH_SIZE
from pithgen.tlog.note import (
    NoteSigner,
    NoteVerifier,
    OpenedNote,
    b64decode_strict,
    check_key_name,
    open_note,
    sign_note,
)

MAX_SIZE = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_URL = re.compile(r"(?i:https?)://([^/?#\s@]+)(/[^?#\s]*)?")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, size and root hash, and opaque extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for what, line in (
            ("origin", self.origin),
            *(("extension line", e) for e in self.extensions),
        ):
            if not line or any(ord(c) < 0x20 for c in line):
                raise LogError(
                    f"expected a non-empty {what} without control characters, found {line!r}"
                )
        if not 0 <= self.size <= MAX_SIZE:
            raise LogError(f"expected a tree size from 0 to 2**64 - 1, found {self.size}")
        if len(self.root_hash) != HASH_SIZE:
            raise LogError(
                f"expected a {HASH_SIZE}-byte root hash, found {len(self.root_hash)} bytes"
            )

    def text(self) -> str:
        """The checkpoint body, the text a log signs."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "".join(line + "\n" for line in [*lines, *self.extensions])


def parse_checkpoint(text: str, where: str | None = None) -> Checkpoint:
    """The checkpoint of a note text (without signatures), strictly."""
    if not text.endswith("\n"):
        raise LogError("expected a checkpoint ending in a newline, found none", where=where)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise LogError(
            f"expected at least 3 lines (origin, size, root hash), found {len(lines)}",
            where=where,
        )
    for n, line in enumerate(lines, 1):
        if not line:
            raise LogError(f"expected a non-empty line {n}, found an empty one", where=where)
    origin, size_text, root64, *extensions = lines
    # (the length first: int() refuses strings of over 4,300 digits with a ValueError)
    if not _DECIMAL.fullmatch(size_text) or len(size_text) > 20 or int(size_text) > MAX_SIZE:
        raise LogError(
            f"expected the tree size in decimal without leading zeros, found {shown(size_text)}",
            where=where,
        )
    root = b64decode_strict(root64, "checkpoint root hash", where)
    if len(root) != HASH_SIZE:
        raise LogError(
            f"expected a {HASH_SIZE}-byte root hash, found {len(root)} bytes", where=where
        )
    try:
        return Checkpoint(origin, int(size_text), root, tuple(extensions))
    except LogError as exc:
        raise LogError(exc.message, where=where) from None


def check_origin(origin: str) -> None:
    """The origin of a log pithgen signs: what the spec recommends (a schema-less URL, no
    Unicode space, no '+'), since it also names the log's key."""
    if "://" in origin or origin.endswith("/"):
        raise LogError(
            f"expected a log origin without scheme or trailing '/', like "
            f"'example.org/mirror/log', found {origin!r}"
        )
    check_key_name(origin)


def origin_from_url(url: str) -> str:
    """The default origin of a log served at ``url`` (its prefix, the folder holding
    ``checkpoint``): the URL without scheme and trailing slashes, host in lowercase."""
    match = _URL.fullmatch(url.strip())
    if match is None:
        raise LogError(
            f"cannot derive a log origin from {url!r}: expected an http(s) URL without query "
            "or fragment; configure the origin explicitly"
        )
    host, path = match.groups()
    origin = (host.lower() + (path or "")).rstrip("/")
    check_origin(origin)
    return origin


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose note verified under a trusted key: the checkpoint, the opened
    note (which keys signed it) and the note text exactly as read."""

    checkpoint: Checkpoint
    note: OpenedNote
    text: str


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The signed checkpoint note of a log pithgen keeps, signed under its origin."""
    check_origin(checkpoint.origin)
    if signer.name != checkpoint.origin:
        raise LogError(
            f"a log's key is named by its origin: expected key name {checkpoint.origin!r}, "
            f"found {signer.name!r}"
        )
    return sign_note(checkpoint.text(), [signer])


def open_checkpoint(
    data: bytes | str,
    verifiers: Iterable[NoteVerifier],
    origin: str | None = None,
    where: str | None = None,
) -> SignedCheckpoint:
    """Verify a signed checkpoint (signature by a trusted key, then the body) and, when
    ``origin`` is given, that it is that log's checkpoint."""
    note = open_note(data, verifiers, where)
    checkpoint = parse_checkpoint(note.text, where)
    if origin is not None and checkpoint.origin != origin:
        raise LogError(
            f"expected a checkpoint of log {origin!r}, found one of {checkpoint.origin!r}",
            where=where,
        )
    text = data if isinstance(data, str) else data.decode("utf-8")
    return SignedCheckpoint(checkpoint, note, text)


__all__ = [
    "MAX_SIZE",
    "Checkpoint",
    "SignedCheckpoint",
    "check_origin",
    "open_checkpoint",
    "origin_from_url",
    "parse_checkpoint",
    "sign_checkpoint",
]
