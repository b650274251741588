"""The command line: click only, no logic. One error handler, documented exit codes
(see :mod:`pithgen.errors`)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pithgen import __version__
from pithgen.build import build_site
from pithgen.config import BuildConfig, load_config
from pithgen.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFICATION_FAILED, PithgenError
from pithgen.keys import KeyRing, SigningKey, load_signing_key, write_key_pair
from pithgen.mint import Paper, mint_jsonl, mint_record, read_papers
from pithgen.pipeline import verify_paths
from pithgen.report import build_summary, human_lines, json_chunks
from pithgen.scaffold import scaffold
from pithgen.serve import serve as serve_site

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """The one place a :class:`PithgenError` becomes a message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PithgenError as exc:
            click.echo(f"pithgen: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:
            click.echo(f"pithgen: error: {exc}", err=True)
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]


trust_key_option = click.option(
    "--trust-key",
    "trust_keys",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also trust this key document (format of Pith's pith-signing-key.json). Repeatable.",
)
no_default_keys_option = click.option(
    "--no-default-keys", is_flag=True, help="Do not trust Pith's built-in key."
)


class _Progress:
    """A progress bar on stderr when it is a terminal, else nothing."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def total(self, nbytes: int) -> None:
        if sys.stderr.isatty() and nbytes > 4 * 1024 * 1024:
            self.bar = click.progressbar(length=nbytes, label=self.label, file=sys.stderr)
            self.bar.__enter__()

    def step(self, nbytes: int) -> None:
        if self.bar is not None:
            self.bar.update(nbytes)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.group()
@click.version_option(__version__, prog_name="pithgen")
def main() -> None:
    """pithgen: verify Pith records and build a static, re-verifiable Pith mirror."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@trust_key_option
@no_default_keys_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handle_errors
def verify(
    paths: tuple[Path, ...], trust_keys: tuple[Path, ...], no_default_keys: bool, as_json: bool
) -> None:
    """Verify every record document, bundle and JSONL line under PATHS.

    Exit status: 0 all verified, 1 any failed, 2 usage or I/O error.
    """
    keys = KeyRing.build(trust_keys, default_keys=not no_default_keys)
    progress = _Progress("verifying")
    try:
        result = verify_paths(list(paths), keys, progress=progress.step, total=progress.total)
    finally:
        progress.close()
    if as_json:
        for chunk in json_chunks(result, keys):
            click.echo(chunk, nl=False)
    else:
        for line in human_lines(result):
            click.echo(line)
    sys.exit(EXIT_OK if result.failed == 0 else EXIT_VERIFICATION_FAILED)


@main.group()
def keys() -> None:
    """Manage signing keys."""


@keys.command("generate")
@click.option("--key-id", required=True, help="Identifier written into every receipt.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--signer-id", default=None, help="Who signs (recorded in the key document).")
@handle_errors
def keys_generate(key_id: str, out_dir: Path, signer_id: str | None) -> None:
    """Write KEY_ID.private.json (mode 0600) and the public key document KEY_ID.json."""
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
@handle_errors
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
    fields = {
        "--arxiv-id": arxiv_id,
        "--version": version,
        "--title": title,
        "--abstract": abstract,
        "--primary-cat": primary_cat,
        "--submitted-at": submitted_at,
    }
    missing = [name for name, value in fields.items() if value is None]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (or use --from-json)")
    paper = Paper(
        arxiv_id=str(arxiv_id),
        version=int(version or 0),
        title=str(title),
        abstract=str(abstract),
        submitted_at=str(submitted_at),
        primary_cat=str(primary_cat),
        cross_cats=cross_cats,
        authors=authors,
        license=license_,
    )
    doc = mint_record(paper, key, signed_at=signed_at)
    out_file.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(f"minted {doc['pith_number']} into {out_file}")


def build_options(func: F) -> F:
    """The options ``build`` and ``serve`` share."""
    options = [
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
        click.option(
            "--base-url", help="Public URL of the site, for canonical links, sitemap, feed."
        ),
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
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _build_config(flags: dict[str, Any]) -> BuildConfig:
    no_default_keys = flags.pop("no_default_keys")
    config_file = flags.pop("config_file")
    return load_config(config_file, cwd=Path.cwd()).with_overrides(
        default_keys=None if no_default_keys is None else not no_default_keys, **flags
    )


def _run_build(config: BuildConfig) -> bool:
    progress = _Progress("building")
    try:
        outcome = build_site(config, progress=progress.step, total=progress.total, cwd=Path.cwd())
    finally:
        progress.close()
    for line in build_summary(outcome, config):
        click.echo(line, err=not outcome.written)
    return outcome.written


@main.command()
@build_options
@handle_errors
def build(**flags: Any) -> None:
    """Verify every record and build the static mirror.

    Exit status: 0 site written, 1 a record failed (the old site is left as it was;
    use --keep-going to publish the verified ones), 2 usage or I/O error.
    """
    written = _run_build(_build_config(flags))
    sys.exit(EXIT_OK if written else EXIT_VERIFICATION_FAILED)


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
@handle_errors
def serve(host: str, port: int, watch: bool, **flags: Any) -> None:
    """Build the site, serve it over HTTP and rebuild it when its inputs change.

    A build or rebuild that fails verification keeps the last good site and says why.
    """
    config_file = flags["config_file"]
    config = _build_config(flags)
    if not _run_build(config) and not config.out.is_dir():
        sys.exit(EXIT_VERIFICATION_FAILED)

    def rebuild() -> None:
        try:
            _run_build(config)
        except PithgenError as exc:
            click.echo(f"pithgen: rebuild failed: {exc}", err=True)

    serve_site(
        config,
        host=host,
        port=port,
        watch=watch,
        rebuild=rebuild,
        announce=lambda text: click.echo(text, err=True),
        config_file=config_file,
    )


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@handle_errors
def new(directory: Path) -> None:
    """Scaffold a site: pithgen.toml, records/ with a sample record, a Pages workflow."""
    for path in scaffold(directory):
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && pithgen build")
