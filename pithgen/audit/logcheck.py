"""The audit of a mirror's log itself: the signed checkpoint, the entries, the tiles, the
root (checks ``checkpoint``, ``entries``, ``tiles`` and ``root``).

1. ``log/checkpoint`` must be a C2SP checkpoint signed by the log key
   (:func:`pithgen.tlog.checkpoint.open_checkpoint`: a signature by any other key, or by
   the log key that does not verify, fails); its size must be the manifest's.
2. Every entry bundle is read in order, one at a time: each entry's leaf hash goes into
   an in-memory tree (64 bytes an entry, as in a build) and the parsed entry into the
   store. A missing or malformed bundle stops the reading there (naming it): the files
   are then not compared with the log.
3. The tiles: the root they give (read as a light client reads them) and, with all the
   entries read, every tile against the hashes the entries imply.
4. The root: the entries and the tiles must both hash to the checkpoint's root. When the
   tiles agree with the checkpoint and the entries do not, the entry bundles are at fault
   and are named; otherwise the tiles that differ are.

Only files the signed size calls for are read, one at a time and lazily, so a checkpoint
claiming an absurd size costs one missing file, not the memory of its file list.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from pithgen import layout
from pithgen.audit.findings import Findings
from pithgen.audit.source import AuditSource
from pithgen.audit.store import AuditStore
from pithgen.audit.trust import Trust
from pithgen.checks import shown
from pithgen.errors import LogError
from pithgen.progress import Progress
from pithgen.pull.paths import UnsafePath
from pithgen.tlog.checkpoint import Checkpoint, open_checkpoint
from pithgen.tlog.entry import parse_entry
from pithgen.tlog.merkle import HashTree, leaf_hash, tree_hash
from pithgen.tlog.note import NoteVerifier
from pithgen.tlog.tiles import (
    EntryBundle,
    Fetch,
    TileReader,
    decode_bundle,
    difference,
    iter_bundles,
    iter_tiles,
    tile_data,
)

LATER = ("entries", "tiles", "root", "since", "logged", "published", "proofs")


@dataclass(frozen=True)
class LogView:
    """What the log check established, for the checks that follow: the verified
    checkpoint, the tree of every entry (``None`` when not all could be read), how to
    read the log's files, and the key it is signed with."""

    checkpoint: Checkpoint | None
    tree: HashTree | None
    fetch: Fetch
    verifier: NoteVerifier | None


def check_log(
    source: AuditSource,
    trust: Trust,
    store: AuditStore,
    findings: Findings,
    progress: Progress | None = None,
) -> LogView:
    """Steps 1 to 4 of the module docstring."""
    fetch = source.log_fetch()
    checkpoint = _checkpoint(source, trust, findings)
    if checkpoint is None:
        for check in LATER:
            findings.skip(check, "the log has no checkpoint signed by the log key")
        return LogView(None, None, fetch, trust.verifier)
    tree = _entries(source, checkpoint, fetch, store, findings, progress or Progress())
    _tiles_and_root(source, checkpoint, tree, fetch, findings)
    if tree is None:
        for check in ("logged", "published", "proofs"):
            findings.skip(check, "not every entry of the log could be read")
    return LogView(checkpoint, tree, fetch, trust.verifier)


def _checkpoint(source: AuditSource, trust: Trust, findings: Findings) -> Checkpoint | None:
    where = source.url(layout.LOG_CHECKPOINT)
    data = source.get(layout.LOG_CHECKPOINT)
    if data is None:
        findings.fail("checkpoint", where, "expected the log's signed checkpoint, found none")
        return None
    verifier = trust.verifier
    if verifier is None:
        findings.fail(
            "checkpoint",
            where,
            f"no log key to verify it under: the site publishes none ({layout.LOG_KEY}); "
            "pass the key you trust with --log-key",
        )
        return None
    try:
        signed = open_checkpoint(data, [verifier], verifier.name, where)
    except LogError as exc:
        findings.fail("checkpoint", where, f"{exc.message} (the log key is from {trust.key_from})")
        return None
    checkpoint = signed.checkpoint
    findings.note(
        "checkpoint",
        f"{checkpoint.origin}: {checkpoint.size} entries, root "
        f"{base64.b64encode(checkpoint.root_hash).decode()}, signed by "
        f"{verifier.name}+{verifier.key_id:08x} (the key from {trust.key_from})",
    )
    stated = trust.manifest_log.get("size") if trust.manifest_log is not None else None
    if trust.manifest_log is not None and stated != checkpoint.size:
        findings.fail(
            "manifest",
            source.url(layout.MANIFEST),
            f"log.size: expected {checkpoint.size} (the checkpoint's), found {shown(stated)}",
        )
    return checkpoint


