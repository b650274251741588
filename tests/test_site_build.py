"""The built site for a minted archive of 300 records (old-style ids, several versions of a
paper, JSONL and single .json inputs, bundles): every page, mirror, redirect, shard,
listing, sitemap, feed and report entry is there and points at the right record; and the
build's failure policy through the command line."""

from __future__ import annotations

import functools
import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from sitehelpers import (
    MINTED_BASE_URL,
    SEARCH_WORD,
    Archive,
    Entry,
    find,
    mint_archive,
    read_json,
    read_shard,
    redirect_target,
    search_rows,
    shard_reader,
    shared_minted_site,
    tree,
    tree_digest,
    tree_paths,
)

from pithgen.search import rank
from pithgen.tokens import shard_of

PAGE_SIZE = 10
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def minted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Archive, Path]:
    return shared_minted_site(tmp_path_factory)


def test_the_archive_covers_what_the_site_must_handle(minted) -> None:
    archive, _ = minted
    assert len(archive.records_docs) == 300
    assert any("/" in e.arxiv_id for e in archive.records_docs)
    assert any(e.arxiv_id == "astro-ph/9610094" for e in archive.records_docs)
    assert max(len(v) for v in archive.versions().values()) >= 3
    sources = {e.source.split(":")[0].split("/")[0] for e in archive.entries}
    assert sources == {"batch-a.jsonl", "batch-b.jsonl", "single", "bundles"}
    record_suffixes = {e.suffix for e in archive.records_docs}
    assert [e.suffix in record_suffixes for e in archive.bundles] == [True, False]


# --------------------------------------------------------------------------- record pages


def test_every_record_has_a_page_and_a_byte_identical_json_mirror(minted) -> None:
    archive, site = minted
    for e in archive.records_docs:
        assert (site / f"pith/{e.suffix}.json").read_bytes() == e.raw, e.source
        assert (site / e.page).is_file(), e.source


def test_bundles_are_mirrored_byte_for_byte_at_both_paths(minted) -> None:
    archive, site = minted
    for e in archive.bundles:
        assert (site / f"pith/{e.suffix}/bundle.json").read_bytes() == e.raw
        assert (site / f".well-known/pith/{e.suffix}/bundle.json").read_bytes() == e.raw
        assert (site / e.page).is_file()
    lonely = archive.bundles[1]
    assert not (site / f"pith/{lonely.suffix}.json").exists()


def test_no_page_or_mirror_exists_for_anything_else(minted) -> None:
    archive, site = minted
    paths = tree_paths(site)
    pages = {p.split("/")[1] for p in paths if p.startswith("pith/") and p.count("/") == 2}
    json_mirrors = {p[5:-5] for p in paths if p.startswith("pith/") and p.endswith(".json")}
    json_mirrors = {s for s in json_mirrors if "/" not in s}
    bundles = {
        p.split("/")[1] for p in paths if p.startswith("pith/") and p.endswith("/bundle.json")
    }
    published = set(archive.published)
    assert {p for p in pages if len(p) == 26} == published
    assert {p for p in pages if len(p) != 26} == {s[:8] for s in published}
    assert json_mirrors == {e.suffix for e in archive.records_docs}
    assert bundles == {e.suffix for e in archive.bundles}


def test_record_pages_carry_the_identity_and_links(minted) -> None:
    archive, site = minted
    bundled = {e.suffix for e in archive.bundles}
    records = {e.suffix for e in archive.records_docs}
    for suffix, e in archive.published.items():
        html = (site / e.page).read_text(encoding="utf-8")
        [full] = find(html, "code", "full")
        assert full.text == e.pith_number
        [h1] = find(html, "h1")
        assert h1.text == (e.title or "(no title in this record)")
        [canonical] = find(html, "link", rel="canonical")
        assert canonical.attrs["href"] == f"{MINTED_BASE_URL}pith/{suffix}/"
        hrefs = {a.attrs.get("href") for a in find(html, "a")}
        assert f"https://arxiv.org/abs/{e.arxiv_id}v{e.version}" in hrefs
        assert f"https://doi.org/10.48550/arxiv.{e.arxiv_id}" in hrefs
        assert f"../../browse/category/{e.primary_cat}/index.html" in hrefs
        assert (f"../../pith/{suffix}.json" in hrefs) == (suffix in records)
        assert (f"../../pith/{suffix}/bundle.json" in hrefs) == (suffix in bundled)
        [ld] = find(html, "script", type="application/ld+json")
        data = json.loads(ld.text)
        assert data["identifier"][0] == e.pith_number
        assert data["name"] == (e.title or e.pith_number)


