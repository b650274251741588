"""``current``, the exact documents (state.json, events.json) and the bounds of a merge."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest
from eventhelpers import (
    GOOD_PAYLOADS,
    KEY,
    OTHER,
    OTHER_SUBJECT,
    RECORD,
    RING,
    SUBJECT,
    pith_shaped,
    signed,
)

from pithgen.canonical import canonical_json, expected_aliases, suffix_for
from pithgen.errors import UsageError
from pithgen.events.current import CURRENT_LISTS, ValidEvent, build_current
from pithgen.events.merge import MERGE_VERSION, merge

STATE_KEYS = {
    # The observed shape of Pith's state.json (spec section 6) ...
    "state_type",
    "state_version",
    "pith_number",
    "merge_version",
    "event_count",
    "valid_event_count",
    "invalid_event_count",
    "equivocation_count",
    "current",
    # ... plus pithgen's.
    "unverifiable_event_count",
    "unknown_type_event_count",
    "reason_counts",
    "equivocations",
}
CURRENT_KEYS = {
    "canonical_record",
    "canonical_sha256",
    "source_aliases",
    "record_created",
    "citations",
    "author_claims",
    "ots_anchors",
    "wayback_captures",
    "replications",
    "integrity_findings",
    "graph_snapshots",
    "truncated",
}


def test_state_json_has_the_observed_shape_and_is_canonical_with_a_newline() -> None:
    merged = merge(SUBJECT, [signed("record_created"), signed("graph_snapshot")], RING)
    raw = merged.state_bytes()
    assert raw.endswith(b"}\n") and raw.count(b"\n") == 1
    doc = json.loads(raw)
    assert canonical_json(doc).encode() + b"\n" == raw
    assert set(doc) == STATE_KEYS and set(doc["current"]) == CURRENT_KEYS
    assert (doc["state_type"], doc["state_version"], doc["merge_version"]) == (
        "pith_open_graph_state",
        "1.0",
        "pith-open-graph-merge-v1",
    )
    assert MERGE_VERSION == "pith-open-graph-merge-v1"
    assert (doc["event_count"], doc["valid_event_count"]) == (2, 2)


def test_events_json_lists_every_event_with_its_state_and_reason() -> None:
    events = [signed("citation"), pith_shaped("record_created"), "junk"]
    raw = merge(SUBJECT, events, RING).events_bytes()
    doc = json.loads(raw)
    assert canonical_json(doc).encode() + b"\n" == raw
    assert (doc["events_type"], doc["events_version"], doc["event_count"]) == (
        "pith_open_graph_events",
        "1.0",
        3,
    )
    by_state = {item["state"]: item for item in doc["events"]}
    assert set(by_state) == {"valid", "invalid", "unverifiable"}
    assert by_state["invalid"]["event"] == "junk" and by_state["invalid"]["reason"] == "envelope"
    foreign = by_state["unverifiable"]
    assert foreign["reason"] == "id_preimage_unknown"
    assert foreign["receipt"] == {
        "valid": True,
        "detail": "receipt signature valid under key test-key-1",
    }
    assert by_state["valid"]["receipt"] is None
    assert set(foreign) == {
        "content_sha256",
        "event_id",
        "event_type",
        "state",
        "reason",
        "detail",
        "equivocates",
        "receipt",
        "event",
    }
    assert (
        foreign["content_sha256"]
        == hashlib.sha256(canonical_json(foreign["event"]).encode()).hexdigest()
    )


def test_events_json_in_chunks_is_the_canonical_document() -> None:
    for events in ([], [signed("citation")], [signed("citation"), pith_shaped(), "junk", 7]):
        merged = merge(SUBJECT, events, RING)
        chunks = list(merged.events_chunks())
        assert len(chunks) == len(events) + 2
        assert b"".join(chunks) == canonical_json(merged.events_document()).encode() + b"\n"


def test_current_holds_the_record_from_valid_record_created_events() -> None:
    current = merge(SUBJECT, [signed("record_created")], RING).current
    assert current["canonical_record"] == RECORD["canonical_record"]
    assert current["canonical_sha256"] == RECORD["canonical_sha256"]
    expected = expected_aliases("2101.00001", 1, suffix_for(RECORD["canonical_sha256"]))
    assert current["source_aliases"] == [
        {"alias_kind": k, "alias_value": v, "created_at": "2026-01-03T00:00:00Z"}
        for k, v in sorted(expected.items())
    ]


def test_current_is_built_from_valid_events_only() -> None:
    tampered = signed("replication")
    tampered["payload"]["outcome"] = "not_replicated"
    events = [pith_shaped("record_created"), pith_shaped("graph_snapshot", "b"), tampered]
    current = merge(SUBJECT, events, RING).current
    assert current["canonical_record"] is None and current["source_aliases"] == []
    assert all(current[name] == [] for name in CURRENT_LISTS.values())


def test_the_latest_restatement_stands_by_instant_then_id() -> None:
    early = signed("integrity_finding", created_at="2026-01-03T00:00:00.9Z")
    late_status = {**GOOD_PAYLOADS["integrity_finding"], "status": "resolved"}
    # 01:00 in a +00:00 spelling sorts after 00:00:00.9Z as an instant.
    late = signed("integrity_finding", late_status, created_at="2026-01-03T01:00:00+00:00")
    for order in ([early, late], [late, early]):
        findings = merge(SUBJECT, order, RING).current["integrity_findings"]
        assert [f["payload"]["status"] for f in findings] == ["resolved"]
    # Same instant: the greater event id stands.
    same = signed("integrity_finding", late_status, created_at="2026-01-03T00:00:00.900Z")
    findings = merge(SUBJECT, [early, same], RING).current["integrity_findings"]
    assert findings[0]["event_id"] == max(early["event_id"], same["event_id"])


def test_different_signers_and_relationships_are_all_in_current() -> None:
    supports = signed("citation")
    refutes = signed("citation", {"cites": OTHER_SUBJECT, "relationship": "refutes"}, key=OTHER)
    extends = signed("citation", {"cites": "1810.06877v1", "relationship": "extends"})
    current = merge(SUBJECT, [refutes, extends, supports], RING).current
    assert [(c["signer"], c["payload"]["relationship"]) for c in current["citations"]] == [
        ("test-key-1", "extends"),
        ("test-key-1", "supports"),
        ("test-key-2", "refutes"),
    ]


def test_graph_snapshots_keep_the_latest_per_signer() -> None:
    older = signed("graph_snapshot", created_at="2026-01-03T00:00:00Z")
    newer = signed("graph_snapshot", {"builder_version": "v2"}, created_at="2026-01-04T00:00:00Z")
    theirs = signed("graph_snapshot", key=OTHER)
    snapshots = merge(SUBJECT, [newer, theirs, older], RING).current["graph_snapshots"]
    assert [(s["signer"], s["event_id"]) for s in snapshots] == [
        ("test-key-1", newer["event_id"]),
        ("test-key-2", theirs["event_id"]),
    ]


def test_current_lists_are_bounded_and_say_so() -> None:
    valid = [
        ValidEvent(e["event_id"], "test-key-1", e)
        for e in (
            signed("citation", {"cites": f"2101.0{n:04d}", "relationship": "cites"})
            for n in range(5)
        )
    ]
    current = build_current(valid, limit=3)
    assert len(current["citations"]) == 3 and current["truncated"] == {"citations": 5}
    assert [c["payload"]["cites"] for c in current["citations"]] == [
        "2101.00000",
        "2101.00001",
        "2101.00002",
    ]
    assert build_current(valid, limit=5)["truncated"] == {}


def test_merge_refuses_a_subject_that_is_not_a_pith_number() -> None:
    with pytest.raises(UsageError, match="expected a Pith Number"):
        merge("2101.00001", [], RING)


def test_an_empty_merge_is_a_state_too() -> None:
    doc = json.loads(merge(SUBJECT, [], RING).state_bytes())
    assert (doc["event_count"], doc["current"]["canonical_record"]) == (0, None)


def test_a_bundle_of_100k_events_merges_with_a_bounded_state() -> None:
    """100,000 events (foreign, each with its own id, a fifth of them sent twice) and a few
    signed ones, among them 150 equivocating slots: every event is judged and counted,
    state.json stays small (the lists in it are bounded)."""
    base = pith_shaped("citation")
    events: list[Any] = []
    for n in range(100_000):
        event = copy.copy(base)
        event["payload"] = {"cites": f"2101.{n % 99999 + 1:05d}", "relationship": "cites"}
        event["event_id"] = "sha256:" + hashlib.sha256(n.to_bytes(4, "big")).hexdigest()
        events.append(event)
    events += events[::5]
    for n in range(150):
        payload = {**GOOD_PAYLOADS["replication"], "replication_id": f"r{n}"}
        events.append(signed("replication", payload, key=KEY))
        events.append(signed("replication", {**payload, "outcome": "inconclusive"}, key=KEY))
    merged = merge(SUBJECT, events, RING)
    state = merged.state_bytes()
    doc = json.loads(state)
    assert doc["event_count"] == 100_300
    assert doc["unverifiable_event_count"] == 100_000
    assert (doc["valid_event_count"], doc["equivocation_count"]) == (300, 150)
    assert len(doc["equivocations"]) == 100
    assert len(state) < 64 * 1024
