"""Payload schemas of every event type, and the field grammars they are written in.

Each malformed payload is signed by the rule as it is (so that its id and signature are
right) and must come out ``invalid`` with the reason ``payload`` and a message naming the
field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from eventhelpers import (
    CITED,
    GOOD_PAYLOADS,
    OTHER_SUBJECT,
    OTS_B64,
    RING,
    SUBJECT,
    signed,
    signed_raw,
)

from pithgen.events import grammar as g
from pithgen.events.envelope import decide
from pithgen.events.schemas import KNOWN_TYPES, RELATIONSHIPS, SCHEMAS, payload_problems

DELETE = object()

# (type, field path, new value or DELETE, fragment the message must hold)
MALFORMED: list[tuple[str, tuple[Any, ...], Any, str]] = [
    ("record_created", ("canonical_record",), DELETE, "payload.canonical_record: expected"),
    ("record_created", ("canonical_record", "schema_version"), "2.0", "canonical_record"),
    ("record_created", ("canonical_sha256",), "AB" * 32, "payload.canonical_sha256"),
    ("record_created", ("canonical_sha256",), CITED["canonical_sha256"], "recomputed"),
    ("record_created", ("receipt",), "signed", "payload.receipt: expected"),
    ("record_created", ("receipt", "key_id"), DELETE, "payload.receipt"),
    ("citation", ("cites",), DELETE, "payload.cites: expected"),
    ("citation", ("cites",), "arXiv:2101.00002", "payload.cites"),
    ("citation", ("cites",), "2101.00002V1", "payload.cites"),
    ("citation", ("cites",), "math.GT/0309136", "payload.cites"),
    ("citation", ("cites",), SUBJECT, "does not cite itself"),
    ("citation", ("relationship",), "likes", "payload.relationship"),
    ("citation", ("relationship",), DELETE, "payload.relationship"),
    ("citation", ("context",), "", "payload.context"),
    ("citation", ("context",), "x" * 2001, "payload.context"),
    ("citation", ("context",), "fake\x1b[2Jline", "payload.context"),
    ("author_claim", ("author_name",), DELETE, "payload.author_name"),
    ("author_claim", ("orcid",), "0000-0002-1825-0098", "payload.orcid"),
    ("author_claim", ("author_position",), 0, "payload.author_position"),
    ("author_claim", ("author_position",), True, "payload.author_position"),
    ("author_claim", ("evidence_url",), "javascript:alert(1)", "payload.evidence_url"),
    ("author_claim", ("evidence_url",), "https://user@evil.example/", "payload.evidence_url"),
    ("ots_anchor", ("digest",), CITED["canonical_sha256"], "payload.digest"),
    ("ots_anchor", ("status",), "done", "payload.status"),
    ("ots_anchor", ("stamps",), [], "payload.stamps"),
    ("ots_anchor", ("stamps", 0, "ots_b64"), "not base64", "stamps[0].ots_b64"),
    ("ots_anchor", ("stamps", 0, "calendar_url"), "ftp://x.org", "stamps[0].calendar_url"),
    ("ots_anchor", ("stamps", 0, "bitcoin_block_height"), -1, "bitcoin_block_height"),
    ("ots_anchor", ("stamps", 1), "a stamp", "stamps[1]: expected a stamp object"),
    ("ots_anchor", ("status",), "pending", "a pending anchor has no block height"),
    ("ots_anchor", ("stamps", 0, "bitcoin_block_height"), DELETE, "found none"),
    (
        "ots_anchor",
        ("stamps", 1, "calendar_url"),
        "https://alice.btc.calendar.opentimestamps.org",
        "one stamp per calendar_url",
    ),
    ("wayback_capture", ("url",), DELETE, "payload.url"),
    ("wayback_capture", ("url",), "arxiv.org/abs/2101.00001", "payload.url"),
    ("wayback_capture", ("captured_at",), "2026-01-05", "payload.captured_at"),
    ("wayback_capture", ("http_status",), 999, "payload.http_status"),
    ("wayback_capture", ("content_sha256",), "ab" * 31, "payload.content_sha256"),
    ("replication", ("replication_id",), "", "payload.replication_id"),
    ("replication", ("replication_id",), "has space", "payload.replication_id"),
    ("replication", ("outcome",), "success", "payload.outcome"),
    ("replication", ("replicated_at",), "2026-02-01T00:00:00-05:00", "payload.replicated_at"),
    ("integrity_finding", ("finding_id",), DELETE, "payload.finding_id"),
    ("integrity_finding", ("kind",), "Image Duplication", "payload.kind"),
    ("integrity_finding", ("severity",), "huge", "payload.severity"),
    ("integrity_finding", ("status",), "closed", "payload.status"),
    ("integrity_finding", ("summary",), 42, "payload.summary"),
    ("graph_snapshot", ("builder_version",), 1, "payload.builder_version"),
    ("graph_snapshot", ("snapshot_sha256",), "xyz", "payload.snapshot_sha256"),
]


def _malformed(event_type: str, path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(GOOD_PAYLOADS[event_type])
    parent: Any = payload
    for part in path[:-1]:
        parent = parent[part]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return payload


def test_every_known_type_has_malformed_cases_and_a_good_payload() -> None:
    assert list(RELATIONSHIPS) == ISSUE_RELATIONSHIPS
    assert {case[0] for case in MALFORMED} == set(KNOWN_TYPES) == set(GOOD_PAYLOADS)
    assert {
        "record_created",
        "citation",
        "author_claim",
        "ots_anchor",
        "wayback_capture",
        "replication",
        "integrity_finding",
        "graph_snapshot",
    } == KNOWN_TYPES
    for event_type, payload in GOOD_PAYLOADS.items():
        assert payload_problems(event_type, payload, SUBJECT) == []


@pytest.mark.parametrize(
    ("event_type", "path", "value", "fragment"),
    MALFORMED,
    ids=[f"{c[0]}-{'.'.join(map(str, c[1]))}-{n}" for n, c in enumerate(MALFORMED)],
)
def test_a_malformed_payload_is_invalid_payload(
    event_type: str, path: tuple[Any, ...], value: Any, fragment: str
) -> None:
    payload = _malformed(event_type, path, value)
    event = signed_raw({"payload": payload}, signed(event_type))
    verdict = decide(event, SUBJECT, RING)
    assert (verdict.state, verdict.reason) == ("invalid", "payload")
    assert fragment in verdict.detail


def test_unknown_payload_fields_are_kept_and_covered_by_the_signature() -> None:
    payload = {**GOOD_PAYLOADS["citation"], "confidence": 0.9, "notes": {"x": [1]}}
    event = signed("citation", payload)
    assert decide(event, SUBJECT, RING).state == "valid"
    assert event["payload"]["confidence"] == 0.9
    event["payload"]["confidence"] = 0.1
    assert decide(event, SUBJECT, RING).reason == "id_mismatch"


def test_an_unknown_type_has_no_schema_but_needs_an_object_payload() -> None:
    assert "peer_review" not in SCHEMAS
    assert payload_problems("peer_review", {"free": "form"}, SUBJECT) == []


ISSUE_RELATIONSHIPS = [
    "cites",
    "supports",
    "refutes",
    "extends",
    "uses_method",
    "depends_on",
    "replaces",
    "compares",
]


@pytest.mark.parametrize("relationship", ISSUE_RELATIONSHIPS)
def test_every_relationship_is_accepted(relationship: str) -> None:
    payload = {"cites": "1810.06877v1", "relationship": relationship}
    assert payload_problems("citation", payload, SUBJECT) == []
    assert relationship in RELATIONSHIPS


def test_a_citation_may_cite_by_pith_number_or_arxiv_id() -> None:
    for cites in (OTHER_SUBJECT, "1810.06877", "1810.06877v12", "astro-ph/9610094v2"):
        assert (
            payload_problems("citation", {"cites": cites, "relationship": "cites"}, SUBJECT) == []
        )


def test_a_pending_anchor_has_stamps_without_block_height() -> None:
    payload = {
        "digest": GOOD_PAYLOADS["ots_anchor"]["digest"],
        "status": "pending",
        "stamps": [{"calendar_url": "https://a.pool.opentimestamps.org", "ots_b64": OTS_B64}],
    }
    assert payload_problems("ots_anchor", payload, SUBJECT) == []


# --- grammars ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05.000000000Z"),
        ("2026-05-18T00:03:11.242950+00:00", "2026-05-18T00:03:11.242950000Z"),
        ("2024-02-29T23:59:59.123456789Z", "2024-02-29T23:59:59.123456789Z"),
    ],
)
def test_timestamps_sort_as_instants_whatever_their_spelling(text: str, key: str) -> None:
    assert g.timestamp_key(text) == key


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2026-01-02T24:00:00Z",
        "2026-01-02T23:59:60Z",
        "2026-01-02t03:04:05z",
        "2026-01-02T03:04:05",
        "2026-01-02T03:04:05-00:00",
        "2026-01-02T03:04:05.Z",
        "2026-01-02T03:04:05.1234567890Z",
        "\u0662026-01-02T03:04:05Z",
        "2026-01-02T03:04:05Z\n",
        20260102,
    ],
)
def test_timestamps_refused(text: Any) -> None:
    assert g.timestamp_key(text) is None


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://web.archive.org/web/2026/https://arxiv.org/abs/1810.06877", True),
        ("http://example.org:8080/path?q=1#frag", True),
        ("https://[2001:db8::1]/x", True),
        ("HTTPS://example.org/", False),
        ("ftp://example.org/", False),
        ("https://", False),
        ("https://exa mple.org/", False),
        ("https://example.org/a b", False),
        ("https://user:pw@example.org/", False),
        ("https://example.org/\u00e9", False),
        ("https://-bad.example/", False),
        ("https://example.org/" + "a" * 2100, False),
        ("javascript://example.org/%0Aalert(1)", False),
    ],
)
def test_urls_are_http_or_https_only(url: str, ok: bool) -> None:
    assert g.is_url(url) is ok


def test_orcid_check_character() -> None:
    assert g.is_orcid("0000-0002-1825-0097")
    assert g.is_orcid("0000-0002-9079-593X")
    assert not g.is_orcid("0000-0002-9079-5930")
    assert not g.is_orcid("0000-0002-1825-009")


def test_pith_numbers_are_ascii_only() -> None:
    assert g.is_pith_number(SUBJECT)
    assert not g.is_pith_number("pith:\u0662\u0660\u0662\u0661:" + SUBJECT[10:])
    assert not g.is_pith_number(SUBJECT.lower())


def test_strict_base64_is_canonical_and_bounded() -> None:
    assert g.strict_base64("AAE=", 2) == b"\x00\x01"
    assert g.strict_base64("AAF=", 2) is None  # non-zero padding bits: not canonical
    assert g.strict_base64("AAE", 2) is None
    assert g.strict_base64("AAEC", 2) is None  # 3 bytes > 2
    assert g.strict_base64("", 2) is None


def test_text_refuses_control_characters_but_keeps_newlines() -> None:
    assert g.is_text("line one\nline two\ttab", 100)
    for bad in ("\x00", "a\x1bb", "a\u2028b", "a\x85b", "a\rb"):
        assert not g.is_text(bad, 100)
    assert not g.is_text("abc", 2)
