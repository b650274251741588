"""The spare site's operations (pithgen.spare): never touching the live site, never
leaving anything temporary inside a site."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sitehelpers import tree

from pithgen import spare
from pithgen.errors import OutputError


def _site(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_clone_links_every_file_and_sync_follows_the_live_site(tmp_path: Path) -> None:
    live = _site(tmp_path / "live", {"a.html": "a", "x/y/b.json": "b", "x/c.js": "c"})
    work = tmp_path / "work"
    work.mkdir()
    (live / "x" / "empty").mkdir()
    spare.clone(live, tmp_path / "spare")
    copy = tmp_path / "spare"
    assert tree(copy) == tree(live)
    assert os.path.samefile(live / "x/y/b.json", copy / "x/y/b.json")  # no content copied
    assert (copy / "x" / "empty").is_dir()  # folders too, even empty ones
    (live / "x" / "empty").rmdir()
    (copy / "x" / "empty").rmdir()
    # the live site changes (new files are new inodes, as a build makes them)
    (live / "x/y/b.json").unlink()
    (live / "x/y").rmdir()
    (live / "new/d.html").parent.mkdir()
    (live / "new/d.html").write_text("d")
    (live / "a.html").unlink()
    (live / "a.html").write_text("a2")
    spare.sync(live, copy, ["x/y/b.json", "new/d.html", "a.html", "x/c.js"], work)
    assert tree(copy) == tree(live)
    assert not (copy / "x/y").exists()  # emptied folders go
    assert list(work.iterdir()) == [] or all(p.name.startswith(".") for p in work.iterdir())


def test_apply_replaces_names_and_never_changes_a_shared_file(tmp_path: Path) -> None:
    live = _site(tmp_path / "live", {"a.html": "old", "gone.html": "g", "k.html": "k"})
    spare.clone(live, tmp_path / "spare")
    copy = tmp_path / "spare"
    delta = _site(tmp_path / "delta", {"a.html": "new", "n/new.html": "n"})
    spare.apply(delta, copy, ["a.html", "n/new.html"], ["gone.html"])
    assert tree(copy) == {"a.html": b"new", "k.html": b"k", "n/new.html": b"n"}
    assert tree(live) == {"a.html": b"old", "gone.html": b"g", "k.html": b"k"}
    spare.prove(copy, [("a.html", 3), ("n/new.html", 1)], ["gone.html"])
    with pytest.raises(OutputError, match="not what this build wrote"):
        spare.prove(copy, [("a.html", 4)], [])
    with pytest.raises(OutputError, match="should have been removed"):
        spare.prove(copy, [], ["k.html"])


def test_syncing_a_file_that_is_already_the_same_leaves_nothing_behind(tmp_path: Path) -> None:
    live = _site(tmp_path / "live", {"a.html": "a"})
    spare.clone(live, tmp_path / "spare")
    work = tmp_path / "work"
    work.mkdir()
    spare.sync(live, tmp_path / "spare", ["a.html"], work)  # a rename would be a no-op
    assert sorted(os.listdir(tmp_path / "spare")) == ["a.html"]
    assert list(work.iterdir()) == []
