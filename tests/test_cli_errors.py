"""The command line's error model: one handler, documented exit codes (0 ok, 1 a record
failed, 2 usage/configuration/I-O, 3 internal error, 130 Ctrl-C, 143 SIGTERM), a one-line
message (the traceback only under ``--verbose``), nothing left behind by an interrupted
build, and one key-id rule for every command."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SIGNED_AT, make_paper

from pithgen import errors
from pithgen.cli import main
from pithgen.clierrors import interrupts
from pithgen.keys import SigningKey, write_key_pair
from pithgen.mint import mint_jsonl
from pithgen.write import SiteWriter

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed-record-4FP6Z27B.json"
ROOT = Path(__file__).resolve().parent.parent


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def hidden_leftovers(folder: Path) -> list[str]:
    """Staging, work, old-site and lock files a build creates beside its output folder
    (the build cache, which is meant to stay, aside)."""
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != ".pithgen-cache"
    )


@pytest.fixture
def old_site(tmp_path: Path) -> Path:
    """``tmp_path/site``, built from ``tmp_path/records`` holding the seed record."""
    records = tmp_path / "records"
    records.mkdir()
    shutil.copy(SEED, records)
    done = run("build", "--records", records, "--out", tmp_path / "site")
    assert done.exit_code == 0, done.output
    return tmp_path / "site"


# --- internal errors (exit 3) ------------------------------------------------------------


def _broken_verify_paths(*args: object, **kwargs: object) -> object:
    """A collaborator with a genuine bug: a real TypeError from the standard library."""
    return len(5)  # type: ignore[arg-type]


def test_an_unexpected_exception_is_exit_3_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("pithgen.verifycommand.verify_paths", _broken_verify_paths)
    result = run("verify", SEED)
    assert result.exit_code == errors.EXIT_INTERNAL == 3
    assert result.stderr == (
        "pithgen: internal error: TypeError: object of type 'int' has no len() "
        "(run with --verbose for the traceback; please report it)\n"
    )
    assert result.stdout == ""


@pytest.mark.parametrize("flag", ["--verbose", "-v"])
def test_verbose_prints_the_traceback_of_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    monkeypatch.setattr("pithgen.verifycommand.verify_paths", _broken_verify_paths)
    result = run(flag, "verify", SEED)
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert "_broken_verify_paths" in result.stderr  # the frame where it happened
    assert lines[-2] == "TypeError: object of type 'int' has no len()"
    assert lines[-1] == (
        "pithgen: internal error: TypeError: object of type 'int' has no len() "
        "(please report it, with the traceback above)"
    )


def test_verbose_changes_nothing_when_all_is_well() -> None:
    quiet, verbose = run("verify", SEED), run("-v", "verify", SEED)
    assert quiet.exit_code == verbose.exit_code == 0
    assert quiet.output == verbose.output


def test_an_internal_error_mid_build_leaves_the_old_site(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, old_site: Path
) -> None:
    before = snapshot(old_site)

    def commit(self: SiteWriter) -> None:
        raise RuntimeError("swap\nfailed")

    monkeypatch.setattr(SiteWriter, "commit", commit)
    result = run(
        "build", "--records", tmp_path / "records", "--out", old_site, "--title", "New",
        "--no-cache",
    )  # fmt: skip
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "pithgen: internal error: RuntimeError: swap failed "
        "(run with --verbose for the traceback; please report it)"
    ]
    assert snapshot(old_site) == before
    assert hidden_leftovers(tmp_path) == []


# --- errors pithgen expects (exit 2) and click's own ---------------------------------------


def test_an_os_error_is_exit_2_naming_the_path(tmp_path: Path, signing_key: SigningKey) -> None:
    private, _ = write_key_pair(signing_key, tmp_path / "keys")
    out = tmp_path / "no-such-folder" / "out.json"
    result = run(
        "mint", "--key", private, "--arxiv-id", "2101.00001", "--version", 1,
        "--title", "T", "--abstract", "A", "--primary-cat", "cs.CR",
        "--submitted-at", "2021-01-02T03:04:05Z", "--signed-at", SIGNED_AT, "--out", out,
    )  # fmt: skip
    assert result.exit_code == errors.EXIT_USAGE == 2
    assert result.stderr.startswith("pithgen: error: [Errno 2] No such file or directory")
    assert str(out) in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_clicks_usage_errors_and_help_pass_through() -> None:
    assert run("verify", "--no-such-option", SEED).exit_code == 2
    assert run("frobnicate").exit_code == 2
    helped = run("build", "--help")
    assert helped.exit_code == 0 and "--keep-going" in helped.output
    assert "130" in run("--help").output


# --- one key-id rule ---------------------------------------------------------------------


def _public_key_document(tmp_path: Path, key_id: str) -> Path:
    """A valid public key document whose key id is ``key_id``."""
    _, public = write_key_pair(SigningKey.from_seed("reg-1", bytes(32)), tmp_path / "k")
    doc = json.loads(public.read_text(encoding="utf-8"))
    path = tmp_path / "k" / "spaced.json"
    path.write_text(json.dumps(dict(doc, key_id=key_id)), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["keys generate", "mint", "verify", "build", "serve"])
def test_every_command_refuses_a_key_id_that_cannot_name_a_file(
    tmp_path: Path, command: str
) -> None:
    records = tmp_path / "records"
    records.mkdir()
    shutil.copy(SEED, records)
    out = tmp_path / "site"
    if command == "keys generate":
        args: list[object] = ["keys", "generate", "--key-id", "my key", "--out", tmp_path / "new"]
        where = "--key-id"
    elif command == "mint":
        private, _ = write_key_pair(SigningKey.from_seed("reg-1", bytes(32)), tmp_path / "k")
        document = json.loads(private.read_text(encoding="utf-8"))
        private.write_text(json.dumps({**document, "key_id": "my key"}), encoding="utf-8")
        args = ["mint", "--key", private, "--from-json", SEED, "--signed-at", SIGNED_AT,
                "--out", tmp_path / "o.jsonl"]  # fmt: skip
        where = str(private)
    else:
        key = _public_key_document(tmp_path, "my key")
        args = [command, "--trust-key", key]
        args += [records] if command == "verify" else ["--records", records, "--out", out]
        where = str(key)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"pithgen: error: {where}: key id 'my key' cannot name a file: expected 1 to 128 "
        "letters, digits, '.', '_' or '-', starting with a letter or digit and not ending "
        "with '.'"
    ]
    assert not (tmp_path / "new").exists() and not (tmp_path / "o.jsonl").exists()
    assert not out.exists()


@pytest.mark.parametrize(
    ("key_id", "accepted"),
    [
        ("reg-1", True),
        ("pith-v1-2026-05", True),
        ("A.b_c-9", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("-lead", False),
        (".hidden", False),
        ("../evil", False),
        ("a/b", False),
        ("café", False),
        ("", False),
        ("key.", False),
        ("CON", False),
        ("nul.json", False),
        ("Lpt1", False),
        ("console", True),
        ("com10", True),
    ],
)
def test_the_key_id_rule(tmp_path: Path, key_id: str, accepted: bool) -> None:
    result = run("keys", "generate", "--key-id", key_id, "--out", tmp_path)
    assert result.exit_code == (0 if accepted else 2), result.output
    assert (tmp_path / f"{key_id}.json").is_file() is accepted


# --- interrupted builds (130, 143) -------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    ("signum", "code", "message"),
    [
        (signal.SIGINT, errors.EXIT_INTERRUPTED, "pithgen: interrupted"),
        (signal.SIGTERM, errors.EXIT_TERMINATED, "pithgen: terminated"),
    ],
    ids=["SIGINT", "SIGTERM"],
)
def test_an_interrupted_build_leaves_the_old_site_and_nothing_else(
    tmp_path: Path, old_site: Path, signing_key: SigningKey, signum: int, code: int, message: str
) -> None:
    """A real ``python3 -m pithgen build`` over a few thousand records, signalled while it
    writes pages (pass 2): the documented exit code, the old site byte for byte, and no
    staging folder, work folder or lock file beside it."""
    before = snapshot(old_site)
    _, public = write_key_pair(signing_key, tmp_path / "keys")
    papers = [make_paper(arxiv_id=f"2101.{n:05d}", title=f"Paper {n}") for n in range(1, 2001)]
    lines = mint_jsonl(papers, signing_key, signed_at=SIGNED_AT)
    (tmp_path / "records" / "many.jsonl").write_text("".join(f"{x}\n" for x in lines))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pithgen", "build", "--records", "records", "--out", "site",
         "--trust-key", str(public), "--title", "New"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),  # this checkout's pithgen
    )  # fmt: skip
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            staged = [p for p in tmp_path.glob(".site.pithgen-*") if "-work-" not in p.name]
            if any((p / "pith").is_dir() for p in staged):  # pass 2 is writing pages
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the build ended before it could be interrupted"
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, stderr
    assert stderr == message + "\n"
    assert stdout == ""
    assert snapshot(old_site) == before
    assert hidden_leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".pithgen-cache",
        "keys",
        "records",
        "site",
    ]


# --- the documentation -------------------------------------------------------------------


def test_the_readme_documents_every_exit_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in (
        errors.EXIT_OK,
        errors.EXIT_VERIFICATION_FAILED,
        errors.EXIT_USAGE,
        errors.EXIT_INTERNAL,
        errors.EXIT_INTERRUPTED,
        errors.EXIT_TERMINATED,
    ):
        assert f"| {code} |" in readme, code
    assert "--verbose" in readme


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_also_sets_the_stop_event_and_handlers_are_restored(signum: int) -> None:
    """The server polls ``stop``, so it ends even if the exception is lost (raised inside a
    ``__del__``, where Python only prints it)."""
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    stop = threading.Event()
    with pytest.raises(KeyboardInterrupt) as info, interrupts(stop):
        os.kill(os.getpid(), signum)
        for _ in range(10_000):  # the handler runs between bytecodes
            time.sleep(0.001)
    assert stop.is_set()
    assert (type(info.value) is KeyboardInterrupt) is (signum == signal.SIGINT)
    assert {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)} == before
