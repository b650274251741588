"""The mirror's log in real builds: what a site publishes is logged, proved and signed;
the log only grows, across incremental and full builds, from the site or the build cache;
a build that would drop or alter a logged file is refused and leaves the site exactly.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import make_paper
from sitehelpers import fixture_key, tree, write_test_key

from pithgen.build import build_site
from pithgen.cli import main
from pithgen.config import BuildConfig
from pithgen.errors import ConfigError, LogError, UsageError
from pithgen.keys import SigningKey, write_key_pair
from pithgen.mint import mint_record
from pithgen.tlog.checkpoint import open_checkpoint
from pithgen.tlog.entry import LogEntry, parse_entry
from pithgen.tlog.merkle import consistency_proof, verify_consistency
from pithgen.tlog.note import NoteVerifier
from pithgen.tlog.proof import parse_proof, verify_proof
from pithgen.tlog.tiles import folder_fetch, verify_tiles

SIGNED = "2026-02-03T04:05:06Z"
ORIGIN = "example.org/m/log"


def log_key(folder: Path, name: str = "mirror-log", seed: int = 7) -> Path:
    key = SigningKey.from_seed(name, bytes([seed]) * 32)
    private, _ = write_key_pair(key, folder)
    return private


class Mirror:
    """A records folder of minted records and the config that builds it with a log."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records = root / "records"
        self.records.mkdir(parents=True)
        key_file = write_test_key(root / "keys" / "test-key-1.json")
        self.config = BuildConfig(
            records=self.records,
            out=root / "site",
            base_url="https://example.org/m/",
            title="Logged",
            trust_keys=(key_file,),
            default_keys=False,
            page_size=10,
            jobs=1,
            cache=root / "cache",
            log_key=log_key(root / "logkeys"),
        )

    def mint(self, n: int, version: int = 1, **overrides: Any) -> Path:
        fields = {
            "arxiv_id": f"2103.{n:05d}",
            "version": version,
            "title": f"Paper {n} on logs",
            "submitted_at": f"20{10 + n % 12}-0{1 + n % 9}-1{n % 10}T00:00:00Z",
            "primary_cat": "cs.CR",
            **overrides,
        }
        doc = mint_record(make_paper(**fields), fixture_key(), signed_at=SIGNED)
        path = self.records / f"{n:03d}v{version}.json"
        path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        return path

    def build(self, **changes: Any) -> Any:
        return build_site(replace(self.config, **changes))

    @property
    def site(self) -> Path:
        return self.config.out


def verifier(site: Path) -> NoteVerifier:
    return NoteVerifier.parse((site / "keys" / "log.vkey").read_text(encoding="ascii").strip())


def read_log(site: Path) -> tuple[Any, list[LogEntry]]:
    """The site's log, checked whole: signed checkpoint, tiles, root. Its entries."""
    signed = open_checkpoint((site / "log" / "checkpoint").read_bytes(), [verifier(site)])
    tiles = verify_tiles(signed.checkpoint.size, folder_fetch(site / "log"))
    assert tiles.root == signed.checkpoint.root_hash
    return signed.checkpoint, [parse_entry(e) for e in tiles.entries]


def published_files(site: Path) -> dict[tuple[str, str], bytes]:
    """Every record, bundle and state file of the site, by (Pith Number, kind)."""
    out: dict[tuple[str, str], bytes] = {}
    for path in sorted((site / "pith").glob("*.json")):
        doc = json.loads(path.read_bytes())
        out[(doc["pith_number"], "record")] = path.read_bytes()
    for path in sorted((site / "pith").glob("*/bundle.json")):
        doc = json.loads(path.read_bytes())
        out[(doc["pith_number"], "bundle")] = path.read_bytes()
    for path in sorted((site / "pith").glob("*/state.json")):
        doc = json.loads(path.read_bytes())
        out[(doc["pith_number"], "state")] = path.read_bytes()
    return out


