"""Single-valued slots (equivocation) and claim keys (what ``current`` keeps).

A *slot* is a fact one signer can state only one way. Each valid event of a known type
fills zero or more slots, each with a *value*; a signer who fills one slot with two
different values has equivocated (docs/events.md "Slots"):

=================== ============================================ ==========================
event type          slot (besides the signer's key id)           value
=================== ============================================ ==========================
record_created      the subject                                  the whole payload
citation            the cited record, for ``supports``/``refutes`` the relationship
author_claim        the author position (when stated)            author name and ORCID
ots_anchor          each complete stamp's calendar, per digest   its bitcoin block height
wayback_capture     the captured URL and capture time            archive URL, content hash,
                                                                 HTTP status
replication         the replication id                           the outcome
integrity_finding   the finding id                               the kind of finding
graph_snapshot      the snapshot time (``created_at``)           the whole payload
=================== ============================================ ==========================

Restating the same value (a new event, a new time) is not equivocation; two *signers*
disagreeing is not equivocation either (it is a disagreement, shown as such).

A *claim key* groups the valid events that say the same thing again over time; of each
group ``current`` keeps the latest (docs/events.md "current"). Values are canonical JSON
text, so that ``1`` and ``true`` differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pithgen.canonical import canonical_json
from pithgen.events.grammar import timestamp_key


@dataclass(frozen=True, order=True)
class Slot:
    """One single-valued slot: the event type (or ``citation_stance``), the signer's key
    id and the type's discriminator."""

    kind: str
    signer: str
    key: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "signer": self.signer, "key": list(self.key)}


SLOT_KINDS = (
    "record_created",
    "citation_stance",
    "author_claim",
    "ots_anchor",
    "wayback_capture",
    "replication",
    "integrity_finding",
    "graph_snapshot",
)
_STANCES = ("supports", "refutes")


def slot_values(event: dict[str, Any], signer: str) -> list[tuple[Slot, str]]:
    """The (slot, value) pairs of one *valid* event (payload already checked)."""
    kind, payload = event["event_type"], event["payload"]
    if kind == "record_created":
        return [(Slot(kind, signer, (event["subject_pith_number"],)), canonical_json(payload))]
    if kind == "citation":
        if payload["relationship"] in _STANCES:
            slot = Slot("citation_stance", signer, (payload["cites"],))
            return [(slot, canonical_json(payload["relationship"]))]
        return []
    if kind == "author_claim":
        if "author_position" not in payload:
            return []
        value = [payload["author_name"], payload.get("orcid")]
        return [(Slot(kind, signer, (str(payload["author_position"]),)), canonical_json(value))]
    if kind == "ots_anchor":
        return [
            (
                Slot(kind, signer, (payload["digest"], stamp["calendar_url"])),
                canonical_json(stamp["bitcoin_block_height"]),
            )
            for stamp in payload["stamps"]
            if "bitcoin_block_height" in stamp
        ]
    if kind == "wayback_capture":
        at = timestamp_key(payload["captured_at"]) or ""
        found = {k: payload.get(k) for k in ("archive_url", "content_sha256", "http_status")}
        return [(Slot(kind, signer, (payload["url"], at)), canonical_json(found))]
    if kind == "replication":
        slot = Slot(kind, signer, (payload["replication_id"],))
        return [(slot, canonical_json(payload["outcome"]))]
    if kind == "integrity_finding":
        return [(Slot(kind, signer, (payload["finding_id"],)), canonical_json(payload["kind"]))]
    if kind == "graph_snapshot":
        at = timestamp_key(event["created_at"]) or ""
        return [(Slot(kind, signer, (at,)), canonical_json(payload))]
    return []


def claim_key(event: dict[str, Any], signer: str) -> tuple[str, ...] | None:
    """The group of restatements a valid event belongs to (None: not in ``current``)."""
    kind, payload = event["event_type"], event["payload"]
    if kind in ("record_created", "graph_snapshot"):
        return (signer,)
    if kind == "citation":
        return (signer, payload["cites"], payload["relationship"])
    if kind == "author_claim":
        who = payload.get("orcid") or payload["author_name"]
        return (signer, str(payload.get("author_position", "")), who)
    if kind == "ots_anchor":
        return (signer, payload["digest"])
    if kind == "wayback_capture":
        return (signer, payload["url"], timestamp_key(payload["captured_at"]) or "")
    if kind == "replication":
        return (signer, payload["replication_id"])
    if kind == "integrity_finding":
        return (signer, payload["finding_id"])
    return None


__all__ = ["SLOT_KINDS", "Slot", "claim_key", "slot_values"]
