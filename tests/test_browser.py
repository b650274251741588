"""The resolver and search of a built site, end to end in real headless Chromium, both
from file:// and from a local HTTP server.

Chromium is driven without extra packages: ``chromium --headless --dump-dom URL`` with a
virtual time budget runs the page's script (including its ``location.replace`` to the
record page) and prints the final DOM. A record page is recognised by its canonical link
and its ``<code class="full">`` Pith Number.

Chromium is required (``.ci/setup`` installs the Debian packages ``chromium`` and
``chromium-driver``): without it these tests fail rather than skip, because the site's
resolver and search would otherwise go untested in a browser.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from sitehelpers import (
    MINTED_BASE_URL,
    SEARCH_WORD,
    Archive,
    find,
    shared_minted_site,
)

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--virtual-time-budget=5000",
)
WORKERS = 4
ORIGINS = ("file", "http")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    pytest.fail(
        "chromium is not installed: the browser tests of the resolver and search cannot run. "
        "Install it with `bash .ci/setup` (Debian packages chromium and chromium-driver) "
        "and run again.",
        pytrace=False,
    )


def dump_dom(browser: str, url: str) -> str:
    """The DOM of ``url`` after its scripts ran (and any navigation they made)."""
    with tempfile.TemporaryDirectory(prefix="pithgen-chromium-") as profile:
        proc = subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=60,
            check=False,
        )
    assert proc.returncode == 0 and proc.stdout.strip(), (
        f"chromium failed on {url} (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def minted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Archive, Path]:
    return shared_minted_site(tmp_path_factory)


def _cases(archive: Archive) -> dict[str, str]:
    """query -> suffix of the record it must land on, one per identifier form (spec 3)."""
    versions = archive.versions()
    arxiv_id, new = next(
        (k, v) for k, v in sorted(versions.items()) if "/" not in k and len(v) >= 2
    )
    old = versions["astro-ph/9610094"]
    assert len(old) == 2
    x = new[0]
    s = x.suffix
    return {
        x.pith_number: s,
        f"pith:{s[:8]}": s,
        s[:8].lower(): s,
        s[:12].lower(): s,
        s[:16].lower(): s,
        s.lower(): s,
        f"  arXiv:{arxiv_id}  ": new[-1].suffix,
        f"{arxiv_id}v1": new[0].suffix,
        f"{arxiv_id}v2": new[1].suffix,
        "astro-ph/9610094": old[-1].suffix,
        "astro-ph/9610094v1": old[0].suffix,
        f"10.48550/ArXiV.{arxiv_id}": new[-1].suffix,
        "DOI:10.48550/ARXIV.ASTRO-PH/9610094": old[-1].suffix,
        f"https://doi.org/10.48550/arXiv.{arxiv_id}": new[-1].suffix,
        f"https://arxiv.org/abs/{arxiv_id}v2": new[1].suffix,
        f"https://arxiv.org/pdf/{arxiv_id}v1": new[0].suffix,
        "https://arxiv.org/abs/astro-ph/9610094v1": old[0].suffix,
        "arxiv.org/pdf/astro-ph/9610094v2.pdf": old[1].suffix,
        f"{MINTED_BASE_URL}pith/{s}/index.html": s,
    }


def _wrong_year(archive: Archive) -> tuple[str, str]:
    """A full Pith Number of this archive with its year changed, and the real number."""
    real = next(k for k in sorted(_cases(archive)) if k.startswith("pith:") and k.count(":") == 2)
    year = int(real.split(":")[1])
    return f"pith:{year - 1}:{real.split(':')[2]}", real


NOTHING = {
    "not an identifier at all": "it is not a Pith Number",
    "pith:2018:" + "A" * 26: "no record in this mirror",
    "9912.99999": "no record in this mirror",
}
SEARCHES = (
    SEARCH_WORD.lower(),
    SEARCH_WORD[:6].lower(),  # a prefix
    f"{SEARCH_WORD} abstract",  # "abstract" is in the abstracts only
    f"{SEARCH_WORD} stochastic",
    "zzzznotaword",
)


@pytest.fixture(scope="module")
def doms(minted) -> Iterator[dict[tuple[str, str, str], str]]:
    """Every page the tests look at, loaded once (in parallel) from file:// and http://."""
    archive, site = minted
    browser = chromium()
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        roots = {
            "file": site.resolve().as_uri() + "/",
            "http": f"http://127.0.0.1:{server.server_address[1]}/",
        }
        jobs = {}
        for origin, root in roots.items():
            for q in [*_cases(archive), *NOTHING, _wrong_year(archive)[0]]:
                jobs[(origin, "resolve", q)] = f"{root}resolve.html?q={quote(q, safe='')}"
            for q in SEARCHES:
                jobs[(origin, "search", q)] = f"{root}search.html?q={quote(q, safe='')}"
        with ThreadPoolExecutor(WORKERS) as pool:
            pages = pool.map(functools.partial(dump_dom, browser), jobs.values())
            results = dict(zip(jobs, pages, strict=True))
        yield results
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _landed_on(dom: str) -> str:
    full = find(dom, "code", "full")
    canonical = find(dom, "link", rel="canonical")
    if len(full) != 1 or len(canonical) != 1:
        status = [p.text for p in find(dom, "p") if "status" in p.attrs.get("class", "")]
        return f"(not a record page; status: {status})"
    href = canonical[0].attrs["href"]
    suffix = href.removeprefix(f"{MINTED_BASE_URL}pith/").removesuffix("/")
    assert full[0].text.endswith(":" + suffix), (full[0].text, href)
    return suffix


