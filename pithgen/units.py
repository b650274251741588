"""Units: a published document and the files it writes (its record JSON or bundle, and for
the document that owns the record's page: the page, badge, state, events, redirects and log
proofs). Every unit has a key (:func:`pithgen.cache.fingerprint.unit_key`), the digest of
everything its files depend on: equal keys, equal files. What a build does with each unit
(:class:`Units`), where units are remembered (:class:`UnitStore`), and the units of an
assembly's shards (:class:`Reuse`, :class:`CopyTask`, :func:`copy_unit`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pithgen.cache.sitestate import FileEntry
from pithgen.index import entry_bytes
from pithgen.listing import Summary
from pithgen.search import Weighted
from pithgen.shard.partition import Partition
from pithgen.write import FileSink


@dataclass(frozen=True)
class CopyTask:
    """A published document whose files a shard rendered (an assembly copies them): its
    unit, key and remembered summary, and each file as (path in the shard, site path,
    size, SHA-256), checked again as it is copied."""

    unit: str
    key: bytes
    data: bytes
    files: tuple[tuple[str, str, int, bytes], ...]


class UnitStore(Protocol):
    """Where the units and their files are remembered: the build cache's
    :class:`pithgen.cache.sitestate.SiteStore`, or a shard artifact's recorder."""

    def set_units(self, units: Iterable[tuple[str, bytes, bytes]]) -> None: ...

    def put_files(self, entries: Iterable[FileEntry]) -> None: ...

    def unit_data(self, units: Sequence[str]) -> dict[str, bytes]: ...


class Reuse(Protocol):
    """The units the shards of an assembly rendered (:mod:`pithgen.shard.reuse`)."""

    def keys(self, units: Sequence[str]) -> dict[str, bytes]:
        """The shards' key of each of ``units`` they rendered."""
        ...

    def copies(self, units: Sequence[tuple[str, bytes]]) -> Iterator[CopyTask]:
        """The copy task of each ``(unit, key)``, in order."""
        ...


@dataclass
class Units:
    """Which published documents must be rendered: in a full build all; in an incremental
    build those whose unit key differs from the last build's (:attr:`known`); in a shard
    build those of its partition (:attr:`only`); in an assembly those no shard rendered
    with the same key (the others are copied from :attr:`reuse`). Collects the units seen
    and, in an incremental build, the files written by each unit."""

    context: bytes
    known: dict[str, bytes] = field(default_factory=dict)
    store: UnitStore | None = None
    incremental: bool = False
    seen: set[str] = field(default_factory=set)
    written: dict[str, set[str]] = field(default_factory=dict)
    only: Partition | None = None
    reuse: Reuse | None = None
    #: How many units were rendered and how many copied from the shards.
    rendered: int = 0
    copied: int = 0


def copy_unit(sink: FileSink, task: CopyTask) -> tuple[Summary, Weighted] | None:
    """Put the files a shard rendered for one unit into the site (hard links where the
    file system allows: the assembly checked every file of the shards, size and SHA-256,
    before it started; each one's size is checked again once in place)."""
    for source, relpath, size, sha in task.files:
        sink.link(relpath, source, size, sha, task.unit)
    return unpack(task.data)


#: What a unit with no page of its own remembers (:func:`pack`).
NO_PAGE = b"null"


def pack(item: tuple[Summary, Weighted] | None) -> bytes:
    """What a unit remembers: its summary and search tokens with their field bits, as the
    index keeps them (:func:`pithgen.index.entry_bytes`; :data:`NO_PAGE`: no page of its
    own)."""
    return NO_PAGE if item is None else entry_bytes(*item)


def unpack(data: bytes) -> tuple[Summary, Weighted] | None:
    stored = json.loads(data)
    if stored is None:
        return None
    return Summary.from_list(stored[0]), {str(t): int(b) for t, b in stored[1].items()}
