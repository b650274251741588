"""docs/log.md stays true: its example entry, checkpoint, verifier key and tile paths are
what pithgen.tlog produces, and its by-hand verification code runs against a real log (and
fails on a forged one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pithgen.keys import SigningKey
from pithgen.tlog.checkpoint import Checkpoint, sign_checkpoint
from pithgen.tlog.entry import LogEntry
from pithgen.tlog.note import NoteSigner
from pithgen.tlog.tiles import build, bundles_for_size, tiles_for_size

DOC = (Path(__file__).resolve().parent.parent / "docs" / "log.md").read_text(encoding="utf-8")
ORIGIN = "mirror.example.org/log"
SIGNER = NoteSigner(ORIGIN, SigningKey.from_seed("mirror", bytes(range(32))))
EXAMPLE = LogEntry.for_file(
    "record",
    "pith:2018:M4NI2KXAZCOWQTM4MGTRDHNEU2",
    "671a8d2ae0c89d684d9c61a7119da4a6b56528964dfb179af3b093ddce1781a0",
    b"{}",
)


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def test_the_example_entry_checkpoint_and_key() -> None:
    plain = blocks("")
    assert EXAMPLE.encode().decode() == plain[0]
    signed = sign_checkpoint(Checkpoint(ORIGIN, 1, build([EXAMPLE.encode()]).root), SIGNER)
    assert signed == plain[1]
    assert f"`{SIGNER.verifier.vkey}`" in DOC
    assert f'VKEY = "{SIGNER.verifier.vkey}"' in DOC


def test_the_tile_example() -> None:
    paths = [t.path for t in tiles_for_size(70000)] + [b.path for b in bundles_for_size(70000)]
    for path in re.findall(r"`(tile/[^`]+)`", DOC[DOC.index("a log of 70,000") :][:400]):
        assert path in paths


def run_snippet(log: Path, vkey: str) -> dict[str, object]:
    code = blocks("python")[0]
    code = code.replace('pathlib.Path("site/log")', f"pathlib.Path({str(log)!r})")
    code = code.replace(SIGNER.verifier.vkey, vkey)
    namespace: dict[str, object] = {}
    exec(compile(code, "docs/log.md", "exec"), namespace)
    return namespace


def write_log(folder: Path, entries: list[bytes], signer: NoteSigner) -> None:
    update = build(entries)
    for path, data in update.write.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    signed = sign_checkpoint(Checkpoint(ORIGIN, update.size, update.root), signer)
    (folder / "checkpoint").write_text(signed, encoding="utf-8")


def test_the_hand_verification_runs_and_finds_published_files(tmp_path: Path) -> None:
    published = [f'{{"n": {n}}}'.encode() for n in range(600)]
    entries = [
        LogEntry.for_file("record", EXAMPLE.pith_number, EXAMPLE.canonical_sha256, p).encode()
        for p in published
    ]
    write_log(tmp_path, entries, SIGNER)
    namespace = run_snippet(tmp_path, SIGNER.verifier.vkey)
    logged = namespace["logged"]
    assert callable(logged)
    assert logged(published[599]) and not logged(b'{"n": 600}')


def test_the_hand_verification_refuses_a_forged_log(tmp_path: Path) -> None:
    forger = NoteSigner(ORIGIN, SigningKey.from_seed("forger", bytes(32)))
    write_log(tmp_path, [EXAMPLE.encode()], forger)
    with pytest.raises(AssertionError, match="no signature by the mirror's key"):
        run_snippet(tmp_path, SIGNER.verifier.vkey)
    write_log(tmp_path, [EXAMPLE.encode()], SIGNER)
    (tmp_path / "tile/entries/000.p/1").write_bytes(b"\x00\x01x")
    with pytest.raises(AssertionError):
        run_snippet(tmp_path, SIGNER.verifier.vkey)