@pytest.mark.parametrize("origin", ORIGINS)
def test_every_identifier_form_lands_on_its_record_page(minted, doms, origin) -> None:
    archive, _ = minted
    wrong = {}
    for q, suffix in _cases(archive).items():
        landed = _landed_on(doms[(origin, "resolve", q)])
        if landed != suffix:
            wrong[q] = (landed, suffix)
    assert not wrong, f"{origin}: query -> (landed on, expected): {wrong}"


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("query", list(NOTHING))
def test_a_query_that_matches_nothing_says_so(doms, origin, query) -> None:
    dom = doms[(origin, "resolve", query)]
    assert not find(dom, "code", "full")
    [box] = [d for d in find(dom, "div") if d.attrs.get("id") == "resolve-results"]
    assert "Nothing matched" in box.text
    assert NOTHING[query] in box.text
    assert query in box.text
    # The accepted forms are shown once: the page's help, which the message links to.
    assert len(find(dom, "ul", "accepted-forms")) == 1
    assert [a.attrs["href"] for a in find(box_html(dom), "a") if "forms" in a.text] == [
        "#accepted-forms"
    ]
    assert [s for s in find(dom, "section") if s.attrs.get("id") == "accepted-forms"]


@pytest.mark.parametrize("origin", ORIGINS)
def test_a_pith_number_with_the_wrong_year_does_not_resolve(minted, doms, origin) -> None:
    archive, _ = minted
    query, real = _wrong_year(archive)
    dom = doms[(origin, "resolve", query)]
    assert not find(dom, "code", "full")
    [box] = [d for d in find(dom, "div") if d.attrs.get("id") == "resolve-results"]
    assert "Nothing matched" in box.text and "another year" in box.text
    assert real in box.text
    # ... and links to the record it names.
    suffix = real.rsplit(":", 1)[1]
    [link] = [a for a in find(box_html(dom), "a") if a.text == real]
    assert link.attrs["href"] == f"pith/{suffix}/index.html"


def box_html(dom: str) -> str:
    """The markup of the resolve page's #resolve-results box."""
    start = dom.index('<div id="resolve-results"')
    return dom[start : dom.index("</div>", start)]


def _search_hits(dom: str) -> list[str]:
    [results] = [d for d in find(dom, "div") if d.attrs.get("id") == "search-results"]
    assert "could not be loaded" not in results.text, results.text
    return [a.attrs["href"] for a in find(dom, "a", "result-title")]


