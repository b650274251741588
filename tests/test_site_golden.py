"""The sample site (records/ with the real seed record, fixed base URL and title) is built
byte for byte as the reviewed golden tree tests/golden/sample-site/.

After an intended change to the output: ``python3 tools/regen_golden.py`` and review
``git diff tests/golden``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sitehelpers import GOLDEN_DIR, build_sample, first_difference, tree

REGEN = "run `python3 tools/regen_golden.py` if the change is intended, and review the diff"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("golden") / "site"
    outcome = build_sample(out)
    assert outcome.written
    assert outcome.result.failed == 0
    return tree(out)


@pytest.fixture(scope="module")
def golden() -> dict[str, bytes]:
    assert GOLDEN_DIR.is_dir(), f"{GOLDEN_DIR} is missing; {REGEN}"
    return tree(GOLDEN_DIR)


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


def test_golden_tree_is_a_real_site(golden) -> None:
    """Guards the golden tree itself against an accidental empty or partial regeneration."""
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
