"""pithgen.js resolver and search, run by node against a fake DOM and a site directory of
shard files written by the index stage (pithgen.index, pithgen.searchshards)."""

from __future__ import annotations

import json
import shutil
import subprocess
from itertools import chain
from pathlib import Path
from typing import Any

import pytest
from test_js_logic import run_harness

from pithgen.index import SiteIndex, Summary
from pithgen.search import index_tokens
from pithgen.searchshards import search_files
from pithgen.tokens import shard_of

DOM_HARNESS = Path(__file__).parent / "js" / "dom_harness.js"

EVIL = '</script><img src=x onerror=alert(1)> & "quoted" <b>bold</b>'
R1 = ("M4NI2KXAZCOWQTM4MGTRDHNEU2", "pith:2018:M4NI2KXAZCOWQTM4MGTRDHNEU2")
R2 = ("M4NI2KXBAAAAAAAAAAAAAAAAAA", "pith:2019:M4NI2KXBAAAAAAAAAAAAAAAAAA")
R3 = ("4FP6Z27BAAAAAAAAAAAAAAAAAA", "pith:2018:4FP6Z27BAAAAAAAAAAAAAAAAAA")
R4 = ("CXCABA6QFIUMLMALDXDVFWNFNQ", "pith:2018:CXCABA6QFIUMLMALDXDVFWNFNQ")
R5 = ("7777777777777777777777777A", "pith:1996:7777777777777777777777777A")

# suffix, pith number, title, authors, arxiv id, version, category, year
RECORDS: list[tuple[str, str, str, str, str, int, str, int]] = [
    (*R1, "ARPA Whitepaper", "Alice Example", "1812.05820", 1, "cs.CR", 2018),
    (*R2, "Another paper", "Bob Example", "1901.00001", 1, "math.GT", 2019),
    (*R3, "Old version of a paper", "Carol", "1810.06877", 1, "cs.LG", 2018),
    (*R4, "New version of a paper", "Carol", "1810.06877", 2, "cs.LG", 2018),
    (*R5, EVIL, "Mallory", "astro-ph/9610094", 1, "astro-ph", 1996),
] + [
    (
        "F" + format(i, "025b").replace("0", "A").replace("1", "B"),
        "pith:2020:F" + format(i, "025b").replace("0", "A").replace("1", "B"),
        f"Filler paper number {i} on topology",
        "Dan Filler",
        f"2001.{i:05d}",
        1,
        "math.GT",
        2020,
    )
    for i in range(60)
]
DOC_BLOCK = 2
TOKEN_SHARDS = 16


def build_site(site: Path) -> None:
    """The resolve and search shards of RECORDS, written by the index stage itself with
    document blocks of DOC_BLOCK papers (every filler paper is submitted at the same time:
    the newest first are the fillers, highest arXiv id first)."""
    with SiteIndex() as index:
        for suffix, pith, title, authors, arxiv_id, version, cat, year in RECORDS:
            submitted = f"{year}-06-01T00:00:00Z"
            index.add(
                s := Summary(suffix, pith, title, authors, arxiv_id, version, submitted, cat, ()),
                index_tokens(s),
            )
        index.finish()
        for path, data in chain(index.resolve_files(), search_files(index, doc_block=DOC_BLOCK)):
            target = site / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    meta = json.loads((site / "search/meta.js").read_text().split(", ", 1)[1][:-3])
    assert meta["token_shards"] == TOKEN_SHARDS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("site")
    build_site(path)
    return path


def run(site: Path, runs: list[dict[str, str]], root: str = "", page_dir: str = "") -> Any:
    return run_harness(
        {"site": str(site), "root": root, "page_dir": page_dir, "runs": runs}, DOM_HARNESS
    )


def page(kind: str, q: str, via: str = "url") -> dict[str, str]:
    return {"page": kind, "q": q, "via": via}


def href(suffix: str, root: str = "") -> str:
    return f"{root}pith/{suffix}/index.html"


def texts(result: dict[str, Any]) -> str:
    return " | ".join(n["text"] for n in result["nodes"] if n["text"])


def test_shard_files_escape_markup(site: Path) -> None:
    text = (site / "resolve/p/77.js").read_text(encoding="utf-8")
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003c/script\\u003e" in text


