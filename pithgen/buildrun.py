"""The stages of a build that has work to do (:func:`run_build`): verify, merge, log,
publish, site-wide pages, and the commit of the new site (full or incremental).

:mod:`pithgen.build` imports this module only once it knows there is work: a build that
finds the site up to date never loads the renderer, the templates or the log's network
client (at 100,000 records a no-op build costs little more than hashing its inputs).
"""

from __future__ import annotations

from collections.abc import Callable

from pithgen.cache.logcopy import LogCopy
from pithgen.cache.sitestate import SiteStore, SpareJournal
from pithgen.cache.store import CacheDB
from pithgen.cache.verdicts import VerdictCache
from pithgen.config import BuildConfig
from pithgen.context import BuildContext
from pithgen.delta import SiteOutput
from pithgen.graph import build_graph
from pithgen.incremental import Plan, commit_full, commit_incremental
from pithgen.index import SiteIndex
from pithgen.keys import KeyRing
from pithgen.load import InputFile, LoadOptions
from pithgen.mirrorlog.previous import LogSettings
from pithgen.mirrorlog.stage import open_log, write_log
from pithgen.outcome import BuildOutcome, Prebuilt
from pithgen.pipeline import VerdictSource, verify_files
from pithgen.progress import Progress
from pithgen.publish import publish_records
from pithgen.render import Renderer, SiteInfo
from pithgen.report import summary
from pithgen.sitewide import write_sitewide
from pithgen.theme import make_env
from pithgen.units import Units
from pithgen.write import SiteWriter


def run_build(
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
