"""Trusted Ed25519 keys: Pith's built-in key, key documents, key generation.

A key document has the shape of Pith's published ``pith-signing-key.json``::

    {"algorithm": "ed25519", "format": "raw", "key_id": "...", "public_key_hex": "...",
     "public_key_b64": "...", "fingerprint_sha256_hex": "...",
     "fingerprint_sha256_b32_first128bits": "...", "rotates_at": null, "signer_id": "..."}

``public_key_fingerprint`` in a receipt is the hex of the first 16 bytes of
sha256(raw public key); the ``b32`` fingerprint is the first 26 base32 characters of that
sha256 (spec section 4).

A key document is refused (:class:`KeyFileError`, exit 2, naming the document and why)
when its key is weak by pithgen's one Ed25519 rule (:mod:`pithgen.ed25519`: small order,
non-canonical, not on the curve), when ``public_key_hex`` is anything but exactly 64 hex
digits (``[0-9a-fA-F]{64}``: no spaces, no ``0x``) or ``public_key_b64`` is not canonical
base64 of 32 bytes, and when it carries secret material (:mod:`pithgen.keysecrets`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pithgen import ed25519
from pithgen.canonical import b32_26
from pithgen.errors import KeyFileError
from pithgen.keysecrets import secret_fields
from pithgen.layout import reserved_name
from pithgen.strictjson import JSONDefect, parse_document

DEFAULT_KEY_ID = "pith-v1-2026-05"
# What a published key document may carry (Pith's pith-signing-key.json has exactly these).
PUBLIC_FIELDS = frozenset(
    {
        "algorithm",
        "format",
        "key_id",
        "public_key_hex",
        "public_key_b64",
        "fingerprint_sha256_hex",
        "fingerprint_sha256_b32_first128bits",
        "rotates_at",
        "signer_id",
        "url",
    }
)
_BUILTIN_KEY_FILES = ("pith-v1-2026-05.json",)
# A key id names files (KEY_ID.json beside a key pair, keys/KEY_ID.json in the site).
KEY_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def check_key_id(key_id: str, where: str | None) -> None:
    """The one rule for a key id, applied wherever one enters pithgen (``keys generate
    --key-id``, the key file ``mint`` signs with, key documents trusted by ``verify``,
    ``build`` and ``serve``): 1 to 128 letters, digits, '.', '_' or '-', starting with a
    letter or digit, not ending with '.', and no name Windows reserves for a device
    (``con``, ``NUL.json``, ``com1``...), because it names files (``KEY_ID.json``, and
    ``keys/KEY_ID.json`` in a site copied anywhere). Raises :class:`KeyFileError` naming
    ``where``."""
    if not KEY_ID_RE.fullmatch(key_id) or key_id.endswith("."):
        raise KeyFileError(
            f"key id {key_id!r} cannot name a file: expected 1 to 128 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit and not ending with '.'",
            where=where,
        )
    if reserved_name(key_id):
        raise KeyFileError(
            f"key id {key_id!r} cannot name a file: {key_id.split('.', 1)[0]!r} is a device "
            "name on Windows (con, prn, aux, nul, com1-com9, lpt1-lpt9, in any case and "
            "with any extension)",
            where=where,
        )


_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def _refuse_secrets(found: list[str], where: str) -> None:
    if found:
        raise KeyFileError(
            f"expected a public key document, found secret material of a PRIVATE key (in "
            f"{found}); pass the public document written beside it (KEY_ID.json), and keep "
            "the private one secret",
            where=where,
        )


def fingerprint_hex(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).digest()[:16].hex()


def fingerprint_b32(raw_public_key: bytes) -> str:
    return b32_26(hashlib.sha256(raw_public_key).digest())


@dataclass(frozen=True)
class TrustedKey:
    """One Ed25519 public key pithgen trusts, with where it came from."""

    key_id: str
    raw: bytes
    origin: str
    signer_id: str | None = None
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint_hex(self.raw)

    def verify(self, signature: bytes, message: bytes) -> bool:
        """By pithgen's one Ed25519 rule (:func:`pithgen.ed25519.verify`)."""
        return ed25519.verify(self.raw, signature, message).valid

    def to_dict(self) -> dict[str, Any]:
        """The public key document: the public fields the original carried (a whitelist:
        nothing else from a key file is ever published) and the derived ones."""
        doc = {k: v for k, v in self.document.items() if k in PUBLIC_FIELDS}
        doc.update(
            {
                "algorithm": "ed25519",
                "format": "raw",
                "key_id": self.key_id,
                "public_key_hex": self.raw.hex(),
                "public_key_b64": base64.b64encode(self.raw).decode("ascii"),
                "fingerprint_sha256_hex": self.fingerprint,
                "fingerprint_sha256_b32_first128bits": fingerprint_b32(self.raw),
            }
        )
        doc.setdefault("rotates_at", None)
        if self.signer_id is not None:
            doc["signer_id"] = self.signer_id
        return doc


