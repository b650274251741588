"""Work spread over processes (``--jobs N``; default: every core this process may use).

A stage hands batches of work to :meth:`Workers.map` and gets the results back **in the
order of the batches**, whatever order the processes finish in, so the output never
depends on the number of jobs. At most ``2 * jobs`` batches are in flight, so memory stays
flat however long the input is. With ``jobs == 1`` everything runs in this process (no
pool at all), which is also how the tests compare ``--jobs 1`` with ``--jobs N``; so does
work of a single batch (the pool starts only when a second batch comes).

Workers are started once per stage with an initializer that installs the stage's shared,
read-only state (keys, configuration) as module-level state of the worker; they ignore
SIGINT and SIGTERM, so an interrupt is handled once, by the main process, which then stops
them. On Linux, processes are forked when this process runs no other thread (fast, no
re-import), else started fresh (``forkserver``), as forking a threaded process is unsafe.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain
from typing import Generic, TypeVar

from pithgen.errors import UsageError

T = TypeVar("T")
R = TypeVar("R")

MAX_JOBS = 256


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_jobs(jobs: int | None) -> int:
    """``jobs`` as given (``None``: :func:`default_jobs`), checked."""
    if jobs is None:
        return default_jobs()
    if not 1 <= jobs <= MAX_JOBS:
        raise UsageError(f"--jobs: expected 1 to {MAX_JOBS}, found {jobs}")
    return jobs


def _worker_start(initializer: Callable[..., None], args: tuple[object, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    initializer(*args)


class Workers(Generic[T, R]):
    """A pool of ``jobs`` processes running ``func`` on batches (see the module docstring).

    Use as a context manager; leaving it stops the processes (cancelling queued work if
    the block raised)."""

    def __init__(
        self,
        jobs: int,
        func: Callable[[T], R],
        initializer: Callable[..., None],
        initargs: tuple[object, ...] = (),
        finalizer: Callable[[], None] | None = None,
    ) -> None:
        self.jobs = jobs
        self.func = func
        self._initializer = initializer
        self._initargs = initargs
        self._finalizer = finalizer
        self._executor: ProcessPoolExecutor | None = None
        self._local = False
        if jobs == 1:
            self._run_here()

    def _run_here(self) -> None:
        """Run batches in this process (``jobs == 1``, or work of one batch)."""
        if not self._local:
            self._initializer(*self._initargs)
            self._local = True

    def _start(self) -> ProcessPoolExecutor:
        if self._executor is None:
            method = "fork" if threading.active_count() == 1 else "forkserver"
            self._executor = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=multiprocessing.get_context(method),
                initializer=_worker_start,
                initargs=(self._initializer, self._initargs),
            )
        return self._executor

    def map(self, batches: Iterable[T]) -> Iterator[R]:
        """``func`` of every batch, in batch order. Work of a single batch runs in this
        process: starting the workers (each its own initializer: templates, say) would
        cost more than the batch, as in an incremental build with little to do."""
        items = iter(batches)
        if not self._local:
            first = next(items, None)
            second = next(items, None) if first is not None else None
            if first is None:
                return
            if second is None:
                self._run_here()
                yield self.func(first)
                return
            items = chain((first, second), items)
        if self._local:
            for batch in items:
                yield self.func(batch)
            return
        executor = self._start()
        pending: deque[Future[R]] = deque()
        for batch in items:
            pending.append(executor.submit(self.func, batch))
            if len(pending) >= 2 * self.jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self, cancel: bool = False) -> None:
        """Stop the processes; if batches ran in this process, run the ``finalizer``
        (worker processes release what they hold when they end)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=cancel)
            self._executor = None
        if self._local and self._finalizer is not None:
            finalizer, self._finalizer = self._finalizer, None
            finalizer()

    def __enter__(self) -> Workers[T, R]:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.close(cancel=exc_type is not None)


def batched(items: Iterable[T], size: int, weight: Callable[[T], int] | None = None,
            limit: int = 4 << 20) -> Iterator[list[T]]:  # fmt: skip
    """``items`` in lists of at most ``size`` items (and at most ``limit`` in total
    ``weight``, e.g. bytes, when given), in order."""
    batch: list[T] = []
    total = 0
    for item in items:
        batch.append(item)
        if weight is not None:
            total += weight(item)
        if len(batch) >= size or total >= limit:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch
