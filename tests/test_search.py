"""Search over the index's shards (pithgen.search, pithgen.searchshards): one entry per
paper, abstracts, prefix matching, ranking, and the shard keys that keep a query's loads
small. pithgen.js runs the same searches in test_js_logic.py."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithgen import search
from pithgen.index import SiteIndex, Summary
from pithgen.search import (
    ABSTRACT_CHARS,
    EXACT,
    KEY_MAX,
    PREFIX_MIN,
    SEARCH_TEXT_LIMIT,
    abstract_text,
    decode_postings,
    encode_postings,
    index_tokens,
    plan_keys,
    rank,
    token_key,
)
from pithgen.searchshards import search_files
from pithgen.tokens import query_tokens

FIXTURE = Path(__file__).parent / "fixtures" / "search_papers.json"


def _suffix(n: int) -> str:
    digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    out = ""
    for _ in range(26):
        out += digits[n % 32]
        n //= 32
    return out[::-1]


def paper_records(spec: dict[str, Any], n: int) -> list[tuple[Summary, dict[str, int]]]:
    """The records of one paper of the fixture (one per version) and their tokens."""
    out = []
    for v, version in enumerate(spec["versions"], start=1):
        suffix = _suffix(n * 8 + v)
        s = Summary(
            suffix,
            f"pith:{spec['submitted_at'][:4]}:{suffix}",
            version["title"],
            version.get("authors", spec.get("authors", "")),
            spec["arxiv_id"],
            v,
            spec["submitted_at"],
            spec.get("primary_cat", "cs.LG"),
            tuple(spec.get("cross_cats", ())),
        )
        out.append((s, index_tokens(s, None, version.get("abstract", ""))))
    return out


def load_fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def fixture_records() -> list[tuple[Summary, dict[str, int]]]:
    return [r for n, p in enumerate(load_fixture()["papers"]) for r in paper_records(p, n)]


def write_site(
    site: Path, records: list[tuple[Summary, dict[str, int]]], **options: int
) -> dict[str, Any]:
    """Build the search shards into ``site``; returns them parsed, by shard name."""
    shards: dict[str, Any] = {}
    with SiteIndex() as index:
        for s, tokens in records:
            index.add(s, tokens)
        index.finish()
        for path, data in search_files(index, **options):
            target = site / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            text = data.decode("ascii")
            name, _, payload = text[len("pithgenShard(") : -3].partition(", ")
            shards[json.loads(name)] = json.loads(payload)
    return shards


def ids(shards: dict[str, Any], query: str) -> list[str]:
    """arXiv ids (with the shown version) of what a search finds, best first."""
    _, ranked = rank(query, shards.get)
    block = shards["search/meta"]["doc_block"]
    return [shards[f"search/d/{d // block}"][d % block][4] for d, _ in ranked]


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return write_site(tmp_path_factory.mktemp("search"), fixture_records())


def test_the_fixture_queries_find_what_they_say(fixture_site: dict[str, Any]) -> None:
    """Each query of tests/fixtures/search_papers.json, with the papers it must find in
    order: grouping, abstracts, prefixes and ranking are spelled out there."""
    for case in load_fixture()["queries"]:
        assert ids(fixture_site, case["q"]) == case["found"], case


def test_versions_of_a_paper_are_one_result_newest_version_shown(
    fixture_site: dict[str, Any],
) -> None:
    meta = fixture_site["search/meta"]
    papers = load_fixture()["papers"]
    assert meta["docs"] == len(papers)
    assert meta["records"] == sum(len(p["versions"]) for p in papers)
    rows = [
        r
        for n in range(-(-meta["docs"] // meta["doc_block"]))
        for r in fixture_site[f"search/d/{n}"]
    ]
    [row] = [r for r in rows if r[4].startswith("1810.06877v")]
    assert row[2] == "Neural sheaf diffusion, revised" and row[4] == "1810.06877v3"
    assert [v for v, _ in row[7]] == [2, 1]  # the other versions, newest first
    assert {s for _, s in row[7]} | {row[0]} == {_suffix(k) for k in (9, 10, 11)}
    # A word of v1's title alone still finds the paper, shown as v3.
    assert ids(fixture_site, "cellular") == ["1810.06877v3"]


def test_ranking_orders_fields_then_whole_words_then_newest(tmp_path: Path) -> None:
    """Title above authors above identifiers above abstract; the whole word above a word it
    starts in the same field; equal scores newest first; the scores add up over words."""
    base = {"submitted_at": "2020-01-01T00:00:00Z", "authors": "Ann Other"}
    papers = [
        {**base, "arxiv_id": "2001.00001", "versions": [{"title": "x", "abstract": "lattice"}]},
        {**base, "arxiv_id": "2001.00002", "versions": [{"title": "Lattice"}]},
        {**base, "arxiv_id": "2001.00003", "authors": "Lattice Smith",
         "versions": [{"title": "x"}]},
        {**base, "arxiv_id": "2001.00004", "primary_cat": "hep-lat", "versions": [{"title": "x"}]},
        {**base, "arxiv_id": "2001.00005", "versions": [{"title": "Lattices"}]},
        {**base, "arxiv_id": "2001.00006", "submitted_at": "2021-01-01T00:00:00Z",
         "versions": [{"title": "Lattice", "abstract": "lattice"}]},
    ]  # fmt: skip
    records = [r for n, p in enumerate(papers) for r in paper_records(p, n)]
    shards = write_site(tmp_path, records)
    assert ids(shards, "lattice") == [
        "2001.00006v1",  # title and abstract: 2 * 9 + 1
        "2001.00002v1",  # title, whole word: 17
        "2001.00005v1",  # title, a longer word: 16
        "2001.00003v1",  # authors: 9
        "2001.00001v1",  # abstract: 3
    ]
    assert ids(shards, "lat") == [
        "2001.00006v1", "2001.00005v1", "2001.00002v1", "2001.00003v1", "2001.00004v1",
        "2001.00001v1",
    ]  # fmt: skip
    _, ranked = rank("lattice other", shards.get)  # 2001.00003's authors are not "Ann Other"
    assert [score for _, score in ranked] == [19 + 9, 17 + 9, 16 + 9, 3 + 9]


def test_abstracts_are_indexed_full_else_the_excerpt_and_bounded() -> None:
    assert abstract_text({"abstract": "full text", "abstract_excerpt": "excerpt"}) == "full text"
    assert abstract_text({"abstract_excerpt": "excerpt"}) == "excerpt"
    assert abstract_text({"abstract": 7, "abstract_excerpt": "excerpt"}) == "excerpt"
    assert abstract_text({}) == ""
    long = "word " * ABSTRACT_CHARS + "beyondtheend"
    assert abstract_text({"abstract": long}) == long[:ABSTRACT_CHARS]
    s = Summary("A" * 26, "pith:2020:" + "A" * 26, "T", "", "2001.00001", 1,
                "2020-01-01T00:00:00Z", "cs.LG", ())  # fmt: skip
    tokens = index_tokens(
        s, "z " * SEARCH_TEXT_LIMIT + "lateauthor", abstract_text({"abstract": long})
    )
    assert "beyondtheend" not in tokens and "lateauthor" not in tokens
    assert tokens["word"] == search.ABSTRACT
    # Identifiers are indexed however long the authors text is.
    assert tokens["2001.00001v1"] == search.IDS and tokens["cs.lg"] == search.IDS


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 15)), max_size=60))
def test_postings_encoding_round_trips(raw: list[tuple[int, int]]) -> None:
    postings = sorted({d: b for d, b in raw}.items())
    encoded = encode_postings(postings)
    assert all(isinstance(v, int) and v >= 0 for v in encoded)
    assert decode_postings(encoded) == postings
    assert decode_postings([*encoded, "x", 5]) == postings  # stops at what is not a posting


def test_postings_of_one_paper_are_merged() -> None:
    """The records of a paper share its docid: one posting, with their bits together."""
    assert encode_postings([(3, search.ABSTRACT), (1, search.IDS), (3, search.TITLE)]) == [
        1 * 16 + search.IDS,
        (3 - 1) * 16 + search.TITLE + search.ABSTRACT,
    ]
    assert encode_postings([(0, 1), (0, 4)]) == [5]


_TOKENS = st.lists(
    st.text(alphabet="abc\u00e9\u6df1.-", min_size=1, max_size=KEY_MAX + 3), max_size=80
)


@settings(max_examples=80, deadline=None)
@given(_TOKENS, st.integers(1, 40), st.randoms(use_true_random=False))
def test_plan_keys_bounds_groups_and_keys_are_prefixes(
    tokens: list[str], limit: int, rnd: random.Random
) -> None:
    vocabulary = sorted({t: rnd.randint(1, 9) for t in tokens}.items())
    planned = list(plan_keys(vocabulary, limit))
    assert [t for t, _, _ in planned] == [t for t, _ in vocabulary]
    splits: dict[str, list[str]] = {}
    for _, _, lists in planned:
        splits.update(lists)
    sizes: dict[str, int] = {}
    members: dict[str, list[str]] = {}
    counts = dict(vocabulary)
    for token, key, _ in planned:
        assert token_key(token, splits) == key
        if len(token) < PREFIX_MIN:
            assert key == token
        elif key.endswith(EXACT):
            assert key == token + EXACT and token in splits
        else:
            assert token.startswith(key) and PREFIX_MIN <= len(key) <= KEY_MAX
            assert key not in splits
        sizes[key] = sizes.get(key, 0) + counts[token]
        members.setdefault(key, []).append(token)
    for key, size in sizes.items():  # a key over the limit has one token or is KEY_MAX long
        assert size <= limit or len(members[key]) == 1 or len(key) == KEY_MAX
    for key, children in splits.items():
        assert children == sorted(children) and len(key) < KEY_MAX
        assert all(len(c) == len(key) + 1 and c.startswith(key) for c in children)


def _random_query(rnd: random.Random, words: list[str]) -> str:
    picked = [rnd.choice(words) for _ in range(rnd.randint(1, 3))]
    return " ".join(w[: rnd.randint(1, len(w))] if rnd.random() < 0.6 else w for w in picked)


def test_results_do_not_depend_on_how_tokens_are_sharded(tmp_path: Path) -> None:
    """Splitting keys (a tiny GROUP_LIMIT) and any number of shards give the same results
    as one unsplit group per three-character prefix."""
    records = fixture_records()
    plain = write_site(tmp_path / "plain", records, group_limit=10**9, postings_per_shard=10**9)
    split = write_site(tmp_path / "split", records, group_limit=2, postings_per_shard=8)
    assert plain["search/meta"]["token_shards"] == 16
    assert split["search/meta"]["token_shards"] > 16
    assert any("s" in data for name, data in split.items() if name.startswith("search/t/"))
    words = sorted({t for _, tokens in records for t in tokens})
    rnd = random.Random(5)
    for q in [_random_query(rnd, words) for _ in range(300)] + ["graph", "gr", "co", "neu"]:
        assert rank(q, plain.get) == rank(q, split.get), q


def test_random_vocabulary_matches_a_brute_force_search(tmp_path: Path) -> None:
    """rank() against the definition applied to the records directly: a word matches a
    token equal to it or, from PREFIX_MIN characters, one it starts."""
    rnd = random.Random(11)
    syllables = ["ka", "ro", "mi", "ne", "su", "ta", "lo", "vi"]
    vocab = ["".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 4))) for _ in range(60)]
    papers = []
    for n in range(40):
        versions = [
            {"title": " ".join(rnd.sample(vocab, 3)), "abstract": " ".join(rnd.sample(vocab, 8))}
            for _ in range(rnd.randint(1, 3))
        ]
        authors = " ".join(rnd.sample(vocab, 2))
        submitted = f"2020-02-{1 + n % 28:02d}T00:00:00Z"
        papers.append(
            {"arxiv_id": f"2002.{n:05d}", "authors": authors, "submitted_at": submitted,
             "versions": versions}
        )  # fmt: skip
    records = [r for n, p in enumerate(papers) for r in paper_records(p, n)]
    shards = write_site(tmp_path, records, group_limit=3, postings_per_shard=16)
    by_paper: dict[str, dict[str, int]] = {}
    newest: dict[str, str] = {}
    for s, tokens in records:
        merged = by_paper.setdefault(s.arxiv_id, {})
        for t, bits in tokens.items():
            merged[t] = merged.get(t, 0) | bits
        newest[s.arxiv_id] = max(newest.get(s.arxiv_id, ""), s.submitted_at)
    order = sorted(newest, key=lambda a: (newest[a], a), reverse=True)

    def brute(q: str) -> list[tuple[int, int]]:
        words = query_tokens(q)
        out = []
        for docid, arxiv in enumerate(order):
            total = 0
            for w in words:
                scores = [
                    2 * bits + (t == w)
                    for t, bits in by_paper[arxiv].items()
                    if t == w or (len(w) >= PREFIX_MIN and t.startswith(w))
                ]
                if not scores:
                    break
                total += max(scores)
            else:
                out.append((docid, total))
        return sorted(out, key=lambda item: (-item[1], item[0])) if words else []

    for q in [_random_query(rnd, vocab) for _ in range(300)] + ["".join(string.ascii_lowercase)]:
        assert rank(q, shards.get)[1] == brute(q), q
