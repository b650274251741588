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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from pithgen.cache.fingerprint import build_digest, input_hashes, render_context
from pithgen.cache.logcopy import LogCopy
from pithgen.cache.sitestate import SiteStore, SpareJournal
from pithgen.cache.store import CacheDB, damaged, open_cache, remove_cache
from pithgen.cache.verdicts import VerdictCache
from pithgen.config import BuildConfig
from pithgen.context import BuildContext
from pithgen.delta import SiteOutput
from pithgen.errors import UsageError
from pithgen.graph import build_graph, event_files
from pithgen.incremental import Plan, commit_full, commit_incremental, plan
from pithgen.index import SiteIndex
from pithgen.keys import KeyRing
from pithgen.load import InputFile, LoadOptions, discover
from pithgen.merge import MergeResult
from pithgen.mirrorlog.previous import LogSettings
from pithgen.mirrorlog.stage import open_log, write_log
from pithgen.outputfolder import check_output_folder
from pithgen.parallel import check_jobs
from pithgen.pipeline import VerdictSource, verify_files
from pithgen.progress import Progress
from pithgen.publish import publish_records
from pithgen.render import Renderer, SiteInfo
from pithgen.report import summary
from pithgen.sitewide import write_sitewide
from pithgen.theme import make_env
from pithgen.units import Reuse, Units
from pithgen.write import SiteWriter


@dataclass(frozen=True)
class BuildOutcome:
    """What a build did: the merged verdicts (``None`` when the site was up to date and
    nothing was verified again), whether the site was replaced, the kind of build, the
    report's counts, and what was written (files, bytes, seconds, notes)."""

    result: MergeResult | None
    written: bool
    files: int
    bytes: int
    seconds: float
    notes: tuple[str, ...] = ()
    mode: str = "full"
    counts: dict[str, int] | None = None


class Prebuilt(Protocol):
    """What an assembly brings to a build (:class:`pithgen.shard.assemble.Assembly`)."""

    def check(self, inputs: Sequence[tuple[str, int, str]]) -> None:
        """Refuse shards that are not this build's (the inputs are hashed, nothing else is
        done yet)."""

    def open(self, scratch: Path, cache: VerdictSource | None) -> tuple[VerdictSource, Reuse]:
        """The shards' verdicts (then ``cache``'s) and units, kept in ``scratch``."""
        ...

    def note(self, units: Units) -> str:
        """What the build summary says of the assembly."""
        ...


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
    files = discover([config.records], relative=True, skip=[config.out])
    if not files:
        raise UsageError(
            "expected record files (.json or .jsonl), found none; nothing was built",
            where=str(config.records),
        )
    jobs = check_jobs(config.jobs)
    report = progress or Progress()
    try:
        return _cached(config, keys, log, files, jobs, report, clock, started, prebuilt)
    except sqlite3.DatabaseError as exc:
        if not config.use_cache or not damaged(exc):
            raise
    # The cache database itself is damaged (found in the middle of its use): nothing of
    # this build was published; start the cache afresh and build everything.
    remove_cache(config.cache_dir)
    outcome = _cached(config, keys, log, files, jobs, report, clock, started, prebuilt)
    note = "the build cache was damaged; it was started afresh"
    return replace(outcome, notes=(note, *outcome.notes))


def _cached(
    config: BuildConfig,
    keys: KeyRing,
    log: LogSettings | None,
    files: list[InputFile],
    jobs: int,
    progress: Progress,
    clock: Callable[[], float],
    started: float,
    prebuilt: Prebuilt | None,
) -> BuildOutcome:
    """Hash the inputs (and check the shards, for an assembly), open the cache, plan the
    build, and run it."""
    described = None if log is None else f"{log.base_origin} {log.key.public_raw.hex()}"
    context = render_context(config, keys, described)
    events = event_files(config.events_dir)
    progress.phase("reading inputs", len(files) + len(events), "files")
    records = input_hashes(files, progress)
    hashed = {name: (size, sha) for name, size, sha in records}
    inputs = records + [
        (f"events/{n}", size, sha) for n, size, sha in input_hashes(events, progress)
    ]
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
        copy = LogCopy(cache, out_id) if cache is not None and log is not None else None
        return _build(config, keys, log, copy, files, hashed, jobs, cache, store, journal,
                      context, digest, chosen, progress, clock, started, prebuilt)  # fmt: skip
    finally:
        if cache is not None:
            cache.close()


