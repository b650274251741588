"""The merge (pith-open-graph-merge-v1 as pithgen defines it): properties, equivocation
slots, ``current``, bounds and the exact shape of state.json and events.json."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from eventhelpers import (
    GOOD_PAYLOADS,
    OTHER,
    OTHER_SUBJECT,
    RESIGNED,
    RING,
    STRANGER,
    SUBJECT,
    pith_shaped,
    signed,
    signed_raw,
)
from hypothesis import given
from hypothesis import strategies as st

from pithgen.canonical import canonical_json
from pithgen.events.files import bundle_events, parse_event_lines, route
from pithgen.events.merge import (
    EQUIVOCATIONS_LISTED,
    EVENT_IDS_PER_SLOT,
    EventSet,
    MergedState,
    merge,
)

T1, T2, T3 = "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-05T00:00:00+00:00"


def _tampered(event: dict[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["payload"]["context"] = "altered"
    return event


CITE = signed("citation", created_at=T1)
#: Every kind of event a record can meet; the properties draw lists from it.
POOL: list[Any] = [
    CITE,
    signed("citation", created_at=T2),  # the same claim restated later
    signed("citation", {"cites": OTHER_SUBJECT, "relationship": "refutes"}, key=OTHER),
    signed("replication", created_at=T1),
    signed("replication", {**GOOD_PAYLOADS["replication"], "outcome": "not_replicated"}),
    signed("record_created"),
    signed("graph_snapshot", key=OTHER),
    signed("ots_anchor"),
    signed("author_claim"),
    signed("wayback_capture"),
    signed("integrity_finding"),
    signed_raw({"event_type": "peer_review", "payload": {"free": "form"}}, CITE),
    _tampered(CITE),  # same event_id as CITE, altered: invalid
    pith_shaped("record_created"),
    pith_shaped("graph_snapshot", "b"),
    signed("citation", {"cites": SUBJECT, "relationship": "cites"}, subject=OTHER_SUBJECT),
    signed("citation", key=STRANGER),
    "not an event",
    {"event_type": "citation"},
]


def state_of(events: Any) -> MergedState:
    return merge(SUBJECT, events, RING)


def both(events: Any) -> tuple[bytes, bytes]:
    merged = state_of(events)
    return merged.state_bytes(), merged.events_bytes()


REFERENCE = both(POOL)
indices = st.lists(st.integers(0, len(POOL) - 1), max_size=30)


@given(indices, st.randoms(use_true_random=False))
def test_permutation_invariance(picked: list[int], rnd: Any) -> None:
    events = [POOL[i] for i in picked]
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert both(shuffled) == both(events)


@given(indices, indices)
def test_idempotent_under_duplicates(picked: list[int], again: list[int]) -> None:
    events = [POOL[i] for i in picked]
    duplicates = [copy.deepcopy(POOL[i]) for i in again if i in picked]
    assert both(events + duplicates + events) == both(events)


@given(indices, indices, indices)
def test_union_is_commutative_and_associative(a: list[int], b: list[int], c: list[int]) -> None:
    sa, sb, sc = (EventSet.of(POOL[i] for i in picked) for picked in (a, b, c))
    assert sa.union(sb) == sb.union(sa)
    assert sa.union(sb).union(sc) == sa.union(sb.union(sc)) == sa.union(sb, sc)
    assert both(sa.union(sb)) == both(sb.union(sa))
    assert both(sa.union(sb).union(sc)) == both(sa.union(sb.union(sc)))
    assert both(sa.union(sb)) == both([POOL[i] for i in a + b])


@given(st.lists(st.integers(0, 5), min_size=len(POOL), max_size=len(POOL)), st.booleans())
def test_any_split_across_bundles_and_event_files_gives_the_same_state(
    places: list[int], with_duplicates: bool
) -> None:
    """Each event goes into one of three bundles or three event files (an event file only
    takes events it can attach to this record); the merged set is the whole pool."""
    bundles: list[list[Any]] = [[], [], []]
    files: list[list[Any]] = [[], [], []]
    for event, place in zip(POOL, places, strict=True):
        routable = isinstance(event, dict) and event.get("subject_pith_number") == SUBJECT
        if place >= 3 and routable:
            files[place - 3].append(event)
        else:
            bundles[place % 3].append(event)
    if with_duplicates:
        bundles[0].extend(POOL[:4])
    parsed = [
        parse_event_lines("".join(canonical_json(e) + "\n" for e in chunk).encode(), f"f{n}")
        for n, chunk in enumerate(files)
    ]
    routed, problems = route(parsed)
    assert problems == []
    events = [e for b in bundles for e in bundle_events({"events": b})]
    events += [line.event for line in routed.get(SUBJECT, [])]
    assert both(events) == REFERENCE


@given(indices)
def test_a_mirror_of_a_mirror_has_the_same_state(picked: list[int]) -> None:
    first = state_of([POOL[i] for i in picked])
    events_doc = json.loads(first.events_bytes())
    second = state_of([item["event"] for item in events_doc["events"]])
    third = state_of([item["event"] for item in json.loads(second.events_bytes())["events"]])
    assert first.state_bytes() == second.state_bytes() == third.state_bytes()
    assert first.events_bytes() == second.events_bytes() == third.events_bytes()


# --- states and counts ------------------------------------------------------------------


def test_every_event_ends_in_exactly_one_state_and_the_counts_add_up() -> None:
    merged = state_of(POOL)
    doc = json.loads(merged.state_bytes())
    states = [e.verdict.state for e in merged.events]
    assert len(states) == len(POOL) == doc["event_count"]
    assert doc["valid_event_count"] == states.count("valid") == 12
    assert doc["invalid_event_count"] == states.count("invalid") == 5
    assert doc["unverifiable_event_count"] == states.count("unverifiable") == 2
    assert doc["reason_counts"] == {
        "envelope": 2,
        "id_mismatch": 1,
        "id_preimage_unknown": 2,
        "subject": 1,
        "unknown_key": 1,
    }
    # peer_review, and "not an event", which has no type at all.
    assert doc["unknown_type_event_count"] == 2
    assert doc["equivocation_count"] == 1  # the two replication outcomes


def test_duplicates_by_content_collapse_but_a_forged_copy_of_an_id_does_not() -> None:
    forged = _tampered(CITE)
    merged = state_of([CITE, copy.deepcopy(CITE), forged, CITE])
    assert sorted((e.stated_id, e.verdict.state) for e in merged.events) == [
        (CITE["event_id"], "invalid"),
        (CITE["event_id"], "valid"),
    ]
    # Whichever comes first, the real event stays valid and in current.
    assert state_of([forged, CITE]).state_bytes() == state_of([CITE, forged]).state_bytes()
    assert state_of([forged, CITE]).current["citations"][0]["event_id"] == CITE["event_id"]


def test_unknown_types_are_kept_and_counted_never_dropped() -> None:
    unknown = signed_raw({"event_type": "peer_review", "payload": {"free": "form"}}, CITE)
    merged = state_of([unknown, CITE])
    doc = json.loads(merged.state_bytes())
    assert doc["unknown_type_event_count"] == 1 and doc["valid_event_count"] == 2
    listed = json.loads(merged.events_bytes())["events"]
    assert [e["event_type"] for e in listed].count("peer_review") == 1
    assert all(unknown["event_id"] != c["event_id"] for c in merged.current["citations"])


# --- equivocation: one test per slot ----------------------------------------------------


def _payload(event_type: str, **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(GOOD_PAYLOADS[event_type]), **changes}


def _ots(height: int) -> dict[str, Any]:
    payload = _payload("ots_anchor")
    payload["stamps"][0]["bitcoin_block_height"] = height
    return payload


RESIGNED_PAYLOAD = {k: RESIGNED[k] for k in ("canonical_record", "canonical_sha256", "receipt")}
# slot kind -> (event type, first payload, second payload, the two times)
SLOTS: dict[str, tuple[str, dict[str, Any], dict[str, Any], tuple[str, str]]] = {
    "record_created": (
        "record_created",
        _payload("record_created"),
        RESIGNED_PAYLOAD,
        (T1, T2),
    ),
    "citation_stance": (
        "citation",
        _payload("citation", relationship="supports"),
        _payload("citation", relationship="refutes"),
        (T1, T2),
    ),
    "author_claim": (
        "author_claim",
        _payload("author_claim"),
        {"author_name": "B. Two", "author_position": 1},
        (T1, T2),
    ),
    "ots_anchor": ("ots_anchor", _ots(875000), _ots(875001), (T1, T2)),
    "wayback_capture": (
        "wayback_capture",
        _payload("wayback_capture"),
        _payload("wayback_capture", content_sha256="cd" * 32),
        (T1, T2),
    ),
    "replication": (
        "replication",
        _payload("replication"),
        _payload("replication", outcome="not_replicated"),
        (T1, T2),
    ),
    "integrity_finding": (
        "integrity_finding",
        _payload("integrity_finding"),
        _payload("integrity_finding", kind="plagiarism"),
        (T1, T2),
    ),
    "graph_snapshot": (
        "graph_snapshot",
        _payload("graph_snapshot"),
        _payload("graph_snapshot", builder_version="other"),
        (T1, "2026-01-03T00:00:00.000+00:00"),  # the same instant, spelled differently
    ),
}


@pytest.mark.parametrize("kind", sorted(SLOTS))
def test_one_signer_two_values_in_one_slot_is_an_equivocation(kind: str) -> None:
    event_type, first, second, (t1, t2) = SLOTS[kind]
    a = signed(event_type, first, created_at=t1)
    b = signed(event_type, second, created_at=t2)
    unrelated = signed("author_claim", {"author_name": "C. Three"})  # fills no slot
    merged = state_of([a, b, unrelated])
    doc = json.loads(merged.state_bytes())
    assert doc["equivocation_count"] == 1
    listed = doc["equivocations"][0]
    assert (listed["kind"], listed["signer"], listed["value_count"]) == (kind, "test-key-1", 2)
    assert listed["event_ids"] == sorted([a["event_id"], b["event_id"]])
    flagged = {e.stated_id for e in merged.events if e.equivocates}
    assert flagged == {a["event_id"], b["event_id"]}
    # Both stay valid, neither is in current.
    assert doc["valid_event_count"] == 3
    assert {a["event_id"], b["event_id"]}.isdisjoint(_current_ids(merged))


@pytest.mark.parametrize("kind", sorted(SLOTS))
def test_restating_a_value_or_another_signer_disagreeing_is_no_equivocation(kind: str) -> None:
    event_type, first, second, (t1, _) = SLOTS[kind]
    if event_type == "record_created":
        return  # another key cannot sign a record_created for a receipt it did not sign
    again = signed(event_type, first, created_at=T3 if kind != "graph_snapshot" else t1)
    same = signed(event_type, first, created_at=t1)
    other = signed(event_type, second, created_at=t1, key=OTHER)
    doc = json.loads(state_of([same, again, other]).state_bytes())
    assert doc["equivocation_count"] == 0


def _current_ids(merged: MergedState) -> set[str]:
    ids = set()
    for value in merged.current.values():
        if isinstance(value, list):
            ids |= {entry["event_id"] for entry in value if "event_id" in entry}
    return ids


def test_equivocations_listed_are_bounded_and_all_are_counted() -> None:
    events = []
    for n in range(EQUIVOCATIONS_LISTED + 2):
        payload = _payload("replication", replication_id=f"rep-{n:03d}")
        events.append(signed("replication", payload))
        events.append(signed("replication", {**payload, "outcome": "inconclusive"}))
    doc = json.loads(state_of(events).state_bytes())
    assert doc["equivocation_count"] == EQUIVOCATIONS_LISTED + 2
    assert len(doc["equivocations"]) == EQUIVOCATIONS_LISTED
    assert doc["equivocations"][0]["key"] == ["rep-000"]


def test_event_ids_listed_per_slot_are_bounded() -> None:
    kinds = [f"kind_{n:02d}" for n in range(EVENT_IDS_PER_SLOT + 2)]
    events = [signed("integrity_finding", _payload("integrity_finding", kind=k)) for k in kinds]
    merged = state_of(events)
    listed = json.loads(merged.state_bytes())["equivocations"][0]
    assert listed["value_count"] == listed["event_id_count"] == EVENT_IDS_PER_SLOT + 2
    assert len(listed["event_ids"]) == EVENT_IDS_PER_SLOT
    assert sum(e.equivocates for e in merged.events) == EVENT_IDS_PER_SLOT + 2
