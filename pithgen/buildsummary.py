"""The build summary the command line prints: the failed documents (at most
:data:`pithgen.causes.LISTED`, then how many more and where they all are), their causes
with what to do, then one paragraph saying what was built, from what, and how, and where
to look at the site.

Exit status (see :func:`site_is_current`): a build exits 0 when the site is this build's
(written, or already up to date) and 1 when a document failed and nothing was written:
without ``--keep-going``, or with it when no document verified (it would publish an empty
site). The advice never suggests ``--keep-going`` when it would publish nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pithgen import layout
from pithgen.build import BuildOutcome
from pithgen.causes import Failures, KeyAdvice, cause_lines, collect, count, failure_lines
from pithgen.config import BuildConfig
from pithgen.layout import root_path
from pithgen.report import summary

if TYPE_CHECKING:
    from pithgen.shard.shardbuild import ShardOutcome

_MODES = {
    "full": "full build",
    "incremental": "incremental build: only what changed was written",
}
DEFAULT_PORT = 8000


def site_is_current(outcome: BuildOutcome) -> bool:
    """Whether the output folder now holds this build (exit status 0)."""
    return outcome.written or outcome.mode == "up-to-date"


def look_hint(config: BuildConfig, cwd: Path | None = None) -> str:
    """Where the site is (relative to ``cwd`` when below it) and how to look at it."""
    home = Path(os.path.abspath(config.out / layout.HOME))
    with contextlib.suppress(ValueError):
        home = home.relative_to(os.path.abspath(cwd or Path.cwd()))
    path = root_path(config.base_url) if config.base_url else "/"
    return (
        f"Look at it: open {home} in a browser, or run `pithgen serve` and visit "
        f"http://127.0.0.1:{DEFAULT_PORT}{path}"
    )


def _left(config: BuildConfig) -> str:
    """What a build that wrote nothing did to the output folder."""
    if config.out.exists():
        return f"{config.out} was left exactly as it was"
    return f"nothing was written ({config.out} does not exist)"


def build_summary(
    outcome: BuildOutcome,
    config: BuildConfig,
    *,
    cwd: Path | None = None,
    look: bool = True,
    failures: Failures | None = None,
) -> Iterator[str]:
    """The lines to print after a build (``look``: end with :func:`look_hint`).
    ``failures``: the grouped failures when the caller has collected them already."""
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
        if look:
            yield look_hint(config, cwd)
        return
    if result.failed:
        if failures is None:
            failures = collect(result, KeyAdvice.for_build(config, cwd or Path.cwd()))
        where_all = (
            f"every one is listed in {config.out / layout.verification_page()}"
            if outcome.written
            else "`pithgen build --json` lists every one"
        )
        yield from failure_lines(failures, where_all)
        yield from cause_lines(failures)
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
            text += f" Failed records are listed in {layout.verification_page()} and have no page."
    elif config.keep_going and s["published"] == 0:
        text = (
            f"Not built: none of the {count(s['total'], 'input document')} verified, so "
            f"--keep-going has nothing to publish; {_left(config)}."
        )
    elif s["published"] == 0:
        text = (
            f"Not built: {s['failed']} of {s['total']} input document(s) failed verification "
            f"(every one); {_left(config)}. Fix the causes above."
        )
    else:
        text = (
            f"Not built: {s['failed']} of {s['total']} input document(s) failed "
            f"verification; {_left(config)}. Fix them, or pass "
            f"--keep-going to publish the {count(s['published'], 'verified record')} and list "
            "the failed ones."
        )
    for note in outcome.notes:
        text += f" Note: {note}."
    yield text
    if look and outcome.written:
        yield look_hint(config, cwd)


def shard_summary(outcome: ShardOutcome, config: BuildConfig) -> Iterator[str]:
    """The lines to print after ``pithgen build --shard I/N``: its failed documents (at
    most :data:`pithgen.shard.shardbuild.FAILED_LISTED`), then what was built."""
    shard = outcome.partition
    for verdict in outcome.failed:
        problems = "; ".join(f"{c.check}: {c.message}" for c in verdict.problems)
        yield f"FAILED {verdict.source}: {problems}"
    if outcome.failed_count > len(outcome.failed):
        yield f"... and {count(outcome.failed_count - len(outcome.failed), 'more failed document')}"
    own = (
        f"{count(outcome.own, 'input document')} of the {outcome.own + outcome.others:,} are "
        f"this shard's ({outcome.own - outcome.failed_count:,} verified, "
        f"{outcome.failed_count:,} failed)"
    )
    if not outcome.written:
        yield (
            f"Shard {shard} not built: {own}; {_left(config)}. Fix them, or pass --keep-going "
            "to build the shard without them (the assembly then lists them)."
        )
        return
    yield (
        f"Built shard {shard} in {config.out}: {own}, {count(outcome.units, 'record unit')} "
        f"({outcome.units - outcome.reused:,} rendered, {outcome.reused:,} unchanged from the "
        f"artifact it replaced); {outcome.files:,} files, {outcome.bytes / 1e6:.1f} MB in "
        f"{outcome.seconds:.2f} s. When every shard 1 to {shard.count} is built, "
        "`pithgen assemble SHARD_DIR... --out SITE` writes the site."
    )
