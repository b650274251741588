""" "Verify in this browser" on record pages, in real headless Chromium from ``file://``
(ChromeDriver, one browser for the module; tests/webdriver.py):

- a record page and a page rendered from a bundle, of a site with a log, verify: every
  step passes, and the verdict is shown;
- Pith's real record in a site without a log verifies and says there is no log;
- a tampered record fails visibly: the embedded data edited in the page, and a page file
  whose embedded record was altered;
- with Ed25519 taken out of Web Crypto before any script runs, the page says plainly that
  this browser cannot check Ed25519 signatures, and nothing is reported as failed;
- Chromium's Web Crypto behind the strict rule gives Python's verdict on every C2SP CCTV
  vector, so the verdict in Chromium is pithgen's;
- axe-core finds no critical, serious or moderate violation once a report is shown.

Like the other browser tests these fail rather than skip without Chromium, ChromeDriver
or axe-core.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pagedata import page_data, python_steps, with_document
from sitehelpers import Archive, build_sample, shared_minted_site
from test_browser_reader import _scheme, _violations
from webdriver import Browser, axe_source, find_program

from pithgen import ed25519, layout
from pithgen.theme import script_json

HERE = Path(__file__).resolve().parent
VECTORS: list[dict[str, Any]] = json.loads(
    (HERE / "fixtures" / "cctv-ed25519" / "ed25519vectors.json").read_text(encoding="utf-8")
)
VERDICT = (
    "var v = document.querySelector('#verify-result .verify-verdict'); return v && v.className;"
)
NO_ED25519 = """
(function () {
  var subtle = window.crypto && window.crypto.subtle;
  if (!subtle) return;
  var importKey = subtle.importKey.bind(subtle);
  subtle.importKey = function (format, key, algorithm) {
    var name = typeof algorithm === "string" ? algorithm : algorithm && algorithm.name;
    if (String(name).toLowerCase() === "ed25519") {
      return Promise.reject(new DOMException("Unrecognized algorithm name", "NotSupportedError"));
    }
    return importKey.apply(null, arguments);
  };
})();
"""


@pytest.fixture(scope="module")
def minted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Archive, Path]:
    return shared_minted_site(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = find_program("chromium", "chromium-browser", "google-chrome")
    driver = find_program("chromedriver")
    if chromium is None or driver is None:
        pytest.fail(
            "chromium and chromedriver are needed for the in-browser verifier tests: install "
            "them with `bash .ci/setup` (Debian packages chromium and chromium-driver)",
            pytrace=False,
        )
    with Browser(chromium, driver) as b:
        yield b


def _record_page(archive: Archive) -> str:
    return next(e for e in archive.records_docs).page


def _bundle_page(archive: Archive) -> str:
    records = {r.suffix for r in archive.records_docs}
    return next(e for e in archive.bundles if e.suffix not in records).page


def _check(browser: Browser, url: str, before: str | None = None) -> dict[str, Any]:
    """Open ``url``, run ``before`` in it, press the button, return what the page shows."""
    browser.get(url)
    assert browser.wait_for("return document.readyState === 'complete'")
    if before is not None:
        browser.run(before)
    assert browser.run("return document.getElementById('verify-run').hidden") is False
    browser.click("#verify-run")
    assert browser.wait_for(VERDICT, timeout=30), url
    return _report(browser)


def _report(browser: Browser) -> dict[str, Any]:
    report: dict[str, Any] = browser.run(
        """
        var out = document.getElementById('verify-result');
        var verdict = out.querySelector('.verify-verdict');
        var box = verdict.getBoundingClientRect();
        return {
          live: out.getAttribute('aria-live'), role: out.getAttribute('role'),
          outcome: verdict.className.replace('verify-verdict verify-', ''),
          verdict: verdict.textContent, visible: box.width > 0 && box.height > 0,
          text: out.innerText,
          steps: Array.prototype.map.call(out.querySelectorAll('li.verify-step'), function (li) {
            return [li.dataset.step, li.className.replace('verify-step step-', '')];
          })
        };
        """
    )
    report["steps"] = dict(report["steps"])
    return report


#: Changes the displayed title inside the embedded JSON bytes: hash and signature still
#: hold (no hash covers the title), but these are no longer the bytes the log holds.
EDIT_TITLE = """
var block = document.getElementById('verify-data');
var data = JSON.parse(block.textContent);
var bytes = Uint8Array.from(atob(data.document), function (c) { return c.charCodeAt(0); });
var doc = JSON.parse(new TextDecoder().decode(bytes));
doc.paper.title = doc.paper.title + ' (edited)';
var edited = new TextEncoder().encode(JSON.stringify(doc));
data.document = btoa(String.fromCharCode.apply(null, edited));
data.size = edited.length;
block.textContent = JSON.stringify(data);
return true;
"""
ALL_OK = dict.fromkeys(("hash", "number", "receipt", "entry", "checkpoint"), "ok")


@pytest.mark.parametrize("which", ["record", "bundle"])
def test_a_record_page_verifies_from_file(minted, browser, which) -> None:
    archive, site = minted
    page = _record_page(archive) if which == "record" else _bundle_page(archive)
    report = _check(browser, (site / page).resolve().as_uri())
    assert report["outcome"] == "verified", report["text"]
    assert report["steps"] == ALL_OK
    assert report["visible"] and (report["role"], report["live"]) == ("status", "polite")
    assert "Verified in this browser" in report["verdict"]
    assert "signed transparency log" in report["verdict"]


def test_pith_s_real_record_without_a_log_verifies_and_says_so(browser, tmp_path) -> None:
    site = tmp_path / "site"
    assert build_sample(site).written
    [page] = [p for p in site.glob("pith/*/index.html") if page_data(p.read_text(encoding="utf-8"))]
    report = _check(browser, page.resolve().as_uri())
    assert report["outcome"] == "verified", report["text"]
    assert report["steps"] == {"hash": "ok", "number": "ok", "receipt": "ok", "entry": "none"}
    assert "keeps no transparency log" in report["verdict"]
    assert "pith-v1-2026-05" in report["text"]


def test_data_edited_in_the_page_fails_visibly(minted, browser) -> None:
    archive, site = minted
    browser.get((site / _record_page(archive)).resolve().as_uri())
    assert browser.wait_for("return document.readyState === 'complete'")
    browser.run(EDIT_TITLE)
    browser.click("#verify-run")
    assert browser.wait_for(VERDICT, timeout=30)
    report = _report(browser)
    assert report["outcome"] == "failed" and report["visible"]
    assert "does NOT verify" in report["verdict"]
    assert report["steps"] == {**ALL_OK, "entry": "failed"}
    assert "FAILED: Transparency log entry" in report["text"]


def test_a_tampered_page_file_fails_visibly(minted, browser, tmp_path) -> None:
    archive, site = minted
    page = _record_page(archive)
    html = (site / page).read_text(encoding="utf-8")
    data = page_data(html)
    assert data is not None

    def alter(doc: dict[str, Any]) -> None:
        doc["canonical_record"]["source"]["version"] += 1

    tampered = with_document(data, alter)
    assert python_steps(tampered)["hash"] == "failed"
    opening = '<script type="application/json" id="verify-data">'
    start = html.index(opening) + len(opening)
    end = html.index("</script>", start)
    copy = tmp_path / "site"
    shutil.copytree(site / layout.ASSETS, copy / layout.ASSETS)
    target = copy / page
    target.parent.mkdir(parents=True)
    target.write_text(html[:start] + str(script_json(tampered)) + html[end:], encoding="utf-8")
    report = _check(browser, target.resolve().as_uri())
    assert report["outcome"] == "failed" and report["visible"]
    assert report["steps"]["hash"] == "failed"
    assert report["steps"]["receipt"] == "failed"  # signed over another hash
    assert "FAILED: Canonical hash" in report["text"]


def test_without_ed25519_the_page_says_it_cannot_check(minted, browser) -> None:
    archive, site = minted
    added = browser.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": NO_ED25519})
    try:
        report = _check(browser, (site / _record_page(archive)).resolve().as_uri())
    finally:
        browser.cdp("Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]})
    assert report["outcome"] == "incomplete", report["text"]
    assert report["steps"] == {**ALL_OK, "receipt": "unavailable", "checkpoint": "unavailable"}
    assert "this browser cannot check Ed25519 signatures" in report["verdict"]
    assert "FAILED" not in report["text"] and "NOT verify" not in report["text"]
    assert report["text"].count("Cannot check:") == 2


def test_chromium_gives_pythons_verdict_on_every_cctv_vector(minted, browser) -> None:
    archive, site = minted
    browser.get((site / _record_page(archive)).resolve().as_uri())
    assert browser.wait_for("return !!window.pithgenVerify")
    cases = [[v["key"], v["sig"], v["msg"].encode("utf-8").hex()] for v in VECTORS]
    out = browser.run_async(
        """
        var done = arguments[arguments.length - 1], v = window.pithgenVerify;
        (async function () {
          var out = [];
          for (var c of arguments[0]) {
            var r = await v.verifyEd25519(v.fromHex(c[0]), v.fromHex(c[1]), v.fromHex(c[2]));
            out.push([!!r.valid, r.reason, !!r.unavailable]);
          }
          return out;
        })(arguments[0]).then(done, function (e) { done(String(e)); });
        """,
        cases,
    )
    assert isinstance(out, list) and len(out) == len(VECTORS), out
    for vector, (valid, reason, unavailable) in zip(VECTORS, out, strict=True):
        python = ed25519.verify(
            bytes.fromhex(vector["key"]), bytes.fromhex(vector["sig"]), vector["msg"].encode()
        )
        assert not unavailable
        assert (valid, reason) == (python.valid, python.reason), vector["number"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_in_a_shown_report(minted, browser, scheme) -> None:
    source = axe_source(HERE)
    if source is None:
        pytest.fail("axe-core is not installed: run `bash .ci/setup` (npm ci in tests/js)")
    archive, site = minted
    _scheme(browser, scheme)
    try:
        for mode in ("verified", "incomplete", "failed"):
            added = None
            if mode == "incomplete":
                added = browser.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": NO_ED25519})
            edit = EDIT_TITLE if mode == "failed" else None
            try:
                report = _check(browser, (site / _record_page(archive)).resolve().as_uri(), edit)
            finally:
                if added is not None:
                    browser.cdp(
                        "Page.removeScriptToEvaluateOnNewDocument",
                        {"identifier": added["identifier"]},
                    )
            assert report["outcome"] == mode
            violations = _violations(browser, source)
            assert violations == [], (mode, scheme, violations)
    finally:
        _scheme(browser, "light")


def test_only_record_pages_load_the_verifier(minted) -> None:
    _, site = minted
    script = f'{layout.VERIFY_SCRIPT}" defer></script>'
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert (script in html) == (page_data(html) is not None), page
    shipped = HERE.parent / "templates" / "assets" / "verify.js"
    assert (site / layout.VERIFY_SCRIPT).read_bytes() == shipped.read_bytes()
