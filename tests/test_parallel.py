"""Work spread over processes gives exactly what one process gives (pithgen.parallel, and
the stages that use it)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from mergeviews import verdicts_of
from sitehelpers import ARCHIVE_FIXTURE, build_minted, mint_archive, tree

from pithgen.errors import UsageError
from pithgen.keys import KeyRing
from pithgen.parallel import Workers, batched, check_jobs, default_jobs
from pithgen.pipeline import verify_paths

_offset: list[int] = []


def _setup(offset: int) -> None:
    _offset[:] = [offset]


def _slow_square(batch: list[int]) -> list[int]:
    # later batches finish first: results must still come back in batch order
    time.sleep(0.02 * (5 - batch[0] % 5))
    return [x * x + _offset[0] for x in batch]


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_come_back_in_batch_order_whatever_finishes_first(jobs: int) -> None:
    with Workers(jobs, _slow_square, _setup, (7,)) as workers:
        out = [y for batch in workers.map(batched(range(40), 3)) for y in batch]
    assert out == [x * x + 7 for x in range(40)]


_events: list[str] = []


def _where(batch: list[int]) -> list[int]:
    return [os.getpid(), *batch]


def _record_setup() -> None:
    _events.append(f"setup {os.getpid()}")


def _record_teardown() -> None:
    _events.append(f"teardown {os.getpid()}")


@pytest.mark.parametrize("batches", [0, 1, 2, 5])
def test_work_of_one_batch_runs_here_and_more_in_the_workers(batches: int) -> None:
    """Starting workers (each its own initializer) for a single batch costs more than
    the batch: it runs in this process, set up and torn down here; two or more go to
    the workers, and nothing is set up here."""
    _events.clear()
    with Workers(2, _where, _record_setup, (), _record_teardown) as workers:
        out = list(workers.map([[n] for n in range(batches)]))
    assert [o[1:] for o in out] == [[n] for n in range(batches)]
    here = os.getpid()
    if batches == 1:
        assert out[0][0] == here and _events == [f"setup {here}", f"teardown {here}"]
    else:
        assert all(o[0] != here for o in out) and _events == []


def _boom(batch: list[int]) -> list[int]:
    raise RuntimeError(f"batch {batch}")


def test_a_failing_worker_raises_in_the_caller() -> None:
    with pytest.raises(RuntimeError, match="batch"), Workers(2, _boom, _setup, (0,)) as w:
        list(w.map(batched(range(10), 2)))


def test_batches_respect_count_and_weight() -> None:
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    sizes = [5, 5, 5, 1, 9]
    assert list(batched(sizes, 10, weight=lambda n: n, limit=10)) == [[5, 5], [5, 1, 9]]
    assert list(batched([], 3)) == []


def test_jobs_are_checked() -> None:
    assert check_jobs(None) == default_jobs() >= 1
    assert check_jobs(3) == 3
    for bad in (0, -1, 100_000):
        with pytest.raises(UsageError, match="--jobs"):
            check_jobs(bad)


def test_verification_is_the_same_for_any_number_of_jobs(tmp_path: Path) -> None:
    archive = mint_archive(tmp_path / "minted", total_docs=120)
    # add the golden archive's failing, duplicated and bundled documents too
    shutil.copytree(ARCHIVE_FIXTURE / "records", archive.records / "golden")
    keys = KeyRing.build(
        [archive.key_file, *sorted((ARCHIVE_FIXTURE / "keys").glob("*.json"))],
        default_keys=False,
    )
    results = [verdicts_of(verify_paths([archive.records], keys, jobs=j)) for j in (1, 2, 4)]
    assert len(results[0]) > 120
    assert any(not v.ok for v in results[0])
    assert results[0] == results[1] == results[2]


def test_a_site_is_the_same_for_any_number_of_jobs_and_with_or_without_the_cache(
    tmp_path: Path,
) -> None:
    archive = mint_archive(tmp_path / "minted", total_docs=150)
    trees = []
    for n, (jobs, use_cache) in enumerate([(1, False), (3, False), (2, True), (2, True)]):
        out = tmp_path / f"site-{n}"
        build_minted(archive, out, jobs=jobs, use_cache=use_cache, cache=tmp_path / "cache")
        trees.append(tree(out))
    assert len(trees[0]) > 500
    assert trees[0] == trees[1] == trees[2] == trees[3]
