"""The command line: ``pithgen verify``, ``keys generate`` and ``mint``: exit codes, human
and ``--json`` output, trusted keys."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pithgen.cli import main
from pithgen.keys import SigningKey, write_key_pair

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed-record-4FP6Z27B.json"
SEED_PN = "pith:2018:4FP6Z27B6DFNJRYZBSXH3XON27"
SIGNED_AT = "2026-01-02T03:04:05Z"


def run(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    path = tmp_path / "records" / "seed.json"
    path.parent.mkdir()
    shutil.copyfile(SEED, path)
    return path


@pytest.fixture
def test_key_file(tmp_path: Path, signing_key) -> Path:
    _, public = write_key_pair(signing_key, tmp_path / "keys")
    return public


# --- exit codes --------------------------------------------------------------------------


def test_seed_verifies_exit_0(seed_copy) -> None:
    result = run("verify", seed_copy)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "1 document(s): 1 verified, 0 failed, 0 warning(s); 1 distinct record(s)"
    )


def test_seed_fails_with_no_default_keys(seed_copy) -> None:
    result = run("verify", "--no-default-keys", seed_copy)
    assert result.exit_code == 1
    assert f"FAILED {seed_copy} ({SEED_PN})" in result.output
    assert "receipt_key:" in result.output and "pith-v1-2026-05" in result.output


def test_missing_path_exit_2(tmp_path) -> None:
    result = run("verify", tmp_path / "nope")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2
    assert "pithgen: error:" in result.stderr
    assert str(tmp_path / "nope") in result.stderr


def test_missing_trust_key_file_exit_2(seed_copy, tmp_path) -> None:
    result = run("verify", "--trust-key", tmp_path / "missing.json", seed_copy)
    assert result.exit_code == 2
    assert "pithgen: error:" in result.stderr and "missing.json" in result.stderr


def test_bad_trust_key_file_exit_2(seed_copy, tmp_path) -> None:
    doc = json.loads((FIXTURES / "pith-public-key.json").read_text())
    doc["fingerprint_sha256_hex"] = "0" * 32
    bad = tmp_path / "bad-key.json"
    bad.write_text(json.dumps(doc))
    result = run("verify", "--trust-key", bad, seed_copy)
    assert result.exit_code == 2
    assert "fingerprint_sha256_hex" in result.stderr


def test_conflicting_trust_key_exit_2(seed_copy, tmp_path) -> None:
    """A trusted key that reuses Pith's key id with other key material is refused."""
    _, public = write_key_pair(SigningKey.from_seed("pith-v1-2026-05", bytes(32)), tmp_path)
    result = run("verify", "--trust-key", public, seed_copy)
    assert result.exit_code == 2
    assert "already trusted with a different key" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_argument_exit_2(tmp_path) -> None:
    os.mkfifo(tmp_path / "x.json")
    assert run("verify", tmp_path / "x.json").exit_code == 2


