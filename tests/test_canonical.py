"""The canonical serialisation, hashes and Pith Number derivation (spec sections 1-3)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithgen.canonical import (
    b32_26,
    canon_text,
    canonical_bytes,
    canonical_sha256,
    expected_aliases,
    pith_number_for,
    short_pith_number,
    suffix_for,
)

# Arbitrary Unicode text without lone surrogates (those are refused by the loader).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5),
    max_leaves=30,
)


def reference_bytes(value: Any) -> bytes:
    """The spec's definition, written out here on purpose (spec section 1)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def reshuffle(value: Any, rnd: random.Random) -> Any:
    """The same JSON value with every dict rebuilt in a random insertion order."""
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        return {k: reshuffle(v, rnd) for k, v in items}
    if isinstance(value, list):
        return [reshuffle(v, rnd) for v in value]
    return value


def json_strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *json_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return [value] if isinstance(value, str) else []


def escapes_in(text: str) -> list[str]:
    """Every backslash escape in serialised JSON text, e.g. ['n', 'u001f', '\\\\']."""
    found = []
    i = 0
    while i < len(text):
        if text[i] == "\\":
            nxt = text[i + 1]
            if nxt == "u":
                found.append(text[i + 1 : i + 6])
                i += 6
            else:
                found.append(nxt)
                i += 2
        else:
            i += 1
    return found


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_canonical_bytes_equal_the_reference_serialisation(value: Any) -> None:
    assert canonical_bytes(value) == reference_bytes(value)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.randoms(use_true_random=False))
def test_input_key_order_does_not_change_the_bytes(value: Any, rnd: random.Random) -> None:
    shuffled = reshuffle(value, rnd)
    assert shuffled == value
    assert canonical_bytes(shuffled) == canonical_bytes(value)
    assert canonical_sha256(shuffled) == canonical_sha256(value)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_canonical_bytes_round_trip(value: Any) -> None:
    assert json.loads(canonical_bytes(value)) == value


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_canonical_bytes_are_utf8_with_only_minimal_escapes(value: Any) -> None:
    data = canonical_bytes(value)
    text = data.decode("utf-8")  # valid UTF-8, or this raises
    # No raw control characters and no insignificant whitespace between tokens.
    assert not any(ord(ch) < 0x20 for ch in text)
    for esc in escapes_in(text):
        if esc.startswith("u"):
            # \\u escapes only for control characters (no ASCII-escaping of non-ASCII).
            assert int(esc[1:], 16) < 0x20, esc
        else:
            assert esc in '"\\bfnrt', esc
    # Every non-ASCII character of the input appears literally in the output.
    for s in json_strings(value):
        for ch in s:
            if ord(ch) >= 0x80:
                assert ch in text


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(TEXT, st.integers(), min_size=2, max_size=8))
def test_keys_are_sorted_by_code_point(value: dict[str, int]) -> None:
    parsed_order = list(json.loads(canonical_bytes(value), object_pairs_hook=lambda p: p))
    keys = [k for k, _ in parsed_order]
    assert keys == sorted(value)


ESCAPE_TABLE = [
    ("\x00", b'"\\u0000"'),
    ("\x01", b'"\\u0001"'),
    ("\x1f", b'"\\u001f"'),
    ("\n", b'"\\n"'),
    ("\r", b'"\\r"'),
    ("\t", b'"\\t"'),
    ("\b", b'"\\b"'),
    ("\f", b'"\\f"'),
    ('"', b'"\\""'),
    ("\\", b'"\\\\"'),
    ("/", b'"/"'),
    ("\x7f", b'"\x7f"'),
    ("\u00e9", b'"\xc3\xa9"'),
    ("\u2028\u2029", b'"\xe2\x80\xa8\xe2\x80\xa9"'),
    ("\U0001f600", b'"\xf0\x9f\x98\x80"'),
    ("\ufeff", b'"\xef\xbb\xbf"'),
    ("a\x00b", b'"a\\u0000b"'),
    ({"b": 1, "a": 2, "A": 3}, b'{"A":3,"a":2,"b":1}'),
    # Code-point order, not UTF-16 order: U+FFFF sorts before U+1F600.
    ({"\U0001f600": 2, "\uffff": 1}, b'{"\xef\xbf\xbf":1,"\xf0\x9f\x98\x80":2}'),
    ({"a": [1, {"c": None, "b": True}], "z": False}, b'{"a":[1,{"b":true,"c":null}],"z":false}'),
    (2**70, b"1180591620717411303424"),
    (-5, b"-5"),
    ([], b"[]"),
    ({}, b"{}"),
]


@pytest.mark.parametrize(
    ("value", "expected"), ESCAPE_TABLE, ids=[repr(v) for v, _ in ESCAPE_TABLE]
)
def test_fixed_escape_cases(value: Any, expected: bytes) -> None:
    assert canonical_bytes(value) == expected


def test_lone_surrogate_cannot_be_canonicalised() -> None:
    with pytest.raises(UnicodeEncodeError):
        canonical_bytes({"a": "\ud800"})


