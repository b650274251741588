"""The reader's side of a built site in real headless Chromium driven by ChromeDriver
(one browser session for the whole module): axe-core finds no critical, serious or
moderate accessibility violation on any kind of page, in the light and the dark scheme
(the system's, emulated, and the one chosen with the theme toggle); the toggle remembers
its choice; the copy buttons copy.

axe-core is the npm package pinned in tests/js/package.json, installed by ``.ci/setup``
(``npm ci`` in tests/js). Like tests/test_browser.py, these tests fail rather than skip
when Chromium, ChromeDriver or axe-core is missing.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sitehelpers import SEARCH_WORD, Archive, shared_minted_site
from webdriver import Browser, axe_source, find_program

HERE = Path(__file__).resolve().parent
PREFIX = "minted"
IMPACTS = ("critical", "serious", "moderate")
DARK_BG = "rgb(13, 17, 23)"
LIGHT_BG = "rgb(255, 255, 255)"


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under ``/minted/``; a missing path gets the site's 404.html, as
    GitHub Pages does."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / PREFIX / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def minted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Archive, Path]:
    return shared_minted_site(tmp_path_factory)


@pytest.fixture(scope="module")
def root(minted, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _, site = minted
    folder = tmp_path_factory.mktemp("served")
    (folder / PREFIX).symlink_to(site.resolve(), target_is_directory=True)
    handler = functools.partial(_SiteHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{PREFIX}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = find_program("chromium", "chromium-browser", "google-chrome")
    driver = find_program("chromedriver")
    if chromium is None or driver is None:
        pytest.fail(
            "chromium and chromedriver are needed for the accessibility tests: install them "
            "with `bash .ci/setup` (Debian packages chromium and chromium-driver)",
            pytrace=False,
        )
    with Browser(chromium, driver) as b:
        yield b


@pytest.fixture(scope="module")
def axe() -> str:
    source = axe_source(HERE)
    if source is None:
        pytest.fail(
            "axe-core is not installed: run `bash .ci/setup` (npm ci in tests/js)",
            pytrace=False,
        )
    return source


def _pages(archive: Archive) -> dict[str, tuple[str, str | None]]:
    """page kind -> (site-relative URL, a CSS selector that appears once it is ready)."""
    versions = archive.versions()
    arxiv_id, group = next(
        (k, v) for k, v in sorted(versions.items()) if len(v) >= 2 and "/" not in k
    )
    bundle_only = next(
        e for e in archive.bundles if e.suffix not in {r.suffix for r in archive.records_docs}
    )
    return {
        "home": ("index.html", None),
        "record": (group[-1].page, None),
        "record-from-bundle": (bundle_only.page, None),
        "listing": (f"browse/category/{group[0].primary_cat}/index.html", None),
        "search": (f"search.html?q={SEARCH_WORD}", "#search-results .result-title"),
        "resolve": (f"resolve.html?q={arxiv_id}v9", "#resolve-results .candidates a"),
        "verification": ("verification/index.html", None),
        "404": ("no/such/page/", None),
    }


def _scheme(browser: Browser, scheme: str) -> None:
    browser.cdp(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )


def _open(browser: Browser, url: str, ready: str | None) -> None:
    browser.get(url)
    assert browser.wait_for("return document.readyState === 'complete'")
    if ready is not None:
        assert browser.wait_for(f"return !!document.querySelector({ready!r})"), (url, ready)


def _background(browser: Browser) -> str:
    return str(browser.run("return getComputedStyle(document.body).backgroundColor"))


def _forget_theme(browser: Browser) -> None:
    browser.run("try { localStorage.clear(); } catch (e) {} return 1;")


def _violations(browser: Browser, axe: str) -> list[dict[str, Any]]:
    browser.run(axe + "\nreturn true;")
    found = browser.run_async(
        """
        var done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
          done(r.violations.map(function (v) {
            return {id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(function (n) {
                      return n.target.join(" ") + ": " + (n.failureSummary || "");
                    })};
          }));
        }, function (e) {
          done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]);
        });
        """
    )
    return [v for v in found if v["impact"] in IMPACTS]


KINDS = (
    "home",
    "record",
    "record-from-bundle",
    "listing",
    "search",
    "resolve",
    "verification",
    "404",
)


@pytest.mark.parametrize("scheme", ["light", "dark", "dark-by-toggle"])
@pytest.mark.parametrize("kind", KINDS)
def test_axe_finds_no_serious_or_moderate_violation(minted, root, browser, axe, kind, scheme):
    archive, _ = minted
    url, ready = _pages(archive)[kind]
    _scheme(browser, "light" if scheme == "dark-by-toggle" else scheme)
    _open(browser, root + url, ready)
    _forget_theme(browser)
    if scheme == "dark-by-toggle":
        assert _background(browser) == LIGHT_BG
        browser.click("#theme-toggle")
        assert browser.run("return document.documentElement.dataset.theme") == "dark"
        _forget_theme(browser)
    assert _background(browser) == (LIGHT_BG if scheme == "light" else DARK_BG)
    violations = _violations(browser, axe)
    assert violations == [], f"{kind} ({scheme}): " + "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )


@pytest.mark.parametrize("origin", ["http", "file"])
def test_the_theme_toggle_overrides_the_system_and_remembers(minted, root, browser, origin):
    archive, site = minted
    pages = _pages(archive)
    if origin == "file":
        root = site.resolve().as_uri() + "/"
    _scheme(browser, "dark")
    _open(browser, root + pages["home"][0], None)
    _forget_theme(browser)
    _open(browser, root + pages["home"][0], None)
    assert _background(browser) == DARK_BG
    assert browser.run("return document.getElementById('theme-toggle').hidden") is False
    assert (
        browser.run("return document.getElementById('theme-toggle').getAttribute('aria-pressed')")
        == "true"
    )
    browser.click("#theme-toggle")  # the reader prefers light, whatever the system says
    assert _background(browser) == LIGHT_BG
    assert (
        browser.run("return document.getElementById('theme-toggle').getAttribute('aria-pressed')")
        == "false"
    )
    _open(browser, root + pages["record"][0], None)  # another page remembers it
    assert browser.run("return document.documentElement.dataset.theme") == "light"
    assert _background(browser) == LIGHT_BG
    browser.click("#theme-toggle")
    _scheme(browser, "light")
    _open(browser, root + pages["listing"][0], None)
    assert _background(browser) == DARK_BG  # chosen dark, though the system is light now
    _forget_theme(browser)
    _open(browser, root + pages["listing"][0], None)
    assert _background(browser) == LIGHT_BG


@pytest.mark.parametrize(
    ("button", "source"),
    [
        ("cite-bibtex", "pre.bibtex"),
        ("cite-latex", "pre.latex"),
        ("verify-snippet", "pre.verify"),
        ("badge-markdown", "pre.badge-markdown"),
    ],
)
def test_copy_buttons_copy_the_snippet(minted, root, browser, button, source) -> None:
    archive, _ = minted
    _scheme(browser, "light")
    _open(browser, root + _pages(archive)["record"][0], None)
    browser.cdp(
        "Browser.grantPermissions",
        {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    browser.run("return navigator.clipboard.writeText('(nothing yet)').then(function () {})")
    browser.click(f'button[data-copy="{button}"]')
    status = browser.wait_for(
        f"var b = document.querySelector('button[data-copy=\"{button}\"]');"
        "var s = b.nextElementSibling; return s && s.textContent"
    )
    assert status == " Copied."
    copied = browser.run_async(
        "var done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, function (e) { done('error: ' + e); });"
    )
    expected = browser.run(f"return document.querySelector({source!r}).textContent")
    assert copied == expected and len(expected) > 40
    assert browser.run("return document.activeElement.dataset.copy") == button


def test_without_javascript_the_enhancements_stay_hidden_and_the_page_works(minted) -> None:
    """The toggle and the copy buttons are progressive enhancements: with JavaScript off
    they are not shown (a button that does nothing would be), while the snippets, the
    badge and the system's colour scheme are all there, from file:// too."""
    archive, site = minted
    chromium = find_program("chromium", "chromium-browser", "google-chrome")
    driver = find_program("chromedriver")
    assert chromium and driver, "chromium and chromedriver are needed: run `bash .ci/setup`"
    record = _pages(archive)["record"][0]
    with Browser(chromium, driver, javascript=False) as off:
        _scheme(off, "dark")
        off.get((site / record).resolve().as_uri())
        assert off.run("return typeof window.pithgen") == "undefined"  # really off
        assert _background(off) == DARK_BG
        shown = off.run(
            "return Array.from(document.querySelectorAll('button')).filter(function (b) {"
            "  return b.offsetParent !== null; }).map(function (b) { return b.textContent; })"
        )
        assert shown == ["Resolve"]  # the header's form, which works without a script
        for css in ("pre.bibtex", "pre.latex", "pre.verify", "pre.badge-markdown"):
            assert len(off.run(f"return document.querySelector({css!r}).textContent")) > 40
        assert off.run("return document.querySelector('img.pith-badge').naturalWidth") > 100
        off.get((site / "resolve.html").resolve().as_uri() + "?q=x")
        assert "Resolving needs JavaScript" in off.run("return document.body.innerText")
