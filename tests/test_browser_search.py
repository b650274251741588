"""Search in real headless Chromium (ChromeDriver, tests/webdriver.py) on a built site opened
from ``file://``: a word's beginning finds a paper; title and author hits rank above
abstract-only hits; matched words are highlighted and record text stays text (a title made
of ``<script>`` and HTML neither runs nor adds an element); the versions of a paper are
one result with the other versions a click away; and the page loads exactly the shards
the reference search (:func:`pithgen.search.rank`) reads, a few of the site's many.

Like the other browser tests, these fail rather than skip when Chromium or ChromeDriver
is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import SIGNED_AT, make_paper
from sitehelpers import Archive, build_minted, fixture_key, shard_reader, write_test_key
from webdriver import Browser, find_program

from pithgen import search
from pithgen.mint import mint_record

WORD = "Zephyrine"
PREFIX = "zephyr"
EVIL = (
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> '
    f"{WORD} & <b>bold</b> </title>"
)
FILLER_WORDS = ("lattice", "spectral", "manifold", "entropy", "galaxy", "quantum", "sparse")


def _papers() -> dict[str, list[dict[str, Any]]]:
    """name -> the versions (make_paper fields) of the papers the tests search for, and
    fillers so that the index has many token shards and document blocks."""
    word_in_title = [
        {"version": 1, "title": f"{WORD} holonomy of flat bundles, preliminary",
         "submitted_at": "2021-03-01T00:00:00Z"},
        {"version": 2, "title": f"{WORD} holonomy of flat bundles",
         "submitted_at": "2021-04-01T00:00:00Z"},
    ]  # fmt: skip
    papers: dict[str, list[dict[str, Any]]] = {
        "title": [{"arxiv_id": "2103.00001", **v} for v in word_in_title],
        "evil": [{"arxiv_id": "2102.00004", "title": EVIL, "submitted_at": "2021-02-01T00:00:00Z"}],
        "authors": [
            {
                "arxiv_id": "2104.00002",
                "title": "Sheaf cohomology in practice",
                "authors": f"{WORD} Okafor, Li Wei",
                "submitted_at": "2021-05-01T00:00:00Z",
            }
        ],
        # The newest of them: first if results were ordered by date alone.
        "abstract": [
            {
                "arxiv_id": "2106.00003",
                "title": "Spectral gaps of random graphs",
                "abstract": f"We settle the {WORD.lower()} conjecture for expanders.",
                "submitted_at": "2021-06-01T00:00:00Z",
            }
        ],
    }
    for n in range(80):
        words = [FILLER_WORDS[(n + k) % len(FILLER_WORDS)] for k in (0, 2, 3)]
        papers[f"filler{n}"] = [
            {"arxiv_id": f"1907.{n + 10:05d}",
             "title": f"{words[0].title()} {words[1]} methods, study {n}",
             "abstract": f"On {words[2]} systems and lattice models number {n}.",
             "submitted_at": f"2019-07-{1 + n % 28:02d}T00:00:00Z"}
        ]  # fmt: skip
    return papers


class Site:
    def __init__(self, root: Path, suffixes: dict[str, list[str]]) -> None:
        self.root = root
        self.suffixes = suffixes  # paper name -> record suffixes by version

    def url(self, page: str) -> str:
        return (self.root / page).as_uri()

    def page(self, name: str, version: int = -1) -> str:
        return f"pith/{self.suffixes[name][version]}/index.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("searchsite")
    records = root / "records"
    records.mkdir()
    key = fixture_key()
    lines, suffixes = [], {}
    for name, versions in _papers().items():
        for v in versions:
            doc = mint_record(make_paper(cross_cats=(), **v), key, signed_at=SIGNED_AT)
            lines.append(json.dumps(doc, ensure_ascii=False))
            suffixes.setdefault(name, []).append(doc["pith_number"].rsplit(":", 1)[1])
    (records / "all.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    archive = Archive(records, write_test_key(root / "test-key.json"))
    build_minted(archive, root / "site")
    return Site(root / "site", suffixes)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = find_program("chromium", "chromium-browser", "google-chrome")
    driver = find_program("chromedriver")
    if chromium is None or driver is None:
        pytest.fail(
            "chromium and chromedriver are needed for the search tests: install them with "
            "`bash .ci/setup` (Debian packages chromium and chromium-driver)",
            pytrace=False,
        )
    with Browser(chromium, driver) as b:
        yield b


#: Each result as the reader sees it: its title link, title and authors text with their
#: marked words, the links to other versions; and every script element the page has.
RESULTS_JS = """
const marks = (node) => node ? Array.from(node.querySelectorAll("mark"), (m) => m.textContent) : [];
const results = Array.from(document.querySelectorAll("#search-results li.result"), (li) => {
  const title = li.querySelector("a.result-title");
  const authors = li.querySelector(".result-authors");
  return {
    href: title.getAttribute("href"),
    title: title.textContent,
    title_marks: marks(title),
    authors: authors ? authors.textContent : "",
    author_marks: marks(authors),
    versions: Array.from(li.querySelectorAll(".result-versions a"),
                         (a) => [a.textContent, a.getAttribute("href")]),
    elements: Array.from(li.querySelectorAll("*"), (e) => e.tagName.toLowerCase()),
  };
});
const scripts = Array.from(document.querySelectorAll("script[src]"), (s) => s.src);
return {results, scripts, pwned: window.__pwned === undefined ? null : window.__pwned,
        title: document.title};
