"""``pith-open-graph-merge-v1`` as pithgen defines it: a set of events -> one record's state.

The merge is a function of the *set* of events (docs/events.md "Merge"):

1. Deduplicate by content: two events are the same event when their canonical JSON
   (the whole object, id and signature included) is the same bytes; an :class:`EventSet`
   is keyed by the SHA-256 of those bytes. Deduplicating by the stated ``event_id``
   instead would let a forged copy that reuses a real id hide the real event depending
   on which came first.
2. Decide each event's state on its own (:func:`pithgen.events.envelope.decide`).
3. Fill the single-valued slots with the valid events; a slot with two values from one
   signer is an equivocation: counted, its events flagged and listed (bounded).
4. Build ``current`` from the valid events outside equivocations
   (:mod:`pithgen.events.current`).
5. Order the events by (stated ``event_id``, content digest) and serialise both
   documents as canonical JSON plus a newline.

No step looks at the input order or at how many copies came in, so any order, any
duplicates, any split across bundles and event files give byte-identical documents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pithgen.canonical import canonical_bytes, canonical_json, sha256_hex
from pithgen.errors import UsageError
from pithgen.events.current import ValidEvent, build_current
from pithgen.events.envelope import EventEncodingError, EventVerdict, decide
from pithgen.events.grammar import is_pith_number
from pithgen.events.schemas import KNOWN_TYPES
from pithgen.events.slots import Slot, slot_values
from pithgen.keys import KeyRing

MERGE_VERSION = "pith-open-graph-merge-v1"
STATE_TYPE = "pith_open_graph_state"
EVENTS_TYPE = "pith_open_graph_events"
DOCUMENT_VERSION = "1.0"
#: At most this many equivocating slots are listed in state.json (all are counted) ...
EQUIVOCATIONS_LISTED = 100
#: ... and of each, at most this many event ids (all are flagged in events.json).
EVENT_IDS_PER_SLOT = 10


def content_digest(event: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of the whole event: the identity of an event."""
    try:
        return sha256_hex(canonical_bytes(event))
    except (TypeError, ValueError, RecursionError) as exc:
        raise EventEncodingError(f"an event is not a JSON value: {type(exc).__name__}") from None


@dataclass(frozen=True)
class EventSet:
    """A set of events, by content digest. Union is set union: commutative, associative,
    idempotent."""

    by_digest: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Iterable[Any]) -> EventSet:
        return cls({content_digest(event): event for event in events})

    def union(self, *others: EventSet) -> EventSet:
        merged = dict(self.by_digest)
        for other in others:
            merged.update(other.by_digest)
        return EventSet(merged)

    def __len__(self) -> int:
        return len(self.by_digest)


@dataclass(frozen=True)
class JudgedEvent:
    """One distinct event with its verdict; ``equivocates`` when it is one of the valid
    events of an equivocating slot."""

    digest: str
    event: Any
    verdict: EventVerdict
    equivocates: bool = False

    @property
    def stated_id(self) -> str | None:
        stated = self.event.get("event_id") if isinstance(self.event, dict) else None
        return stated if isinstance(stated, str) else None

    @property
    def event_type(self) -> str | None:
        kind = self.event.get("event_type") if isinstance(self.event, dict) else None
        return kind if isinstance(kind, str) else None

    def sort_key(self) -> tuple[str, str]:
        return (self.stated_id or "", self.digest)

    def to_dict(self) -> dict[str, Any]:
        receipt = self.verdict.receipt
        return {
            "content_sha256": self.digest,
            "event_id": self.stated_id,
            "event_type": self.event_type,
            "state": self.verdict.state,
            "reason": self.verdict.reason,
            "detail": self.verdict.detail,
            "equivocates": self.equivocates,
            "receipt": None
            if receipt is None
            else {"valid": receipt.valid, "detail": receipt.detail},
            "event": self.event,
        }


@dataclass(frozen=True)
class Equivocation:
    """One slot a signer filled with ``value_count`` different values."""

    slot: Slot
    event_ids: tuple[str, ...]
    value_count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.slot.to_dict(),
            "value_count": self.value_count,
            "event_id_count": len(self.event_ids),
            "event_ids": list(self.event_ids[:EVENT_IDS_PER_SLOT]),
        }


