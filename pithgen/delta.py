"""Where the site-wide outputs go: straight into the staging folder (a full build), or,
in an incremental build, only where they differ from the live site.

In an incremental build every site-wide file is still produced (the pages of listings,
shards, the report...), one at a time, and hashed; it is written into the staging folder
(the delta) only when its SHA-256 or size differs from what the cache's manifest says the
live site holds. :attr:`SiteOutput.generated` records every site-wide path produced, so
that the build can tell which files the site no longer has.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable

from pithgen.cache.sitestate import SiteStore
from pithgen.write import SiteWriter

_SPOOL = 1 << 20


class SiteOutput:
    """The site-wide files of a build (see the module docstring)."""

    def __init__(self, writer: SiteWriter, store: SiteStore | None, incremental: bool) -> None:
        self.writer = writer
        self.store = store
        self.incremental = incremental and store is not None
        self.generated: set[str] = set()

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
