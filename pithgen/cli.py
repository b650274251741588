"""The command line: click only, no logic. The group's class
(:class:`pithgen.clierrors.PithgenGroup`) is the one handler that turns errors into
messages and documented exit codes."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import click

from pithgen import __version__
from pithgen.beside import spares_of
from pithgen.build import BuildOutcome, build_site
from pithgen.buildflags import BuildFlags, build_options, jobs_option, trust_key_option
from pithgen.buildsummary import build_summary
from pithgen.cache.store import remove_cache
from pithgen.clierrors import PithgenGroup, interrupts
from pithgen.config import BuildConfig, load_config
from pithgen.errors import EXIT_OK, EXIT_VERIFICATION_FAILED, PithgenError
from pithgen.events.command import event
from pithgen.graph import build_graph
from pithgen.keycommands import keys, mint
from pithgen.keys import KeyRing
from pithgen.load import LoadOptions, discover
from pithgen.parallel import check_jobs
from pithgen.pipeline import verify_paths
from pithgen.progress import for_stream
from pithgen.pull.command import pull
from pithgen.report import human_lines, json_chunks
from pithgen.scaffold import scaffold
from pithgen.serve import serve as serve_site


def _trusted_keys(trust_keys: tuple[Path, ...], default_keys: bool) -> KeyRing:
    return KeyRing.build(trust_keys, default_keys=default_keys)


@click.group(cls=PithgenGroup)
@click.version_option(__version__, prog_name="pithgen")
@click.option("-v", "--verbose", is_flag=True, help="Print the traceback of an internal error.")
def main(verbose: bool) -> None:
    """pithgen: verify Pith records and build a static, re-verifiable Pith mirror.

    Exit status: 0 success, 1 a record failed verification, 2 usage, configuration or
    I/O error, 3 internal error (a bug in pithgen), 130 interrupted (Ctrl-C),
    143 terminated (SIGTERM).
    """


@main.command()
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
    keys = _trusted_keys(trust_keys, not no_default_keys)
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
    ok = result.failed == 0 and not bad_events
    sys.exit(EXIT_OK if ok else EXIT_VERIFICATION_FAILED)


main.add_command(event)
main.add_command(pull)


main.add_command(keys)
main.add_command(mint)


def _run_build(config: BuildConfig) -> bool:
    """Build; print the summary; whether the site is now the build's (written, or up to
    date)."""
    outcome = _build_and_report(config)
    return outcome.written or outcome.mode == "up-to-date"


def _build_and_report(config: BuildConfig) -> BuildOutcome:
    """Build and print the summary."""
    progress = for_stream(sys.stderr)
    try:
        outcome = build_site(config, progress=progress, cwd=Path.cwd())
    finally:
        progress.close()
    ok = outcome.written or outcome.mode == "up-to-date"
    try:
        for line in build_summary(outcome, config):
            click.echo(line, err=not ok)
    finally:
        if outcome.result is not None:
            outcome.result.close()  # now, not whenever the garbage collector gets to it
    return outcome


@main.command()
@build_options
def build(flags: BuildFlags) -> None:
    """Verify every record and build the static mirror.

    Exit status: 0 site written, 1 a record failed (the old site is left as it was;
    use --keep-going to publish the verified ones), 2 usage or I/O error.
    """
    config = flags.config()
    sys.exit(EXIT_OK if _run_build(config) else EXIT_VERIFICATION_FAILED)


@main.command()
@build_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="0 picks a free port.")
@click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Rebuild when records, templates, keys or the configuration change.",
)
def serve(flags: BuildFlags, host: str, port: int, watch: bool) -> None:
    """Build the site, serve it over HTTP and rebuild it when its inputs change.

    A build or rebuild that fails verification keeps the last good site and says why.
    Ctrl-C stops the server (exit status 0).
    """
    config = flags.config()
    if not _run_build(config) and not config.out.is_dir():
        sys.exit(EXIT_VERIFICATION_FAILED)

    def rebuild() -> bool:
        """Rebuild; whether a new site was written (open pages then reload)."""
        try:
            return _build_and_report(config).written
        except (PithgenError, OSError) as exc:
            click.echo(f"pithgen: rebuild failed: {exc}", err=True)
            return False

    stop = threading.Event()
    with interrupts(stop):
        serve_site(
            config,
            host=host,
            port=port,
            watch=watch,
            rebuild=rebuild,
            announce=lambda text: click.echo(text, err=True),
            config_file=flags.config_file,
            stop=stop,
        )


@main.command()
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: ./pithgen.toml when present).",
)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Output folder.")
@click.option(
    "--cache-dir", type=click.Path(path_type=Path, file_okay=False), help="Build cache folder."
)
def clean(config_file: Path | None, out: Path | None, cache_dir: Path | None) -> None:
    """Remove the build cache and the spare copy of the site beside the output folder (the
    next build verifies and renders everything again)."""
    config = load_config(config_file, cwd=Path.cwd()).with_overrides(out=out, cache=cache_dir)
    removed = remove_cache(config.cache_dir)
    click.echo(f"removed the build cache {config.cache_dir}" if removed else "no build cache")
    for spare in spares_of(config.out.absolute()):
        shutil.rmtree(spare)
        click.echo(f"removed the spare site {spare}")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def new(directory: Path) -> None:
    """Scaffold a site: pithgen.toml, records/ with a sample record, a Pages workflow."""
    for path in scaffold(directory):
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && pithgen build")