def key_from_dict(doc: Any, origin: str, *, where: str | None = None) -> TrustedKey:
    """Parse and check a key document; every inconsistency is a :class:`KeyFileError`.

    ``origin`` is how the key is named in reports and on the site (no machine paths);
    ``where`` is where errors point (defaults to ``origin``).
    """
    where = where or origin
    _refuse_secrets(secret_fields(doc), where)
    if not isinstance(doc, dict):
        raise KeyFileError(
            f"expected a JSON object (key document), found {type(doc).__name__}", where=where
        )
    key_id = doc.get("key_id")
    if not isinstance(key_id, str) or not key_id.strip():
        raise KeyFileError(f"expected a non-empty string 'key_id', found {key_id!r}", where=where)
    check_key_id(key_id, where)
    algorithm = doc.get("algorithm", "ed25519")
    if algorithm != "ed25519":
        raise KeyFileError(f"expected algorithm 'ed25519', found {algorithm!r}", where=where)
    raws: list[bytes] = []
    hex_value = doc.get("public_key_hex")
    if hex_value is not None:
        if not isinstance(hex_value, str) or len(hex_value) != 64:
            raise KeyFileError(
                f"expected 64 hex characters in 'public_key_hex', found {hex_value!r}", where=where
            )
        if not _HEX64.fullmatch(hex_value):
            raise KeyFileError(
                f"'public_key_hex' is not hex (only 0-9, a-f, A-F; no spaces): {hex_value!r}",
                where=where,
            )
        raws.append(bytes.fromhex(hex_value))
    b64_value = doc.get("public_key_b64")
    if b64_value is not None:
        try:
            decoded = base64.b64decode(str(b64_value), validate=True)
            if base64.b64encode(decoded).decode("ascii") != b64_value:
                raise ValueError
        except (binascii.Error, ValueError):
            raise KeyFileError(
                f"'public_key_b64' is not base64 (strict and canonical): {b64_value!r}", where=where
            ) from None
        if len(decoded) != 32:
            raise KeyFileError(
                f"expected a 32-byte key in 'public_key_b64', found {len(decoded)} bytes",
                where=where,
            )
        raws.append(decoded)
    if not raws:
        raise KeyFileError(
            "expected 'public_key_hex' or 'public_key_b64', found neither", where=where
        )
    if len(set(raws)) != 1:
        raise KeyFileError("'public_key_hex' and 'public_key_b64' name different keys", where=where)
    raw = raws[0]
    weak = ed25519.check_public_key(raw)
    if weak is not None:
        raise KeyFileError(
            f"refused key {key_id!r}: {weak} (pithgen's strict Ed25519 rule)", where=where
        )
    _refuse_secrets(secret_fields(doc, raw), where)
    for name, derived in (
        ("fingerprint_sha256_hex", fingerprint_hex(raw)),
        ("fingerprint_sha256_b32_first128bits", fingerprint_b32(raw)),
    ):
        stated = doc.get(name)
        if stated is not None and stated != derived:
            raise KeyFileError(
                f"'{name}' does not match the key: expected {derived}, found {stated!r}",
                where=where,
            )
    signer = doc.get("signer_id")
    return TrustedKey(
        key_id=key_id,
        raw=raw,
        origin=origin,
        signer_id=signer if isinstance(signer, str) else None,
        document=doc,
    )


def load_key_file(path: Path) -> TrustedKey:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read key document: {exc}", where=str(path)) from None
    try:
        doc = parse_document(text.encode("utf-8"))
    except JSONDefect as exc:
        raise KeyFileError(
            f"expected a JSON key document, found invalid JSON ({exc})", where=str(path)
        ) from None
    return key_from_dict(doc, f"key document {path.name}", where=str(path))


def builtin_keys() -> list[TrustedKey]:
    """Pith's published key(s), shipped inside the package."""
    out = []
    for name in _BUILTIN_KEY_FILES:
        text = resources.files("pithgen").joinpath("keys", name).read_text(encoding="utf-8")
        out.append(key_from_dict(json.loads(text), f"built-in:{name}"))
    return out


