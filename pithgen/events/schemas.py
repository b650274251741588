"""The payload schema of each event type pithgen knows (docs/events.md, "Payloads").

A schema lists the payload's fields, each required or optional with its grammar
(:mod:`pithgen.events.grammar`), and cross-field rules that tie the payload to the event's
subject (a ``record_created`` payload describes the subject record; an ``ots_anchor``
anchors the subject's digest; a citation does not cite its own subject). Fields a schema
does not name are kept as they are (they are covered by the event id and the signature
like every other byte) and never checked. An event type no schema names is an *unknown
type*: its payload only has to be an object; it is kept and counted, never dropped.

:func:`payload_problems` returns the problems of one payload in words, each naming the
field, what was expected and what was found (values shown by :mod:`pithgen.checks`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pithgen.canonical import canonical_sha256, pith_number_for, suffix_for
from pithgen.checks import Checks, described
from pithgen.events import grammar as g
from pithgen.structure import check_canonical_record

RELATIONSHIPS = (
    "cites",
    "supports",
    "refutes",
    "extends",
    "uses_method",
    "depends_on",
    "replaces",
    "compares",
)
OTS_STATUSES = ("pending", "complete")
REPLICATION_OUTCOMES = ("replicated", "partially_replicated", "not_replicated", "inconclusive")
SEVERITIES = ("info", "minor", "major", "critical")
FINDING_STATUSES = ("open", "resolved", "withdrawn")
MAX_STAMPS = 16
MAX_OTS_BYTES = 16384
MAX_BLOCK_HEIGHT = 100_000_000
MAX_AUTHOR_POSITION = 10_000

Rule = Callable[[dict[str, Any], str], list[str]]


@dataclass(frozen=True)
class Field:
    """One payload field: its name, what it must be (in words) and the test of that."""

    name: str
    expected: str
    check: Callable[[Any], bool]
    required: bool = True


@dataclass(frozen=True)
class PayloadSchema:
    """The fields of one event type's payload and its cross-field rules (run only when
    every field passed; given the payload and the event's subject Pith Number)."""

    event_type: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()


def _one_of(*values: str) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and value in values


def _text(limit: int) -> Callable[[Any], bool]:
    return lambda value: g.is_text(value, limit)


def _int_in(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: g.is_int(value) and low <= value <= high


def _words(values: tuple[str, ...]) -> str:
    return "one of " + ", ".join(repr(v) for v in values)


def _receipt_shape(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("key_id"), str)
        and isinstance(value.get("signature_b64"), str)
    )


def _canonical_record(value: Any) -> bool:
    return check_canonical_record(value, Checks())


def _record_created_rules(payload: dict[str, Any], subject: str) -> list[str]:
    record = payload["canonical_record"]
    digest = canonical_sha256(record)
    if payload["canonical_sha256"] != digest:
        return [
            f"payload.canonical_sha256: expected {digest} (recomputed over "
            f"payload.canonical_record), found {payload['canonical_sha256']}"
        ]
    described_pn = pith_number_for(record["metadata"]["submitted_at"], suffix_for(digest))
    if described_pn != subject:
        return [f"payload describes record {described_pn}, the event's subject is {subject}"]
    return []


def _citation_rules(payload: dict[str, Any], subject: str) -> list[str]:
    if payload["cites"] == subject:
        return [f"payload.cites: a record does not cite itself, found the subject {subject}"]
    return []


def _stamp_problems(n: int, stamp: Any, complete: bool) -> list[str]:
    where = f"payload.stamps[{n}]"
    if not isinstance(stamp, dict):
        return [f"{where}: expected a stamp object, found {described(stamp)}"]
    out = []
    if not g.is_url(stamp.get("calendar_url")):
        out.append(
            f"{where}.calendar_url: expected an http(s) URL, found "
            f"{described(stamp.get('calendar_url'))}"
        )
    if g.strict_base64(stamp.get("ots_b64"), MAX_OTS_BYTES) is None:
        out.append(
            f"{where}.ots_b64: expected strict base64 of 1 to {MAX_OTS_BYTES} bytes "
            f"(an OpenTimestamps proof), found {described(stamp.get('ots_b64'))}"
        )
    height = stamp.get("bitcoin_block_height")
    if height is not None and not _int_in(0, MAX_BLOCK_HEIGHT)(height):
        out.append(
            f"{where}.bitcoin_block_height: expected an integer 0 to "
            f"{MAX_BLOCK_HEIGHT}, found {described(height)}"
        )
    if not complete and height is not None:
        out.append(f"{where}.bitcoin_block_height: a pending anchor has no block height yet")
    return out


def _ots_rules(payload: dict[str, Any], subject: str) -> list[str]:
    out = []
    suffix = subject.rsplit(":", 1)[1]
    if suffix_for(payload["digest"]) != suffix:
        out.append(
            f"payload.digest: expected the subject's canonical_sha256 (suffix {suffix}), "
            f"found {payload['digest']} (suffix {suffix_for(payload['digest'])})"
        )
    stamps: list[Any] = payload["stamps"]
    complete = payload["status"] == "complete"
    for n, stamp in enumerate(stamps):
        out.extend(_stamp_problems(n, stamp, complete))
    if out:
        return out
    calendars = [stamp["calendar_url"] for stamp in stamps]
    if len(set(calendars)) != len(calendars):
        out.append("payload.stamps: expected one stamp per calendar_url, found a calendar twice")
    if complete and not any("bitcoin_block_height" in stamp for stamp in stamps):
        out.append(
            "payload.status 'complete': expected a stamp with a bitcoin_block_height, found none"
        )
    return out


