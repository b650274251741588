"""An incremental build equals a full build, byte for byte, after any sequence of edits;
the build cache is never trusted beyond what it can prove.

Every step below changes the archive or the configuration, builds incrementally (with the
build cache, into the same output folder) and builds the same state from scratch
(``use_cache=False``, a fresh folder): the two trees must be byte-identical.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import OTHER_KEY_ID, OTHER_SEED, make_paper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitehelpers import ARCHIVE_FIXTURE, fixture_key, tree, write_test_key

import pithgen.cache.fingerprint
import pithgen.cache.verdicts
import pithgen.theme
from pithgen import spare
from pithgen.build import build_site
from pithgen.cache.store import DB_NAME
from pithgen.config import BuildConfig
from pithgen.keys import SigningKey
from pithgen.mint import mint_record

SIGNED = "2026-02-03T04:05:06Z"


class Archive:
    """A records folder of one file per minted record, and the config to build it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records = root / "records"
        self.records.mkdir(parents=True)
        self.key_file = write_test_key(root / "keys" / "test-key-1.json")
        self.other_key = SigningKey.from_seed(OTHER_KEY_ID, OTHER_SEED)
        other_doc = self.other_key.public("other", "pithgen tests").to_dict()
        self.other_key_file = root / "keys" / "test-key-2.json"
        self.other_key_file.write_text(json.dumps(other_doc), encoding="utf-8")
        self.config = BuildConfig(
            records=self.records,
            out=root / "site",
            base_url="https://example.org/m/",
            title="Incremental",
            trust_keys=(self.key_file,),
            default_keys=False,
            page_size=10,
            jobs=1,
            cache=root / "cache",
        )
        self.builds = 0

    def path(self, n: int, version: int = 1) -> Path:
        return self.records / f"{n:03d}v{version}.json"

    def mint(self, n: int, version: int = 1, **overrides: Any) -> None:
        fields = {
            "arxiv_id": f"2103.{n:05d}",
            "version": version,
            "title": f"Paper {n} on incremental builds",
            "submitted_at": f"20{10 + n % 12}-0{1 + n % 9}-1{n % 10}T00:00:00Z",
            "primary_cat": ("cs.CR", "math.CO", "hep-th")[n % 3],
            "cross_cats": ("cs.LG",) if n % 2 else (),
            **overrides,
        }
        doc = mint_record(make_paper(**fields), fixture_key(), signed_at=SIGNED)
        self.path(n, version).write_text(json.dumps(doc, indent=1), encoding="utf-8")

    def check(self) -> str:
        """Build incrementally and from scratch; the trees must be the same."""
        self.builds += 1
        incremental = build_site(self.config)
        assert incremental.written or incremental.mode == "up-to-date"
        full_out = self.root / f"full-{self.builds}"
        full = build_site(replace(self.config, out=full_out, use_cache=False))
        assert full.written
        assert tree(self.config.out) == tree(full_out)
        shutil.rmtree(full_out)
        return incremental.mode


