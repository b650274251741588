"""The log stage of a build, between the graph stage and the per-record outputs.

1. Find the previous log (:func:`pithgen.mirrorlog.previous.start`) and verify it whole:
   its checkpoint's signature, every entry (parsed strictly), every tile against the
   entries, the entries against the checkpoint's root.
2. List what this build publishes that the log covers: every published record document
   and bundle, and every record's ``state.json`` (its exact bytes, from the graph stage).
3. Refuse a build that would drop or alter a logged file (:class:`Ledger` rules); append
   the new files in the fixed order.
4. Write the log into the site (``log/``: tiles, entry bundles, the signed checkpoint),
   in an incremental build only its new files, and bring the build cache's copy up to
   date.

What each published document's proof file needs (:class:`LogRef`: its index, the
inclusion proof in the tree of ``index + 1`` entries and that tree's root) is looked up
by :meth:`MirrorLog.ref`; the proof's checkpoint is signed where the file is written.
A proof against the tree that ends with its entry never changes, so an incremental build
does not rewrite the proofs of records that did not change, and every proof is checked
against the current checkpoint with a consistency proof from the tiles.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pithgen import layout
from pithgen.cache.logcopy import LogCopy
from pithgen.delta import SiteOutput
from pithgen.errors import LogError
from pithgen.graph import GraphStore, empty_state
from pithgen.keys import KeyRing, SigningKey
from pithgen.mergestore import MergeResult
from pithgen.mirrorlog.ledger import Ledger, Refusal
from pithgen.mirrorlog.previous import LogSettings, Previous, start
from pithgen.progress import Progress
from pithgen.tlog.checkpoint import Checkpoint, sign_checkpoint
from pithgen.tlog.merkle import HashTree, inclusion_proof, leaf_hash
from pithgen.tlog.note import NoteSigner
from pithgen.tlog.proof import TlogProof
from pithgen.tlog.tiles import (
    TILE_WIDTH,
    bundles_for_size,
    check_tiles,
    decode_bundle,
    encode_bundle,
    read_entries,
    tile_data,
    tiles_for_size,
)

CHECKPOINT = "checkpoint"


@dataclass(frozen=True)
class LogRef:
    """Where one published file is in the log: what its proof file is made of."""

    origin: str
    index: int
    root: bytes
    hashes: tuple[bytes, ...]

    def proof(self, signer: NoteSigner) -> bytes:
        """The ``c2sp.org/tlog-proof@v1`` file: the inclusion proof in the tree of
        ``index + 1`` entries, with that tree's checkpoint signed by the log's key
        (deterministic: Ed25519 signatures are)."""
        checkpoint = sign_checkpoint(Checkpoint(self.origin, self.index + 1, self.root), signer)
        return TlogProof(self.index, self.hashes, checkpoint).text().encode("utf-8")

    def key_parts(self) -> list[object]:
        return [self.origin, self.index, self.root.hex()]


@dataclass(frozen=True)
class SignerSpec:
    """What a worker process needs to sign proofs (the private key crosses to it as its
    seed: a key object cannot be pickled)."""

    origin: str
    key_id: str
    seed: bytes

    def signer(self) -> NoteSigner:
        return NoteSigner(self.origin, SigningKey.from_seed(self.key_id, self.seed))


class MirrorLog:
    """The log of this build: its tree, signed checkpoint and the lookups of pass 2."""

    def __init__(
        self, settings: LogSettings, origin: str, tree: HashTree, ledger: Ledger,
        previous: Previous | None, appended: int, checkpoint: str,
    ) -> None:  # fmt: skip
        self.settings, self.origin, self.tree, self.ledger = settings, origin, tree, ledger
        self.previous, self.appended, self.checkpoint = previous, appended, checkpoint
        self.signer = settings.signer(origin)

    @property
    def size(self) -> int:
        return self.tree.size

    @property
    def vkey(self) -> str:
        return self.signer.verifier.vkey

    def signer_spec(self) -> SignerSpec:
        return SignerSpec(self.origin, self.settings.key.key_id, self.settings.key.seed)

    def ref(self, pith: str, kind: str) -> LogRef | None:
        index = self.ledger.index_of(pith, kind)
        if index is None:
            return None
        size = index + 1
        hashes = tuple(inclusion_proof(index, size, self.tree.node))
        return LogRef(self.origin, index, self.tree.root(size), hashes)

    def note(self) -> str:
        """One line for the build summary."""
        if self.previous is None:
            how = "a new log"
        else:
            how = f"{self.appended} entr{'y' if self.appended == 1 else 'ies'} appended"
        return f"log {self.origin}: {self.size} entries ({how})"

    def close(self) -> None:
        self.ledger.close()
        if self.previous is not None:
            self.previous.close()


def build_log(
    settings: LogSettings,
    out: Path,
    copy: LogCopy | None,
    result: MergeResult,
    graph: GraphStore,
    keys: KeyRing,
    scratch: Path,
    progress: Progress,
) -> MirrorLog:
    """Steps 1 to 3 of the module docstring: the verified previous log extended by this
    build's new files (nothing is written yet)."""
    origin, previous = start(out, copy, settings)
    ledger = Ledger(scratch)
    try:
        tree = HashTree()
        if previous is not None:
            progress.phase("reading the previous log", previous.size, "entries")
            _read_previous(previous, ledger, tree, progress)
        ledger.add_current(_published_files(result, graph, keys))
        refused, count = ledger.refusals()
        if count:
            raise _refusal(refused, count, previous.where if previous is not None else str(out))
        appended = ledger.append_fresh()
        for entry in ledger.fresh():
            tree.append(leaf_hash(entry))
        signer = settings.signer(origin)
        checkpoint = sign_checkpoint(Checkpoint(origin, tree.size, tree.root()), signer)
        return MirrorLog(settings, origin, tree, ledger, previous, appended, checkpoint)
    except BaseException:
        ledger.close()
        if previous is not None:
            previous.close()
        raise


