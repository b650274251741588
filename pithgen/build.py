"""``pithgen build``: load -> verify -> merge -> index -> render -> write.

1. Every input file is read and hashed; with the trusted keys, templates and
   configuration this gives the build's digest. The build cache (:mod:`pithgen.cache`)
   says what the last build of this output left, and :func:`pithgen.incremental.plan`
   decides: up to date (nothing to do), incremental or full.
2. :func:`pithgen.pipeline.verify_files` loads, verifies and merges every document,
   spread over ``--jobs`` processes (a verdict on the very same bytes is taken from the
   cache).
3. With a log key, :func:`pithgen.mirrorlog.stage.build_log` reads and verifies the
   previous log and extends it with what this build publishes (refusing a build that
   would drop or alter a logged file).
4. :func:`pithgen.publish.publish_records` reloads the published documents, proves each
   is byte for byte what was verified, writes its files and pages (in an incremental
   build only those whose inputs changed) and hands its summary to the index stage;
   :func:`pithgen.sitewide.write_sitewide` writes everything that spans records (in an
   incremental build only what changed), and the log its files.
5. The new site is swapped in atomically: the staging folder (full), or the spare
   brought up to date (incremental, :mod:`pithgen.spare`).

Nothing outside the staging folder (or the spare) changes until everything succeeded.

An assembly of shards (:mod:`pithgen.shard.assemble`) is this build with a
:class:`Prebuilt`: its checks run once the inputs are hashed, verdicts come from the
shards, and a record whose unit key a shard computed too is copied from that shard
instead of rendered.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pithgen.cache.fingerprint import build_digest, input_hashes, render_context
from pithgen.cache.logcopy import LogCopy
from pithgen.cache.sitestate import SiteStore, SpareJournal
from pithgen.cache.store import damaged, open_cache, remove_cache
from pithgen.config import BuildConfig
from pithgen.errors import UsageError
from pithgen.incremental import plan
from pithgen.keys import KeyRing
from pithgen.load import InputFile, discover, event_files
from pithgen.mirrorlog.previous import LogSettings
from pithgen.outcome import BuildOutcome, Prebuilt
from pithgen.outputfolder import check_output_folder
from pithgen.parallel import check_jobs
from pithgen.progress import Progress

__all__ = ["BuildOutcome", "Prebuilt", "build_site"]


def build_site(
    config: BuildConfig,
    *,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    cwd: Path | None = None,
    prebuilt: Prebuilt | None = None,
) -> BuildOutcome:
    """Build the site described by ``config`` (from the shards of ``prebuilt``, if given).
    Raises :class:`PithgenError` for usage and I/O errors; verification failures are in the
    outcome (``written`` says whether the site was replaced)."""
    started = clock()
    keys = KeyRing.build(config.trust_keys, default_keys=config.default_keys)
    log = LogSettings.from_config(config)
    if not config.records.is_dir():
        raise UsageError("expected a folder of records, found none", where=str(config.records))
    check_output_folder(config.out, config.records, cwd)
    jobs = check_jobs(config.jobs)
    report = progress or Progress()
    files = discover([config.records], relative=True, skip=[config.out], sizes=False)
    if not files:
        raise UsageError(
            "expected record files (.json or .jsonl), found none; nothing was built",
            where=str(config.records),
        )
    # Every input file is read whole and hashed (by --jobs processes past a few thousand
    # files), once, even when the build is retried: a no-op build is little more than this.
    events = event_files(config.events_dir)
    report.phase("reading inputs", len(files) + len(events), "files")
    records = input_hashes(files, report, jobs)
    hashed = {name: (size, sha) for name, size, sha in records}
    inputs = records + [
        (f"events/{n}", size, sha) for n, size, sha in input_hashes(events, report, jobs)
    ]
    try:
        return _cached(
            config, keys, log, files, hashed, inputs, jobs, report, clock, started, prebuilt
        )
    except sqlite3.DatabaseError as exc:
        if not config.use_cache or not damaged(exc):
            raise
    # The cache database itself is damaged (found in the middle of its use): nothing of
    # this build was published; start the cache afresh and build everything.
    remove_cache(config.cache_dir)
    outcome = _cached(
        config, keys, log, files, hashed, inputs, jobs, report, clock, started, prebuilt
    )
    note = "the build cache was damaged; it was started afresh"
    return replace(outcome, notes=(note, *outcome.notes))


def _cached(
    config: BuildConfig,
    keys: KeyRing,
    log: LogSettings | None,
    files: list[InputFile],
    hashed: dict[str, tuple[int, str]],
    inputs: list[tuple[str, int, str]],
    jobs: int,
    progress: Progress,
    clock: Callable[[], float],
    started: float,
    prebuilt: Prebuilt | None,
) -> BuildOutcome:
    """Check the shards (for an assembly) against the inputs' hashes, open the cache, plan
    the build, and run it."""
    described = None if log is None else f"{log.base_origin} {log.key.public_raw.hex()}"
    context = render_context(config, keys, described)
    digest = build_digest(config, context, inputs)
    if prebuilt is not None:
        prebuilt.check(inputs)
    cache = open_cache(config.cache_dir) if config.use_cache else None
    try:
        out_id = str(config.out.resolve())
        store = SiteStore(cache, out_id) if cache is not None else None
        journal = SpareJournal(config.cache_dir, out_id)
        chosen = plan(config.out, store, digest, journal, force=log is not None and log.new_log)
        if chosen.mode == "up-to-date":
            counts = chosen.state.counts if chosen.state else None
            notes = tuple(cache.notes) if cache else ()
            return BuildOutcome(None, False, 0, 0, clock() - started, notes, chosen.mode, counts)
        from pithgen.buildrun import run_build  # the stages: only when there is work

        copy = LogCopy(cache, out_id) if cache is not None and log is not None else None
        return run_build(config, keys, log, copy, files, hashed, jobs, cache, store, journal,
                      context, digest, chosen, progress, clock, started, prebuilt)  # fmt: skip
    finally:
        if cache is not None:
            cache.close()
