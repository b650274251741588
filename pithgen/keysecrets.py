"""Secret material in a key document: where a would-be public key document leaks a private key.

A document passed with ``--trust-key`` is published on the site (its public fields), so one
that carries a private key is refused like a private key file (:func:`pithgen.keys.
key_from_dict`), whatever the field is called. Two tests, at any depth of the document:

- a name that looks secret: a JWK private member (RFC 7518: ``d``, ``p``, ``q``, ``dp``,
  ``dq``, ``qi``, ``oth``; ``k`` of a symmetric key) by its exact name (any case), or any
  name with a word (split at ``_ - .``, spaces and camelCase) in :data:`SECRET_WORDS` or
  starting with ``private`` or ``secret`` (``private_key_hex``, ``privateKey``,
  ``secretKey``, ``seed``, ``ed25519_sk``, ...);
- a value that *is* the key's private seed: a string that reads as hex or (url-safe,
  padded or not) base64 of 32 bytes (a seed) or 64 bytes (seed || public key, libsodium's
  layout) and derives the document's public key.

Only the names are reported, never a value.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

JWK_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
SECRET_WORDS = frozenset(
    {"priv", "privkey", "seed", "sk", "seckey", "mnemonic", "passphrase", "password"}
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _looks_secret(name: str) -> bool:
    if name.lower() in JWK_PRIVATE_MEMBERS:
        return True
    words = [w.lower() for w in _WORD.findall(name)]
    return any(w in SECRET_WORDS or w.startswith(("private", "secret")) for w in words)


def _as_bytes(value: str) -> bytes | None:
    """``value`` read as hex or (url-safe) base64, padded or not; None if neither."""
    if re.fullmatch(r"[0-9a-fA-F]+", value) and len(value) % 2 == 0:
        return bytes.fromhex(value)
    if re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", value):
        bare = value.rstrip("=").replace("+", "-").replace("/", "_")
        try:
            return base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
        except (binascii.Error, ValueError):
            return None
    return None


def _holds_seed_of(value: str, raw_public: bytes) -> bool:
    """Whether ``value`` is the 32-byte seed (or seed || public key) of ``raw_public``."""
    data = _as_bytes(value)
    if data is None or len(data) not in (32, 64):
        return False
    derived = Ed25519PrivateKey.from_private_bytes(data[:32]).public_key()
    return derived.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == (
        raw_public
    )


def secret_fields(doc: Any, raw_public: bytes | None = None, path: str = "") -> list[str]:
    """Where ``doc`` carries secret material: names that look secret (see above) at any
    depth, and, given the public key, any string that is its private seed, whatever its
    name. Only names are returned: a secret value is never echoed."""
    found: list[str] = []
    items = (
        doc.items() if isinstance(doc, dict) else enumerate(doc if isinstance(doc, list) else [])
    )
    for name, value in items:
        where = f"{path}.{name}" if path else str(name)
        if isinstance(name, str) and _looks_secret(name):
            found.append(where)
        elif isinstance(value, (dict, list)):
            found.extend(secret_fields(value, raw_public, where))
        elif (
            raw_public is not None and isinstance(value, str) and _holds_seed_of(value, raw_public)
        ):
            found.append(where)
    return found


__all__ = ["JWK_PRIVATE_MEMBERS", "SECRET_WORDS", "secret_fields"]
