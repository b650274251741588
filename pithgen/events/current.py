"""``current``: what the valid events of one record say now (docs/events.md "current").

Built from valid events only, and of those only the ones that are not part of an
equivocation (a signer who said two things in one slot has said nothing there). Valid
events are grouped by claim key (:func:`pithgen.events.slots.claim_key`: the same signer
saying the same thing again); of each group the latest stands, by ``created_at`` (as an
instant, whatever its spelling) and then by ``event_id``. Each list holds at most
:data:`CURRENT_LIMIT` entries in a fixed order; ``truncated`` says how many a cut list had.

The record itself (``canonical_record``, ``canonical_sha256``, ``source_aliases``) comes
from the valid ``record_created`` events; every one of them describes the subject record
(their payload rule says so), so they all carry the same record. With none, these are
``null`` and ``[]``: a record whose only ``record_created`` event is Pith's (unverifiable
today) has its record from the bundle, whose receipt verify.py checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pithgen.canonical import expected_aliases, suffix_for
from pithgen.events.grammar import timestamp_key
from pithgen.events.slots import claim_key

CURRENT_LIMIT = 5000
#: event type -> the list of ``current`` its entries go into.
CURRENT_LISTS = {
    "record_created": "record_created",
    "citation": "citations",
    "author_claim": "author_claims",
    "ots_anchor": "ots_anchors",
    "wayback_capture": "wayback_captures",
    "replication": "replications",
    "integrity_finding": "integrity_findings",
    "graph_snapshot": "graph_snapshots",
}


@dataclass(frozen=True)
class ValidEvent:
    """A valid event as ``current`` needs it: the event, its id and its signer."""

    event_id: str
    signer: str
    event: dict[str, Any]

    @property
    def order(self) -> tuple[str, str]:
        """Later is greater: the instant of ``created_at``, then the id."""
        return (timestamp_key(self.event["created_at"]) or "", self.event_id)

    def entry(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "signer": self.signer,
            "created_at": self.event["created_at"],
            "payload": self.event["payload"],
        }


def _record_fields(created: list[ValidEvent]) -> dict[str, Any]:
    """canonical_record, canonical_sha256 and source_aliases from the valid
    record_created events (all describe one record); the aliases' ``created_at`` is that
    of the earliest of them."""
    if not created:
        return {"canonical_record": None, "canonical_sha256": None, "source_aliases": []}
    first = min(created, key=lambda v: v.order)
    payload = first.event["payload"]
    record, digest = payload["canonical_record"], payload["canonical_sha256"]
    source = record["source"]
    aliases = expected_aliases(source["id"], source["version"], suffix_for(digest))
    at = first.event["created_at"]
    return {
        "canonical_record": record,
        "canonical_sha256": digest,
        "source_aliases": [
            {"alias_kind": kind, "alias_value": value, "created_at": at}
            for kind, value in sorted(aliases.items())
        ],
    }


def build_current(valid: Iterable[ValidEvent], limit: int = CURRENT_LIMIT) -> dict[str, Any]:
    """``current`` from the valid, non-equivocating events of one record."""
    latest: dict[tuple[str, tuple[str, ...]], ValidEvent] = {}
    for item in valid:
        key = claim_key(item.event, item.signer)
        if key is None:
            continue
        group = (item.event["event_type"], key)
        known = latest.get(group)
        if known is None or item.order > known.order:
            latest[group] = item
    lists: dict[str, list[tuple[tuple[str, ...], ValidEvent]]] = {
        name: [] for name in CURRENT_LISTS.values()
    }
    for (event_type, key), item in latest.items():
        lists[CURRENT_LISTS[event_type]].append((key, item))
    current: dict[str, Any] = _record_fields([item for _, item in lists["record_created"]])
    truncated: dict[str, int] = {}
    for name, items in lists.items():
        items.sort(key=lambda pair: (pair[0], pair[1].event_id))
        if len(items) > limit:
            truncated[name] = len(items)
        current[name] = [item.entry() for _, item in items[:limit]]
    current["truncated"] = truncated
    return current


__all__ = ["CURRENT_LIMIT", "CURRENT_LISTS", "ValidEvent", "build_current"]
