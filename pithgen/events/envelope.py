"""The event envelope, the ``event_id`` rule and the one decision of each event's state.

The rule (spec section 6, PITHGEN RULE; docs/events.md "Envelope"): ``event_id`` is
``"sha256:" + sha256(canonical JSON of the event without event_id and signature_b64)``,
and ``signature_b64`` is the Ed25519 signature over those 32 digest bytes by the key the
``signer`` names (``key_id`` and ``public_key_fingerprint``), checked against the same
keyring as receipts and by pithgen's one Ed25519 rule (:mod:`pithgen.ed25519`).

An event pithgen signs says so: ``event_rule`` is ``pithgen-event-v1``, and the id covers
that claim. An event that makes the claim and whose id does not recompute was altered
(``invalid``); an event that does not make it (Pith's own events today) and whose id does
not recompute is ``unverifiable``: its preimage is unpublished, it is neither valid nor
tampered. The rule is tried first on every event, so a foreign event whose id does
recompute is checked like pithgen's own.

:func:`decide` gives each event exactly one :class:`EventVerdict`. It depends only on the
event, the record it is merged into and the keyring, never on the other events, which
is what makes the merge order-free. The checks run in a fixed order and the first
failing one names the reason: envelope, subject, payload, event id, key, signature,
receipt (docs/events.md "States and reasons").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pithgen import ed25519
from pithgen.canonical import canonical_bytes, sha256_hex
from pithgen.checks import Checks, bounded, described, shown, some
from pithgen.events import grammar as g
from pithgen.events.schemas import payload_problems
from pithgen.keys import KeyRing, TrustedKey
from pithgen.receipt import check_receipt

EVENT_RULE = "pithgen-event-v1"
EVENT_ID_RE = re.compile(r"sha256:[0-9a-f]{64}")
UNSIGNED_FIELDS = frozenset({"event_id", "signature_b64"})
#: The largest event accepted: its canonical JSON without id and signature, in bytes.
MAX_EVENT_BYTES = 256 * 1024
_KEY_ID_LIMIT = 128

State = Literal["valid", "invalid", "unverifiable"]
Reason = Literal[
    "envelope",
    "subject",
    "payload",
    "id_mismatch",
    "unknown_key",
    "signature",
    "receipt",
    "id_preimage_unknown",
    "unknown_rule",
]
INVALID_REASONS: tuple[Reason, ...] = (
    "envelope",
    "subject",
    "payload",
    "id_mismatch",
    "unknown_key",
    "signature",
    "receipt",
)
UNVERIFIABLE_REASONS: tuple[Reason, ...] = ("id_preimage_unknown", "unknown_rule")


@dataclass(frozen=True)
class ReceiptCheck:
    """The receipt inside a ``record_created`` payload, checked as verify.py checks a
    record's receipt (spec section 4), whatever the state of the event around it."""

    valid: bool
    detail: str


@dataclass(frozen=True)
class EventVerdict:
    """The state of one event: ``valid`` (reason None), ``invalid`` or ``unverifiable``
    with the reason (a code from :data:`INVALID_REASONS` / :data:`UNVERIFIABLE_REASONS`)
    and ``detail`` in words. ``signer`` is the key id of a valid event's signer."""

    state: State
    reason: Reason | None
    detail: str
    signer: str | None = None
    receipt: ReceiptCheck | None = None


class EventEncodingError(ValueError):
    """An in-memory event that is not a JSON value (never raised for parsed JSON)."""


def event_preimage(event: Mapping[str, Any]) -> bytes:
    """The bytes the id is the hash of: canonical JSON of the event without ``event_id``
    and ``signature_b64``."""
    unsigned = {k: v for k, v in event.items() if k not in UNSIGNED_FIELDS}
    try:
        return canonical_bytes(unsigned)
    except (TypeError, ValueError, RecursionError) as exc:
        raise EventEncodingError(f"not a JSON value: {type(exc).__name__}") from None