@dataclass(frozen=True)
class MergedState:
    """The merge of one record's events: every distinct event judged, the equivocations,
    ``current``; :meth:`state_bytes` and :meth:`events_bytes` are the two documents."""

    pith_number: str
    events: tuple[JudgedEvent, ...]
    equivocations: tuple[Equivocation, ...]
    current: dict[str, Any]

    def count(self, state: str) -> int:
        return sum(1 for e in self.events if e.verdict.state == state)

    def state_document(self) -> dict[str, Any]:
        states = Counter(e.verdict.state for e in self.events)
        reasons = Counter(e.verdict.reason for e in self.events if e.verdict.reason)
        unknown = sum(1 for e in self.events if e.event_type not in KNOWN_TYPES)
        return {
            "state_type": STATE_TYPE,
            "state_version": DOCUMENT_VERSION,
            "pith_number": self.pith_number,
            "merge_version": MERGE_VERSION,
            "event_count": len(self.events),
            "valid_event_count": states["valid"],
            "invalid_event_count": states["invalid"],
            "unverifiable_event_count": states["unverifiable"],
            "equivocation_count": len(self.equivocations),
            "unknown_type_event_count": unknown,
            "reason_counts": dict(sorted(reasons.items())),
            "equivocations": [e.to_dict() for e in self.equivocations[:EQUIVOCATIONS_LISTED]],
            "current": self.current,
        }

    def events_document(self) -> dict[str, Any]:
        """events.json as a value (see :meth:`events_chunks` for its bytes)."""
        return {
            "events_type": EVENTS_TYPE,
            "events_version": DOCUMENT_VERSION,
            "pith_number": self.pith_number,
            "merge_version": MERGE_VERSION,
            "event_count": len(self.events),
            "events": [e.to_dict() for e in self.events],
        }

    def state_bytes(self) -> bytes:
        return canonical_bytes(self.state_document()) + b"\n"

    def events_bytes(self) -> bytes:
        return b"".join(self.events_chunks())

    def events_chunks(self) -> Iterator[bytes]:
        """events.json in pieces, one event entry at a time, so that a writer need not
        hold the whole document (for 100,000 events it is about 100 MB); the pieces
        join to exactly the canonical document and its newline."""
        frame = canonical_json({**self.events_document(), "events": []})
        head, tail = frame.split('"events":[]', 1)
        yield f'{head}"events":['.encode()
        for n, event in enumerate(self.events):
            yield (b"," if n else b"") + canonical_bytes(event.to_dict())
        yield f"]{tail}\n".encode()


def _equivocations(
    judged: list[JudgedEvent],
) -> tuple[tuple[Equivocation, ...], set[str]]:
    """The equivocating slots (sorted) and the ids of the events in them."""
    filled: dict[Slot, dict[str, set[str]]] = {}
    for item in judged:
        signer = item.verdict.signer
        if item.verdict.state != "valid" or signer is None:
            continue
        for slot, value in slot_values(item.event, signer):
            filled.setdefault(slot, {}).setdefault(value, set()).add(item.event["event_id"])
    found = []
    ids: set[str] = set()
    for slot in sorted(filled):
        values = filled[slot]
        if len(values) > 1:
            slot_ids = set().union(*values.values())
            ids |= slot_ids
            found.append(Equivocation(slot, tuple(sorted(slot_ids)), len(values)))
    return tuple(found), ids


def merge(pith_number: str, events: EventSet | Iterable[Any], keys: KeyRing) -> MergedState:
    """Merge ``events`` (an :class:`EventSet`, or any iterable of parsed JSON events) into
    the state of the record ``pith_number``, checking signatures against ``keys``."""
    if not is_pith_number(pith_number):
        raise UsageError(f"merge: expected a Pith Number (pith:YYYY:SUFFIX), found {pith_number!r}")
    event_set = events if isinstance(events, EventSet) else EventSet.of(events)
    judged = [
        JudgedEvent(digest, event, decide(event, pith_number, keys))
        for digest, event in event_set.by_digest.items()
    ]
    equivocations, disputed = _equivocations(judged)
    final = []
    valid = []
    for item in judged:
        signer = item.verdict.signer
        if item.verdict.state == "valid" and signer is not None:
            event_id = item.event["event_id"]
            if event_id in disputed:
                item = JudgedEvent(item.digest, item.event, item.verdict, equivocates=True)
            else:
                valid.append(ValidEvent(event_id, signer, item.event))
        final.append(item)
    final.sort(key=JudgedEvent.sort_key)
    return MergedState(pith_number, tuple(final), equivocations, build_current(valid))


__all__ = [
    "DOCUMENT_VERSION",
    "EQUIVOCATIONS_LISTED",
    "EVENTS_TYPE",
    "EVENT_IDS_PER_SLOT",
    "MERGE_VERSION",
    "STATE_TYPE",
    "Equivocation",
    "EventSet",
    "JudgedEvent",
    "MergedState",
    "content_digest",
    "merge",
]
