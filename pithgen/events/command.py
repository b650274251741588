"""``pithgen event add``: sign one event and append it to an event file.

Click only, no rules: the event is built by :func:`pithgen.events.sign.build_event` (which
refuses anything it would itself call invalid) and written by
:func:`pithgen.events.files.append_event`. Times are inputs (``--created-at``), so the
same command always appends the same bytes; running it twice appends nothing the second
time. Errors are :class:`pithgen.errors.PithgenError` and reach the one handler of
``pithgen`` (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pithgen.errors import UsageError
from pithgen.events.files import append_event
from pithgen.events.schemas import RELATIONSHIPS
from pithgen.events.sign import build_event, citation_payload
from pithgen.keys import load_signing_key
from pithgen.strictjson import JSONDefect, parse_document


def _payload(
    event_type: str,
    payload_json: str | None,
    cites: str | None,
    relationship: str | None,
    context: str | None,
) -> dict[str, Any]:
    """The payload from ``--payload`` or, for a citation, from the citation options."""
    shortcut = [
        name
        for name, value in (
            ("--cites", cites),
            ("--relationship", relationship),
            ("--context", context),
        )
        if value is not None
    ]
    if payload_json is not None:
        if shortcut:
            raise UsageError(f"give either --payload or {', '.join(shortcut)}, not both")
        try:
            return parse_document(payload_json.encode("utf-8"))
        except JSONDefect as exc:
            raise UsageError(f"--payload: expected a JSON object, found {exc}") from None
    if event_type != "citation":
        raise UsageError(f"--payload: a {event_type} event needs its payload as a JSON object")
    if cites is None or relationship is None:
        raise UsageError("a citation needs --cites and --relationship (or --payload)")
    return citation_payload(cites, relationship, context)


@click.group()
def event() -> None:
    """Sign events of the Pith Open Graph (docs/events.md)."""


@event.command("add")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Private key file written by 'pithgen keys generate'.",
)
@click.option("--type", "event_type", required=True, help="Event type, e.g. citation.")
@click.option("--subject", required=True, help="Pith Number of the record the event is about.")
@click.option(
    "--created-at", required=True, help="Event time, RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS[.f]Z."
)
@click.option("--cites", help="Citation: the cited Pith Number or arXiv id.")
@click.option("--relationship", type=click.Choice(RELATIONSHIPS), help="Citation: how it cites.")
@click.option("--context", help="Citation: where or how, in words (optional).")
@click.option("--payload", "payload_json", help="The payload as a JSON object (any type).")
@click.option("--target", default=None, help="What the event is about (default by type).")
@click.option("--signer-id", default=None, help="Who signs, recorded in the event.")
@click.option("--signer-type", default=None, help="What kind of signer, e.g. registry.")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Event file (.jsonl) to append to, e.g. events/citations.jsonl.",
)
def event_add(
    key_file: Path,
    event_type: str,
    subject: str,
    created_at: str,
    cites: str | None,
    relationship: str | None,
    context: str | None,
    payload_json: str | None,
    target: str | None,
    signer_id: str | None,
    signer_type: str | None,
    out_file: Path,
) -> None:
    """Sign one event and append it to an event file (nothing if already there)."""
    key = load_signing_key(key_file)
    signed = build_event(
        event_type=event_type,
        subject=subject,
        payload=_payload(event_type, payload_json, cites, relationship, context),
        created_at=created_at,
        key=key,
        target=target,
        signer_id=signer_id,
        signer_type=signer_type,
    )
    if append_event(out_file, signed):
        click.echo(f"appended {event_type} event {signed['event_id']} to {out_file}")
    else:
        click.echo(f"{out_file} already holds event {signed['event_id']}; nothing appended")


__all__ = ["event", "event_add"]
