"""Two reviewed golden trees, built byte for byte:

- tests/golden/sample-site/: records/ (the real seed record), fixed base URL and title;
- tests/golden/archive-site/: the minted golden archive tests/fixtures/golden-archive/
  (written by tools/make_golden_archive.py) with keep_going: two versions of one paper, two
  papers sharing a short number, bundles beside and without a record document, two failed
  documents, a JSONL file with an old-style id, a cross-listed record and a duplicate.

Beyond byte equality, the archive tree is checked for what it is there for, so that a
regeneration that lost a feature cannot pass review unnoticed.

After an intended change to the output: ``python3 tools/regen_golden.py`` and review
``git diff tests/golden``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sitehelpers import (
    ARCHIVE_FIXTURE,
    GOLDEN_DIR,
    GOLDEN_SITES,
    HERE,
    REPO,
    GoldenSite,
    check_links,
    elements,
    find,
    first_difference,
    redirect_target,
    tree,
)

import pithgen

REGEN = "run `python3 tools/regen_golden.py` if the change is intended, and review the diff"
ARCHIVE = next(s for s in GOLDEN_SITES if s.name == "archive-site")


@pytest.fixture(scope="module", params=GOLDEN_SITES, ids=lambda s: s.name)
def site(request: pytest.FixtureRequest) -> GoldenSite:
    return request.param


@pytest.fixture(scope="module")
def built(site: GoldenSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp(site.name) / "site"
    outcome = site.build(out, site.source)
    assert outcome.written
    assert outcome.result.failed == site.failed
    return tree(out)


@pytest.fixture(scope="module")
def golden(site: GoldenSite) -> dict[str, bytes]:
    assert site.golden.is_dir(), f"{site.golden} is missing; {REGEN}"
    return tree(site.golden)


def test_same_file_list(built, golden) -> None:
    missing = sorted(set(golden) - set(built))
    extra = sorted(set(built) - set(golden))
    assert not missing and not extra, f"missing {missing}, unexpected {extra}; {REGEN}"


def test_every_file_byte_for_byte(built, golden) -> None:
    differing = sorted(p for p in set(built) & set(golden) if built[p] != golden[p])
    assert not differing, (
        f"{len(differing)} file(s) differ: {differing}; {REGEN}\n"
        + first_difference(golden, built, ("golden", "built"))
    )


def test_golden_tree_links_work(site: GoldenSite) -> None:
    assert check_links(site.golden, site.base_url) == []


@pytest.mark.parametrize(
    ("site_name", "env"),
    [
        ("sample-site", {"PYTHONHASHSEED": "1", "TZ": "Pacific/Kiritimati", "LC_ALL": "C"}),
        ("archive-site", {"PYTHONHASHSEED": "3", "TZ": "America/St_Johns", "LC_ALL": "C"}),
        ("archive-site", {"PYTHONHASHSEED": "4095", "TZ": "UTC", "LC_ALL": "C.UTF-8"}),
    ],
)
def test_golden_build_does_not_depend_on_the_machine(
    site_name: str, env: dict[str, str], tmp_path: Path
) -> None:
    """A fresh interpreter (another hash seed, time zone and locale) builds a copy of the
    input kept in another folder into yet another folder: the golden tree, byte for byte."""
    site = next(s for s in GOLDEN_SITES if s.name == site_name)
    source = tmp_path / "elsewhere" / "deeper" / f"copy of {site.source.name}"
    shutil.copytree(site.source, source)
    out = tmp_path / "another" / "out"
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
        "from sitehelpers import GOLDEN_SITES; "
        "site = next(s for s in GOLDEN_SITES if s.name == sys.argv[2]); "
        "outcome = site.build(Path(sys.argv[4]), Path(sys.argv[3])); "
        "sys.exit(0 if outcome.written and outcome.result.failed == site.failed else 1)"
    )
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    full.update(env, PYTHONPATH=str(Path(pithgen.__file__).resolve().parent.parent))
    proc = subprocess.run(
        [sys.executable, "-c", code, str(HERE), site.name, str(source), str(out)],
        cwd=tmp_path,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    built, golden = tree(out), tree(site.golden)
    assert sorted(built) == sorted(golden)
    assert built == golden, first_difference(golden, built, ("golden", "built"))


def test_golden_tree_is_a_real_site() -> None:
    """Guards the sample tree itself against an accidental empty or partial regeneration."""
    golden = tree(GOLDEN_DIR)
    suffix = "4FP6Z27B6DFNJRYZBSXH3XON27"
    assert (
        golden[f"pith/{suffix}.json"]
        == (Path(__file__).parent.parent / "records" / "seed-record-4FP6Z27B.json").read_bytes()
    )
    for path in (
        "index.html",
        f"pith/{suffix}/index.html",
        "pith/4FP6Z27B/index.html",
        "arxiv/1810.06877/index.html",
        "arxiv/1810.06877v1/index.html",
        "doi/10.48550/arxiv.1810.06877/index.html",
        "resolve.html",
        "search.html",
        "verification/index.html",
        "verification.json",
        "sitemap.xml",
        "feed.xml",
        "robots.txt",
        "404.html",
        "pith-mirrors.json",
        "assets/pithgen.js",
        "assets/pithgen.css",
        ".nojekyll",
    ):
        assert path in golden, path
    assert b"Collaborative Deep Learning Across Multiple Data Centers" in golden["index.html"]


# --------------------------------------------------------------------------- the archive


def _load_tool() -> ModuleType:
    path = REPO / "tools" / "make_golden_archive.py"
    spec = importlib.util.spec_from_file_location("make_golden_archive", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _input(rel: str) -> bytes:
    return (ARCHIVE_FIXTURE / "records" / rel).read_bytes()


def _doc(rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_input(rel))
    return data


def _suffix(doc: dict[str, Any]) -> str:
    return str(doc["pith_number"]).rsplit(":", 1)[1]


def _page(golden: dict[str, bytes], rel: str) -> str:
    return golden[rel].decode("utf-8")


@pytest.fixture(scope="module")
def archive() -> dict[str, bytes]:
    assert ARCHIVE.golden.is_dir(), f"{ARCHIVE.golden} is missing; {REGEN}"
    return tree(ARCHIVE.golden)


def test_archive_fixture_is_exactly_what_the_script_writes() -> None:
    """Every byte of the input archive comes from tools/make_golden_archive.py (which also
    proves its hard-coded counters still give a shared short number)."""
    tool = _load_tool()
    assert tool.archive_files() == tool.on_disk(ARCHIVE_FIXTURE)


def test_archive_failed_documents_are_reported_and_get_no_page(archive) -> None:
    report = _page(archive, "verification/index.html")
    rows = find(report, "tr", "status-failed")
    assert len(rows) == 2
    reasons = {
        "failed/altered-title.json": ("title_hash", "the displayed title was altered"),
        "failed/forged-signature.json": ("receipt_signature", "does not verify"),
    }
    by_json = {r["source"]: r for r in json.loads(archive["verification.json"])["records"]}
    for rel, (check, fragment) in reasons.items():
        doc = _doc(rel)
        suffix, arxiv_id = _suffix(doc), doc["canonical_record"]["source"]["id"]
        (row,) = [r for r in rows if rel in r.text]
        assert doc["pith_number"] in row.text and f"{check}: " in row.text and fragment in row.text
        assert not [e for e in elements(report) if suffix in e.attrs.get("href", "")]
        entry = by_json[rel]
        assert entry["status"] == "failed"
        assert [p["check"] for p in entry["problems"]] == [check]
        assert not [p for p in archive if suffix[:8] in p or arxiv_id in p]
        # Named only by the report: no page, mirror, redirect, resolve or search entry.
        named = sorted(p for p, data in archive.items() if suffix[:8].encode() in data)
        assert named == ["verification.json", "verification/index.html"]


def test_archive_bundles_alone_and_beside_a_record(archive) -> None:
    beside, alone = "bundles/2011.01234v1.bundle.json", "bundles/2104.05678v1.bundle.json"
    for rel in (beside, alone):
        suffix = _suffix(_doc(rel))
        assert _doc(rel)["bundle_type"] == "pith_open_graph_bundle"
        assert archive[f"pith/{suffix}/bundle.json"] == _input(rel)
        assert archive[f".well-known/pith/{suffix}/bundle.json"] == _input(rel)
        page = _page(archive, f"pith/{suffix}/index.html")
        assert 'href="../../pith/' + suffix + '/bundle.json">Bundle (JSON)</a>' in page
    record = _suffix(_doc(beside))
    assert record == _suffix(_doc("bundles/2011.01234v1.json"))
    assert archive[f"pith/{record}.json"] == _input("bundles/2011.01234v1.json")
    page = _page(archive, f"pith/{record}/index.html")
    assert "Open Graph Bundles for Citation Events" in page  # rendered from the record
    assert f'href="../../pith/{record}.json">Record document' in page
    only = _suffix(_doc(alone))
    assert f"pith/{only}.json" not in archive
    page = _page(archive, f"pith/{only}/index.html")
    assert "Record document" not in page and f"pith/{only}.json" not in page
    assert "(no title in this record)" in page  # a bundle has no display fields
    (notice,) = find(page, "p", "from-bundle")  # and the page says where it comes from
    assert "rendered from an Open Graph bundle" in notice.text
    assert "no record document" in " ".join(notice.text.split())
    # Its aliases are the bundle's source_aliases, all six of them.
    (table,) = find(page, "table", "aliases")
    rows = [e.text for e in find(page, "code") if e.text in table.text]
    assert rows == [a["alias_value"] for a in _doc(alone)["source_aliases"]] and len(rows) == 6
    assert not find(_page(archive, f"pith/{record}/index.html"), "p", "from-bundle")


def test_archive_versions_line_on_both_version_pages(archive) -> None:
    v1, v2 = (_suffix(_doc(f"versions/1907.04415v{n}.json")) for n in (1, 2))
    for own, other, n, m in ((v1, v2, 1, 2), (v2, v1, 2, 1)):
        page = _page(archive, f"pith/{own}/index.html")
        (line,) = find(page, "p", "versions")
        assert " ".join(line.text.split()) == "Versions in this mirror: v1 · v2"
        assert [e.text for e in find(page, "strong") if e.text.startswith("v")] == [f"v{n}"]
        (link,) = [e for e in find(page, "a") if e.text == f"v{m}"]
        assert link.attrs["href"] == f"../../pith/{other}/index.html"
    assert redirect_target(ARCHIVE.golden, "arxiv/1907.04415/index.html") == (
        f"pith/{v2}/index.html"
    )
    for n, own in ((1, v1), (2, v2)):
        target = redirect_target(ARCHIVE.golden, f"arxiv/1907.04415v{n}/index.html")
        assert target == f"pith/{own}/index.html"
    single = _page(archive, f"pith/{_suffix(_doc('shared-short/2203.01111v1.json'))}/index.html")
    assert find(single, "p", "versions") == []


def test_archive_shared_short_number(archive) -> None:
    a, b = (_suffix(_doc(f"shared-short/{i}v1.json")) for i in ("2203.01111", "2309.02222"))
    assert a != b and a[:8] == b[:8]
    short = a[:8]
    choices = _page(archive, f"pith/{short}/index.html")
    assert 'http-equiv="refresh"' not in choices  # a choice, not a redirect
    (listing,) = find(choices, "ul", "results")
    links = [e.attrs["href"] for e in find(choices, "a") if e.text.startswith("pith:20")]
    assert links == [f"../../pith/{s}/index.html" for s in sorted((a, b))]
    assert "Birthday Bounds for Short Identifiers" in listing.text
    assert "A Second Paper Whose Short Number Is Taken" in listing.text
    for suffix in (a, b):
        page = _page(archive, f"pith/{suffix}/index.html")
        (notice,) = [n for n in find(page, "p", "notice") if "is shared with" in n.text]
        assert f"pith:{short}" in notice.text and f"pith:{suffix[:12]}" in notice.text
        assert f'href="../../pith/{short}/index.html">other records' in page
    alone = _page(archive, f"pith/{_suffix(_doc('versions/1907.04415v1.json'))}/index.html")
    assert "is shared with" not in alone


def test_archive_jsonl_old_style_cross_listed_and_duplicate(archive) -> None:
    lines = _input("batch.jsonl").splitlines(keepends=True)
    assert len(lines) == 3
    old, cross, dup = (json.loads(line) for line in lines)
    old_suffix = _suffix(old)
    assert old["canonical_record"]["source"]["id"] == "hep-th/9901001"
    assert archive[f"pith/{old_suffix}.json"] == lines[0]
    for rel in ("arxiv/hep-th/9901001/index.html", "arxiv/hep-th/9901001v1/index.html"):
        assert redirect_target(ARCHIVE.golden, rel) == f"pith/{old_suffix}/index.html"
    page = _page(archive, f"pith/{_suffix(cross)}/index.html")
    meta = cross["canonical_record"]["metadata"]
    chips = [e for e in find(page, "a", "cat")]  # category chips link to their listings
    assert [e.text for e in chips] == [meta["primary_cat"], *meta["cross_cats_sorted"]]
    assert len(chips) == 5
    for chip in chips:
        assert chip.attrs["href"] == f"../../browse/category/{chip.text}/index.html"
        listing = _page(archive, f"browse/category/{chip.text}/index.html")
        (entry,) = [
            li for li in listing.split("<li>")[1:] if f"pith/{_suffix(cross)}/index.html" in li
        ]
        # A secondary category lists the paper as a cross-list; the primary one does not.
        assert ('class="cross-list"' in entry) == (chip.text != meta["primary_cat"])
    assert "keys/test-key-2.json" in page
    assert dup == _doc("versions/1907.04415v1.json")
    report = json.loads(archive["verification.json"])
    entries = {r["source"]: r for r in report["records"]}
    (entry, published) = entries["batch.jsonl:3"], entries["versions/1907.04415v1.json"]
    assert entry["status"] == published["status"] == "verified"
    assert [w["check"] for w in entry["warnings"]] == ["duplicate"]
    assert "versions/1907.04415v1.json, which is published" in entry["warnings"][0]["message"]
    assert published["warnings"] == []
    # Same content: the bytes with the smaller SHA-256 are published, not the first read.
    pretty = _input("versions/1907.04415v1.json")
    assert hashlib.sha256(pretty).hexdigest() < hashlib.sha256(lines[2]).hexdigest()
    assert archive[f"pith/{_suffix(dup)}.json"] == pretty
    assert report["summary"] == {
        "total": 12,
        "verified": 10,
        "failed": 2,
        "warnings": 2,
        "published": 8,
    }


def test_archive_sitemap_lists_every_page_of_the_verification_report(archive) -> None:
    sitemap = archive["sitemap.xml"].decode("utf-8")
    pages = sorted(p for p in archive if p.startswith("verification/"))
    assert pages == ["verification/index.html", "verification/page-2.html"]
    for page in pages:
        url = ARCHIVE.base_url + page.removesuffix("index.html")
        assert f"<loc>{url}</loc>" in sitemap, url


def test_archive_badges_are_self_contained_and_embedded(archive) -> None:
    records = sorted(p.split("/")[1] for p in archive if p.endswith("/badge.svg"))
    pages = sorted(
        p.split("/")[1] for p in archive if re.fullmatch(r"pith/[A-Z2-7]{26}/index\.html", p)
    )
    assert records == pages and len(records) == 8
    for suffix in records:
        svg = archive[f"pith/{suffix}/badge.svg"].decode("utf-8")
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        # Nothing is loaded from anywhere: no link, no font, no style sheet, no script.
        assert not re.search(r"href|url\(|@import|@font-face|<script|<style|<image", svg)
        assert f"pith:{suffix[:8]}" in svg
        page = _page(archive, f"pith/{suffix}/index.html")
        page_url = f"{ARCHIVE.base_url}pith/{suffix}/"
        badge_url = f"{page_url}badge.svg"
        (markdown,) = find(page, "pre", "badge-markdown")
        assert markdown.text == f"[![verified pith:{suffix[:8]}]({badge_url})]({page_url})"
        (html,) = find(page, "pre", "badge-html")
        assert html.text.startswith(f'<a href="{page_url}"><img src="{badge_url}"')
        (img,) = find(page, "img", "pith-badge")
        assert img.attrs["src"] == f"../../pith/{suffix}/badge.svg"


def test_archive_home_page_examples_name_a_record_the_mirror_holds(archive) -> None:
    home = _page(archive, "index.html")
    (field,) = [e for e in find(home, "input") if e.attrs.get("aria-label") == "Resolve"]
    held = [p.split("/")[1][:8] for p in archive if p.endswith("/badge.svg")]
    short = field.attrs["placeholder"].split(",")[0].removeprefix("pith:")
    assert short in held
    assert "4FP6Z27B" not in home and "1810.06877" not in home  # the seed is not here
    resolve = _page(archive, "resolve.html")
    assert "4FP6Z27B" not in resolve and "1810.06877" not in resolve
    assert len(find(resolve, "ul", "accepted-forms")) == 1
