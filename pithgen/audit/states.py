"""Checking a published state: ``state.json`` is the merge of the events ``events.json``
lists, under the site's published keys.

A build does not read a record's state, it computes it: ``pith-open-graph-merge-v1``
(:func:`pithgen.events.merge.merge`) is a function of the *set* of a record's events and
the trusted keys, and its two documents, ``state.json`` and ``events.json`` (every event
with its verdict), are canonical JSON. ``events.json`` carries each event whole, so an
auditor recomputes both documents from it and compares bytes: a state whose counts,
``current`` values or equivocations were edited, an event dropped from ``events.json``, a
verdict rewritten, all fail.

``events.json`` is read with the value limit of a record document; one beyond it (a
record with tens of thousands of events) is reported as not checkable, never guessed at.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pithgen.canonical import PITH_NUMBER_RE
from pithgen.checks import shown, some
from pithgen.events.merge import STATE_TYPE, merge
from pithgen.keys import KeyRing
from pithgen.strictjson import DEFAULT_MAX_VALUES, JSONDefect, parse_document

#: Which file a problem is about: ``"state"`` (state.json) or ``"events"`` (events.json).
Problem = tuple[str, str]


@dataclass(frozen=True)
class StateCheck:
    """What checking one state found: the Pith Number it is of (when well formed), its
    problems (each about state.json or events.json), and whether it could be recomputed."""

    pith: str | None
    problems: tuple[Problem, ...]
    checkable: bool = True


def check_state(
    suffix: str, expected_pith: str | None, state: bytes, events: bytes | None, keys: KeyRing
) -> StateCheck:
    """Check the ``state.json`` of the record ``suffix`` (whose verified record says
    ``expected_pith``) against its ``events.json``."""
    try:
        doc = parse_document(state)
    except JSONDefect as exc:
        return StateCheck(None, (("state", f"expected the record's merged state, found: {exc}"),))
    pith = doc.get("pith_number")
    problems: list[Problem] = []
    if doc.get("state_type") != STATE_TYPE:
        found = shown(doc.get("state_type"))
        problems.append(("state", f"expected state_type {STATE_TYPE!r}, found {found}"))
    if not (
        isinstance(pith, str) and PITH_NUMBER_RE.fullmatch(pith) and pith.endswith(":" + suffix)
    ):
        problems.append(("state", f"expected pith_number pith:YYYY:{suffix}, found {shown(pith)}"))
        return StateCheck(None, tuple(problems))
    if expected_pith is not None and pith != expected_pith:
        problems.append(("state", f"expected pith_number {expected_pith}, found {pith}"))
    if events is None:
        problems.append(("events", "expected the events the state merges, found no file"))
        return StateCheck(pith, tuple(problems))
    if events.count(b"{") + events.count(b"[") + events.count(b",") > DEFAULT_MAX_VALUES:
        return StateCheck(pith, tuple(problems), checkable=False)
    try:
        listed = _events_of(parse_document(events))
    except JSONDefect as exc:
        problems.append(("events", f"expected the record's events, found: {exc}"))
        return StateCheck(pith, tuple(problems))
    if listed is None:
        problems.append(("events", "expected 'events', a list of objects each with an 'event'"))
        return StateCheck(pith, tuple(problems))
    try:
        merged = merge(pith, listed, keys)
        state_bytes, events_bytes = merged.state_bytes(), merged.events_bytes()
    except Exception as exc:  # untrusted events: never a crash, always a finding
        problems.append(("events", f"cannot merge its events: {type(exc).__name__}: {exc}"))
        return StateCheck(pith, tuple(problems))
    if state_bytes != state:
        differs = _differs(merged.state_document(), doc, state_bytes, state)
        problems.append(
            (
                "state",
                f"not the merge of the events in events.json under the site's keys: {differs}",
            )
        )
    if events_bytes != events:
        problems.append(
            (
                "events",
                "not what merging its own events gives (an event's verdict, their order or "
                f"the counts differ): expected SHA-256 {_sha(events_bytes)}, found {_sha(events)}",
            )
        )
    return StateCheck(pith, tuple(problems))


def _events_of(doc: dict[str, Any]) -> list[Any] | None:
    items = doc.get("events")
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and "event" in item for item in items
    ):
        return None
    return [item["event"] for item in items]


def _differs(expected: dict[str, Any], found: dict[str, Any], want: bytes, got: bytes) -> str:
    """Which members differ (or, the members equal, that the bytes do)."""
    names = sorted(set(expected) | set(found))
    different = [n for n in names if expected.get(n, ...) != found.get(n, ...)]
    if different:
        return "members " + some(
            f"{n} (expected {shown(expected.get(n), 60)}, found {shown(found.get(n), 60)})"
            for n in different
        )
    return f"expected the canonical bytes with SHA-256 {_sha(want)}, found {_sha(got)}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = ["StateCheck", "check_state"]
