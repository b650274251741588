"""``pithgen audit``: a whole published mirror re-verified from its files, as a folder and
over a real HTTP server on 127.0.0.1; every kind of tampering caught and named; ``--since``
catching a rolled-back or forked log; the ``--json`` report, bounded output, exit codes.

Every site here is a real build with a log key; every tampering is done to its files the
way someone with write access to the mirror would do it.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import socket
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import SIGNED_AT, make_bundle, make_paper
from pullhelpers import serving
from sitehelpers import (
    LOG_KEY_ID,
    LOG_SEED,
    fixture_key,
    shared_minted_site,
    write_log_key,
    write_test_key,
)

from pithgen import layout
from pithgen.audit.findings import CHECKS, LISTED
from pithgen.build import build_site
from pithgen.cli import main
from pithgen.config import BuildConfig
from pithgen.keys import SigningKey, write_key_pair
from pithgen.mint import mint_record
from pithgen.tlog.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from pithgen.tlog.note import NoteSigner, parse_note

BASE_URL = "https://audit.example/m/"
ORIGIN = "audit.example/m/log"


# --------------------------------------------------------------------------- helpers


class LoggedMirror:
    """A records folder of minted documents and a log key; builds its site with a log."""

    def __init__(self, root: Path, log_key: Path | None = None) -> None:
        self.root = root
        self.records = root / "records"
        self.records.mkdir(parents=True)
        self.key_file = write_test_key(root / "keys" / "test-key-1.json")
        self.log_key = log_key or write_log_key(root / "log-key")
        self.site = root / "site"

    def mint(self, n: int, version: int = 1, **overrides: Any) -> dict[str, Any]:
        fields = {"arxiv_id": f"2104.{n:05d}", "version": version, "title": f"Audit {n}"}
        doc = mint_record(make_paper(**{**fields, **overrides}), fixture_key(), signed_at=SIGNED_AT)
        path = self.records / f"{n:03d}v{version}.json"
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        return doc

    def bundle(self, n: int, keep_record: bool = False) -> dict[str, Any]:
        doc = self.mint(n)
        if not keep_record:
            (self.records / f"{n:03d}v1.json").unlink()
        text = json.dumps(make_bundle(doc), indent=1) + "\n"
        (self.records / f"{n:03d}.bundle.json").write_text(text, encoding="utf-8")
        return doc

    def build(self, **changes: Any) -> None:
        config = BuildConfig(
            records=self.records, out=self.site, base_url=BASE_URL, title="Audited",
            trust_keys=(self.key_file,), default_keys=False, jobs=1,
            cache=self.root / "cache", log_key=self.log_key,
        )  # fmt: skip
        assert build_site(replace(config, **changes)).written


@dataclass(frozen=True)
class Small:
    site: Path
    docs: list[dict[str, Any]]

    def suffix(self, n: int) -> str:
        return str(self.docs[n]["pith_number"]).rsplit(":", 1)[1]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Small:
    """Five records, one record with its bundle, one record known only from its bundle."""
    mirror = LoggedMirror(tmp_path_factory.mktemp("small"))
    docs = [mirror.mint(n) for n in range(5)]
    docs.append(mirror.bundle(5, keep_record=True))
    docs.append(mirror.bundle(6))
    mirror.build()
    return Small(mirror.site, docs)


@pytest.fixture
def site(small: Small, tmp_path: Path) -> Path:
    """A copy of the small site, to tamper with."""
    copy = tmp_path / "site"
    shutil.copytree(small.site, copy)
    return copy


def run_audit(target: Path | str, *args: Any) -> Result:
    command = ["audit", str(target), "--retries", "0", "--timeout", "10", *map(str, args)]
    result = CliRunner().invoke(main, command)
    assert "internal error" not in result.output, result.output
    return result


def audit_json(target: Path | str, *args: Any) -> tuple[int, dict[str, Any]]:
    result = run_audit(target, "--json", *args)
    assert result.stdout.startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)


def check(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["check"] == name)


def failed(report: dict[str, Any]) -> dict[str, list[str]]:
    """Failed checks -> their listed failures as 'where: message'."""
    return {
        c["check"]: [f"{f['where']}: {f['message']}" for f in c["listed"]]
        for c in report["checks"]
        if c["status"] == "failed"
    }


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c["status"] for c in report["checks"]}


ALL_OK = {name: "ok" for name in CHECKS} | {"since": "not_asked"}


def log_signer(site: Path, seed: bytes = LOG_SEED) -> NoteSigner:
    origin = (site / "log" / "checkpoint").read_text(encoding="utf-8").split("\n", 1)[0]
    return NoteSigner(origin, SigningKey.from_seed(LOG_KEY_ID, seed))


def current_checkpoint(site: Path) -> Checkpoint:
    note = parse_note((site / "log" / "checkpoint").read_bytes())
    return parse_checkpoint(note.text)


def first_file(folder: Path) -> Path:
    return next(p for p in sorted(folder.rglob("*")) if p.is_file())


# --------------------------------------------------------------------------- clean sites


def test_a_clean_site_audits_ok_as_a_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, site = shared_minted_site(tmp_path_factory)
    code, report = audit_json(site)
    assert code == 0, failed(report)
    assert report["ok"] is True and report["exit_code"] == 0
    assert statuses(report) == ALL_OK
    summary = report["summary"]
    assert summary["failures"] == 0 and summary["checks_failed"] == []
    # Every file of every kind was looked at: the counts are the site's own.
    assert summary["records"] == len(list(site.glob("pith/*.json")))
    assert summary["bundles"] == len(list(site.glob("pith/*/bundle.json"))) == 2
    assert summary["states"] == len(list(site.glob("pith/*/state.json")))
    assert summary["proofs"] == len(list(site.rglob("*.tlog-proof")))
    assert summary["entries"] == current_checkpoint(site).size == report["log"]["size"]
    vkey = (site / "keys" / "log.vkey").read_text(encoding="ascii").strip()
    assert report["log"]["vkey"] == vkey
    assert report["log"]["origin"] == "mirror.example/minted/log"
    # The human report says the same, one line a check and a closing summary.
    human = run_audit(site)
    assert human.exit_code == 0
    lines = human.stdout.splitlines()
    assert lines[-1].startswith(f"Audit of {site.resolve().as_uri()}/: OK")
    assert [line.split(":")[0] for line in lines[:-1]] == list(CHECKS)


def test_a_clean_site_audits_ok_over_http(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, site = shared_minted_site(tmp_path_factory)
    _, by_folder = audit_json(site)
    with serving(site) as server:
        code, report = audit_json(server.base, "--concurrency", "3")
        assert server.asked("log/checkpoint") >= 1
        for record in sorted(site.glob("pith/*.json"))[:20]:
            assert server.asked(f"pith/{record.name}") == 1
            assert server.asked(f"pith/{record.name}.tlog-proof") == 1
    assert code == 0, failed(report)
    assert report["site"] == server.base
    assert statuses(report) == ALL_OK
    assert report["summary"] == by_folder["summary"]
    assert report["log"] | {"key_from": ""} == by_folder["log"] | {"key_from": ""}
    assert report["log"]["key_from"] == server.base + "keys/log.vkey"


def test_a_site_with_valid_signed_events_audits_ok_and_an_edited_state_fails(
    tmp_path: Path,
) -> None:
    mirror = LoggedMirror(tmp_path)
    a, b = mirror.mint(1), mirror.mint(2)
    private, _ = write_key_pair(fixture_key(), tmp_path / "private")
    result = CliRunner().invoke(
        main,
        ["event", "add", "--key", str(private), "--created-at", SIGNED_AT,
         "--out", str(tmp_path / "events" / "e.jsonl"), "--type", "citation",
         "--subject", a["pith_number"], "--cites", b["pith_number"],
         "--relationship", "supports"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    mirror.build(events=tmp_path / "events")
    suffix = a["pith_number"].rsplit(":", 1)[1]
    state = mirror.site / layout.state(suffix)
    assert json.loads(state.read_bytes())["valid_event_count"] == 1
    code, report = audit_json(mirror.site)
    assert code == 0, failed(report)
    # The state says the citation is not there: it is not the merge of its events.
    doc = json.loads(state.read_bytes())
    doc["current"]["citations"] = []
    state.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n")
    code, report = audit_json(mirror.site)
    assert code == 1
    records = failed(report)["records"]
    assert len(records) == 1 and layout.state(suffix) in records[0]
    assert "not the merge of the events" in records[0] and "current" in records[0]
    assert "changed" in failed(report)["logged"][0]


def test_tampering_is_caught_over_http_too(site: Path, small: Small) -> None:
    """Over HTTP the records to look at are the ones the log and the resolve index name:
    a removed record and a changed tile are found and named by URL."""
    (site / layout.record_json(small.suffix(0))).unlink()
    tile = first_file(site / "log" / "tile" / "0")
    data = bytearray(tile.read_bytes())
    data[0] ^= 1
    tile.write_bytes(bytes(data))
    with serving(site) as server:
        code, report = audit_json(server.base)
    assert code == 1
    relpath = tile.relative_to(site).as_posix()
    assert failed(report)["tiles"][0].startswith(server.base + relpath + ": ")
    (missing,) = failed(report)["published"]
    assert missing.startswith(server.base + layout.record_json(small.suffix(0)) + ": missing")


# --------------------------------------------------------------------------- the log


def test_a_changed_tile_fails_naming_it(site: Path) -> None:
    tile = site / "log" / "tile" / "0" / "000.p" / str(current_checkpoint(site).size)
    data = bytearray(tile.read_bytes())
    data[40] ^= 1
    tile.write_bytes(bytes(data))
    code, report = audit_json(site)
    assert code == 1
    assert set(failed(report)) == {"tiles", "root"}
    (message,) = failed(report)["tiles"]
    assert message.startswith(tile.resolve().as_uri()) and "hash 1: expected" in message
    assert "the tiles hash to" in failed(report)["root"][0]


def test_a_missing_tile_fails_naming_it(site: Path) -> None:
    tile = first_file(site / "log" / "tile" / "0")
    tile.unlink()
    code, report = audit_json(site)
    assert code == 1
    assert all("missing from the published log" in m for m in failed(report)["tiles"])
    assert any(tile.resolve().as_uri() in m for m in failed(report)["tiles"])


def test_a_changed_entry_bundle_fails_naming_it(site: Path) -> None:
    bundle = first_file(site / "log" / "tile" / "entries")
    data = bundle.read_bytes()
    at = data.rindex(b"json-sha256 ") + len("json-sha256 ")
    data = data[:at] + (b"0" if data[at : at + 1] != b"0" else b"1") + data[at + 1 :]
    bundle.write_bytes(data)
    code, report = audit_json(site)
    assert code == 1
    (message,) = failed(report)["entries"]
    assert message.startswith(bundle.resolve().as_uri())
    assert "its entries do not hash to the signed tree" in message
    assert "the entries hash to" in failed(report)["root"][0]
    assert "tiles" not in failed(report)  # the tiles agree with the checkpoint


def test_a_missing_entry_bundle_stops_the_comparison_and_says_so(site: Path) -> None:
    bundle = first_file(site / "log" / "tile" / "entries")
    bundle.unlink()
    code, report = audit_json(site)
    assert code == 1
    assert failed(report)["entries"][0].startswith(bundle.resolve().as_uri())
    for name in ("logged", "published", "proofs"):
        assert check(report, name)["status"] == "skipped"
        assert "not checked" in check(report, name)["notes"][0]


def test_a_checkpoint_signed_by_another_key_fails(site: Path) -> None:
    other = log_signer(site, seed=bytes(32))
    signed = sign_checkpoint(current_checkpoint(site), other)
    (site / "log" / "checkpoint").write_text(signed, encoding="utf-8")
    code, report = audit_json(site)
    assert code == 1
    (message,) = failed(report)["checkpoint"]
    assert "no signature by a trusted key" in message
    assert list(failed(report)) == ["checkpoint"]
    assert {statuses(report)[n] for n in ("entries", "tiles", "root", "proofs")} == {"skipped"}


def test_a_wrong_root_fails(site: Path) -> None:
    checkpoint = current_checkpoint(site)
    wrong = replace(checkpoint, root_hash=bytes(32))
    (site / "log" / "checkpoint").write_text(sign_checkpoint(wrong, log_signer(site)))
    code, report = audit_json(site)
    assert code == 1
    roots = failed(report)["root"]
    assert len(roots) == 2 and base64.b64encode(bytes(32)).decode() in roots[0]
    assert any("the entries hash to" in m for m in roots)
    assert any("the tiles hash to" in m for m in roots)


def test_a_signed_absurd_size_fails_on_the_first_missing_bundle(site: Path) -> None:
    huge = replace(current_checkpoint(site), size=2**40)
    (site / "log" / "checkpoint").write_text(sign_checkpoint(huge, log_signer(site)))
    code, report = audit_json(site)
    assert code == 1
    assert "missing from the published log" in failed(report)["entries"][0]
    assert "log.size: expected 1099511627776" in failed(report)["manifest"][0]


def test_the_manifest_must_agree_with_the_published_log_key(site: Path) -> None:
    manifest = site / layout.MANIFEST
    doc = json.loads(manifest.read_bytes())
    doc["mirrors"][0]["log"]["note_key_id"] = "00000000"
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    code, report = audit_json(site)
    assert code == 1
    assert failed(report) == {
        "manifest": [
            f"{manifest.resolve().as_uri()}: log.note_key_id: expected "
            f"{(site / layout.LOG_KEY).read_text().split('+')[1]} (from keys/log.vkey), "
            "found '00000000'"
        ]
    }


# --------------------------------------------------------------------------- log key pinning


def test_log_key_pins_the_key_a_reader_trusts(small: Small, tmp_path: Path) -> None:
    """The same records published by someone else, under another log key, consistently
    (checkpoint, keys/log.vkey, manifest, proofs): it audits OK against its own key, and
    fails against the key the reader kept."""
    trusted = (small.site / "keys" / "log.vkey").read_text(encoding="ascii").strip()
    other_key = SigningKey.from_seed("other-log", bytes([9]) * 32)
    private, _ = write_key_pair(other_key, tmp_path / "other-key")
    mirror = LoggedMirror(tmp_path / "other", log_key=private)
    for n, doc in enumerate(small.docs[:5]):
        (mirror.records / f"{n}.json").write_text(json.dumps(doc), encoding="utf-8")
    mirror.build()
    code, report = audit_json(mirror.site)
    assert code == 0, failed(report)
    assert report["log"]["vkey"] != trusted
    code, report = audit_json(mirror.site, "--log-key", trusted)
    assert code == 1
    assert report["log"] is None
    assert "no signature by a trusted key" in failed(report)["checkpoint"][0]
    assert f"expected the pinned log key {trusted}" in failed(report)["manifest"][0]
    # The genuine site passes with the pinned key, given as a string or as a file.
    assert audit_json(small.site, "--log-key", trusted)[0] == 0
    kept = tmp_path / "kept.vkey"
    kept.write_text(trusted + "\n", encoding="ascii")
    code, report = audit_json(small.site, "--log-key", kept)
    assert code == 0 and report["log"]["key_from"] == "--log-key"


# --------------------------------------------------------------------------- records


def test_a_missing_record_fails_naming_it(site: Path, small: Small) -> None:
    record = site / layout.record_json(small.suffix(2))
    record.unlink()
    code, report = audit_json(site)
    assert code == 1
    (message,) = failed(report)["published"]
    assert message.startswith(record.resolve().as_uri())
    assert f"missing: the log holds the record of {small.docs[2]['pith_number']}" in message
    assert list(failed(report)) == ["published"]


def test_an_extra_unlogged_record_fails_naming_it(site: Path) -> None:
    doc = mint_record(
        make_paper(arxiv_id="2104.09999", title="Slipped in"), fixture_key(), signed_at=SIGNED_AT
    )
    suffix = doc["pith_number"].rsplit(":", 1)[1]
    extra = site / layout.record_json(suffix)
    extra.write_text(json.dumps(doc), encoding="utf-8")
    code, report = audit_json(site)
    assert code == 1
    messages = failed(report)["logged"]
    assert messages == [
        f"{extra.resolve().as_uri()}: unlogged: {doc['pith_number']} is published, but the "
        "log holds no record entry of it"
    ]
    assert "records" not in failed(report)  # it verifies: only the log gives it away


def test_a_stray_json_file_among_the_records_fails(site: Path) -> None:
    stray = site / "pith" / "notes.json"
    stray.write_text("{}", encoding="utf-8")
    code, report = audit_json(site)
    assert code == 1
    (message,) = failed(report)["logged"]
    assert message.startswith(stray.resolve().as_uri() + ": a JSON file where the site keeps")


@pytest.mark.parametrize("edit", ["unsigned field", "signed field"])
def test_a_changed_record_fails_naming_it(site: Path, small: Small, edit: str) -> None:
    record = site / layout.record_json(small.suffix(1))
    doc = json.loads(record.read_bytes())
    if edit == "unsigned field":
        doc["updated_at"] = "2027-01-01T00:00:00+00:00"
    else:
        doc["paper"]["title"] = "A better title"
    record.write_text(json.dumps(doc), encoding="utf-8")
    code, report = audit_json(site)
    assert code == 1
    (message,) = failed(report)["logged"]
    assert message.startswith(record.resolve().as_uri() + ": changed:")
    assert small.docs[1]["pith_number"] in message
    if edit == "signed field":
        (problem,) = failed(report)["records"]
        assert "does not verify" in problem and "title_hash" in problem
    else:
        assert "records" not in failed(report)


def test_a_changed_bundle_and_its_well_known_copy(site: Path, small: Small) -> None:
    suffix = small.suffix(6)
    copy = site / layout.well_known_bundle(suffix)
    doc = json.loads(copy.read_bytes())
    doc["events"] = doc["events"][:1]
    copy.write_text(json.dumps(doc), encoding="utf-8")
    code, report = audit_json(site)
    assert code == 1
    (message,) = failed(report)["logged"]
    assert message.startswith(copy.resolve().as_uri())
    assert "not the logged bundle's" in message


def test_a_stale_state_is_named(tmp_path: Path) -> None:
    """A state with new bytes is a new entry; publishing the old bytes again is stale."""
    mirror = LoggedMirror(tmp_path)
    docs = [mirror.mint(n) for n in range(2)]
    mirror.build()
    suffix = docs[0]["pith_number"].rsplit(":", 1)[1]
    state, events = mirror.site / layout.state(suffix), mirror.site / layout.events(suffix)
    old_state, old_events = state.read_bytes(), events.read_bytes()
    (mirror.records / "000.bundle.json").write_text(json.dumps(make_bundle(docs[0])))
    mirror.build()  # the record's events changed: its state is logged again
    assert state.read_bytes() != old_state
    state.write_bytes(old_state)
    events.write_bytes(old_events)
    code, report = audit_json(mirror.site)
    assert code == 1
    (message,) = failed(report)["logged"]
    assert message.startswith(state.resolve().as_uri() + ": stale: its bytes are those of entry")


def test_an_event_dropped_from_events_json_fails(site: Path, small: Small) -> None:
    suffix = small.suffix(6)
    events = site / layout.events(suffix)
    doc = json.loads(events.read_bytes())
    assert doc["event_count"] == 2
    doc["events"] = doc["events"][:1]
    events.write_text(json.dumps(doc), encoding="utf-8")
    code, report = audit_json(site)
    assert code == 1
    messages = failed(report)["records"]
    state_url = (site / layout.state(suffix)).resolve().as_uri()
    assert any(
        m.startswith(state_url + ": not the merge of the events") and "event_count" in m
        for m in messages
    )
    assert list(failed(report)) == ["records"]  # state.json itself is the logged one


# --------------------------------------------------------------------------- proofs


def test_a_removed_proof_fails(site: Path, small: Small) -> None:
    proof = site / layout.record_proof(small.suffix(3))
    proof.unlink()
    code, report = audit_json(site)
    assert code == 1
    assert failed(report) == {
        "proofs": [
            f"{proof.resolve().as_uri()}: expected the proof of "
            f"{layout.record_json(small.suffix(3))}, found none"
        ]
    }


@pytest.mark.parametrize("how", ["a hash", "the index", "the checkpoint"])
def test_an_altered_proof_fails(site: Path, small: Small, how: str) -> None:
    proof = site / layout.bundle_proof(small.suffix(6))
    lines = proof.read_text(encoding="utf-8").split("\n")
    if how == "a hash":
        lines[2] = base64.b64encode(bytes(32)).decode()
    elif how == "the index":
        lines[1] = "index 0"
    else:  # the proof's checkpoint re-signed over another root
        at = lines.index("")
        text = "\n".join(lines[at + 1 :])
        checkpoint = parse_checkpoint(parse_note(text).text)
        forged = sign_checkpoint(replace(checkpoint, root_hash=bytes(32)), log_signer(site))
        lines = [*lines[: at + 1], *forged.split("\n")]
    proof.write_text("\n".join(lines), encoding="utf-8")
    code, report = audit_json(site)
    assert code == 1
    (message,) = failed(report)["proofs"]
    assert message.startswith(proof.resolve().as_uri())
    assert small.docs[6]["pith_number"] in message


# --------------------------------------------------------------------------- --since


def grown(tmp_path: Path) -> tuple[LoggedMirror, Path, Path]:
    """A mirror built twice (3 then 5 records): its folder, a copy of the first site and
    the first checkpoint."""
    mirror = LoggedMirror(tmp_path / "m")
    for n in range(3):
        mirror.mint(n)
    mirror.build()
    first = tmp_path / "first-site"
    shutil.copytree(mirror.site, first)
    for n in range(3, 5):
        mirror.mint(n)
    mirror.build()
    return mirror, first, first / "log" / "checkpoint"


def test_since_a_kept_checkpoint_the_log_only_grew(tmp_path: Path) -> None:
    mirror, _, kept = grown(tmp_path)
    code, report = audit_json(mirror.site, "--since", kept)
    assert code == 0, failed(report)
    assert report["since"]["size"] == 6 and report["log"]["size"] == 10
    assert "the log only grew: from 6 to 10 entries" in check(report, "since")["notes"][0]
    # The kept checkpoint read from a URL, the mirror over HTTP.
    with serving(kept.parent) as kept_server, serving(mirror.site) as server:
        code, report = audit_json(server.base, "--since", kept_server.base + "checkpoint")
    assert code == 0 and check(report, "since")["status"] == "ok"


def test_since_a_rolled_back_log_fails(tmp_path: Path) -> None:
    mirror, first, _ = grown(tmp_path)
    newer = tmp_path / "newer-checkpoint"
    shutil.copyfile(mirror.site / "log" / "checkpoint", newer)
    code, report = audit_json(first, "--since", newer)  # the older site served again
    assert code == 1
    (message,) = failed(report)["since"]
    assert message.startswith(f"{newer}: rolled back: the checkpoint you kept has 10 entries")
    assert list(failed(report)) == ["since"]


@pytest.mark.parametrize("size", ["same size", "larger"])
def test_since_a_forked_log_fails(tmp_path: Path, size: str) -> None:
    """The site and the build cache lost; the log started again under the same origin
    and key with other records: a fork."""
    mirror = LoggedMirror(tmp_path / "m")
    for n in range(3):
        mirror.mint(n)
    mirror.build()
    kept = tmp_path / "kept-checkpoint"
    shutil.copyfile(mirror.site / "log" / "checkpoint", kept)
    shutil.rmtree(mirror.site)
    shutil.rmtree(mirror.root / "cache")
    (mirror.records / "000v1.json").unlink()
    mirror.mint(7)
    if size == "larger":
        mirror.mint(8)
    mirror.build()
    code, report = audit_json(mirror.site, "--since", kept)
    assert code == 1
    (message,) = failed(report)["since"]
    assert "forked" in message
    if size == "same size":
        assert "the same size 6 but different roots" in message
    else:
        assert "does not extend the checkpoint you kept (6 entries)" in message


def test_since_a_checkpoint_of_another_log_fails(tmp_path: Path) -> None:
    mirror, _, kept = grown(tmp_path)
    mirror.build(new_log=True)  # a deliberate new log: ORIGIN/2
    code, report = audit_json(mirror.site, "--since", kept)
    assert code == 1
    (message,) = failed(report)["since"]
    assert (
        f"expected a checkpoint of the mirror's log '{ORIGIN}/2', found one of '{ORIGIN}'"
        in message
    )


# --------------------------------------------------------------------------- output, codes


def test_json_shape_and_bounded_output(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path):
    _, shared = shared_minted_site(tmp_path_factory)
    site = tmp_path / "site"
    shutil.copytree(shared, site)
    removed = sorted(site.glob("pith/*.json.tlog-proof"))[: LISTED + 5]
    for proof in removed:
        proof.unlink()
    code, report = audit_json(site)
    assert code == 1
    assert set(report) == {
        "report_type", "report_version", "site", "ok", "exit_code", "summary", "log",
        "since", "checks",
    }  # fmt: skip
    assert (report["report_type"], report["report_version"]) == ("pithgen_audit", "1.0")
    assert (report["ok"], report["exit_code"], report["since"]) == (False, 1, None)
    assert set(report["log"]) == {"origin", "size", "root_hash", "vkey", "key_from"}
    assert [c["check"] for c in report["checks"]] == list(CHECKS)
    for item in report["checks"]:
        assert set(item) == {"check", "status", "failures", "listed", "notes"}
    proofs = check(report, "proofs")
    assert proofs["failures"] == LISTED + 5 and len(proofs["listed"]) == LISTED
    assert set(proofs["listed"][0]) == {"where", "message"}
    assert report["summary"]["failures"] == LISTED + 5
    assert report["summary"]["checks_failed"] == ["proofs"]
    human = run_audit(site)
    assert human.exit_code == 1
    lines = human.stdout.splitlines()
    assert lines[0] == f"FAILED proofs ({LISTED + 5})"
    assert lines[LISTED + 1] == "  and 5 more"
    assert len(lines) == 1 + LISTED + 1 + len(CHECKS) + 1
    assert lines[-1].startswith(f"Audit of {site.resolve().as_uri()}/: FAILED, {LISTED + 5}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_usage_and_io_errors_exit_2(small: Small, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        ([tmp_path / "no-such-site"], "expected a folder holding a built site"),
        ([empty], "expected a pithgen mirror"),
        ([f"http://127.0.0.1:{free_port()}/"], "gave up after 1 attempts"),
        ([small.site, "--log-key", "not-a-key"], "--log-key: expected a verifier key"),
        ([small.site, "--since", tmp_path / "nothing"], "--since: cannot read it"),
        (
            [small.site, "--since", small.site / "robots.txt"],
            "--since: expected a signed checkpoint",
        ),
        ([small.site, "--concurrency", "0"], "--concurrency: expected 1 to 64"),
        (["ftp://example.org/"], "expected an http(s) or file URL, or a folder"),
    ]
    for args, message in cases:
        result = run_audit(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("pithgen: error: "), result.stderr
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == ""
    with serving(empty) as server:
        result = run_audit(small.site, "--since", server.base + "checkpoint")
    assert result.exit_code == 2 and "no checkpoint there (HTTP 404)" in result.stderr


GARBAGE = b"\xff\xfe{[garbage\x00\n"


@pytest.mark.parametrize(
    "target",
    [
        layout.MANIFEST, layout.LOG_KEY, layout.LOG_CHECKPOINT, "log/tile/0", "log/tile/entries",
        "record", "proof", "state", "events", "resolve/meta.json", "keys/test-key-1.json",
    ],
)  # fmt: skip
def test_garbage_anywhere_is_a_finding_never_a_crash(site: Path, small: Small, target: str) -> None:
    suffix = small.suffix(5)
    paths = {
        "record": layout.record_json(suffix), "proof": layout.record_proof(suffix),
        "state": layout.state(suffix), "events": layout.events(suffix),
    }  # fmt: skip
    path = site / paths.get(target, target)
    if path.is_dir():
        path = first_file(path)
    path.write_bytes(GARBAGE)
    code, report = audit_json(site)
    assert code == 1, report
    assert report["summary"]["failures"] >= 1


def test_the_docs_name_every_check_in_order() -> None:
    root = Path(__file__).resolve().parent.parent
    doc = (root / "docs" / "log.md").read_text(encoding="utf-8")
    section = doc[doc.index("## 9. Auditing a mirror") :]
    assert re.findall(r"^\| `([a-z]+)` \|", section, flags=re.M) == list(CHECKS)
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "| `pithgen audit SITE_OR_URL [--since CHECKPOINT]" in readme
    assert "### Auditing a mirror" in readme


def test_random_damage_is_never_a_crash(small: Small, tmp_path: Path) -> None:
    """Bytes flipped, files cut short, swapped or removed anywhere in the log, the log key,
    the records, bundles, states, events and proofs (seeded): never an internal error, and
    the audit always fails, for every byte of these files is checked."""
    import random

    rng = random.Random(20260)
    names = [
        path
        for path in (
            p.relative_to(small.site).as_posix()
            for p in sorted(small.site.rglob("*"))
            if p.is_file()
        )
        if path == layout.LOG_KEY
        or path.startswith(("log/", ".well-known/"))
        or (path.startswith("pith/") and path.endswith((".json", ".tlog-proof")))
    ]
    for n in range(20):
        site = tmp_path / f"site-{n}"
        shutil.copytree(small.site, site)
        target = site / rng.choice(names)
        data = bytearray(target.read_bytes())
        how = n % 4
        if how == 0:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif how == 1:
            data = data[: rng.randrange(len(data))]
        elif how == 2:
            data = bytearray((site / rng.choice(names)).read_bytes())
        if how == 3:
            target.unlink()
        elif bytes(data) == target.read_bytes():
            continue
        else:
            target.write_bytes(bytes(data))
        result = run_audit(site, "--json")
        assert result.exit_code == 1, (target, how, result.output[-2000:])
        shutil.rmtree(site)
