"""The entry pithgen logs for each published file (PITHGEN RULE, spec section 8).

A log entry names one published JSON file of a mirror by what it is, not where it is::

    pithgen-log-entry/v1
    kind record
    pith-number pith:2018:M4NI2KXAZCOWQTM4MGTRDHNEU2
    canonical-sha256 671a8d2ae0c89d684d9c61a7119da4a6b56528964dfb179af3b093ddce1781a0
    json-sha256 <64 lowercase hex: SHA-256 of the exact bytes of the published file>

Exactly these five lines, in this order, each ``name value`` with one space and ending in a
newline (LF), ASCII only, no other whitespace:

1. ``pithgen-log-entry/v1``: the format and its version. Another format gets another line.
2. ``kind``: which file of the record: ``record`` (the record document), ``bundle`` (its
   open-graph bundle) or ``state`` (its merged state).
3. ``pith-number``: ``pith:YYYY:SUFFIX``; the 26-character suffix must be the first 26
   base32 characters of the canonical SHA-256 (spec section 3), checked when parsing.
4. ``canonical-sha256``: the record's canonical SHA-256 (spec section 1), lowercase hex.
5. ``json-sha256``: SHA-256 of the published JSON file's bytes exactly as served, lowercase
   hex, so the log pins the file itself and not only the record it carries.

The leaf hash of the entry is ``SHA-256(0x00 || entry bytes)`` (RFC 6962). One spelling per
entry: parsing refuses anything :meth:`LogEntry.encode` would not write, so equal entries
have equal bytes and equal leaves.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from pithgen.canonical import suffix_for
from pithgen.errors import LogError

FORMAT_LINE = "pithgen-log-entry/v1"
KINDS = ("record", "bundle", "state")
FIELDS = ("kind", "pith-number", "canonical-sha256", "json-sha256")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_PITH_NUMBER = re.compile(r"pith:[0-9]{4}:([A-Z2-7]{26})")


@dataclass(frozen=True)
class LogEntry:
    """One logged file: its kind, its record's Pith Number and canonical SHA-256, and the
    SHA-256 of its exact published bytes."""

    kind: str
    pith_number: str
    canonical_sha256: str
    json_sha256: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LogError(f"expected a kind among {', '.join(KINDS)}, found {self.kind!r}")
        for name, value in (
            ("canonical-sha256", self.canonical_sha256),
            ("json-sha256", self.json_sha256),
        ):
            if not _HEX64.fullmatch(value):
                raise LogError(f"{name}: expected 64 lowercase hex digits, found {value!r}")
        match = _PITH_NUMBER.fullmatch(self.pith_number)
        if match is None:
            raise LogError(
                f"expected a Pith Number pith:YYYY:<26 base32 characters>, found "
                f"{self.pith_number!r}"
            )
        suffix = suffix_for(self.canonical_sha256)
        if match.group(1) != suffix:
            raise LogError(
                f"the Pith Number does not name the canonical SHA-256: expected suffix "
                f"{suffix}, found {match.group(1)}"
            )

    @classmethod
    def for_file(
        cls, kind: str, pith_number: str, canonical_sha256: str, published: bytes
    ) -> LogEntry:
        """The entry of a published file, from its exact bytes."""
        return cls(kind, pith_number, canonical_sha256, hashlib.sha256(published).hexdigest())

    def encode(self) -> bytes:
        """The entry's bytes, as logged."""
        values = (self.kind, self.pith_number, self.canonical_sha256, self.json_sha256)
        lines = [
            FORMAT_LINE,
            *(f"{name} {value}" for name, value in zip(FIELDS, values, strict=True)),
        ]
        return "".join(line + "\n" for line in lines).encode("ascii")

    def matches(self, published: bytes) -> bool:
        """Whether ``published`` are the exact bytes this entry logged."""
        return hashlib.sha256(published).hexdigest() == self.json_sha256


def parse_entry(data: bytes, where: str | None = None) -> LogEntry:
    """The entry of logged bytes, refusing any other spelling than :meth:`LogEntry.encode`'s."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise LogError(
            f"expected an ASCII log entry, found byte 0x{data[exc.start]:02x} at {exc.start}",
            where=where,
        ) from None
    if not text.endswith("\n"):
        raise LogError("expected a log entry ending in a newline", where=where)
    lines = text[:-1].split("\n")
    if lines[0] != FORMAT_LINE:
        raise LogError(f"expected the first line {FORMAT_LINE!r}, found {lines[0]!r}", where=where)
    if len(lines) != 1 + len(FIELDS):
        raise LogError(f"expected {1 + len(FIELDS)} lines, found {len(lines)}", where=where)
    values: list[str] = []
    for name, line in zip(FIELDS, lines[1:], strict=True):
        found, space, value = line.partition(" ")
        if found != name or not space:
            raise LogError(f"expected a line '{name} <value>', found {line!r}", where=where)
        values.append(value)
    try:
        return LogEntry(*values)
    except LogError as exc:
        raise LogError(exc.message, where=where) from None


__all__ = ["FIELDS", "FORMAT_LINE", "KINDS", "LogEntry", "parse_entry"]