def _edit(archive: Archive, step: tuple[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    kind, n = step
    if kind == "add":
        archive.mint(n)
    elif kind == "touch":  # an unsigned field: the published bytes change, the record not
        path = archive.path(n)
        if path.exists():
            doc = json.loads(path.read_text(encoding="utf-8"))
            doc["updated_at"] = f"2026-0{1 + n % 9}-01T00:00:00+00:00"
            path.write_text(json.dumps(doc), encoding="utf-8")
    elif kind == "remove":
        for version in (1, 2):
            archive.path(n, version).unlink(missing_ok=True)
    elif kind == "version2":
        if archive.path(n).exists():
            archive.mint(n, version=2, title=f"Paper {n}, second version")
    elif kind == "retitle":  # a new canonical record for the same paper version
        if archive.path(n).exists():
            archive.mint(n, title=f"Paper {n} retitled")
    elif kind == "template":
        folder = archive.root / "templates"
        if n % 2:
            folder.mkdir(exist_ok=True)
            base = (Path(pithgen.theme.default_templates_dir()) / "record.html").read_text()
            (folder / "record.html").write_text(base.replace("<h2>", f"<h2 data-v='{n}'>"))
            archive.config = replace(archive.config, templates=folder)
        else:
            archive.config = replace(archive.config, templates=None)
    elif kind == "key":
        keys = (archive.key_file, archive.other_key_file) if n % 2 else (archive.key_file,)
        archive.config = replace(archive.config, trust_keys=keys)
    elif kind == "title":
        archive.config = replace(archive.config, title=f"Incremental {n}")
    elif kind == "base_url":
        archive.config = replace(archive.config, base_url=f"https://example.org/m{n}/")
    elif kind == "version":
        for module in (pithgen.theme, pithgen.cache.fingerprint, pithgen.cache.verdicts):
            monkeypatch.setattr(module, "__version__", f"0.1.{n}")
    elif kind == "pagesize":
        archive.config = replace(archive.config, page_size=10 + n)


STEPS = st.tuples(
    st.sampled_from(
        [
            "add",
            "add",
            "touch",
            "remove",
            "version2",
            "retitle",
            "template",
            "key",
            "title",
            "base_url",
            "version",
            "pagesize",
        ]
    ),
    st.integers(0, 7),
)


@settings(
    max_examples=8,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEPS, min_size=1, max_size=4))
def test_incremental_equals_full_after_any_edits(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, steps: Any
) -> None:
    archive = Archive(tmp_path_factory.mktemp("inc"))
    for n in range(6):
        archive.mint(n)
    assert archive.check() == "full"
    with monkeypatch.context() as patch:
        for step in steps:
            _edit(archive, step, patch)
            if not any(archive.records.iterdir()):
                archive.mint(0)
            assert archive.check() in ("incremental", "up-to-date")


def test_each_kind_of_edit_in_turn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every edit once, in a fixed order (the property test samples them)."""
    archive = Archive(tmp_path)
    for n in range(5):
        archive.mint(n)
    assert archive.check() == "full"
    assert archive.check() == "up-to-date"
    for step in [("add", 6), ("touch", 1), ("version2", 2), ("retitle", 3), ("remove", 4),
                 ("template", 1), ("template", 0), ("key", 1), ("title", 2),
                 ("base_url", 3), ("version", 9), ("pagesize", 5), ("remove", 2)]:  # fmt: skip
        _edit(archive, step, monkeypatch)
        assert archive.check() == "incremental", step


def test_a_shared_short_number_appearing_and_going(tmp_path: Path) -> None:
    """The two records of the golden archive that share a short number: adding the
    second turns ``pith/SHORT8/`` from a redirect into a list and changes the first
    record's page; removing it turns them back."""
    archive = Archive(tmp_path)
    shared = sorted((ARCHIVE_FIXTURE / "records" / "shared-short").glob("*.json"))
    assert len(shared) == 2
    shutil.copy(shared[0], archive.records)
    archive.mint(1)
    assert archive.check() == "full"
    shutil.copy(shared[1], archive.records)
    assert archive.check() == "incremental"
    (archive.records / shared[1].name).unlink()
    assert archive.check() == "incremental"


def test_an_incremental_build_writes_only_what_changed(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    for n in range(8):
        archive.mint(n)
    full = build_site(archive.config)
    archive.mint(9)
    added = build_site(archive.config)
    assert added.mode == "incremental"
    assert 0 < added.files < full.files / 3
    assert build_site(archive.config).mode == "up-to-date"


def test_changed_bytes_with_the_same_size_and_time_are_verified_again(tmp_path: Path) -> None:
    """The cache trusts no timestamp: a record altered in place, its size and mtime
    restored, is read, hashed and verified again, and fails; the old site stays."""
    archive = Archive(tmp_path)
    for n in range(3):
        archive.mint(n)
    assert archive.check() == "full"
    before = tree(archive.config.out)
    path = archive.path(1)
    info = path.stat()
    data = path.read_bytes()
    tampered = data.replace(b"Paper 1 on", b"Paper 7 on")  # the same length
    assert tampered != data and len(tampered) == len(data)
    path.write_bytes(tampered)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    outcome = build_site(archive.config)
    assert not outcome.written and outcome.result is not None and outcome.result.failed == 1
    assert tree(archive.config.out) == before


def test_a_damaged_cache_is_detected_and_never_published(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    for n in range(4):
        archive.mint(n)
    assert archive.check() == "full"
    db_path = archive.config.cache_dir / DB_NAME
    import sqlite3

    with sqlite3.connect(db_path) as db:  # damage every verdict and every manifest row
        db.execute("UPDATE verdicts SET value = substr(value, 1, 40) || x'00' ")
        db.execute("UPDATE site_files SET sha = zeroblob(32)")
        db.execute("UPDATE site_units SET data = x'00'")
    archive.mint(5)
    assert archive.check() == "incremental"
    # a truncated database file is set aside and the cache started afresh
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.write_bytes(db_path.read_bytes()[:1000])
    archive.mint(6)
    outcome = build_site(archive.config)
    assert outcome.written and outcome.mode == "full"
    assert any("started afresh" in note for note in outcome.notes)
    full = build_site(replace(archive.config, out=tmp_path / "again", use_cache=False))
    assert full.written and tree(archive.config.out) == tree(tmp_path / "again")


def test_a_failure_while_the_spare_is_changed_leaves_the_site_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = Archive(tmp_path)
    for n in range(6):
        archive.mint(n)
    assert archive.check() == "full"
    archive.mint(7)
    assert archive.check() == "incremental"  # the spare exists now
    before = tree(archive.config.out)
    real_apply = spare.apply

    def half_then_fail(delta: Path, target: Path, written: Any, removed: Any) -> None:
        written = list(written)
        real_apply(delta, target, written[: len(written) // 2], [])
        raise RuntimeError("killed mid-way")

    monkeypatch.setattr(spare, "apply", half_then_fail)
    archive.mint(8)
    archive.path(2).unlink()
    with pytest.raises(RuntimeError, match="killed mid-way"):
        build_site(archive.config)
    assert tree(archive.config.out) == before
    monkeypatch.setattr(spare, "apply", real_apply)
    assert archive.check() in ("incremental", "full")
    archive.mint(9)
    assert archive.check() == "incremental"


def test_a_site_replaced_behind_the_caches_back_gets_a_full_build(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.mint(1)
    assert archive.check() == "full"
    shutil.rmtree(archive.config.out)
    shutil.copytree(tmp_path / "cache", tmp_path / "cache-copy")  # (unrelated folder)
    build_site(replace(archive.config, use_cache=False))  # another site at the same place
    assert archive.check() == "full"
    assert archive.check() == "up-to-date"


def test_verification_reads_again_only_the_files_whose_hash_is_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every input is read and hashed; a one-document file whose hash has a cached
    verdict is not read a second time to be verified (a JSONL file always is); the site
    is still the full build's."""
    import pithgen.pipeline

    archive = Archive(tmp_path)
    for n in range(5):
        archive.mint(n)
    lines = [archive.path(n).read_text(encoding="utf-8") for n in (0, 1)]
    (archive.records / "two.jsonl").write_text(
        "".join(json.dumps(json.loads(t)) + "\n" for t in lines), encoding="utf-8"
    )
    assert archive.check() == "full"
    read: list[str] = []
    real = pithgen.pipeline.read_file

    def counted(item: Any, options: Any) -> Any:
        read.append(item.display)
        return real(item, options)

    _edit(archive, ("touch", 3), monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr(pithgen.pipeline, "read_file", counted)
        assert build_site(archive.config).mode == "incremental"
    assert sorted(read) == [archive.path(3).name, "two.jsonl"]
    full = build_site(replace(archive.config, out=tmp_path / "full", use_cache=False))
    assert full.written and tree(archive.config.out) == tree(tmp_path / "full")
