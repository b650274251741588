"""Reports of a verification run: summary counts, the JSON report (streamed) and the
human-readable lines."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

from pithgen.keys import KeyRing
from pithgen.merge import MergeResult
from pithgen.mergestore import report_entry

if TYPE_CHECKING:
    from pithgen.graph import GraphStore


def summary(result: MergeResult) -> dict[str, int]:
    return {
        "total": result.total,
        "verified": result.verified,
        "failed": result.failed,
        "warnings": result.warnings,
        "published": result.published_count,
    }


def json_chunks(
    result: MergeResult, keys: KeyRing, graph: GraphStore | None = None
) -> Iterator[str]:
    """The JSON report, streamed one record at a time so that a report of millions of
    records never exists as one string in memory::

        {"summary": {...}, "trusted_keys": [...], "records": [{...}, ...],
         "events": {"counts": {...}, "equivocations": N, "invalid": [...],
                    "unattached": [...]}}

    ``events`` (with a ``graph``): the events of the published records by state, the
    invalid events with their record and reason, and the event-file lines that attach to
    no record (file, line, why), each list at most :data:`LISTED` long and followed by
    how many more there are (``invalid_more``, ``unattached_more``)."""
    head = {
        "summary": summary(result),
        "trusted_keys": [{"key_id": k.key_id, "fingerprint": k.fingerprint} for k in keys],
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "records": ['
    for index, row in enumerate(result.iter_stored()):
        yield ("\n " if index == 0 else ",\n ") + json.dumps(report_entry(*row), ensure_ascii=False)
    if graph is None:
        yield "\n]}\n"
        return
    events: dict[str, object] = {"counts": graph.counts, "equivocations": graph.equivocations}
    yield '\n], "events": ' + json.dumps(events, ensure_ascii=False, sort_keys=True)[:-1]
    invalid = (json.dumps(item, ensure_ascii=False) for item in graph.invalid_events())
    yield ', "invalid": ['
    more = yield from _listed(invalid)
    yield f'], "invalid_more": {more}, "unattached": ['
    unattached = (
        json.dumps({"source": f"{path}:{line}" if line else path, "message": message})
        for path, line, message in graph.problems()
    )
    more = yield from _listed(unattached)
    yield f'], "unattached_more": {more}}}}}\n'


#: Invalid events and unattached event-file lines listed in a report, each (a record's
#: events.json lists all of its events).
LISTED = 1000


def _listed(items: Iterator[str]) -> Generator[str, None, int]:
    """Yield at most :data:`LISTED` JSON items (comma-separated); return how many more."""
    more = 0
    for index, item in enumerate(items):
        if index < LISTED:
            yield ("\n  " if index == 0 else ",\n  ") + item
        else:
            more += 1
    return more


def human_lines(result: MergeResult, graph: GraphStore | None = None) -> Iterator[str]:
    """One block per failed record, warnings, invalid events and unattached event-file
    lines, then a summary line."""
    for verdict in result.iter_verdicts():
        if not verdict.ok:
            name = f" ({verdict.pith_number})" if verdict.pith_number else ""
            yield f"FAILED {verdict.source}{name}"
            for problem in verdict.problems:
                yield f"  {problem.check}: {problem.message}"
    for verdict in result.iter_verdicts():
        if verdict.ok and verdict.warnings:
            for warning in verdict.warnings:
                yield f"warning {verdict.source}: {warning.check}: {warning.message}"
    s = summary(result)
    events = ""
    if graph is not None:
        for item in graph.invalid_events():
            yield (
                f"INVALID EVENT {item['event_id']} ({item['type']}) of {item['pith_number']}: "
                f"{item['reason']}: {item['detail']}"
            )
        for path, line, message in graph.problems():
            yield f"UNATTACHED EVENT {path}:{line}: {message}"
        c = graph.counts
        if c["events"]:
            events = (
                f"; {c['events']} event(s): {c['valid']} valid, {c['invalid']} invalid, "
                f"{c['unverifiable']} unverifiable"
            )
    yield (
        f"{s['total']} document(s): {s['verified']} verified, {s['failed']} failed, "
        f"{s['warnings']} warning(s); {s['published']} distinct record(s){events}"
    )
