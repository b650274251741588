"""Cached verdicts: what verification concluded about a document's exact bytes.

A verdict depends on the document's bytes, the trusted keys (their ids, key material and
names, which messages quote) and pithgen's version, and on nothing else: the key of an
entry is the SHA-256 of those (:func:`context_digest`) and of the document's bytes. Where
the document was read from is not part of the entry; it is attached when the verdict is
used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace

from pithgen import __version__
from pithgen.cache.store import CacheDB, sealed, unsealed
from pithgen.canonical import canonical_json
from pithgen.keys import KeyRing
from pithgen.mergestore import dump_verdict, load_verdict
from pithgen.model import Source, Verdict

_NOWHERE = Source("", None)


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
        return hashlib.sha256(self.context + hashlib.sha256(raw).digest()).digest()

    def get(self, raw: bytes, source: Source) -> Verdict | None:
        """The verdict on ``raw`` (now read from ``source``), if one is cached and sound."""
        key = self._key(raw)
        row = self.db.execute(
            "SELECT CAST(value AS BLOB) FROM verdicts WHERE key = ?", (key,)
        ).fetchone()
        data = unsealed(row[0]) if row else None
        verdict = None
        if data is not None:
            try:
                verdict = replace(load_verdict(data.decode("utf-8")), source=source)
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                verdict = None
        if verdict is None:
            if row is not None:  # damaged: drop it, it will be recomputed
                self.db.execute("DELETE FROM verdicts WHERE key = ?", (key,))
            self.misses += 1
            return None
        self.hits += 1
        return verdict

    def put(self, items: Iterable[tuple[bytes, Verdict]]) -> None:
        """Remember the verdicts computed on these documents' bytes."""
        rows = [
            (self._key(raw), sealed(dump_verdict(replace(v, source=_NOWHERE)).encode("utf-8")))
            for raw, v in items
        ]
        self.db.executemany("INSERT OR REPLACE INTO verdicts (key, value) VALUES (?, ?)", rows)

    def commit(self) -> None:
        self.db.commit()


__all__ = ["VerdictCache", "context_digest"]
