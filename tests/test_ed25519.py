"""pithgen's one Ed25519 rule (pithgen.ed25519) and the key-document checks built on it.

The rule's expected verdict on each C2SP CCTV vector (tests/fixtures/cctv-ed25519, flags
defined in that repository's ed25519/README.md) follows from the flags: a vector verifies
iff it has none of REFUSING_FLAGS. ``low_order_component_*`` alone (a point with a torsion
*and* a prime-order part) is accepted when its torsion parts cancel, which is exactly what
``low_order_residue`` says they do not; ``reencoded_k`` only occurs with a non-canonical
point, refused anyway.

Independent arithmetic (a few lines of affine Edwards addition, below) checks the rule's
constants and shows that the refused "identity R" signature does satisfy the equation: it is
the rule, not the math, that refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pithgen import ed25519
from pithgen.cli import main
from pithgen.ed25519 import SMALL_ORDER_Y, Y8, D, L, P, check_public_key
from pithgen.errors import KeyFileError
from pithgen.keys import (
    PUBLIC_FIELDS,
    KeyRing,
    SigningKey,
    TrustedKey,
    key_from_dict,
    load_key_file,
)

FIXTURES = Path(__file__).parent / "fixtures"
VECTORS: list[dict[str, Any]] = json.loads(
    (FIXTURES / "cctv-ed25519" / "ed25519vectors.json").read_text(encoding="utf-8")
)
REFUSING_FLAGS = {
    "low_order_A",
    "low_order_R",
    "non_canonical_A",
    "non_canonical_R",
    "low_order_residue",
}
WEAK_KEY_FLAGS = {"low_order_A", "non_canonical_A"}
SEED = FIXTURES / "seed-record-4FP6Z27B.json"
TEST_SEED = bytes(range(32))
IDENTITY = (1).to_bytes(32, "little")
ORDER_2 = (P - 1).to_bytes(32, "little")
ORDER_4 = bytes(32)  # y = 0
NON_CANONICAL_IDENTITY = (P + 1).to_bytes(32, "little")  # y = p + 1
NEGATIVE_ZERO_IDENTITY = (1 + (1 << 255)).to_bytes(32, "little")  # x = -0

# RFC 8032 section 7.1, TEST 2 (a one-byte message).
RFC_PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
RFC_MESSAGE = bytes.fromhex("72")
RFC_SIGNATURE = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
)


def _flags(vector: dict[str, Any]) -> set[str]:
    return set(vector["flags"] or ())


# --- independent Edwards arithmetic (affine, -x^2 + y^2 = 1 + d x^2 y^2) ----------------

Point = tuple[int, int]
NEUTRAL: Point = (0, 1)


def _x_for(y: int, sign: int) -> int | None:
    xx = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(xx, (P + 3) // 8, P)
    if x * x % P != xx:
        x = x * pow(2, (P - 1) // 4, P) % P
    if x * x % P != xx:
        return None
    return P - x if (x & 1) != sign and x else x


def _decode(raw: bytes) -> Point:
    n = int.from_bytes(raw, "little")
    y = n & ((1 << 255) - 1)
    x = _x_for(y, n >> 255)
    assert x is not None
    return x, y


def _add(a: Point, b: Point) -> Point:
    t = D * a[0] * b[0] * a[1] * b[1] % P
    x = (a[0] * b[1] + b[0] * a[1]) * pow(1 + t, P - 2, P) % P
    y = (a[1] * b[1] + a[0] * b[0]) * pow(1 - t, P - 2, P) % P
    return x, y


def _mul(n: int, point: Point) -> Point:
    out = NEUTRAL
    while n:
        if n & 1:
            out = _add(out, point)
        point = _add(point, point)
        n >>= 1
    return out


BASE: Point = (_x_for(4 * pow(5, P - 2, P) % P, 0) or 0, 4 * pow(5, P - 2, P) % P)


def test_constants_by_independent_arithmetic() -> None:
    assert BASE[0] != 0 and _mul(L, BASE) == NEUTRAL and _mul(L - 1, BASE) != NEUTRAL
    # Every y the rule calls small-order is a point of the stated order, and these are all 8.
    points = []
    for y, what in SMALL_ORDER_Y.items():
        for sign in (0, 1):
            x = _x_for(y, sign)
            assert x is not None
            points.append((x, y))
            order = min(n for n in (1, 2, 4, 8) if _mul(n, (x, y)) == NEUTRAL)
            assert f"order {order}" in what
    assert len(set(points)) == 8


# --- the CCTV vectors --------------------------------------------------------------------


def test_the_fixture_is_complete() -> None:
    assert [v["number"] for v in VECTORS] == list(range(914))
    # Both verdicts occur, including accepted points with a small-order component.
    accepted = [v for v in VECTORS if not _flags(v) & REFUSING_FLAGS]
    assert accepted and len(accepted) < len(VECTORS)
    assert any("low_order_component_A" in _flags(v) for v in accepted)
    assert any("low_order_component_R" in _flags(v) for v in accepted)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"cctv-{v['number']}")
def test_cctv_vector_verdict(vector: dict[str, Any]) -> None:
    expected = not _flags(vector) & REFUSING_FLAGS
    verdict = ed25519.verify(
        bytes.fromhex(vector["key"]), bytes.fromhex(vector["sig"]), vector["msg"].encode()
    )
    assert verdict.valid is expected, (vector["flags"], verdict.reason)
    assert (verdict.reason is None) is expected


_KEYS = sorted({v["key"]: _flags(v) & WEAK_KEY_FLAGS for v in VECTORS}.items())


@pytest.mark.parametrize(("key_hex", "weak"), _KEYS, ids=[k for k, _ in _KEYS])
def test_cctv_key_loading_refuses_exactly_the_weak_keys(key_hex: str, weak: set[str]) -> None:
    doc = {"algorithm": "ed25519", "key_id": "cctv", "public_key_hex": key_hex}
    if not weak:
        assert check_public_key(bytes.fromhex(key_hex)) is None
        assert key_from_dict(doc, "cctv").raw == bytes.fromhex(key_hex)
        return
    with pytest.raises(KeyFileError) as info:
        key_from_dict(doc, "cctv", where="cctv.json")
    assert info.value.where == "cctv.json" and info.value.exit_code == 2
    word = "non-canonical" if "non_canonical_A" in weak else "small-order"
    assert word in info.value.message and "'cctv'" in info.value.message


# --- the rule on constructed signatures ----------------------------------------------------


def test_rfc8032_vector_is_accepted() -> None:
    assert ed25519.verify(RFC_PUBLIC, RFC_SIGNATURE, RFC_MESSAGE).valid
    assert TrustedKey("rfc", RFC_PUBLIC, "rfc").verify(RFC_SIGNATURE, RFC_MESSAGE)
    assert not ed25519.verify(RFC_PUBLIC, RFC_SIGNATURE, b"\x73").valid


def test_s_plus_l_is_refused() -> None:
    s = int.from_bytes(RFC_SIGNATURE[32:], "little")
    malleated = RFC_SIGNATURE[:32] + (s + L).to_bytes(32, "little")
    verdict = ed25519.verify(RFC_PUBLIC, malleated, RFC_MESSAGE)
    assert not verdict.valid
    assert verdict.reason == "non-canonical signature: S is not reduced modulo the group order L"


def _identity_r_signature(seed: bytes, message: bytes) -> tuple[bytes, bytes]:
    """What the real holder of ``seed`` can sign with R = identity: S = k*a mod L."""
    key = SigningKey.from_seed("k", seed)
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a = (a & ~7 & ((1 << 254) - 1)) | (1 << 254)
    k = int.from_bytes(hashlib.sha512(IDENTITY + key.public_raw + message).digest(), "little") % L
    return key.public_raw, IDENTITY + (k * a % L).to_bytes(32, "little")


def test_identity_r_by_the_real_key_holder_is_refused() -> None:
    message = hashlib.sha256(b"a record").digest()
    public, signature = _identity_r_signature(TEST_SEED, message)
    # The equation [S]B = R + [k]A holds (R is the identity): only the rule refuses it.
    s = int.from_bytes(signature[32:], "little")
    k = int.from_bytes(hashlib.sha512(IDENTITY + public + message).digest(), "little") % L
    assert _mul(s, BASE) == _add(_decode(IDENTITY), _mul(k, _decode(public)))
    verdict = ed25519.verify(public, signature, message)
    assert not verdict.valid
    assert verdict.reason == "R is a small-order point: the identity (order 1)"


def test_identity_r_record_fails_receipt_signature(mint, verify, helpers) -> None:
    record = mint()
    public, signature = _identity_r_signature(TEST_SEED, bytes.fromhex(record["canonical_sha256"]))
    assert public == SigningKey.from_seed("x", TEST_SEED).public_raw  # the conftest test key
    record["receipt"]["signature_b64"] = base64.b64encode(signature).decode()
    helpers.only_fails(verify(record), "receipt_signature", "R is a small-order point")


def test_r_not_on_the_curve_is_named() -> None:
    off = next(y for y in range(2, 100) if _x_for(y, 0) is None)
    verdict = ed25519.verify(
        RFC_PUBLIC, off.to_bytes(32, "little") + RFC_SIGNATURE[32:], RFC_MESSAGE
    )
    assert verdict == ed25519.SignatureVerdict(False, "R is not a point on the curve")


@pytest.mark.parametrize("length", [0, 63, 65])
def test_wrong_signature_length(length: int) -> None:
    verdict = ed25519.verify(RFC_PUBLIC, (RFC_SIGNATURE * 2)[:length], RFC_MESSAGE)
    assert not verdict.valid and verdict.reason == f"a signature is 64 bytes, found {length}"


def test_public_key_checks_beyond_the_vectors() -> None:
    # A canonical, ordinary point whose y + p encoding is non-canonical (not in CCTV: there
    # only small-order points have alternative encodings).
    y = next(y for y in range(2, 19) if _x_for(y, 0) is not None and y not in SMALL_ORDER_Y)
    assert check_public_key(y.to_bytes(32, "little")) is None
    assert check_public_key((y + P).to_bytes(32, "little")) == (
        "the public key is a non-canonical encoding (y >= p)"
    )
    off = next(y for y in range(2, 100) if _x_for(y, 0) is None)
    assert check_public_key(off.to_bytes(32, "little")) == (
        "the public key is not a point on the curve"
    )
    assert check_public_key(RFC_PUBLIC[:31]) == "the public key must be 32 bytes, found 31"
    assert check_public_key(NEGATIVE_ZERO_IDENTITY) == (
        "the public key is a non-canonical encoding (x = 0 with the sign bit set) of the "
        "identity (order 1)"
    )


def test_generated_keys_pass_the_rule() -> None:
    for _ in range(20):
        assert check_public_key(SigningKey.generate("g").public_raw) is None


def test_a_signing_key_failing_the_rule_is_refused(monkeypatch) -> None:
    """Unreachable with real keys; the check that guards key generation is still wired in."""
    monkeypatch.setattr(ed25519, "check_public_key", lambda raw: "a forced defect")
    with pytest.raises(KeyFileError, match="refused signing key 'g': a forced defect"):
        SigningKey.generate("g")


# --- the original attack: one fixed signature for every record ----------------------------


def test_fixed_signature_under_small_order_key_never_verifies(mint, verify, helpers) -> None:
    forged = IDENTITY + bytes(
        32
    )  # R = identity, S = 0: "valid" for every message under A = NEUTRAL
    doc = {"algorithm": "ed25519", "key_id": "evil", "public_key_hex": IDENTITY.hex()}
    with pytest.raises(KeyFileError, match="small-order point: the identity"):
        key_from_dict(doc, "evil")
    # Even a key built by hand (skipping the loader) verifies nothing under the rule.
    evil = TrustedKey("evil", IDENTITY, "by hand")
    for message in (b"", bytes(32), b"any record at all"):
        assert not evil.verify(forged, message)
    record = mint()
    record["receipt"].update(
        key_id="evil",
        public_key_fingerprint=evil.fingerprint,
        signature_b64=base64.b64encode(forged).decode(),
    )
    helpers.only_fails(
        verify(record, KeyRing([evil])), "receipt_signature", "refused key", "small-order"
    )


# --- key documents from the command line -------------------------------------------------


WEAK_KEYS = {
    "identity": (IDENTITY, "small-order point: the identity"),
    "order-2": (ORDER_2, "small-order point: the point of order 2"),
    "order-4": (ORDER_4, "small-order point: a point of order 4"),
    "order-8": (Y8.to_bytes(32, "little"), "small-order point: a point of order 8"),
    "y-above-p": (NON_CANONICAL_IDENTITY, "non-canonical encoding (y >= p)"),
    "negative-zero": (NEGATIVE_ZERO_IDENTITY, "non-canonical encoding (x = 0 with the sign"),
}


def _weak_key_file(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "keys" / "weak-key.json"
    path.parent.mkdir(exist_ok=True)
    doc = {"algorithm": "ed25519", "key_id": "weak", "public_key_hex": raw.hex()}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(("raw", "reason"), WEAK_KEYS.values(), ids=WEAK_KEYS.keys())
def test_weak_trust_key_is_refused_by_verify_and_build(tmp_path, raw, reason) -> None:
    key = _weak_key_file(tmp_path, raw)
    records = tmp_path / "records"
    records.mkdir()
    shutil.copyfile(SEED, records / "seed.json")
    out = tmp_path / "site"
    for args in (
        ["verify", "--trust-key", str(key), str(records)],
        ["build", "--records", str(records), "--out", str(out), "--trust-key", str(key)],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert f"pithgen: error: {key}: refused key 'weak': the public key is" in result.stderr
        assert reason in result.stderr
        assert "Traceback" not in result.output
    assert not out.exists()


# --- key document syntax and secrets -----------------------------------------------------


def _doc(**fields: Any) -> dict[str, Any]:
    return {"algorithm": "ed25519", "key_id": "k", "public_key_hex": RFC_PUBLIC.hex(), **fields}


@pytest.mark.parametrize(
    "value",
    [
        " ".join([RFC_PUBLIC.hex()[:31], RFC_PUBLIC.hex()[31:62], ""]),  # 64 chars, 31 bytes
        RFC_PUBLIC.hex()[:62] + "\n\n",
        RFC_PUBLIC.hex()[:60] + "\t00\t",
        "0x" + RFC_PUBLIC.hex()[:62],
        RFC_PUBLIC.hex() + "\n",
        " " + RFC_PUBLIC.hex(),
    ],
    ids=["inner-spaces", "trailing-newlines", "tabs", "0x-prefix", "newline", "leading-space"],
)
def test_junk_in_public_key_hex_refuses_the_key(tmp_path, value) -> None:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(_doc(public_key_hex=value)), encoding="utf-8")
    with pytest.raises(KeyFileError) as info:
        load_key_file(path)
    assert info.value.where == str(path)
    assert "'public_key_hex'" in info.value.message
    result = CliRunner().invoke(main, ["verify", "--trust-key", str(path), str(SEED)])
    assert result.exit_code == 2 and str(path) in result.stderr


def test_public_key_hex_in_upper_case_is_the_same_key() -> None:
    assert key_from_dict(_doc(public_key_hex=RFC_PUBLIC.hex().upper()), "x").raw == RFC_PUBLIC


def test_public_key_b64_must_be_canonical() -> None:
    """32 bytes in base64 end in one character with 2 unused bits: set, they decode to the
    same key but are not its canonical encoding."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    encoded = base64.b64encode(RFC_PUBLIC).decode()
    assert key_from_dict(_doc(public_key_b64=encoded), "x").raw == RFC_PUBLIC
    last = alphabet.index(encoded[-2])
    assert last & 0b11 == 0
    lax = encoded[:-2] + alphabet[last | 1] + "="
    assert base64.b64decode(lax) == RFC_PUBLIC
    with pytest.raises(KeyFileError, match="not base64"):
        key_from_dict(_doc(public_key_b64=lax), "x")


