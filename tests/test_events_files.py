"""Event files (.jsonl): parsing, routing events to records, appending; ``pithgen event add``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from eventhelpers import KEY, OTHER_SUBJECT, RING, SUBJECT, pith_shaped, signed

from pithgen.canonical import canonical_json
from pithgen.cli import main
from pithgen.events.envelope import decide
from pithgen.events.files import (
    append_event,
    attach,
    bundle_events,
    parse_event_lines,
    read_event_file,
    route,
)
from pithgen.events.merge import merge
from pithgen.keys import write_key_pair


def _jsonl(*events: Any) -> bytes:
    return "".join(canonical_json(e) + "\n" for e in events).encode()


def test_lines_that_attach_to_no_record_are_named_never_dropped() -> None:
    good = signed("citation")
    data = (
        _jsonl(good)
        + b"\n   \n"
        + b"{not json}\n"
        + b'["an", "array"]\n'
        + b'{"a": 1, "a": 2}\n'
        + _jsonl({**good, "subject_pith_number": "pith:nope"})
        + _jsonl(pith_shaped("graph_snapshot"))
    )
    parsed = parse_event_lines(data, "events/mixed.jsonl")
    assert [(p.line, p.message.split(":")[0]) for p in parsed.problems] == [
        (4, "expected a JSON event object"),
        (5, "expected a JSON event object"),
        (6, "expected a JSON event object"),
    ]
    assert "duplicate key" in parsed.problems[2].message
    routed, problems = route([parsed])
    assert [str(p).split(": ")[0] for p in problems] == [
        "events/mixed.jsonl:4",
        "events/mixed.jsonl:5",
        "events/mixed.jsonl:6",
        "events/mixed.jsonl:7",
    ]
    assert "found string 'pith:nope'" in problems[3].message
    assert [item.line for item in routed[SUBJECT]] == [1, 8]


def test_an_oversized_line_is_a_problem(monkeypatch: Any) -> None:
    from pithgen.events import files

    monkeypatch.setattr(files, "MAX_LINE_BYTES", 100)
    parsed = parse_event_lines(_jsonl(signed("citation")), "big.jsonl")
    assert parsed.events == () and "at most 100 bytes" in parsed.problems[0].message


def test_crlf_line_ends_are_read() -> None:
    parsed = parse_event_lines(_jsonl(signed("citation")).replace(b"\n", b"\r\n"), "crlf.jsonl")
    assert len(parsed.events) == 1 and parsed.problems == ()


def test_events_for_records_not_in_the_archive_are_orphans() -> None:
    other = signed("citation", {"cites": SUBJECT, "relationship": "cites"}, subject=OTHER_SUBJECT)
    routed, _ = route([parse_event_lines(_jsonl(signed("citation"), other), "e.jsonl")])
    kept, orphans = attach(routed, [SUBJECT])
    assert list(kept) == [SUBJECT]
    assert [str(o) for o in orphans] == [
        f"e.jsonl:2: cannot attach the event to a record: subject '{OTHER_SUBJECT}' is not "
        "in the archive"
    ]


def test_an_event_file_event_is_judged_like_a_bundle_event() -> None:
    event = signed("replication")
    routed, _ = route([parse_event_lines(_jsonl(event), "e.jsonl")])
    from_file = merge(SUBJECT, [item.event for item in routed[SUBJECT]], RING)
    from_bundle = merge(SUBJECT, bundle_events({"events": [event]}), RING)
    assert from_file.state_bytes() == from_bundle.state_bytes()
    assert bundle_events({"events": "oops"}) == []


def test_append_is_idempotent_and_repairs_a_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "events" / "c.jsonl"
    first, second = signed("citation"), signed("replication")
    assert append_event(path, first)
    assert not append_event(path, first)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    assert append_event(path, second)
    assert path.read_bytes() == _jsonl(first, second)
    assert [e.event for e in read_event_file(path).events] == [first, second]


def _keyfile(tmp_path: Path) -> Path:
    private, _ = write_key_pair(KEY, tmp_path / "keys")
    return private


def test_event_add_appends_a_signed_valid_citation_reproducibly(tmp_path: Path) -> None:
    out = tmp_path / "events" / "citations.jsonl"
    args = [
        "event", "add", "--key", str(_keyfile(tmp_path)), "--type", "citation",
        "--subject", SUBJECT, "--cites", OTHER_SUBJECT, "--relationship", "supports",
        "--context", "Section 2", "--created-at", "2026-01-03T00:00:00Z", "--out", str(out),
    ]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    event = json.loads(out.read_text())
    assert event == signed("citation")  # same inputs, same bytes as the library builds
    assert decide(event, SUBJECT, RING).state == "valid"
    assert f"appended citation event {event['event_id']}" in result.output
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "nothing appended" in again.output
    assert out.read_text().count("\n") == 1


def test_event_add_takes_any_payload_as_json(tmp_path: Path) -> None:
    out = tmp_path / "e.jsonl"
    payload = {"replication_id": "r1", "outcome": "inconclusive"}
    result = CliRunner().invoke(
        main,
        [
            "event",
            "add",
            "--key",
            str(_keyfile(tmp_path)),
            "--type",
            "replication",
            "--subject",
            SUBJECT,
            "--payload",
            json.dumps(payload),
            "--created-at",
            "2026-01-03T00:00:00Z",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert decide(json.loads(out.read_text()), SUBJECT, RING).state == "valid"


def test_event_add_refuses_bad_input_with_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    key = str(_keyfile(tmp_path))
    out = tmp_path / "e.jsonl"
    base = ["event", "add", "--key", key, "--subject", SUBJECT, "--out", str(out)]
    cases = [
        (["--type", "citation", "--cites", "nope", "--relationship", "cites",
          "--created-at", "2026-01-03T00:00:00Z"], "payload.cites"),
        (["--type", "citation", "--cites", OTHER_SUBJECT, "--relationship", "cites",
          "--created-at", "today"], "created_at"),
        (["--type", "citation", "--created-at", "2026-01-03T00:00:00Z"], "--cites"),
        (["--type", "replication", "--created-at", "2026-01-03T00:00:00Z"], "--payload"),
        (["--type", "replication", "--payload", "[1]",
          "--created-at", "2026-01-03T00:00:00Z"], "--payload"),
        (["--type", "citation", "--payload", "{}", "--cites", OTHER_SUBJECT,
          "--created-at", "2026-01-03T00:00:00Z"], "not both"),
    ]  # fmt: skip
    for extra, fragment in cases:
        result = CliRunner().invoke(main, base + extra)
        assert result.exit_code == 2, (extra, result.output)
        assert fragment in result.output, (fragment, result.output)
    assert not out.exists()
