"""Where the site-wide outputs go: straight into the staging folder (a full build), or,
in an incremental build, only where they differ from the live site.

In an incremental build every site-wide file is still produced (the pages of listings,
shards, the report...), one at a time, and hashed; it is written into the staging folder
(the delta) only when its SHA-256 or size differs from what the cache's manifest says the
live site holds. :attr:`SiteOutput.generated` records every site-wide path produced, so
that the build can tell which files the site no longer has.

Producing every site-wide file would still cost time in proportion to the archive, so
groups of them are **memoised**: a producer computes the key of a group (:meth:`key`: the
render context and everything the group's files are made from, hashed) and asks
:meth:`reused`; when the last build recorded the same key for that group's name and the
live site still holds every one of its paths, they are kept as they are (nothing is
rendered, nothing written). Otherwise the producer makes the files and records the key
(:meth:`remember`). The memos of this build (reused or new) replace the cache's when the
build is recorded, so a memo never outlives the files it describes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence

from pithgen.cache.sitestate import SiteStore
from pithgen.write import SiteWriter

_SPOOL = 1 << 20


class SiteOutput:
    """The site-wide files of a build (see the module docstring)."""

    def __init__(
        self,
        writer: SiteWriter,
        store: SiteStore | None,
        incremental: bool,
        context: bytes = b"",
    ) -> None:
        self.writer = writer
        self.store = store
        self.incremental = incremental and store is not None
        self.context = context
        self.generated: set[str] = set()
        #: This build's memos (name: key and paths), recorded with the build.
        self.memos: dict[str, tuple[bytes, tuple[str, ...]]] = {}
        self._known: dict[str, tuple[bytes, tuple[str, ...]]] | None = None

    # --- memos ------------------------------------------------------------------------

    def key(self, name: str, parts: Iterable[object]) -> bytes:
        """The key of the group ``name`` made from ``parts`` (streamed; each is hashed by
        its ``repr``, which for the strings, numbers, tuples, lists and dataclasses of
        these parts is exact and unambiguous) under this build's render context."""
        digest = hashlib.sha256(self.context)
        digest.update(name.encode("utf-8", "surrogatepass") + b"\n")
        for part in parts:
            digest.update(repr(part).encode("utf-8", "surrogatepass") + b"\n")
        return digest.digest()

    def _previous(self) -> dict[str, tuple[bytes, tuple[str, ...]]]:
        if self._known is None:
            self._known = self.store.memos() if self.incremental and self.store else {}
        return self._known

    def reused(self, name: str, key: bytes) -> bool:
        """Keep the group ``name`` as the live site has it, if it was made from ``key``
        last time and every one of its files is still in the site (see the module
        docstring); ``False``: the caller makes it and calls :meth:`remember`."""
        known = self._previous().get(name)
        if known is None or known[0] != key or self.store is None:
            return False
        if any(self.store.file(path) is None for path in known[1]):
            return False
        self.generated.update(known[1])
        self.memos[name] = known
        return True

    def carry(self, prefix: str) -> None:
        """Keep the memos of the last build whose names start with ``prefix`` (the pages
        of a group :meth:`reused` as a whole)."""
        for name, known in self._previous().items():
            if name.startswith(prefix):
                self.memos[name] = known

    def remember(self, name: str, key: bytes, paths: Sequence[str]) -> None:
        """Record that ``paths`` (written by the caller) were made from ``key``."""
        self.memos[name] = (key, tuple(paths))

    def write_group(
        self, name: str, parts: Iterable[object], files: Callable[[], Iterable[tuple[str, bytes]]]
    ) -> None:
        """The group ``name`` of files made from ``parts`` alone: kept as the live site
        has it (:meth:`reused`), or ``files()`` written and remembered."""
        key = self.key(name, parts)
        if self.reused(name, key):
            return
        paths = []
        for path, data in files():
            self.write(path, data)
            paths.append(path)
        self.remember(name, key, paths)

    def _unchanged(self, relpath: str, sha: bytes, size: int) -> bool:
        if not self.incremental or self.store is None:
            return False
        known = self.store.file(relpath)
        return known is not None and known.sha == sha and known.size == size

    def keep(self, relpath: str) -> bool:
        """In an incremental build, keep a file the live site holds and that the caller
        knows is unchanged (a full tile of a log: same path, same bytes) without producing
        it again; ``False`` when it must be written."""
        if not self.incremental or self.store is None or self.store.file(relpath) is None:
            return False
        self.generated.add(relpath)
        return True

    def write(self, relpath: str, data: bytes) -> None:
        self.generated.add(relpath)
        if not self._unchanged(relpath, hashlib.sha256(data).digest(), len(data)):
            self.writer.write(relpath, data)

    def write_chunks(self, relpath: str, chunks: Iterable[bytes]) -> None:
        """A file produced in pieces: in an incremental build it is spooled to a temporary
        file (memory stays flat) and written only if it changed."""
        self.generated.add(relpath)
        if not self.incremental:
            self.writer.write_chunks(relpath, chunks)
            return
        digest = hashlib.sha256()
        size = 0
        with tempfile.TemporaryFile(dir=self.writer.scratch) as spool:
            for chunk in chunks:
                spool.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            if self._unchanged(relpath, digest.digest(), size):
                return
            spool.seek(0, os.SEEK_SET)
            self.writer.write_chunks(relpath, iter(lambda: spool.read(_SPOOL), b""))