# --------------------------------------------------------------------------- redirects


def test_arxiv_and_doi_redirects_point_to_the_highest_version(minted) -> None:
    archive, site = minted
    for arxiv_id, versions in archive.versions().items():
        latest = versions[-1].page
        assert redirect_target(site, f"arxiv/{arxiv_id}/index.html") == latest, arxiv_id
        assert redirect_target(site, f"doi/10.48550/arxiv.{arxiv_id}/index.html") == latest
        for e in versions:
            assert redirect_target(site, f"arxiv/{arxiv_id}v{e.version}/index.html") == e.page


def test_short_pith_number_redirects(minted) -> None:
    archive, site = minted
    assert len({s[:8] for s in archive.published}) == len(archive.published)
    for suffix, e in archive.published.items():
        assert redirect_target(site, f"pith/{suffix[:8]}/index.html") == e.page


def test_a_paper_with_three_versions_resolves_each_version(minted) -> None:
    archive, site = minted
    arxiv_id, versions = next((k, v) for k, v in archive.versions().items() if len(v) == 3)
    targets = {redirect_target(site, f"arxiv/{arxiv_id}v{n}/index.html") for n in (1, 2, 3)}
    assert targets == {e.page for e in versions}
    assert len(targets) == 3


# --------------------------------------------------------------------------- shards


def _resolve_like_a_script(site: Path, arxiv_id: str) -> list[list[object]]:
    meta = read_json(site / "resolve/meta.json")
    table = read_json(site / f"resolve/a/{shard_of(arxiv_id, meta['id_shards'])}.json")
    return table.get(arxiv_id, [])


def test_resolve_shards_find_every_record(minted) -> None:
    archive, site = minted
    meta = read_json(site / "resolve/meta.json")
    assert meta["records"] == len(archive.published)
    assert meta["ids"] == len(archive.versions())
    assert meta["pith_prefix_len"] == 2
    for suffix, e in archive.published.items():
        rows = read_json(site / f"resolve/p/{suffix[:2]}.json")
        assert [suffix, e.pith_number, e.title[:120]] in rows
        versions = _resolve_like_a_script(site, e.arxiv_id)
        assert [e.version, suffix, e.pith_number, e.title[:120]] in versions
    for arxiv_id, entries in archive.versions().items():
        assert [row[1] for row in _resolve_like_a_script(site, arxiv_id)] == [
            e.suffix for e in entries
        ]


def test_resolve_shards_hold_nothing_else_and_have_matching_script_twins(minted) -> None:
    archive, site = minted
    suffixes: list[str] = []
    for path in sorted((site / "resolve").rglob("*.json")):
        rel = path.relative_to(site).with_suffix("").as_posix()
        name, data = read_shard(path.with_suffix(".js"))
        assert name == rel
        assert data == read_json(path)
        if rel.startswith("resolve/p/"):
            assert all(row[0].startswith(rel[-2:]) for row in data)
            suffixes.extend(row[0] for row in data)
    assert sorted(suffixes) == sorted(archive.published)


