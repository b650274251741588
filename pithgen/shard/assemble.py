"""``pithgen assemble SHARD_DIR... --out SITE``: the site of a sharded build.

The assembly is :func:`pithgen.build.build_site` over the same input and configuration as
the shards, with an :class:`Assembly`:

1. once the inputs are hashed, the shards are checked (:mod:`pithgen.shard.check`): all
   of them, once each, built by this pithgen with this configuration from this input,
   every file as its manifest says; any failure stops the assembly (exit 2) before
   anything is written;
2. their verdicts and units are loaded (:mod:`pithgen.shard.reuse`); every document's
   verdict comes from the shard that verified it, so nothing is verified again;
3. the merge, the graph and the log run over the whole archive as in any build, so a
   conflict between records of two shards fails both, named in the report;
4. each published record's unit key is computed as in any build: when the shard that
   rendered the record computed the same key, its files are copied (checked again); else
   (the shard guessed wrong about another shard's document) the record is rendered here;
5. everything that spans records is written, and the site swapped in atomically.

Since a unit's files are a function of its key, and everything else is this build's own,
the site is byte for byte the one a single ``pithgen build`` writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pithgen.build import BuildOutcome, build_site
from pithgen.cache.fingerprint import context_fields, inputs_digest
from pithgen.config import BuildConfig
from pithgen.errors import UsageError
from pithgen.keys import KeyRing
from pithgen.mirrorlog.previous import LogSettings
from pithgen.parallel import check_jobs
from pithgen.pipeline import VerdictSource
from pithgen.progress import Progress
from pithgen.shard.check import Expected, Shard, check_shards
from pithgen.shard.reuse import ShardStore, ShardVerdicts
from pithgen.shard.shardbuild import describe_log
from pithgen.units import Reuse, Units


class Assembly:
    """The shards of one assembly (a :class:`pithgen.build.Prebuilt`)."""

    def __init__(self, folders: Sequence[Path], config: BuildConfig, progress: Progress) -> None:
        if not folders:
            raise UsageError("expected the folders of the shard artifacts to assemble")
        self.folders = list(folders)
        keys = KeyRing.build(config.trust_keys, default_keys=config.default_keys)
        self.context = context_fields(config, keys, describe_log(LogSettings.from_config(config)))
        self.progress = progress
        self.jobs = check_jobs(config.jobs)
        self.shards: list[Shard] = []
        self.store: ShardStore | None = None
        self.verdicts: ShardVerdicts | None = None

    def check(self, inputs: Sequence[tuple[str, int, str]]) -> None:
        self.progress.phase("checking the shards", len(self.folders), "shards")
        expected = Expected(self.context, len(inputs), inputs_digest(inputs))
        self.shards = check_shards(self.folders, expected, self.jobs)
        self.progress.advance(len(self.folders))

    def open(self, scratch: Path, cache: VerdictSource | None) -> tuple[VerdictSource, Reuse]:
        self.close()  # (a build that starts again, after a damaged cache, opens it again)
        self.store = ShardStore(self.shards, scratch)
        self.verdicts = ShardVerdicts(self.store, cache)
        return self.verdicts, self.store

    def note(self, units: Units) -> str:
        verified = self.verdicts.verified if self.verdicts is not None else 0
        checked = f"; {verified} document(s) verified here" if verified else ""
        return (
            f"assembled from {len(self.shards)} shard(s): {units.copied} record file set(s) "
            f"taken from the shards, {units.rendered} rendered here{checked}"
        )

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def assemble_site(
    config: BuildConfig,
    folders: Sequence[Path],
    *,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    cwd: Path | None = None,
) -> BuildOutcome:
    """Assemble the shard artifacts in ``folders`` into ``config.out`` (module docstring)."""
    report = progress or Progress()
    assembly = Assembly(folders, config, report)
    try:
        return build_site(config, progress=report, clock=clock, cwd=cwd, prebuilt=assembly)
    finally:
        assembly.close()
