"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, verified by pithgen's one rule.

A signed note is a text ending in a newline, a blank line, then one or more signature lines
``— <key name> <base64(4-byte key id || signature)>`` (em dash U+2014, space). The whole note
is UTF-8 with no ASCII control character but the newline; the signed message is the text
including its final newline, without the blank line. The text is split from the signatures
at the *last* blank line, so the text itself may hold blank lines.

A key is named (a schema-less URL, for a log its origin: non-empty, no Unicode space, no
``+``) and identified by its key id, the first 4 bytes (big-endian) of
``SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)`` (0x01: the Ed25519
signature type). Its public form, the *verifier key* (``vkey``) of Go's
``golang.org/x/mod/sumdb/note``, is ``<name>+<8 hex key id>+<base64(0x01 || public key)>``.

Verification (:func:`open_note`) follows the spec: a signature whose (name, key id) pair is
not a trusted key is ignored (and reported as unknown); a signature by a trusted key must
verify, by :func:`pithgen.ed25519.verify` (so the verdict does not depend on a library), or
the whole note is refused; a note with no verified signature by a trusted key is refused,
naming the keys it was signed by. Up to 100 signatures are read (the spec asks for at
least 16), as Go's reference does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from pithgen import ed25519
from pithgen.errors import LogError
from pithgen.keys import SigningKey

SIGNATURE_TYPE_ED25519 = 0x01
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "\u2014 "  # em dash, space


def b64decode_strict(text: str, what: str, where: str | None = None) -> bytes:
    """Standard base64 (RFC 4648 section 4), padded and canonical: one spelling per value."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = None
    if raw is None or base64.b64encode(raw).decode("ascii") != text:
        raise LogError(f"{what}: expected standard padded base64, found {text!r}", where=where)
    return raw


def check_key_name(name: str, where: str | None = None) -> None:
    """A key name is non-empty, without Unicode spaces, '+' or control characters."""
    bad = [c for c in name if c.isspace() or c == "+" or ord(c) < 0x20 or c == "\x7f"]
    if not name or bad:
        raise LogError(
            f"expected a key name without spaces, '+' or control characters, found {name!r}",
            where=where,
        )


def key_id(name: str, public_key: bytes) -> int:
    """The note key id of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    data = name.encode("utf-8") + b"\n" + bytes([SIGNATURE_TYPE_ED25519]) + public_key
    return int.from_bytes(hashlib.sha256(data).digest()[:4], "big")


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 note key: its name, key id and raw public key."""

    name: str
    key_id: int
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        weak = ed25519.check_public_key(self.public_key)
        if weak is not None:
            raise LogError(f"refused note key {self.name!r}: {weak} (pithgen's Ed25519 rule)")
        expected = key_id(self.name, self.public_key)
        if self.key_id != expected:
            raise LogError(
                f"key id of {self.name!r}: expected {expected:08x}, found {self.key_id:08x}"
            )

    @classmethod
    def for_key(cls, name: str, public_key: bytes) -> NoteVerifier:
        return cls(name, key_id(name, public_key), public_key)

    @classmethod
    def parse(cls, vkey: str, where: str | None = None) -> NoteVerifier:
        """A verifier key ``<name>+<hex key id>+<base64(0x01 || key)>``, strictly."""
        parts = vkey.split("+", 2)
        if len(parts) != 3 or not parts[0]:
            raise LogError(
                f"expected a verifier key <name>+<key id>+<base64 key>, found {vkey!r}",
                where=where,
            )
        name, hex_id, key64 = parts
        check_key_name(name, where)
        if len(hex_id) != 8 or any(c not in "0123456789abcdefABCDEF" for c in hex_id):
            raise LogError(f"expected an 8-hex-digit key id, found {hex_id!r}", where=where)
        raw = b64decode_strict(key64, "verifier key", where)
        if not raw or raw[0] != SIGNATURE_TYPE_ED25519:
            found = f"0x{raw[0]:02x}" if raw else "nothing"
            raise LogError(
                f"expected signature type 0x01 (Ed25519) in the verifier key, found {found}",
                where=where,
            )
        if len(raw) != 33:
            raise LogError(
                f"expected a 32-byte Ed25519 key in the verifier key, found {len(raw) - 1} bytes",
                where=where,
            )
        try:
            return cls(name, int(hex_id, 16), raw[1:])
        except LogError as exc:
            raise LogError(exc.message, where=where) from None

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([SIGNATURE_TYPE_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> ed25519.SignatureVerdict:
        return ed25519.verify(self.public_key, signature, message)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key's name and id, and the Ed25519 signature bytes."""

    name: str
    key_id: int
    signature: bytes

    @property
    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"

    @property
    def key(self) -> str:
        """How the key is named in messages: ``name+keyid``, as Go's reference names it."""
        return f"{self.name}+{self.key_id:08x}"


