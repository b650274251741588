"""One pull: fetch and verify in a bounded pool of threads, admit in order, remember.

``concurrency`` worker threads fetch a task's record JSON and bundle and verify them
(:func:`pithgen.pull.admit.check_fetched`); at most ``4 * concurrency`` tasks are in
flight. Admission (:func:`pithgen.pull.admit.admit`), the state file and the report stay
in the main thread, and tasks are admitted **in plan order** whatever order they finish
in, so a run's outcome never depends on timing. Ctrl-C sets the stop flag (workers stop
waiting and take no new task), commits the state and ends the run: the same command
resumes it (:mod:`pithgen.pull.state`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pithgen.keys import KeyRing
from pithgen.load import LoadOptions
from pithgen.model import DocKind
from pithgen.pull.admit import Checked, Held, admit, check_fetched
from pithgen.pull.http import FetchError, Stopped, Validators
from pithgen.pull.paths import fill
from pithgen.pull.plan import Plan, Task
from pithgen.pull.report import Item
from pithgen.pull.source import Source
from pithgen.pull.state import PullState

POLL = 0.2  # seconds between checks for Ctrl-C while waiting for a worker
JOIN = 5.0  # seconds a finished run waits for its idle workers to close their connections


@dataclass(frozen=True)
class DocJob:
    """One document of a task: what to request, or that it was done before (``skip``:
    ``held`` or ``absent``, from an interrupted run)."""

    kind: DocKind
    relpath: str
    url: str
    validators: Validators | None
    skip: str | None = None
    digest: str | None = None


@dataclass(frozen=True)
class DocResult:
    job: DocJob
    status: int | None = None
    checked: Checked | None = None
    validators: Validators = field(default_factory=Validators)
    error: str | None = None


@dataclass(frozen=True)
class Settings:
    into: Path
    keys: KeyRing
    options: LoadOptions
    concurrency: int


#: A task's results; ``None`` when a worker was stopped, an exception when it crashed.
_Outcome = list[DocResult] | Exception | None


class Runner:
    def __init__(
        self,
        source: Source,
        held: Held,
        state: PullState,
        run: str,
        settings: Settings,
        stop: threading.Event,
        progress: Callable[[], None] | None = None,
    ) -> None:
        self.source = source
        self.client = source.client
        self.held = held
        self.state = state
        self.run_name = run
        self.settings = settings
        self.progress = progress
        self.stop = stop
        self.done = state.resume(run)
        self.resumed = 0

    # --- the main thread ----------------------------------------------------------------

    def _job(self, task: Task) -> tuple[DocJob, ...]:
        jobs = []
        patterns = self.source.patterns
        kinds: tuple[tuple[DocKind, str], ...] = (
            ("record", patterns.record),
            ("bundle", patterns.bundle),
        )
        for kind, template in kinds:
            relpath = fill(template, task.suffix)
            url = self.client.url(relpath)
            if url in self.done:
                digest = self.done[url]
                if digest is None:
                    jobs.append(DocJob(kind, relpath, url, None, "absent"))
                    continue
                if self.held.same(kind, task.suffix, digest) is not None:
                    jobs.append(DocJob(kind, relpath, url, None, "held", digest))
                    continue
            known = self.state.validators(url)
            validators = None
            if known is not None and self.held.same(kind, task.suffix, known[1]) is not None:
                validators = known[0]
            jobs.append(DocJob(kind, relpath, url, validators))
        return tuple(jobs)

    def run(self, plan: Plan) -> list[Item]:
        tasks = plan.tasks
        todo: queue.Queue[tuple[int, Task, tuple[DocJob, ...]] | None] = queue.Queue()
        results: queue.Queue[tuple[int, _Outcome]] = queue.Queue()
        workers = [
            threading.Thread(target=self._worker, args=(todo, results), daemon=True)
            for _ in range(min(self.settings.concurrency, max(1, len(tasks))))
        ]
        for worker in workers:
            worker.start()
        items: list[Item] = []
        window = 4 * self.settings.concurrency
        fed = 0
        pending: dict[int, _Outcome] = {}
        try:
            for index, task in enumerate(tasks):
                while fed < len(tasks) and fed - index < window:
                    todo.put((fed, tasks[fed], self._job(tasks[fed])))
                    fed += 1
                while index not in pending:
                    try:
                        got = results.get(timeout=POLL)
                    except queue.Empty:
                        continue
                    pending[got[0]] = got[1]
                outcome = pending.pop(index)
                if outcome is None:  # a worker was stopped: only on an interrupt
                    raise KeyboardInterrupt
                if isinstance(outcome, Exception):  # a bug in a worker: reported here
                    raise outcome
                items.extend(self._admit(task, outcome))
                if self.progress is not None:
                    self.progress()
        except BaseException:
            self.stop.set()
            self.state.commit()
            raise
        finally:
            for _ in workers:
                todo.put(None)
        for worker in workers:  # they close their connections as they end
            worker.join(timeout=JOIN)
        self.state.finish(self.run_name)
        return items

    def _admit(self, task: Task, results: list[DocResult]) -> list[Item]:
        items = []
        absent = 0
        asked = task.identifiers
        for r in results:
            job = r.job
            base = Item("", asked, task.suffix, job.kind, None, job.url)
            if job.skip is not None:
                self.resumed += 1
                if job.skip == "absent":
                    absent += 1
                    continue
                held = self.held.same(job.kind, task.suffix, job.digest or "")
                assert held is not None
                items.append(_with(base, "unchanged", held.pith_number, held.source,
                                   "finished before an interrupt; held"))  # fmt: skip
            elif r.error is not None:
                items.append(_with(base, "error", None, None, r.error))
            elif r.status == 404:
                absent += 1
                self.state.forget(job.url)
                self.state.mark(self.run_name, job.url, None)
            elif r.status == 304:
                known = self.state.validators(job.url)
                held = self.held.same(job.kind, task.suffix, known[1]) if known else None
                if known is None or held is None:  # cannot happen: sent only when held
                    items.append(_with(base, "error", None, None, "unexpected 304"))
                    continue
                self.state.remember(job.url, known[0], known[1])
                self.state.mark(self.run_name, job.url, known[1])
                items.append(_with(base, "unchanged", held.pith_number, held.source,
                                   f"not modified (304); held as {held.source}"))  # fmt: skip
            else:
                assert r.checked is not None
                items.append(self._admit_checked(base, r.checked, r.validators))
        if absent == len(results):
            items.append(
                Item(
                    "not_found",
                    asked,
                    task.suffix,
                    reasons=(
                        f"the source has neither a record JSON nor a bundle of {task.suffix}",
                    ),
                )
            )
        return items

    def _admit_checked(self, base: Item, checked: Checked, validators: Validators) -> Item:
        verdict = checked.verdict
        if checked.problems:
            self.state.forget(checked.url)
            return _with(base, "failed", verdict.pith_number, None, *checked.problems)
        admission = admit(checked, self.held, self.settings.into)
        if admission.status == "conflict":
            self.state.forget(checked.url)
        else:
            assert verdict.doc_digest is not None
            self.state.remember(checked.url, validators, verdict.doc_digest)
            self.state.mark(self.run_name, checked.url, verdict.doc_digest)
        return _with(base, admission.status, verdict.pith_number, admission.path, admission.reason)

    # --- the workers ----------------------------------------------------------------------

    def _worker(
        self,
        todo: queue.Queue[tuple[int, Task, tuple[DocJob, ...]] | None],
        results: queue.Queue[tuple[int, _Outcome]],
    ) -> None:
        try:
            while (job := todo.get()) is not None:
                index, task, docs = job
                if self.stop.is_set():
                    results.put((index, None))
                    continue
                try:
                    results.put((index, [self._fetch(task, doc) for doc in docs]))
                except Stopped:
                    results.put((index, None))
                except Exception as exc:  # never leave the main thread waiting
                    results.put((index, exc))
        finally:
            self.client.close_thread()

    def _fetch(self, task: Task, job: DocJob) -> DocResult:
        if job.skip is not None:
            return DocResult(job)
        try:
            response = self.client.get(job.relpath, job.validators)
        except FetchError as exc:
            return DocResult(job, error=exc.message)
        if response.status != 200:
            return DocResult(job, response.status, validators=response.validators)
        s = self.settings
        checked = check_fetched(
            response.body, job.url, job.kind, task.suffix, task.asked, s.keys, s.options
        )
        return DocResult(job, 200, checked, response.validators)


def _with(base: Item, status: str, pith: str | None, path: str | None, *reasons: str) -> Item:
    return Item(
        status, base.identifiers, base.suffix, base.kind, pith or base.pith_number, base.url,
        path, reasons,
    )  # fmt: skip
