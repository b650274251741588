"""pithgen.tlog.checkpoint: the C2SP checkpoint body, its published examples (Go's tree note,
the C2SP spec's checkpoint), strict parsing, round trips, origins, and signed checkpoints
opened under the right key and log only."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pithgen.errors import LogError
from pithgen.keys import SigningKey
from pithgen.tlog.checkpoint import (
    Checkpoint,
    check_origin,
    open_checkpoint,
    origin_from_url,
    parse_checkpoint,
    sign_checkpoint,
)
from pithgen.tlog.merkle import leaf_hash
from pithgen.tlog.note import NoteSigner, parse_note

FIXTURES = Path(__file__).parent / "fixtures" / "tlog"
GO: dict[str, Any] = json.loads((FIXTURES / "go-note-vectors.json").read_text(encoding="utf-8"))
C2SP: dict[str, Any] = json.loads((FIXTURES / "c2sp-examples.json").read_text(encoding="utf-8"))
ROOT = leaf_hash(b"hello world")
ORIGIN = "mirror.example.org/log"
SIGNER = NoteSigner(ORIGIN, SigningKey.from_seed("mirror", bytes(range(32))))
OTHER = NoteSigner(ORIGIN, SigningKey.from_seed("other", bytes(range(1, 33))))


def test_gos_tree_note_is_a_checkpoint_body() -> None:
    text = GO["tree_note_text"]
    checkpoint = Checkpoint("go.sum database tree", GO["tree_note_size"], ROOT)
    assert checkpoint.text() == text
    assert parse_checkpoint(text) == checkpoint
    for bad in GO["bad_tree_notes"]:
        with pytest.raises(LogError):
            parse_checkpoint(bad)


def test_the_c2sp_example_checkpoint() -> None:
    checkpoint = parse_checkpoint(parse_note(C2SP["checkpoint_example"]).text)
    assert checkpoint.origin == C2SP["checkpoint_example_origin"]
    assert checkpoint.size == C2SP["checkpoint_example_size"]
    assert len(checkpoint.root_hash) == 32 and checkpoint.extensions == ()
    assert checkpoint.text() + "\n" in C2SP["checkpoint_example"]


def test_extension_lines_and_the_empty_tree() -> None:
    text = f"{ORIGIN}\n0\n{base64.b64encode(ROOT).decode()}\nfirst ext\nsecond\n"
    checkpoint = parse_checkpoint(text)
    assert (checkpoint.size, checkpoint.extensions) == (0, ("first ext", "second"))
    assert checkpoint.text() == text


ROOT64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{ORIGIN}\n5\n{ROOT64}", "ending in a newline"),
        (f"{ORIGIN}\n5\n", "at least 3 lines"),
        (f"\n5\n{ROOT64}\n", "non-empty line 1"),
        (f"{ORIGIN}\n5\n{ROOT64}\n\n", "non-empty line 4"),
        (f"{ORIGIN}\n5\n{ROOT64}\n\next\n", "non-empty line 4"),
        (f"{ORIGIN}\n05\n{ROOT64}\n", "without leading zeros, found '05'"),
        (f"{ORIGIN}\n00\n{ROOT64}\n", "found '00'"),
        (f"{ORIGIN}\n-1\n{ROOT64}\n", "found '-1'"),
        (f"{ORIGIN}\n+5\n{ROOT64}\n", "found '\\+5'"),
        (f"{ORIGIN}\n 5\n{ROOT64}\n", "found ' 5'"),
        (f"{ORIGIN}\n0x5\n{ROOT64}\n", "found '0x5'"),
        (f"{ORIGIN}\n1e3\n{ROOT64}\n", "found '1e3'"),
        (f"{ORIGIN}\n\u0665\n{ROOT64}\n", "in decimal"),
        (f"{ORIGIN}\n{2**64}\n{ROOT64}\n", "in decimal"),
        (f"{ORIGIN}\n{'9' * 5000}\n{ROOT64}\n", "in decimal"),  # beyond int()'s 4,300 digits
        (f"{ORIGIN}\n5\n{ROOT64[:-1]}\n", "standard padded base64"),
        (f"{ORIGIN}\n5\n{ROOT64[:-2]}1=\n", "standard padded base64"),  # stray low bits
        (f"{ORIGIN}\n5\n{ROOT64[:-1]}=x\n", "standard padded base64"),
        (f"{ORIGIN}\n5\n{base64.b64encode(ROOT[:31]).decode()}\n", "32-byte root hash, found 31"),
        (f"{ORIGIN}\r\n5\n{ROOT64}\n", "control characters"),
        (f"{ORIGIN}\n5\n{ROOT64}\next\tension\n", "control characters"),
    ],
)
def test_malformed_checkpoints_are_refused(text: str, message: str) -> None:
    with pytest.raises(LogError, match=message) as caught:
        parse_checkpoint(text, where="log/checkpoint")
    assert caught.value.where == "log/checkpoint"


LINE = st.text(st.characters(min_codepoint=0x20, exclude_characters="\x7f"), min_size=1)


@given(LINE, st.integers(0, 2**64 - 1), st.binary(min_size=32, max_size=32), st.lists(LINE))
def test_checkpoints_round_trip(origin: str, size: int, root: bytes, ext: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(ext))
    assert parse_checkpoint(checkpoint.text()) == checkpoint


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://mirror.example.org/log", "mirror.example.org/log"),
        ("https://Mirror.Example.org/pith/log/", "mirror.example.org/pith/log"),
        ("http://example.org:8080/log//", "example.org:8080/log"),
        ("HTTPS://example.org", "example.org"),
        ("https://user.github.io/Pith-Mirror/log", "user.github.io/Pith-Mirror/log"),
    ],
)
def test_origin_from_url(url: str, origin: str) -> None:
    assert origin_from_url(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "file:///tmp/site/log",
        "/log",
        "log",
        "",
        "https://example.org/log?x=1",
        "https://example.org/log#top",
        "https://user@example.org/log",
        "https://exa mple.org/log",
        "https://example.org/a+b",
        "ftp://example.org/log",
    ],
)
def test_no_origin_from_urls_that_are_not_a_log_prefix(url: str) -> None:
    with pytest.raises(LogError):
        origin_from_url(url)


@pytest.mark.parametrize(
    "origin", ["https://example.org/log", "example.org/log/", "a b", "a+b", ""]
)
def test_pithgen_signs_only_recommended_origins(origin: str) -> None:
    with pytest.raises(LogError):
        check_origin(origin)


def test_signed_checkpoint_opens_under_its_key_and_origin_only() -> None:
    checkpoint = Checkpoint(ORIGIN, 42, ROOT)
    signed = sign_checkpoint(checkpoint, SIGNER)
    assert signed.startswith(checkpoint.text() + "\n\u2014 mirror.example.org/log ")
    opened = open_checkpoint(signed, [SIGNER.verifier], ORIGIN)
    assert opened.checkpoint == checkpoint and opened.text == signed
    assert open_checkpoint(signed.encode(), [SIGNER.verifier]).checkpoint == checkpoint
    with pytest.raises(LogError, match="no signature by a trusted key"):
        open_checkpoint(signed, [OTHER.verifier], ORIGIN)
    with pytest.raises(LogError, match=r"expected a checkpoint of log 'other\.example/log'"):
        open_checkpoint(signed, [SIGNER.verifier], "other.example/log")
    grown = signed.replace("\n42\n", "\n43\n")
    with pytest.raises(LogError, match="does not verify"):
        open_checkpoint(grown, [SIGNER.verifier], ORIGIN)


def test_a_log_signs_under_its_origin() -> None:
    with pytest.raises(LogError, match=r"expected key name 'mirror\.example\.org/log'"):
        sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), NoteSigner("someone.else", SIGNER.key))
    with pytest.raises(LogError):
        sign_checkpoint(Checkpoint("go.sum database tree", 1, ROOT), SIGNER)


def test_checkpoint_fields_are_checked_when_built() -> None:
    with pytest.raises(LogError, match="tree size from 0 to 2\\*\\*64 - 1"):
        Checkpoint(ORIGIN, -1, ROOT)
    with pytest.raises(LogError, match="32-byte root hash, found 3 bytes"):
        Checkpoint(ORIGIN, 1, b"abc")
    with pytest.raises(LogError, match="non-empty origin"):
        Checkpoint("", 1, ROOT)
    with pytest.raises(LogError, match="extension line"):
        Checkpoint(ORIGIN, 1, ROOT, ("a\nb",))
