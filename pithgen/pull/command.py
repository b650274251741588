"""``pithgen pull SOURCE [IDENTIFIER...] [--from-file FILE] [--all] [--into records/]``.

Click and the order of the steps only: open the source and read its patterns
(:mod:`~pithgen.pull.source`), plan (:mod:`~pithgen.pull.plan`), find what the records
folder holds (:class:`~pithgen.pull.admit.Held`), run (:mod:`~pithgen.pull.run`),
report (:mod:`~pithgen.pull.report`). Errors that end the whole run (a usage error, a
source that cannot be reached, an unusable manifest) are :class:`PithgenError` and reach
the one handler of ``pithgen`` (exit 2); Ctrl-C ends with 130 after the state is saved.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pithgen.errors import UsageError
from pithgen.identifiers import Query
from pithgen.keys import KeyRing
from pithgen.load import DEFAULT_MAX_BYTES, LoadOptions
from pithgen.parallel import check_jobs
from pithgen.pull.admit import Held
from pithgen.pull.http import NetworkOptions
from pithgen.pull.plan import ALL, make_plan, parse_identifiers, read_identifier_file
from pithgen.pull.report import Item, PullReport
from pithgen.pull.resolve import ResolveIndex
from pithgen.pull.run import Runner, Settings
from pithgen.pull.source import Source, open_client, read_patterns
from pithgen.pull.state import PullState, default_state_path, run_key

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

MAX_CONCURRENCY = 32


class _Bar:
    """A progress bar on stderr when it is a terminal (one step a record)."""

    def __init__(self, total: int) -> None:
        self.bar: ProgressBar[int] | None = None
        if sys.stderr.isatty() and total > 1:
            self.bar = click.progressbar(length=total, label="pulling", file=sys.stderr)
            self.bar.__enter__()

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _positive(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise UsageError(f"{name}: expected {low:g} to {high:g}, found {value:g}")


@click.command()
@click.argument("source")
@click.argument("identifiers", nargs=-1)
@click.option(
    "--from-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read identifiers from FILE, one a line (# comments and blank lines skipped).",
)
@click.option("--all", "want_all", is_flag=True, help="Every record of a pithgen mirror.")
@click.option(
    "--into",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("records"),
    show_default=True,
    help="The records folder (pulled files go to its pulled/ folder).",
)
@click.option(
    "--trust-key",
    "trust_keys",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also trust this key document (as for verify). Repeatable.",
)
@click.option("--no-default-keys", is_flag=True, help="Do not trust Pith's built-in key.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    help="Follow redirects to HOST (or HOST:PORT) too. Repeatable.",
)
@click.option("--timeout", default=30.0, show_default=True, help="Seconds per request, in all.")
@click.option("--retries", default=4, show_default=True, help="Retries on 429, 5xx, timeouts.")
@click.option("--backoff", default=1.0, show_default=True, help="First retry delay, seconds.")
@click.option("--max-wait", default=300.0, show_default=True, help="Longest Retry-After honoured.")
@click.option(
    "--max-size", default=DEFAULT_MAX_BYTES, show_default=True, help="Largest response, bytes."
)
@click.option("--concurrency", default=4, show_default=True, help="Requests at once.")
@click.option(
    "--jobs", "-j", type=int, default=None, help="Processes verifying the records folder."
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The resume state and request cache (default: .pithgen-pull.sqlite3 beside --into).",
)
@click.option("--no-state", is_flag=True, help="Keep no state: no resume, no conditional requests.")
def pull(
    source: str,
    identifiers: tuple[str, ...],
    from_file: Path | None,
    want_all: bool,
    into: Path,
    trust_keys: tuple[Path, ...],
    no_default_keys: bool,
    as_json: bool,
    allowed_hosts: tuple[str, ...],
    timeout: float,
    retries: int,
    backoff: float,
    max_wait: float,
    max_size: int,
    concurrency: int,
    jobs: int | None,
    state_file: Path | None,
    no_state: bool,
) -> None:
    """Copy records from SOURCE (a mirror's base URL, or a folder holding a built site)
    into the records folder, verifying each exactly as 'pithgen verify' would before it is
    written. IDENTIFIERs take every form the resolver takes (pith:YYYY:SUFFIX,
    pith:SHORT, arXiv:ID[vN], a DOI, a URL).

    Exit status: 0 everything asked for is held and verified, 1 something failed
    verification or conflicted with a held record, 2 usage or network error (or not
    found), 130 interrupted (run the same command again to resume).
    """
    _positive("--timeout", timeout, 0.01, 3600)
    _positive("--retries", retries, 0, 100)
    _positive("--backoff", backoff, 0, 3600)
    _positive("--max-wait", max_wait, 0, 86400)
    _positive("--max-size", max_size, 1024, 1 << 30)
    _positive("--concurrency", concurrency, 1, MAX_CONCURRENCY)
    given = list(identifiers)
    if from_file is not None:
        try:
            given += read_identifier_file(from_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--from-file: cannot read it: {exc}", where=str(from_file)) from None
    if not given and not want_all:
        raise UsageError("name the records to pull (IDENTIFIER..., --from-file) or give --all")
    parsed = parse_identifiers(given)
    keys = KeyRing.build(trust_keys, default_keys=not no_default_keys)
    workers = check_jobs(jobs)
    options = NetworkOptions(
        timeout=timeout,
        max_bytes=max_size,
        retries=retries,
        backoff=backoff,
        max_wait=max_wait,
        allowed_hosts=frozenset(h.lower() for h in allowed_hosts),
    )
    stop = threading.Event()
    client = open_client(source, options, stop)
    try:
        report = _run(
            Source(client, read_patterns(client)),
            parsed,
            want_all,
            into,
            Settings(into, keys, LoadOptions(max_bytes=max_size), concurrency),
            workers,
            None if no_state else state_file or default_state_path(into),
            stop,
        )
    finally:
        client.close_thread()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        for line in report.human_lines():
            click.echo(line)
    sys.exit(report.exit_code)


def _run(
    src: Source,
    parsed: list[tuple[str, Query]],
    want_all: bool,
    into: Path,
    settings: Settings,
    jobs: int,
    state_path: Path | None,
    stop: threading.Event,
) -> PullReport:
    """Plan, find what is held, run; the report."""
    opened: list[ResolveIndex | None] = []

    def index() -> ResolveIndex | None:
        if not opened:
            opened.append(ResolveIndex.open(src.client))
        return opened[0]

    plan = make_plan(parsed, want_all, index)
    held = Held.scan(into, settings.keys, settings.options, jobs)
    held_before = held.count
    state = PullState(state_path)
    request = [*(text for text, _ in parsed), *([ALL] if want_all else [])]
    bar = _Bar(len(plan.tasks))
    run = run_key(src.client.root, request, into)
    runner = Runner(src, held, state, run, settings, stop, bar.step)
    try:
        items = runner.run(plan)
    except KeyboardInterrupt:
        bar.close()
        where = "" if state_path is None else f" (state saved in {state_path})"
        click.echo(f"pithgen: pull interrupted{where}; run the same command to resume", err=True)
        raise
    finally:
        bar.close()
        state.close()
    report = PullReport(
        source=src.client.root,
        into=str(into),
        patterns=src.patterns.origin,
        items=[Item(u.status, (u.identifier,), reasons=(u.reason,)) for u in plan.unresolved]
        + items,
        notes=state.notes,
        held_before=held_before,
        ignored=held.ignored,
        resumed=runner.resumed,
    )
    if opened and opened[0] is not None and opened[0].skipped:
        report.notes.append(f"{opened[0].skipped} malformed row(s) of the resolve index skipped")
    return report
