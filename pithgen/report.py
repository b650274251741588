"""Reports of a verification run: summary counts, the JSON report (streamed) and the
human-readable lines."""

from __future__ import annotations

import json
from collections.abc import Iterator

from pithgen.keys import KeyRing
from pithgen.merge import MergeResult, compact


def summary(result: MergeResult) -> dict[str, int]:
    return {
        "total": result.total,
        "verified": result.verified,
        "failed": result.failed,
        "warnings": result.warnings,
        "published": result.published_count,
    }


def json_chunks(result: MergeResult, keys: KeyRing) -> Iterator[str]:
    """The JSON report, streamed one record at a time so that a report of millions of
    records never exists as one string in memory::

        {"summary": {...}, "trusted_keys": [...], "records": [{...}, ...]}
    """
    head = {
        "summary": summary(result),
        "trusted_keys": [{"key_id": k.key_id, "fingerprint": k.fingerprint} for k in keys],
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "records": ['
    for index, verdict in enumerate(result.iter_verdicts()):
        yield ("\n " if index == 0 else ",\n ") + json.dumps(
            compact(verdict).to_dict(), ensure_ascii=False
        )
    yield "\n]}\n"


def human_lines(result: MergeResult) -> Iterator[str]:
    """One block per failed record, warnings, then a summary line."""
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
    yield (
        f"{s['total']} document(s): {s['verified']} verified, {s['failed']} failed, "
        f"{s['warnings']} warning(s); {s['published']} distinct record(s)"
    )