def test_search_shards_hold_one_row_per_paper_and_find_every_record(minted) -> None:
    """One document per paper (its newest version, the others listed), and every record's
    paper found by its title, authors, identifiers, category and abstract."""
    archive, site = minted
    read = functools.lru_cache(maxsize=None)(shard_reader(site))
    meta = read("search/meta")
    versions = archive.versions()
    assert (meta["docs"], meta["records"]) == (len(versions), len(archive.published))
    rows = [
        row
        for n in range(math.ceil(meta["docs"] / meta["doc_block"]))
        for row in read(f"search/d/{n}")
    ]
    by_id = {row[4].rsplit("v", 1)[0]: row for row in rows}
    assert len(by_id) == len(rows) and sorted(by_id) == sorted(versions)
    for arxiv_id, entries in versions.items():
        latest, *older = reversed(entries)
        assert by_id[arxiv_id] == [
            latest.suffix,
            latest.pith_number,
            latest.title,
            latest.authors,
            f"{arxiv_id}v{latest.version}",
            latest.primary_cat,
            latest.year,
            [[e.version, e.suffix] for e in older],
        ]
    docids = {row[0]: n for n, row in enumerate(rows)}
    abstracts: set[int] = set()
    for e in archive.published.values():
        docid = docids[versions[e.arxiv_id][-1].suffix]
        queries = [e.title, e.authors, f"{e.arxiv_id}v{e.version}", e.suffix, e.suffix[:8]]
        queries.append(e.primary_cat)
        paper = json.loads(e.raw).get("paper", {}) if e.kind == "record" else {}
        if paper.get("abstract"):  # "Abstract of study N version V. ..."
            queries.append(" ".join(paper["abstract"].split()[:6]))
            abstracts.add(docid)
        for q in queries:
            words, ranked = rank(q, read)
            assert docid in [d for d, _ in ranked] or not words, (q, e.source)
    assert len(abstracts) > 100
    # "abstract" is in every abstract and in no title: an abstract hit (2 * 1 + 1) each.
    assert rank("abstract", read)[1] == [(d, 3) for d in sorted(abstracts)]
    # Parts every record shares would make posting lists as long as the archive.
    for constant in ("pith", "10.48550", "48550", "10.48550/arxiv"):
        assert rank(constant, read)[1] == [], constant


def test_a_search_word_finds_exactly_the_papers_with_it(minted) -> None:
    archive, site = minted
    rows = search_rows(site, SEARCH_WORD.lower())
    wanted = {e.arxiv_id for e in archive.published.values() if SEARCH_WORD in e.title}
    assert {row[4].rsplit("v", 1)[0] for row in rows} == wanted
    assert len(rows) == len(wanted) == 3
    # All title hits of the whole word: newest paper first.
    submitted = [archive.versions()[row[4].rsplit("v", 1)[0]][-1].submitted_at for row in rows]
    assert submitted == sorted(submitted, reverse=True)


# --------------------------------------------------------------------------- listings


@dataclass(frozen=True)
class Listed:
    """One entry of a listing page: the record its title links to, the other versions it
    links ("also v2, v1"), and whether it is marked as a cross-list."""

    title: str
    others: tuple[str, ...]
    cross_list: bool


def _entries(html: str) -> list[Listed]:
    ol = html.split('<ol class="record-list">', 1)[1].split("</ol>", 1)[0]
    out = []
    for li in re.findall(r"<li>(.*?)</li>", ol, re.S):
        (title,) = [a.attrs["href"] for a in find(li, "a", "title")]
        others = [a.attrs["href"] for a in find(li, "a") if "title" not in a.attrs.get("class", "")]
        out.append(
            Listed(
                title.removeprefix("../../../"),
                tuple(h.removeprefix("../../../") for h in others),
                bool(find(li, "span", "cross-list")),
            )
        )
    return out


def _listing(site: Path, folder: str) -> list[list[Listed]]:
    """The entries of each page of a paginated listing, page by page."""
    pages = sorted(p.name for p in (site / folder).iterdir())
    count = len(pages)
    expected = ["index.html"] + [f"page-{n}.html" for n in range(2, count + 1)]
    assert sorted(expected) == pages, folder
    out = []
    for n, name in enumerate(expected, start=1):
        html = (site / folder / name).read_text(encoding="utf-8")
        out.append(_entries(html))
        nav = {a.attrs.get("rel"): a.attrs["href"] for a in find(html, "a") if "rel" in a.attrs}
        if count > 1:
            assert f"page {n} of {count}" in html
        assert nav.get("next") == (expected[n] if n < count else None), (folder, name)
        assert nav.get("prev") == (expected[n - 2] if n > 1 else None), (folder, name)
        ends = {a.text: a.attrs["href"] for a in find(html, "a") if a.text in ("« first", "last »")}
        assert ends.get("« first") == ("index.html" if n > 2 else None), (folder, name)
        assert ends.get("last »") == (expected[-1] if n < count - 1 else None), (folder, name)
    return out


def _listed_in(e: Entry, kind: str) -> set[str]:
    return {e.year} if kind == "year" else {e.primary_cat, *e.cross_cats}