def test_every_published_file_is_logged_and_every_record_proved(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path)
    for n in range(5):
        mirror.mint(n)
    outcome = mirror.build()
    assert outcome.written
    checkpoint, entries = read_log(mirror.site)
    assert checkpoint.origin == ORIGIN
    files = published_files(mirror.site)
    assert len(files) == 10  # five records, five states
    latest = {(e.pith_number, e.kind): e for e in entries}
    assert set(latest) == set(files)
    for (pith, kind), data in files.items():
        assert latest[(pith, kind)].matches(data), (pith, kind)
    # New entries go in one fixed order: Pith Number, then record before state.
    assert [(e.pith_number, e.kind) for e in entries] == sorted(
        latest, key=lambda k: (k[0], ("record", "bundle", "state").index(k[1]))
    )
    for path in sorted((mirror.site / "pith").glob("*.json")):
        data = path.read_bytes()
        doc = json.loads(data)
        entry = LogEntry.for_file("record", doc["pith_number"], doc["canonical_sha256"], data)
        proof_file = path.with_name(path.name + ".tlog-proof")
        proved = verify_proof(proof_file.read_bytes(), entry.encode(), [verifier(mirror.site)])
        assert entries[proved.index] == entry
        assert proved.checkpoint.size == proved.index + 1
        page = (mirror.site / "pith" / path.stem / "index.html").read_text(encoding="utf-8")
        assert f"entry <code>{proved.index}</code>" in page
        assert f"{path.name}.tlog-proof" in page
    manifest = json.loads((mirror.site / "pith-mirrors.json").read_text(encoding="utf-8"))
    log = manifest["mirrors"][0]["log"]
    assert log["origin"] == ORIGIN and log["size"] == len(entries)
    assert log["vkey"] == verifier(mirror.site).vkey
    assert log["checkpoint"] == "https://example.org/m/log/checkpoint"


def test_a_proof_does_not_verify_for_a_tampered_record(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path)
    mirror.mint(1)
    mirror.build()
    path = next((mirror.site / "pith").glob("*.json"))
    data = path.read_bytes()
    doc = json.loads(data)
    tampered = data.replace(b"Paper 1", b"Paper 9")
    entry = LogEntry.for_file("record", doc["pith_number"], doc["canonical_sha256"], tampered)
    proof = path.with_name(path.name + ".tlog-proof").read_bytes()
    with pytest.raises(LogError):
        verify_proof(proof, entry.encode(), [verifier(mirror.site)])


def test_the_log_grows_and_old_files_stay(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path)
    for n in range(3):
        mirror.mint(n)
    mirror.build()
    before = tree(mirror.site)
    old, old_entries = read_log(mirror.site)
    mirror.mint(7)
    mirror.mint(1, version=2, title="Paper 1, second version")
    outcome = mirror.build()
    assert outcome.mode == "incremental"
    new, entries = read_log(mirror.site)
    assert entries[: len(old_entries)] == old_entries
    assert len(entries) == len(old_entries) + 4  # two records and their states
    proof = consistency_proof(old.size, new.size, folder_fetch_tree(mirror.site, new.size))
    verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    after = tree(mirror.site)
    # Proofs of records that did not change are the same files.
    for path, data in before.items():
        if path.endswith(".tlog-proof"):
            assert after[path] == data, path
    # Full tiles never change (none here: a small log), and no old proof went away.
    assert {p for p in before if p.endswith(".tlog-proof")} <= set(after)


def folder_fetch_tree(site: Path, size: int) -> Any:
    from pithgen.tlog.tiles import TileReader

    return TileReader(size, folder_fetch(site / "log")).node


def test_incremental_equals_a_full_build_over_the_same_previous_site(tmp_path: Path) -> None:
    """The log depends on the previous site; given the same one, a full build (no cache,
    two jobs) writes exactly what the incremental build wrote."""
    mirror = Mirror(tmp_path)
    for n in range(4):
        mirror.mint(n)
    mirror.build()
    for step in range(3):
        previous = tmp_path / f"previous-{step}"
        shutil.copytree(mirror.site, previous)
        mirror.mint(10 + step)
        if step == 1:
            mirror.config = replace(mirror.config, title="Logged, retitled")
        assert mirror.build().mode == "incremental"
        outcome = build_site(replace(mirror.config, out=previous, use_cache=False, jobs=2))
        assert outcome.written
        assert tree(previous) == tree(mirror.site), step


