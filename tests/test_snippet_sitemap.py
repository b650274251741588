"""The record page's "verify it yourself" snippet really verifies, and sitemaps split."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from sitehelpers import check_links

import pithgen.sitewide
from pithgen.build import build_site
from pithgen.config import BuildConfig

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed-record-4FP6Z27B.json"
SUFFIX = "4FP6Z27B6DFNJRYZBSXH3XON27"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def snippet_of(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    match = re.search(r'<pre class="snippet verify"[^>]*>(.*?)</pre>', text, re.S)
    assert match, "record page has no verify snippet"
    return html.unescape(match.group(1))


def run_snippet(snippet: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run the snippet's Python part (after the fetch line) the way a reader would."""
    lines = snippet.splitlines()
    assert lines[0].startswith(("curl ", "# the file is"))
    start = lines.index(next(line for line in lines if line.startswith("python3 - ")))
    json_name = lines[start].split()[2]
    body = lines[start + 1 : lines.index("EOF", start)]
    return subprocess.run(
        [sys.executable, "-", json_name],
        input="\n".join(body) + "\n",
        capture_output=True,
        text=True,
        cwd=workdir,
        check=False,
    )


@pytest.fixture
def seed_site(tmp_path: Path) -> Path:
    records = tmp_path / "records"
    records.mkdir()
    shutil.copy(SEED, records)
    build_site(
        BuildConfig(records=records, out=tmp_path / "site", base_url="https://mirror.example/")
    )
    return tmp_path / "site"


def test_snippet_verifies_the_mirrors_own_json(seed_site: Path, tmp_path: Path) -> None:
    snippet = snippet_of(seed_site / "pith" / SUFFIX / "index.html")
    assert snippet.splitlines()[0] == (
        f"curl -sSfo {SUFFIX}.json https://mirror.example/pith/{SUFFIX}.json"
    )
    work = tmp_path / "reader"
    work.mkdir()
    shutil.copy(seed_site / "pith" / f"{SUFFIX}.json", work)
    done = run_snippet(snippet, work)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"verified pith:2018:{SUFFIX}"


def test_snippet_rejects_a_tampered_copy(seed_site: Path, tmp_path: Path) -> None:
    snippet = snippet_of(seed_site / "pith" / SUFFIX / "index.html")
    work = tmp_path / "reader"
    work.mkdir()
    doc = json.loads((seed_site / "pith" / f"{SUFFIX}.json").read_text(encoding="utf-8"))
    doc["canonical_record"]["metadata"]["primary_cat"] = "cs.AI"
    (work / f"{SUFFIX}.json").write_text(json.dumps(doc), encoding="utf-8")
    done = run_snippet(snippet, work)
    assert done.returncode != 0
    assert "canonical hash mismatch" in done.stderr


def test_snippet_for_a_bundle_only_record(
    tmp_path: Path, mint: Any, helpers: Any, signing_key: Any
) -> None:
    from pithgen.keys import write_key_pair

    bundle = helpers.make_bundle(mint(), other_events=False)
    records = tmp_path / "records"
    records.mkdir()
    (records / "b.json").write_text(json.dumps(bundle), encoding="utf-8")
    _, public = write_key_pair(signing_key, tmp_path / "keys")
    build_site(
        BuildConfig(
            records=records, out=tmp_path / "site", trust_keys=(public,), default_keys=False
        )
    )
    suffix = bundle["pith_number"].rsplit(":", 1)[1]
    page = tmp_path / "site" / "pith" / suffix / "index.html"
    snippet = snippet_of(page)
    assert not (tmp_path / "site" / "pith" / f"{suffix}.json").exists()
    work = tmp_path / "reader"
    work.mkdir()
    shutil.copy(tmp_path / "site" / "pith" / suffix / "bundle.json", work)
    done = run_snippet(snippet, work)
    assert done.returncode == 0, done.stderr
    assert bundle["pith_number"] in done.stdout


def test_sitemap_becomes_an_index_past_the_limit(
    tmp_path: Path, mint: Any, signing_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pithgen.keys import write_key_pair

    records = tmp_path / "records"
    records.mkdir()
    for n in range(12):
        doc = mint(arxiv_id=f"2102.{n:05d}")
        (records / f"r{n}.json").write_text(json.dumps(doc), encoding="utf-8")
    _, public = write_key_pair(signing_key, tmp_path / "keys")
    monkeypatch.setattr(pithgen.sitewide, "SITEMAP_LIMIT", 10)
    build_site(
        BuildConfig(
            records=records,
            out=tmp_path / "site",
            trust_keys=(public,),
            default_keys=False,
            base_url="https://m.example/x/",
        )
    )
    site = tmp_path / "site"
    index = ET.parse(site / "sitemap.xml").getroot()
    assert index.tag == f"{SM}sitemapindex"
    locs = [e.text for e in index.iter(f"{SM}loc")]
    assert locs[0] == "https://m.example/x/sitemaps/sitemap-1.xml"
    urls: list[str] = []
    for loc in locs:
        assert loc is not None
        part = ET.parse(site / loc.removeprefix("https://m.example/x/")).getroot()
        chunk = [e.text or "" for e in part.iter(f"{SM}loc")]
        assert 0 < len(chunk) <= 10
        urls.extend(chunk)
    assert len(urls) == len(set(urls))
    pages = sorted(
        p.parent.name for p in (site / "pith").glob("*/index.html") if len(p.parent.name) == 26
    )
    assert len(pages) == 12
    for suffix in pages:
        assert f"https://m.example/x/pith/{suffix}/" in urls
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://m.example/x/sitemap.xml" in robots


def test_without_base_url_no_sitemap_or_feed_and_the_summary_says_so(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    shutil.copy(SEED, records)
    outcome = build_site(BuildConfig(records=records, out=tmp_path / "site"))
    assert not (tmp_path / "site" / "sitemap.xml").exists()
    assert not (tmp_path / "site" / "feed.xml").exists()
    assert any("no base URL" in note for note in outcome.notes)
    assert "Sitemap:" not in (tmp_path / "site" / "robots.txt").read_text(encoding="utf-8")
    # No page may link to the feed that was not written.
    assert check_links(tmp_path / "site", None) == []
