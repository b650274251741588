"""The receipt check (spec section 4): trusted key, fingerprint, strict base64, and an
Ed25519 signature over the 32 digest bytes by pithgen's one strict rule
(:mod:`pithgen.ed25519`), whose reason for a refusal is reported."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from pithgen import ed25519
from pithgen.checks import Checks, shown, type_name
from pithgen.keys import KeyRing

B64_RE = re.compile(r"[A-Za-z0-9+/]{86}==")
# The two messages below that name a key, read back by the build's summary to group the
# failures that share one cause (:mod:`pithgen.causes`). Only a key id that passes the
# key-id grammar is read back: anything else stays a plain failure of its check.
_KEY_ID = r"([A-Za-z0-9][A-Za-z0-9._-]{0,127})"
_UNTRUSTED = re.compile(r"key_id: expected a trusted key id \([^)]*\), found '" + _KEY_ID + "'$")
_OTHER_KEY = re.compile(r"public_key_fingerprint: expected [0-9a-f]+ \(key " + _KEY_ID + r"\)")


def untrusted_key_id(message: str) -> str | None:
    """The key id a ``receipt_key`` failure names as not trusted, or None."""
    found = _UNTRUSTED.search(message)
    return found.group(1) if found else None


def mismatched_key_id(message: str) -> str | None:
    """The trusted key id whose fingerprint a ``receipt_fingerprint`` failure contradicts,
    or None."""
    found = _OTHER_KEY.search(message)
    return found.group(1) if found else None


def check_receipt(
    receipt: Any, digest: str, keys: KeyRing, out: Checks, where: str = "receipt"
) -> str | None:
    """Spec section 4. Returns the key id when the signature verified."""
    if not isinstance(receipt, dict):
        out.fail("receipt_key", f"'{where}': expected a receipt object, found {type_name(receipt)}")
        return None
    key_id = receipt.get("key_id")
    key = keys.get(key_id) if isinstance(key_id, str) else None
    if key is None:
        trusted = ", ".join(k.key_id for k in keys) or "none"
        out.fail(
            "receipt_key",
            f"{where}.key_id: expected a trusted key id ({trusted}), found {shown(key_id)}",
        )
        return None
    out.ok("receipt_key", f"key id {key_id} is trusted ({key.origin})")
    algorithm = receipt.get("algorithm", "ed25519")
    message = receipt.get("signed_message", "canonical_sha256_bytes")
    stated_digest = receipt.get("canonical_sha256", digest)
    if algorithm != "ed25519" or message != "canonical_sha256_bytes" or stated_digest != digest:
        out.fail(
            "receipt_signature",
            f"{where}: expected algorithm 'ed25519' over "
            f"'canonical_sha256_bytes' of {digest}, found {shown(algorithm)} over {shown(message)} "
            f"of {shown(stated_digest)}",
        )
        return None
    stated_fp = receipt.get("public_key_fingerprint")
    if stated_fp is None:
        out.warn("receipt_fingerprint", f"{where} has no public_key_fingerprint")
    elif stated_fp != key.fingerprint:
        out.fail(
            "receipt_fingerprint",
            f"{where}.public_key_fingerprint: expected "
            f"{key.fingerprint} (key {key_id}), found {shown(stated_fp)}",
        )
        return None
    else:
        out.ok("receipt_fingerprint", f"fingerprint {stated_fp} matches key {key_id}")
    encoded = receipt.get("signature_b64")
    try:
        if not isinstance(encoded, str) or not B64_RE.fullmatch(encoded):
            raise ValueError
        signature = base64.b64decode(encoded, validate=True)
        if base64.b64encode(signature).decode("ascii") != encoded:
            raise ValueError
    except (ValueError, binascii.Error):
        out.fail(
            "receipt_encoding",
            f"{where}.signature_b64: expected strict standard base64 of "
            f"a 64-byte signature, found {shown(encoded)}",
        )
        return None
    out.ok("receipt_encoding", f"{where}.signature_b64 is strict base64 of 64 bytes")
    verdict = ed25519.verify(key.raw, signature, bytes.fromhex(digest))
    if not verdict.valid:
        out.fail(
            "receipt_signature",
            f"{where}.signature_b64: Ed25519 signature does not verify "
            f"over the 32 digest bytes of {digest} under key {key_id}: {verdict.reason}",
        )
        return None
    out.ok(
        "receipt_signature",
        f"Ed25519 signature valid under {key_id} (fingerprint {key.fingerprint})",
    )
    return key_id