def test_subprocess_exit_codes(seed_copy, tmp_path) -> None:
    """The real entry point, not just the click runner."""

    def code(*args: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pithgen", "verify", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert code(seed_copy).returncode == 0
    assert code("--no-default-keys", seed_copy).returncode == 1
    missing = code(tmp_path / "nope")
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


# --- output ------------------------------------------------------------------------------


@pytest.fixture
def mixed_dir(tmp_path, mint) -> dict[str, Any]:
    """A directory with the seed, a record under the test key, a tampered copy of the seed
    and a broken JSON file."""
    root = tmp_path / "mixed"
    root.mkdir()
    shutil.copyfile(SEED, root / "a-seed.json")
    minted = mint()
    (root / "b-minted.json").write_text(json.dumps(minted))
    tampered = json.loads(SEED.read_text())
    tampered["paper"]["title"] = "Something Else Entirely"
    (root / "c-tampered.json").write_text(json.dumps(tampered))
    (root / "d-broken.json").write_bytes(b'{"a": 1, "a": 2}')
    return {"root": root, "minted": minted}


def test_json_output_shape(mixed_dir, test_key_file) -> None:
    root = mixed_dir["root"]
    result = run("verify", "--json", "--trust-key", test_key_file, root)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert {"summary", "records"} <= set(doc)
    summary = doc["summary"]
    assert {"total", "verified", "failed", "warnings"} <= set(summary)
    assert all(isinstance(v, int) for v in summary.values())
    assert (summary["total"], summary["verified"], summary["failed"]) == (4, 2, 2)
    records = doc["records"]
    assert [r["source"] for r in records] == [
        str(root / n) for n in ("a-seed.json", "b-minted.json", "c-tampered.json", "d-broken.json")
    ]
    for r in records:
        assert {"source", "pith_number", "status", "problems", "warnings"} <= set(r)
        assert r["status"] in ("verified", "failed")
        for item in r["problems"] + r["warnings"]:
            assert set(item) == {"check", "message"}
            assert isinstance(item["message"], str) and item["message"]
    seed, minted, tampered, broken = records
    assert (seed["status"], seed["pith_number"], seed["problems"]) == ("verified", SEED_PN, [])
    assert minted["pith_number"] == mixed_dir["minted"]["pith_number"]
    assert minted["status"] == "verified"
    assert tampered["status"] == "failed" and tampered["pith_number"] == SEED_PN
    assert [p["check"] for p in tampered["problems"]] == ["title_hash"]
    assert broken["pith_number"] is None
    assert [p["check"] for p in broken["problems"]] == ["json"]
    assert "duplicate key 'a'" in broken["problems"][0]["message"]


def test_json_output_is_the_only_stdout(seed_copy) -> None:
    result = run("verify", "--json", seed_copy)
    assert result.exit_code == 0
    json.loads(result.stdout)  # nothing but one JSON document


def test_human_output_names_source_number_check_and_reason(mixed_dir, test_key_file) -> None:
    root = mixed_dir["root"]
    result = run("verify", "--trust-key", test_key_file, root)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    header = lines.index(f"FAILED {root / 'c-tampered.json'} ({SEED_PN})")
    assert lines[header + 1].startswith("  title_hash: ")
    assert "was altered" in lines[header + 1]
    assert f"FAILED {root / 'd-broken.json'}" in lines
    assert "  json: duplicate key 'a'" in "\n".join(lines)
    assert "b-minted.json" not in result.output  # verified records are not listed
    assert lines[-1] == "4 document(s): 2 verified, 2 failed, 0 warning(s); 2 distinct record(s)"


def test_trust_key_is_needed_for_a_test_key_record(tmp_path, mint, test_key_file) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(mint()))
    assert run("verify", path).exit_code == 1
    assert run("verify", "--trust-key", test_key_file, path).exit_code == 0
    assert run("verify", "--no-default-keys", "--trust-key", test_key_file, path).exit_code == 0
    mixed = run("verify", "--no-default-keys", "--trust-key", test_key_file, path, SEED)
    assert mixed.exit_code == 1


# --- keys generate -> mint -> verify -----------------------------------------------------


def test_generate_mint_verify_round_trip(tmp_path) -> None:
    keys = tmp_path / "keys"
    assert run("keys", "generate", "--key-id", "reg-1", "--out", keys).exit_code == 0
    out = tmp_path / "r.json"
    minted = run(
        "mint", "--key", keys / "reg-1.private.json",
        "--arxiv-id", "astro-ph/9610094", "--version", 2,
        "--title", "An Old Paper", "--abstract", "About stars.",
        "--primary-cat", "astro-ph", "--cross-cat", "gr-qc", "--cross-cat", "astro-ph",
        "--submitted-at", "1996-10-11T12:00:00Z", "--signed-at", SIGNED_AT,
        "--out", out,
    )  # fmt: skip
    assert minted.exit_code == 0, minted.output
    doc = json.loads(out.read_text())
    assert doc["pith_number"] in minted.output
    assert doc["pith_number"].startswith("pith:1996:")
    assert doc["canonical_record"]["metadata"]["cross_cats_sorted"] == ["gr-qc"]
    assert doc["canonical_record"]["source"] == {
        "id": "astro-ph/9610094", "kind": "arxiv", "version": 2,
    }  # fmt: skip
    assert run("verify", out).exit_code == 1
    trusted = run("verify", "--no-default-keys", "--trust-key", keys / "reg-1.json", out)
    assert trusted.exit_code == 0, trusted.output