def test_resolver_redirects_on_a_unique_match(site: Path) -> None:
    out = run(
        site,
        [
            page("resolve", R1[1]),
            page("resolve", "m4ni2kxa"),
            page("resolve", "arXiv:1810.06877"),
            page("resolve", "1810.06877v1"),
            page("resolve", "https://arxiv.org/abs/astro-ph%2F9610094"),
            page("resolve", "10.48550/ARXIV.1812.05820"),
        ],
    )
    assert [r["replaced"] for r in out] == [
        href(R1[0]),
        href(R1[0]),
        href(R4[0]),  # no version asked: the highest one
        href(R3[0]),
        href(R5[0]),
        href(R1[0]),
    ]
    assert out[0]["scripts"] == ["resolve/meta.js", "resolve/p/M4.js"]
    assert out[2]["scripts"] == ["resolve/meta.js", f"resolve/a/{shard_of('1810.06877', 16)}.js"]
    assert out[0]["input"] == R1[1]  # the query from the URL is shown in the form


def test_resolver_lists_ambiguous_prefixes(site: Path) -> None:
    (out,) = run(site, [page("resolve", "pith:m4ni")])
    assert out["replaced"] is None
    links = [n for n in out["nodes"] if n["tag"] == "a"]
    assert [(a["text"], a["href"]) for a in links] == [
        (R1[1], href(R1[0])),
        (R2[1], href(R2[0])),
    ]
    assert "2 records start with M4NI" in texts(out)


def test_resolver_reports_a_missing_version(site: Path) -> None:
    (out,) = run(site, [page("resolve", "1810.06877v7")])
    assert out["replaced"] is None
    assert "No version 7 of 1810.06877" in texts(out)
    assert [n["href"] for n in out["nodes"] if n["tag"] == "a"] == [href(R3[0]), href(R4[0])]


@pytest.mark.parametrize(
    ("q", "why"),
    [
        ("hello world", "not a Pith Number"),
        ("2101.00001", "no record in this mirror"),  # its id shard may exist or not
        ("ZZZZZZZZ", "no record in this mirror"),  # resolve/p/ZZ.js does not exist
        ("pith:M4NJ", "no record in this mirror"),
    ],
)
def test_resolver_says_nothing_matched(site: Path, q: str, why: str) -> None:
    (out,) = run(site, [page("resolve", q)])
    assert out["replaced"] is None
    shown = texts(out)
    assert f"Nothing matched \u201c{q}\u201d" in shown
    assert why in shown
    assert "arXiv:1810.06877" in shown  # the accepted forms are listed


def test_resolver_form_submit_runs_in_page_from_a_nested_page(site: Path) -> None:
    (out,) = run(site, [page("resolve", "4FP6Z27B", via="submit")], "../../", "pith/X")
    assert out["prevented"] is True
    assert out["replaced"] == href(R3[0], "../../")
    assert out["scripts"] == ["../../resolve/meta.js", "../../resolve/p/4F.js"]


