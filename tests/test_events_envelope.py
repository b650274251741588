"""The event envelope: the id rule, the signature, and one test per state and reason."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

import pytest
from eventhelpers import (
    CITED,
    GOOD_PAYLOADS,
    IMPOSTOR,
    KEY,
    OTHER,
    OTHER_SUBJECT,
    RECORD,
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
from pithgen.events.envelope import (
    EVENT_RULE,
    MAX_EVENT_BYTES,
    compute_event_id,
    decide,
)
from pithgen.events.sign import build_event
from pithgen.keys import KeyRing, builtin_keys

# A real signature by KEY, over another record's digest: a forged receipt for RECORD.
CITED_SIGNATURE = CITED["receipt"]["signature_b64"]


def verdict_of(event: Any, subject: str = SUBJECT, ring: KeyRing = RING):
    return decide(event, subject, ring)


def test_event_id_is_sha256_of_the_canonical_event_without_id_and_signature() -> None:
    event = signed("citation")
    body = {k: v for k, v in event.items() if k not in ("event_id", "signature_b64")}
    preimage = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(preimage.encode("utf-8")).digest()
    assert event["event_id"] == "sha256:" + digest.hex() == compute_event_id(event)
    # The signature is Ed25519 over the 32 digest bytes, under the signer's key.
    signature = base64.b64decode(event["signature_b64"])
    assert KEY.public().verify(signature, digest)
    assert not KEY.public().verify(signature, digest.hex().encode())
    assert event["event_rule"] == EVENT_RULE
    assert event["signer"] == {
        "key_id": "test-key-1",
        "public_key_fingerprint": KEY.public().fingerprint,
    }


def test_signing_is_reproducible_and_key_order_does_not_matter() -> None:
    first, again = signed("replication"), signed("replication")
    assert canonical_json(first) == canonical_json(again)
    shuffled = dict(reversed(list(first.items())))
    assert verdict_of(shuffled).state == "valid"


@pytest.mark.parametrize("event_type", sorted(GOOD_PAYLOADS))
def test_a_signed_event_of_every_type_is_valid(event_type: str) -> None:
    verdict = verdict_of(signed(event_type))
    assert (verdict.state, verdict.reason, verdict.signer) == ("valid", None, "test-key-1")


def test_an_unknown_type_is_judged_like_any_event_and_kept() -> None:
    event = signed_raw(
        {"event_type": "peer_review", "payload": {"anything": [1, 2]}}, signed("citation")
    )
    assert verdict_of(event).state == "valid"
    event["payload"]["anything"].append(3)
    assert verdict_of(event).reason == "id_mismatch"


# --- invalid, one test per reason -------------------------------------------------------


def test_one_changed_byte_of_a_signed_event_is_invalid_id_mismatch() -> None:
    event = signed("citation")
    event["payload"]["context"] = "Section 3"  # was "Section 2": one byte
    verdict = verdict_of(event)
    assert (verdict.state, verdict.reason) == ("invalid", "id_mismatch")
    assert compute_event_id(event) in verdict.detail and event["event_id"] in verdict.detail


def test_a_signature_swapped_between_two_events_is_invalid_signature() -> None:
    first, second = signed("citation"), signed("replication")
    first["signature_b64"], second["signature_b64"] = (
        second["signature_b64"],
        first["signature_b64"],
    )
    for event in (first, second):
        verdict = verdict_of(event)
        assert (verdict.state, verdict.reason) == ("invalid", "signature")
        assert "does not verify" in verdict.detail


@pytest.mark.parametrize(
    "signature",
    [None, "", "not base64!", base64.b64encode(b"\x01" * 63).decode(), 17],
    ids=["missing", "empty", "not-base64", "63-bytes", "integer"],
)
def test_a_missing_or_malformed_signature_is_invalid(signature: Any) -> None:
    event = signed("citation")
    if signature is None:
        del event["signature_b64"]
    else:
        event["signature_b64"] = signature
    verdict = verdict_of(event)
    expected = "envelope" if isinstance(signature, int) else "signature"
    assert (verdict.state, verdict.reason) == ("invalid", expected)


def test_a_non_canonical_signature_s_plus_l_is_invalid() -> None:
    from pithgen.ed25519 import L

    event = signed("citation")
    raw = base64.b64decode(event["signature_b64"])
    s = int.from_bytes(raw[32:], "little") + L
    event["signature_b64"] = base64.b64encode(raw[:32] + s.to_bytes(32, "little")).decode()
    verdict = verdict_of(event)
    assert verdict.reason == "signature" and "not reduced modulo" in verdict.detail


def test_the_subject_of_another_record_is_invalid_subject() -> None:
    event = signed("citation", {"cites": SUBJECT, "relationship": "cites"}, subject=OTHER_SUBJECT)
    assert verdict_of(event, OTHER_SUBJECT).state == "valid"
    verdict = verdict_of(event, SUBJECT)
    assert (verdict.state, verdict.reason) == ("invalid", "subject")
    assert SUBJECT in verdict.detail and OTHER_SUBJECT in verdict.detail


def test_a_key_the_ring_does_not_trust_is_invalid_unknown_key() -> None:
    verdict = verdict_of(signed("citation", key=STRANGER))
    assert (verdict.state, verdict.reason) == ("invalid", "unknown_key")
    assert "'stranger-key'" in verdict.detail
    assert verdict_of(
        signed("citation", key=STRANGER), ring=KeyRing([STRANGER.public()])
    ).state == ("valid")


def test_an_impostor_under_a_trusted_key_id_is_named_by_its_fingerprint() -> None:
    # Signed by the impostor, naming its own fingerprint: the id and fingerprint name no
    # trusted key.
    verdict = verdict_of(signed("citation", key=IMPOSTOR))
    assert (verdict.state, verdict.reason) == ("invalid", "unknown_key")
    assert KEY.public().fingerprint in verdict.detail
    # Signed by the impostor, claiming the real key's fingerprint: the signature fails.
    claimed = signed_raw(
        {"signer": {"key_id": "test-key-1", "public_key_fingerprint": KEY.public().fingerprint}},
        signed("citation"),
        key=IMPOSTOR,
    )
    assert verdict_of(claimed).reason == "signature"


def test_a_signer_without_fingerprint_or_without_signer_is_invalid() -> None:
    no_fingerprint = signed_raw({"signer": {"key_id": "test-key-1"}}, signed("citation"))
    assert verdict_of(no_fingerprint).reason == "unknown_key"
    body = signed("citation")
    del body["signer"]
    no_signer = signed_raw({}, body)
    verdict = verdict_of(no_signer)
    assert (verdict.reason, "no signer" in verdict.detail) == ("unknown_key", True)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"event_type": "Citation"}, "event_type"),
        ({"event_type": 5}, "event_type"),
        ({"subject_pith_number": "pith:2021:abc"}, "subject_pith_number"),
        ({"created_at": "2026-02-30T00:00:00Z"}, "created_at"),
        ({"created_at": "2026-01-03 00:00:00Z"}, "created_at"),
        ({"created_at": "2026-01-03T00:00:00+01:00"}, "created_at"),
        ({"payload": ["not", "an", "object"]}, "payload"),
        ({"target": "Record!"}, "target"),
        ({"signer": "test-key-1"}, "signer"),
        ({"event_rule": 1}, "event_rule"),
    ],
)
def test_a_malformed_envelope_is_invalid_envelope(change: dict[str, Any], fragment: str) -> None:
    event = signed_raw(change, signed("citation"))
    verdict = verdict_of(event)
    assert (verdict.state, verdict.reason) == ("invalid", "envelope")
    assert verdict.detail.startswith(fragment)


@pytest.mark.parametrize(
    "missing", ["event_type", "subject_pith_number", "created_at", "payload", "event_id"]
)
def test_a_missing_envelope_field_is_invalid_envelope(missing: str) -> None:
    event = signed("citation")
    del event[missing]
    verdict = verdict_of(event)
    assert (verdict.reason, f"{missing}: expected") == (
        "envelope",
        verdict.detail[: len(missing) + 10],
    )


@pytest.mark.parametrize("value", [None, 3, "text", ["list"]])
def test_an_event_that_is_not_an_object_is_invalid_envelope(value: Any) -> None:
    assert verdict_of(value).reason == "envelope"


def test_an_event_id_that_is_not_sha256_hex_is_invalid_envelope() -> None:
    event = signed("citation")
    event["event_id"] = event["event_id"].upper()
    assert verdict_of(event).reason == "envelope"


def test_an_oversized_event_is_invalid_envelope() -> None:
    event = signed_raw(
        {"payload": {**GOOD_PAYLOADS["graph_snapshot"], "blob": "x" * MAX_EVENT_BYTES}},
        signed("graph_snapshot"),
    )
    verdict = verdict_of(event)
    assert verdict.reason == "envelope" and str(MAX_EVENT_BYTES) in verdict.detail


def test_a_record_created_whose_receipt_fails_is_invalid_receipt() -> None:
    event = signed("record_created")
    assert verdict_of(event).state == "valid"
    forged = copy.deepcopy(GOOD_PAYLOADS["record_created"])
    forged["receipt"]["signature_b64"] = CITED_SIGNATURE
    bad = signed_raw({"payload": forged}, event)
    verdict = verdict_of(bad)
    assert (verdict.state, verdict.reason) == ("invalid", "receipt")
    assert verdict.receipt is not None and not verdict.receipt.valid


def test_a_record_created_signed_by_another_key_than_its_receipt_is_invalid_receipt() -> None:
    event = signed_raw(
        {"signer": {"key_id": "test-key-2", "public_key_fingerprint": OTHER.public().fingerprint}},
        signed("record_created"),
        key=OTHER,
    )
    verdict = verdict_of(event)
    assert (verdict.state, verdict.reason) == ("invalid", "receipt")
    assert verdict.receipt is not None and verdict.receipt.valid
    assert "'test-key-1'" in verdict.detail


def test_record_created_about_another_record_is_invalid_payload() -> None:
    payload = {k: CITED[k] for k in ("canonical_record", "canonical_sha256", "receipt")}
    event = signed_raw({"payload": payload}, signed("record_created"))
    verdict = verdict_of(event)
    assert verdict.reason == "payload" and "payload describes record" in verdict.detail


# --- unverifiable -----------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["record_created", "graph_snapshot", "citation"])
def test_a_pith_shaped_foreign_event_is_unverifiable_not_invalid(event_type: str) -> None:
    verdict = verdict_of(pith_shaped(event_type))
    assert (verdict.state, verdict.reason) == ("unverifiable", "id_preimage_unknown")
    assert "not a sign of tampering" in verdict.detail
    # Whether or not the ring knows Pith's key, and with an envelope signature too.
    with_signature = {**pith_shaped(event_type), "signature_b64": "A" * 86 + "=="}
    for ring in (RING, KeyRing([KEY.public()])):
        assert verdict_of(with_signature, ring=ring).state == "unverifiable"


def test_pith_record_created_is_unverifiable_but_its_receipt_is_still_checked() -> None:
    verdict = verdict_of(pith_shaped("record_created"))
    assert verdict.state == "unverifiable"
    assert verdict.receipt is not None and verdict.receipt.valid
    forged = pith_shaped("record_created")
    forged["payload"]["receipt"]["signature_b64"] = CITED_SIGNATURE
    verdict = verdict_of(forged)
    assert verdict.state == "unverifiable"
    assert verdict.receipt is not None and not verdict.receipt.valid
    assert "does not verify" in verdict.receipt.detail


def test_the_real_seed_record_as_a_pith_bundle_event(
    seed_doc: dict[str, Any], helpers: Any
) -> None:
    bundle = helpers.make_bundle(seed_doc)
    ring = KeyRing(builtin_keys())
    created, snapshot = (decide(e, seed_doc["pith_number"], ring) for e in bundle["events"])
    assert (created.state, created.reason) == ("unverifiable", "id_preimage_unknown")
    assert created.receipt is not None and created.receipt.valid
    assert "pith-v1-2026-05" in created.receipt.detail
    assert snapshot.state == "unverifiable"  # no signer at all: nothing to check either


def test_a_foreign_event_is_checked_by_the_rule_when_its_id_recomputes() -> None:
    body = signed("citation")
    del body["event_rule"]
    foreign = signed_raw({}, body)
    assert verdict_of(foreign).state == "valid"
    foreign["signature_b64"] = signed("replication")["signature_b64"]
    assert verdict_of(foreign).reason == "signature"


def test_removing_the_rule_claim_makes_an_event_unverifiable_never_valid() -> None:
    event = signed("citation")
    del event["event_rule"]
    assert (verdict_of(event).state, verdict_of(event).reason) == (
        "unverifiable",
        "id_preimage_unknown",
    )
    event["event_rule"] = "pithgen-event-v9"
    assert (verdict_of(event).state, verdict_of(event).reason) == ("unverifiable", "unknown_rule")


def test_structural_defects_of_a_foreign_event_are_invalid_not_unverifiable() -> None:
    event = pith_shaped("citation")
    event["subject_pith_number"] = OTHER_SUBJECT
    assert verdict_of(event).reason == "subject"
    event = pith_shaped("citation")
    event["payload"]["relationship"] = "likes"
    assert verdict_of(event).reason == "payload"


# --- one changed character anywhere: never valid ------------------------------------------


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Paths to every string, key and integer of an event (kind 'key', 'str' or 'int')."""
    out: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            out.append(((*path, key), "key"))
            out.extend(_leaves(child, (*path, key)))
    elif isinstance(value, list):
        for n, child in enumerate(value):
            out.extend(_leaves(child, (*path, n)))
    elif isinstance(value, str):
        out.append((path, "str"))
    elif isinstance(value, int) and not isinstance(value, bool):
        out.append((path, "int"))
    return out


