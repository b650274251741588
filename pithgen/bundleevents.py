"""The events of a bundle (spec section 6), reported under the ``events`` check.

Checked:

- there is exactly one ``record_created`` event, and its payload is the bundle's
  canonical record and hash, with a receipt that verifies (spec section 4);
- every event is about this bundle: its ``subject_pith_number`` is the bundle's Pith
  Number (derived from the canonical record, not taken from the bundle's word);
- the ``record_created`` event's ``signer`` is the key that signed that receipt: the same
  ``key_id`` and, when given, the ``public_key_fingerprint`` of that key.

Not checked yet: ``event_id`` and event signatures (how Pith computes them is not
published), and the content of other events, which are reported as "not checked yet",
never as verified. Every loop over the events keeps a few examples and counts the rest.
"""

from __future__ import annotations

import re
from typing import Any

from pithgen.canonical import same_json
from pithgen.checks import LIST_LIMIT, Checks, described, shown, some, type_name
from pithgen.keys import KeyRing
from pithgen.receipt import check_receipt

CREATED = "record_created"
#: Event types shown as they are in messages; any other is shown quoted and escaped.
_PLAIN = re.compile(r"[A-Za-z0-9_.:?-]{1,40}")
WHERE = f"events[{CREATED}]"


def check_events(
    events: Any,
    record: dict[str, Any],
    digest: str,
    pith_number: str,
    keys: KeyRing,
    out: Checks,
) -> str | None:
    """The events of a bundle whose canonical record is ``record`` (hash ``digest``,
    Pith Number ``pith_number``). Returns the key id when the receipt verified."""
    if not isinstance(events, list):
        out.fail("events", f"'events': expected a list, found {type_name(events)}")
        return None
    _check_subjects(events, pith_number, out)
    first, count = -1, 0
    for index, item in enumerate(events):
        if isinstance(item, dict) and item.get("event_type") == CREATED:
            first = index if count == 0 else first
            count += 1
    if count != 1:
        out.fail("events", f"'events': expected exactly one {CREATED} event, found {count}")
        return None
    event = events[first]
    payload = event.get("payload")
    if (
        not isinstance(payload, dict)
        or not same_json(payload.get("canonical_record"), record)
        or payload.get("canonical_sha256") != digest
    ):
        out.fail(
            "events",
            f"{CREATED} payload: expected the bundle's canonical_record and "
            f"canonical_sha256 {digest}, found a different payload",
        )
        return None
    key_id = check_receipt(
        payload.get("receipt"), digest, keys, out, where=f"{WHERE}.payload.receipt"
    )
    if _check_signer(event.get("signer"), payload.get("receipt"), keys, out):
        out.ok(
            "events",
            f"the {CREATED} event is about this bundle ({pith_number}) and its signer is "
            "the key that signed its receipt",
        )
    out.note(
        "events",
        "not_checked",
        f"{CREATED} event_id and event signature not checked yet (how Pith computes them is "
        "not published); its subject, signer and receipt are checked",
    )
    _report_others(events, first, out)
    return key_id


def _check_subjects(events: list[Any], pith_number: str, out: Checks) -> None:
    strays = some(
        f"events[{index}] ({shown(event.get('event_type'), 40)}) has "
        f"{shown(event.get('subject_pith_number'))}"
        for index, event in enumerate(events)
        if isinstance(event, dict) and event.get("subject_pith_number") != pith_number
    )
    if strays:
        out.fail(
            "events",
            f"subject_pith_number: expected {pith_number} (this bundle's Pith Number) in "
            f"every event, found: {strays}",
        )


def _check_signer(signer: Any, receipt: Any, keys: KeyRing, out: Checks) -> bool:
    """The record_created event's signer against the receipt in its payload. True if it
    is that receipt's key."""
    if not isinstance(receipt, dict):
        return False  # reported by the receipt check; nothing to compare with
    receipt_key = receipt.get("key_id")
    if not isinstance(signer, dict):
        out.fail(
            "events",
            f"{WHERE}.signer: expected an object naming the key that signed the receipt "
            f"({shown(receipt_key)}), found {described(signer)}",
        )
        return False
    stated_key = signer.get("key_id")
    if not isinstance(stated_key, str) or stated_key != receipt_key:
        out.fail(
            "events",
            f"{WHERE}.signer.key_id: expected {shown(receipt_key)} (the key that signed the "
            f"receipt in its payload), found {shown(stated_key)}",
        )
        return False
    if "public_key_fingerprint" not in signer:
        return True
    key = keys.get(stated_key)
    expected = key.fingerprint if key is not None else receipt.get("public_key_fingerprint")
    stated = signer["public_key_fingerprint"]
    if expected is None:
        return True  # an untrusted key without a stated fingerprint: the receipt check failed
    if stated != expected:
        whose = f"key {stated_key}" if key is not None else "the receipt's fingerprint"
        out.fail(
            "events",
            f"{WHERE}.signer.public_key_fingerprint: expected {shown(expected)} ({whose}), "
            f"found {shown(stated)}",
        )
        return False
    return True


def _report_others(events: list[Any], created: int, out: Checks) -> None:
    """One warning for the events that are not checked yet: how many, a few of their
    types, and how many events of further types there are."""
    kinds: set[str] = set()
    count = more = 0
    for index, event in enumerate(events):
        if index == created:
            continue
        count += 1
        kind = event.get("event_type") if isinstance(event, dict) else "?"
        kind = kind if isinstance(kind, str) else shown(kind, 40)
        if kind in kinds:
            continue
        if len(kinds) < LIST_LIMIT:
            kinds.add(kind)
        else:
            more += 1
    if count:
        listed = ", ".join(sorted(k if _PLAIN.fullmatch(k) else shown(k, 40) for k in kinds))
        out.warn(
            "events",
            f"{count} other event(s) not checked yet: {listed}"
            + (f", and {more} more" if more else ""),
        )