@pytest.mark.parametrize("edit", ["remove", "change"])
def test_dropping_or_altering_a_logged_record_is_refused(tmp_path: Path, edit: str) -> None:
    mirror = Mirror(tmp_path)
    paths = [mirror.mint(n) for n in range(3)]
    mirror.build()
    before = tree(mirror.site)
    doc = json.loads(paths[1].read_text(encoding="utf-8"))
    if edit == "remove":
        paths[1].unlink()
    else:  # an unsigned field: the record document's bytes change
        doc["updated_at"] = "2026-05-01T00:00:00+00:00"
        paths[1].write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(LogError) as caught:
        mirror.build()
    message = str(caught.value)
    assert doc["pith_number"] in message
    assert ("record removed" if edit == "remove" else "record changed") in message
    assert "--new-log" in message
    assert tree(mirror.site) == before
    assert not any(p.name.startswith(".site") for p in tmp_path.iterdir())
    # The command line says so too, with exit code 2, and still changes nothing.
    result = CliRunner().invoke(main, _cli_args(mirror))
    assert result.exit_code == 2, result.output
    assert doc["pith_number"] in result.output
    assert tree(mirror.site) == before


def _cli_args(mirror: Mirror) -> list[str]:
    config = mirror.config
    assert config.log_key is not None
    return [
        "build", "--records", str(config.records), "--out", str(config.out),
        "--trust-key", str(config.trust_keys[0]), "--no-default-keys",
        "--base-url", config.base_url or "", "--cache-dir", str(config.cache),
        "--log-key", str(config.log_key), "--jobs", "1",
    ]  # fmt: skip


def test_a_new_log_takes_the_next_origin_and_is_then_extended(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path)
    paths = [mirror.mint(n) for n in range(3)]
    mirror.build()
    paths[0].unlink()
    with pytest.raises(LogError):
        mirror.build()
    assert mirror.build(new_log=True).written
    checkpoint, entries = read_log(mirror.site)
    assert checkpoint.origin == ORIGIN + "/2"
    assert len(entries) == 4
    # Asked again, a new log again (never "up to date"), then extended as usual.
    mirror.build(new_log=True)
    assert read_log(mirror.site)[0].origin == ORIGIN + "/3"
    mirror.mint(5)
    mirror.build()
    checkpoint, entries = read_log(mirror.site)
    assert checkpoint.origin == ORIGIN + "/3" and len(entries) == 6


def test_a_log_signed_by_another_key_is_not_extended(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path)
    mirror.mint(1)
    mirror.build()
    before = tree(mirror.site)
    other = log_key(tmp_path / "other", seed=9)
    with pytest.raises(LogError, match="not signed by this build's log key"):
        mirror.build(log_key=other)
    assert tree(mirror.site) == before
    assert mirror.build(log_key=other, new_log=True).written
    assert read_log(mirror.site)[0].origin == ORIGIN + "/2"


def test_a_tampered_previous_log_is_refused(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path)
    for n in range(3):
        mirror.mint(n)
    mirror.build()
    bundle = next((mirror.site / "log" / "tile" / "entries").rglob("*/*"))
    data = bytearray(bundle.read_bytes())
    data[-3] ^= 1
    bundle.write_bytes(bytes(data))
    before = tree(mirror.site)
    mirror.mint(4)
    with pytest.raises(LogError, match="previous log does not verify"):
        mirror.build()
    assert tree(mirror.site) == before


def test_a_ci_job_without_the_site_extends_the_log_from_the_cache(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path)
    for n in range(3):
        mirror.mint(n)
    mirror.build()
    old, old_entries = read_log(mirror.site)
    kept = tmp_path / "kept-site"
    shutil.copytree(mirror.site, kept)
    shutil.rmtree(mirror.site)
    mirror.mint(4)
    outcome = mirror.build()
    assert outcome.mode == "full"
    new, entries = read_log(mirror.site)
    assert new.origin == old.origin and entries[: len(old_entries)] == old_entries
    assert len(entries) == len(old_entries) + 2
    # The same as a build over the kept site.
    build_site(replace(mirror.config, out=kept, use_cache=False))
    assert tree(kept) == tree(mirror.site)