def _build(
    config: BuildConfig,
    keys: KeyRing,
    log_settings: LogSettings | None,
    copy: LogCopy | None,
    files: list[InputFile],
    hashed: dict[str, tuple[int, str]],
    jobs: int,
    cache: CacheDB | None,
    store: SiteStore | None,
    journal: SpareJournal,
    context: bytes,
    digest: str,
    chosen: Plan,
    progress: Progress,
    clock: Callable[[], float],
    started: float,
    prebuilt: Prebuilt | None,
) -> BuildOutcome:
    options = LoadOptions()
    writer = SiteWriter(config.out)
    try:
        verdicts: VerdictSource | None = VerdictCache(cache, keys) if cache is not None else None
        reuse = None
        if prebuilt is not None:
            verdicts, reuse = prebuilt.open(writer.scratch, verdicts)
        # Checks that passed are kept (on disk) for the record pages, so pass 2 need not
        # verify again: it only proves that each document is still byte for byte the same.
        result = verify_files(
            files,
            keys,
            options,
            progress,
            keep_checks=True,
            directory=writer.scratch,
            jobs=jobs,
            cache=verdicts,
            hashed=hashed,
        )
        counts = summary(result)
        # --keep-going publishes the verified records; with none, it would publish an
        # empty site: that is no build (exit 1, the old site stays).
        if result.failed and (not config.keep_going or result.published_count == 0):
            writer.abort()
            return BuildOutcome(result, False, 0, 0, clock() - started, mode=chosen.mode)
        incremental = chosen.mode == "incremental" and store is not None
        if store is not None and not incremental:
            store.forget()
        site = SiteInfo(config.title, config.base_url, config.description, tuple(keys))
        renderer = Renderer(make_env(config.templates), site)
        output = SiteOutput(writer, store, incremental, context)
        with (
            build_graph(result, files, options, config.events_dir, keys, writer.scratch) as graph,
            SiteIndex(writer.scratch) as index,
            open_log(
                log_settings, config.out, copy, result, graph, keys, writer.scratch, progress
            ) as log,
        ):
            ctx = BuildContext(
                config, keys, result, renderer, writer, options, files, output, graph, jobs,
                progress, log,
            )  # fmt: skip
            known = chosen.known if incremental else {}
            units = Units(context, known, store, incremental, reuse=reuse)
            publish_records(ctx, index, jobs, units)
            index.finish()
            notes = write_sitewide(ctx, index)
            if prebuilt is not None:
                notes = (prebuilt.note(units), *notes)
            if log is not None:
                write_log(log, output, copy)
                notes = (*notes, log.note())
        sitewide = writer.sink.take_entries()
        if store is not None:
            store.put_files(sitewide)
            store.set_memos(output.memos)
        if incremental and store is not None:
            written = {e.path: e.size for e in sitewide}
            for paths in units.written.values():
                written.update((p, 0) for p in paths)
            written = _sizes(store, written)
            removed = _removed(store, chosen, units, output.generated)
            store.drop_files(removed)
            store.drop_units(set(chosen.known) - units.seen)
            commit_incremental(writer, store, journal, chosen, digest, counts, written, removed)
        else:
            commit_full(writer, store, digest, counts)
    except BaseException:
        writer.abort()
        if cache is not None:
            cache.db.rollback()
        raise
    if cache is not None:
        notes = (*cache.notes, *notes)
    return BuildOutcome(
        result, True, writer.file_count, writer.byte_count, clock() - started, notes,
        chosen.mode, counts,
    )  # fmt: skip


def _sizes(store: SiteStore, written: dict[str, int]) -> dict[str, int]:
    """The size of each written file, from the manifest (where it was just recorded)."""
    out = {}
    for path in written:
        entry = store.file(path)
        out[path] = entry.size if entry is not None else -1
    return out


def _removed(store: SiteStore, chosen: Plan, units: Units, generated: set[str]) -> list[str]:
    """The live site's files this build no longer has: those of documents no longer
    published, those a re-rendered document no longer writes, and site-wide files no
    longer produced."""
    gone: list[str] = [p for p in store.paths_of("") if p not in generated]
    for unit in sorted(set(chosen.known) - units.seen):
        gone.extend(store.paths_of(unit))
    for unit, paths in sorted(units.written.items()):
        gone.extend(p for p in store.paths_of(unit) if p not in paths)
    return gone