@pytest.mark.parametrize("kind", ["year", "category"])
def test_listings_show_each_paper_once_with_all_its_versions(minted, kind) -> None:
    """A listing holds one entry per paper, ``PAGE_SIZE`` papers a page, oldest first: the
    newest version it lists is the title link, the others follow newest first; a category
    also lists the papers cross-listed in it, marked so. Every record is listed exactly
    where its year, primary and cross categories say."""
    archive, site = minted
    by_page = {e.page: e for e in archive.published.values()}
    seen: set[tuple[str, str]] = set()
    paginated = crossed = grouped = 0
    for folder in sorted((site / f"browse/{kind}").iterdir()):
        pages = _listing(site, folder.relative_to(site).as_posix())
        paginated += len(pages) > 1
        assert all(len(p) == PAGE_SIZE for p in pages[:-1]), folder
        assert 1 <= len(pages[-1]) <= PAGE_SIZE
        entries = [entry for page in pages for entry in page]
        assert len({by_page[x.title].arxiv_id for x in entries}) == len(entries)
        firsts = [by_page[x.title].submitted_at for x in entries]
        assert firsts == sorted(firsts), folder
        for x in entries:
            latest, others = by_page[x.title], [by_page[o] for o in x.others]
            versions = [latest.version, *(o.version for o in others)]
            assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(
                versions
            )
            assert {o.arxiv_id for o in others} <= {latest.arxiv_id}
            assert x.cross_list == (kind == "category" and latest.primary_cat != folder.name)
            crossed += x.cross_list
            grouped += bool(others)
            for e in (latest, *others):
                assert folder.name in _listed_in(e, kind), (folder.name, e.page)
                assert (folder.name, e.page) not in seen
                seen.add((folder.name, e.page))
    assert seen == {
        (name, e.page) for e in archive.published.values() for name in _listed_in(e, kind)
    }
    assert paginated >= 3 and grouped >= 3
    assert crossed >= (3 if kind == "category" else 0)


def test_browse_index_links_every_listing_with_its_count_of_papers(minted) -> None:
    archive, site = minted
    html = (site / "browse/index.html").read_text(encoding="utf-8")
    years: dict[str, set[str]] = {}
    cats: dict[str, set[str]] = {}
    for e in archive.published.values():
        years.setdefault(e.year, set()).add(e.arxiv_id)
        for cat in (e.primary_cat, *e.cross_cats):
            cats.setdefault(cat, set()).add(e.arxiv_id)
    items = [li.text.split() for li in find(html, "li")]
    hrefs = [a.attrs["href"] for a in find(html, "a") if "browse/" in a.attrs["href"]]
    for name, papers in [*years.items(), *cats.items()]:
        assert [name, str(len(papers))] in items
    assert {f"browse/year/{y}/index.html" for y in years} <= {h.lstrip("./") for h in hrefs}
    assert {f"browse/category/{c}/index.html" for c in cats} <= {h.lstrip("./") for h in hrefs}
    assert len(items) == len(years) + len(cats)


# --------------------------------------------------------------------------- sitemap, feed


def test_sitemap_lists_every_record_page_and_only_existing_pages(minted) -> None:
    archive, site = minted
    root = ET.fromstring((site / "sitemap.xml").read_bytes())
    assert root.tag == f"{SITEMAP}urlset"
    locs = [u.findtext(f"{SITEMAP}loc") or "" for u in root]
    assert len(locs) == len(set(locs))
    for suffix in archive.published:
        assert f"{MINTED_BASE_URL}pith/{suffix}/" in locs
    for loc in locs:
        assert loc.startswith(MINTED_BASE_URL)
        rel = loc[len(MINTED_BASE_URL) :]
        rel = rel + "index.html" if rel == "" or rel.endswith("/") else rel
        assert (site / rel).is_file(), loc