"""


def _search(browser: Browser, site: Site, query: str) -> dict[str, Any]:
    browser.get(site.url("search.html") + "?q=" + quote(query))
    assert browser.wait_for(
        "return !!document.querySelector('#search-results .search-count, "
        "#search-results .status-none, #search-results .status-error')"
    ), query
    out: dict[str, Any] = browser.run(RESULTS_JS)
    # Everything the browser fetched for the page (Resource Timing is empty on file://).
    tree = browser.cdp("Page.getResourceTree", {})["frameTree"]
    out["resources"] = [r["url"] for r in tree["resources"]]
    return out


def _shards_read(site: Site, query: str) -> set[str]:
    """The search shards the reference search reads for ``query``, and the document
    blocks of its first page of results."""
    read = shard_reader(site.root)
    names: set[str] = set()

    def recording(name: str) -> Any:
        names.add(name)
        return read(name)

    _, ranked = search.rank(query, recording)
    block = read("search/meta")["doc_block"]
    names |= {f"search/d/{docid // block}" for docid, _ in ranked[:20]}
    return {f"{name}.js" for name in names}


def _site_paths(site: Site, urls: list[str]) -> set[str]:
    root = site.root.as_uri() + "/"
    return {u[len(root) :] for u in urls if u.startswith(root)}


def test_a_word_prefix_finds_papers_ranked_title_authors_then_abstract(browser, site) -> None:
    out = _search(browser, site, PREFIX)
    hrefs = [r["href"] for r in out["results"]]
    # Title hits (the newer paper first), then the author hit, then the abstract-only hit,
    # although that paper is the newest of all.
    assert hrefs == [site.page(n) for n in ("title", "evil", "authors", "abstract")]
    assert all((site.root / h).is_file() for h in hrefs)
    assert browser.run("return document.querySelector('.search-count').textContent") == (
        f"4 papers for \u201c{PREFIX}\u201d"
    )
    # Whole words and several words: the same papers, all words required.
    assert [r["href"] for r in _search(browser, site, WORD)["results"]] == hrefs
    both = _search(browser, site, f"{PREFIX} holon")["results"]
    assert [r["href"] for r in both] == [site.page("title")]
    assert both[0]["title_marks"] == [WORD, "holonomy"]
    assert _search(browser, site, "zep")["results"][0]["href"] == site.page("title")
    assert _search(browser, site, "ze")["results"] == []  # two letters: whole words only


def test_matches_are_highlighted_and_record_text_stays_text(browser, site) -> None:
    out = _search(browser, site, PREFIX)
    title, evil, authors, abstract = out["results"]
    assert title["title_marks"] == [WORD] and title["author_marks"] == []
    assert authors["author_marks"] == [WORD] and authors["title_marks"] == []
    assert authors["authors"] == f"{WORD} Okafor, Li Wei"
    assert abstract["title_marks"] == [] and abstract["author_marks"] == []
    # The hostile title: shown as its own text, its words marked, nothing run or added.
    assert evil["title"] == EVIL
    assert evil["title_marks"] == [WORD]
    assert set(evil["elements"]) <= {"a", "mark", "div", "span"}
    assert out["pwned"] is None
    assert out["title"] == browser.run("return document.title")
    assert "pwned" not in out["title"]
    # Marked words of a query that names the markup are marks, not elements either.
    markup = _search(browser, site, "script img onerror bold")["results"]
    assert [r["href"] for r in markup] == [site.page("evil")]
    assert markup[0]["title_marks"] == ["script", "script", "img", "onerror", "bold"]
    assert set(markup[0]["elements"]) <= {"a", "mark", "div", "span"}
    assert browser.run("return window.__pwned === undefined")


def test_versions_of_a_paper_are_one_result_and_the_others_are_reachable(browser, site) -> None:
    # Found by words of both versions, of v1 only ("preliminary") and by either version's
    # id, the paper is one result, shown as its newest version, v2.
    for q in ("holonomy flat", "prelim", "2103.00001v1", "2103.00001"):
        results = _search(browser, site, q)["results"]
        assert [r["href"] for r in results] == [site.page("title")], q
        assert results[0]["title"] == f"{WORD} holonomy of flat bundles"
        assert results[0]["versions"] == [["v1", site.page("title", 0)]]
    browser.run("document.querySelector('.result-versions a').click(); return 1;")
    assert browser.wait_for(f"return location.href.endsWith({site.page('title', 0)!r})")
    assert browser.wait_for("return document.readyState === 'complete'")
    heading = browser.run("return document.querySelector('h1').textContent")
    assert heading.strip() == f"{WORD} holonomy of flat bundles, preliminary"


@pytest.mark.parametrize("query", [PREFIX, WORD, "lat", "spectral manifold", "2103.00001"])
def test_the_page_loads_only_the_shards_the_query_needs(browser, site, query) -> None:
    out = _search(browser, site, query)
    assert out["results"]
    needed = _shards_read(site, query)
    loaded = _site_paths(site, out["scripts"])
    searched = {p for p in loaded if p.startswith("search/")}
    assert searched == needed, query
    # The browser's own record of what it fetched (DevTools' resource tree) agrees.
    fetched = _site_paths(site, out["resources"])
    assert {p for p in fetched if p.startswith("search/")} == needed
    assert not {p for p in fetched | loaded if p.startswith("resolve/")}
    written = {p.relative_to(site.root).as_posix() for p in (site.root / "search").rglob("*.js")}
    tokens = {p for p in written if p.startswith("search/t/")}
    assert len(tokens) == 16 and needed < written
    # A word loads one token shard here (no key is split in so small an index).
    assert len(needed & tokens) <= len(search.query_tokens(query)), needed
