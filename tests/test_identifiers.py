"""Tests for pithgen.identifiers (the same fixture is run through pithgen.js in
test_js_logic.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pithgen.canonical import doi_for
from pithgen.identifiers import (
    ARXIV_NEW_RE,
    ARXIV_OLD_RE,
    Query,
    is_arxiv_id,
    parse_arxiv,
    parse_query,
)


def format_arxiv(arxiv_id: str, version: int | None = None) -> str:
    """How people write an id with a version (the resolver must accept it)."""
    return arxiv_id if version is None else f"{arxiv_id}v{version}"


CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "fixtures" / "resolve_cases.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[repr(c["q"])[:60] for c in CASES])
def test_parse_query_fixture(case: dict[str, Any]) -> None:
    q = parse_query(case["q"])
    assert q == Query(case["kind"], case["value"], case["version"], case["prefix"])


def test_fixture_covers_every_kind_and_form() -> None:
    kinds = {c["kind"] for c in CASES}
    assert kinds == {"pith", "arxiv", "none"}
    qs = " ".join(c["q"] for c in CASES).lower()
    for form in (
        "pith:",
        "arxiv:",
        "doi:",
        "doi.org/",
        "dx.doi.org/",
        "arxiv.org/abs/",
        "arxiv.org/pdf/",
        ".pdf",
        "www.arxiv.org",
        "export.arxiv.org",
        "%2f",
        "#",
        "?",
    ):
        assert form in qs, form


@pytest.mark.parametrize(
    "s",
    [
        "0704.0001",
        "1412.9999",
        "1501.00001",
        "2412.99999",
        "1810.06877",
        "astro-ph/9610094",
        "hep-th/9711200",
        "physics/0310126",
        "math/0309136",
        "cond-mat/0102536",
        "q-bio/0401001",
    ],
)
def test_valid_ids(s: str) -> None:
    assert is_arxiv_id(s)


@pytest.mark.parametrize(
    "s",
    [
        "",
        "1810.06877v1",
        "1813.06877",
        "1800.06877",
        "1810.068",
        "1810.068777",
        "181.06877",
        " 1810.06877",
        "1810.06877\n",
        "1810.06877 ",
        "astro-ph/9610094v2",
        "Astro-Ph/9610094",
        "math.GT/0309136",
        "astro-ph/961009",
        "astro-ph/96100944",
        "astro-ph/9613094",
        "astro_ph/9610094",
        "-ph/9610094",
        "a-b-c/9610094",
        "١٨١٠.٠٦٨٧٧",
        "astro-ph/9610094\n",
    ],
)
def test_invalid_ids(s: str) -> None:
    assert not is_arxiv_id(s)


def test_regexes_reject_trailing_newline_with_match() -> None:
    assert ARXIV_NEW_RE.match("1810.06877\n") is None
    assert ARXIV_OLD_RE.match("hep-th/9711200\n") is None
    assert ARXIV_NEW_RE.match("1810.06877") is not None
    assert ARXIV_OLD_RE.match("hep-th/9711200") is not None


def test_parse_arxiv() -> None:
    assert parse_arxiv("1810.06877v12") == ("1810.06877", 12)
    assert parse_arxiv("MATH.GT/0309136V2") == ("math/0309136", 2)
    assert parse_arxiv("hep-th/9711200") == ("hep-th/9711200", None)
    assert parse_arxiv("1810.06877v0") is None
    assert parse_arxiv("arXiv:1810.06877") is None
    assert parse_arxiv("1810.06877v1234567") is None  # at most 6 version digits


def test_doi() -> None:
    assert doi_for("1810.06877") == "10.48550/arxiv.1810.06877"
    assert doi_for("astro-ph/9610094") == "10.48550/arxiv.astro-ph/9610094"


def test_query_is_frozen() -> None:
    q = parse_query("1810.06877")
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.value = "x"  # type: ignore[misc]


_NEW_IDS = st.builds(
    lambda yy, mm, n, five: f"{yy:02d}{mm:02d}." + (f"{n:05d}" if five else f"{n % 10000:04d}"),
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(0, 99999),
    st.booleans(),
)
_OLD_IDS = st.builds(
    lambda arch, yy, mm, n: f"{arch}/{yy:02d}{mm:02d}{n:03d}",
    st.sampled_from(["astro-ph", "hep-th", "math", "physics", "cond-mat", "q-bio", "gr-qc"]),
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(0, 999),
)
_VERSIONS = st.one_of(st.none(), st.integers(1, 999999))


@given(st.one_of(_NEW_IDS, _OLD_IDS), _VERSIONS)
def test_every_alias_form_round_trips(arxiv_id: str, version: int | None) -> None:
    """Every way of writing an id parses back to (id, version)."""
    assert is_arxiv_id(arxiv_id)
    with_v = format_arxiv(arxiv_id, version)
    expected = Query("arxiv", arxiv_id, version, False)
    forms = [
        with_v,
        with_v.upper(),
        "arXiv:" + with_v,
        doi_for(with_v),
        "doi:" + doi_for(with_v).upper(),
        "https://doi.org/" + doi_for(with_v),
        "https://arxiv.org/abs/" + with_v,
        "https://arxiv.org/pdf/" + with_v + ".pdf",
        "https://arxiv.org/abs/" + with_v.replace("/", "%2F") + "/#x",
        "  " + with_v + "\n",
    ]
    for form in forms:
        assert parse_query(form) == expected, form


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=26, max_size=26),
    st.integers(1991, 2099),
)
def test_pith_forms_round_trip(suffix: str, year: int) -> None:
    full = Query("pith", suffix, None, False)
    assert parse_query(f"pith:{year}:{suffix}") == full
    assert parse_query(suffix.lower()) == full
    assert parse_query(f"https://pith.science/pith/{suffix}") == full
    for n in (8, 12, 16):
        assert parse_query(suffix[:n]) == Query("pith", suffix[:n], None, True)
        assert parse_query("pith:" + suffix[:n].lower()) == Query("pith", suffix[:n], None, True)


@given(st.text(max_size=60))
def test_parse_query_never_raises_and_none_keeps_input(q: str) -> None:
    result = parse_query(q)
    assert result.kind in ("pith", "arxiv", "none")
    if result.kind == "none":
        assert result.version is None and result.prefix is False
        assert result.value in q
    elif result.kind == "arxiv":
        assert is_arxiv_id(result.value)
    else:
        assert 4 <= len(result.value) <= 26
        assert result.prefix == (len(result.value) < 26)
