"""``pithgen build``: load -> verify -> merge -> index -> render -> write.

Two passes over the input keep memory flat:

1. :func:`pithgen.pipeline.verify_files` loads, verifies and merges every document
   (verdicts go to an on-disk store);
2. :func:`pithgen.publish.publish_records` reloads only the published documents, proves
   each is byte for byte the document pass 1 verified, writes it and its page, and hands a
   small summary to the index stage; :func:`pithgen.sitewide.write_sitewide` then writes
   everything that spans records.

Nothing is written outside the staging folder until everything succeeded; then the writer
swaps the new site in atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pithgen.cache.store import open_cache
from pithgen.cache.verdicts import VerdictCache
from pithgen.config import BuildConfig
from pithgen.context import BuildContext
from pithgen.errors import UsageError
from pithgen.index import SiteIndex
from pithgen.keys import KeyRing
from pithgen.load import LoadOptions, discover
from pithgen.merge import MergeResult
from pithgen.parallel import check_jobs
from pithgen.pipeline import Progress, Total, verify_files
from pithgen.publish import publish_records
from pithgen.render import Renderer, SiteInfo
from pithgen.report import summary
from pithgen.sitewide import write_sitewide
from pithgen.theme import make_env
from pithgen.write import SiteWriter, check_output_folder


@dataclass(frozen=True)
class BuildOutcome:
    """What a build did: the merged verdicts, whether the site was replaced, and what was
    written (files, bytes, seconds, notes for the summary)."""

    result: MergeResult
    written: bool
    files: int
    bytes: int
    seconds: float
    notes: tuple[str, ...] = ()


def build_site(
    config: BuildConfig,
    *,
    progress: Progress | None = None,
    total: Total | None = None,
    clock: Callable[[], float] = time.monotonic,
    cwd: Path | None = None,
) -> BuildOutcome:
    """Build the site described by ``config``. Raises :class:`PithgenError` for usage and
    I/O errors; verification failures are in the outcome (``written`` says whether the
    site was replaced)."""
    started = clock()
    keys = KeyRing.build(config.trust_keys, default_keys=config.default_keys)
    if not config.records.is_dir():
        raise UsageError("expected a folder of records, found none", where=str(config.records))
    check_output_folder(config.out, config.records, cwd)
    options = LoadOptions()
    files = discover([config.records], relative=True, skip=[config.out])
    if not files:
        raise UsageError(
            "expected record files (.json or .jsonl), found none; nothing was built",
            where=str(config.records),
        )
    if total is not None:
        total(2 * sum(f.size for f in files))
    jobs = check_jobs(config.jobs)
    writer = SiteWriter(config.out)
    cache = open_cache(config.cache_dir) if config.use_cache else None
    try:
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
            cache=VerdictCache(cache, keys) if cache is not None else None,
        )
        if result.failed and not config.keep_going:
            writer.abort()
            return BuildOutcome(result, False, 0, 0, clock() - started)
        site = SiteInfo(
            config.title, config.base_url, config.description, tuple(keys), summary(result)
        )
        renderer = Renderer(make_env(config.templates), site)
        ctx = BuildContext(config, keys, result, renderer, writer, options, files, progress)
        with SiteIndex(writer.scratch) as index:
            publish_records(ctx, index, jobs)
            index.finish()
            notes = write_sitewide(ctx, index)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        if cache is not None:
            cache.close()
    return BuildOutcome(
        result, True, writer.file_count, writer.byte_count, clock() - started, notes
    )