def test_mint_missing_fields_is_a_usage_error(tmp_path, signing_key) -> None:
    private, _ = write_key_pair(signing_key, tmp_path / "keys")
    result = run("mint", "--key", private, "--signed-at", SIGNED_AT, "--out", tmp_path / "o.json")
    assert result.exit_code == 2
    assert "--arxiv-id" in result.output


def test_mint_invalid_paper_is_a_usage_error(tmp_path, signing_key) -> None:
    private, _ = write_key_pair(signing_key, tmp_path / "keys")
    result = run(
        "mint", "--key", private, "--arxiv-id", "1810.06877", "--version", 0,
        "--title", "T", "--abstract", "A", "--primary-cat", "cs.LG",
        "--submitted-at", "2018-10-16T08:33:33Z", "--signed-at", SIGNED_AT,
        "--out", tmp_path / "o.json",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "version" in result.stderr
    assert not (tmp_path / "o.json").exists()


PAPERS = [
    {"arxiv_id": "2101.00001", "version": 1, "title": "One", "abstract": "First.",
     "submitted_at": "2021-01-02T03:04:05Z", "primary_cat": "cs.CR"},
    {"arxiv_id": "2101.00002", "version": 3, "title": "Tw\u00f6", "abstract": "Second.",
     "submitted_at": "2021-01-03T03:04:05Z", "primary_cat": "cs.LG", "cross_cats": ["cs.CR"],
     "authors": "A. One", "license": "http://creativecommons.org/licenses/by/4.0/"},
    {"arxiv_id": "hep-th/9901001", "version": 1, "title": "Three", "abstract": "Third.",
     "submitted_at": "1999-01-01T00:00:00Z", "primary_cat": "hep-th"},
]  # fmt: skip


@pytest.mark.parametrize("as_list", [False, True], ids=["jsonl", "json-list"])
def test_mint_from_json(tmp_path, signing_key, test_key_file, as_list) -> None:
    private, _ = write_key_pair(signing_key, tmp_path / "mintkeys")
    papers = tmp_path / ("papers.json" if as_list else "papers.jsonl")
    if as_list:
        papers.write_text(json.dumps(PAPERS, indent=1))
    else:
        papers.write_text("\n".join(json.dumps(p) for p in PAPERS) + "\n\n")
    out = tmp_path / "minted.jsonl"
    result = run("mint", "--key", private, "--from-json", papers, "--signed-at", SIGNED_AT,
                 "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "minted 3 record(s)" in result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["source"]["id"] for line in lines] == [p["arxiv_id"] for p in PAPERS]
    verified = run("verify", "--json", "--no-default-keys", "--trust-key", test_key_file, out)
    assert verified.exit_code == 0, verified.output
    summary = json.loads(verified.stdout)["summary"]
    assert (summary["total"], summary["verified"], summary["failed"]) == (3, 3, 0)


def test_mint_from_json_missing_field_is_a_usage_error(tmp_path, signing_key) -> None:
    private, _ = write_key_pair(signing_key, tmp_path / "keys")
    papers = tmp_path / "papers.jsonl"
    papers.write_text(json.dumps({"arxiv_id": "2101.00001"}) + "\n")
    result = run("mint", "--key", private, "--from-json", papers, "--signed-at", SIGNED_AT,
                 "--out", tmp_path / "o.jsonl")  # fmt: skip
    assert result.exit_code == 2
    assert "missing ['abstract'" in result.stderr


def test_mint_from_json_invalid_json_is_a_usage_error(tmp_path, signing_key) -> None:
    private, _ = write_key_pair(signing_key, tmp_path / "keys")
    papers = tmp_path / "papers.jsonl"
    papers.write_text('{"arxiv_id": "2101.00001",\n')
    result = run("mint", "--key", private, "--from-json", papers, "--signed-at", SIGNED_AT,
                 "--out", tmp_path / "o.jsonl")  # fmt: skip
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2
    assert "pithgen: error:" in result.stderr


def test_verify_with_no_record_files_is_a_usage_error(tmp_path) -> None:
    (tmp_path / "README.txt").write_text("no records here", encoding="utf-8")
    result = CliRunner().invoke(main, ["verify", str(tmp_path)])
    assert result.exit_code == 2
    assert "expected record files (.json or .jsonl), found none" in result.output
