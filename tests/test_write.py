"""Unit tests of the write stage: safe paths, one writer per path, atomic swap."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithgen.beside import KINDS, beside_name, leftover_re
from pithgen.errors import OutputError
from pithgen.stagecheck import tally
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
    assert (second.file_count, second.byte_count) == (1, 3)


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
    leftovers = (
        ".site.pithgen-stage-0123456789abcdef",
        ".site.pithgen-work-fedcba9876543210",
        ".site.pithgen-old-00000000ffffffff",
        # the names of pithgen before the names were parsed exactly (tempfile's 8 characters)
        ".site.pithgen-abc_1234",
        ".site.pithgen-work-k2j4h5g6",
        ".site.old-def45678",
    )
    for leftover in leftovers:
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


# --- concurrent builds of other outputs beside this one ----------------------------------


def test_a_build_leaves_the_staging_folder_of_another_output_alone(tmp_path: Path) -> None:
    """The reported race: a build of ``site`` removed what looked like its leftovers,
    ``.site.pithgen-*``, which was the staging folder of a build of ``site.pithgen-x``
    still running beside it; that build then recreated the folder and published an
    incomplete site."""
    other = SiteWriter(tmp_path / "site.pithgen-x")
    other.write("a/first.html", b"first")
    (other.scratch / "store.sqlite3").write_bytes(b"work")
    mine = SiteWriter(tmp_path / "site")
    mine.write("index.html", b"mine")
    mine.commit()
    assert (other.staging / "a" / "first.html").read_bytes() == b"first"
    assert (other.scratch / "store.sqlite3").read_bytes() == b"work"
    other.write("a/second.html", b"second")
    other.commit()
    published = tmp_path / "site.pithgen-x" / "a"
    assert sorted(p.name for p in published.iterdir()) == ["first.html", "second.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "site.pithgen-x"]


@settings(max_examples=300)
@given(
    st.lists(
        st.text(st.sampled_from("site.-_pithgenworkstageold0123456789abcdefx"), min_size=1),
        min_size=2,
        max_size=2,
        unique=True,
    ),
    st.sampled_from(KINDS),
    st.text(st.sampled_from("0123456789abcdef"), min_size=16, max_size=16),
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789_"), min_size=8, max_size=8),
)
def test_no_folder_beside_one_output_is_taken_for_another_outputs(
    names: list[str], kind: str, token: str, legacy: str
) -> None:
    """Whatever two output names: the names of one's staging, work and old folders (and
    those of pithgen before exact names) never parse as the other's."""
    mine, other = names
    ours = [
        beside_name(mine, kind, token),
        *(f".{mine}.{prefix}{legacy}" for prefix in ("pithgen-", "pithgen-work-", "old-")),
    ]
    for name in ours:
        assert leftover_re(mine).fullmatch(name)
        assert not leftover_re(other).fullmatch(name), (mine, other, name)


# --- the staging folder must hold exactly what was written ------------------------------


def _old_site(target: Path) -> None:
    writer = SiteWriter(target)
    writer.write("index.html", b"old")
    writer.commit()


def _refused(writer: SiteWriter, target: Path, *fragments: str) -> None:
    tmp_path = target.parent
    with pytest.raises(OutputError, match="does not hold what this build wrote") as info:
        writer.commit()
    for fragment in fragments:
        assert fragment in str(info.value)
    assert "the existing site was left as it was" in str(info.value)
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]
    assert (target / "index.html").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_commit_refuses_a_staging_folder_that_lost_a_file(tmp_path: Path) -> None:
    target = tmp_path / "site"
    _old_site(target)
    writer = SiteWriter(target)
    writer.write("index.html", b"new")
    writer.write("a/b.html", b"aaa")
    (writer.staging / "a" / "b.html").unlink()
    _refused(writer, target, "missing: a/b.html (3 bytes)")


def test_commit_refuses_a_staging_folder_with_a_file_it_did_not_write(tmp_path: Path) -> None:
    target = tmp_path / "site"
    _old_site(target)
    writer = SiteWriter(target)
    writer.write("index.html", b"new")
    (writer.staging / "evil.js").write_bytes(b"alert(1)")
    (writer.staging / "extra").mkdir()
    _refused(writer, target, "not written by this build: evil.js (8 bytes), extra/")


def test_commit_refuses_a_truncated_file_or_a_symbolic_link(tmp_path: Path) -> None:
    target = tmp_path / "site"
    _old_site(target)
    writer = SiteWriter(target)
    writer.write("index.html", b"new")
    writer.write("a.html", b"12345")
    (writer.staging / "a.html").write_bytes(b"12")
    (writer.staging / "index.html").unlink()
    (writer.staging / "index.html").symlink_to("/etc/passwd")
    _refused(
        writer,
        target,
        "missing: a.html (5 bytes), index.html (3 bytes)",
        "not written by this build: a.html (2 bytes), index.html (not a regular file)",
    )


def test_a_staging_folder_removed_mid_build_is_never_recreated(tmp_path: Path) -> None:
    target = tmp_path / "site"
    _old_site(target)
    writer = SiteWriter(target)
    writer.write("a/b/index.html", b"a")
    shutil.rmtree(writer.staging)
    for path in ("a/c/index.html", "index.html"):
        with pytest.raises(OutputError, match="was removed while the site was being written"):
            writer.write(path, b"b")
    assert not writer.staging.exists()
    writer.abort()
    assert (target / "index.html").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_staging_folder_replaced_by_an_identical_copy_is_refused(tmp_path: Path) -> None:
    """The same files are not enough: it must be the folder this writer created."""
    target = tmp_path / "site"
    _old_site(target)
    writer = SiteWriter(target)
    writer.write("index.html", b"new")
    copy = tmp_path / "copy"
    shutil.copytree(writer.staging, copy)
    shutil.rmtree(writer.staging)
    copy.rename(writer.staging)
    _refused(writer, target, "it was removed or replaced")


def test_the_staging_digest_is_the_same_in_any_order() -> None:
    entries = [("a", None), ("a/b.html", 3), ("c.json", 0), ("a/d", None)]
    assert tally(entries) == tally(reversed(entries))
    assert tally(entries) != tally([*entries[:-1], ("a/e", None)])
    assert tally([("x", 1)]) != tally([("x", 2)])
    assert tally([("x", None)]) != tally([("x", 0)])
