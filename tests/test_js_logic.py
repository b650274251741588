"""pithgen.js must agree with the Python identifiers, tokens and search modules.

Node runs ``tests/js/harness.js`` (pure logic) and ``tests/js/dom_harness.js`` (shard
loading, resolver and search against a fake DOM).  Node is required: without it these
tests fail rather than skip, because the site's search and resolver would be untested.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import sitehelpers
from hypothesis import given, settings
from hypothesis import strategies as st
from sitehelpers import read_shard

from pithgen.identifiers import OLD_ARCHIVES, parse_query
from pithgen.search import FIELD_SPAN, PREFIX_MIN, decode_postings, token_key
from pithgen.search import rank as search_rank
from pithgen.tokens import fnv1a32, query_tokens, shard_of, tokenize

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
HARNESS = HERE / "js" / "harness.js"

#: Code points whose general category changed after Unicode 14.0 (Python 3.11's database)
#: in a way that changes tokenization: U+1171E AHOM CONSONANT SIGN MEDIAL RA became Mc (was
#: Mn) in Unicode 15.0.  test_every_assigned_code_point_tokenizes_alike finds any others.
KNOWN_UNICODE_DRIFT = frozenset({0x1171E})


def node_path() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node (Node.js) is not on PATH: the pithgen.js tests cannot run. "
            "Install nodejs (e.g. apt-get install nodejs) and run again."
        )
    return node


def run_harness(payload: dict[str, Any], script: Path = HARNESS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        proc = subprocess.run(
            [node_path(), str(script), str(path)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, f"node failed:\n{proc.stderr}"
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def load(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return cases


def test_node_is_available() -> None:
    assert Path(node_path()).exists()


def test_js_parse_query_matches_fixture_and_python() -> None:
    cases = load("resolve_cases.json")
    out = run_harness({"resolve": [c["q"] for c in cases]})["resolve"]
    assert len(out) == len(cases)
    for case, js in zip(cases, out, strict=True):
        expected = {k: case[k] for k in ("kind", "value", "version", "prefix")}
        assert js == expected, f"JS parseQuery({case['q']!r})"
        assert dataclasses.asdict(parse_query(case["q"])) == expected


def test_js_and_python_hold_the_same_old_style_archive_list() -> None:
    assert run_harness({"archives": True})["archives"] == list(OLD_ARCHIVES)


def test_js_tokenizer_matches_fixture() -> None:
    cases = load("token_cases.json")
    out = run_harness({"tokens": [c["text"] for c in cases]})["tokens"]
    for case, js in zip(cases, out, strict=True):
        assert js["tokens"] == case["tokens"], f"JS tokenize({case['text']!r})"
        assert js["query_tokens"] == case["query_tokens"], f"JS queryTokens({case['text']!r})"


def test_js_hashing_matches_python() -> None:
    keys = ["", "a", "foobar", "cs.lg", "1810.06877", "astro-ph/9610094", "\u03c3", "深度", "😀"]
    pairs: list[tuple[str, int]] = [(k, n) for k in keys for n in (1, 2, 16, 256, 4096, 65536)]
    out = run_harness({"hash": pairs})["hash"]
    assert out[0] == {"fnv1a32": 0x811C9DC5, "shard": "0"}
    for (key, n), js in zip(pairs, out, strict=True):
        assert js == {"fnv1a32": fnv1a32(key), "shard": shard_of(key, n)}, (key, n)


def _assigned(cp: int) -> bool:
    return unicodedata.category(chr(cp)) not in ("Cn", "Cs") and cp not in KNOWN_UNICODE_DRIFT


def test_every_assigned_code_point_tokenizes_alike() -> None:
    texts = ["ab" + chr(cp) + "cd" for cp in range(sys.maxunicode + 1) if _assigned(cp)]
    out = run_harness({"tokens": texts})["tokens"]
    bad = [
        f"U+{ord(t[2]):04X} {unicodedata.name(t[2], '?')}: js {js['tokens']} py {tokenize(t)}"
        for t, js in zip(texts, out, strict=True)
        if js["tokens"] != tokenize(t)
    ]
    assert not bad, "\n".join(bad[:50])


_CHARS = st.characters(
    exclude_categories=("Cn", "Cs"),
    exclude_characters="".join(chr(cp) for cp in KNOWN_UNICODE_DRIFT),
)
_MIXED = st.one_of(
    st.text(_CHARS, max_size=40),
    st.text(
        st.sampled_from("ab \u03a3\u03c3\u03c2.-/:_$\\é\u0301ﬁİ²1\uff19\u03b1深😀\t'"), max_size=40
    ),
)


_ID_PIECES = st.lists(
    st.sampled_from(
        [
            "arXiv:",
            "https://",
            "http://www.",
            "arxiv.org/abs/",
            "arxiv.org/pdf/",
            "doi.org/",
            "dx.",
            "10.48550/arXiv.",
            "doi:",
            "pith:",
            "PITH:",
            "2018:",
            "1810.06877",
            "v2",
            "v0",
            "V13",
            "astro-ph",
            "Hep-Th",
            "/",
            "9610094",
            ".GT",
            "%2F",
            ".pdf",
            "#x",
            "?y=1",
            " ",
            "\t",
            "\u00a0",
            "M4NI2KXA",
            "zcowqtm4",
            "MGTRDHNEU2",
            "0704.0615",
            "9913.0001",
            "/pith/",
            "file:///",
            ".json",
        ]
    ),
    max_size=7,
).map("".join)


@settings(max_examples=3, deadline=None)
@given(st.lists(_MIXED, min_size=200, max_size=200))
def test_js_and_python_tokenizers_agree_on_random_text(texts: list[str]) -> None:
    out = run_harness({"tokens": texts})
    for text, js in zip(texts, out["tokens"], strict=True):
        assert js == {"tokens": tokenize(text), "query_tokens": query_tokens(text)}, text


_PREFIXES = [
    "",
    "arXiv:",
    "arxiv: ",
    "https://arxiv.org/abs/",
    "http://www.arxiv.org/pdf/",
    "export.arxiv.org/abs/",
    "https://doi.org/10.48550/arXiv.",
    "dx.doi.org/10.48550/ARXIV.",
    "doi:10.48550/arxiv.",
    "10.48550/arXiv.",
    "pith:",
    "pith:2019:",
    "https://x.org/pith/",
]
_IDS = [
    "1810.06877",
    "0704.0615",
    "2401.12345",
    "1913.0001",
    "astro-ph/9610094",
    "Math.GT/0309136",
    "hep-th%2F9711200",
    "q-bio/0401001",
    "m4ni2kxa",
    "M4NI",
    "M4NI2KXAZCOWQTM4MGTRDHNEU2",
    "CXCABA6QFIUMLMALDXDVFWNF",
    "deep",
    "",
]
_STRUCTURED = st.tuples(
    st.sampled_from([" ", "", "\t", "\u3000"]),
    st.sampled_from(_PREFIXES),
    st.sampled_from(_IDS),
    st.sampled_from(["", "v1", "V22", "v0", "v01"]),
    st.sampled_from(["", "/", ".pdf", "#frag", "?q=1", "/index.html", ".json", " x"]),
    st.sampled_from(["", " ", "\n"]),
).map("".join)


@settings(max_examples=3, deadline=None)
@given(st.lists(st.one_of(_STRUCTURED, _ID_PIECES, _MIXED), min_size=200, max_size=200))
def test_js_and_python_parse_query_agree_on_random_queries(queries: list[str]) -> None:
    out = run_harness({"resolve": queries})
    for q, js in zip(queries, out["resolve"], strict=True):
        assert js == dataclasses.asdict(parse_query(q)), q


# --- search: ranking, prefix matching, highlighting (pithgen/search.py) --------------------


def _search_site(tmp_path: Path, **options: int) -> tuple[Path, dict[str, Any], list[str]]:
    """The search fixture's shards written into a folder, parsed, and its index tokens."""
    from test_search import fixture_records, write_site

    records = fixture_records()
    site = tmp_path / "site"
    shards = write_site(site, records, **options)
    return site, shards, sorted({t for _, tokens in records for t in tokens})


def _queries(words: list[str], n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        picked = [rnd.choice(words) for _ in range(rnd.randint(1, 3))]
        out.append(
            " ".join(w[: rnd.randint(1, len(w))] if rnd.random() < 0.6 else w for w in picked)
        )
    return out


@pytest.mark.parametrize("options", [{}, {"group_limit": 2, "postings_per_shard": 8}])
def test_js_ranks_exactly_like_python(tmp_path: Path, options: dict[str, int]) -> None:
    """rankQuery (pithgen.js) and pithgen.search.rank on the same shards and queries: the
    fixture's, prefixes and whole words of every token, and random combinations; with the
    default sharding and with every key split as deep as it goes."""
    site, shards, words = _search_site(tmp_path, **options)
    fixed = [
        c["q"] for c in json.loads((FIXTURES / "search_papers.json").read_text("utf-8"))["queries"]
    ]
    queries = fixed + words + [w[:3] for w in words] + _queries(words, 200, 3)
    out = run_harness({"rank": {"site": str(site), "queries": queries}})["rank"]
    for q, js in zip(queries, out, strict=True):
        words_, ranked = search_rank(q, shards.get)
        assert (js["tokens"], js["ranked"]) == (words_, [list(r) for r in ranked]), q


def test_js_loads_only_the_shards_a_word_needs(tmp_path: Path) -> None:
    """With split keys a word loads its three-character prefix's shard and its key's; only
    a word that is itself a split prefix loads its subtree's shards."""
    site, shards, _ = _search_site(tmp_path, group_limit=2, postings_per_shard=8)
    n = shards["search/meta"]["token_shards"]
    splits: dict[str, list[str]] = {}
    for name, data in shards.items():
        if name.startswith("search/t/"):
            splits.update(data.get("s", {}))

    def shard(key: str) -> str:
        return f"search/t/{shard_of(key, n)}"

    assert "net" in splits and "network" in splits  # "networks": split down to its key
    key = token_key("networks", splits)
    assert key == "networks"
    queries = ["networks", "gr", "cellular", "net"]
    loads = run_harness({"rank": {"site": str(site), "queries": queries}})["rank"]
    out = {q: r["shards"] for q, r in zip(queries, loads, strict=True)}
    assert out["networks"] == ["search/meta", shard("net"), shard(key)]
    assert out["gr"] == ["search/meta", shard("gr")]  # a short word: exact, one shard
    assert out["cellular"] == ["search/meta", shard("cel")]  # one token: never split

    def leaves(node: str) -> set[str]:
        found: set[str] = set()
        for child in splits[node]:
            found |= leaves(child) if child in splits else {child}
        return found

    assert leaves("net") == {"network ", "networks"}
    assert out["net"][:2] == ["search/meta", shard("net")]
    assert sorted(out["net"][2:]) == sorted(map(shard, leaves("net")))  # one load per leaf


def test_js_search_constants_and_postings_decoding_match_python() -> None:
    out = run_harness({"constants": True, "decode": [[0, 17, 33, 18], [5, "x", 7], [], [3.5]]})
    assert out["constants"] == {"PREFIX_MIN": PREFIX_MIN, "FIELD_SPAN": FIELD_SPAN}
    for values, js in zip([[0, 17, 33, 18], [5, "x", 7], [], [3.5]], out["decode"], strict=True):
        assert [tuple(p) for p in js] == decode_postings(values), values


F, T = False, True
#: (text, query words, [piece, marked] pieces pithgen.js must split the text into)
HIGHLIGHTS: list[tuple[str, list[str], list[list[Any]]]] = [
    ("Solving the Schrödinger equation", ["schro"],
     [["Solving the ", F], ["Schrödinger", T], [" equation", F]]),
    ("Graph neural networks on graphs", ["graph"],
     [["Graph", T], [" neural networks on ", F], ["graphs", T]]),
    ("Self-supervised graphs", ["super"], [["Self-", F], ["supervised", T], [" graphs", F]]),
    ("Published in astro-ph/9610094 today", ["astro-ph"],
     [["Published in ", F], ["astro-ph/9610094", T], [" today", F]]),
    ("An AI for Aims", ["ai"], [["An ", F], ["AI", T], [" for Aims", F]]),
    ("Bodnar, Di Giovanni", ["giovanni", "bod"],
     [["Bodnar", T], [", Di ", F], ["Giovanni", T]]),
    ("</script><b>bold</b>", ["script", "bold"],
     [["</", F], ["script", T], ["><b>", F], ["bold", T], ["</b>", F]]),
    ("\u03a3-models", ["\u03c3-model"], [["\u03a3-models", T]]),
    ("nothing here", ["zzz"], [["nothing here", F]]),
]  # fmt: skip


def test_js_highlights_the_words_a_query_matches() -> None:
    out = run_harness({"highlight": [[text, words] for text, words, _ in HIGHLIGHTS]})["highlight"]
    for (text, words, expected), js in zip(HIGHLIGHTS, out, strict=True):
        assert js == expected, (text, words)
        assert "".join(piece for piece, _ in js) == text  # the text itself, split


# --- search on a built site: pithgen.js against the Python reference ---------------------


def _matches(token: str, word: str) -> bool:
    """The definition (pithgen.index, "Matching"): the token itself, or a token the word
    starts when the word has at least PREFIX_MIN characters."""
    return token == word or (len(word) >= PREFIX_MIN and token.startswith(word))


def _site_queries(site: Path, rnd: random.Random) -> list[str]:
    """Whole words, prefixes of every length, names, identifiers and random combinations
    of the built site's own index tokens."""
    vocabulary: set[str] = set()
    for path in (site / "search" / "t").glob("*.js"):
        vocabulary |= set(read_shard(path)[1].get("t", {}))
    words = sorted(t for t in vocabulary if "." not in t and "/" not in t)
    ids = sorted(t for t in vocabulary if t not in words)
    fixed = [*sitehelpers.WORDS, *sitehelpers.FIRST, *sitehelpers.LAST, sitehelpers.SEARCH_WORD]
    prefixes = [w[:k] for w in (*sitehelpers.WORDS, sitehelpers.SEARCH_WORD) for k in range(1, 8)]
    combos = [
        " ".join(w[: rnd.randint(1, len(w))] for w in rnd.sample(words, rnd.randint(2, 3)))
        for _ in range(150)
    ]
    extra = ["abstract", "study 12", "revised", "Kaleidoscopic stochastic", "zzzznotaword", ""]
    return fixed + prefixes + rnd.sample(ids, 40) + rnd.sample(words, 60) + combos + extra


def test_js_search_agrees_with_python_on_a_built_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A site built by ``pithgen build`` (the shared minted archive: abstracts, old and new
    ids, papers in two and three versions): for every query, pithgen.js's searchQuery finds
    the papers :func:`pithgen.search.rank` ranks, in the same order, shows the same paper
    rows (a paper's newest version and its other versions, newest first) on each page of
    results, and loads exactly the shards the reference reads plus the document blocks of
    the page it shows."""
    _, site = sitehelpers.shared_minted_site(tmp_path_factory)
    read = sitehelpers.shard_reader(site)
    block = read("search/meta")["doc_block"]
    queries = _site_queries(site, random.Random(17))
    pages = [(q, 20, 0) for q in queries] + [(q, 20, 20) for q in queries[:40]]
    out = run_harness({"search": {"site": str(site), "queries": pages}})["search"]
    grouped = 0
    for (q, limit, offset), js in zip(pages, out, strict=True):
        names: set[str] = set()

        def recording(name: str, names: set[str] = names) -> Any:
            names.add(name)
            return read(name)

        words, ranked = search_rank(q, recording)
        shown = ranked[offset : offset + limit]
        rows = [read(f"search/d/{d // block}")[d % block] for d, _ in shown]
        assert js["tokens"] == words, q
        assert js["total"] == len(ranked), q
        assert js["docs"] == rows, q
        if shown:
            names |= {f"search/d/{d // block}" for d, _ in shown}
        assert set(js["shards"]) == names, q
        grouped += sum(1 for row in rows if row[7])
    assert grouped > 50  # many results were papers with several versions


def test_js_highlights_on_a_built_site_mark_exactly_the_matched_words(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The titles and authors of real results, highlighted by pithgen.js for their query
    (and for it with the first 1 to PREFIX_MIN + 1 characters of one of their words added):
    every marked piece holds a token (Python's tokenizer) that a query word matches, and no
    unmarked piece holds one; the pieces put together are the text itself."""
    _, site = sitehelpers.shared_minted_site(tmp_path_factory)
    read = sitehelpers.shard_reader(site)
    block = read("search/meta")["doc_block"]
    rnd = random.Random(23)
    cases: list[tuple[str, list[str]]] = []
    for q in _site_queries(site, rnd):
        words, ranked = search_rank(q, read)
        for d, _ in ranked[:5]:
            row = read(f"search/d/{d // block}")[d % block]
            cases += [(row[2], words), (row[3], words)]
            # And the beginning of one of its words, around PREFIX_MIN characters long.
            for text in row[2:4]:
                word = rnd.choice(query_tokens(text) or [""])
                cases.append((text, [*words, word[: rnd.randint(1, PREFIX_MIN + 1)]]))
    assert len(cases) > 500
    out = run_harness({"highlight": cases})["highlight"]
    marked = 0
    for (text, words), pieces in zip(cases, out, strict=True):
        assert "".join(p for p, _ in pieces) == text
        for piece, mark in pieces:
            hit = any(_matches(t, w) for t in tokenize(piece) for w in words)
            assert hit == mark, (text, words, piece)
        marked += any(mark for _, mark in pieces)
    assert marked > len(cases) // 3  # titles and authors with a highlight