def _stamps(value: Any) -> bool:
    return isinstance(value, list) and 0 < len(value) <= MAX_STAMPS


_SCHEMAS = (
    PayloadSchema(
        "record_created",
        (
            Field("canonical_record", "a canonical record (spec section 1)", _canonical_record),
            Field("canonical_sha256", "64 lowercase hex characters", g.is_hex64),
            Field(
                "receipt", "a receipt object with string key_id and signature_b64", _receipt_shape
            ),
        ),
        (_record_created_rules,),
    ),
    PayloadSchema(
        "citation",
        (
            Field("cites", "a Pith Number or an arXiv id (optionally with vN)", g.is_record_ref),
            Field("relationship", _words(RELATIONSHIPS), _one_of(*RELATIONSHIPS)),
            Field("context", "text of 1 to 2000 characters", _text(2000), False),
            Field("section", "text of 1 to 200 characters", _text(200), False),
        ),
        (_citation_rules,),
    ),
    PayloadSchema(
        "author_claim",
        (
            Field("author_name", "text of 1 to 300 characters", _text(300)),
            Field("orcid", "an ORCID iD with a valid check character", g.is_orcid, False),
            Field(
                "author_position",
                f"an integer 1 to {MAX_AUTHOR_POSITION}",
                _int_in(1, MAX_AUTHOR_POSITION),
                False,
            ),
            Field("affiliation", "text of 1 to 300 characters", _text(300), False),
            Field("evidence_url", "an http(s) URL", g.is_url, False),
        ),
    ),
    PayloadSchema(
        "ots_anchor",
        (
            Field("digest", "64 lowercase hex characters", g.is_hex64),
            Field("status", _words(OTS_STATUSES), _one_of(*OTS_STATUSES)),
            Field("stamps", f"a list of 1 to {MAX_STAMPS} stamps", _stamps),
        ),
        (_ots_rules,),
    ),
    PayloadSchema(
        "wayback_capture",
        (
            Field("url", "an http(s) URL", g.is_url),
            Field("captured_at", "an RFC 3339 UTC timestamp", g.is_timestamp),
            Field("archive_url", "an http(s) URL", g.is_url, False),
            Field("content_sha256", "64 lowercase hex characters", g.is_hex64, False),
            Field("http_status", "an integer 100 to 599", _int_in(100, 599), False),
        ),
    ),
    PayloadSchema(
        "replication",
        (
            Field(
                "replication_id", "an identifier ([A-Za-z0-9][A-Za-z0-9._:-]{0,127})", g.is_ident
            ),
            Field("outcome", _words(REPLICATION_OUTCOMES), _one_of(*REPLICATION_OUTCOMES)),
            Field("report_url", "an http(s) URL", g.is_url, False),
            Field("replicated_at", "an RFC 3339 UTC timestamp", g.is_timestamp, False),
            Field("notes", "text of 1 to 4000 characters", _text(4000), False),
        ),
    ),
    PayloadSchema(
        "integrity_finding",
        (
            Field("finding_id", "an identifier ([A-Za-z0-9][A-Za-z0-9._:-]{0,127})", g.is_ident),
            Field("kind", "a token ([a-z][a-z0-9_]{0,63})", g.is_token),
            Field("severity", _words(SEVERITIES), _one_of(*SEVERITIES)),
            Field("status", _words(FINDING_STATUSES), _one_of(*FINDING_STATUSES)),
            Field("summary", "text of 1 to 4000 characters", _text(4000)),
            Field("evidence_url", "an http(s) URL", g.is_url, False),
        ),
    ),
    PayloadSchema(
        "graph_snapshot",
        (
            Field("builder_version", "text of 1 to 200 characters", _text(200), False),
            Field("snapshot_sha256", "64 lowercase hex characters", g.is_hex64, False),
        ),
    ),
)
SCHEMAS: dict[str, PayloadSchema] = {schema.event_type: schema for schema in _SCHEMAS}
KNOWN_TYPES = frozenset(SCHEMAS)


def payload_problems(event_type: str, payload: dict[str, Any], subject: str) -> list[str]:
    """What is wrong with ``payload`` for ``event_type`` (empty: nothing, or a type pithgen
    does not know). ``subject`` is the event's (well-formed) subject Pith Number."""
    schema = SCHEMAS.get(event_type)
    if schema is None:
        return []
    problems = []
    for spec in schema.fields:
        if spec.name not in payload:
            if spec.required:
                problems.append(f"payload.{spec.name}: expected {spec.expected}, found nothing")
        elif not spec.check(payload[spec.name]):
            problems.append(
                f"payload.{spec.name}: expected {spec.expected}, "
                f"found {described(payload[spec.name])}"
            )
    if problems:
        return problems
    for rule in schema.rules:
        problems.extend(rule(payload, subject))
    return problems


__all__ = [
    "FINDING_STATUSES",
    "KNOWN_TYPES",
    "OTS_STATUSES",
    "RELATIONSHIPS",
    "REPLICATION_OUTCOMES",
    "SCHEMAS",
    "SEVERITIES",
    "Field",
    "PayloadSchema",
    "payload_problems",
]
