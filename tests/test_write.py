"""Unit tests of the write stage: safe paths, one writer per path, atomic swap."""

from __future__ import annotations

from pathlib import Path

import pytest

from pithgen.errors import OutputError
from pithgen.write import SiteWriter, exchange, safe_relpath


@pytest.mark.parametrize(
    "bad",
    [
        "../x",
        "a/../b",
        "/abs",
        "a//b",
        "",
        ".hidden/x",
        "a/.git/config",
        "a\\b",
        "x/..",
        "pith/<b>/index.html",
        "a/ b",
    ],
)
def test_unsafe_paths_are_refused(bad: str) -> None:
    with pytest.raises(OutputError):
        safe_relpath(bad)


@pytest.mark.parametrize(
    "good",
    [
        "index.html",
        ".nojekyll",
        ".well-known/pith/ABC/bundle.json",
        "arxiv/astro-ph/9610094v1/index.html",
        "doi/10.48550/arxiv.1810.06877/index.html",
        "browse/category/physics.hist-ph/page-2.html",
    ],
)
def test_site_layout_paths_are_accepted(good: str) -> None:
    assert safe_relpath(good) == good


def test_two_outputs_cannot_claim_one_path(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path / "site")
    writer.write("a/b.html", b"1")
    with pytest.raises(OutputError, match="two outputs claim the same path"):
        writer.write("a/b.html", b"2")
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_commit_replaces_the_old_site_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "site"
    first = SiteWriter(target)
    first.write("old.html", b"old")
    first.commit()
    second = SiteWriter(target)
    second.write_chunks("new.html", iter([b"n", b"ew"]))
    second.commit()
    assert sorted(p.name for p in target.iterdir()) == ["new.html"]
    assert (target / "new.html").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    assert (second.files, second.bytes) == (1, 3)


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from-a").touch()
    (tmp_path / "b" / "from-b").touch()
    assert exchange(tmp_path / "a", tmp_path / "b")  # Linux: renameat2 is available
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["from-b"]
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"]


def test_a_file_at_the_output_path_is_refused(tmp_path: Path) -> None:
    (tmp_path / "site").write_text("a file", encoding="utf-8")
    writer = SiteWriter(tmp_path / "site")
    writer.write("index.html", b"x")
    with pytest.raises(OutputError, match="expected the output path to be a folder"):
        writer.commit()
    assert (tmp_path / "site").read_text(encoding="utf-8") == "a file"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_second_build_of_the_same_site_is_refused_while_one_runs(tmp_path: Path) -> None:
    first = SiteWriter(tmp_path / "site")
    with pytest.raises(OutputError, match="another pithgen build is writing this site"):
        SiteWriter(tmp_path / "site")
    first.write("index.html", b"1")
    first.commit()
    second = SiteWriter(tmp_path / "site")  # free again once the first is done
    second.abort()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_leftovers_of_a_killed_build_are_cleaned_by_the_next_one(tmp_path: Path) -> None:
    for leftover in (".site.pithgen-abc123", ".site.old-def456"):
        (tmp_path / leftover / "pith").mkdir(parents=True)
    (tmp_path / ".other.pithgen-keep").mkdir()  # another site's: not ours to remove
    writer = SiteWriter(tmp_path / "site")
    writer.write("index.html", b"x")
    writer.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.pithgen-keep", "site"]


def test_the_scratch_folder_lives_beside_the_output_and_goes_with_the_build(
    tmp_path: Path,
) -> None:
    writer = SiteWriter(tmp_path / "site")
    scratch = writer.scratch
    assert scratch.parent == tmp_path and scratch.name.startswith(".site.pithgen-work-")
    (scratch / "store.sqlite3").write_bytes(b"x")
    writer.write("index.html", b"x")
    writer.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
