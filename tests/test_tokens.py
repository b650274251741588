"""Tests for pithgen.tokens (the same fixture is run through pithgen.js in
test_js_logic.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithgen import tokens as tokens_module
from pithgen.tokens import MAX_SPAN_PARTS, fnv1a32, query_tokens, shard_count, shard_of, tokenize

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "fixtures" / "token_cases.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[repr(c["text"])[:50] for c in CASES])
def test_token_fixture(case: dict[str, Any]) -> None:
    assert tokenize(case["text"]) == case["tokens"]
    assert query_tokens(case["text"]) == case["query_tokens"]


def test_fixture_covers_required_scripts() -> None:
    text = " ".join(c["text"] for c in CASES)
    for needle in (
        "cs.LG",
        "astro-ph/9610094",
        "1810.06877v2",
        "$\\alpha$-stable",
        "é",
        "深",
        "Σ",
        "😀",
        "self-supervised",
        "\u0308",
    ):
        assert needle in text, needle


@pytest.mark.parametrize(
    ("s", "h"),
    [
        ("", 0x811C9DC5),
        ("a", 0xE40C292C),
        ("foobar", 0xBF9CF968),
        ("b", 0xE70C2DE5),
        ("fo", 0x6222E842),
        ("foob", 0x3F5076EF),
    ],
)
def test_fnv1a32_vectors(s: str, h: int) -> None:
    assert fnv1a32(s) == h


def test_fnv1a32_hashes_utf8_bytes() -> None:
    # "é" is the two bytes C3 A9; computing by hand from the FNV-1a definition:
    h = 0x811C9DC5
    for byte in (0xC3, 0xA9):
        h = ((h ^ byte) * 0x01000193) % 2**32
    assert fnv1a32("é") == h
    assert fnv1a32("é") != fnv1a32("e\u0301")


def test_shard_of_width_and_range() -> None:
    assert shard_of("foobar", 1) == "0"
    assert shard_of("foobar", 16) == "8"  # 0xbf9cf968 % 16
    assert shard_of("foobar", 256) == "68"
    assert shard_of("foobar", 4096) == "968"
    assert shard_of("foobar", 65536) == "f968"
    assert shard_of("a", 4096) == "92c"
    assert shard_of("", 32) == "05"  # 0x811c9dc5 % 32 = 5, width of "1f" is 2
    assert shard_of("", 2) == "1"
    for n, width in ((2, 1), (16, 1), (32, 2), (256, 2), (512, 3), (65536, 4)):
        names = {shard_of(str(i), n) for i in range(2000)}
        assert all(len(x) == width and int(x, 16) < n for x in names)


@pytest.mark.parametrize("n", [0, 3, 12, 100, -4])
def test_shard_of_rejects_non_powers_of_two(n: int) -> None:
    with pytest.raises(ValueError):
        shard_of("x", n)


def test_shard_count() -> None:
    assert shard_count(0, 100) == 16
    assert shard_count(1, 100) == 16
    assert shard_count(1600, 100) == 16
    assert shard_count(1601, 100) == 32
    assert shard_count(3200, 100) == 32
    assert shard_count(3201, 100) == 64
    assert shard_count(10**9, 1) == 65536
    assert shard_count(5, 1, minimum=1) == 8
    assert shard_count(4, 1, minimum=1) == 4
    assert shard_count(0, 1, minimum=1) == 1
    assert shard_count(100, 1, minimum=1, maximum=64) == 64
    with pytest.raises(ValueError):
        shard_count(10, 0)
    with pytest.raises(ValueError):
        shard_count(10, 1, minimum=12)
    with pytest.raises(ValueError):
        shard_count(10, 1, minimum=64, maximum=32)


def test_sub_compounds_make_query_compounds_findable() -> None:
    doc = tokenize("Published in astro-ph/9610094 under cs.LG; a state-of-the-art result")
    for q in ("astro-ph", "ph/9610094", "cs.lg", "state-of-the", "the-art", "of-the-art"):
        assert set(query_tokens(q)) <= set(doc), q
    assert "ph-9610094" not in doc


def test_long_compound_only_emits_single_parts() -> None:
    parts = ["p" + str(i) for i in range(MAX_SPAN_PARTS + 1)]
    toks = tokenize(".".join(parts))
    assert toks == [".".join(parts), *parts]
    shorter = tokenize(".".join(parts[:MAX_SPAN_PARTS]))
    assert MAX_SPAN_PARTS == 6
    assert len(shorter) == 21  # all 6 * 7 / 2 contiguous runs, the full one being the compound


@given(st.text(max_size=80))
def test_tokenizer_properties(text: str) -> None:
    toks = tokenize(text)
    qt = query_tokens(text)
    assert len(toks) == len(set(toks))
    assert len(qt) == len(set(qt))
    assert set(qt) <= set(toks)  # every query token of a text is indexed for that text
    for t in toks:
        assert t and not (len(t) == 1 and t.isascii())
        assert not any(c.isspace() for c in t)
        assert t[0] not in "./:-" and t[-1] not in "./:-"
    for t in qt:
        assert query_tokens(t) == [t]  # a query token is stable under re-tokenization


_SPACED = st.one_of(
    st.text(max_size=60),
    st.text(
        st.sampled_from(
            "aZ9 \u0301\u0308\u03a3\u03c3\u03c2\u0130\ufb01\u00e9\u00c9\u00a0"
            "\u2003.-/:\u6df1\u00a8 \tA"
        ),
        max_size=60,
    ),
)


@given(_SPACED)
def test_folding_space_separated_chunks_equals_folding_the_whole_text(text: str) -> None:
    """_compounds folds each space-separated chunk alone (ASCII ones by the fast path):
    the same compounds as folding the whole text, which is what pithgen.js does."""
    _, compound_re = tokens_module._regexes()
    assert tokens_module._compounds(text) == compound_re.findall(tokens_module._fold(text))


_ANY_TEXT = st.one_of(
    _SPACED,
    st.text(max_size=40),
    st.text(
        st.characters(categories=("L", "N", "M", "P", "Z", "S", "C")).filter(lambda c: c != " "),
        max_size=40,
    ),
    st.text(st.sampled_from("\u0915\u094d\u0937a\u0301.:-/\u0663\u2160\u1d400"), max_size=30),
)


@settings(max_examples=400)
@given(_ANY_TEXT)
def test_the_character_scan_finds_what_the_unicode_tables_find(text: str) -> None:
    """A build that tokenizes little non-ASCII text folds and scans it character by
    character instead of building the Unicode tables: the same compounds, whatever the
    text."""
    _, compound_re = tokens_module._regexes()
    expected = compound_re.findall(tokens_module._fold(text))
    assert tokens_module._fold_by_char(text) == tokens_module._fold(text)
    assert tokens_module._scan(tokens_module._fold_by_char(text)) == expected


def test_both_ways_of_tokenizing_text_that_is_not_ascii_agree(monkeypatch) -> None:
    """Past TABLES_AFTER chunks the tables are used; the tokens do not change."""
    text = "Ünïcödé naïve café-au-lait 深層学習 Σίσυφος x:ÿ/z. Ⅻ١٢"
    monkeypatch.setattr(tokens_module, "_by_char", [0])
    by_char = tokens_module.tokenize(text)
    monkeypatch.setattr(tokens_module, "_by_char", [tokens_module.TABLES_AFTER])
    assert tokens_module.tokenize(text) == by_char and len(by_char) > 8
