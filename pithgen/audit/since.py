"""``pithgen audit --since CHECKPOINT``: the log only grew since a checkpoint the reader
kept (check ``since``).

A reader who saved ``log/checkpoint`` on an earlier visit can tell whether the mirror
still serves the same history. The kept checkpoint must

1. be of the same log (its origin is the mirror's current origin: a log started anew
   under ``ORIGIN/2`` does not continue the one the reader kept);
2. verify under the same log key;
3. not be larger than the current one (a smaller current log is a **rollback**);
4. have the same root if it has the same size, and otherwise be proved a prefix of the
   current tree by an RFC 9162 consistency proof computed from the mirror's tiles
   (:func:`pithgen.tlog.merkle.consistency_proof` over a
   :class:`~pithgen.tlog.tiles.TileReader`) and verified against both roots: anything else
   is a **fork** (two histories signed by one key).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from pithgen.audit.findings import Findings
from pithgen.audit.logcheck import LogView
from pithgen.errors import LogError
from pithgen.tlog.checkpoint import open_checkpoint
from pithgen.tlog.merkle import consistency_proof, verify_consistency
from pithgen.tlog.note import parse_note
from pithgen.tlog.tiles import TileReader

CHECK = "since"


@dataclass(frozen=True)
class Kept:
    """A checkpoint the reader kept: where it was read (as given) and its bytes."""

    where: str
    data: bytes


def check_since(kept: Kept, view: LogView, findings: Findings) -> dict[str, Any] | None:
    """Steps 1 to 4 of the module docstring; the kept checkpoint (origin, size, root) for
    the report, once it verified."""
    data, where = kept.data, kept.where
    current, verifier = view.checkpoint, view.verifier
    if current is None or verifier is None:
        findings.skip(CHECK, "the mirror's log has no checkpoint signed by the log key")
        return None
    try:
        origin = parse_note(data, where).text.split("\n", 1)[0]
    except LogError as exc:
        findings.fail(CHECK, where, f"expected a signed checkpoint: {exc.message}")
        return None
    if origin != current.origin:
        findings.fail(
            CHECK,
            where,
            f"expected a checkpoint of the mirror's log {current.origin!r}, found one of "
            f"{origin!r}: the log you kept is not the one the mirror serves now (it started "
            "a new log, or this is another mirror's)",
        )
        return None
    try:
        old = open_checkpoint(data, [verifier], origin, where).checkpoint
    except LogError as exc:
        findings.fail(CHECK, where, f"not signed by the mirror's log key: {exc.message}")
        return None
    found = {"origin": old.origin, "size": old.size, "root_hash": _b64(old.root_hash)}
    if old.size > current.size:
        findings.fail(
            CHECK,
            where,
            f"rolled back: the checkpoint you kept has {old.size} entries, the mirror's log "
            f"now has {current.size}; a log only grows, so entries were taken away",
        )
        return found
    if old.size == current.size:
        if old.root_hash != current.root_hash:
            findings.fail(
                CHECK,
                where,
                f"forked: the checkpoint you kept and the mirror's have the same size "
                f"{old.size} but different roots ({_b64(old.root_hash)} and "
                f"{_b64(current.root_hash)}): two histories signed by one key",
            )
        else:
            findings.note(CHECK, f"the log is the one you kept ({old.size} entries)")
        return found
    try:
        proof = consistency_proof(old.size, current.size, TileReader(current.size, view.fetch).node)
    except LogError as exc:
        findings.fail(
            CHECK,
            exc.where or where,
            f"cannot compute the consistency proof from the mirror's tiles: {exc.message}",
        )
        return found
    try:
        verify_consistency(old.size, current.size, old.root_hash, current.root_hash, proof)
    except LogError as exc:
        findings.fail(
            CHECK,
            where,
            f"forked: the mirror's log of {current.size} entries does not extend the checkpoint "
            f"you kept ({old.size} entries): {exc.message}",
        )
        return found
    findings.note(
        CHECK,
        f"the log only grew: from {old.size} to {current.size} entries (a consistency proof "
        f"of {len(proof)} hash(es), computed from the tiles, verifies)",
    )
    return found


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


__all__ = ["Kept", "check_since"]
