"""Every link of a built site works offline: relative links name existing files (never a
folder, which file:// does not open as index.html), absolute links go only to a few known
hosts, and nothing is loaded from another host."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitehelpers import (
    MINTED_BASE_URL,
    SAMPLE_BASE_URL,
    build_sample,
    check_links,
    html_pages,
    page_links,
    resolve_relative,
    shared_minted_site,
)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checker_accepts_good_links(tmp_path) -> None:
    site = _write(
        tmp_path,
        {
            "index.html": '<link rel="stylesheet" href="assets/s.css">'
            '<script src="assets/s.js"></script>'
            '<a href="a/b/index.html?q=1#top">x</a><a href="#here">y</a><a href="?q=2">z</a>'
            '<a href="https://arxiv.org/abs/1810.06877v1">arXiv</a>'
            '<a href="https://doi.org/10.48550/arxiv.1810.06877">doi</a>'
            '<link rel="canonical" href="https://mirror.example/x/">'
            '<form action="search.html"></form>',
            "search.html": "",
            "assets/s.css": "",
            "assets/s.js": "",
            "a/b/index.html": '<meta http-equiv="refresh" content="0; url=../../index.html">'
            '<a href="../../a/b/index.html">self</a><a href="%69ndex.html">encoded</a>',
        },
    )
    assert check_links(site, "https://mirror.example/x/") == []


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ('<a href="a/">folder</a>', "is a folder"),
        ('<a href="a">folder without slash</a>', "is a folder"),
        ('<a href="missing.html">gone</a>', "is missing"),
        ('<meta http-equiv="refresh" content="0; url=gone/index.html">', "is missing"),
        ('<a href="../outside.html">up</a>', "leaves the site"),
        ('<a href="/index.html">root</a>', "root-absolute"),
        ('<a href="javascript:alert(1)">js</a>', "only http(s)"),
        ('<a href="file:///etc/passwd">file</a>', "only http(s)"),
        ('<a href="https://evil.example/">evil</a>', "not allowed"),
        ('<a href="https://mirror.example/other/">outside the base</a>', "not allowed"),
        ('<script src="https://arxiv.org/x.js"></script>', "loads a resource"),
        ('<link rel="stylesheet" href="https://doi.org/x.css">', "loads a resource"),
        ('<link rel="stylesheet" href="//cdn.example/x.css">', "only http(s)"),
        ('<img src="https://pith.science/x.png">', "loads a resource"),
        ('<form action="nowhere.html"></form>', "is missing"),
    ],
)
def test_the_checker_reports_bad_links(tmp_path, html, problem) -> None:
    site = _write(tmp_path, {"index.html": html, "a/index.html": ""})
    problems = check_links(site, "https://mirror.example/x/", ["index.html"])
    assert len(problems) == 1, problems
    assert problem in problems[0]


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "site"
    assert build_sample(out).written
    return out


def test_sample_site_links(sample_site) -> None:
    pages = html_pages(sample_site)
    assert len(pages) >= 10
    assert sum(len(page_links(sample_site, p)) for p in pages) > 100
    assert check_links(sample_site, SAMPLE_BASE_URL) == []


def test_minted_site_links(tmp_path_factory) -> None:
    archive, site = shared_minted_site(tmp_path_factory)
    pages = html_pages(site)
    assert len(pages) > 4 * len(archive.published)
    assert check_links(site, MINTED_BASE_URL) == []


def test_every_page_is_reachable_by_links_from_the_home_page(tmp_path_factory) -> None:
    """Walk the links from index.html: every record page, listing page and report page
    can be reached by clicking (redirect pages are entry points, not linked)."""
    archive, site = shared_minted_site(tmp_path_factory)
    seen = {"index.html"}
    todo = ["index.html"]
    while todo:
        page = todo.pop()
        for link in page_links(site, page):
            if "://" in link.value or link.value.startswith("#"):
                continue
            target = resolve_relative(site, page, link.value)
            if target and target.endswith(".html") and target not in seen:
                seen.add(target)
                todo.append(target)
    for e in archive.published.values():
        assert e.page in seen
    wanted = {p for p in html_pages(site) if p.startswith(("browse/", "verification/"))}
    assert wanted <= seen