def titles(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, href) of the result titles, their text whole (highlights are child nodes)."""
    return [(n["full"], n["href"]) for n in result["nodes"] if n["cls"] == "result-title"]


def marks(result: dict[str, Any], cls: str) -> list[str]:
    """The highlighted words under the nodes of class ``cls``, in order."""
    out: list[str] = []
    inside = False
    for n in result["nodes"]:
        if n["cls"] == cls:
            inside = True
        elif n["tag"] not in ("mark", "#text"):
            inside = False
        elif inside and n["tag"] == "mark":
            out.append(n["text"])
    return out


def test_search_renders_results_as_text_with_highlights(site: Path) -> None:
    out = run(site, [page("search", "ARPA whitepa"), page("search", "script img onerror")])
    first = out[0]
    assert "1 paper for \u201cARPA whitepa\u201d" in texts(first)
    assert titles(first) == [("ARPA Whitepaper", href(R1[0]))]
    assert marks(first, "result-title") == ["ARPA", "Whitepaper"]
    assert {"Alice Example", "arXiv:1812.05820v1", "cs.CR", "2018", R1[1]} <= {
        n["full"] for n in first["nodes"]
    }
    evil = out[1]
    assert [t for t, _ in titles(evil)] == [EVIL]  # rendered as text, never as markup
    assert marks(evil, "result-title") == ["script", "img", "onerror"]
    assert not [n for n in evil["nodes"] if n["tag"] in ("img", "b", "script")]


def test_search_loads_only_the_shards_it_needs_and_pages_results(site: Path) -> None:
    (out,) = run(site, [page("search", "Topology")])
    shown = [t for t, _ in titles(out)]
    assert len(shown) == 20
    # Equal scores: newest first (same submission time: highest arXiv id first).
    assert shown == [f"Filler paper number {59 - i} on topology" for i in range(20)]
    assert "60 papers (showing 1\u201320, best matches first) for \u201cTopology\u201d" in texts(
        out
    )
    [nxt] = [n for n in out["nodes"] if n["text"] == "next \u2192"]
    assert nxt["href"] == "search.html?q=Topology&page=2"
    # The meta, the one token shard of "top" and the blocks of docids 0..19 (2 a block).
    assert out["scripts"] == [
        "search/meta.js",
        f"search/t/{shard_of('top', TOKEN_SHARDS)}.js",
        *(f"search/d/{b}.js" for b in range(10)),
    ]


def test_search_last_page_shows_the_rest(site: Path) -> None:
    (out,) = run(site, [dict(page("search", "Topology"), extra="&page=3")])
    shown = [t for t, _ in titles(out)]
    assert shown == [f"Filler paper number {19 - i} on topology" for i in range(20)]
    assert "60 papers (showing 41\u201360, best matches first)" in texts(out)
    [prev] = [n for n in out["nodes"] if n["text"] == "\u2190 previous"]
    assert prev["href"] == "search.html?q=Topology&page=2"
    assert not [n for n in out["nodes"] if n["text"] == "next \u2192"]
    assert sorted(s for s in out["scripts"] if "/d/" in s) == sorted(
        f"search/d/{b}.js" for b in range(20, 30)
    )


def test_search_shows_one_entry_per_paper_with_its_other_versions(site: Path) -> None:
    out = run(
        site,
        [
            page("search", "version paper"),
            page("search", "old version"),  # only v1's title says "old"
            page("search", "1810.06877v1"),
        ],
    )
    for result in out:
        assert titles(result) == [("New version of a paper", href(R4[0]))]
        assert "1 paper for" in texts(result)
        links = [n for n in result["nodes"] if n["tag"] == "a" and n["text"] == "v1"]
        assert [(a["href"], a["title"]) for a in links] == [
            (href(R3[0]), "arXiv:1810.06877v1 \u00b7 pith:4FP6Z27B")
        ]
        [versions] = [n for n in result["nodes"] if n["cls"] == "result-versions"]
        assert versions["full"] == "also v1"
    assert marks(out[0], "result-title") == ["version", "paper"]
    assert marks(out[1], "result-title") == ["version"]  # "Old" is in v1's title only


def test_search_ands_words_and_matches_prefixes_and_sub_compounds(site: Path) -> None:
    out = run(
        site,
        [
            page("search", "anoth pap"),
            page("search", "astro-ph"),
            page("search", "1810.068"),
            page("search", "topology Carol"),
            page("search", "ex"),  # two letters: the whole word only
        ],
    )
    found = [[h for _, h in titles(r)] for r in out]
    assert found[0] == [href(R2[0])]
    assert found[1] == [href(R5[0])]
    assert found[2] == [href(R4[0])]
    assert found[3] == []
    assert found[4] == []
    assert "No papers match \u201ctopology Carol\u201d" in texts(out[3])
    assert "This looks like an identifier" not in texts(out[0])


def test_search_offers_the_resolver_only_for_identifiers(site: Path) -> None:
    out = run(
        site, [page("search", "topology"), page("search", "M4NI2KXA"), page("search", "1810.06877")]
    )
    assert "This looks like an identifier" not in texts(out[0])  # 8 base32 letters, a word
    links = [n for n in out[1]["nodes"] if n["text"] == "resolve M4NI2KXA"]
    assert [n["href"] for n in links] == ["resolve.html?q=M4NI2KXA"]
    assert "This looks like an identifier" in texts(out[2])


def test_missing_token_shard_means_no_results(site: Path, tmp_path: Path) -> None:
    sparse = tmp_path / "sparse"
    shutil.copytree(site, sparse)
    h = shard_of("whi", TOKEN_SHARDS)
    (sparse / "search" / "t" / f"{h}.js").unlink()
    (out,) = run(sparse, [page("search", "whitepaper")])
    assert f"search/t/{h}.js" in out["scripts"]
    assert "No papers match \u201cwhitepaper\u201d" in texts(out)


@pytest.mark.parametrize("meta", [{"token_shards": 12, "doc_block": 2}, {"token_shards": 16}])
def test_a_broken_search_meta_is_an_error_not_a_wrong_result(
    site: Path, tmp_path: Path, meta: dict[str, Any]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(site, broken)
    (broken / "search" / "meta.js").write_text(f'pithgenShard("search/meta", {json.dumps(meta)});')
    (out,) = run(broken, [page("search", "whitepaper")])
    assert "The search index could not be loaded" in texts(out)
    assert not [s for s in out["scripts"] if "/d/" in s]


def test_search_without_words_and_by_submit(site: Path) -> None:
    out = run(site, [page("search", "a ?"), page("search", "whitepaper", via="submit")])
    assert "Type at least one word" in texts(out[0])
    assert not [s for s in out[0]["scripts"] if s.startswith("search/")]
    assert out[1]["prevented"] is True
    assert [t for t, _ in titles(out[1])] == ["ARPA Whitepaper"]


def test_resolve_page_like_the_template(site: Path) -> None:
    out = run(
        site,
        [
            page("resolve-page", "arXiv:astro-ph/9610094v1"),
            page("resolve-page", "nonsense words"),
            page("resolve-page", "M4NI2KXA", via="header-submit"),
            page("resolve-page", "pith:M4NI", via="submit"),
        ],
    )
    assert out[0]["replaced"] == href(R5[0])
    assert out[0]["input"] == "arXiv:astro-ph/9610094v1"
    # messages go into #resolve-results: the node right after it holds the text
    ids = [n for n in out[1]["nodes"] if n["cls"] == "status-none"]
    assert len(ids) == 1 and "Nothing matched \u201cnonsense words\u201d" in ids[0]["text"]
    assert out[2]["prevented"] is True and out[2]["replaced"] == href(R1[0])
    assert out[3]["prevented"] is True and out[3]["replaced"] is None
    assert len([n for n in out[3]["nodes"] if n["tag"] == "a"]) == 2


def test_header_form_with_action_submits_normally(site: Path) -> None:
    out = run(
        site,
        [page("resolve-header", "M4NI2KXA", via="submit"), page("resolve-header", "M4NI2KXA")],
    )
    # Not intercepted: the browser goes to resolve.html?q=..., which does the work.
    assert out[0]["prevented"] is False
    assert out[0]["scripts"] == [] and out[0]["replaced"] is None
    # ?q on an ordinary page with only the header form is not acted on either.
    assert out[1]["scripts"] == [] and out[1]["replaced"] is None


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


PAGE = (
    '<!doctype html><html><head><meta charset="utf-8">'
    '<script src="{root}pithgen.js" defer></script></head><body data-root="{root}">{body}'
    "</body></html>"
)


@pytest.mark.skipif(_chromium() is None, reason="no Chromium to run a real browser check")
def test_real_chromium_from_file_urls(site: Path, tmp_path: Path) -> None:
    """The same code in a real browser from file://, where fetch() would be blocked."""
    browser = _chromium()
    assert browser is not None
    real = tmp_path / "site"
    shutil.copytree(site, real)
    shutil.copy(Path(__file__).parent.parent / "templates" / "assets" / "pithgen.js", real)
    (real / "resolve.html").write_text(
        PAGE.format(
            root="",
            body='<form id="resolve-page-form" action="resolve.html"><input name="q"></form>'
            '<div id="resolve-results"></div>',
        )
    )
    (real / "search.html").write_text(
        PAGE.format(
            root="",
            body='<form id="search-form" action="search.html"><input name="q"></form>'
            '<div id="search-results"></div>',
        )
    )
    record = real / "pith" / R4[0]
    record.mkdir(parents=True)
    (record / "index.html").write_text(PAGE.format(root="../../", body="<h1>RECORD-PAGE-R4</h1>"))

    def dump(url: str) -> str:
        proc = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        return proc.stdout

    assert "RECORD-PAGE-R4" in dump((real / "resolve.html").as_uri() + "?q=arXiv%3A1810.06877")
    dom = dump((real / "search.html").as_uri() + "?q=script+onerror")
    assert "1 paper for" in dom
    # Text, not markup; the matched words marked.
    assert "&lt;/<mark>script</mark>&gt;&lt;img src=x <mark>onerror</mark>=alert(1)&gt;" in dom
    assert "<img" not in dom
