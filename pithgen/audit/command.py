"""``pithgen audit SITE_OR_URL``: the click command: its options, the values a reader
brings (``--log-key``, the key they trust; ``--since``, a checkpoint they kept), the
output and the exit status. The work is :func:`pithgen.audit.run.audit`.

The reader's own values are read before the mirror is: one that cannot be used is a usage
error (exit 2), never a finding about the mirror. Every error goes to the command line's
one handler (:class:`pithgen.clierrors.PithgenGroup`).
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import click

from pithgen.audit.run import DEFAULT_CONCURRENCY, AuditOptions, audit
from pithgen.audit.since import Kept
from pithgen.audit.source import MAX_FILE
from pithgen.errors import LogError, UsageError
from pithgen.progress import for_stream
from pithgen.pull.http import HttpClient, NetworkOptions
from pithgen.pull.paths import UnsafePath, check_relpath
from pithgen.pull.source import check_root_url
from pithgen.tlog.note import NoteVerifier
from pithgen.tlog.proof import checkpoint_of

MAX_CONCURRENCY = 64
MAX_VKEY_FILE = 4096
MAX_CHECKPOINT = 64 * 1024


def parse_log_key(value: str) -> NoteVerifier:
    """``--log-key``: a verifier key ``<name>+<key id>+<base64>`` (as in ``keys/log.vkey``
    or the manifest's ``log.vkey``), or a file holding one."""
    text = value
    path = Path(value)
    if path.is_file():
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_VKEY_FILE + 1)
            text = raw.decode("ascii").strip() if len(raw) <= MAX_VKEY_FILE else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--log-key: cannot read a verifier key: {exc}", where=value) from None
    try:
        return NoteVerifier.parse(text)
    except LogError as exc:
        raise UsageError(
            "--log-key: expected a verifier key <name>+<key id>+<base64 key> (as in the "
            f"site's keys/log.vkey), or a file holding one: {exc.message}",
            where=value,
        ) from None


def read_checkpoint_arg(spec: str, options: NetworkOptions, stop: threading.Event) -> bytes:
    """The text of an older checkpoint a reader kept (``--since``): a file, or an http(s)
    URL read with the bounded client. Unreadable is a usage error (exit 2)."""
    limit = f"larger than {MAX_CHECKPOINT} bytes: not a checkpoint"
    if spec.lower().startswith(("http://", "https://")):
        root, _, name = spec.rpartition("/")
        try:
            root_url, relpath = check_root_url(root + "/"), check_relpath(name)
        except (UsageError, UnsafePath) as exc:
            raise UsageError(
                f"--since: expected a file or the http(s) URL of a checkpoint ({exc.message})",
                where=spec,
            ) from None
        bounded = NetworkOptions(
            timeout=options.timeout, max_bytes=MAX_CHECKPOINT, retries=options.retries,
            backoff=options.backoff, max_wait=options.max_wait,
        )  # fmt: skip
        client = HttpClient(root_url, bounded, stop)
        try:
            response = client.get(relpath)
        finally:
            client.close_thread()
        if response.status == 404:
            raise UsageError("--since: no checkpoint there (HTTP 404)", where=spec)
        return response.body
    try:
        with open(Path(spec), "rb") as fh:
            data = fh.read(MAX_CHECKPOINT + 1)
    except OSError as exc:
        raise UsageError(f"--since: cannot read it: {exc.strerror or exc}", where=spec) from None
    if len(data) > MAX_CHECKPOINT:
        raise UsageError(f"--since: {limit}", where=spec)
    return data


def _checked(data: bytes, spec: str) -> bytes:
    """A kept checkpoint must at least be one (its signature is checked against the
    mirror's key by the audit: a key that changed is about the mirror)."""
    try:
        checkpoint_of(data.decode("utf-8"), spec)
    except (LogError, UnicodeDecodeError) as exc:
        why = exc.message if isinstance(exc, LogError) else "it is not UTF-8 text"
        raise UsageError(
            f"--since: expected a signed checkpoint you kept (a copy of a mirror's "
            f"log/checkpoint), found something else: {why}",
            where=spec,
        ) from None
    return data


def _within(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise UsageError(f"{name}: expected {low:g} to {high:g}, found {value:g}")


@click.command()
@click.argument("site", metavar="SITE_OR_URL")
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
    """Re-verify a whole published mirror from its files: SITE_OR_URL is a site folder or
    the mirror's http(s) base URL. Checks the log's signed checkpoint, that its tiles and entry
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
    stop = threading.Event()
    pinned = parse_log_key(log_key) if log_key is not None else None
    kept = None
    if since is not None:
        kept = Kept(since, _checked(read_checkpoint_arg(since, network, stop), since))
    options = AuditOptions(kept, pinned, network, concurrency)
    report = audit(site, options, progress=for_stream(sys.stderr), stop=stop)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        for line in report.human_lines():
            click.echo(line)
    sys.exit(report.exit_code)


__all__ = ["audit_command", "parse_log_key", "read_checkpoint_arg"]
