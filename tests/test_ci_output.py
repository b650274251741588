"""Output a CI user can act on: failures grouped by cause with what to do, per-document
lines capped, no advice that would publish nothing, the exit status of a build that
would publish zero records, GitHub Actions annotations and job summary, ``build --json``.
Every command runs as a real subprocess (its exit status is what CI sees)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SIGNED_AT, make_paper

from pithgen.causes import KeyAdvice, collect
from pithgen.ghactions import (
    error_command,
    escape_data,
    escape_property,
    fenced,
    job_summary,
    markdown_text,
)
from pithgen.keys import KeyRing, SigningKey, write_key_pair
from pithgen.mint import mint_jsonl
from pithgen.pipeline import verify_paths

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).parent / "fixtures" / "seed-record-4FP6Z27B.json"
MANY = 60


def pithgen(
    *args: object, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, "-m", "pithgen", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**base, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "", **(env or {})},
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def signed_by(key: SigningKey, folder: Path, count: int = MANY, name: str = "many.jsonl") -> Path:
    """``count`` records signed by ``key`` in ``folder/name`` (one JSONL file)."""
    papers = [make_paper(arxiv_id=f"2101.{n:05d}", title=f"Paper {n}") for n in range(1, count + 1)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(f"{x}\n" for x in mint_jsonl(papers, key, signed_at=SIGNED_AT)))
    return path


@pytest.fixture
def untrusted(tmp_path: Path, signing_key: SigningKey) -> Path:
    """A site folder: records/ of MANY records signed by the test key, whose public key
    document is keys/test-key-1.json, and nothing trusting it."""
    signed_by(signing_key, tmp_path / "records")
    write_key_pair(signing_key, tmp_path / "keys")
    return tmp_path


def test_an_untrusted_key_is_one_cause_with_the_file_to_trust(untrusted: Path) -> None:
    proc = pithgen("build", cwd=untrusted)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    # 20 documents of two lines, how many more, the cause, the verdict: not 2 lines each
    assert len(lines) < 50, lines
    assert sum(line.startswith("FAILED ") for line in lines) == 20
    assert (
        f"… and {MANY - 20} more failed documents: `pithgen build --json` lists every one" in lines
    )
    assert "Causes:" in lines
    assert (
        f"  - {MANY} documents are signed by key `test-key-1`, which is not trusted: pass "
        "`--trust-key keys/test-key-1.json` or add it to `[build] trust_keys` in pithgen.toml"
    ) in lines
    assert "--keep-going" not in proc.stderr + proc.stdout  # it would publish nothing
    assert lines[-1].startswith(f"Not built: {MANY} of {MANY} input document(s) failed")
    assert "nothing was written" in lines[-1]
    assert not (untrusted / "site").exists()
    # the advice works
    fixed = pithgen("build", "--trust-key", "keys/test-key-1.json", cwd=untrusted)
    assert fixed.returncode == 0, fixed.stderr
    assert f"{MANY} record(s) published" in fixed.stdout


def test_without_a_key_document_at_hand_the_advice_says_what_to_pass(
    untrusted: Path,
) -> None:
    shutil.rmtree(untrusted / "keys")
    proc = pithgen("build", cwd=untrusted)
    assert proc.returncode == 1
    assert (
        "pass `--trust-key FILE`, FILE the public key document of `test-key-1` "
        "(`test-key-1.json`, as `pithgen keys generate` writes it)"
    ) in proc.stderr


def test_keep_going_that_would_publish_nothing_exits_1_and_keeps_the_old_site(
    untrusted: Path,
) -> None:
    (untrusted / "old").mkdir()
    shutil.copy(SEED, untrusted / "old")
    built = pithgen("build", "--records", "old", cwd=untrusted)
    assert built.returncode == 0, built.stderr
    before = snapshot(untrusted / "site")
    proc = pithgen("build", "--keep-going", cwd=untrusted)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.splitlines()[-1] == (
        f"Not built: none of the {MANY} input documents verified, so --keep-going has "
        f"nothing to publish; {untrusted / 'site'} was left exactly as it was."
    )
    assert snapshot(untrusted / "site") == before
    assert sorted(p.name for p in untrusted.iterdir() if p.name.startswith(".")) == [
        ".pithgen-cache"
    ]


def test_keep_going_is_advised_only_when_it_publishes_something(untrusted: Path) -> None:
    shutil.copy(SEED, untrusted / "records")  # verifies under Pith's built-in key
    proc = pithgen("build", cwd=untrusted)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1].endswith(
        "Fix them, or pass --keep-going to publish the 1 verified record and list the failed ones."
    )
    kept = pithgen("build", "--keep-going", cwd=untrusted)
    assert kept.returncode == 0, kept.stderr
    assert "1 record(s) published" in kept.stdout
    assert f"every one is listed in {untrusted / 'site' / 'verification' / 'index.html'}" in (
        kept.stdout
    )
    # the quick start's end: where the site is and how to look at it
    assert kept.stdout.splitlines()[-1] == (
        "Look at it: open site/index.html in a browser, or run "
        "`pithgen serve` and visit http://127.0.0.1:8000/"
    )


def test_no_default_keys_is_named_as_the_cause(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()
    shutil.copy(SEED, tmp_path / "records")
    proc = pithgen("build", "--no-default-keys", cwd=tmp_path)
    assert proc.returncode == 1
    assert (
        "1 document is signed by Pith's key `pith-v1-2026-05`, which --no-default-keys (or "
        "`default_keys = false` in pithgen.toml) leaves untrusted: drop it to trust them"
    ) in proc.stderr


def test_causes_group_by_key_and_by_check(
    tmp_path: Path, signing_key: SigningKey, impostor_key: SigningKey, other_key: SigningKey
) -> None:
    """Real verdicts: a key id trusted with another key (fingerprint), an untrusted key,
    and tampered titles, each one cause with its count; most frequent first."""
    signed_by(signing_key, tmp_path / "r", 3, "a.jsonl")
    signed_by(other_key, tmp_path / "r", 5, "b.jsonl")
    lines = (tmp_path / "r" / "a.jsonl").read_text().splitlines()
    tampered = []
    for line in lines[:2]:
        doc = json.loads(line)
        doc["paper"]["title"] = "Tampered"
        tampered.append(json.dumps(doc))
    (tmp_path / "r" / "c.jsonl").write_text("".join(f"{x}\n" for x in tampered))
    ring = KeyRing([impostor_key.public("impostor")])  # claims test-key-1, another key
    with verify_paths([tmp_path / "r"], ring) as result:
        failures = collect(result, KeyAdvice(tmp_path, config_option=False), listed=4)
    assert failures.total == 10 and len(failures.listed) == 4
    got = [(c.kind, c.subject, c.count, str(c.first)) for c in failures.causes]
    r = tmp_path / "r"
    assert got == [  # the tampered copies of a.jsonl fail two ways: counted under both
        ("untrusted_key", "test-key-2", 5, f"{r / 'b.jsonl'}:1"),
        ("other_key", "test-key-1", 5, f"{r / 'a.jsonl'}:1"),
        ("check", "title_hash", 2, f"{r / 'c.jsonl'}:1"),
    ]
    assert "[build] trust_keys" not in failures.causes[0].text  # verify reads no config
    assert "`test-key-1` with another key's fingerprint" in failures.causes[1].text


# --- GitHub Actions ------------------------------------------------------------------------


def test_workflow_command_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    command = error_command("x\n::error::forged", file="r/a,b.json", line=3, title="t: 1,2")
    assert command == "::error file=r/a%2Cb.json,line=3,title=t%3A 1%2C2::x%0A::error::forged"
    assert "\n" not in command


def test_markdown_of_the_job_summary_escapes_record_text() -> None:
    assert markdown_text("a <b> & *c* `--trust-key x_y`") == (
        "a &lt;b&gt; &amp; \\*c\\* `--trust-key x_y`"
    )
    block = list(fenced(["has ``` inside", "````"]))
    assert block[0] == "`````text" and block[-1] == "`````"


def test_under_github_actions_failures_are_annotations_and_a_job_summary(
    untrusted: Path,
) -> None:
    bad = json.loads(SEED.read_bytes())
    bad["receipt"]["key_id"] = "evil <script>```\n::error::forged"  # no key id: a check
    (untrusted / "records" / "odd,name:1.json").write_text(json.dumps(bad), encoding="utf-8")
    summary = untrusted / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(untrusted),
    }
    proc = pithgen("build", cwd=untrusted, env=env)
    assert proc.returncode == 1
    commands = [line for line in proc.stderr.splitlines() if line.startswith("::")]
    assert 2 <= len(commands) <= 10
    assert commands[0] == (
        f"::error file=records/many.jsonl,line=1,title=pithgen%3A {MANY} documents failed "
        f"(test-key-1)::{MANY} documents are signed by key test-key-1, which is not trusted: "
        "pass --trust-key keys/test-key-1.json or add it to [build] trust_keys in pithgen.toml"
    )
    # one for the tampered document's cause, one for the document itself (not one per
    # document of the untrusted key)
    named = [c for c in commands if "file=records/odd%2Cname%3A1.json," in c]
    assert len(named) == 2, commands
    assert all(",line=" not in c for c in named)  # a .json document has no line
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### pithgen build: not built")
    assert f"| {MANY + 1} | 0 | {MANY + 1} | 0 | 0 |" in text
    assert "- 60 documents are signed by key `test-key-1`, which is not trusted" in text
    assert "- 1 document fails the `receipt_key` check (the first: odd,name:1.json)" in text
    head, _, rest = text.partition("````text\n")  # a fence longer than the text's ```
    assert "<script>" not in head and "evil <script>```\\n::error::forged" in rest
    assert rest.index("evil") < rest.index("\n````\n")  # inside the block
    assert not any(line.startswith("::error::forged") for line in proc.stderr.splitlines())
    assert "`pithgen build --json`" in text


def test_without_github_actions_there_are_no_workflow_commands(untrusted: Path) -> None:
    summary = untrusted / "summary.md"
    proc = pithgen("build", cwd=untrusted, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 1
    assert "::error" not in proc.stderr + proc.stdout
    assert not summary.exists()


def test_verify_under_github_actions_annotates_too(untrusted: Path) -> None:
    summary = untrusted / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    proc = pithgen("verify", "records", cwd=untrusted, env=env)
    assert proc.returncode == 1
    commands = [line for line in proc.stderr.splitlines() if line.startswith("::error ")]
    assert len(commands) == 1 and "file=records/many.jsonl,line=1," in commands[0]
    assert "[build] trust_keys" not in commands[0]
    assert "### pithgen verify: failed" in summary.read_text(encoding="utf-8")


def test_the_job_summary_of_a_good_build_says_where_the_site_is() -> None:
    text = job_summary("pithgen build: site built", {"total": 2, "verified": 2}, None,
                       ["The site is in `site`."])  # fmt: skip
    assert "| 2 | 2 | 0 | 0 | 0 |" in text and "Causes" not in text
    assert text.endswith("The site is in `site`.\n")


# --- build --json -------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["failed", "written", "up-to-date"])
def test_build_json_is_the_report_of_verify_json(
    untrusted: Path, signing_key: SigningKey, state: str
) -> None:
    args: list[object] = ["build", "--json"]
    if state != "failed":
        args += ["--trust-key", "keys/test-key-1.json"]
    if state == "up-to-date":
        assert pithgen(*args, cwd=untrusted).returncode == 0
    proc = pithgen(*args, cwd=untrusted)
    assert proc.returncode == (1 if state == "failed" else 0), proc.stderr
    report = json.loads(proc.stdout)  # stdout is the report and nothing else
    keys = [] if state == "failed" else ["--trust-key", str(untrusted / "keys/test-key-1.json")]
    verify = pithgen("verify", "--json", ".", *keys, cwd=untrusted / "records")
    expected = json.loads(verify.stdout)
    assert report == expected
    assert list(report) == ["summary", "trusted_keys", "records", "events"]
    summary_line = {"failed": "Not built:", "written": "Built ", "up-to-date": "Up to date:"}
    assert summary_line[state] in proc.stderr


# --- the README: the first command, where records come from, mint --from-json --------------


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_starts_with_a_pep_668_safe_command_and_the_test_command() -> None:
    block = _readme().split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    first, second = (line.split("#", 1)[0].strip() for line in block[:2])
    assert first == (
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/pithgen build"
    )
    assert second == "bash .ci/setup && python3 -m pytest"  # what CI runs: keep it exactly


def test_the_readme_documents_every_field_of_mint_from_json_and_its_example_mints(
    tmp_path: Path, signing_key: SigningKey
) -> None:
    from pithgen.mint import _KNOWN

    text = _readme()
    section = text.split("### Minting your own records", 1)[1].split("\n## ", 1)[0]
    for name in sorted(_KNOWN):
        assert f"| `{name}` |" in section, name
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    (tmp_path / "papers.json").write_text(example, encoding="utf-8")
    private, public = write_key_pair(signing_key, tmp_path / "keys")
    (tmp_path / "records").mkdir()
    minted = pithgen(
        "mint", "--key", private, "--signed-at", SIGNED_AT, "--from-json", "papers.json",
        "--out", "records/mine.jsonl", cwd=tmp_path,
    )  # fmt: skip
    assert minted.returncode == 0, minted.stderr
    built = pithgen("build", "--trust-key", public, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "1 record(s) published" in built.stdout
    assert "pithgen pull https://pith.science" in text.split("## Where Pith records come from")[1]
