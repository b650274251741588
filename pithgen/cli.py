"""The command line: click only, no logic. The group's class
(:class:`pithgen.clierrors.PithgenGroup`) is the one handler that turns errors into
messages and documented exit codes."""

from __future__ import annotations

import functools
import json
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click

from pithgen import __version__
from pithgen.beside import spares_of
from pithgen.build import BuildOutcome, build_site
from pithgen.buildsummary import build_summary
from pithgen.cache.store import remove_cache
from pithgen.clierrors import PithgenGroup, interrupts
from pithgen.config import BuildConfig, load_config
from pithgen.errors import EXIT_OK, EXIT_VERIFICATION_FAILED, PithgenError
from pithgen.events.command import event
from pithgen.graph import build_graph
from pithgen.keys import KeyRing, SigningKey, check_key_id, load_signing_key, write_key_pair
from pithgen.load import LoadOptions, discover
from pithgen.mint import Paper, mint_jsonl, mint_record, read_papers
from pithgen.parallel import check_jobs
from pithgen.pipeline import verify_paths
from pithgen.progress import for_stream
from pithgen.pull.command import pull
from pithgen.report import human_lines, json_chunks
from pithgen.scaffold import scaffold
from pithgen.serve import serve as serve_site

jobs_option = click.option(
    "--jobs",
    "-j",
    type=int,
    default=None,
    help="Worker processes (default: every core, or [build] jobs). The output is the same "
    "for any number.",
)
trust_key_option = click.option(
    "--trust-key",
    "trust_keys",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also trust this key document (format of Pith's pith-signing-key.json). Repeatable.",
)


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


@main.group()
def keys() -> None:
    """Manage signing keys."""


@keys.command("generate")
@click.option("--key-id", required=True, help="Identifier written into every receipt.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--signer-id", default=None, help="Who signs (recorded in the key document).")
def keys_generate(key_id: str, out_dir: Path, signer_id: str | None) -> None:
    """Write KEY_ID.private.json (mode 0600) and the public key document KEY_ID.json."""
    check_key_id(key_id, "--key-id")
    private_path, public_path = write_key_pair(SigningKey.generate(key_id), out_dir, signer_id)
    click.echo(f"private key: {private_path}\npublic key document: {public_path}")


@main.command()
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Private key file written by 'pithgen keys generate'.",
)
@click.option("--arxiv-id", help="arXiv id without version, e.g. 1810.06877 or astro-ph/9610094.")
@click.option("--version", "version", type=int, help="arXiv version (>= 1).")
@click.option("--title")
@click.option("--abstract")
@click.option("--authors", default="", help="Authors as displayed, e.g. 'A. One, B. Two'.")
@click.option("--license", "license_", default="", help="arXiv license URL ('' for none).")
@click.option("--primary-cat")
@click.option("--cross-cat", "cross_cats", multiple=True, help="Secondary category. Repeatable.")
@click.option("--submitted-at", help="v1 submission time, YYYY-MM-DDTHH:MM:SSZ.")
@click.option("--signed-at", required=True, help="Receipt time, YYYY-MM-DDTHH:MM:SS[.ffffff]Z.")
@click.option(
    "--from-json",
    "from_json",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read papers from a JSON list or JSONL file instead (writes JSONL).",
)
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path, dir_okay=False))
def mint(
    key_file: Path,
    arxiv_id: str | None,
    version: int | None,
    title: str | None,
    abstract: str | None,
    authors: str,
    license_: str,
    primary_cat: str | None,
    cross_cats: tuple[str, ...],
    submitted_at: str | None,
    signed_at: str,
    from_json: Path | None,
    out_file: Path,
) -> None:
    """Mint a signed record document (or a JSONL file of them with --from-json)."""
    key = load_signing_key(key_file)
    if from_json is not None:
        lines = mint_jsonl(read_papers(from_json), key, signed_at=signed_at)
        out_file.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        click.echo(f"minted {len(lines)} record(s) into {out_file}")
        return
    given = {
        "--arxiv-id": arxiv_id,
        "--version": version,
        "--title": title,
        "--abstract": abstract,
        "--primary-cat": primary_cat,
        "--submitted-at": submitted_at,
    }
    missing = [name for name, value in given.items() if value is None]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (or use --from-json)")
    paper = Paper(  # every value is given (not None): checked just above
        arxiv_id=arxiv_id or "",
        version=version or 0,
        title=title or "",
        abstract=abstract or "",
        submitted_at=submitted_at or "",
        primary_cat=primary_cat or "",
        cross_cats=cross_cats,
        authors=authors,
        license=license_,
    )
    doc = mint_record(paper, key, signed_at=signed_at)
    out_file.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(f"minted {doc['pith_number']} into {out_file}")


@dataclass(frozen=True)
class BuildFlags:
    """The options ``build`` and ``serve`` share, as given (``None``: not given)."""

    records: Path | None
    out: Path | None
    base_url: str | None
    trust_keys: tuple[Path, ...]
    no_default_keys: bool | None
    keep_going: bool | None
    title: str | None
    config_file: Path | None
    jobs: int | None
    cache_dir: Path | None
    no_cache: bool | None
    events: Path | None

    def config(self) -> BuildConfig:
        """``pithgen.toml`` (or ``--config``) with the flags that were given winning."""
        return load_config(self.config_file, cwd=Path.cwd()).with_overrides(
            records=self.records,
            out=self.out,
            base_url=self.base_url,
            title=self.title,
            trust_keys=self.trust_keys,
            default_keys=None if self.no_default_keys is None else not self.no_default_keys,
            keep_going=self.keep_going,
            jobs=None if self.jobs is None else check_jobs(self.jobs),
            cache=self.cache_dir,
            use_cache=None if self.no_cache is None else not self.no_cache,
            events=self.events,
        )


_BUILD_OPTIONS = [
    click.option(
        "--records",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of records (default: records/, or [build] records).",
    ),
    click.option(
        "--out",
        type=click.Path(path_type=Path, file_okay=False),
        help="Output folder (default: site/, or [build] out).",
    ),
    click.option("--base-url", help="Public URL of the site, for canonical links, sitemap, feed."),
    trust_key_option,
    click.option(
        "--no-default-keys",
        "no_default_keys",
        is_flag=True,
        default=None,
        help="Do not trust Pith's built-in key.",
    ),
    click.option(
        "--keep-going",
        is_flag=True,
        default=None,
        help="Publish the verified records even if some failed (listed in the report).",
    ),
    click.option("--title", help="Site title."),
    click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Configuration file (default: ./pithgen.toml when present).",
    ),
    jobs_option,
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Build cache folder (default: .pithgen-cache beside the output, or [build] cache).",
    ),
    click.option(
        "--no-cache",
        is_flag=True,
        default=None,
        help="Neither read nor write the build cache (verify and render everything).",
    ),
    click.option(
        "--events",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of event files, .jsonl (default: events/ beside the records, or "
        "[build] events).",
    ),
]


def build_options(func: Callable[..., None]) -> Callable[..., None]:
    """Add the options ``build`` and ``serve`` share; the command gets them as one
    :class:`BuildFlags` (its first parameter)."""

    @functools.wraps(func)
    def command(**kwargs: Any) -> None:
        names = [f.name for f in fields(BuildFlags)]
        func(BuildFlags(**{name: kwargs.pop(name) for name in names}), **kwargs)

    for option in reversed(_BUILD_OPTIONS):
        command = option(command)
    return command


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
