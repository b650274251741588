"""pithgen.tlog.note against Go's reference (golang.org/x/mod/sumdb/note, vectors in
tests/fixtures/tlog/go-note-vectors.json) and the C2SP signed-note spec: key ids, verifier
keys, signing byte for byte, the verification rules (unknown keys ignored and named, a bad
signature by a known key refuses the note), strict parsing, and pithgen's Ed25519 rule."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from pithgen.ed25519 import L
from pithgen.errors import LogError
from pithgen.keys import SigningKey
from pithgen.tlog.note import (
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

FIXTURES = Path(__file__).parent / "fixtures" / "tlog"
GO: dict[str, Any] = json.loads((FIXTURES / "go-note-vectors.json").read_text(encoding="utf-8"))
C2SP: dict[str, Any] = json.loads((FIXTURES / "c2sp-examples.json").read_text(encoding="utf-8"))
TEXT: str = GO["text"]
PETER_SIG: str = GO["peter_sig_line"]
ENOCH_SIG: str = GO["enoch_sig_line"]


def peter_signer() -> NoteSigner:
    """The PeterNeumann key of Go's example, from its PRIVATE+KEY+name+id+base64 form."""
    blob = base64.b64decode(GO["peter_skey"].split("+", 4)[4])  # the key may hold "+"
    assert blob[0] == 0x01
    return NoteSigner("PeterNeumann", SigningKey.from_seed("PeterNeumann", blob[1:]))


PETER = NoteVerifier.parse(GO["peter_vkey"])
ENOCH = NoteVerifier.parse(GO["enoch_vkey"])


# --- keys ------------------------------------------------------------------------------------


def test_key_id_and_verifier_key_match_go() -> None:
    signer = peter_signer()
    assert key_id("PeterNeumann", signer.key.public_raw) == int(GO["peter_key_id"], 16)
    assert signer.verifier == PETER
    assert PETER.vkey == GO["peter_vkey"]
    assert ENOCH.key_id == 0xAF0CFE78
    assert ENOCH.vkey == GO["enoch_vkey"]


def test_the_key_id_hashes_name_newline_type_and_key() -> None:
    import hashlib

    digest = hashlib.sha256(b"PeterNeumann\n\x01" + PETER.public_key).digest()
    assert PETER.key_id == int.from_bytes(digest[:4], "big")
    assert key_id("PeterNeumann2", PETER.public_key) != PETER.key_id


def test_every_mangled_verifier_key_is_refused() -> None:
    """Go's TestNewVerifier: every proper substring and every one-byte change fails."""
    vkey = GO["peter_vkey"]
    for i in range(len(vkey) + 1):
        for j in range(i + 1, len(vkey) + 1):
            if (i, j) != (0, len(vkey)):
                with pytest.raises(LogError):
                    NoteVerifier.parse(vkey[i:j])
    for i in range(len(vkey)):
        mangled = vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :]
        with pytest.raises(LogError):
            NoteVerifier.parse(mangled)


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        (GO["bad_vkeys"][0], "expected standard padded base64"),
        (GO["bad_vkeys"][1], r"expected signature type 0x01 \(Ed25519\) in the verifier key"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "expected c74f20a3"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8-hex-digit"),
        ("PeterNeumann+c74f20a3", "expected a verifier key <name>"),
    ],
)
def test_verifier_key_refusals_say_why(vkey: str, message: str) -> None:
    with pytest.raises(LogError, match=message):
        NoteVerifier.parse(vkey, where="keys/log.vkey")


def test_weak_keys_are_refused_by_pithgens_ed25519_rule() -> None:
    identity = (1).to_bytes(32, "little")
    with pytest.raises(LogError, match="small-order point"):
        NoteVerifier.for_key("example.org/log", identity)
    vkey = "example.org/log+{:08x}+{}".format(
        key_id("example.org/log", identity), base64.b64encode(b"\x01" + identity).decode()
    )
    with pytest.raises(LogError, match="refused note key") as caught:
        NoteVerifier.parse(vkey, where="manifest")
    assert caught.value.where == "manifest"


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b", "a\u2003b", "a\tb", "a\nb"])
def test_key_names_without_spaces_or_plus(name: str) -> None:
    with pytest.raises(LogError, match="key name"):
        NoteSigner(name, peter_signer().key)


# --- signing ---------------------------------------------------------------------------------


def test_signing_reproduces_gos_note_byte_for_byte() -> None:
    assert sign_note(TEXT, [peter_signer()]) == GO["peter_signed"] == TEXT + "\n" + PETER_SIG


def test_resigning_replaces_the_signers_old_signature_and_keeps_others() -> None:
    stale = NoteSignature("PeterNeumann", PETER.key_id, b"BAD")
    enoch = parse_note(TEXT + "\n" + ENOCH_SIG).signatures[0]
    assert sign_note(TEXT, [peter_signer()], keep=[stale]) == GO["peter_signed"]
    assert sign_note(TEXT, [peter_signer()], keep=[stale, enoch]) == (
        TEXT + "\n" + ENOCH_SIG + PETER_SIG
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", "ending in a newline"), ("a\x01b\n", "control character"), ("", "newline")],
)
def test_signing_refuses_a_malformed_text(text: str, message: str) -> None:
    with pytest.raises(LogError, match=message):
        sign_note(text, [peter_signer()])


