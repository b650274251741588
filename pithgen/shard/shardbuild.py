"""``pithgen build --shard I/N --out DIR``: one shard of a sharded build.

The same pipeline as :mod:`pithgen.build`, narrowed to the shard's records:

1. every input file is read and hashed (the assembly checks that every shard saw the same
   input), and every document parsed;
2. the shard's own documents are verified (a verdict on the very same bytes comes from the
   build cache, ``--cache-dir``); every other document gets its stand-in
   (:mod:`pithgen.shard.partition`), so that the merge, the graph and the log see the
   whole archive;
3. the shard's published records are rendered, exactly as a single build renders them (a
   record whose unit key is the one in the artifact this build replaces is taken from it:
   keep ``--out`` between runs, and a rebuild renders only what changed);
4. the artifact (:mod:`pithgen.shard.artifact`) is written into a staging folder and
   swapped in atomically. Nothing that spans records is written: that is the assembly's.

A shard whose own documents fail writes nothing (exit 1), as a single build would, unless
``--keep-going``: then its artifact carries the failed verdicts (the assembly reports
them) and the records that verified.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any

from pithgen import __version__
from pithgen.cache.fingerprint import context_digest, context_fields, input_hashes, inputs_digest
from pithgen.cache.store import open_cache
from pithgen.cache.verdicts import VerdictCache
from pithgen.config import BuildConfig
from pithgen.context import BuildContext
from pithgen.delta import SiteOutput
from pithgen.errors import ShardError, UsageError
from pithgen.graph import build_graph
from pithgen.index import SiteIndex
from pithgen.keys import KeyRing
from pithgen.load import InputFile, LoadOptions, discover, event_files
from pithgen.merge import MergeResult
from pithgen.mirrorlog.previous import LogSettings
from pithgen.mirrorlog.stage import open_log
from pithgen.model import Verdict
from pithgen.outputfolder import check_output_folder
from pithgen.parallel import check_jobs
from pithgen.pipeline import verify_files
from pithgen.progress import Progress
from pithgen.publish import publish_records
from pithgen.render import Renderer, SiteInfo
from pithgen.shard.artifact import UnitExport, VerdictExport, is_shard_artifact, write_artifact
from pithgen.shard.check import check_files, read_manifest
from pithgen.shard.partition import RULE, Partition, is_stand_in
from pithgen.shard.reuse import ShardStore
from pithgen.theme import make_env
from pithgen.units import Units
from pithgen.write import SiteWriter


@dataclass(frozen=True)
class ShardOutcome:
    """What a shard build did: its own documents (verified and failed, the first failures
    with their sources), the documents left to other shards, its record units (``reused``
    of them taken from the artifact it replaced), and what it wrote."""

    partition: Partition
    written: bool
    own: int
    failed: tuple[Verdict, ...]
    failed_count: int
    others: int
    units: int = 0
    reused: int = 0
    verdicts: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0


def describe_log(log: LogSettings | None) -> str | None:
    """How the render context names the mirror's log (its first origin and public key)."""
    return None if log is None else f"{log.base_origin} {log.key.public_raw.hex()}"


def build_shard(
    config: BuildConfig,
    partition: Partition,
    *,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    cwd: Path | None = None,
) -> ShardOutcome:
    """Build shard ``partition`` of the archive ``config`` describes into ``config.out``."""
    started = clock()
    report = progress or Progress()
    keys = KeyRing.build(config.trust_keys, default_keys=config.default_keys)
    log = LogSettings.from_config(config)
    if not config.records.is_dir():
        raise UsageError("expected a folder of records, found none", where=str(config.records))
    check_output_folder(
        config.out,
        config.records,
        cwd,
        ours=is_shard_artifact,
        what="a pithgen shard artifact (no shard.json)",
    )
    files = discover([config.records], relative=True, skip=[config.out])
    if not files:
        raise UsageError(
            "expected record files (.json or .jsonl), found none; nothing was built",
            where=str(config.records),
        )
    jobs = check_jobs(config.jobs)
    fields = context_fields(config, keys, describe_log(log))
    events = event_files(config.events_dir)
    report.phase("reading inputs", len(files) + len(events), "files")
    inputs = input_hashes(files, report, jobs)
    inputs += [(f"events/{n}", size, sha) for n, size, sha in input_hashes(events, report, jobs)]
    cache = open_cache(config.cache_dir) if config.use_cache else None
    try:
        writer = SiteWriter(config.out)
        verdicts = VerdictExport(
            VerdictCache(cache, keys) if cache else None, writer.scratch, partition
        )
        exported = UnitExport(writer.scratch)
        previous: ShardStore | None = None
        try:
            previous = _previous(config.out, partition, jobs, writer.scratch, report)
            outcome = _build(
                config,
                partition,
                keys,
                log,
                files,
                fields,
                jobs,
                writer,
                verdicts,
                exported,
                previous,
                report,
            )
            if outcome.written:
                header = _header(partition, fields, inputs, outcome)
                write_artifact(writer, verdicts, exported, header)
                writer.commit()
            else:
                writer.abort()
        except BaseException:
            writer.abort()
            if cache is not None:
                cache.db.rollback()
            raise
        finally:
            verdicts.close()
            exported.close()
            if previous is not None:
                previous.close()
    finally:
        if cache is not None:
            cache.close()
    return replace(
        outcome, files=writer.file_count, bytes=writer.byte_count, seconds=clock() - started
    )