class KeyRing:
    """The keys a run trusts, by ``key_id``. Two different keys under one id are refused,
    and so are two ids that differ only in case (``keys/Reg.json`` and ``keys/reg.json``
    would be one file on a case-insensitive file system)."""

    def __init__(self, keys: Iterable[TrustedKey] = ()) -> None:
        self._keys: dict[str, TrustedKey] = {}
        self._folded: dict[str, TrustedKey] = {}  # by casefold()ed key id
        for key in keys:
            self.add(key)

    def add(self, key: TrustedKey) -> None:
        other = self._folded.get(key.key_id.casefold())
        if other is not None and other.key_id != key.key_id:
            raise KeyFileError(
                f"key id {key.key_id!r} differs only in case from the trusted key id "
                f"{other.key_id!r} (from {other.origin}); their key documents would be "
                "one file on a case-insensitive file system: rename one",
                where=key.origin,
            )
        known = self._keys.get(key.key_id)
        if known is not None and known.raw != key.raw:
            raise KeyFileError(
                f"key id {key.key_id!r} is already trusted with a different key "
                f"(from {known.origin})",
                where=key.origin,
            )
        if known is None:
            self._keys[key.key_id] = key
            self._folded[key.key_id.casefold()] = key

    def get(self, key_id: str) -> TrustedKey | None:
        return self._keys.get(key_id)

    def __iter__(self) -> Iterator[TrustedKey]:
        return iter(sorted(self._keys.values(), key=lambda k: k.key_id))

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def build(cls, extra_files: Iterable[Path] = (), *, default_keys: bool = True) -> KeyRing:
        ring = cls(builtin_keys() if default_keys else ())
        for path in extra_files:
            ring.add(load_key_file(path))
        return ring


# --- signing keys (for minting) ----------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """A private key for minting; its public key always passes pithgen's Ed25519 rule."""

    key_id: str
    private: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        check_key_id(self.key_id, None)
        weak = ed25519.check_public_key(self.public_raw)
        if weak is not None:  # impossible for a real Ed25519 key; checked all the same
            raise KeyFileError(f"refused signing key {self.key_id!r}: {weak}")

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def public(self, origin: str = "generated", signer_id: str | None = None) -> TrustedKey:
        return TrustedKey(self.key_id, self.public_raw, origin, signer_id)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    @property
    def seed(self) -> bytes:
        """The 32-byte private seed (what a private key document holds)."""
        return self.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    def private_document(self) -> dict[str, Any]:
        seed = self.seed
        return {
            "algorithm": "ed25519",
            "format": "raw",
            "key_id": self.key_id,
            "private_key_hex": seed.hex(),
            "public_key_hex": self.public_raw.hex(),
        }

    @classmethod
    def from_seed(cls, key_id: str, seed: bytes) -> SigningKey:
        return cls(key_id, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def generate(cls, key_id: str) -> SigningKey:
        return cls(key_id, Ed25519PrivateKey.generate())


def load_signing_key(path: Path) -> SigningKey:
    try:
        doc = parse_document(path.read_bytes())
    except (OSError, JSONDefect) as exc:
        raise KeyFileError(f"cannot read private key document: {exc}", where=str(path)) from None
    if not isinstance(doc, dict):
        raise KeyFileError("expected a JSON object", where=str(path))
    key_id, seed_hex = doc.get("key_id"), doc.get("private_key_hex")
    if not isinstance(key_id, str) or not key_id:
        raise KeyFileError(f"expected a string 'key_id', found {key_id!r}", where=str(path))
    check_key_id(key_id, str(path))
    if not isinstance(seed_hex, str) or not _HEX64.fullmatch(seed_hex):
        raise KeyFileError("expected 64 hex characters in 'private_key_hex'", where=str(path))
    try:
        key = SigningKey.from_seed(key_id, bytes.fromhex(seed_hex))
    except ValueError as exc:
        raise KeyFileError(f"bad private key: {exc}", where=str(path)) from None
    stated_public = doc.get("public_key_hex")
    if stated_public is not None and stated_public != key.public_raw.hex():
        raise KeyFileError("'public_key_hex' does not match the private key", where=str(path))
    return key


def write_key_pair(
    key: SigningKey, out_dir: Path, signer_id: str | None = None
) -> tuple[Path, Path]:
    """Write ``{key_id}.private.json`` (mode 0600) and ``{key_id}.json`` (public document)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path = out_dir / f"{key.key_id}.private.json"
    public_path = out_dir / f"{key.key_id}.json"
    for path in (private_path, public_path):
        if path.exists():
            raise KeyFileError("refusing to overwrite an existing key file", where=str(path))
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(key.private_document(), indent=2, sort_keys=True) + "\n")
    os.chmod(private_path, 0o600)
    public_doc = key.public(str(public_path), signer_id).to_dict()
    public_path.write_text(
        json.dumps(public_doc, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return private_path, public_path


__all__ = [
    "DEFAULT_KEY_ID",
    "KeyRing",
    "SigningKey",
    "TrustedKey",
    "builtin_keys",
    "fingerprint_b32",
    "fingerprint_hex",
    "key_from_dict",
    "load_key_file",
    "load_signing_key",
    "write_key_pair",
]