# --- canon_text (spec section 2) ---------------------------------------------------------

ARPA_TITLE_HASH = "23df4b855aebd2d04f8a42da9579edfd14d427260d91ca55403de018e3901a93"


@pytest.mark.parametrize(
    "title",
    [
        "ARPA Whitepaper",
        "arpa whitepaper",
        "  ARPA   Whitepaper\n",
        "\tARPA\n\nWhitepaper ",
        "ARPA\u00a0Whitepaper",  # Python's \s matches NBSP in str patterns
    ],
)
def test_canon_text_collapses_whitespace_and_case(title: str) -> None:
    assert canon_text(title) == ARPA_TITLE_HASH


@pytest.mark.parametrize("title", ["ARPA Whitepaper.", "ARPA-Whitepaper", "ARPAWhitepaper"])
def test_canon_text_keeps_punctuation(title: str) -> None:
    assert canon_text(title) != ARPA_TITLE_HASH


def test_canon_text_is_sha256_of_the_normalised_utf8() -> None:
    assert (
        canon_text(" \u00dcber  Stra\u00dfe ")
        == hashlib.sha256("\u00fcber stra\u00dfe".encode()).hexdigest()
    )


# --- suffixes and Pith Numbers (spec section 3) ------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_suffix_is_base32_prefix_of_the_digest(digest: bytes) -> None:
    suffix = suffix_for(digest.hex())
    assert len(suffix) == 26
    assert set(suffix) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    # 24 base32 characters are exactly the first 15 bytes.
    assert base64.b32decode(suffix[:24]) == digest[:15]
    assert b32_26(digest) == suffix


def test_pith_number_uses_the_submission_year() -> None:
    suffix = "M4NI2KXAZCOWQTM4MGTRDHNEU2"
    assert pith_number_for("2018-12-14T08:25:52Z", suffix) == f"pith:2018:{suffix}"
    assert short_pith_number(suffix) == "pith:M4NI2KXA"


def test_expected_aliases_for_an_old_style_id() -> None:
    aliases = expected_aliases("astro-ph/9610094", 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert aliases == {
        "arxiv": "astro-ph/9610094",
        "arxiv_version": "astro-ph/9610094v3",
        "doi": "10.48550/arxiv.astro-ph/9610094",
        "pith_short_12": "ABCDEFGHIJKL",
        "pith_short_16": "ABCDEFGHIJKLMNOP",
        "pith_short_8": "ABCDEFGH",
    }
    assert list(aliases) == sorted(aliases)


def test_canon_text_whitespace_rule_matches_the_spec_regex_on_every_code_point() -> None:
    """canon_text uses str.split(); the spec says re.sub(r"\\s+", " ", s). Same set."""
    import re
    import sys

    spec_ws = re.compile(r"\s")
    differing = [
        c
        for c in range(sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF and bool(spec_ws.match(chr(c))) != chr(c).isspace()
    ]
    assert differing == []
    text = "\u3000Tab\there\u00a0nbsp\u2028line\x1csep  end\n"
    assert (
        canon_text(text)
        == hashlib.sha256(re.sub(r"\s+", " ", text).strip().lower().encode()).hexdigest()
    )


def _spec_canon_text(text: str) -> str:
    import re

    return hashlib.sha256(re.sub(r"\s+", " ", text).strip().lower().encode()).hexdigest()


_TEXT_PARTS = st.sampled_from(
    ["a", "Σ", "ΑΣ", "\u0345", "'", "İ", "ß", " ", "  ", "\t\n", "\u3000", "\u00a0", "x y", ""]
)


@given(st.lists(_TEXT_PARTS, max_size=40), st.integers(min_value=1, max_value=9))
def test_collapsed_pieces_are_the_spec_rule_at_any_piece_size(parts: list[str], size: int) -> None:
    """Long texts are collapsed and lowered piece by piece (bounded memory): cut anywhere
    whitespace starts, the result is the spec's re.sub/strip/lower, final sigma included."""
    import re

    from pithgen.canonical import collapsed_pieces

    text = "".join(parts)
    pieces = list(collapsed_pieces(text, size))
    assert "".join(pieces) == re.sub(r"\s+", " ", text).strip()
    lowered = "".join(p.lower() for p in pieces)
    assert lowered == re.sub(r"\s+", " ", text).strip().lower()


def test_canon_text_of_a_long_text_is_the_spec_rule() -> None:
    """Past one piece (65,536 characters) canon_text hashes piece by piece."""
    rnd = random.Random(7)
    words = ["ΟΔΟΣ", "Straße", "İstanbul", "x\u0345Σ", "word", "\u00ad", "a"]
    spaces = [" ", "  ", "\n\t", "\u3000", "\u2028 "]
    text = "".join(rnd.choice(words) + rnd.choice(spaces) for _ in range(60_000))
    assert len(text) > 1 << 17
    assert canon_text(text) == _spec_canon_text(text)
    assert canon_text("  " + text + "Σ  ") == _spec_canon_text("  " + text + "Σ  ")