@dataclass(frozen=True)
class NoteSigner:
    """A pithgen signing key used under a note key name (for a log: its origin)."""

    name: str
    key: SigningKey

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @cached_property
    def verifier(self) -> NoteVerifier:
        """The verifier of this key (checked once per signer: a log signs one checkpoint
        per proof file)."""
        return NoteVerifier.for_key(self.name, self.key.public_raw)

    def sign(self, text: str) -> NoteSignature:
        signature = self.key.sign(text.encode("utf-8"))
        return NoteSignature(self.name, self.verifier.key_id, signature)


@dataclass(frozen=True)
class Note:
    """A parsed, not yet verified, note: its text and its signatures in order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def format(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)


@dataclass(frozen=True)
class OpenedNote:
    """A note with at least one verified signature by a trusted key."""

    text: str
    verified: tuple[NoteSignature, ...]
    unknown: tuple[NoteSignature, ...]


def check_text(text: str, where: str | None = None) -> None:
    """A note text: non-empty, ending in a newline, no control character but the newline."""
    if not text.endswith("\n"):
        raise LogError("expected a note text ending in a newline", where=where)
    for n, c in enumerate(text):
        if ord(c) < 0x20 and c != "\n":
            raise LogError(
                f"expected no control character but newline, found {c!r} at character {n}",
                where=where,
            )


def _as_text(data: bytes | str, where: str | None) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LogError(
            f"expected a UTF-8 signed note, found invalid byte at {exc.start}", where=where
        ) from None


def _parse_line(line: str, where: str | None) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise LogError(
            f"expected a signature line '\u2014 <name> <base64>', found {line!r}", where=where
        )
    name, _, blob64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
    check_key_name(name, where)
    blob = b64decode_strict(blob64, f"signature by {name}", where)
    if len(blob) < 5:
        raise LogError(
            f"signature by {name}: expected a 4-byte key id and a signature, found "
            f"{len(blob)} bytes",
            where=where,
        )
    return NoteSignature(name, int.from_bytes(blob[:4], "big"), blob[4:])


def parse_note(data: bytes | str, where: str | None = None) -> Note:
    """Split a signed note into its text and signature lines, refusing anything malformed."""
    note = _as_text(data, where)
    split = note.rfind("\n\n")
    if split < 0:
        raise LogError(
            "expected a note text, a blank line and signature lines, found no blank line",
            where=where,
        )
    text, block = note[: split + 1], note[split + 2 :]
    check_text(note, where)
    if not block:
        raise LogError("expected at least one signature line, found none", where=where)
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise LogError(
            f"expected at most {MAX_SIGNATURES} signatures, found {len(lines)}", where=where
        )
    return Note(text, tuple(_parse_line(line, where) for line in lines))


def sign_note(text: str, signers: Sequence[NoteSigner], keep: Sequence[NoteSignature] = ()) -> str:
    """The signed note of ``text``: the signatures in ``keep`` (those not by one of the
    signers' keys), then one signature per signer, in order."""
    check_text(text)
    if not signers and not keep:
        raise LogError("expected at least one signer for a note, found none")
    mine = [signer.sign(text) for signer in signers]
    replaced = {(s.name, s.key_id) for s in mine}
    kept = [s for s in keep if (s.name, s.key_id) not in replaced]
    return Note(text, tuple(kept + mine)).format()


def open_note(
    data: bytes | str, verifiers: Iterable[NoteVerifier], where: str | None = None
) -> OpenedNote:
    """Parse a signed note and check it against the trusted ``verifiers``."""
    note = parse_note(data, where)
    known: dict[tuple[str, int], NoteVerifier] = {}
    for verifier in verifiers:
        other = known.setdefault((verifier.name, verifier.key_id), verifier)
        if other.public_key != verifier.public_key:
            raise LogError(
                f"ambiguous trusted keys: two keys named {verifier.name}+{verifier.key_id:08x}",
                where=where,
            )
    message = note.text.encode("utf-8")
    verified: list[NoteSignature] = []
    unknown: list[NoteSignature] = []
    for signature in note.signatures:
        trusted = known.get((signature.name, signature.key_id))
        if trusted is None:
            if signature not in unknown:
                unknown.append(signature)
            continue
        verdict = trusted.verify(message, signature.signature)
        if not verdict.valid:
            raise LogError(
                f"the signature by key {signature.key} does not verify: {verdict.reason}",
                where=where,
            )
        if signature not in verified:
            verified.append(signature)
    if not verified:
        expected = ", ".join(sorted(f"{n}+{i:08x}" for n, i in known)) or "none"
        found = ", ".join(s.key for s in unknown)
        raise LogError(
            f"no signature by a trusted key: expected one by {expected}, found signatures by "
            f"unknown keys {found}",
            where=where,
        )
    return OpenedNote(note.text, tuple(verified), tuple(unknown))


__all__ = [
    "MAX_SIGNATURES",
    "SIGNATURE_TYPE_ED25519",
    "Note",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "OpenedNote",
    "b64decode_strict",
    "check_key_name",
    "check_text",
    "key_id",
    "open_note",
    "parse_note",
    "sign_note",
]
