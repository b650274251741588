"""Memos of site-wide outputs (:class:`pithgen.delta.SiteOutput`): an incremental build
renders again only the listing and report pages whose content changed, keeps the others,
never trusts a memo it cannot prove, and still equals a full build byte for byte."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sitehelpers import tree
from test_incremental import Archive, _edit

from pithgen import layout
from pithgen.build import build_site
from pithgen.cache.store import DB_NAME
from pithgen.render import Renderer


def _count_pages(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the listing and report pages rendered (jobs = 1: in this process)."""
    rendered: Counter[str] = Counter()

    def spy(name: str) -> Callable[..., bytes]:
        real = getattr(Renderer, name)

        def counted(self: Renderer, relpath: str, *args: Any) -> bytes:
            rendered[name] += 1
            rendered[relpath] += 1
            return real(self, relpath, *args)  # type: ignore[no-any-return]

        return counted

    for name in ("listing_page", "verification_page"):
        monkeypatch.setattr(Renderer, name, spy(name))
    return rendered


def _archive(tmp_path: Path) -> Archive:
    """25 papers in three categories (every other one cross-listed in cs.LG), all first
    submitted in one year, ten a page: several listing and report pages."""
    archive = Archive(tmp_path)
    for n in range(25):
        archive.mint(n, submitted_at=f"2019-0{1 + n // 10}-{10 + n % 10}T00:00:00Z")
    return archive


def _check_equal_to_full(archive: Archive, name: str) -> None:
    full = build_site(replace(archive.config, out=archive.root / name, use_cache=False))
    assert full.written and tree(archive.config.out) == tree(archive.root / name)


def test_a_new_paper_renders_only_the_pages_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _archive(tmp_path)
    rendered = _count_pages(monkeypatch)
    assert build_site(archive.config).mode == "full"
    listings_full = rendered["listing_page"]
    assert listings_full == 3 + 1 + 1 + 1 + 2  # the year, three categories, the cross-list
    rendered.clear()
    # the newest paper: the last page of its year and of its category change
    archive.mint(40, submitted_at="2019-12-31T00:00:00Z", cross_cats=())
    assert build_site(archive.config).mode == "incremental"
    listed = [p for p in rendered if p.startswith("browse/")]
    assert sorted(listed) == [
        layout.listing("category", "math.CO", 1),
        layout.listing("year", "2019", 3),
    ]
    assert rendered["listing_page"] == 2
    # its report row is the last (its file sorts last): the last report page changes, and
    # the first, which alone shows the summary; the pages between are kept
    assert rendered["verification_page"] == 2
    assert rendered[layout.verification_page(1)] == rendered[layout.verification_page(3)] == 1
    _check_equal_to_full(archive, "full-1")
    rendered.clear()
    # an unsigned field changes: no listing shows it; only its report page is redone
    _edit(archive, ("touch", 3), monkeypatch)
    outcome = build_site(archive.config)
    assert outcome.mode == "incremental" and outcome.written
    assert rendered["listing_page"] == 0
    assert rendered["verification_page"] == 1 and rendered[layout.verification_page(1)] == 1
    _check_equal_to_full(archive, "full-2")


def test_a_memo_that_cannot_be_proved_is_not_trusted(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    assert build_site(archive.config).mode == "full"
    with sqlite3.connect(archive.config.cache_dir / DB_NAME) as db:
        names = [n for (n,) in db.execute("SELECT name FROM site_memos")]
        assert any(n.startswith("listing:year:") for n in names)
        assert any(n.startswith("verification:") for n in names)
        # a memo whose paths lost one (as if damaged): its check fails, it is ignored
        db.execute("UPDATE site_memos SET paths = '[]' WHERE name = 'listing:year:2019'")
        # a memo whose page the manifest no longer knows
        db.execute("DELETE FROM site_files WHERE path LIKE 'verification/%'")
    archive.mint(41, submitted_at="2019-12-30T00:00:00Z")
    assert build_site(archive.config).mode == "incremental"
    _check_equal_to_full(archive, "full")
    with sqlite3.connect(archive.config.cache_dir / DB_NAME) as db:
        (paths,) = db.execute(
            "SELECT paths FROM site_memos WHERE name = 'listing:year:2019'"
        ).fetchone()
    assert paths.count("browse/year/2019/") == 3  # 26 papers, ten a page


def test_full_and_incremental_builds_record_the_same_memos(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    build_site(archive.config)
    archive.mint(42, submitted_at="2019-11-30T00:00:00Z")
    assert build_site(archive.config).mode == "incremental"
    again = replace(archive.config, out=tmp_path / "again", cache=tmp_path / "cache-again")
    assert build_site(again).mode == "full"

    def memos(cache: Path, out: Path) -> dict[str, tuple[bytes, str]]:
        with sqlite3.connect(cache / DB_NAME) as db:
            rows = db.execute(
                "SELECT name, key, paths FROM site_memos WHERE out = ?", (str(out.resolve()),)
            )
            return {n: (k, p) for n, k, p in rows}

    first = memos(archive.config.cache_dir, archive.config.out)
    second = memos(again.cache_dir, again.out)
    assert first and first.keys() == second.keys()
    assert first == second


def test_outputs_of_the_index_alone_are_kept_while_the_index_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resolve and search shards, listings, short-number pages and sitemaps are made from
    the index alone: an edit no summary or search token shows (an unsigned field) keeps
    them without reading the index for them; a new paper makes them again. Each build
    equals a full one."""
    import pithgen.sitewide
    from pithgen.index import SiteIndex

    made: Counter[str] = Counter()

    def spied(owner: Any, name: str) -> None:
        real = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            made[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)

    spied(pithgen.sitewide, "search_files")
    for name in ("resolve_files", "listing_rows", "listing_digest", "by_short", "ordered"):
        spied(SiteIndex, name)
    archive = _archive(tmp_path)
    assert build_site(archive.config).mode == "full"
    assert made["search_files"] == made["resolve_files"] == 1 and made["listing_rows"] > 1
    made.clear()
    _edit(archive, ("touch", 3), monkeypatch)
    outcome = build_site(archive.config)
    assert outcome.mode == "incremental" and outcome.written
    assert not made, made
    _check_equal_to_full(archive, "full-1")
    made.clear()
    archive.mint(41, submitted_at="2019-12-30T00:00:00Z")
    assert build_site(archive.config).mode == "incremental"
    assert made["search_files"] == made["resolve_files"] == made["by_short"] == 1
    assert made["listing_rows"] >= 1 and made["ordered"] >= 2  # resolve shards, sitemap
    assert made["listing_digest"] == 5  # a year, three categories and a cross-list
    _check_equal_to_full(archive, "full-2")