def test_feed_is_well_formed_and_lists_the_newest_records(minted) -> None:
    archive, site = minted
    root = ET.fromstring((site / "feed.xml").read_bytes())
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 20
    shown = []
    for entry in entries:
        link = entry.find(f"{ATOM}link")
        assert link is not None
        href = link.attrib["href"]
        assert href.startswith(f"{MINTED_BASE_URL}pith/") and href.endswith("/")
        e = archive.published[href.split("/")[-2]]
        assert entry.findtext(f"{ATOM}title") == (e.title or e.pith_number)
        assert entry.findtext(f"{ATOM}id") == href
        assert entry.findtext(f"{ATOM}updated") == e.submitted_at
        shown.append(e)
    dates = [e.submitted_at for e in shown]
    assert dates == sorted(dates, reverse=True)
    rest = [e.submitted_at for e in archive.published.values() if e not in shown]
    assert min(dates) >= max(rest)
    assert root.findtext(f"{ATOM}updated") == max(
        e.submitted_at for e in archive.published.values()
    )


def test_home_page_lists_the_newest_records_and_the_counts(minted) -> None:
    archive, site = minted
    html = (site / "index.html").read_text(encoding="utf-8")
    links = [a.attrs["href"] for a in find(html, "a", "title")]
    newest = sorted(archive.published.values(), key=lambda e: e.submitted_at, reverse=True)
    assert len(links) == 20
    assert set(links) <= {e.page for e in archive.published.values()}
    assert newest[0].page == links[0]
    assert f"<strong>{len(archive.published)}</strong> record(s) published" in html


def test_verification_report_lists_every_input_document(minted) -> None:
    archive, site = minted
    report = read_json(site / "verification.json")
    assert report["summary"] == {
        "total": len(archive.entries),
        "verified": len(archive.entries),
        "failed": 0,
        "warnings": 2,  # each bundle's graph_snapshot event is "not checked yet"
        "published": len(archive.published),
    }
    by_source = {r["source"]: r for r in report["records"]}
    assert len(by_source) == len(report["records"])
    assert set(by_source) == {e.source for e in archive.entries}
    for e in archive.entries:
        row = by_source[e.source]
        assert (row["status"], row["pith_number"], row["kind"]) == (
            "verified",
            e.pith_number,
            e.kind,
        )
    rows: list[str] = []
    pages = sorted((site / "verification").iterdir())
    assert len(pages) == math.ceil(len(archive.entries) / PAGE_SIZE)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        rows.extend(
            tr.text.split()[0]
            for tr in find(html, "tr")
            if tr.attrs.get("class", "").startswith("status-")
        )
    assert sorted(rows) == sorted(e.source for e in archive.entries)


def test_mirror_manifest_and_keys(minted) -> None:
    archive, site = minted
    manifest = read_json(site / "pith-mirrors.json")
    [mirror] = manifest["mirrors"]
    assert mirror["records"] == len(archive.published)
    assert mirror["record_pattern"] == f"{MINTED_BASE_URL}pith/{{suffix}}.json"
    key_doc = read_json(archive.key_file)
    assert (
        read_json(site / f"keys/{key_doc['key_id']}.json")["public_key_hex"]
        == key_doc["public_key_hex"]
    )
    for e in archive.records_docs[:5]:
        assert (
            site / mirror["record_pattern"][len(MINTED_BASE_URL) :].format(suffix=e.suffix)
        ).is_file()


# --------------------------------------------------------------------------- failure policy


def _pithgen(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pithgen", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": ""},
    )


@pytest.fixture
def small(tmp_path: Path) -> tuple[Archive, Entry]:
    """A 12-record archive and one of its records (a single .json file) with a tampered
    title: its title hash no longer matches the canonical record."""
    archive = mint_archive(tmp_path / "in", total_docs=12)
    bundled = {e.suffix for e in archive.bundles}
    bad = next(
        e
        for e in archive.records_docs
        if e.source.startswith("single/") and e.suffix not in bundled
    )
    return archive, bad


def _tamper(archive: Archive, bad: Entry) -> None:
    path = archive.records / bad.source
    doc = json.loads(path.read_bytes())
    doc["paper"]["title"] = "A title that was never signed"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def _build_args(archive: Archive, out: Path, *extra: str) -> list[str | Path]:
    return [
        "build",
        "--records",
        archive.records,
        "--out",
        out,
        "--trust-key",
        archive.key_file,
        "--base-url",
        MINTED_BASE_URL,
        *extra,
    ]