RFC_SEED = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
SECRET_DOCS = {
    "seed": ({"seed": "00" * 32}, "seed"),
    "jwk-d": ({"d": base64.urlsafe_b64encode(RFC_SEED).decode().rstrip("=")}, "d"),
    "nested-jwk-d": ({"jwk": {"kty": "OKP", "crv": "Ed25519", "d": "x"}}, "jwk.d"),
    "secret": ({"secret": "hunter2"}, "secret"),
    "secret_key": ({"secret_key": None}, "secret_key"),
    "private_key_hex": ({"private_key_hex": RFC_SEED.hex()}, "private_key_hex"),
    "privateKey": ({"privateKey": "x"}, "privateKey"),
    "privkey": ({"privkey": "x"}, "privkey"),
    "ed25519_sk": ({"ed25519_sk": "x"}, "ed25519_sk"),
    "SEED": ({"SEED": "x"}, "SEED"),
    "seed-in-innocent-field-hex": ({"notes": RFC_SEED.hex()}, "notes"),
    "seed-in-innocent-field-b64": (
        {"extra": [{"blob": base64.b64encode(RFC_SEED).decode()}]},
        "extra.0.blob",
    ),
    "libsodium-secret-key": ({"material": (RFC_SEED + RFC_PUBLIC).hex()}, "material"),
}


