"""Building and signing events by pithgen's rule (``pithgen event add``, registries, tests).

Times are inputs and Ed25519 signatures are deterministic (RFC 8032), so the same inputs
always give the same event, byte for byte. An event is checked before it is signed: a
malformed envelope or payload is a :class:`pithgen.errors.UsageError` naming what was
expected and what was found, so pithgen never signs an event it would itself call
invalid.
"""

from __future__ import annotations

import base64
from typing import Any

from pithgen.checks import some
from pithgen.errors import UsageError
from pithgen.events import grammar as g
from pithgen.events.envelope import EVENT_RULE, event_id_of, event_preimage
from pithgen.events.schemas import RELATIONSHIPS, payload_problems
from pithgen.keys import SigningKey

#: The ``target`` an event gets when none is given: what the event is about.
DEFAULT_TARGETS = {"citation": "graph", "graph_snapshot": "graph"}


def sign_event(unsigned: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """``unsigned`` with ``event_id`` and ``signature_b64`` added by the rule (any
    ``event_id``/``signature_b64`` it had are replaced)."""
    body = {k: v for k, v in unsigned.items() if k not in ("event_id", "signature_b64")}
    preimage = event_preimage(body)
    event_id = event_id_of(preimage)
    signature = key.sign(bytes.fromhex(event_id[len("sha256:") :]))
    return {
        **body,
        "event_id": event_id,
        "signature_b64": base64.b64encode(signature).decode("ascii"),
    }


def build_event(
    *,
    event_type: str,
    subject: str,
    payload: dict[str, Any],
    created_at: str,
    key: SigningKey,
    target: str | None = None,
    signer_id: str | None = None,
    signer_type: str | None = None,
) -> dict[str, Any]:
    """A signed event of ``event_type`` about the record ``subject``.

    Raises :class:`UsageError` for a malformed type, subject, time, target or payload
    (a payload of a known type must follow its schema; any type a token names may be
    signed, pithgen keeps unknown types)."""
    problems = []
    if not g.is_token(event_type):
        problems.append(f"event type: expected [a-z][a-z0-9_]{{0,63}}, found {event_type!r}")
    if not g.is_pith_number(subject):
        problems.append(f"subject: expected a Pith Number (pith:YYYY:SUFFIX), found {subject!r}")
    if not g.is_timestamp(created_at):
        problems.append(
            f"created_at: expected an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SS[.f]Z), "
            f"found {created_at!r}"
        )
    target = target or DEFAULT_TARGETS.get(event_type, "record")
    if not g.is_token(target):
        problems.append(f"target: expected [a-z][a-z0-9_]{{0,63}}, found {target!r}")
    if not isinstance(payload, dict):
        problems.append(f"payload: expected a JSON object, found {type(payload).__name__}")
    elif not problems:
        problems.extend(payload_problems(event_type, payload, subject))
    if problems:
        raise UsageError(f"cannot sign this {event_type} event: " + some(problems))
    signer: dict[str, Any] = {
        "key_id": key.key_id,
        "public_key_fingerprint": key.public().fingerprint,
    }
    if signer_id is not None:
        signer["signer_id"] = signer_id
    if signer_type is not None:
        signer["signer_type"] = signer_type
    unsigned = {
        "event_rule": EVENT_RULE,
        "event_type": event_type,
        "subject_pith_number": subject,
        "target": target,
        "payload": payload,
        "created_at": created_at,
        "signer": signer,
    }
    return sign_event(unsigned, key)


def citation_payload(cites: str, relationship: str, context: str | None = None) -> dict[str, Any]:
    """The payload of a citation event (checked by :func:`build_event`)."""
    if relationship not in RELATIONSHIPS:
        raise UsageError(
            f"relationship: expected one of {', '.join(RELATIONSHIPS)}, found {relationship!r}"
        )
    payload: dict[str, Any] = {"cites": cites, "relationship": relationship}
    if context is not None:
        payload["context"] = context
    return payload


def record_created_event(
    record_doc: dict[str, Any], key: SigningKey, created_at: str, **signer: str
) -> dict[str, Any]:
    """A ``record_created`` event for a record document whose receipt ``key`` signed."""
    payload = {
        "canonical_record": record_doc["canonical_record"],
        "canonical_sha256": record_doc["canonical_sha256"],
        "receipt": record_doc["receipt"],
    }
    return build_event(
        event_type="record_created",
        subject=record_doc["pith_number"],
        payload=payload,
        created_at=created_at,
        key=key,
        signer_id=signer.get("signer_id"),
        signer_type=signer.get("signer_type"),
    )


__all__ = [
    "DEFAULT_TARGETS",
    "build_event",
    "citation_payload",
    "record_created_event",
    "sign_event",
]