def _changed(event: dict[str, Any], path: tuple[Any, ...], kind: str, data: Any) -> dict[str, Any]:
    event = copy.deepcopy(event)
    parent = event
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if kind == "int":
        parent[last] += data.draw(st.sampled_from([-1, 1]))
        return event
    text = last if kind == "key" else parent[last]
    if not text:
        return event
    at = data.draw(st.integers(0, len(text) - 1))
    new = data.draw(st.characters(codec="utf-8").filter(lambda c: c != text[at]))
    changed = text[:at] + new + text[at + 1 :]
    if kind == "key":
        if changed in parent:
            return event
        parent[changed] = parent.pop(last)
    else:
        parent[last] = changed
    return event


@given(st.sampled_from(sorted(GOOD_PAYLOADS)), st.data())
def test_any_one_character_changed_is_never_valid(event_type: str, data: Any) -> None:
    event = signed(event_type)
    path, kind = data.draw(st.sampled_from(_leaves(event)))
    changed = _changed(event, path, kind, data)
    if changed == event:
        return
    verdict = verdict_of(changed)
    assert verdict.state != "valid"
    if path[0] == "event_rule":
        assert verdict.state == "unverifiable"
    else:
        assert verdict.state == "invalid", (path, kind, verdict)


def test_build_event_refuses_what_it_would_call_invalid() -> None:
    from pithgen.errors import UsageError

    with pytest.raises(UsageError, match=r"payload\.relationship"):
        build_event(
            event_type="citation",
            subject=SUBJECT,
            created_at="2026-01-01T00:00:00Z",
            payload={"cites": OTHER_SUBJECT, "relationship": "likes"},
            key=KEY,
        )
    with pytest.raises(UsageError, match="created_at"):
        build_event(
            event_type="citation",
            subject=SUBJECT,
            created_at="yesterday",
            payload={"cites": OTHER_SUBJECT, "relationship": "cites"},
            key=KEY,
        )
    assert RECORD["pith_number"] == SUBJECT


