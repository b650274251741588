"""pithgen.tlog.proof: c2sp.org/tlog-proof@v1 files made from a log's tiles verify offline
with the log's key alone, round trip through their text, and are refused when tampered with,
moved onto another checkpoint or entry, or backed by a checkpoint another key signed. The
last test walks a mirror's log end to end: build, sign, prove, grow, audit."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from pithgen.canonical import suffix_for
from pithgen.errors import LogError
from pithgen.keys import SigningKey
from pithgen.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from pithgen.tlog.entry import LogEntry, parse_entry
from pithgen.tlog.merkle import consistency_proof, verify_consistency
from pithgen.tlog.note import NoteSigner
from pithgen.tlog.proof import HEADER, TlogProof, make_proof, parse_proof, verify_proof
from pithgen.tlog.tiles import TileReader, build, extend, folder_fetch, verify_tiles

ORIGIN = "mirror.example.org/log"
SIGNER = NoteSigner(ORIGIN, SigningKey.from_seed("mirror", bytes(range(32))))
OTHER = NoteSigner(ORIGIN, SigningKey.from_seed("other", bytes(range(1, 33))))
KEYS = [SIGNER.verifier]


def entry(n: int) -> bytes:
    digest = bytes([n % 256]) * 31 + bytes([n // 256])
    pith = f"pith:2024:{suffix_for(digest.hex())}"
    return LogEntry.for_file("record", pith, digest.hex(), f"record {n}".encode()).encode()


ENTRIES = [entry(n) for n in range(300)]


def log_of(entries: list[bytes], signer: NoteSigner = SIGNER) -> tuple[dict[str, bytes], str]:
    update = build(entries)
    signed = sign_checkpoint(Checkpoint(ORIGIN, update.size, update.root), signer)
    return dict(update.write), signed


def proof_text(files: dict[str, bytes], size: int, index: int, signed: str) -> str:
    return make_proof(index, TileReader(size, files.__getitem__).node, signed).text()


@pytest.fixture(scope="module")
def log() -> tuple[dict[str, bytes], str]:
    return log_of(ENTRIES)


def test_every_entry_has_a_proof_that_verifies(log: tuple[dict[str, bytes], str]) -> None:
    files, signed = log
    for index in (0, 1, 2, 127, 255, 256, 298, 299):
        text = proof_text(files, 300, index, signed)
        assert text.startswith(f"{HEADER}\nindex {index}\n")
        assert text.endswith("\n\n" + signed)
        verified = verify_proof(text, ENTRIES[index], KEYS, ORIGIN)
        assert (verified.index, verified.checkpoint.size, verified.extra) == (index, 300, None)
        assert parse_proof(text).text() == text


def test_a_proof_round_trips_with_extra_data(log: tuple[dict[str, bytes], str]) -> None:
    files, signed = log
    proof = parse_proof(proof_text(files, 300, 7, signed))
    with_extra = TlogProof(proof.index, proof.hashes, proof.checkpoint, b"context")
    text = with_extra.text()
    assert text.split("\n")[1] == "extra " + base64.b64encode(b"context").decode()
    assert parse_proof(text.encode()) == with_extra
    assert verify_proof(text, ENTRIES[7], KEYS, ORIGIN).extra == b"context"


def test_a_tampered_proof_is_refused(log: tuple[dict[str, bytes], str]) -> None:
    files, signed = log
    text = proof_text(files, 300, 5, signed)
    lines = text.split("\n")
    hash_line = lines[2]
    raw = base64.b64decode(hash_line)
    tampered = text.replace(hash_line, base64.b64encode(bytes([raw[0] ^ 1]) + raw[1:]).decode())
    with pytest.raises(LogError, match="does not lead to the root") as caught:
        verify_proof(tampered, ENTRIES[5], KEYS, ORIGIN, where="pith/X.json.tlog-proof")
    assert caught.value.where == "pith/X.json.tlog-proof"
    with pytest.raises(LogError, match="does not lead to the root"):
        verify_proof(text.replace("index 5\n", "index 6\n"), ENTRIES[5], KEYS, ORIGIN)
    with pytest.raises(LogError, match="does not lead to the root"):
        verify_proof(text, ENTRIES[6], KEYS, ORIGIN)
    with pytest.raises(LogError, match="does not verify"):
        verify_proof(text.replace("\n300\n", "\n301\n"), ENTRIES[5], KEYS, ORIGIN)


def test_a_proof_moved_onto_another_checkpoint_is_refused(
    log: tuple[dict[str, bytes], str],
) -> None:
    _files, signed = log
    smaller_files, smaller = log_of(ENTRIES[:200])
    proof = parse_proof(proof_text(smaller_files, 200, 5, smaller))
    moved = TlogProof(proof.index, proof.hashes, signed).text()
    with pytest.raises(LogError, match="expected 9 hashes, found 8"):
        verify_proof(moved, ENTRIES[5], KEYS, ORIGIN)
    same_depth_files, same_depth = log_of(ENTRIES[:299])
    proof = parse_proof(proof_text(same_depth_files, 299, 5, same_depth))
    with pytest.raises(LogError, match="does not lead to the root of the tree of size 300"):
        verify_proof(TlogProof(5, proof.hashes, signed).text(), ENTRIES[5], KEYS, ORIGIN)


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    files, forged = log_of(ENTRIES, OTHER)
    text = proof_text(files, 300, 5, forged)
    with pytest.raises(LogError, match="no signature by a trusted key"):
        verify_proof(text, ENTRIES[5], KEYS, ORIGIN)
    assert verify_proof(text, ENTRIES[5], [OTHER.verifier], ORIGIN).index == 5
    with pytest.raises(LogError, match="expected a checkpoint of log 'elsewhere'"):
        verify_proof(text, ENTRIES[5], [OTHER.verifier], "elsewhere")


def test_no_proof_is_made_against_a_checkpoint_of_another_tree(
    log: tuple[dict[str, bytes], str],
) -> None:
    _files, signed = log
    other_files, _ = log_of([*ENTRIES[:-1], entry(999)])
    with pytest.raises(LogError, match="but the checkpoint says"):
        make_proof(0, TileReader(300, other_files.__getitem__).node, signed)


VALID = f"{HEADER}\nindex 0\n\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("c2sp.org/tlog-proof@v2\nindex 0\n\n", "expected the header"),
        (HEADER, "expected the header 'c2sp.org/tlog-proof@v1' ending in a newline"),
        (f"{HEADER}\n\n\n", "expected 'index <decimal"),
        (f"{HEADER}\nindex 01\n\n", "found 'index 01'"),
        (f"{HEADER}\nindex -5\n\n", "found 'index -5'"),
        (f"{HEADER}\nindex notanumber\n\n", "found 'index notanumber'"),
        (f"{HEADER}\nindex  5\n\n", "found 'index  5'"),
        (f"{HEADER}\nindex {'9' * 5000}\n\n", "below 2\\*\\*64"),  # beyond int()'s limit
        (f"{HEADER}\nindex {2**64 * 10}\n\n", "below 2\\*\\*64"),
        (f"{HEADER}\nextra !!notbase64!!\nindex 0\n\n", "extra data: expected standard"),
        (f"{HEADER}\nindex 0\n!!notbase64!!\n\n", "proof hash 0: expected standard"),
        (f"{HEADER}\nindex 0\n{base64.b64encode(bytes(64)).decode()}\n\n", "found 64"),
        (f"{HEADER}\nindex 0\n{base64.b64encode(bytes(32)).decode()}", "ending in a newline"),
        (VALID, "expected a signed checkpoint after the empty line, found none"),
        (VALID + "origin\n1\nroot\n", "found no blank line"),
    ],
)
def test_malformed_proofs_are_refused(text: str, message: str) -> None:
    with pytest.raises(LogError, match=message):
        parse_proof(text)


def test_too_many_hashes_and_bad_utf8_are_refused() -> None:
    line = base64.b64encode(bytes(32)).decode() + "\n"
    with pytest.raises(LogError, match="at most 64 proof hashes"):
        parse_proof(f"{HEADER}\nindex 0\n{line * 65}\n")
    with pytest.raises(LogError, match="UTF-8"):
        parse_proof(HEADER.encode() + b"\n\xff")


def test_a_mirror_log_end_to_end(tmp_path: Path) -> None:
    """Build, sign, publish a proof per entry, grow in two builds, then audit from the
    files alone: the tiles recompute the checkpoint, the checkpoint verifies, the older
    checkpoint is consistent with the newer one, and every proof verifies."""
    site = tmp_path / "log"
    checkpoints = []
    size = 0
    for batch in (ENTRIES[:100], ENTRIES[100:]):
        update = extend(size, folder_fetch(site), batch)
        for path in update.remove:
            (site / path).unlink()
        for path, data in update.write.items():
            (site / path).parent.mkdir(parents=True, exist_ok=True)
            (site / path).write_bytes(data)
        signed = sign_checkpoint(Checkpoint(ORIGIN, update.size, update.root), SIGNER)
        (site / "checkpoint").write_text(signed, encoding="utf-8")
        checkpoints.append(signed)
        size = update.size
    assert (site / "tile/0/001.p/44").is_file() and not (site / "tile/0/000.p/100").exists()

    # the audit: everything from the files and the log's public key
    fetch = folder_fetch(site)
    head = open_checkpoint(fetch("checkpoint"), KEYS, ORIGIN).checkpoint
    verified = verify_tiles(head.size, fetch)
    assert verified.root == head.root_hash
    old = open_checkpoint(checkpoints[0], KEYS, ORIGIN).checkpoint
    proof = consistency_proof(old.size, head.size, TileReader(head.size, fetch).node)
    verify_consistency(old.size, head.size, old.root_hash, head.root_hash, proof)
    for index, data in enumerate(verified.entries):
        assert parse_entry(data, where=f"entry {index}").kind == "record"
        text = make_proof(index, verified.tree.node, fetch("checkpoint").decode()).text()
        assert verify_proof(text, data, KEYS, ORIGIN).index == index
