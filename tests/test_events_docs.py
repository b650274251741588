"""docs/events.md says what the code does: its examples are recomputed, and every reason,
type, slot kind and bound it names is the code's."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from eventhelpers import RING, SUBJECT, pith_shaped, signed

from pithgen.events import current, envelope, files, merge, schemas, slots

DOC = (Path(__file__).resolve().parent.parent / "docs" / "events.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"<!-- example:([a-z]+) -->\n```json\n(.*?)\n```", re.DOTALL)


def examples() -> dict[str, Any]:
    return {name: json.loads(body) for name, body in EXAMPLE.findall(DOC)}


def _merged() -> merge.MergedState:
    cite = signed("citation")
    altered = copy.deepcopy(cite)
    altered["payload"]["relationship"] = "refutes"
    return merge.merge(SUBJECT, [cite, altered, pith_shaped("graph_snapshot")], RING)


def test_the_examples_are_what_the_code_gives() -> None:
    found = examples()
    assert set(found) == {"event", "state", "events"}
    assert found["event"] == signed("citation")
    merged = _merged()
    assert found["state"] == json.loads(merged.state_bytes())
    entries = json.loads(merged.events_bytes())["events"]
    assert found["events"] == [{k: v for k, v in e.items() if k != "event"} for e in entries]


def test_every_reason_type_and_slot_kind_is_documented() -> None:
    for reason in (*envelope.INVALID_REASONS, *envelope.UNVERIFIABLE_REASONS):
        assert f"`{reason}`" in DOC, reason
    for event_type in schemas.KNOWN_TYPES:
        assert f"**`{event_type}`**" in DOC, event_type
    for kind in slots.SLOT_KINDS:
        assert f"| `{kind}` |" in DOC, kind
    for name in current.CURRENT_LISTS.values():
        assert f"`{name}`" in DOC, name
    for relationship in schemas.RELATIONSHIPS:
        assert f"`{relationship}`" in DOC


def test_the_documented_bounds_are_the_code_bounds() -> None:
    assert envelope.MAX_EVENT_BYTES == 262_144 and "262,144 bytes" in DOC
    assert files.MAX_LINE_BYTES == 1024 * 1024 and "1 MiB" in DOC
    assert merge.EQUIVOCATIONS_LISTED == 100 and "at most\n  100 equivocating slots" in DOC
    assert merge.EVENT_IDS_PER_SLOT == 10 and "at most 10 event ids" in DOC
    assert current.CURRENT_LIMIT == 5000 and "at most 5000" in DOC
    assert schemas.MAX_STAMPS == 16 and "1 to 16 stamps" in DOC
    assert envelope.EVENT_RULE == "pithgen-event-v1" and merge.MERGE_VERSION in DOC