# --- robustness: any JSON is judged, nothing raises ---------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)


@given(st.sampled_from([*sorted(GOOD_PAYLOADS), "peer_review"]), st.data())
def test_any_json_in_any_field_is_judged_without_raising(event_type: str, data: Any) -> None:
    base = signed(event_type) if event_type in GOOD_PAYLOADS else signed("citation")
    event = copy.deepcopy(base)
    event["event_type"] = event_type
    payload_fields = [*sorted(event["payload"]), "stamps", "receipt", "extra"]
    for _ in range(data.draw(st.integers(1, 4))):
        if isinstance(event.get("payload"), dict) and data.draw(st.booleans()):
            event["payload"][data.draw(st.sampled_from(payload_fields))] = data.draw(json_values)
        else:
            event[data.draw(st.sampled_from(sorted(event)))] = data.draw(json_values)
    verdict = verdict_of(event)
    assert verdict.state in ("valid", "invalid", "unverifiable")
    assert (verdict.reason is None) == (verdict.state == "valid")
    assert len(verdict.detail) <= 1100


def test_the_golden_archive_bundles_have_unverifiable_envelopes_and_valid_receipts(
    helpers: Any, test_ring: KeyRing
) -> None:
    bundles = sorted((helpers.fixtures / "golden-archive" / "records" / "bundles").glob("*.json"))
    seen = 0
    for path in bundles:
        doc = json.loads(path.read_bytes())
        if doc.get("bundle_type") != "pith_open_graph_bundle":
            continue
        for event in doc["events"]:
            verdict = decide(event, doc["pith_number"], test_ring)
            assert verdict.state == "unverifiable", (path.name, verdict)
            if event["event_type"] == "record_created":
                seen += 1
                assert verdict.receipt is not None and verdict.receipt.valid
    assert seen >= 2
