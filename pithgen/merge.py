"""Stage 3, merge: which verified documents are published, and conflicts across records.

Only verified documents take part: a document that failed its own checks is never
published and cannot knock out another (a forged copy of a record changes nothing).

**One signed record.** A receipt's signature covers the 32 bytes of ``canonical_sha256``,
the hash of the canonical record, and nothing else, and the Pith Number is derived from
that hash. So the signed content of a document is its canonical record, and the verified
documents of one kind (record documents, or bundles) with one Pith Number are *one signed
record*, whatever else differs between them: formatting and key order, unsigned fields
(``updated_at``, ``paper``, bundle events other than the checked ``record_created``
receipt, unknown fields, ``-0.0`` against ``0.0``), and the receipt itself (its unsigned
fields such as ``signed_at``, or another trusted key's signature over the same hash).

Another receipt is not a conflict: both are valid signatures over the same bytes by keys
the operator chose to trust, and a reader resolving the Pith Number gets the same canonical
record from either document. A second attestation corroborates; failing on it would take
down a record every trusted key agrees on (a registry re-signing after a key rotation, two
registries signing, a record harvested before and after re-signing). An operator who does
not want a key's signatures stops trusting the key. What the operator never gets is
silence: the warning says when the published receipt is by another key.

**Publication rule.** Of one signed record exactly one document is published: the one with
the latest valid ``updated_at`` (an ISO 8601 instant compared in UTC, see
:mod:`pithgen.instants`; a missing or invalid one is older than any valid one), then the
smallest SHA-256 of its raw bytes (as lowercase hex). Input order and file names play no
part; only byte-identical copies tie, and of those the one with the smallest source
(path, then line) is the one named, which changes no published byte. Every other
document of the signed record stays ``verified``, with a warning that names the published
one and says why it won:

- ``duplicate``: the same content as the published document (the same canonical JSON of
  the whole document: only formatting, key order or the spelling of a number, such as
  ``1.0`` against ``1.00``, differ; or the very same bytes);
- ``superseded``: different unsigned fields or another receipt.

Neither warning fails a build.

**Conflicts** fail every verified document involved (check ``conflict``); no winner is
picked, and copies of a document in conflict fail with it:

- one Pith Number with different canonical records (a different ``canonical_sha256`` under
  one 26-character suffix, that is a collision of the first 130 bits of SHA-256; checked
  all the same, across kinds);
- one arXiv id and version claimed by verified documents with different Pith Numbers (so
  different canonical records of one version of a paper).

A conflict message names the other canonical records involved, each by one document (its
smallest source), at most :data:`NAMED` of them, then "and N more".

A record document and a bundle of one Pith Number complement each other: each kind has
its own publication rule and both are published.

**Memory stays flat** however large the archive or a group (one record copied a million
times): verdicts stream into an on-disk SQLite table (a temporary file, removed by
:meth:`MergeResult.close`); groups, the choice and the warnings are SQL queries over it,
read as streams; a group's message is built from at most ``NAMED + 1`` representatives;
merge findings go to their own table and are joined to the verdicts when read back.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pithgen.checks import some
from pithgen.mergestore import (
    Chosen,
    MergeResult,
    StoredVerdict,
    add_verdicts,
    compact,
    open_store,
)
from pithgen.model import Source, Verdict

__all__ = ["NAMED", "Chosen", "MergeResult", "compact", "merge"]

#: How many other documents a conflict message names before "and N more".
NAMED = 5

# Of one signed record (pith, kind), the published document: latest valid updated_at (in
# DESC order NULL, no valid updated_at, sorts last), then smallest SHA-256 of the bytes;
# source and input position only order byte-identical copies.
_CHOOSE = """
UPDATE verdicts SET published = 1 WHERE idx IN (
    SELECT idx FROM (
        SELECT idx, row_number() OVER (
            PARTITION BY pith, kind ORDER BY updated DESC, raw, path, line, idx
        ) AS rank
        FROM verdicts WHERE ok = 1
    ) WHERE rank = 1
)
"""
_NOT_CHOSEN = """
SELECT v.idx, v.digest, v.raw, v.updated, v.key_id,
       w.path, w.line, w.digest, w.raw, w.updated, w.key_id
