"""Events for the event tests: fixed keys, two minted records, a good payload of every
type, signed events, and Pith-shaped foreign events (an id whose preimage is unknown).

Everything is derived from fixed seeds and fixed times, so every event is reproducible.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

from pithgen.events.envelope import EVENT_RULE
from pithgen.events.sign import build_event, record_created_event, sign_event
from pithgen.keys import KeyRing, SigningKey, builtin_keys
from pithgen.mint import Paper, mint_record

SIGNED_AT = "2026-01-02T03:04:05Z"
KEY = SigningKey.from_seed("test-key-1", bytes(range(32)))
OTHER = SigningKey.from_seed("test-key-2", bytes(range(32, 64)))
# Claims KEY's id, is another key.
IMPOSTOR = SigningKey.from_seed("test-key-1", bytes(range(1, 33)))
STRANGER = SigningKey.from_seed("stranger-key", bytes(range(64, 96)))
RING = KeyRing([KEY.public("test"), OTHER.public("test"), *builtin_keys()])


def _paper(arxiv_id: str, title: str) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        version=1,
        title=title,
        abstract="An abstract for the event tests.",
        submitted_at="2021-01-02T03:04:05Z",
        primary_cat="cs.CR",
        cross_cats=("cs.LG",),
        authors="A. One, B. Two",
        license="http://creativecommons.org/licenses/by/4.0/",
    )


RECORD = mint_record(_paper("2101.00001", "The subject paper"), KEY, signed_at=SIGNED_AT)
# The same record, its receipt signed again later: a second, different record_created payload.
RESIGNED = mint_record(
    _paper("2101.00001", "The subject paper"), KEY, signed_at="2026-02-02T00:00:00Z"
)
CITED = mint_record(_paper("2101.00002", "A cited paper"), KEY, signed_at=SIGNED_AT)
SUBJECT: str = RECORD["pith_number"]
OTHER_SUBJECT: str = CITED["pith_number"]
OTS_B64 = base64.b64encode(b"\x00OpenTimestamps\x00\x00Proof\x00" + bytes(range(40))).decode()

#: A good payload of every type pithgen knows, about SUBJECT.
GOOD_PAYLOADS: dict[str, dict[str, Any]] = {
    "record_created": {
        "canonical_record": RECORD["canonical_record"],
        "canonical_sha256": RECORD["canonical_sha256"],
        "receipt": RECORD["receipt"],
    },
    "citation": {"cites": OTHER_SUBJECT, "relationship": "supports", "context": "Section 2"},
    "author_claim": {
        "author_name": "A. One",
        "orcid": "0000-0002-1825-0097",
        "author_position": 1,
        "evidence_url": "https://orcid.org/0000-0002-1825-0097",
    },
    "ots_anchor": {
        "digest": RECORD["canonical_sha256"],
        "status": "complete",
        "stamps": [
            {
                "calendar_url": "https://alice.btc.calendar.opentimestamps.org",
                "ots_b64": OTS_B64,
                "bitcoin_block_height": 875000,
            },
            {"calendar_url": "https://bob.btc.calendar.opentimestamps.org", "ots_b64": OTS_B64},
        ],
    },
    "wayback_capture": {
        "url": "https://arxiv.org/abs/2101.00001v1",
        "captured_at": "2026-01-05T10:00:00Z",
        "archive_url": "https://web.archive.org/web/20260105100000/https://arxiv.org/abs/2101.00001v1",
        "content_sha256": "ab" * 32,
        "http_status": 200,
    },
    "replication": {
        "replication_id": "rep-2026-001",
        "outcome": "replicated",
        "report_url": "https://example.org/reports/rep-2026-001",
        "replicated_at": "2026-02-01T00:00:00.5+00:00",
    },
    "integrity_finding": {
        "finding_id": "finding-7",
        "kind": "image_duplication",
        "severity": "major",
        "status": "open",
        "summary": "Figure 3b repeats a panel of figure 2a.",
    },
    "graph_snapshot": {
        "builder_version": "pithgen-test",
        "references": {"count": 0, "sample": []},
    },
}


def signed(
    event_type: str,
    payload: dict[str, Any] | None = None,
    *,
    key: SigningKey = KEY,
    subject: str = SUBJECT,
    created_at: str = "2026-01-03T00:00:00Z",
) -> dict[str, Any]:
    """A valid signed event (payload checked by build_event)."""
    if event_type == "record_created" and payload is None:
        return record_created_event(RECORD, key, created_at)
    return build_event(
        event_type=event_type,
        subject=subject,
        payload=copy.deepcopy(GOOD_PAYLOADS[event_type] if payload is None else payload),
        created_at=created_at,
        key=key,
    )


def signed_raw(unsigned_changes: dict[str, Any], base: dict[str, Any], key: SigningKey = KEY):
    """``base`` with some envelope fields changed, then signed by the rule as it is, with
    no checks: for events pithgen itself would refuse to build."""
    body = {k: v for k, v in base.items() if k not in ("event_id", "signature_b64")}
    body.update(copy.deepcopy(unsigned_changes))
    return sign_event(body, key)


def pith_shaped(event_type: str = "record_created", tag: str = "a") -> dict[str, Any]:
    """A foreign event shaped like Pith's own: Pith's key as signer, no event_rule, no
    envelope signature, and an event id whose preimage is not pithgen's rule."""
    event: dict[str, Any] = {
        "event_type": event_type,
        "subject_pith_number": SUBJECT,
        "target": "record" if event_type == "record_created" else "graph",
        "payload": copy.deepcopy(GOOD_PAYLOADS[event_type]),
        "created_at": "2026-05-18T00:03:11.242950+00:00",
        "signer": {
            "key_id": "pith-v1-2026-05",
            "public_key_fingerprint": "8d4b5ee74e4693bcd1df2446408b0d54",
            "signer_id": "pith",
            "signer_type": "registry",
        },
    }
    if event_type == "record_created":
        event["payload"]["receipt"] = copy.deepcopy(RECORD["receipt"])
    event["event_id"] = "sha256:" + hashlib.sha256(f"pith-preimage-{tag}".encode()).hexdigest()
    return event


__all__ = [
    "CITED",
    "EVENT_RULE",
    "GOOD_PAYLOADS",
    "IMPOSTOR",
    "KEY",
    "OTHER",
    "OTHER_SUBJECT",
    "RECORD",
    "RESIGNED",
    "RING",
    "SIGNED_AT",
    "STRANGER",
    "SUBJECT",
    "pith_shaped",
    "signed",
    "signed_raw",
]
