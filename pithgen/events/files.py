"""Event files: ``.jsonl`` of signed events that attach to records already in the archive.

One event a line, strict JSON (:mod:`pithgen.strictjson`: UTF-8, no duplicate keys, no
NaN, bounded nesting), blank lines ignored, at most :data:`MAX_LINE_BYTES` a line. A
line that is not a JSON object, or whose ``subject_pith_number`` is not a Pith Number,
cannot be attached to any record: it is a :class:`LineProblem` naming the file, the line,
what was expected and what was found; never dropped silently. Every other line goes to
the record its subject names (:func:`route`); an event whose subject is not in the
archive is reported the same way (:func:`attach`). An event's state is then decided in
the merge of that record like any event of its bundle (docs/events.md "Inputs").

:func:`append_event` is how ``pithgen event add`` writes: one canonical JSON line, and
nothing when the file already holds that exact event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pithgen.canonical import canonical_json
from pithgen.checks import described, shown
from pithgen.errors import InputPathError
from pithgen.events.grammar import is_pith_number
from pithgen.strictjson import JSONDefect, parse_document

MAX_LINE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LineProblem:
    """A line of an event file that attaches to no record, and why."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class EventLine:
    """One parsed event of an event file, with where it came from."""

    path: str
    line: int
    event: dict[str, Any]


@dataclass(frozen=True)
class EventFile:
    """The events and the problem lines of one event file, in file order."""

    path: str
    events: tuple[EventLine, ...]
    problems: tuple[LineProblem, ...]


def parse_event_lines(data: bytes, name: str) -> EventFile:
    """Parse the bytes of an event file called ``name`` (as reports show it)."""
    events: list[EventLine] = []
    problems: list[LineProblem] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line.strip():
            continue
        if len(line) > MAX_LINE_BYTES:
            problems.append(
                LineProblem(
                    name,
                    number,
                    f"expected an event of at most {MAX_LINE_BYTES} bytes, found {len(line)}",
                )
            )
            continue
        try:
            events.append(EventLine(name, number, parse_document(line)))
        except JSONDefect as exc:
            problems.append(LineProblem(name, number, f"expected a JSON event object: {exc}"))
    return EventFile(name, tuple(events), tuple(problems))


def read_event_file(path: Path, name: str | None = None) -> EventFile:
    """Read and parse one event file; an unreadable file is an :class:`InputPathError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputPathError(f"cannot read event file: {exc.strerror}", where=str(path)) from None
    return parse_event_lines(data, name or str(path))


def route(files: Iterable[EventFile]) -> tuple[dict[str, list[EventLine]], list[LineProblem]]:
    """Events by the Pith Number of their subject, and the lines that name none."""
    routed: dict[str, list[EventLine]] = {}
    problems: list[LineProblem] = []
    for event_file in files:
        problems.extend(event_file.problems)
        for item in event_file.events:
            subject = item.event.get("subject_pith_number")
            if isinstance(subject, str) and is_pith_number(subject):
                routed.setdefault(subject, []).append(item)
            else:
                problems.append(
                    LineProblem(
                        item.path,
                        item.line,
                        "cannot attach the event to a record: subject_pith_number: expected "
                        f"a Pith Number (pith:YYYY:SUFFIX), found {described(subject)}",
                    )
                )
    return routed, problems


def attach(
    routed: dict[str, list[EventLine]], archive: Iterable[str]
) -> tuple[dict[str, list[EventLine]], list[LineProblem]]:
    """Keep the events of records in ``archive`` (Pith Numbers); the others are problems
    (an event file attaches events to records the archive has, it does not add records)."""
    known = set(archive)
    kept = {subject: items for subject, items in routed.items() if subject in known}
    orphans = [
        LineProblem(
            item.path,
            item.line,
            f"cannot attach the event to a record: subject {shown(subject)} is not in the archive",
        )
        for subject, items in sorted(routed.items())
        if subject not in known
        for item in items
    ]
    return kept, orphans


def bundle_events(bundle: dict[str, Any]) -> list[Any]:
    """The events of a bundle (all of them, whatever their type or state); a bundle whose
    ``events`` is not a list has none (verify.py reports that bundle)."""
    events = bundle.get("events")
    return list(events) if isinstance(events, list) else []


def append_event(path: Path, event: dict[str, Any]) -> bool:
    """Append ``event`` as one canonical JSON line to ``path`` (created with its folder
    if missing). False, and nothing written, when the file already holds this event."""
    line = canonical_json(event)
    if path.exists():
        existing = read_event_file(path)
        if any(canonical_json(item.event) == line for item in existing.events):
            return False
        data = path.read_bytes()
        prefix = "" if not data or data.endswith(b"\n") else "\n"
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = ""
    with path.open("a", encoding="utf-8", newline="\n") as fh:
        fh.write(prefix + line + "\n")
    return True


__all__ = [
    "MAX_LINE_BYTES",
    "EventFile",
    "EventLine",
    "LineProblem",
    "append_event",
    "attach",
    "bundle_events",
    "parse_event_lines",
    "read_event_file",
    "route",
]