def _where(source: AuditSource, exc: LogError, fallback: str) -> str:
    """A log error's file as a URL of the mirror (tile paths are relative to ``log/``)."""
    where = exc.where
    if not where:
        return fallback
    if "://" in where:
        return where
    try:
        return source.url(layout.log_file(where))
    except UnsafePath:  # not a path of the log: say it as it is
        return where


def _bundle_url(source: AuditSource, bundle: EntryBundle) -> str:
    return source.url(layout.log_file(bundle.path))


def _entries(
    source: AuditSource,
    checkpoint: Checkpoint,
    fetch: Fetch,
    store: AuditStore,
    findings: Findings,
    progress: Progress,
) -> HashTree | None:
    """Every entry, bundle by bundle, into the tree and the store; ``None`` when a
    bundle is missing or malformed (named)."""
    tree = HashTree()
    index = bundles = 0
    progress.phase("reading the log", checkpoint.size, "entries")
    for bundle in iter_bundles(checkpoint.size):
        url = _bundle_url(source, bundle)
        try:
            entries = decode_bundle(fetch(bundle.path), bundle.width, url)
        except LogError as exc:
            findings.fail("entries", _where(source, exc, url), exc.message)
            findings.note("entries", f"entries read before it: {index}")
            return None
        bundles += 1
        for raw in entries:
            tree.append(leaf_hash(raw))
            try:
                store.add_logged(index, parse_entry(raw))
            except LogError as exc:
                findings.fail("entries", url, f"entry {index}: {exc.message}")
            index += 1
        progress.advance(len(entries))
    store.flush()
    findings.note("entries", f"{index} entries in {bundles} entry bundle(s)")
    return tree


def _tiles_and_root(
    source: AuditSource,
    checkpoint: Checkpoint,
    tree: HashTree | None,
    fetch: Fetch,
    findings: Findings,
) -> None:
    """Step 3 and 4: the tiles' root, every tile against the entries, the blame."""
    where = source.url(layout.LOG_CHECKPOINT)
    signed_root = checkpoint.root_hash
    tiles_root: bytes | None = None
    try:
        tiles_root = tree_hash(checkpoint.size, TileReader(checkpoint.size, fetch).node)
    except LogError as exc:
        findings.fail("tiles", _where(source, exc, where), exc.message)
    if tiles_root is not None and tiles_root != signed_root:
        findings.fail(
            "root",
            where,
            f"the tiles hash to {_b64(tiles_root)}, the checkpoint's root is {_b64(signed_root)}",
        )
    if tree is None:
        findings.skip("tiles", "not every entry could be read to check each tile against")
        if not findings.failed("root"):
            findings.skip("root", "not every entry could be read")
        return
    entries_root = tree.root()
    if entries_root != signed_root:
        findings.fail(
            "root",
            where,
            f"the entries hash to {_b64(entries_root)}, the checkpoint's root is "
            f"{_b64(signed_root)}",
        )
    # The tiles agree with the signed root and the entries do not: the bundles changed.
    bundles_at_fault = entries_root != signed_root and tiles_root == signed_root
    count = 0
    for tile in iter_tiles(checkpoint.size):
        url = source.url(layout.log_file(tile.path))
        expected = tile_data(tile, tree.node)
        try:
            found = fetch(tile.path)
        except LogError as exc:
            findings.fail("tiles", _where(source, exc, url), exc.message)
            continue
        count += 1
        if found == expected:
            continue
        if not bundles_at_fault:
            findings.fail(
                "tiles",
                url,
                f"the tile does not hold the hashes of the log's entries: "
                f"{difference(expected, found)}",
            )
        elif tile.level == 0:  # higher tiles differ only because these do
            bundle = EntryBundle(tile.index, tile.width)
            findings.fail(
                "entries",
                _bundle_url(source, bundle),
                f"its entries do not hash to the signed tree ({tile.path}, which agrees with "
                f"the checkpoint's root): {difference(found, expected)}",
            )
    findings.note("tiles", f"{count} tile(s) read")
    if not findings.failed("root"):
        findings.note("root", f"the entries and the tiles hash to {_b64(signed_root)}")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


__all__ = ["LogView", "check_log"]
