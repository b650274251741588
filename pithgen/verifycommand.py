"""``pithgen verify``: verify record documents, bundles and JSONL files and their events,
and report each failure (click only, no logic; imported when the command runs)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pithgen import ghactions
from pithgen.buildflags import jobs_option, trust_key_option
from pithgen.causes import KeyAdvice, collect
from pithgen.errors import EXIT_OK, EXIT_VERIFICATION_FAILED
from pithgen.graph import build_graph
from pithgen.keys import KeyRing
from pithgen.load import LoadOptions, discover
from pithgen.parallel import check_jobs
from pithgen.pipeline import verify_paths
from pithgen.progress import for_stream
from pithgen.report import human_lines, json_chunks, summary


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@trust_key_option
@click.option("--no-default-keys", is_flag=True, help="Do not trust Pith's built-in key.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--events",
    "events_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Also check the event files (.jsonl) in this folder against the records.",
)
@jobs_option
def verify(
    paths: tuple[Path, ...],
    trust_keys: tuple[Path, ...],
    no_default_keys: bool,
    as_json: bool,
    events_dir: Path | None,
    jobs: int | None,
) -> None:
    """Verify every record document, bundle and JSONL line under PATHS, and the events of
    the bundles (and of the event files with --events), each valid, invalid or
    unverifiable (exit status 0 when all verified and no event is invalid or unattached,
    1 otherwise)."""
    keys = KeyRing.build(trust_keys, default_keys=not no_default_keys)
    progress = for_stream(sys.stderr)
    try:
        result = verify_paths(list(paths), keys, progress=progress, jobs=check_jobs(jobs))
    finally:
        progress.close()
    with (
        result,
        build_graph(result, discover(list(paths)), LoadOptions(), events_dir, keys) as graph,
    ):
        if as_json:
            for chunk in json_chunks(result, keys, graph):
                click.echo(chunk, nl=False)
        else:
            for line in human_lines(result, graph):
                click.echo(line)
        bad_events = graph.counts["invalid"] > 0 or any(True for _ in graph.problems())
        if ghactions.active(os.environ):
            cwd = Path.cwd()
            advice = KeyAdvice(cwd, (cwd / "keys", cwd), False, not no_default_keys)
            failed = result.failed > 0
            ghactions.emit(
                os.environ,
                sys.stderr,
                heading=f"pithgen verify: {'failed' if failed else 'every document verified'}",
                counts=summary(result),
                failures=collect(result, advice) if failed else None,
                base=None,
                notes=["The full report: `pithgen verify --json`."] if failed else [],
            )
    ok = result.failed == 0 and not bad_events
    sys.exit(EXIT_OK if ok else EXIT_VERIFICATION_FAILED)
