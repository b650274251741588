"""Cached verdicts: what verification concluded about a document's exact bytes.

A verdict depends on the document's bytes, the trusted keys (their ids, key material and
names, which messages quote) and pithgen's version, and on nothing else: the key of an
entry is the SHA-256 of those (:func:`context_digest`) and of the document's bytes. Where
the document was read from is not part of the entry; it is attached when the verdict is
used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from pithgen import __version__
from pithgen.cache.store import CacheDB, sealed, unsealed
from pithgen.canonical import canonical_json
from pithgen.keys import KeyRing
from pithgen.mergestore import StoredVerdict, verdict_body, verdict_columns
from pithgen.model import Source, Verdict


def context_digest(keys: KeyRing) -> bytes:
    """What a verdict depends on besides the document: pithgen's version and the keys."""
    described = {
        "pithgen": __version__,
        "keys": [{"origin": k.origin, "document": k.to_dict(), "raw": k.raw.hex()} for k in keys],
    }
    return hashlib.sha256(canonical_json(described).encode("utf-8")).digest()


class VerdictCache:
    """Verdicts by document bytes, for one verification context."""

    def __init__(self, cache: CacheDB, keys: KeyRing) -> None:
        self.db = cache.db
        self.context = context_digest(keys)
        self.hits = 0
        self.misses = 0

    def _key(self, raw: bytes) -> bytes:
        return self._key_of(hashlib.sha256(raw).digest())

    def _key_of(self, sha256: bytes) -> bytes:
        return hashlib.sha256(self.context + sha256).digest()

    def get(self, raw: bytes, source: Source) -> StoredVerdict | None:
        """The verdict on ``raw`` (now read from ``source``), if one is cached and sound,
        as the merge stage stores it (not parsed: :class:`StoredVerdict`)."""
        return self.by_sha256(hashlib.sha256(raw).digest(), source)

    def by_sha256(self, sha256: bytes, source: Source) -> StoredVerdict | None:
        """:meth:`get` from the SHA-256 of the bytes."""
        key = self._key_of(sha256)
        row = self.db.execute(
            "SELECT CAST(value AS BLOB) FROM verdicts WHERE key = ?", (key,)
        ).fetchone()
        data = unsealed(row[0]) if row else None
        verdict = None
        if data is not None:
            try:
                verdict = _stored(json.loads(data), source)
            except (ValueError, TypeError, UnicodeDecodeError):
                verdict = None
        if verdict is None:
            if row is not None:  # damaged: drop it, it will be recomputed
                self.db.execute("DELETE FROM verdicts WHERE key = ?", (key,))
            self.misses += 1
            return None
        self.hits += 1
        return verdict

    def put(self, items: Iterable[tuple[bytes, Verdict]]) -> None:
        """Remember the verdicts computed on these documents' bytes (each as its columns
        and :func:`verdict_body`: nothing of where it was read)."""
        rows = [
            (
                self._key(raw),
                sealed(
                    json.dumps(
                        [list(verdict_columns(v)), verdict_body(v)], ensure_ascii=False
                    ).encode("utf-8")
                ),
            )
            for raw, v in items
        ]
        self.db.executemany("INSERT OR REPLACE INTO verdicts (key, value) VALUES (?, ?)", rows)

    def commit(self) -> None:
        self.db.commit()


def _stored(value: object, source: Source) -> StoredVerdict | None:
    """A cached entry, ``[columns, body]``, if it has that shape."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    columns, body = value
    if not isinstance(columns, list) or len(columns) != 11 or columns[0] not in (0, 1):
        return None
    if not isinstance(body, str) or not body.startswith('{"kind": '):
        return None
    texts, version = columns[1:10], columns[10]
    if not all(t is None or isinstance(t, str) for t in texts):
        return None
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        return None
    return StoredVerdict(source, (columns[0], *texts, version), body)


__all__ = ["VerdictCache", "context_digest"]
