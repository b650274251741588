"""Sharded builds: ``pithgen build --shard I/N`` in separate processes, ``pithgen assemble``
of their artifacts, and the workflow ``pithgen new --shards N`` writes.

Every build here is a real ``python -m pithgen`` process. The archive is small but has what
ties records of different shards together: papers with several versions, bundles, citations
between records of different shards (event files), a log.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SIGNED_AT, make_paper
from sitehelpers import (
    Archive,
    first_difference,
    fixture_key,
    mint_archive,
    tree,
    tree_digest,
    write_log_key,
)

from pithgen.events.sign import build_event
from pithgen.mint import mint_record
from pithgen.shard.partition import RULE, shard_of_pith

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "https://mirror.example/sharded/"
TITLE = "Sharded test mirror"
COUNTS = (1, 2, 3, 7)


def pithgen(*args: object, cwd: Path | None = None, env: dict[str, str] | None = None):
    """Run ``python -m pithgen ARGS`` (this checkout first on the path)."""
    environ = dict(os.environ, PYTHONPATH=_pythonpath(), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "pithgen", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
        check=False,
    )


def _pythonpath() -> str:
    return os.pathsep.join(p for p in [str(ROOT), os.environ.get("PYTHONPATH", "")] if p)


def options(records: Path, key: Path, *extra: object) -> list[object]:
    """The options every build of one archive shares (shards and assembly alike)."""
    return [
        "--records",
        records,
        "--trust-key",
        key,
        "--base-url",
        BASE_URL,
        "--title",
        TITLE,
        "-j",
        "1",
        *extra,
    ]


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def copy_input(root: Path, dest: Path, seed: int) -> Path:
    """``root``'s records/ and events/ copied to ``dest`` with the files created in a
    shuffled order (another order of directory entries, the same names and bytes);
    returns the copy's records folder."""
    files = [
        p
        for name in ("records", "events")
        if (root / name).is_dir()
        for p in (root / name).rglob("*")
        if p.is_file()
    ]
    random.Random(seed).shuffle(files)
    for path in files:
        target = dest / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return dest / "records"


def build_shards(root: Path, key: Path, count: int, work: Path, *extra: object) -> list[Path]:
    """Shards 1..count, each in its own process from its own shuffled copy of the input
    (with its own build cache), built in a shuffled order; their folders, shuffled."""
    order = list(range(1, count + 1))
    random.Random(count).shuffle(order)
    for index in order:
        records = copy_input(root, work / f"input-{index}", seed=index * 31 + count)
        ok(
            pithgen(
                "build",
                *options(records, key, *extra),
                "--shard",
                f"{index}/{count}",
                "--out",
                work / "shards" / str(index),
                "--cache-dir",
                work / f"cache-{index}",
            )
        )
    return [work / "shards" / str(i) for i in order]


def assemble(records: Path, key: Path, shards: list[Path], out: Path, *extra: object):
    return pithgen(
        "assemble",
        *shards,
        *options(records, key, *extra),
        "--out",
        out,
        "--cache-dir",
        out.parent / f"{out.name}-cache",
    )


def same_tree(left: Path, right: Path) -> None:
    a, b = tree(left), tree(right)
    assert sorted(a) == sorted(b), (sorted(set(a) - set(b))[:10], sorted(set(b) - set(a))[:10])
    assert a == b, first_difference(a, b, (left.name, right.name))


def cite(root: Path, citer: str, cited: list[str]) -> None:
    """Event file lines: ``citer`` cites each of ``cited`` (signed by the test key)."""
    lines = [
        build_event(
            event_type="citation",
            subject=citer,
            created_at=SIGNED_AT,
            key=fixture_key(),
            payload={"cites": target, "relationship": "supports"},
        )
        for target in cited
    ]
    (root / "events").mkdir(exist_ok=True)
    with open(root / "events" / "citations.jsonl", "a", encoding="utf-8") as fh:
        fh.writelines(json.dumps(line) + "\n" for line in lines)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """36 records (papers with 2 and 3 versions, an old-style id) and 2 bundles; the
    first record cites six others, some in another shard for every N tested."""
    root = tmp_path_factory.mktemp("sharded")
    minted = mint_archive(root, total_docs=36)
    citer = minted.records_docs[0].pith_number
    cited = [e.pith_number for e in minted.records_docs[1:7]]
    cite(root, citer, cited)
    for count in COUNTS[1:]:
        assert any(shard_of_pith(p, count) != shard_of_pith(citer, count) for p in cited)
    return minted