def _build(
    config: BuildConfig,
    partition: Partition,
    keys: KeyRing,
    log: LogSettings | None,
    files: list[InputFile],
    fields: dict[str, str | None],
    jobs: int,
    writer: SiteWriter,
    verdicts: VerdictExport,
    exported: UnitExport,
    previous: ShardStore | None,
    report: Progress,
) -> ShardOutcome:
    """Steps 2 and 3 of the module docstring (the records' files go into the staging
    folder); ``written``: whether the artifact is to be written."""
    options = LoadOptions()
    with verify_files(
        files,
        keys,
        options,
        report,
        keep_checks=True,
        jobs=jobs,
        directory=writer.scratch,
        cache=verdicts,
        partition=partition,
    ) as result:
        failed, failed_count = _failures(result)
        others = verdicts.stand_ins
        outcome = ShardOutcome(
            partition,
            True,
            result.total - others,
            failed,
            failed_count,
            others,
            verdicts=verdicts.count,
        )
        if failed_count and not config.keep_going:
            return replace(outcome, written=False)
        site = SiteInfo(config.title, config.base_url, config.description, tuple(keys))
        renderer = Renderer(make_env(config.templates), site)
        output = SiteOutput(writer, None, False)
        with (
            build_graph(result, files, options, config.events_dir, keys, writer.scratch) as graph,
            SiteIndex(writer.scratch) as index,
            open_log(  # a shard has no site: its previous log comes from --log-from only
                log, config.out, None, result, graph, keys, writer.scratch, report
            ) as mirror_log,
        ):
            ctx = BuildContext(
                config,
                keys,
                result,
                renderer,
                writer,
                options,
                files,
                output,
                graph,
                jobs,
                report,
                mirror_log,
            )
            units = Units(context_digest(fields), store=exported, only=partition, reuse=previous)
            publish_records(ctx, index, jobs, units)
    return replace(outcome, units=exported.units, reused=units.copied, verdicts=verdicts.count)


def _header(
    partition: Partition,
    fields: dict[str, str | None],
    inputs: list[tuple[str, int, str]],
    outcome: ShardOutcome,
) -> dict[str, Any]:
    """The manifest's fields (the files are added as they are written)."""
    return {
        "pithgen": __version__,
        "shard": partition.index,
        "of": partition.count,
        "partition": RULE,
        "context": fields,
        "inputs": {"files": len(inputs), "digest": inputs_digest(inputs)},
        "counts": {
            "documents": outcome.own,
            "failed": outcome.failed_count,
            "verdicts": outcome.verdicts,
            "units": outcome.units,
        },
    }


def _previous(
    out: Path, partition: Partition, jobs: int, scratch: Path, report: Progress
) -> ShardStore | None:
    """The artifact this build replaces, if it is this shard's and intact: a record unit
    whose key is the same there is taken from it (hard links), not rendered again."""
    if not is_shard_artifact(out):
        return None
    try:
        shard = read_manifest(out)
        if (shard.index, shard.count) != (partition.index, partition.count):
            return None
        report.phase("checking the previous artifact", len(shard.files), "files")
        check_files(shard, jobs)
        return ShardStore([shard], scratch, verdicts=False)
    except ShardError:
        return None  # damaged or foreign: everything is rendered


FAILED_LISTED = 20


def _failures(result: MergeResult) -> tuple[tuple[Verdict, ...], int]:
    """This shard's failed documents (the first :data:`FAILED_LISTED`) and how many; the
    failed stand-ins are other shards' to report."""
    failed: list[Verdict] = []
    count = 0
    for verdict in islice(result.iter_verdicts(failed_first=True), result.failed):
        if not is_stand_in(verdict):
            count += 1
            if len(failed) < FAILED_LISTED:
                failed.append(verdict)
    return tuple(failed), count
