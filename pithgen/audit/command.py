"""``pithgen audit SITE_OR_URL``: the click command (options, output, exit status); the
work is :func:`pithgen.audit.run.audit`. Errors go to the command line's one handler
(:class:`pithgen.clierrors.PithgenGroup`)."""

from __future__ import annotations

import json
import sys

import click

from pithgen.audit.run import DEFAULT_CONCURRENCY, AuditOptions, audit
from pithgen.audit.source import MAX_FILE
from pithgen.errors import UsageError
from pithgen.progress import for_stream
from pithgen.pull.http import NetworkOptions

MAX_CONCURRENCY = 64


def _within(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise UsageError(f"{name}: expected {low:g} to {high:g}, found {value:g}")


@click.command()
@click.argument("site")
@click.option(
    "--since",
    metavar="CHECKPOINT",
    help="A checkpoint of this log you kept (a file, or its URL): the log must extend it.",
)
@click.option(
    "--log-key",
    metavar="VKEY_OR_FILE",
    help="The log key you trust (a verifier key name+id+key, as in keys/log.vkey, or a file "
    "holding one), instead of the one the site publishes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds per request, in all.")
@click.option("--retries", default=4, show_default=True, help="Retries on 429, 5xx, timeouts.")
@click.option("--max-size", default=MAX_FILE, show_default=True, help="Largest file read, bytes.")
@click.option(
    "--concurrency", default=DEFAULT_CONCURRENCY, show_default=True, help="Requests at once."
)
def audit_command(
    site: str,
    since: str | None,
    log_key: str | None,
    as_json: bool,
    timeout: float,
    retries: int,
    max_size: int,
    concurrency: int,
) -> None:
    """Re-verify a whole published mirror from its files: SITE is a site folder or the
    mirror's http(s) base URL. Checks the log's signed checkpoint, that its tiles and entry
    bundles give the signed root, every record document, bundle and state (as 'pithgen
    verify' verifies them), that every published file is in the log with its exact bytes
    and every logged file is published, every .tlog-proof file, and with --since that
    the log only grew.

    Exit status: 0 every check passed, 1 the mirror failed a check (the report names each
    failure), 2 usage or I/O error (an unreachable URL, a folder that is no site).
    """
    _within("--timeout", timeout, 0.01, 3600)
    _within("--retries", retries, 0, 100)
    _within("--max-size", max_size, 1024, 1 << 31)
    _within("--concurrency", concurrency, 1, MAX_CONCURRENCY)
    network = NetworkOptions(timeout=timeout, max_bytes=max_size, retries=retries)
    options = AuditOptions(since, log_key, network, concurrency)
    report = audit(site, options, progress=for_stream(sys.stderr))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        for line in report.human_lines():
            click.echo(line)
    sys.exit(report.exit_code)


__all__ = ["audit_command"]
