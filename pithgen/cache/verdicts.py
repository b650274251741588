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
from collections.abc import Iterable, Sequence

from pithgen import __version__
from pithgen.cache.store import CacheDB, sealed, unsealed
from pithgen.canonical import canonical_json
from pithgen.keys import KeyRing
from pithgen.mergestore import StoredVerdict, verdict_body, verdict_columns
from pithgen.model import Source, Verdict

#: Verdicts looked up in one query (SQLite allows 32,766 parameters).
LOOKUP_CHUNK = 500


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
        return self._lookup([(hashlib.sha256(raw).digest(), source)])[0]

    def by_sha256(
        self, items: Sequence[tuple[bytes, Source]]
    ) -> list[Verdict | StoredVerdict | None]:
        """:meth:`get` of many documents from the SHA-256 of their bytes, in one query per
        :data:`LOOKUP_CHUNK` (an incremental build looks up every input)."""
        return list(self._lookup(items))

    def _lookup(self, items: Sequence[tuple[bytes, Source]]) -> list[StoredVerdict | None]:
        found: list[StoredVerdict | None] = []
        for start in range(0, len(items), LOOKUP_CHUNK):
            chunk = items[start : start + LOOKUP_CHUNK]
            keys = [self._key_of(sha256) for sha256, _ in chunk]
            marks = ",".join("?" * len(keys))
            rows = dict(
                self.db.execute(
                    f"SELECT key, CAST(value AS BLOB) FROM verdicts WHERE key IN ({marks})", keys
                )
            )
            for key, (_, source) in zip(keys, chunk, strict=True):
                value = rows.get(key)
                verdict = _stored(unsealed(value), source) if value is not None else None
                if verdict is None:
                    if value is not None:  # damaged: drop it, it will be recomputed
                        self.db.execute("DELETE FROM verdicts WHERE key = ?", (key,))
                    self.misses += 1
                else:
                    self.hits += 1
                found.append(verdict)
        return found

    def put(self, items: Iterable[tuple[bytes, Verdict]]) -> None:
        """Remember the verdicts computed on these documents' bytes (each as its columns
        and :func:`verdict_body`: nothing of where it was read)."""
        rows = [(self._key(raw), sealed(_entry(v))) for raw, v in items]
        self.db.executemany("INSERT OR REPLACE INTO verdicts (key, value) VALUES (?, ?)", rows)

    def commit(self) -> None:
        self.db.commit()


def _entry(verdict: Verdict) -> bytes:
    """A cache entry: the store's columns as a JSON list, a newline, then
    :func:`verdict_body` (JSON, so on one line): a hit parses the short list, not the body."""
    columns = json.dumps(list(verdict_columns(verdict)), ensure_ascii=False)
    return f"{columns}\n{verdict_body(verdict)}".encode()


def _stored(data: bytes | None, source: Source) -> StoredVerdict | None:
    """The verdict an entry (:func:`_entry`) holds, if it has that shape."""
    if data is None:
        return None
    try:
        head, _, tail = data.partition(b"\n")
        columns, body = json.loads(head), tail.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(columns, list) or len(columns) != 11 or columns[0] not in (0, 1):
        return None
    if not body.startswith('{"kind": ') or not body.endswith("}") or "\n" in body:
        return None
    texts, version = columns[1:10], columns[10]
    if not all(t is None or isinstance(t, str) for t in texts):
        return None
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        return None
    return StoredVerdict(source, (columns[0], *texts, version), body)


__all__ = ["VerdictCache", "context_digest"]
