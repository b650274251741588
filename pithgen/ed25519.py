"""THE one Ed25519 rule of pithgen: every signature pithgen checks goes through here.

Ed25519 libraries disagree on edge cases (OpenSSL accepts an identity public key with an
identity R and S = 0 for *every* message; libsodium refuses it), so a verdict left to the
library would depend on the library. pithgen's rule is strict and explicit:

1. The public key A is 32 bytes, the canonical encoding of a point on the curve
   (y < p; x = 0 with the sign bit set is non-canonical), and not of small order.
2. The signature is 64 bytes R || S with S < L (the group order: no malleated S + L).
3. R is a canonical encoding (the same two conditions as A) and not of small order.
4. The cofactorless equation [S]B = R + [k]A holds, k = SHA-512(R || A || M) mod L,
   checked by ``cryptography``'s :class:`Ed25519PublicKey.verify` (OpenSSL), which also
   compares R byte for byte with the re-encoded [S]B - [k]A, so an R that is not a point
   on the curve never verifies either.

"Small order" means one of the 8 torsion points: the identity (y = 1), the point of order
2 (y = p - 1), the two of order 4 (y = 0) and the four of order 8 (y = +-Y8). A y in
that set *is* a torsion point, so the check needs no point arithmetic. Points with a
small-order *component* (torsion plus a prime-order part) are not refused: no blocklist
can see them, and the cofactorless equation refuses those whose torsion parts do not
cancel. Identity R is refused even when the real key holder made it (S = k*a): an honest
signer never produces it (R = [r]B with r derived from a hash is never the identity).

In C2SP CCTV terms (tests/fixtures/cctv-ed25519): a vector verifies iff it has none of
the flags low_order_A, low_order_R, non_canonical_A, non_canonical_R, low_order_residue
(the strictest common behaviour, that of libsodium and ed25519-dalek's verify_strict).

Cost: the public-key checks (a square root: one modular exponentiation) run once per key
and are cached with the loaded key object; per signature the extra checks are two integer
decodings and a few comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

P = 2**255 - 19
# The order of the prime-order subgroup (RFC 8032 5.1): a signature's S must be below it.
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
# y of the points of order 8 (the other four have y = P - Y8): a root of d*y^4 + 2*y^2 - 1,
# i.e. y^2 = -x^2, where doubling lands on y = 0, the points of order 4.
Y8 = 0x05FC536D880238B13933C6D305ACDFD5F098EFF289F4C345B027B2C28F95E826
_Y_MASK = (1 << 255) - 1
# y coordinate -> what that small-order point is.
SMALL_ORDER_Y = {
    1: "the identity (order 1)",
    P - 1: "the point of order 2",
    0: "a point of order 4",
    Y8: "a point of order 8",
    P - Y8: "a point of order 8",
}


@dataclass(frozen=True)
class SignatureVerdict:
    """The rule's verdict on one signature; ``reason`` says why it was refused."""

    valid: bool
    reason: str | None = None


def _encoding_defect(y: int, sign: int) -> str | None:
    """Why a point encoding (y and its sign bit) is refused without decoding x, or None."""
    if y >= P:
        of = SMALL_ORDER_Y.get(y - P)
        return "a non-canonical encoding (y >= p)" + (f" of {of}" if of else "")
    small = SMALL_ORDER_Y.get(y)
    if small is not None:
        if sign and y in (1, P - 1):
            return f"a non-canonical encoding (x = 0 with the sign bit set) of {small}"
        return f"a small-order point: {small}"
    return None


def _on_curve(y: int) -> bool:
    """Whether some x satisfies -x^2 + y^2 = 1 + d*x^2*y^2 (RFC 8032 5.1.3, steps 2-3)."""
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = (u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P)) % P
    vxx = (v * x * x) % P
    return vxx == u or vxx == (-u) % P


def _split(raw: bytes) -> tuple[int, int]:
    n = int.from_bytes(raw, "little")
    return n & _Y_MASK, n >> 255


def check_public_key(raw: bytes) -> str | None:
    """None when ``raw`` is an acceptable Ed25519 public key, else the reason in words."""
    if len(raw) != 32:
        return f"the public key must be 32 bytes, found {len(raw)}"
    y, sign = _split(raw)
    defect = _encoding_defect(y, sign)
    if defect is not None:
        return f"the public key is {defect}"
    if not _on_curve(y):
        return "the public key is not a point on the curve"
    return None


@lru_cache(maxsize=64)
def _loaded_key(raw: bytes) -> tuple[str | None, Ed25519PublicKey | None]:
    """The key check and the parsed key object, once per key."""
    reason = check_public_key(raw)
    if reason is not None:
        return reason, None
    return None, Ed25519PublicKey.from_public_bytes(raw)


def verify(public_key: bytes, signature: bytes, message: bytes) -> SignatureVerdict:
    """Check ``signature`` over ``message`` under ``public_key`` by the rule above."""
    reason, key = _loaded_key(bytes(public_key))
    if key is None:
        return SignatureVerdict(False, f"refused key: {reason}")
    if len(signature) != 64:
        return SignatureVerdict(False, f"a signature is 64 bytes, found {len(signature)}")
    y, sign = _split(signature[:32])
    defect = _encoding_defect(y, sign)
    if defect is not None:
        return SignatureVerdict(False, f"R is {defect}")
    if int.from_bytes(signature[32:], "little") >= L:
        return SignatureVerdict(
            False, "non-canonical signature: S is not reduced modulo the group order L"
        )
    try:
        key.verify(signature, message)
    except InvalidSignature:
        # Off the hot path: say why when R is not even a point.
        if not _on_curve(y):
            return SignatureVerdict(False, "R is not a point on the curve")
        return SignatureVerdict(False, "the equation [S]B = R + [k]A does not hold")
    return SignatureVerdict(True)


__all__ = ["L", "SignatureVerdict", "check_public_key", "verify"]
