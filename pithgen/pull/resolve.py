"""Reading a pithgen site's resolve index (what ``resolve.html`` reads), as pull's way
from a short Pith Number or an arXiv id to the suffixes to fetch, and as the list of
everything a site publishes (``--all``).

The format is :meth:`pithgen.index.SiteIndex.resolve_files`: ``resolve/meta.json``
(``version`` 1, ``pith_prefix_len``, ``id_shards``), shards by suffix prefix
(``resolve/p/{prefix}.json``: ``[[suffix, pith_number, title], ...]``) and by arXiv id
hash (``resolve/a/{shard}.json``: ``{arxiv_id: [[version, suffix, pith_number, title],
...]}``). Everything read is untrusted: a row that does not have that shape, or whose
suffix, Pith Number or arXiv id breaks its grammar, is skipped (and counted in
:attr:`ResolveIndex.skipped`). What the index says is only a **hint**: the record fetched
for it must itself be what was asked for (:mod:`pithgen.pull.admit`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pithgen import layout
from pithgen.canonical import PITH_NUMBER_RE
from pithgen.errors import PithgenError
from pithgen.identifiers import is_arxiv_id
from pithgen.pull.paths import SUFFIX_RE
from pithgen.pull.source import Client
from pithgen.strictjson import JSONDefect, parse_document
from pithgen.tokens import shard_of

MAX_SHARDS = 65536


class ResolveIndexError(PithgenError):
    """A resolve index file that cannot be read as one."""


@dataclass(frozen=True)
class Hit:
    """One published record the index names."""

    suffix: str
    pith_number: str
    arxiv_id: str | None = None
    version: int | None = None


def parse_json_value(raw: bytes, where: str) -> Any:
    """Any JSON value, as strictly as a record is parsed (UTF-8, no duplicate keys...)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ResolveIndexError("expected UTF-8 JSON without a byte order mark", where=where)
    try:
        return parse_document(b'{"value":\n' + raw + b"\n}")["value"]
    except JSONDefect as exc:
        raise ResolveIndexError(f"expected JSON, found: {exc}", where=where) from None


def _pith_ok(suffix: object, pith: object) -> bool:
    return (
        isinstance(suffix, str)
        and bool(SUFFIX_RE.fullmatch(suffix))
        and isinstance(pith, str)
        and bool(PITH_NUMBER_RE.fullmatch(pith))
        and pith.endswith(":" + suffix)
    )


class ResolveIndex:
    """The resolve index of one source; shards are fetched once, when first needed."""

    def __init__(self, client: Client, prefix_len: int, id_shards: int) -> None:
        self.client = client
        self.prefix_len = prefix_len
        self.id_shards = id_shards
        self.skipped = 0
        self._cache: dict[str, Any] = {}

    @classmethod
    def open(cls, client: Client) -> ResolveIndex | None:
        """The source's index, or ``None`` when it has none (404)."""
        path = layout.shard_json(layout.RESOLVE_META)
        response = client.get(path)
        if response.status == 404:
            return None
        where = client.url(path)
        meta = parse_json_value(response.body, where)
        if not isinstance(meta, dict) or meta.get("version") != 1:
            raise ResolveIndexError("expected a resolve index of version 1", where=where)
        plen, shards = meta.get("pith_prefix_len"), meta.get("id_shards")
        if not isinstance(plen, int) or isinstance(plen, bool) or not 1 <= plen <= 8:
            raise ResolveIndexError("pith_prefix_len: expected an integer from 1 to 8", where=where)
        if (
            not isinstance(shards, int)
            or isinstance(shards, bool)
            or not 1 <= shards <= MAX_SHARDS
            or shards & (shards - 1)
        ):
            raise ResolveIndexError(
                f"id_shards: expected a power of two from 1 to {MAX_SHARDS}", where=where
            )
        return cls(client, plen, shards)

    def _shard(self, path: str) -> Any:
        if path not in self._cache:
            response = self.client.get(path)
            self._cache[path] = (
                None
                if response.status == 404
                else parse_json_value(response.body, self.client.url(path))
            )
        return self._cache[path]

    def by_prefix(self, prefix: str) -> list[Hit]:
        """Every record whose suffix starts with ``prefix`` (at least ``prefix_len``
        characters, uppercase base32)."""
        if len(prefix) < self.prefix_len:
            return []
        rows = self._shard(layout.shard_json(layout.resolve_pith_shard(prefix[: self.prefix_len])))
        hits = []
        for row in rows if isinstance(rows, list) else ():
            if isinstance(row, list) and len(row) >= 2 and _pith_ok(row[0], row[1]):
                if row[0].startswith(prefix):
                    hits.append(Hit(row[0], row[1]))
            else:
                self.skipped += 1
        return hits

    def _id_rows(self, table: Any, arxiv_id: str) -> Iterator[Hit]:
        rows = table.get(arxiv_id) if isinstance(table, dict) else None
        for row in rows if isinstance(rows, list) else ():
            if (
                isinstance(row, list)
                and len(row) >= 3
                and isinstance(row[0], int)
                and not isinstance(row[0], bool)
                and row[0] >= 1
                and _pith_ok(row[1], row[2])
            ):
                yield Hit(row[1], row[2], arxiv_id, row[0])
            else:
                self.skipped += 1

    def _id_shard(self, name: str) -> Any:
        return self._shard(layout.shard_json(layout.resolve_id_shard(name)))

    def by_arxiv(self, arxiv_id: str) -> list[Hit]:
        """Every version of one paper the index lists, by version."""
        table = self._id_shard(shard_of(arxiv_id, self.id_shards))
        return sorted(self._id_rows(table, arxiv_id), key=lambda h: (h.version or 0, h.suffix))

    def every(self) -> Iterator[Hit]:
        """Every record the index lists, shard by shard (``--all``)."""
        width = len(format(self.id_shards - 1, "x"))
        for n in range(self.id_shards):
            name = format(n, "x").zfill(width)
            table = self._id_shard(name)
            self._cache.clear()  # a walk keeps one shard in memory at a time
            if table is None:
                continue
            if not isinstance(table, dict):
                self.skipped += 1
                continue
            for arxiv_id in sorted(table):
                if not is_arxiv_id(arxiv_id) or shard_of(arxiv_id, self.id_shards) != name:
                    self.skipped += 1
                    continue
                yield from self._id_rows(table, arxiv_id)
