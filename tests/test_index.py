"""Unit tests of the index stage (pithgen.index): shards, listings, search postings."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from pithgen.index import DOC_BLOCK, SiteIndex, Summary, shard_script
from pithgen.search import Weighted, index_tokens, rank
from pithgen.searchshards import search_files
from pithgen.tokens import shard_of
from pithgen.units import pack


def listing_key(s: Summary) -> tuple[str, str, int, str]:
    """The documented listing order: submission time, arXiv id, version, suffix."""
    return (s.submitted_at, s.arxiv_id, s.version, s.suffix)


def summary(n: int, **overrides: Any) -> Summary:
    fields: dict[str, Any] = {
        "suffix": f"A{n:025d}".replace("0", "A").replace("1", "B")[:26],
        "pith_number": "",
        "title": f"Paper {n}",
        "authors": "Ann Author",
        "arxiv_id": f"2101.{n:05d}",
        "version": 1,
        "submitted_at": f"2021-01-{1 + n % 28:02d}T00:00:00Z",
        "primary_cat": "cs.LG",
        "cross_cats": (),
    }
    fields.update(overrides)
    if not fields["pith_number"]:
        fields["pith_number"] = f"pith:2021:{fields['suffix']}"
    return Summary(**fields)


def parse_shard(data: bytes) -> tuple[str, Any]:
    text = data.decode("ascii")
    assert text.startswith("pithgenShard(") and text.endswith(");\n")
    name, _, payload = text[len("pithgenShard(") : -3].partition(", ")
    return json.loads(name), json.loads(payload)


def test_shard_script_cannot_break_out_of_a_script_element() -> None:
    data = shard_script("x", {"t": "</script><script>alert(1)</script> & <!--"})
    assert b"<" not in data and b">" not in data and b"&" not in data
    assert parse_shard(data) == ("x", {"t": "</script><script>alert(1)</script> & <!--"})


def built(items: list[tuple[Summary, Weighted]], **options: int) -> dict[str, bytes]:
    with SiteIndex() as index:
        for summary_, tokens in items:
            index.add(summary_, tokens)
        index.finish()
        return {**dict(index.resolve_files()), **dict(search_files(index, **options))}


def found(files: dict[str, bytes], query: str) -> list[str]:
    """The suffixes of the papers a search finds, best first (pithgen.search.rank)."""

    def read(name: str) -> Any:
        data = files.get(f"{name}.js")
        return parse_shard(data)[1] if data is not None else None

    _, ranked = rank(query, read)
    block = read("search/meta")["doc_block"]
    return [read(f"search/d/{d // block}")[d % block][0] for d, _ in ranked]


def test_search_index_finds_authors_beyond_the_displayed_part() -> None:
    long_authors = ", ".join(f"Author{i} Person" for i in range(80)) + ", Zelda Lastauthor"
    s = summary(1, authors=long_authors[:50])
    files = built([(s, index_tokens(s, long_authors))])
    assert found(files, "Lastauthor") == [s.suffix]
    _, docs = parse_shard(files["search/d/0.js"])
    assert docs[0][3] == long_authors[:50]  # the document block shows the short form


def test_document_ids_are_newest_first_whatever_the_insertion_order() -> None:
    ordered = [summary(n, title="shared words") for n in range(DOC_BLOCK + 5)]
    shuffled = list(ordered)
    random.Random(7).shuffle(shuffled)
    files = built([(s, index_tokens(s)) for s in shuffled])
    assert files == built([(s, index_tokens(s)) for s in ordered])  # same bytes
    newest_first = sorted(ordered, key=listing_key, reverse=True)
    # Equal scores: newest first.
    assert found(files, "shared") == [s.suffix for s in newest_first]
    _, first = parse_shard(files["search/d/0.js"])
    assert [row[0] for row in first] == [s.suffix for s in newest_first[:DOC_BLOCK]]
    assert "search/d/1.js" in files and "search/d/2.js" not in files


def test_listings_are_oldest_first_and_newest_is_reversed() -> None:
    items = [summary(n) for n in range(30)]
    random.Random(1).shuffle(items)
    with SiteIndex() as index:
        for s in items:
            index.add(s, index_tokens(s))
        index.finish()
        assert index.groups("year") == [("2021", 30)]
        pages = list(index.pages("year", "2021", 30, 10))
        listed = [p.latest for page in pages for p in page.items]
        assert all(p.others == () and not p.cross_list for page in pages for p in page.items)
        assert [listing_key(s) for s in listed] == sorted(map(listing_key, items))
        assert [p.number for p in pages] == [1, 2, 3] and pages[0].count == 3
        newest = index.newest(5)
        assert [listing_key(s) for s in newest] == sorted(map(listing_key, items), reverse=True)[:5]
        assert [short for short, _ in index.by_short()] == sorted({s.suffix[:8] for s in items})


def test_pagination_is_stable_and_names_files() -> None:
    items = [summary(n) for n in range(25)]
    with SiteIndex() as index:
        for s in items:
            index.add(s, index_tokens(s))
        index.finish()
        pages = list(index.pages("year", "2021", 25, 10))
        assert [len(p.items) for p in pages] == [10, 10, 5]
        assert [p.filename() for p in pages] == ["index.html", "page-2.html", "page-3.html"]
        assert pages[1].filename(1) == "index.html"
        (only,) = index.pages("year", "1999", 0, 10)
        assert only.count == 1 and only.items == []


def test_resolve_shards_group_versions_by_id() -> None:
    items = [summary(1, version=2), summary(2, arxiv_id="2101.00001", version=1)]
    files = built([(s, index_tokens(s)) for s in items])
    meta = json.loads(files["resolve/meta.json"])
    assert (meta["records"], meta["ids"]) == (2, 1)
    shard = shard_of("2101.00001", meta["id_shards"])
    table = json.loads(files[f"resolve/a/{shard}.json"])
    assert [row[0] for row in table["2101.00001"]] == [1, 2]
    assert parse_shard(files[f"resolve/a/{shard}.js"])[1] == table


def _index(items: list[Summary]) -> SiteIndex:
    index = SiteIndex()
    for s in items:
        index.add(s, index_tokens(s))
    index.finish()
    return index


def test_a_listing_shows_one_entry_per_paper_newest_version_first() -> None:
    """Versions of one paper are one entry (newest first) and never split across pages,
    which hold ``size`` papers each, oldest paper first."""
    items = [summary(n) for n in range(5)]
    # 2101.00002 in three versions; a listing places a paper by its earliest date.
    items += [summary(100 + v, arxiv_id="2101.00002", version=v) for v in (2, 3)]
    items[2:3] = []
    items.append(
        summary(7, arxiv_id="2101.00002", suffix="Z" * 26, submitted_at="2021-01-03T00:00:00Z")
    )
    random.Random(3).shuffle(items)
    with _index(items) as index:
        assert index.groups("year") == [("2021", 5)]  # papers, not records
        pages = list(index.pages("year", "2021", 5, 2))
        assert [p.count for p in pages] == [3, 3, 3]
        entries = [[(s.arxiv_id, s.version) for s in p.versions] for pg in pages for p in pg.items]
        assert [len(pg.items) for pg in pages] == [2, 2, 1]
        assert entries == [
            [("2101.00000", 1)],
            [("2101.00001", 1)],
            [("2101.00002", 3), ("2101.00002", 2), ("2101.00002", 1)],
            [("2101.00003", 1)],
            [("2101.00004", 1)],
        ]
        newest = index.newest_papers(2)  # by a paper's newest record: v3 of 2101.00002
        assert [[s.arxiv_versioned for s in p.versions] for p in newest] == [
            ["2101.00002v3", "2101.00002v2", "2101.00002v1"],
            ["2101.00004v1"],
        ]
        (paper,) = [p for p in index.newest_papers() if p.latest.arxiv_id == "2101.00002"]
        assert paper.latest.version == 3
        assert [s.version for s in paper.others] == [2, 1]


def test_category_listings_hold_cross_lists_marked_as_such() -> None:
    primary = summary(1, primary_cat="cs.LG", cross_cats=("math.PR", "stat.ML"))
    other = summary(2, primary_cat="stat.ML")
    # v2 of paper 1 moved to math.PR as primary; v1 has it as a cross-list.
    moved = summary(
        3,
        arxiv_id=primary.arxiv_id,
        version=2,
        submitted_at=primary.submitted_at,
        primary_cat="math.PR",
        cross_cats=("cs.LG",),
    )
    with _index([primary, other, moved]) as index:
        assert index.groups("cat") == [("cs.LG", 1), ("math.PR", 1), ("stat.ML", 2)]
        (stat,) = index.pages("cat", "stat.ML", 2, 10)
        assert [(p.latest.arxiv_versioned, p.cross_list) for p in stat.items] == [
            (primary.arxiv_versioned, True),
            (other.arxiv_versioned, False),
        ]
        (math,) = index.pages("cat", "math.PR", 1, 10)
        ((paper),) = math.items
        assert [s.version for s in paper.versions] == [2, 1] and not paper.cross_list
        (lg,) = index.pages("cat", "cs.LG", 1, 10)
        assert [s.version for s in lg.items[0].versions] == [2, 1] and lg.items[0].cross_list
        # A year listing has no cross-lists and counts each paper once.
        assert index.groups("year") == [("2021", 2)]


def _stored(index: SiteIndex) -> list[list[Any]]:
    """Every row of the index's tables (the cross-lists column parsed: its spacing is
    not part of what it says)."""
    db = index.db
    summaries = [
        [*row[:-1], json.loads(row[-1])]
        for row in db.execute(
            "SELECT rid, suffix, pith, title, authors, arxiv, version, submitted_at, year, cat, "
            "cross FROM summaries ORDER BY rid"
        )
    ]
    crosslists = db.execute("SELECT cat, rid FROM crosslists ORDER BY cat, rid").fetchall()
    postings = db.execute("SELECT token, rid, bits FROM postings ORDER BY rid, token").fetchall()
    return [summaries, crosslists, postings]


def test_records_added_packed_are_stored_as_when_added_unpacked() -> None:
    """``add_packed`` (what an incremental build uses for the units it keeps) takes the
    units' remembered JSON apart in SQLite; the tables must be exactly ``add_many``'s,
    whatever the text (quotes, backslashes, any script, astral characters) and whatever
    the cross-lists (none, several, the primary category among them)."""
    rng = random.Random(7)
    alphabet = 'ab"\\/\u00e9\u4e2d\U0001d400 \t<>&'
    items = []
    for n in range(200):
        title = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        cats = rng.sample(["cs.CR", "cs.LG", "math.CO", "hep-th"], rng.randint(0, 3))
        primary = rng.choice(["cs.CR", "hep-th"])
        summary = Summary(
            f"SUFFIX{n:04d}", f"pith:2019:SUFFIX{n:04d}", title, f"Author {title[:5]}",
            f"1901.{n:05d}", 1 + n % 3, f"{2010 + n % 9}-01-0{1 + n % 9}T00:00:00Z", primary,
            tuple(sorted(cats)),
        )  # fmt: skip
        items.append((summary, index_tokens(summary, summary.authors, title)))
    with SiteIndex() as unpacked, SiteIndex() as packed:
        unpacked.add_many(items[:150])
        unpacked.add_many(items[150:])
        packed.add_packed([pack(item) for item in items[:150]])
        packed.add_packed([pack(item) for item in items[150:]])
        unpacked.finish()
        packed.finish()
        # a packed record's postings are taken apart when the index is first searched
        assert (packed.count, packed.postings) == (unpacked.count, unpacked.postings)
        assert _stored(packed) == _stored(unpacked)
        assert packed.postings > 200


def test_the_content_digest_is_of_what_the_index_holds_not_how_it_came() -> None:
    """Site-wide outputs made from the index alone are kept when its content digest is
    the last build's: it must not depend on the order records came in, nor on whether
    they came packed (kept units) or not (rendered ones), and must change with any field
    or token of any record, and with a record more or fewer."""
    items = []
    for n in range(40):
        s = summary(n, cross_cats=("math.CO",) if n % 3 else ())
        items.append((s, index_tokens(s, s.authors, f"abstract {n}")))

    def digest(*batches: tuple[str, list[tuple[Summary, Weighted]]]) -> bytes:
        with SiteIndex() as index:
            for how, batch in batches:
                if how == "packed":
                    index.add_packed([pack(item) for item in batch])
                else:
                    index.add_many(batch)
            index.finish()
            return index.content_digest()

    base = digest(("plain", items))
    shuffled = items[:]
    random.Random(3).shuffle(shuffled)
    assert digest(("packed", shuffled[:25]), ("plain", shuffled[25:])) == base
    assert digest(("plain", shuffled[:5]), ("packed", shuffled[5:])) == base
    first, tokens = items[7]
    changes = [
        (summary(7, title="Paper 7, retitled"), tokens),
        (summary(7, version=2), tokens),
        (summary(7, submitted_at="2022-01-01T00:00:00Z"), tokens),
        (summary(7, cross_cats=("cs.CR",)), tokens),
        (first, {**tokens, "extra": 1}),
        (first, {t: b ^ 1 if t == "paper" else b for t, b in tokens.items()}),
    ]
    assert "paper" in tokens
    for changed in changes:
        assert digest(("plain", [*items[:7], changed, *items[8:]])) != base, changed
    assert digest(("plain", items[:-1])) != base
    assert digest(("plain", [*items, (summary(99), {"more": 8})])) != base


def test_the_search_tables_are_made_once_every_record_is_in() -> None:
    """Docids rank every paper: the search tables (made on first use, so a build that
    keeps its search shards never makes them) cannot be made before :meth:`finish`."""
    with SiteIndex() as index:
        index.add_packed([pack((summary(1), {"alpha": 8}))])
        with pytest.raises(RuntimeError, match="finish"):
            _ = index.postings
        index.add(summary(2), {"alpha": 1, "beta": 2})
        index.finish()
        assert index.postings == 3 and index.paper_count() == 2
        assert sorted(index.vocabulary()) == [("alpha", 2), ("beta", 1)]
