"""Keys (pithgen.keys) and minting (pithgen.mint)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pithgen.canonical import canon_text, canonical_sha256
from pithgen.cli import main
from pithgen.errors import KeyFileError, UsageError
from pithgen.keys import (
    KeyRing,
    SigningKey,
    fingerprint_b32,
    fingerprint_hex,
    key_from_dict,
    load_key_file,
    load_signing_key,
    write_key_pair,
)
from pithgen.mint import Paper, mint_record

FIXTURES = Path(__file__).parent / "fixtures"


def _pith_key_doc() -> dict[str, Any]:
    return json.loads((FIXTURES / "pith-public-key.json").read_text())


# --- key generation ----------------------------------------------------------------------


def test_keys_generate_writes_private_0600_and_a_loadable_public_document(tmp_path) -> None:
    out = tmp_path / "keys"
    result = CliRunner().invoke(
        main, ["keys", "generate", "--key-id", "reg-2026", "--out", str(out), "--signer-id", "me"]
    )
    assert result.exit_code == 0, result.output
    private, public = out / "reg-2026.private.json", out / "reg-2026.json"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    trusted = load_key_file(public)
    assert trusted.key_id == "reg-2026"
    assert trusted.signer_id == "me"
    signing = load_signing_key(private)
    assert signing.public_raw == trusted.raw
    # The public document carries both fingerprints, consistent with the key.
    doc = json.loads(public.read_text())
    assert doc["fingerprint_sha256_hex"] == fingerprint_hex(trusted.raw)
    assert doc["fingerprint_sha256_b32_first128bits"] == fingerprint_b32(trusted.raw)
    assert "private_key_hex" not in doc
    # What it signs verifies under the public document.
    message = bytes(range(32))
    assert trusted.verify(signing.sign(message), message)
    assert not trusted.verify(signing.sign(message), bytes(32))


def test_keys_generate_refuses_to_overwrite(tmp_path) -> None:
    out = tmp_path / "keys"
    args = ["keys", "generate", "--key-id", "reg", "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2
    assert "refusing to overwrite" in again.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_write_key_pair_refuses_if_only_the_public_file_exists(tmp_path, signing_key) -> None:
    (tmp_path / f"{signing_key.key_id}.json").write_text("{}")
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        write_key_pair(signing_key, tmp_path)
    assert not (tmp_path / f"{signing_key.key_id}.private.json").exists()


@pytest.mark.parametrize("key_id", ["../escape", "a/b", ".", "..", "a\\b", ""])
def test_a_signing_key_refuses_path_like_key_ids(tmp_path, key_id) -> None:
    with pytest.raises(KeyFileError, match="cannot name a file"):
        write_key_pair(SigningKey.from_seed(key_id, bytes(32)), tmp_path)
    assert not any(tmp_path.iterdir())


def test_from_seed_is_deterministic(signing_key) -> None:
    again = SigningKey.from_seed("test-key-1", bytes(range(32)))
    assert again.public_raw == signing_key.public_raw
    assert again.sign(b"x" * 32) == signing_key.sign(b"x" * 32)


def test_written_key_pair_round_trips(tmp_path, signing_key) -> None:
    private, public = write_key_pair(signing_key, tmp_path, signer_id="tests")
    assert load_signing_key(private).public_raw == signing_key.public_raw
    assert load_key_file(public).raw == signing_key.public_raw


# --- key documents -----------------------------------------------------------------------


def test_published_key_document_loads() -> None:
    key = key_from_dict(_pith_key_doc(), "fixture")
    assert key.key_id == "pith-v1-2026-05"
    assert key.fingerprint == "8d4b5ee74e4693bcd1df2446408b0d54"
    assert fingerprint_b32(key.raw) == "RVFV5Z2OI2J3ZUO7ERDEBCYNKS"
    assert key.signer_id == "pith.science"


def _other_raw() -> bytes:
    return SigningKey.from_seed("x", bytes(range(32))).public_raw


KEY_DOC_DEFECTS = [
    (
        "hex-b64-disagree",
        lambda d: d.update(public_key_b64=base64.b64encode(_other_raw()).decode()),
        "name different keys",
    ),
    (
        "wrong-fingerprint-hex",
        lambda d: d.update(fingerprint_sha256_hex="0" * 32),
        "'fingerprint_sha256_hex' does not match",
    ),
    (
        "wrong-fingerprint-b32",
        lambda d: d.update(fingerprint_sha256_b32_first128bits="A" * 26),
        "'fingerprint_sha256_b32_first128bits' does not match",
    ),
    ("wrong-algorithm", lambda d: d.update(algorithm="rsa"), "expected algorithm 'ed25519'"),
    ("no-key", lambda d: [d.pop("public_key_hex"), d.pop("public_key_b64")], "found neither"),
    ("short-hex", lambda d: d.update(public_key_hex=d["public_key_hex"][:-2]), "64 hex"),
    ("not-hex", lambda d: d.update(public_key_hex="z" * 64), "not hex"),
    ("bad-b64", lambda d: d.update(public_key_b64="***"), "not base64"),
    (
        "short-b64",
        lambda d: d.update(public_key_b64=base64.b64encode(bytes(31)).decode()),
        "32-byte key",
    ),
    ("empty-key-id", lambda d: d.update(key_id=" "), "'key_id'"),
    ("no-key-id", lambda d: d.pop("key_id"), "'key_id'"),
]


@pytest.mark.parametrize(
    ("mutate", "fragment"), [k[1:] for k in KEY_DOC_DEFECTS], ids=[k[0] for k in KEY_DOC_DEFECTS]
)
def test_key_document_inconsistencies_raise(tmp_path, mutate, fragment) -> None:
    doc = _pith_key_doc()
    mutate(doc)
    path = tmp_path / "key.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError) as info:
        load_key_file(path)
    assert fragment in info.value.message
    assert info.value.where == str(path)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("content", ["not json", "[1, 2]", ""])
def test_key_file_not_a_json_object(tmp_path, content) -> None:
    path = tmp_path / "key.json"
    path.write_text(content)
    with pytest.raises(KeyFileError):
        load_key_file(path)


def test_key_file_missing(tmp_path) -> None:
    with pytest.raises(KeyFileError, match="cannot read"):
        load_key_file(tmp_path / "missing.json")


def test_key_ring_refuses_two_keys_under_one_id(signing_key, impostor_key) -> None:
    ring = KeyRing([signing_key.public("a")])
    ring.add(signing_key.public("same key again"))  # the same key twice is fine
    assert len(ring) == 1
    with pytest.raises(KeyFileError, match="already trusted with a different key"):
        ring.add(impostor_key.public("b"))


def test_private_key_document_mismatch(tmp_path, signing_key, other_key) -> None:
    doc = signing_key.private_document()
    doc["public_key_hex"] = other_key.public_raw.hex()
    path = tmp_path / "k.private.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError, match="does not match the private key"):
        load_signing_key(path)


@pytest.mark.parametrize("seed_hex", ["00" * 31, "zz" * 32, None])
def test_private_key_document_bad_seed(tmp_path, signing_key, seed_hex) -> None:
    doc = signing_key.private_document()
    doc["private_key_hex"] = seed_hex
    path = tmp_path / "k.private.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError):
        load_signing_key(path)


# --- minting -----------------------------------------------------------------------------


def test_mint_is_reproducible(paper, signing_key) -> None:
    one = mint_record(paper(), signing_key, signed_at="2026-01-02T03:04:05Z")
    two = mint_record(
        paper(),
        SigningKey.from_seed("test-key-1", bytes(range(32))),
        signed_at="2026-01-02T03:04:05Z",
    )
    assert json.dumps(one).encode() == json.dumps(two).encode()


def test_mint_signed_at_changes_only_the_receipt_times(paper, signing_key) -> None:
    one = mint_record(paper(), signing_key, signed_at="2026-01-02T03:04:05Z")
    two = mint_record(paper(), signing_key, signed_at="2027-06-07T08:09:10.123456Z")
    assert one["pith_number"] == two["pith_number"]
    assert one["receipt"]["signature_b64"] == two["receipt"]["signature_b64"]
    assert two["receipt"]["signed_at"] == "2027-06-07T08:09:10.123456Z"


def test_minted_record_content(paper, signing_key) -> None:
    p = paper(cross_cats=("math.CO", "cs.CR", "cs.LG", "cs.LG"), abstract="word " * 300)
    doc = mint_record(p, signing_key, signed_at="2026-01-02T03:04:05Z")
    record = doc["canonical_record"]
    assert record["metadata"]["cross_cats_sorted"] == ["cs.LG", "math.CO"]
    assert record["metadata"]["title_canon_sha256"] == canon_text(p.title)
    assert record["metadata"]["abstract_canon_sha256"] == canon_text(p.abstract)
    assert doc["canonical_sha256"] == canonical_sha256(record)
    assert doc["paper"]["abstract_excerpt"] == p.abstract[:600]
    assert doc["receipt"]["key_id"] == "test-key-1"
    assert doc["pith_number"].startswith("pith:2021:")


def test_minted_record_verifies_under_its_key_only(mint, verify, default_ring, other_key) -> None:
    doc = mint()
    assert verify(doc).status == "verified"
    without = verify(doc, default_ring)
    assert [c.check for c in without.problems] == ["receipt_key"]
    other = verify(doc, KeyRing([other_key.public()]))
    assert [c.check for c in other.problems] == ["receipt_key"]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"arxiv_id": "1810.06877v1"}, "arXiv id"),
        ({"arxiv_id": "math.GT/0309136"}, "arXiv id"),
        ({"arxiv_id": "arXiv:1810.06877"}, "arXiv id"),
        ({"version": 0}, "version"),
        ({"version": -1}, "version"),
        ({"version": True}, "version"),
        ({"version": "1"}, "version"),
        ({"submitted_at": "2021-01-02"}, "submitted_at"),
        ({"submitted_at": "2021-13-02T03:04:05Z"}, "submitted_at"),
        ({"submitted_at": "2021-02-30T03:04:05Z"}, "submitted_at"),
        ({"primary_cat": ""}, "expected an arXiv category"),
        ({"primary_cat": "<b>x</b>"}, "expected an arXiv category"),
        ({"cross_cats": ("cs.LG", "no such/cat")}, "expected an arXiv category"),
        ({"primary_cat": "cs.lg"}, "a subject class of two uppercase letters"),
        ({"cross_cats": ("cs.LG", "prn")}, "no reserved device name"),
    ],
)
def test_mint_validates_inputs(paper, signing_key, overrides, fragment) -> None:
    with pytest.raises(UsageError, match=fragment):
        mint_record(paper(**overrides), signing_key, signed_at="2026-01-02T03:04:05Z")


@pytest.mark.parametrize("signed_at", ["2026-01-02T03:04:05", "2026-01-02", ""])
def test_mint_validates_signed_at(paper, signing_key, signed_at) -> None:
    with pytest.raises(UsageError, match="signed_at"):
        mint_record(paper(), signing_key, signed_at=signed_at)


@pytest.mark.parametrize("signed_at", ["not a timestamp at allZ", "2026-13-45T99:99:99Z"])
def test_mint_refuses_malformed_signed_at(paper, signing_key, signed_at) -> None:
    with pytest.raises(UsageError, match="signed_at"):
        mint_record(paper(), signing_key, signed_at=signed_at)


def test_paper_from_dict(signing_key) -> None:
    data = {
        "arxiv_id": "2101.00001",
        "version": 2,
        "title": "T",
        "abstract": "A",
        "submitted_at": "2021-01-02T03:04:05Z",
        "primary_cat": "cs.CR",
        "cross_cats": ["cs.LG"],
        "headline": "Kept as a display field",
    }
    p = Paper.from_dict(data)
    assert (p.arxiv_id, p.version, p.cross_cats) == ("2101.00001", 2, ("cs.LG",))
    doc = mint_record(p, signing_key, signed_at="2026-01-02T03:04:05Z")
    assert doc["paper"]["headline"] == "Kept as a display field"
    del data["title"]
    with pytest.raises(UsageError, match="missing \\['title'\\]"):
        Paper.from_dict(data)


_GOOD_PAPER: dict[str, Any] = {
    "arxiv_id": "2101.00001",
    "version": 2,
    "title": "T",
    "abstract": "A",
    "submitted_at": "2021-01-02T03:04:05Z",
    "primary_cat": "cs.CR",
    "cross_cats": ["cs.LG"],
    "authors": "A. One",
    "license": "",
}

_WRONG_TYPES = [
    ("arxiv_id", 5, "arxiv_id: expected a string, found integer 5"),
    ("arxiv_id", None, "arxiv_id: expected a string, found null"),
    ("title", ["T"], "title: expected a string, found array ['T']"),
    ("abstract", {"a": 1}, "abstract: expected a string, found object {'a': 1}"),
    ("submitted_at", 20210102, "submitted_at: expected a string, found integer 20210102"),
    ("primary_cat", False, "primary_cat: expected a string, found boolean False"),
    (
        "authors",
        ["A. One", "B. Two"],
        "authors: expected a string, found array ['A. One', 'B. Two']",
    ),
    ("license", 4.0, "license: expected a string, found number 4.0"),
    ("version", "2", "version: expected an integer, found string '2'"),
    ("version", True, "version: expected an integer, found boolean True"),
    ("version", 2.0, "version: expected an integer, found number 2.0"),
    ("version", None, "version: expected an integer, found null"),
    ("cross_cats", "cs.AI", "cross_cats: expected a list of strings, found string 'cs.AI'"),
    (
        "cross_cats",
        {"cs.AI": 1},
        "cross_cats: expected a list of strings, found object {'cs.AI': 1}",
    ),
    ("cross_cats", ["cs.AI", 7], "cross_cats[1]: expected a string, found integer 7"),
]


@pytest.mark.parametrize(("name", "value", "message"), _WRONG_TYPES)
def test_paper_from_dict_checks_types(name, value, message) -> None:
    with pytest.raises(UsageError) as info:
        Paper.from_dict({**_GOOD_PAPER, name: value})
    assert info.value.message == message


def test_paper_from_dict_accepts_good_types_and_tuples() -> None:
    p = Paper.from_dict({**_GOOD_PAPER, "cross_cats": ("cs.LG", "math.CO")})
    assert p.cross_cats == ("cs.LG", "math.CO")
    assert (
        Paper.from_dict({k: v for k, v in _GOOD_PAPER.items() if k != "cross_cats"}).cross_cats
        == ()
    )


def test_paper_from_dict_shortens_long_values_in_messages() -> None:
    with pytest.raises(UsageError) as info:
        Paper.from_dict({**_GOOD_PAPER, "title": ["x" * 10_000]})
    assert info.value.message.startswith("title: expected a string, found array ['xxx")
    assert len(info.value.message) < 120


@pytest.mark.parametrize(("name", "value", "message"), _WRONG_TYPES)
@pytest.mark.parametrize("layout", ["list", "jsonl"])
def test_mint_from_json_reports_wrong_types(
    tmp_path, signing_key, name, value, message, layout
) -> None:
    _, _public = write_key_pair(signing_key, tmp_path / "keys")
    private = tmp_path / "keys" / f"{signing_key.key_id}.private.json"
    papers = [_GOOD_PAPER, {**_GOOD_PAPER, "arxiv_id": "2101.00002", name: value}]
    source = tmp_path / "papers.json"
    if layout == "list":
        source.write_text(json.dumps(papers))
    else:
        source.write_text("".join(json.dumps(p) + "\n" for p in papers))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "mint",
            "--key",
            str(private),
            "--signed-at",
            "2026-01-02T03:04:05Z",
            "--from-json",
            str(source),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert f"pithgen: error: {source}: paper 2: {message}" in result.output
    assert not out.exists()


def test_mint_from_json_cross_cats_string_is_not_split_into_characters(
    tmp_path, signing_key
) -> None:
    write_key_pair(signing_key, tmp_path / "keys")
    private = tmp_path / "keys" / f"{signing_key.key_id}.private.json"
    source = tmp_path / "papers.json"
    source.write_text(json.dumps([{**_GOOD_PAPER, "cross_cats": "cs.AI"}]))
    result = CliRunner().invoke(
        main,
        [
            "mint",
            "--key",
            str(private),
            "--signed-at",
            "2026-01-02T03:04:05Z",
            "--from-json",
            str(source),
            "--out",
            str(tmp_path / "out.jsonl"),
        ],
    )
    assert result.exit_code == 2
    assert "paper 1: cross_cats: expected a list of strings, found string 'cs.AI'" in (
        result.output
    )
    assert "category" not in result.output


def test_key_file_with_duplicate_keys_is_refused(tmp_path) -> None:
    doc = {"algorithm": "ed25519", "key_id": "k", "public_key_hex": "11" * 32}
    other = _other_raw().hex()
    text = json.dumps(doc)[:-1] + f', "public_key_hex": "{other}"}}'
    path = tmp_path / "key.json"
    path.write_text(text)
    with pytest.raises(KeyFileError) as info:
        load_key_file(path)
    assert "duplicate key 'public_key_hex'" in info.value.message
