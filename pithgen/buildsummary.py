"""The build summary the command line prints: the failed records (if any), then one
paragraph saying what was built, from what, and how."""

from __future__ import annotations

from collections.abc import Iterator

from pithgen.build import BuildOutcome
from pithgen.config import BuildConfig
from pithgen.report import human_lines, summary

_MODES = {
    "full": "full build",
    "incremental": "incremental build: only what changed was written",
}


def build_summary(outcome: BuildOutcome, config: BuildConfig) -> Iterator[str]:
    """The lines to print after a build."""
    result = outcome.result
    if result is None:  # up to date: nothing was verified or written again
        s = outcome.counts or {}
        text = (
            f"Up to date: {config.out} already holds this build ({s.get('published', 0)} "
            f"record(s) from {s.get('total', 0)} input document(s)); every input was read and "
            f"is byte for byte what was verified; nothing was written "
            f"({outcome.seconds:.2f} s)."
        )
        yield text + "".join(f" Note: {note}." for note in outcome.notes)
        return
    if not outcome.written or result.failed:
        for line in human_lines(result):
            if (not line.startswith("warning ") and line[0].isupper()) or line.startswith("  "):
                yield line
    s = summary(result)
    if outcome.written:
        text = (
            f"Built {config.out}: {s['published']} record(s) published from {s['total']} "
            f"input document(s) ({s['verified']} verified, {s['failed']} failed, "
            f"{s['warnings']} warning(s)); {outcome.files} files, "
            f"{outcome.bytes / 1e6:.1f} MB in {outcome.seconds:.2f} s "
            f"({_MODES.get(outcome.mode, outcome.mode)})."
        )
        if result.failed:
            text += " Failed records are listed in verification/index.html and have no page."
    else:
        text = (
            f"Not built: {s['failed']} of {s['total']} input document(s) failed "
            f"verification; {config.out} was left exactly as it was. Fix them, or pass "
            "--keep-going to publish the verified records and list the failed ones."
        )
    for note in outcome.notes:
        text += f" Note: {note}."
    yield text