def _refusal(refused: list[Refusal], count: int, where: str) -> LogError:
    """The error of a build that would drop or alter logged files, naming them (grouped by
    Pith Number: "pith:... record changed, state removed")."""
    by_pith: dict[str, list[str]] = {}
    for r in refused:
        by_pith.setdefault(r.pith, []).append(f"{r.kind} {r.reason}")
    listed = "; ".join(f"{pith} ({', '.join(what)})" for pith, what in by_pith.items())
    more = f"; and {count - len(refused)} more file(s)" if count > len(refused) else ""
    return LogError(
        f"this build would drop or alter {count} file(s) the log holds: {listed}{more}. A "
        "mirror's log only grows: publish them again as logged, or start a new log (a new "
        "origin) with --new-log. Nothing was published",
        where=where,
    )


def _read_previous(previous: Previous, ledger: Ledger, tree: HashTree, progress: Progress) -> None:
    where = previous.where
    try:
        for entry in ledger.add_logged(read_entries(previous.size, previous.fetch), where):
            tree.append(leaf_hash(entry))
            progress.advance()
        check_tiles(previous.size, previous.fetch, tree.node)
    except LogError as exc:
        raise LogError(
            f"the previous log does not verify ({exc.where}: {exc.message}); it is left as "
            "it is. Restore it, or start a new log with --new-log",
            where=where,
        ) from None
    root = tree.root()
    if root != previous.signed.checkpoint.root_hash:
        raise LogError(
            f"the previous log's entries hash to {root.hex()}, but its checkpoint says "
            f"{previous.signed.checkpoint.root_hash.hex()}; restore it, or start a new log "
            "with --new-log",
            where=where,
        )


def _published_files(
    result: MergeResult, graph: GraphStore, keys: KeyRing
) -> Iterator[tuple[str, str, str, str]]:
    """(Pith Number, kind, canonical SHA-256, file SHA-256) of every file the log covers."""
    for row in result.iter_chosen_rows():
        yield row.pith, row.kind, row.canonical, row.raw_sha256
        if row.owns_page:
            found = graph.record(row.pith)
            state = found[1] if found is not None else empty_state(row.pith, keys)[0]
            yield row.pith, "state", row.canonical, hashlib.sha256(state).hexdigest()


@contextlib.contextmanager
def open_log(
    settings: LogSettings | None,
    out: Path,
    copy: LogCopy | None,
    result: MergeResult,
    graph: GraphStore,
    keys: KeyRing,
    scratch: Path,
    progress: Progress,
) -> Iterator[MirrorLog | None]:
    """The log of a build (:func:`build_log`; None without a log key), closed
    afterwards."""
    if settings is None:
        yield None
        return
    log = build_log(settings, out, copy, result, graph, keys, scratch, progress)
    try:
        yield log
    finally:
        log.close()


def write_log(log: MirrorLog, output: SiteOutput, copy: LogCopy | None) -> None:
    """Step 4: the log's files into the site (and the cache's copy)."""
    previous = log.previous
    had: set[str] = set()
    if previous is not None:
        had = {t.path for t in tiles_for_size(previous.size)}
        had |= {b.path for b in bundles_for_size(previous.size)}
    in_sync = (
        copy is not None
        and previous is not None
        and copy.checkpoint() == previous.signed.text.encode("utf-8")
    )
    if copy is not None and not in_sync:
        copy.clear()
    wanted: set[str] = set()
    for path, data in _files(log, had):
        wanted.add(path)
        site_path = layout.log_file(path)
        if data is None:  # an unchanged file of the previous log
            if output.keep(site_path) and in_sync:
                continue
            assert previous is not None
            data = previous.fetch(path)
        output.write(site_path, data)
        if copy is not None:
            copy.put(path, data)
    if copy is not None and in_sync:
        copy.delete(sorted(had - wanted))


def _files(log: MirrorLog, had: set[str]) -> Iterator[tuple[str, bytes | None]]:
    """Every file of the log (relative to ``log/``): its bytes when new, ``None`` when the
    previous log has it already (same path, same bytes: tile paths carry their width)."""
    size = log.size
    for tile in tiles_for_size(size):
        yield tile.path, None if tile.path in had else tile_data(tile, log.tree.node)
    previous = log.previous
    old_size = previous.size if previous is not None else 0
    for bundle in bundles_for_size(size):
        if bundle.path in had:
            yield bundle.path, None
            continue
        first = bundle.index * TILE_WIDTH
        entries: list[bytes] = []
        if first < old_size and previous is not None:  # the previous partial bundle
            old = bundles_for_size(old_size)[-1]
            entries = decode_bundle(previous.fetch(old.path), old.width, old.path)
        start_at = max(first, old_size)
        entries += log.ledger.fresh(start_at, first + bundle.width)
        yield bundle.path, encode_bundle(entries)
    yield CHECKPOINT, log.checkpoint.encode("utf-8")