def test_without_site_or_cache_a_log_starts_anew_and_says_so(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path)
    mirror.mint(1)
    outcome = mirror.build(use_cache=False)
    assert any("a new log" in note for note in outcome.notes)
    outcome = mirror.build(use_cache=False)
    assert not any("a new log" in note for note in outcome.notes)


def test_the_same_builds_give_the_same_log_bytes(tmp_path: Path) -> None:
    sites = []
    for name in ("a", "b"):
        mirror = Mirror(tmp_path / name)
        for n in (3, 1, 2):
            mirror.mint(n)
        mirror.build()
        mirror.mint(6)
        mirror.build(jobs=2 if name == "b" else 1)
        sites.append(tree(mirror.site))
    assert sites[0] == sites[1]


def test_proofs_of_a_bundle_published_record(tmp_path: Path) -> None:
    from conftest import make_bundle

    mirror = Mirror(tmp_path)
    record = mirror.mint(1)
    doc = json.loads(record.read_text(encoding="utf-8"))
    record.unlink()
    (mirror.records / "bundle.json").write_text(json.dumps(make_bundle(doc)), encoding="utf-8")
    mirror.build()
    _, entries = read_log(mirror.site)
    assert sorted(e.kind for e in entries) == ["bundle", "state"]
    suffix = doc["pith_number"].split(":")[2]
    bundle = mirror.site / "pith" / suffix / "bundle.json"
    entry = next(e for e in entries if e.kind == "bundle")
    assert entry.matches(bundle.read_bytes())
    proof = (bundle.parent / "bundle.json.tlog-proof").read_bytes()
    assert parse_proof(proof).index == entries.index(entry)
    verify_proof(proof, entry.encode(), [verifier(mirror.site)])


def test_log_settings_errors(tmp_path: Path) -> None:
    mirror = Mirror(tmp_path)
    mirror.mint(1)
    with pytest.raises(ConfigError, match="a log needs an origin"):
        mirror.build(log_origin=None, base_url=None)
    with pytest.raises(ConfigError, match="without scheme"):
        mirror.build(log_origin="https://example.org/log/")
    with pytest.raises(UsageError, match="--new-log needs a log key"):
        mirror.build(log_key=None, new_log=True)
    assert not mirror.site.exists()


def test_a_ci_job_after_a_cache_miss_extends_the_published_log(tmp_path: Path) -> None:
    """No site, no cache: --log-from reads the log where it was published (a real HTTP
    server on 127.0.0.1), so the log is extended, not forked."""
    from pullhelpers import serving

    mirror = Mirror(tmp_path)
    for n in range(3):
        mirror.mint(n)
    mirror.build()
    old, old_entries = read_log(mirror.site)
    published = tmp_path / "published"
    shutil.move(mirror.site, published)
    shutil.rmtree(mirror.config.cache or tmp_path / "cache")
    mirror.mint(4)
    with serving(published) as server:
        outcome = mirror.build(log_from=server.base + "log/")
        assert server.asked("log/checkpoint") == 1
    assert outcome.written
    new, entries = read_log(mirror.site)
    assert new.origin == old.origin and entries[: len(old_entries)] == old_entries
    assert len(entries) == len(old_entries) + 2
    # The same from a local copy of the published log.
    shutil.rmtree(mirror.site)
    shutil.rmtree(mirror.config.cache or tmp_path / "cache")
    mirror.build(log_from=str(published / "log"))
    assert read_log(mirror.site)[1] == entries


def test_log_from_a_site_without_a_log_starts_one_and_a_broken_one_stops(
    tmp_path: Path,
) -> None:
    from pullhelpers import serving

    mirror = Mirror(tmp_path)
    mirror.mint(1)
    empty = tmp_path / "empty"
    empty.mkdir()
    with serving(empty) as server:
        outcome = mirror.build(log_from=server.base + "log/", use_cache=False)
    assert any("a new log" in note for note in outcome.notes)
    published = tmp_path / "published"
    shutil.copytree(mirror.site, published)
    next((published / "log" / "tile" / "entries").rglob("*/*")).unlink()
    shutil.rmtree(mirror.site)
    with serving(published) as server, pytest.raises(LogError, match="HTTP 404"):
        mirror.build(log_from=server.base + "log/", use_cache=False)
    assert not mirror.site.exists()