def event_id_of(preimage: bytes) -> str:
    return "sha256:" + sha256_hex(preimage)


def compute_event_id(event: Mapping[str, Any]) -> str:
    """The event id by pithgen's rule."""
    return event_id_of(event_preimage(event))


def _is_event_id(value: Any) -> bool:
    return isinstance(value, str) and EVENT_ID_RE.fullmatch(value) is not None


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _signer_shape(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    key_id, fingerprint = value.get("key_id"), value.get("public_key_fingerprint")
    return (
        isinstance(key_id, str)
        and 0 < len(key_id) <= _KEY_ID_LIMIT
        and (fingerprint is None or isinstance(fingerprint, str))
    )


# (field, what it must be, the test): every event has the first five, the others are
# checked when present (docs/events.md "Envelope").
_REQUIRED: tuple[tuple[str, str, Callable[[Any], bool]], ...] = (
    ("event_type", "a type name ([a-z][a-z0-9_]{0,63})", g.is_token),
    ("subject_pith_number", "a Pith Number (pith:YYYY:SUFFIX)", g.is_pith_number),
    ("event_id", "'sha256:' and 64 lowercase hex characters", _is_event_id),
    ("created_at", "an RFC 3339 UTC timestamp", g.is_timestamp),
    ("payload", "an object", _is_object),
)
_OPTIONAL: tuple[tuple[str, str, Callable[[Any], bool]], ...] = (
    ("target", "a token ([a-z][a-z0-9_]{0,63})", g.is_token),
    ("event_rule", "a string", _is_string),
    ("signature_b64", "a string", _is_string),
    (
        "signer",
        "an object with a string key_id (and a string public_key_fingerprint)",
        _signer_shape,
    ),
)


def _envelope_problems(event: Mapping[str, Any]) -> list[str]:
    """The envelope fields every event must have right."""
    out = []
    for name, expected, check in _REQUIRED:
        if name not in event:
            out.append(f"{name}: expected {expected}, found nothing")
        elif not check(event[name]):
            out.append(f"{name}: expected {expected}, found {described(event[name])}")
    for name, expected, check in _OPTIONAL:
        if name in event and not check(event[name]):
            out.append(f"{name}: expected {expected}, found {described(event[name])}")
    return out


def _receipt_check(payload: Mapping[str, Any], keys: KeyRing) -> ReceiptCheck:
    out = Checks()
    key_id = check_receipt(
        payload["receipt"], payload["canonical_sha256"], keys, out, where="payload.receipt"
    )
    if key_id is not None:
        return ReceiptCheck(True, f"receipt signature valid under key {key_id}")
    return ReceiptCheck(False, some(c.message for c in out.items if c.outcome == "failed"))


def _invalid(reason: Reason, detail: str, receipt: ReceiptCheck | None = None) -> EventVerdict:
    return EventVerdict("invalid", reason, bounded(detail), receipt=receipt)


def _signer_key(signer: Any, keys: KeyRing) -> TrustedKey | str:
    """The trusted key the signer names, or why there is none."""
    if not isinstance(signer, dict):
        return "no signer: an event under pithgen's rule names its signer's key"
    key_id, stated = signer["key_id"], signer.get("public_key_fingerprint")
    key = keys.get(key_id)
    if key is None:
        trusted = ", ".join(k.key_id for k in keys) or "none"
        return f"signer.key_id: expected a trusted key id ({shown(trusted)}), found {shown(key_id)}"
    if stated != key.fingerprint:
        return (
            f"signer.public_key_fingerprint: expected {key.fingerprint} (the trusted key "
            f"{key_id}), found {described(stated)}"
        )
    return key


def decide(event: Any, subject: str, keys: KeyRing) -> EventVerdict:
    """The state of ``event`` merged into the record ``subject`` (a Pith Number)."""
    if not isinstance(event, dict):
        return _invalid("envelope", f"expected an event object, found {described(event)}")
    try:
        preimage = event_preimage(event)
    except EventEncodingError as exc:
        return _invalid("envelope", str(exc))
    if len(preimage) > MAX_EVENT_BYTES:
        return _invalid(
            "envelope",
            f"expected at most {MAX_EVENT_BYTES} bytes of canonical JSON, found {len(preimage)}",
        )
    problems = _envelope_problems(event)
    if problems:
        return _invalid("envelope", some(problems))
    if event["subject_pith_number"] != subject:
        return _invalid(
            "subject",
            f"subject_pith_number: expected {subject} (the record this event is merged "
            f"into), found {event['subject_pith_number']}",
        )
    problems = payload_problems(event["event_type"], event["payload"], subject)
    if problems:
        return _invalid("payload", some(problems))
    receipt = None
    if event["event_type"] == "record_created":
        receipt = _receipt_check(event["payload"], keys)
    return _decide_signed(event, preimage, keys, receipt)


def _decide_signed(
    event: dict[str, Any], preimage: bytes, keys: KeyRing, receipt: ReceiptCheck | None
) -> EventVerdict:
    """The id, key, signature and receipt steps (the envelope is well formed)."""
    expected_id, stated_id = event_id_of(preimage), event["event_id"]
    rule = event.get("event_rule")
    if expected_id != stated_id:
        if rule == EVENT_RULE:
            return _invalid(
                "id_mismatch",
                f"event_id: expected {expected_id} (recomputed by {EVENT_RULE}, which the "
                f"event claims), found {stated_id}: the event was altered after it was signed",
                receipt,
            )
        if rule is not None:
            why = f"event_rule {shown(rule)} is not a rule pithgen knows"
            return EventVerdict("unverifiable", "unknown_rule", bounded(why), receipt=receipt)
        why = (
            f"unverifiable event (id preimage unknown): event_id {stated_id} is not "
            f"{expected_id}, the id by {EVENT_RULE}, and the event does not claim that "
            "rule; how its id was computed is not published, so neither the id nor a "
            "signature can be checked (not a sign of tampering)"
        )
        return EventVerdict("unverifiable", "id_preimage_unknown", why, receipt=receipt)
    key = _signer_key(event.get("signer"), keys)
    if isinstance(key, str):
        return _invalid("unknown_key", key, receipt)
    signature = g.strict_base64(event.get("signature_b64"), 64)
    if signature is None or len(signature) != 64:
        return _invalid(
            "signature",
            "signature_b64: expected strict standard base64 of a 64-byte Ed25519 "
            f"signature, found {described(event.get('signature_b64'))}",
            receipt,
        )
    verdict = ed25519.verify(key.raw, signature, bytes.fromhex(expected_id[len("sha256:") :]))
    if not verdict.valid:
        return _invalid(
            "signature",
            f"signature_b64: Ed25519 signature does not verify over the 32 bytes of "
            f"{expected_id} under key {key.key_id}: {verdict.reason}",
            receipt,
        )
    if receipt is not None:
        receipt_key = event["payload"]["receipt"].get("key_id")
        if not receipt.valid:
            return _invalid("receipt", f"payload.receipt: {receipt.detail}", receipt)
        if receipt_key != key.key_id:
            return _invalid(
                "receipt",
                f"signer.key_id: expected {shown(receipt_key)} (the key that signed the "
                f"receipt in the payload), found {key.key_id}",
                receipt,
            )
    return EventVerdict(
        "valid",
        None,
        f"event id recomputes and the signature is valid under key {key.key_id}",
        signer=key.key_id,
        receipt=receipt,
    )


__all__ = [
    "EVENT_ID_RE",
    "EVENT_RULE",
    "INVALID_REASONS",
    "MAX_EVENT_BYTES",
    "UNSIGNED_FIELDS",
    "UNVERIFIABLE_REASONS",
    "EventEncodingError",
    "EventVerdict",
    "ReceiptCheck",
    "State",
    "compute_event_id",
    "decide",
    "event_id_of",
    "event_preimage",
]
