"""The Open Graph in a built site: ``event add`` -> build -> state.json, events.json, the
record pages (cites / cited by), graph.json and the verification report; and ``verify``
with event files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import make_paper
from hypothesis import given, settings
from hypothesis import strategies as st
from sitehelpers import fixture_key, write_test_key

from pithgen.build import build_site
from pithgen.cli import main
from pithgen.config import BuildConfig
from pithgen.errors import UsageError
from pithgen.events.merge import EventSet, merge
from pithgen.graph import empty_state
from pithgen.keys import KeyRing, write_key_pair
from pithgen.mint import mint_record

SIGNED = "2026-03-04T05:06:07Z"


@pytest.fixture
def archive(tmp_path: Path) -> dict[str, Any]:
    records = tmp_path / "records"
    records.mkdir()
    docs = []
    for n, arxiv in enumerate(["2105.00001", "2105.00002", "2105.00003"]):
        doc = mint_record(
            make_paper(arxiv_id=arxiv, title=f"Graph paper {n}"), fixture_key(), signed_at=SIGNED
        )
        (records / f"{n}.json").write_text(json.dumps(doc), encoding="utf-8")
        docs.append(doc)
    key_doc = write_test_key(tmp_path / "keys" / "test-key-1.json")
    private, _ = write_key_pair(fixture_key(), tmp_path / "private")
    return {"root": tmp_path, "records": records, "docs": docs, "key": key_doc, "private": private}


def _add(archive: dict[str, Any], *args: str) -> None:
    result = CliRunner().invoke(
        main,
        ["event", "add", "--key", str(archive["private"]), "--created-at", SIGNED,
         "--out", str(archive["root"] / "events" / "events.jsonl"), *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def _config(archive: dict[str, Any], **overrides: Any) -> BuildConfig:
    settings: dict[str, Any] = {
        "records": archive["records"], "out": archive["root"] / "site",
        "trust_keys": (archive["key"],), "default_keys": False, "jobs": 1,
        "base_url": "https://example.org/g/",
    }  # fmt: skip
    settings.update(overrides)
    return BuildConfig(**settings)


def test_event_add_then_build_publishes_state_events_pages_and_graph(archive: dict[str, Any]):
    a, b, c = (d["pith_number"] for d in archive["docs"])
    _add(archive, "--type", "citation", "--subject", a, "--cites", b, "--relationship", "supports")
    _add(archive, "--type", "citation", "--subject", c, "--cites", "2105.00002",
         "--relationship", "refutes")  # fmt: skip
    _add(archive, "--type", "replication", "--subject", b,
         "--payload", '{"replication_id": "r1", "outcome": "replicated"}')  # fmt: skip
    outcome = build_site(_config(archive))
    assert outcome.written
    site = archive["root"] / "site"
    suffix = {p: p.rsplit(":", 1)[1] for p in (a, b, c)}
    state_a = json.loads((site / "pith" / suffix[a] / "state.json").read_text())
    assert state_a["state_type"] == "pith_open_graph_state" and state_a["pith_number"] == a
    assert (state_a["event_count"], state_a["valid_event_count"]) == (1, 1)
    assert state_a["current"]["citations"][0]["payload"]["cites"] == b
    events_b = json.loads((site / "pith" / suffix[b] / "events.json").read_text())
    assert [e["state"] for e in events_b["events"]] == ["valid"]
    # every published record has the two documents, events or not
    for p in (a, b, c):
        assert (site / "pith" / suffix[p] / "state.json").is_file()
    page_b = (site / "pith" / suffix[b] / "index.html").read_text()
    assert "Cited by" in page_b and a in page_b and c in page_b and "refutes" in page_b
    assert f"pith/{suffix[a]}/index.html" in page_b  # linked, in the archive
    page_a = (site / "pith" / suffix[a] / "index.html").read_text()
    assert f'href="../../pith/{suffix[b]}/index.html">{b}</a>' in page_a
    graph = json.loads((site / "graph.json").read_text())
    assert {(e["from"], e["to"], e["relationship"]) for e in graph["edges"]} == {
        (a, b, "supports"),
        (c, b, "refutes"),
    }
    report = json.loads((site / "verification.json").read_text())
    assert report["events"]["counts"] == {"events": 3, "valid": 3, "invalid": 0, "unverifiable": 0}
    manifest = json.loads((site / "pith-mirrors.json").read_text())["mirrors"][0]
    assert manifest["state_pattern"].endswith("pith/{suffix}/state.json")


def test_a_tampered_event_is_invalid_on_the_page_and_in_the_report(archive: dict[str, Any]):
    a, b, _ = (d["pith_number"] for d in archive["docs"])
    _add(archive, "--type", "citation", "--subject", a, "--cites", b, "--relationship", "cites")
    path = archive["root"] / "events" / "events.jsonl"
    event = json.loads(path.read_text())
    event["payload"]["relationship"] = "refutes"  # one field changed after signing
    path.write_text(json.dumps(event) + "\n")
    outcome = build_site(_config(archive))
    assert outcome.written  # an invalid event does not stop a build: it is shown as invalid
    site = archive["root"] / "site"
    page = (site / "pith" / a.rsplit(":", 1)[1] / "index.html").read_text()
    assert "INVALID" in page and "id_mismatch" in page
    report = json.loads((site / "verification.json").read_text())
    assert report["events"]["counts"]["invalid"] == 1
    assert report["events"]["invalid"][0]["reason"] == "id_mismatch"
    assert json.loads((site / "graph.json").read_text())["edges"] == []  # not from invalid


def test_verify_checks_event_files_and_reports_unattached_lines(archive: dict[str, Any]):
    a, b, _ = (d["pith_number"] for d in archive["docs"])
    _add(archive, "--type", "citation", "--subject", a, "--cites", b, "--relationship", "cites")
    events = archive["root"] / "events"
    orphan = "pith:2020:" + "A" * 26
    (events / "more.jsonl").write_text(
        json.dumps({"event_type": "citation", "subject_pith_number": orphan}) + "\n"
    )
    run = CliRunner().invoke(
        main,
        ["verify", str(archive["records"]), "--trust-key", str(archive["key"]),
         "--no-default-keys", "--events", str(events), "--json"],
    )  # fmt: skip
    assert run.exit_code == 1, run.output
    report = json.loads(run.stdout)
    assert report["events"]["counts"]["valid"] == 1
    assert report["events"]["unattached"][0]["source"] == "events/more.jsonl:1"
    (events / "more.jsonl").unlink()
    run = CliRunner().invoke(
        main,
        ["verify", str(archive["records"]), "--trust-key", str(archive["key"]),
         "--no-default-keys", "--events", str(events)],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    assert "1 event(s): 1 valid, 0 invalid, 0 unverifiable" in run.stdout


def test_an_event_file_change_is_seen_by_an_incremental_build(archive: dict[str, Any]):
    a, b, _ = (d["pith_number"] for d in archive["docs"])
    config = _config(archive, cache=archive["root"] / "cache")
    assert build_site(config).mode == "full"
    _add(archive, "--type", "citation", "--subject", a, "--cites", b, "--relationship", "extends")
    again = build_site(config)
    assert again.mode == "incremental"
    page_b = (archive["root"] / "site" / "pith" / b.rsplit(":", 1)[1] / "index.html").read_text()
    assert "extends" in page_b
    from dataclasses import replace

    from sitehelpers import tree

    full = build_site(replace(config, out=archive["root"] / "full", use_cache=False))
    assert full.written and tree(archive["root"] / "site") == tree(archive["root"] / "full")


def test_events_past_the_bound_of_one_record_are_reported_not_dropped_silently(
    archive: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pithgen.graph

    monkeypatch.setattr(pithgen.graph, "MAX_EVENTS", 2)
    a, b, c = (d["pith_number"] for d in archive["docs"])
    for target, relationship in ((b, "cites"), (c, "cites"), (b, "extends")):
        _add(archive, "--type", "citation", "--subject", a, "--cites", target,
             "--relationship", relationship)  # fmt: skip
    assert build_site(_config(archive)).written
    site = archive["root"] / "site"
    state = json.loads((site / "pith" / a.rsplit(":", 1)[1] / "state.json").read_text())
    assert state["event_count"] == 2
    report = json.loads((site / "verification.json").read_text())
    (problem,) = report["events"]["unattached"]
    assert problem["source"] == a and "1 more event(s) than the 2 merged" in problem["message"]


@settings(max_examples=60)
@given(
    year=st.integers(1991, 2099),
    suffix=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=26, max_size=26),
)
def test_empty_state_is_the_merge_of_no_events(year: int, suffix: str) -> None:
    """The shortcut for records without events gives exactly what merging no events
    gives, for any Pith Number."""
    pith = f"pith:{year}:{suffix}"
    keys = KeyRing([])
    merged = merge(pith, EventSet.of([]), keys)
    assert empty_state(pith, keys) == (merged.state_bytes(), merged.events_bytes())


def test_empty_state_refuses_what_merge_refuses() -> None:
    with pytest.raises(UsageError, match="expected a Pith Number"):
        empty_state('pith:2020:"X', KeyRing([]))