def _expected(archive: Archive, *words: str) -> set[str]:
    """The pages of the newest version of every paper whose titles and abstracts (any of
    its versions) hold all ``words``."""
    held: dict[str, set[str]] = {}
    for e in archive.published.values():
        paper = json.loads(e.raw).get("paper", {}) if e.kind == "record" else {}
        text = f"{e.title} {paper.get('abstract', '')}".lower()
        held.setdefault(e.arxiv_id, set()).update(re.findall(r"[a-z0-9]+", text))
    versions = archive.versions()
    return {
        versions[arxiv_id][-1].page
        for arxiv_id, found in held.items()
        if all(w.lower() in found for w in words)
    }


@pytest.mark.parametrize("origin", ORIGINS)
def test_search_lists_one_entry_per_paper_with_highlights(minted, doms, origin) -> None:
    archive, site = minted
    expected = _expected(archive, SEARCH_WORD)
    assert len(expected) == 3  # papers; one of them in two versions
    for q in (SEARCH_WORD.lower(), SEARCH_WORD[:6].lower(), f"{SEARCH_WORD} abstract"):
        hits = _search_hits(doms[(origin, "search", q)])
        assert set(hits) == expected and len(hits) == 3, q
        assert all((site / h).is_file() for h in hits)
    dom = doms[(origin, "search", SEARCH_WORD[:6].lower())]
    assert "3 papers for" in dom
    # Each title shows the matched word marked (as an element, from text).
    assert [m.text for m in find(dom, "mark")] == [SEARCH_WORD] * 3
    assert dom.count(f"<mark>{SEARCH_WORD}</mark>") == 3
    # The paper in two versions: its newest shown, the other linked beside it.
    older = {
        e.page: [o.page for o in archive.versions()[e.arxiv_id][:-1]]
        for e in archive.published.values()
        if e.page in expected
    }
    assert [d.text for d in find(dom, "div", "result-versions")] == ["also v1"]
    links = [
        a.attrs["href"] for a in find(dom, "a") if a.attrs.get("title", "").startswith("arXiv:")
    ]
    assert links == [p for pages in older.values() for p in pages] and links
    two = _search_hits(doms[(origin, "search", f"{SEARCH_WORD} stochastic")])
    assert set(two) == _expected(archive, SEARCH_WORD, "stochastic")
    assert len(two) == 2
    dom = doms[(origin, "search", "zzzznotaword")]
    assert _search_hits(dom) == []
    assert "No papers match" in dom


class _PagesHandler(_QuietHandler):
    """Serves a folder holding the site at ``/minted/``, answering missing paths with the
    site's 404.html (status 404), as GitHub Pages does for a project site."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "minted" / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_the_404_page_hands_identifier_paths_to_the_resolver(minted, tmp_path) -> None:
    archive, site = minted
    assert MINTED_BASE_URL.endswith("/minted/")
    (tmp_path / "minted").symlink_to(site.resolve(), target_is_directory=True)
    handler = functools.partial(_PagesHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = f"http://127.0.0.1:{server.server_address[1]}/minted/"
        entry = next(
            e
            for e in sorted(archive.published.values(), key=lambda e: e.suffix)
            if "/" not in e.arxiv_id
        )
        versions = sorted(
            (e for e in archive.published.values() if e.arxiv_id == entry.arxiv_id),
            key=lambda e: e.version,
        )
        cases = {
            f"pith/{entry.suffix[:12].lower()}/": entry.suffix,  # no page for 12 characters
            f"pith/{entry.suffix[:8].lower()}/": entry.suffix,  # pages are upper case
            f"doi/10.48550/arXiv.{entry.arxiv_id}/": versions[-1].suffix,
        }
        browser = chromium()
        for path, suffix in cases.items():
            assert _landed_on(dump_dom(browser, root + path)) == suffix, path
        dom = dump_dom(browser, root + "no/such/page/")
        assert "<h1>Not found</h1>" in dom
        assert find(dom, "link", rel="stylesheet")[0].attrs["href"] == "/minted/assets/pithgen.css"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_failed_resolve_offers_a_search(doms) -> None:
    dom = doms[("http", "resolve", "not an identifier at all")]
    links = [a for a in find(dom, "a") if "search.html?q=" in a.attrs.get("href", "")]
    assert [a.text for a in links] == ["Search for \u201cnot an identifier at all\u201d"]
    assert links[0].attrs["href"].endswith("search.html?q=not%20an%20identifier%20at%20all")
