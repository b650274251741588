"""The command line: click only, no logic. The group's class
(:class:`pithgen.clierrors.PithgenGroup`) is the one handler that turns errors into
messages and documented exit codes."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path
from typing import ClassVar

import click

from pithgen import __version__
from pithgen.beside import spares_of
from pithgen.build import BuildOutcome
from pithgen.buildflags import BuildFlags, build_options
from pithgen.buildreport import (
    build_with_progress,
    report_chunks,
    shard_with_progress,
    to_actions,
)
from pithgen.buildsummary import build_summary, shard_summary, site_is_current
from pithgen.cache.store import remove_cache
from pithgen.causes import KeyAdvice, collect
from pithgen.clierrors import PithgenGroup
from pithgen.config import BuildConfig, load_config
from pithgen.errors import EXIT_OK, EXIT_VERIFICATION_FAILED, UsageError
from pithgen.scaffold import scaffold
from pithgen.shard.partition import Partition


class _Commands(PithgenGroup):
    """The ``pithgen`` group, whose commands defined in other modules are imported when
    they are run or listed, not on every start: ``pithgen build`` of a site that is up
    to date should not pay for the network client of ``pull`` or the server of ``serve``."""

    ELSEWHERE: ClassVar[dict[str, tuple[str, str]]] = {
        "audit": ("pithgen.audit.command", "audit_command"),
        "event": ("pithgen.events.command", "event"),
        "keys": ("pithgen.keycommands", "keys"),
        "mint": ("pithgen.keycommands", "mint"),
        "pull": ("pithgen.pull.command", "pull"),
        "serve": ("pithgen.servecommand", "serve"),
        "verify": ("pithgen.verifycommand", "verify"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.ELSEWHERE})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.ELSEWHERE:
            module, name = self.ELSEWHERE[cmd_name]
            command = getattr(importlib.import_module(module), name)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="pithgen")
@click.option("-v", "--verbose", is_flag=True, help="Print the traceback of an internal error.")
def main(verbose: bool) -> None:
    """pithgen: verify Pith records and build a static, re-verifiable Pith mirror.

    Exit status: 0 success, 1 a record failed verification, 2 usage, configuration or
    I/O error, 3 internal error (a bug in pithgen), 130 interrupted (Ctrl-C),
    143 terminated (SIGTERM).
    """


_JSON_OPTION = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the verification report on stdout (the shape of verify --json); the "
    "summary goes to stderr.",
)


@main.command()
@build_options
@_JSON_OPTION
@click.option(
    "--shard",
    metavar="I/N",
    help="Build only shard I of N (one job of a CI matrix): verify and render the records "
    "of its part of the archive and write a shard artifact into --out; `pithgen assemble` "
    "makes the site of all N.",
)
def build(flags: BuildFlags, as_json: bool, shard: str | None) -> None:
    """Verify every record and build the static mirror.

    Exit status: 0 the site is this build's (written, or up to date), 1 a record failed
    and nothing was written (the old site is left as it was; --keep-going publishes the
    verified records, and still exits 1 when none verified), 2 usage or I/O error.
    Under GitHub Actions, failures are also annotations and a job summary.
    """
    config = flags.config()
    if shard is not None:
        partition = Partition.parse(shard)
        if as_json:
            raise UsageError("--json reports a site: use it with `pithgen assemble`, not --shard")
        if flags.out is None:
            raise UsageError(
                "--shard: expected --out DIR, the folder of this shard's artifact "
                f"(for example shards/{partition.index})"
            )
        done = shard_with_progress(config, partition)
        for line in shard_summary(done, config):
            click.echo(line, err=not done.written)
        sys.exit(EXIT_OK if done.written else EXIT_VERIFICATION_FAILED)
    _finish(build_with_progress(config), config, as_json)


@main.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(path_type=Path))
@build_options
@_JSON_OPTION
def assemble(flags: BuildFlags, shards: tuple[Path, ...], as_json: bool) -> None:
    """Assemble the site from the shard artifacts SHARDS (one folder for each of shards 1 to
    N, written by `pithgen build --shard I/N`) with the same input and options as the
    shards: byte for byte the site a single `pithgen build` writes.

    The shards are checked first: none missing or given twice, all built by this pithgen
    with this configuration from this input, every file as its manifest says; otherwise
    nothing is written (exit 2). Exit status otherwise as for `pithgen build`.
    """
    config = flags.config()
    _finish(build_with_progress(config, shards), config, as_json)


def _finish(outcome: BuildOutcome, config: BuildConfig, as_json: bool) -> None:
    """Print a build's summary (and report), tell GitHub Actions, exit."""
    ok = site_is_current(outcome)
    cwd = Path.cwd()
    try:
        result = outcome.result
        failures = None
        if result is not None and result.failed:
            failures = collect(result, KeyAdvice.for_build(config, cwd))
        for line in build_summary(outcome, config, cwd=cwd, failures=failures):
            click.echo(line, err=as_json or not ok)
        if as_json:
            for chunk in report_chunks(outcome, config):
                click.echo(chunk, nl=False)
        to_actions(os.environ, sys.stderr, outcome, config, failures)
    finally:
        if outcome.result is not None:
            outcome.result.close()  # now, not whenever the garbage collector gets to it
    sys.exit(EXIT_OK if ok else EXIT_VERIFICATION_FAILED)


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
@click.option(
    "--shards",
    type=int,
    metavar="N",
    help="Write a workflow that builds the site on a matrix of N jobs (`build --shard`), "
    "assembles it and publishes it (GitHub Pages, or object storage past Pages' limit).",
)
def new(directory: Path, shards: int | None) -> None:
    """Scaffold a site: pithgen.toml, records/ with a sample record, a Pages workflow."""
    for path in scaffold(directory, shards):
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && pithgen build")