FROM verdicts v JOIN verdicts w ON w.published = 1 AND w.pith = v.pith AND w.kind = v.kind
WHERE v.ok = 1 AND v.published = 0
"""
_ADD_WARNING = "INSERT INTO findings (idx, name, outcome, message) VALUES (?, ?, 'warning', ?)"
_ADD_CONFLICT = """
INSERT INTO findings (idx, name, outcome, message) VALUES (?, 'conflict', 'failed', ?)
ON CONFLICT (idx) DO UPDATE SET message = message || '; ' || excluded.message
"""


def merge(
    verdicts: Iterable[Verdict | StoredVerdict],
    *,
    keep_checks: bool = False,
    on_disk: bool = True,
    directory: Path | None = None,
) -> MergeResult:
    """Stage 3. ``verdicts`` in input order; the result keeps that order. Checks that
    passed are dropped from the stored verdicts unless ``keep_checks``."""
    db, path = open_store(on_disk, directory)
    try:
        add_verdicts(db, verdicts, keep_checks=keep_checks)
        db.execute("CREATE INDEX by_identity ON verdicts (pith, kind, canonical)")
        db.execute("CREATE INDEX by_paper ON verdicts (arxiv, version, pith)")
        _mark(db)
        db.commit()
    except BaseException:
        db.close()
        if path is not None:
            os.unlink(path)
        raise
    return MergeResult(db, path)


def _mark(db: sqlite3.Connection) -> None:
    """Apply the rules of the module docstring: conflicts fail, then each signed record
    publishes one document and the others get their warning."""
    _find_conflicts(db)
    db.execute("UPDATE verdicts SET ok = 0 WHERE idx IN (SELECT idx FROM findings)")
    db.execute(_CHOOSE)
    db.execute("CREATE INDEX by_published ON verdicts (published, pith, kind)")
    db.executemany(_ADD_WARNING, map(_not_chosen, db.execute(_NOT_CHOSEN)))


def _shown_instant(instant: str | None) -> str:
    return f"{instant}Z" if instant else "none valid"


def _not_chosen(row: tuple[Any, ...]) -> tuple[int, str, str]:
    """The warning of one document that another document of its signed record won over."""
    idx, digest, raw, updated, key_id, path, line, c_digest, c_raw, c_updated, c_key = row
    chosen = Source(path, line)
    if raw == c_raw:
        return idx, "duplicate", f"byte-identical copy of {chosen}, which is published"
    if updated != c_updated:
        why = (
            f"its updated_at ({_shown_instant(c_updated)}) is later than this one's "
            f"({_shown_instant(updated)})"
        )
    else:
        same = "the same updated_at" if updated else "no valid updated_at in either"
        why = f"{same}, and the SHA-256 of its bytes ({c_raw}) is smaller than this one's ({raw})"
    if digest == c_digest:
        return idx, "duplicate", f"same content as {chosen}, which is published instead: {why}"
    receipt = (
        ""
        if key_id == c_key
        else f"; its receipt is signed by key {c_key}, this one's by key {key_id} (both "
        "trusted, over the same canonical record)"
    )
    return (
        idx,
        "superseded",
        f"superseded by {chosen}, which is published: the same signed record (same canonical "
        f"record and Pith Number) with different unsigned fields; {why}{receipt}",
    )


def _find_conflicts(db: sqlite3.Connection) -> None:
    """Conflict findings, one group at a time (read before any verdict is marked failed)."""
    identity = """SELECT pith, count(DISTINCT canonical) FROM verdicts WHERE ok = 1
                  GROUP BY pith HAVING count(DISTINCT canonical) > 1"""
    for pith, count in db.execute(identity):
        reason = f"Pith Number {pith} is also given to {count - 1} other canonical record(s)"
        _fail_group(db, "canonical", "pith = ?", (pith,), count, reason, "canonical_sha256 ")
    paper = """SELECT arxiv, version, count(DISTINCT pith) FROM verdicts
               WHERE ok = 1 AND arxiv IS NOT NULL GROUP BY arxiv, version
               HAVING count(DISTINCT pith) > 1"""
    for arxiv, version, count in db.execute(paper):
        reason = f"arXiv {arxiv}v{version} is also claimed by {count - 1} other record(s)"
        _fail_group(db, "pith", "arxiv = ? AND version = ?", (arxiv, version), count, reason, "")


def _fail_group(
    db: sqlite3.Connection,
    key: str,
    where: str,
    params: tuple[Any, ...],
    count: int,
    reason: str,
    label: str,
) -> None:
    """Fail every verified document of one conflict group (SQL condition ``where``), whose
    ``count`` canonical records are told apart by column ``key``. Each message names the
    others, each by its smallest source: only ``NAMED + 1`` of them are read, and the
    members are streamed."""
    representatives = db.execute(
        f"""SELECT {key}, path, line FROM (
                SELECT {key}, path, line,
                       row_number() OVER (PARTITION BY {key} ORDER BY path, line, idx) AS r
                FROM verdicts WHERE ok = 1 AND {where}
            ) WHERE r = 1 ORDER BY {key} LIMIT ?""",
        (*params, NAMED + 1),
    ).fetchall()

    def message(own: str | None) -> str:
        others = [f"{Source(p, n)} ({label}{k})" for k, p, n in representatives if k != own]
        return f"{reason}: {some(others[:NAMED], NAMED, ', ', total=count - 1)}"

    named = {k: message(k) for k, _, _ in representatives}
    rest = message(None)  # for every member whose own record is not among the named
    members = db.execute(f"SELECT idx, {key} FROM verdicts WHERE ok = 1 AND {where}", params)
    db.executemany(_ADD_CONFLICT, ((idx, named.get(own, rest)) for idx, own in members))