@pytest.fixture(scope="module")
def single(archive: Archive, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive's site as a single ``pithgen build`` writes it."""
    out = tmp_path_factory.mktemp("single") / "site"
    ok(pithgen("build", *options(archive.records, archive.key_file), "--out", out, "--no-cache"))
    return out


# --------------------------------------------------------------------------- byte for byte


@pytest.mark.parametrize("count", COUNTS)
def test_shards_built_apart_assemble_to_the_single_build(
    archive: Archive, single: Path, tmp_path: Path, count: int
) -> None:
    shards = build_shards(archive.records.parent, archive.key_file, count, tmp_path)
    out = tmp_path / "site"
    summary = ok(assemble(archive.records, archive.key_file, shards, out))
    same_tree(out, single)
    # Every record's files came from the shards: nothing was verified or rendered again.
    units = len(archive.entries)
    assert (
        f"assembled from {count} shard(s): {units} record file set(s) taken from the "
        "shards, 0 rendered here" in summary
    )
    assert "verified here" not in summary
    # Each shard holds its own records only, and the citation across shards is there.
    for folder in shards:
        manifest = json.loads((folder / "shard.json").read_text(encoding="utf-8"))
        index = manifest["shard"]
        suffixes = {
            path.split("/")[1].removesuffix(".json")
            for path, *_ in manifest["files"]
            if path.startswith("pith/")
        }
        assert all(
            shard_of_pith(f"pith:2000:{s}", count) == index for s in suffixes if len(s) == 26
        )


def test_a_wrong_guess_about_another_shard_is_rendered_again(
    archive: Archive, tmp_path: Path
) -> None:
    """Version 2 of a paper fails verification in its shard; the shard of version 1
    assumed it verifies (its page would list it): the assembly renders version 1 itself,
    and the site is still the single build's (with --keep-going)."""
    root = tmp_path / "archive"
    shutil.copytree(archive.records.parent, root, ignore=shutil.ignore_patterns("site*"))
    key = root / "test-key.json"
    for n in range(100):
        arxiv = f"2207.{10000 + n}"
        docs = [
            mint_record(
                make_paper(arxiv_id=arxiv, version=v, title=f"Guess {n}"),
                fixture_key(),
                signed_at=SIGNED_AT,
            )
            for v in (1, 2)
        ]
        if len({shard_of_pith(d["pith_number"], 2) for d in docs}) == 2:
            break
    bad = dict(docs[1], receipt=dict(docs[1]["receipt"], signature_b64="A" * 86 + "=="))
    (root / "records" / "guess-v1.json").write_text(json.dumps(docs[0]), encoding="utf-8")
    (root / "records" / "guess-v2.json").write_text(json.dumps(bad), encoding="utf-8")
    owner = shard_of_pith(bad["pith_number"], 2)
    # Without --keep-going the shard that owns the bad document fails, and writes nothing.
    refused = pithgen(
        "build",
        *options(root / "records", key),
        "--shard",
        f"{owner}/2",
        "--out",
        tmp_path / "refused",
        "--no-cache",
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "FAILED guess-v2.json: receipt_signature" in refused.stderr
    assert not (tmp_path / "refused").exists()
    single = tmp_path / "single"
    ok(
        pithgen(
            "build", *options(root / "records", key, "--keep-going"), "--out", single, "--no-cache"
        )
    )
    shards = build_shards(root, key, 2, tmp_path / "work", "--keep-going")
    out = tmp_path / "site"
    summary = ok(assemble(root / "records", key, shards, out, "--keep-going"))
    same_tree(out, single)
    rendered = re.search(r"(\d+) rendered here", summary)
    assert rendered is not None and int(rendered.group(1)) >= 1, summary


def test_a_conflict_between_shards_fails_the_assembly_naming_both(
    archive: Archive, single: Path, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    shutil.copytree(archive.records.parent, root)
    key = root / "test-key.json"
    for n in range(100):
        docs = [
            mint_record(
                make_paper(arxiv_id="2208.00042", title=f"Claim {n}{side}"),
                fixture_key(),
                signed_at=SIGNED_AT,
            )
            for side in "ab"
        ]
        if len({shard_of_pith(d["pith_number"], 2) for d in docs}) == 2:
            break
    for side, doc in zip("ab", docs, strict=True):
        (root / "records" / f"claim-{side}.json").write_text(json.dumps(doc), encoding="utf-8")
    shards = build_shards(root, key, 2, tmp_path / "work", "--keep-going")
    out = tmp_path / "site"
    shutil.copytree(single, out)
    before = tree_digest(out)
    done = assemble(root / "records", key, shards, out)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "arXiv 2208.00042v1 is also claimed by 1 other record(s)" in done.stderr
    assert "claim-a.json" in done.stderr and "claim-b.json" in done.stderr
    assert tree_digest(out) == before


def test_a_shard_rebuilt_in_place_renders_only_what_changed(
    archive: Archive, tmp_path: Path
) -> None:
    """Kept between runs (with its cache), a shard takes every record unit whose key did
    not change from the artifact it replaces: one new record, one record rendered."""
    root = tmp_path / "archive"
    shutil.copytree(archive.records.parent, root)
    key = root / "test-key.json"
    build_shards(root, key, 2, tmp_path / "work")
    doc = mint_record(make_paper(arxiv_id="2211.00001"), fixture_key(), signed_at=SIGNED_AT)
    (root / "records" / "new.json").write_text(json.dumps(doc), encoding="utf-8")
    owner = shard_of_pith(doc["pith_number"], 2)
    shards = []
    for index in (1, 2):
        records = copy_input(root, tmp_path / "work" / f"input-{index}", seed=index)
        done = ok(
            pithgen(
                "build",
                *options(records, key),
                "--shard",
                f"{index}/2",
                "--out",
                tmp_path / "work" / "shards" / str(index),
                "--cache-dir",
                tmp_path / "work" / f"cache-{index}",
            )
        )
        rendered = 1 if index == owner else 0
        assert f"({rendered} rendered, " in done, done
        shards.append(tmp_path / "work" / "shards" / str(index))
    single = tmp_path / "single"
    ok(pithgen("build", *options(root / "records", key), "--out", single, "--no-cache"))
    summary = ok(assemble(root / "records", key, shards, tmp_path / "site"))
    assert "0 rendered here" in summary
    same_tree(tmp_path / "site", single)


# --------------------------------------------------------------------------- refusals


@pytest.fixture(scope="module")
def three(archive: Archive, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Shards 1, 2, 3 of 3 (read-only: tests copy what they change)."""
    work = tmp_path_factory.mktemp("three")
    shards = build_shards(archive.records.parent, archive.key_file, 3, work)
    return sorted(shards, key=lambda p: int(p.name))


def _copy_shards(three: list[Path], dest: Path) -> list[Path]:
    copies = []
    for folder in three:
        copies.append(dest / folder.name)
        shutil.copytree(folder, copies[-1])
    return copies


def _a_record_page(shard: Path) -> Path:
    return next(p for p in sorted((shard / "pith").rglob("index.html")) if p.parent.name != "pith")


def _tamper(case: str, shards: list[Path], archive: Archive, work: Path) -> list[Path]:
    """The shard folders to assemble for one refusal ``case``."""
    one, two, three = shards
    if case == "missing":
        return [one, three]
    if case == "duplicated":
        shutil.copytree(two, work / "two-again")
        return [one, two, work / "two-again", three]
    if case == "another-config":
        shutil.rmtree(two)
        ok(
            pithgen(
                "build",
                *options(archive.records, archive.key_file),
                "--title",
                "Elsewhere",
                "--shard",
                "2/3",
                "--out",
                two,
                "--no-cache",
            )
        )
    elif case == "another-count":
        shutil.rmtree(two)
        ok(
            pithgen(
                "build",
                *options(archive.records, archive.key_file),
                "--shard",
                "2/2",
                "--out",
                two,
                "--no-cache",
            )
        )
    elif case == "another-version":
        manifest = two / "shard.json"
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(text.replace('"pithgen": "', '"pithgen": "9.9.9-', 1), "utf-8")
    elif case == "altered-file":
        page = _a_record_page(two)
        page.write_bytes(page.read_bytes().replace(b"</title>", b" </title>", 1))
    elif case == "missing-file":
        _a_record_page(two).unlink()
    elif case == "extra-file":
        (two / "pith" / "extra.html").write_text("<p>not the shard's</p>\n", encoding="utf-8")
    elif case == "not-a-shard":
        shutil.rmtree(two)
        two.mkdir()
    return [one, two, three]


REFUSALS = {
    "missing": "missing shard(s) 2 of 3: expected one artifact for each of shards 1 to 3, "
    "found shard(s) 1, 3",
    "duplicated": "shard 2/3 is given twice",
    "another-config": "was built with another configuration: its title is 'Elsewhere', this "
    f"assembly's is '{TITLE}'",
    "another-count": "is of 2 shards, but shard 1/3",
    "another-version": "was built by pithgen '9.9.9-",
    "altered-file": "was altered: its manifest says",
    "missing-file": "is missing file(s) its manifest lists: pith/",
    "extra-file": "holds file(s) its manifest does not list: pith/extra.html",
    "not-a-shard": "expected a shard artifact (written by `pithgen build --shard I/N`), found "
    "no shard.json",
    "another-input": "was built from other input",
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_bad_shards_are_refused_and_the_old_site_stays(
    case: str, archive: Archive, single: Path, three: list[Path], tmp_path: Path
) -> None:
    shards = _tamper(case, _copy_shards(three, tmp_path / "shards"), archive, tmp_path)
    records = archive.records
    if case == "another-input":
        records = copy_input(archive.records.parent, tmp_path / "input", seed=1)
        (records / "one-more.json").write_text(
            json.dumps(
                mint_record(make_paper(arxiv_id="2209.00001"), fixture_key(), signed_at=SIGNED_AT)
            ),
            encoding="utf-8",
        )
    out = tmp_path / "live" / "site"
    shutil.copytree(single, out)
    before = tree_digest(out)
    done = assemble(records, archive.key_file, shards, out)
    assert done.returncode == 2, done.stdout + done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("pithgen: error: ") and REFUSALS[case] in last, done.stderr
    assert tree_digest(out) == before
    assert sorted(os.listdir(out.parent)) == ["site"]  # nothing left beside it


# --------------------------------------------------------------------------- the log


def test_assembling_with_a_log_key_gives_the_single_builds_log(
    archive: Archive, tmp_path: Path
) -> None:
    """First a new log, then (two more records) the log extended: the sharded site, its
    log and every proof file are the single build's both times."""
    log_key = write_log_key(tmp_path / "log-key")
    root = tmp_path / "archive"
    shutil.copytree(archive.records.parent, root)
    records, key = root / "records", root / "test-key.json"
    single, sharded = tmp_path / "single" / "site", tmp_path / "sharded" / "site"
    for round_ in (1, 2):
        if round_ == 2:
            for n in (1, 2):
                doc = mint_record(
                    make_paper(arxiv_id=f"2210.0000{n}"), fixture_key(), signed_at=SIGNED_AT
                )
                (records / f"late-{n}.json").write_text(json.dumps(doc), encoding="utf-8")
        # The shards read the previous log where it is published (here: the live folder).
        previous = ["--log-from", sharded / "log"] if round_ == 2 else []
        ok(pithgen("build", *options(records, key, "--log-key", log_key), "--out", single))
        shards = build_shards(
            root, key, 3, tmp_path / f"work-{round_}", "--log-key", log_key, *previous
        )
        summary = ok(assemble(records, key, shards, sharded, "--log-key", log_key))
        assert "0 rendered here" in summary, summary
        same_tree(sharded, single)
        assert (sharded / "log" / "checkpoint").is_file()
        assert any(p.name.endswith(".tlog-proof") for p in (sharded / "pith").iterdir())
    # Each record document, bundle and record state is logged once (two late records, each
    # a record document and its state, were added in round 2).
    logged = len(archive.records_docs) + len(archive.bundles) + len(archive.published) + 2 * 2
    checkpoint = (sharded / "log" / "checkpoint").read_text(encoding="utf-8").splitlines()
    assert checkpoint[1] == str(logged)


# --------------------------------------------------------------------------- the workflow


def _workflow_steps(text: str) -> dict[str, dict[str, Any]]:
    """The jobs of a workflow, parsed (PyYAML where installed) or by their step names."""
    yaml = pytest.importorskip("yaml")
    parsed = yaml.safe_load(text)
    assert isinstance(parsed, dict)
    jobs: dict[str, dict[str, Any]] = parsed["jobs"]
    return jobs


def test_new_with_shards_writes_a_matrix_workflow_whose_commands_assemble_the_site(
    tmp_path: Path,
) -> None:
    site = tmp_path / "mirror"
    ok(pithgen("new", site, "--shards", "3"))
    text = (site / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    assert "shards/" in (site / ".gitignore").read_text(encoding="utf-8").splitlines()
    for needle in (
        "actions/upload-artifact@v4",
        "actions/download-artifact@v4",
        "merge-multiple: true",
        "include-hidden-files: true",
        "name: pithgen-shard-${{ matrix.shard }}",
        "pattern: pithgen-shard-*",
        "actions/deploy-pages@v4",
        "rclone sync site",
        'PITHGEN_SPEC: ""',
    ):
        assert needle in text, needle
    jobs = _workflow_steps(text)
    assert list(jobs) == ["shard", "assemble", "deploy"]
    assert jobs["shard"]["strategy"]["matrix"]["shard"] == [1, 2, 3]
    assert jobs["assemble"]["needs"] == "shard" and jobs["deploy"]["needs"] == "assemble"
    steps = {job: {s.get("name", s.get("uses")): s for s in jobs[job]["steps"]} for job in jobs}
    upload = steps["shard"]["Upload shard ${{ matrix.shard }}"]["with"]
    assert (upload["path"], upload["include-hidden-files"]) == ("shards", True)
    download = steps["assemble"]["Download the shards"]["with"]
    assert (download["path"], download["merge-multiple"]) == ("shards", True)
    assert (
        steps["assemble"]["Sync the site to object storage"]["if"] == "vars.PITHGEN_S3_BUCKET != ''"
    )
    assert jobs["deploy"]["if"] == "vars.PITHGEN_S3_BUCKET == ''"
    # Run the two jobs' pithgen commands as the workflow does (the download merges the
    # artifacts, each holding its shards/I, into shards/): the site is the single build's.
    shim = tmp_path / "bin" / "pithgen"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pithgen "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {
        "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
        "BASE_URL": BASE_URL,
        "SHARDS": "3",
        "RUNNER_TEMP": str(tmp_path),
        "PITHGEN_LOG_KEY": "",
        "PYTHONPATH": _pythonpath(),
    }
    for index in (3, 1, 2):
        script = steps["shard"]["Verify and render shard ${{ matrix.shard }}"]["run"]
        done = subprocess.run(
            ["bash", "-ec", script],
            cwd=site,
            capture_output=True,
            text=True,
            env=dict(os.environ, **env, SHARD=str(index)),
            check=False,
        )
        ok(done)
    done = subprocess.run(
        ["bash", "-ec", steps["assemble"]["Assemble the site"]["run"]],
        cwd=site,
        capture_output=True,
        text=True,
        env=dict(os.environ, **env),
        check=False,
    )
    ok(done)
    ok(pithgen("build", "--base-url", BASE_URL, "--out", tmp_path / "single", cwd=site))
    same_tree(site / "site", tmp_path / "single")


@pytest.mark.parametrize("count", ["0", "257"])
def test_new_refuses_a_matrix_github_cannot_run(tmp_path: Path, count: str) -> None:
    done = pithgen("new", tmp_path / "m", "--shards", count)
    assert done.returncode == 2 and "--shards: expected 1 to 256" in done.stderr
    assert not (tmp_path / "m").exists()


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "0/3", "--out", "x"], "--shard 0/3: expected I from 1 to 3, found 0"),
        (["--shard", "4/3", "--out", "x"], "--shard 4/3: expected I from 1 to 3, found 4"),
        (["--shard", "two", "--out", "x"], "--shard: expected I/N (shard I of N, e.g. 2/8)"),
        (["--shard", "1/2"], "--shard: expected --out DIR, the folder of this shard's artifact"),
        (["--shard", "1/2", "--out", "x", "--json"], "--json reports a site"),
        (
            ["--shard", "1/2", "--out", "taken"],
            "refusing to replace a folder that is not a pithgen shard artifact",
        ),
    ],
)
def test_shard_usage_errors(archive: Archive, tmp_path: Path, args: list[str], message: str):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine\n", encoding="utf-8")
    done = pithgen(
        "build", "--records", archive.records, "--trust-key", archive.key_file, *args, cwd=tmp_path
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert (tmp_path / "taken" / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- docs


def test_readme_and_scale_doc_describe_sharded_builds() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for needle in (
        "pithgen build --shard",
        "pithgen assemble",
        "pithgen new",
        "--shards",
        "docs/scale.md",
    ):
        assert needle in readme, needle
    scale = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    assert RULE in scale
    # The worked example of the partition is the code's.
    examples = re.findall(r"`(pith:\d{4}:[A-Z2-7]{26})` is in shard (\d+) of (\d+)", scale)
    assert examples
    for pith, index, count in examples:
        assert shard_of_pith(pith, int(count)) == int(index), pith
