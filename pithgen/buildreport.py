"""A build as the command line runs it (:func:`build_with_progress`), and what ``pithgen
build`` reports besides its summary: ``build --json`` (the report in the shape of
``verify --json``, :func:`pithgen.report.json_chunks`) and, under GitHub Actions, its
annotations and job summary (:mod:`pithgen.ghactions`).

The JSON report of a build that wrote the site, or found it up to date, is the site's own
``verification.json``: the build wrote exactly that report for exactly these inputs. A
build that wrote nothing has no such file; its report is made from its verdicts and a
graph of their events, as ``verify`` makes it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pithgen import ghactions, layout
from pithgen.build import BuildOutcome, build_site
from pithgen.buildsummary import site_is_current
from pithgen.causes import Failures
from pithgen.config import BuildConfig
from pithgen.progress import for_stream
from pithgen.report import summary

if TYPE_CHECKING:
    from pithgen.shard.partition import Partition
    from pithgen.shard.shardbuild import ShardOutcome

_CHUNK = 1 << 16


def build_with_progress(config: BuildConfig, shards: Sequence[Path] = ()) -> BuildOutcome:
    """Build (or, given ``shards``, assemble them), showing progress on stderr (a bar per
    phase on a terminal)."""
    progress = for_stream(sys.stderr)
    try:
        if shards:
            from pithgen.shard.assemble import assemble_site  # not loaded for a plain build

            return assemble_site(config, shards, progress=progress, cwd=Path.cwd())
        return build_site(config, progress=progress, cwd=Path.cwd())
    finally:
        progress.close()


def shard_with_progress(config: BuildConfig, partition: Partition) -> ShardOutcome:
    """Build one shard, showing progress on stderr."""
    from pithgen.shard.shardbuild import build_shard  # not loaded for a plain build

    progress = for_stream(sys.stderr)
    try:
        return build_shard(config, partition, progress=progress, cwd=Path.cwd())
    finally:
        progress.close()


def report_chunks(outcome: BuildOutcome, config: BuildConfig) -> Iterator[str]:
    """The build's JSON report, streamed."""
    if site_is_current(outcome):
        with open(config.out / layout.VERIFICATION_JSON, encoding="utf-8") as report:
            while chunk := report.read(_CHUNK):
                yield chunk
        return
    from pithgen.graph import build_graph  # for a build that wrote nothing: the stages
    from pithgen.keys import KeyRing
    from pithgen.load import LoadOptions, discover
    from pithgen.report import json_chunks

    result = outcome.result
    assert result is not None  # only an up-to-date build has no verdicts
    keys = KeyRing.build(config.trust_keys, default_keys=config.default_keys)
    files = discover([config.records], relative=True, skip=[config.out])
    with build_graph(result, files, LoadOptions(), config.events_dir, keys) as graph:
        yield from json_chunks(result, keys, graph)


def to_actions(
    env: Mapping[str, str],
    err: TextIO,
    outcome: BuildOutcome,
    config: BuildConfig,
    failures: Failures | None,
) -> None:
    """Under GitHub Actions: the build's annotations and job summary."""
    if not ghactions.active(env):
        return
    counts = summary(outcome.result) if outcome.result is not None else dict(outcome.counts or {})
    if outcome.mode == "up-to-date" and not outcome.written:
        heading = "pithgen build: up to date"
    elif outcome.written:
        heading = "pithgen build: site built"
    else:
        heading = "pithgen build: not built (the previous site was left as it was)"
    notes = []
    if site_is_current(outcome):
        notes.append(f"The site is in `{config.out}`; its verification report is "
                     f"`{config.out / layout.verification_page()}`.")  # fmt: skip
    if failures is not None and failures.total:
        notes.append("The full report: `pithgen build --json` (the shape of `verify --json`).")
    base = Path(os.path.abspath(config.records))
    ghactions.emit(env, err, heading=heading, counts=counts, failures=failures, base=base,
                   notes=notes)  # fmt: skip