@pytest.mark.parametrize(("extra", "field"), SECRET_DOCS.values(), ids=SECRET_DOCS.keys())
def test_key_document_with_secret_material_is_refused(tmp_path, extra, field) -> None:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(_doc(**extra)), encoding="utf-8")
    with pytest.raises(KeyFileError) as info:
        load_key_file(path)
    assert info.value.where == str(path)
    assert f"found secret material of a PRIVATE key (in [{field!r}])" in info.value.message
    assert RFC_SEED.hex() not in info.value.message  # a secret is never echoed
    result = CliRunner().invoke(main, ["verify", "--trust-key", str(path), str(SEED)])
    assert result.exit_code == 2 and str(path) in result.stderr and field in result.stderr


def test_public_fields_and_innocent_extras_are_not_secret() -> None:
    signing = SigningKey.from_seed("k", RFC_SEED)
    doc = signing.public("x", "me").to_dict()
    assert set(doc) <= PUBLIC_FIELDS
    extras = {
        "internal_note": "rotated yearly",
        "kid": hashlib.sha256(b"thumbprint").hexdigest(),
        "x": base64.urlsafe_b64encode(RFC_PUBLIC).decode().rstrip("="),
        "previous_key_hex": SigningKey.from_seed("old", bytes(32)).public_raw.hex(),
        "description": "public key; the private key stays offline",
    }
    assert key_from_dict({**doc, **extras}, "x").raw == RFC_PUBLIC
