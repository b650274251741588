"""Running load -> verify -> merge over inputs, and reporting the result (text or JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pithgen.errors import UsageError
from pithgen.keys import KeyRing
from pithgen.load import InputFile, LoadOptions, discover, load_file
from pithgen.merge import MergeResult, compact, merge
from pithgen.model import Verdict
from pithgen.verify import verify_document

Progress = Callable[[int], None]


def verify_paths(
    paths: Sequence[Path],
    keys: KeyRing,
    *,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
    total: Callable[[int], None] | None = None,
) -> MergeResult:
    """load -> verify -> merge over every document under ``paths`` (streaming)."""
    options = options or LoadOptions()
    files = discover(paths)
    if not files:
        raise UsageError(
            "expected record files (.json or .jsonl), found none",
            where=", ".join(str(p) for p in paths),
        )
    if total is not None:
        total(sum(f.size for f in files))

    return verify_files(files, keys, options, progress)


def verify_files(
    files: Sequence[InputFile],
    keys: KeyRing,
    options: LoadOptions,
    progress: Progress | None = None,
    *,
    directory: Path | None = None,
    keep_checks: bool = False,
) -> MergeResult:
    """Stages load -> verify -> merge over discovered files, one document at a time
    (``directory`` and ``keep_checks`` are :func:`pithgen.merge.merge`'s)."""

    def verdicts() -> Iterator[Verdict]:
        for item in files:
            for loaded in load_file(item, options):
                if progress is not None:
                    progress(len(loaded.raw))
                yield verify_document(loaded, keys)

    return merge(verdicts(), directory=directory, keep_checks=keep_checks)


def summary(result: MergeResult) -> dict[str, int]:
    return {
        "total": result.total,
        "verified": result.verified,
        "failed": result.failed,
        "warnings": result.warnings,
        "published": result.published_count,
    }


def to_json(result: MergeResult, keys: KeyRing) -> dict[str, Any]:
    """The whole report as one object (what :func:`json_chunks` streams)."""
    parsed: dict[str, Any] = json.loads("".join(json_chunks(result, keys)))
    return parsed


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
