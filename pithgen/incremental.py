"""How a build uses what the last build left: nothing to do, only the changes, or all.

:func:`plan` decides, from the build cache's record of the output folder
(:mod:`pithgen.cache.sitestate`) and the digest of everything this build depends on:

- **up to date**: the same digest as the last successful build, and the live site is the
  folder that build swapped in: nothing is written (every input was still read and
  hashed, so a changed byte is never missed);
- **incremental**: the live site is the one the cache describes: only the files that
  change are written (into a small staging folder), then applied to the spare and swapped
  in (:mod:`pithgen.spare`);
- **full**: anything else (no cache, no earlier site, a site the cache does not know, a
  system without an atomic exchange): every file is written into a fresh staging folder.

The two commits below order their steps so that a build killed at any point leaves the
previous site intact and the cache either right or visibly out of date (the live
folder's identity then differs from what the cache says, and the next build is full).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pithgen import spare as spare_site
from pithgen.beside import exchange, identity, new_beside, spares_of
from pithgen.cache.sitestate import SiteState, SiteStore, SpareJournal
from pithgen.errors import OutputError

if TYPE_CHECKING:
    from pithgen.write import SiteWriter

Mode = str  # "up-to-date" | "incremental" | "full"


def site_identity(folder: Path) -> tuple[int, int, int]:
    """Which folder a path names: device, inode and modification time (a folder put in
    its place by anything else does not match, even on a reused inode)."""
    info = os.stat(folder, follow_symlinks=False)
    return info.st_dev, info.st_ino, info.st_mtime_ns


@dataclass(frozen=True)
class Plan:
    """What kind of build this is, and what the last build left for it: the units' keys,
    the spare (if it can be trusted) and the spare's paths that lag behind the live site."""

    mode: Mode
    state: SiteState | None = None
    known: dict[str, bytes] = field(default_factory=dict)
    spare: Path | None = None
    lagging: tuple[str, ...] = ()


def plan(
    out: Path, store: SiteStore | None, digest: str, journal: SpareJournal, *, force: bool = False
) -> Plan:
    """Decide the kind of build (see the module docstring); ``force``: never "up to date"
    (a build asked to start a new log)."""
    if store is None:
        return Plan("full")
    state = store.state()
    try:
        live_ok = state is not None and out.is_dir() and site_identity(out) == state.live
    except OSError:
        live_ok = False
    if state is None or not live_ok:
        _drop_spares(out, keep=None)
        journal.clear()
        return Plan("full")
    if state.digest == digest and not force:
        return Plan("up-to-date", state)
    spare = out.parent / state.spare if state.spare else None
    touched = journal.read()
    try:
        spare_ok = (
            spare is not None and touched is not None and identity(spare) == state.spare_identity
        )
    except OSError:
        spare_ok = False
    _drop_spares(out, keep=spare if spare_ok else None)
    if not spare_ok:
        journal.clear()
        return Plan("incremental", state, store.unit_keys())
    lagging = tuple(sorted({*store.lagging(), *(touched or ())}))
    return Plan("incremental", state, store.unit_keys(), spare, lagging)


def _drop_spares(out: Path, keep: Path | None) -> None:
    """Remove spare folders of ``out`` the cache does not vouch for."""
    for found in spares_of(out):
        if found != keep:
            shutil.rmtree(found, ignore_errors=True)


def commit_full(
    writer: SiteWriter, store: SiteStore | None, digest: str, counts: dict[str, int]
) -> None:
    """Swap a fully written staging folder in, then record it in the cache (a build killed
    in between leaves a live folder the cache does not describe: the next build is full)."""
    writer.commit()
    if store is not None:
        store.clear_lagging()
        store.set_state(SiteState(digest, site_identity(writer.target), counts=counts))


def commit_incremental(
    writer: SiteWriter,
    store: SiteStore,
    journal: SpareJournal,
    chosen: Plan,
    digest: str,
    counts: dict[str, int],
    written: dict[str, int],
    removed: Iterable[str],
) -> None:
    """Apply the delta (the writer's staging folder: ``written`` paths with their sizes)
    and the ``removed`` paths to the spare, swap it in, record it (:mod:`pithgen.spare`)."""
    live = writer.target
    removed = sorted(set(removed) - set(written))
    try:
        writer.prove_staging()
        spare = chosen.spare
        lagging = list(chosen.lagging)
        if spare is None:  # the first incremental build after a full one: make the spare
            spare = new_beside(live, "spare", create=False)
            spare_site.clone(live, spare)
            lagging = []
        journal.write([*lagging, *written, *removed])
        spare_site.sync(live, spare, lagging, writer.scratch)
        spare_site.apply(writer.staging, spare, sorted(written), removed)
        spare_site.prove(spare, sorted(written.items()), removed)
        if not exchange(spare, live):
            raise OutputError("cannot swap the new site in atomically", where=str(live))
    except BaseException:
        writer.abort()
        raise
    # The old site is now the spare, lagging by exactly this build's changes.
    store.clear_lagging()
    store.add_lagging(written)
    store.add_lagging(removed)
    old_live = spare  # the same name now holds the previous site
    store.set_state(
        SiteState(digest, site_identity(live), old_live.name, identity(old_live), counts=counts)
    )
    journal.clear()
    writer.abort()  # the (now empty) delta folder, the work folder and the lock