# --- opening ---------------------------------------------------------------------------------


def test_unknown_keys_are_ignored_and_named() -> None:
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    opened = open_note(note, [PETER])
    assert opened.text == TEXT
    assert [s.key for s in opened.verified] == ["PeterNeumann+c74f20a3"]
    assert [s.key for s in opened.unknown] == ["EnochRoot+af0cfe78"]
    both = open_note(note.encode("utf-8"), [PETER, ENOCH])
    assert [s.key for s in both.verified] == ["PeterNeumann+c74f20a3", "EnochRoot+af0cfe78"]
    assert both.unknown == ()
    with pytest.raises(
        LogError,
        match="expected one by none, found signatures by unknown keys "
        "PeterNeumann\\+c74f20a3, EnochRoot\\+af0cfe78",
    ):
        open_note(note, [])


def test_a_note_signed_by_another_key_is_refused_naming_it() -> None:
    other = NoteSigner("PeterNeumann", SigningKey.from_seed("other", bytes(range(32))))
    forged = sign_note(TEXT, [other])
    with pytest.raises(
        LogError,
        match=r"no signature by a trusted key: expected one by "
        r"PeterNeumann\+c74f20a3, found signatures by unknown keys PeterNeumann\+",
    ):
        open_note(forged, [PETER], where="log/checkpoint")


def test_a_bad_signature_by_a_known_key_refuses_the_note() -> None:
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(LogError, match=r"signature by key PeterNeumann\+c74f20a3 does not verify"):
        open_note(TEXT + "\n" + bad, [PETER])
    with pytest.raises(LogError, match="does not verify"):
        open_note(TEXT.replace("cryptography", "cryptographY") + "\n" + PETER_SIG, [PETER])
    # even beside a good one, and even as a repeat
    with pytest.raises(LogError, match="does not verify"):
        open_note(TEXT + "\n" + PETER_SIG + bad, [PETER])


def test_a_malleated_signature_is_refused_by_the_strict_rule() -> None:
    """S + L is the same signature to a lax verifier; pithgen's rule refuses it."""
    signature = parse_note(GO["peter_signed"]).signatures[0]
    s = int.from_bytes(signature.signature[32:], "little") + L
    malleated = NoteSignature(
        signature.name, signature.key_id, signature.signature[:32] + s.to_bytes(32, "little")
    )
    with pytest.raises(LogError, match="S is not reduced modulo the group order"):
        open_note(TEXT + "\n" + malleated.line, [PETER])


def test_repeated_signatures_and_many_signers() -> None:
    opened = open_note(TEXT + "\n" + PETER_SIG * 2 + ENOCH_SIG * 2, [PETER])
    assert len(opened.verified) == 1 and len(opened.unknown) == 1
    signers = [
        NoteSigner(f"k{i}.example", SigningKey.from_seed(f"k{i}", bytes([i]) * 32))
        for i in range(16)
    ]
    opened = open_note(sign_note(TEXT, signers), [s.verifier for s in signers])
    assert len(opened.verified) == 16  # the spec's minimum
    with pytest.raises(LogError, match="at most 100 signatures, found 101"):
        open_note(TEXT + "\n" + PETER_SIG * 101, [PETER])


def test_ambiguous_trusted_keys_are_refused() -> None:
    twin = NoteVerifier.__new__(NoteVerifier)
    object.__setattr__(twin, "name", "PeterNeumann")
    object.__setattr__(twin, "key_id", PETER.key_id)
    object.__setattr__(twin, "public_key", ENOCH.public_key)
    with pytest.raises(
        LogError, match=r"ambiguous trusted keys: two keys named PeterNeumann\+c74f20a3"
    ):
        open_note(GO["peter_signed"], [PETER, twin])


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name")[:-1],
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG.replace("\u2014", "--"),
        TEXT + "\n" + PETER_SIG.replace("=\n", "\n"),  # unpadded base64
        TEXT + "\n" + "\u2014 PeterNeumann AAAA\n",  # too short for a key id and a signature
        TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG,
    ],
    ids=["text-only", "no-signatures", "no-final-newline", "control", "name-with-space",
         "trailing-line", "not-em-dash", "unpadded", "short", "crlf"],
)  # fmt: skip
def test_malformed_notes_are_refused(note: str) -> None:
    """Go's TestOpen bad messages, and a few more."""
    with pytest.raises(LogError):
        open_note(note, [PETER])


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(LogError, match="UTF-8"):
        open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), [PETER])


def test_the_c2sp_example_notes_parse_at_their_last_blank_line() -> None:
    note = parse_note(C2SP["note_example"])
    assert note.text == C2SP["note_example_text"]  # its text holds an empty line
    assert [s.key for s in note.signatures] == ["quasimodo.example/salvatore+367ba04b"]
    assert note.format() == C2SP["note_example"]
    checkpoint = parse_note(C2SP["checkpoint_example"])
    assert [s.name for s in checkpoint.signatures] == [C2SP["checkpoint_example_origin"]]
    assert len(checkpoint.signatures[0].signature) == 64
    with pytest.raises(LogError, match=r"unknown keys quasimodo\.example/salvatore\+367ba04b"):
        open_note(C2SP["note_example"], [PETER])
