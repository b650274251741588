"""Hostile record text (signed with the test key, so it verifies) is published as text
everywhere it appears: record page (body, meta tags, JSON-LD), listings, home page, search
and resolve shards, feed.xml; and a hostile site title and description likewise."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import SIGNED_AT, make_paper, reseal
from mergeviews import verdicts_of
from sitehelpers import (
    elements,
    find,
    fixture_key,
    html_pages,
    read_json,
    read_shard,
    search_rows,
    tree_paths,
    write_test_key,
)

from pithgen.build import build_site
from pithgen.config import BuildConfig
from pithgen.mint import mint_record

TITLE = (
    'Evil <script>alert(1)</script> "><img src=x onerror=alert(1)> '
    "</script><script>alert(2)</script> {{ 7*7 }} &amp; javascript:alert(3) 'single'"
)
AUTHORS = (
    '"><img src=x onerror=alert(1)>, </script><script>alert(2)</script>, '
    "{{ 7*7 }} &amp; Co, javascript:alert(4)"
)
ABSTRACT = (
    '<script>alert(1)</script> An abstract. "><img src=x onerror=alert(1)> '
    "</SCRIPT><script>alert(2)</script> {{ 7*7 }} {% raw %} &amp; &lt;b&gt; "
    '<a href="javascript:alert(5)">click</a> <!-- comment --> ]]> $x<y$'
)
SITE_TITLE = "<script>alert(\"site\")</script> & 'mirror' </title>"
DESCRIPTION = (
    'Hello <script>alert("d")</script> <img src=x onerror=alert(1)> [x](javascript:alert(6))'
)
BASE = "https://evil.example/mirror/"
ATOM = "{http://www.w3.org/2005/Atom}"
RAW_PAYLOADS = (
    b"<script>alert",
    b"<img src=x",  # the page's own <img> is its badge (checked below)
    b"</script><script",
    b"</SCRIPT><script",
    b'<a href="javascript',
)


def _mint(**overrides):
    return mint_record(make_paper(**overrides), fixture_key(), signed_at=SIGNED_AT)


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("evil")
    records = root / "records"
    records.mkdir()
    doc = _mint(title=TITLE, authors=AUTHORS, abstract=ABSTRACT, arxiv_id="2101.00666")
    (records / "evil.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    plain = _mint(arxiv_id="2101.00001", submitted_at="2020-01-01T00:00:00Z")
    (records / "plain.json").write_text(json.dumps(plain), encoding="utf-8")
    outcome = build_site(
        BuildConfig(
            records=records,
            out=root / "site",
            base_url=BASE,
            title=SITE_TITLE,
            description=DESCRIPTION,
            trust_keys=(write_test_key(root / "key.json"),),
        )
    )
    assert outcome.written and outcome.result.failed == 0
    return root / "site", doc


def _text(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_no_page_contains_markup_from_the_record_or_site_settings(evil) -> None:
    site, _ = evil
    pages = html_pages(site)
    assert len(pages) > 10
    for page in pages:
        raw = (site / page).read_bytes()
        for payload in RAW_PAYLOADS:
            assert payload not in raw, (page, payload)
        for e in elements(raw.decode("utf-8")):
            assert e.tag not in ("iframe", "object", "embed"), (page, e)
            if e.tag == "img":  # only a record's own badge, from this site
                assert re.fullmatch(r"(\.\./)*pith/[A-Z2-7]{26}/badge\.svg", e.attrs["src"]), e
            assert not [a for a in e.attrs if a.startswith("on")], (page, e)
            for attr in ("href", "src", "action"):
                value = e.attrs.get(attr, "").strip().lower()
                assert not value.startswith("javascript:"), (page, e)
            if e.tag == "script":  # data blocks (never run) or the site's own scripts
                assert e.attrs.get("type") in ("application/ld+json", "application/json") or (
                    e.attrs.get("src", "").endswith(
                        ("assets/pithgen.js", "assets/theme.js", "assets/verify.js")
                    )
                ), (page, e)
                assert e.attrs.get("src") or e.attrs.get("type"), (page, e)


def test_record_page_shows_the_text_exactly(evil) -> None:
    site, doc = evil
    html = _text(site, f"pith/{doc['pith_number'][-26:]}/index.html")
    assert [h.text for h in find(html, "h1")] == [TITLE]
    assert [p.text for p in find(html, "p", "authors")] == [AUTHORS]
    assert [p.text for p in find(html, "p", "abstract")] == [ABSTRACT]
    [title] = find(html, "title")
    assert title.text.startswith(TITLE + " · ")
    assert title.text.endswith(SITE_TITLE)


def test_record_page_meta_tags_hold_the_text_as_attribute_values(evil) -> None:
    site, doc = evil
    html = _text(site, f"pith/{doc['pith_number'][-26:]}/index.html")
    [description] = find(html, "meta", name="description")
    assert description.attrs["content"] == ABSTRACT[:300]
    [citation_title] = find(html, "meta", name="citation_title")
    assert citation_title.attrs["content"] == TITLE
    authors = [m.attrs["content"] for m in find(html, "meta", name="citation_author")]
    assert authors == [a.strip() for a in AUTHORS.split(",")]


def test_json_ld_cannot_end_its_script_element(evil) -> None:
    site, doc = evil
    html = _text(site, f"pith/{doc['pith_number'][-26:]}/index.html")
    start = html.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    body = html[start : html.index("</script>", start)]
    assert "</script" not in body.lower()
    assert "<" not in body and ">" not in body
    data = json.loads(body)
    assert data["name"] == TITLE
    assert [a["name"] for a in data["author"]] == [a.strip() for a in AUTHORS.split(",")]


def test_the_verifier_data_cannot_end_its_script_element(evil) -> None:
    site, doc = evil
    html = _text(site, f"pith/{doc['pith_number'][-26:]}/index.html")
    opening = '<script type="application/json" id="verify-data">'
    start = html.index(opening) + len(opening)
    body = html[start : html.index("</script>", start)]
    assert "<" not in body and ">" not in body and "&" not in body
    data = json.loads(body)
    published = (site / f"pith/{doc['pith_number'][-26:]}.json").read_bytes()
    assert base64.b64decode(data["document"], validate=True) == published
    hostile = json.dumps(TITLE, ensure_ascii=False)[1:-1].encode("utf-8")
    assert hostile in published  # the hostile title, carried as the exact bytes


def test_cite_snippets_hold_the_text(evil) -> None:
    site, doc = evil
    html = _text(site, f"pith/{doc['pith_number'][-26:]}/index.html")
    [bibtex] = find(html, "pre", "bibtex")
    assert f"title         = {{{TITLE}}}," in bibtex.text


@pytest.mark.parametrize(
    "page", ["index.html", "browse/year/2021/index.html", "browse/category/cs.CR/index.html"]
)
def test_listings_and_home_page_show_the_text_exactly(evil, page) -> None:
    site, doc = evil
    html = _text(site, page)
    suffix = doc["pith_number"][-26:]
    links = [a for a in find(html, "a", "title") if suffix in a.attrs["href"]]
    assert [a.text for a in links] == [TITLE]
    assert AUTHORS in [s.text for s in find(html, "span", "authors")]


def test_site_title_and_description_are_text(evil) -> None:
    site, _ = evil
    for page in html_pages(site):
        html = _text(site, page)
        [title] = find(html, "title")
        assert title.text.endswith(SITE_TITLE), page
        for a in find(html, "a", "site-title"):
            assert a.text == SITE_TITLE
    home = _text(site, "index.html")
    [intro] = find(home, "section", "intro")
    assert 'Hello <script>alert("d")</script> <img src=x onerror=alert(1)>' in intro.text
    assert "javascript" not in "".join(a.attrs.get("href", "") for a in find(home, "a"))
    manifest = read_json(site / "pith-mirrors.json")
    assert manifest["mirrors"][0]["name"] == SITE_TITLE


def test_shard_scripts_contain_no_angle_brackets_and_round_trip(evil) -> None:
    site, doc = evil
    suffix = doc["pith_number"][-26:]
    shards = [p for p in tree_paths(site) if p.startswith(("resolve/", "search/"))]
    scripts = [p for p in shards if p.endswith(".js")]
    assert len(scripts) > 10
    for rel in scripts:
        raw = (site / rel).read_bytes()
        assert b"<" not in raw and b">" not in raw, rel
        assert re.fullmatch(rb"[\x20-\x7e\n]*", raw), rel
    rows = [
        row for rel in scripts if rel.startswith("search/d/") for row in read_shard(site / rel)[1]
    ]
    [row] = [r for r in rows if r[0] == suffix]
    assert (row[2], row[3]) == (TITLE, AUTHORS)
    [p_row] = [r for r in read_shard(site / f"resolve/p/{suffix[:2]}.js")[1] if r[0] == suffix]
    assert p_row[2] == TITLE[:120]
    assert (
        read_json(site / f"resolve/p/{suffix[:2]}.json")
        == read_shard(site / f"resolve/p/{suffix[:2]}.js")[1]
    )


def test_search_finds_the_record_by_a_payload_word(evil) -> None:
    site, doc = evil
    assert [row[0] for row in search_rows(site, "onerror")] == [doc["pith_number"][-26:]]


def test_feed_holds_the_text_exactly(evil) -> None:
    site, doc = evil
    root = ET.fromstring((site / "feed.xml").read_bytes())
    assert root.findtext(f"{ATOM}title") == f"{SITE_TITLE}: newest records"
    entries = {e.findtext(f"{ATOM}id"): e for e in root.findall(f"{ATOM}entry")}
    entry = entries[f"{BASE}pith/{doc['pith_number'][-26:]}/"]
    assert entry.findtext(f"{ATOM}title") == TITLE
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == AUTHORS


# --------------------------------------------------------------------------- odd records


def _build_one(root: Path, doc: dict) -> tuple[Path, object]:
    records = root / "records"
    records.mkdir(parents=True)
    (records / "odd.json").write_text(json.dumps(doc), encoding="utf-8")
    plain = _mint(arxiv_id="2101.00001")
    (records / "plain.json").write_text(json.dumps(plain), encoding="utf-8")
    outcome = build_site(
        BuildConfig(
            records=records,
            out=root / "site",
            base_url=BASE,
            keep_going=True,
            trust_keys=(write_test_key(root / "key.json"),),
        )
    )
    return root / "site", outcome


def test_feed_stays_well_formed_with_control_characters_in_a_title(tmp_path) -> None:
    """C0 control characters are legal in JSON strings but not in XML 1.0."""
    title = "Form\x0cfeed, bell\x07 and escape\x1b in a title"
    doc = _mint(arxiv_id="2101.00777", title=title, authors="A\x01B")
    site, outcome = _build_one(tmp_path, doc)
    assert outcome.written and outcome.result.failed == 0
    root = ET.fromstring((site / "feed.xml").read_bytes())
    titles = [e.findtext(f"{ATOM}title") or "" for e in root.findall(f"{ATOM}entry")]
    assert any(t.startswith("Form") and t.endswith("in a title") for t in titles), titles
    assert (site / f"pith/{doc['pith_number'][-26:]}/index.html").is_file()


@pytest.mark.parametrize(
    "category", ["<b>x</b>", "cs LG", "../../etc", "cs.LG/../..", "cs.cr", "con", "nul.GT"]
)
def test_a_signed_record_with_an_unusable_category_fails_alone(tmp_path, category) -> None:
    """A trusted registry signs a category that cannot name a folder (or names one that
    differs only in case from another category's, ``cs.cr`` beside ``cs.CR``, or a
    Windows device, ``con``): that record fails verification; the rest of the archive is
    still published (keep_going)."""
    doc = _mint(arxiv_id="2101.00888")
    doc["canonical_record"]["metadata"]["primary_cat"] = category
    doc["paper"]["primary_cat"] = category
    doc = reseal(doc, fixture_key())
    site, outcome = _build_one(tmp_path, doc)
    assert outcome.written
    [bad] = [v for v in verdicts_of(outcome.result) if not v.ok]
    assert bad.source.path == "odd.json"
    assert [c.check for c in bad.problems] == ["metadata"]
    assert (site / "browse/category/cs.CR/index.html").is_file()
    assert not (site / f"pith/{doc['pith_number'][-26:]}").exists()