def test_a_bad_record_fails_the_build_and_leaves_the_old_site_untouched(small, tmp_path) -> None:
    archive, bad = small
    out = tmp_path / "out" / "site"
    first = _pithgen(*_build_args(archive, out), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = tree_digest(out)
    inode = os.stat(out).st_ino
    _tamper(archive, bad)
    second = _pithgen(*_build_args(archive, out), cwd=tmp_path)
    assert second.returncode == 1, second.stdout + second.stderr
    assert bad.source in second.stderr and "title_hash" in second.stderr
    assert tree_digest(out) == before
    assert os.stat(out).st_ino == inode
    assert sorted(os.listdir(out.parent)) == [".pithgen-cache", "site"]


def test_a_bad_record_with_no_previous_site_writes_nothing(small, tmp_path) -> None:
    archive, bad = small
    _tamper(archive, bad)
    out = tmp_path / "out" / "site"
    proc = _pithgen(*_build_args(archive, out), cwd=tmp_path)
    assert proc.returncode == 1
    assert not out.exists()
    assert not out.parent.exists() or os.listdir(out.parent) in ([], [".pithgen-cache"])


def test_keep_going_publishes_the_rest_and_reports_the_bad_record(small, tmp_path) -> None:
    archive, bad = small
    _tamper(archive, bad)
    out = tmp_path / "out" / "site"
    proc = _pithgen(*_build_args(archive, out, "--keep-going"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(out.parent)) == [".pithgen-cache", "site"]
    report = read_json(out / "verification.json")
    [row] = [r for r in report["records"] if r["status"] == "failed"]
    assert row["source"] == bad.source
    assert [p["check"] for p in row["problems"]] == ["title_hash"]
    assert report["summary"]["failed"] == 1
    assert report["summary"]["published"] == len(archive.published) - 1
    html = (out / "verification/index.html").read_text(encoding="utf-8")
    [tr] = [tr for tr in find(html, "tr") if tr.attrs.get("class") == "status-failed"]
    assert tr.text.split()[0] == bad.source
    assert "title_hash" in tr.text
    assert row["problems"][0]["message"] in tr.text
    # No page, no mirror, no redirect, no shard row: the suffix is only in the report.
    files = tree(out)
    assert not (out / bad.page).exists()
    assert not (out / f"pith/{bad.suffix}.json").exists()
    assert not (out / f"arxiv/{bad.arxiv_id}v{bad.version}/index.html").exists()
    mentions = sorted(p for p, data in files.items() if bad.suffix.encode() in data)
    assert mentions == ["verification.json", "verification/index.html"]
    for path, data in files.items():
        if path.startswith(("resolve/", "search/")):
            assert bad.suffix.encode() not in data and bad.suffix.lower().encode() not in data
    good = [e for e in archive.published.values() if e.suffix != bad.suffix]
    for e in good:
        assert (out / e.page).is_file()


def test_a_missing_records_folder_is_a_usage_error(tmp_path) -> None:
    proc = _pithgen(
        "build", "--records", tmp_path / "nope", "--out", tmp_path / "site", cwd=tmp_path
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "pithgen: error:" in proc.stderr
    assert not (tmp_path / "site").exists()
    assert os.listdir(tmp_path) in ([], [".pithgen-cache"])


def test_record_pages_link_the_other_versions_of_their_paper(minted) -> None:
    archive, site = minted
    papers: dict[str, list[Entry]] = {}
    for e in archive.published.values():
        papers.setdefault(e.arxiv_id, []).append(e)
    multi = {k: sorted(v, key=lambda e: e.version) for k, v in papers.items() if len(v) > 1}
    assert multi, "the minted archive must hold papers with several versions"
    for versions in multi.values():
        for e in versions:
            page = (site / "pith" / e.suffix / "index.html").read_text(encoding="utf-8")
            block = page[
                page.index('<p class="versions">') : page.index(
                    "</p>", page.index('<p class="versions">')
                )
            ]
            assert f"<strong>v{e.version}</strong>" in block
            for other in versions:
                if other is not e:
                    assert (
                        f'href="../../pith/{other.suffix}/index.html">v{other.version}</a>' in block
                    )
    single = next(e for k, v in papers.items() if len(v) == 1 for e in v)
    page = (site / "pith" / single.suffix / "index.html").read_text(encoding="utf-8")
    assert 'class="versions"' not in page
