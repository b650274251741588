"""Stage 6, write: the only stage that touches the output directory.

Files go into a staging folder beside the target; :meth:`SiteWriter.commit` swaps it into
place (in one atomic exchange where the system has one, else two renames), then removes
the old site, so an interrupted or failed build never leaves a half-written site and a
refused build leaves the old one exactly as it was.
Every path is checked: relative, no ``..``, no empty or hidden components except the few
the site layout needs (``.well-known``, ``.nojekyll``), no segment a Windows device name
or ending in ``.``, and no two paths that differ only in case (:mod:`pithgen.portable`).

The folders beside the output (staging, work, old) and its lock are
:mod:`pithgen.beside`'s: they are found again by their exact names, so a build never
takes another output's folders for its leftovers. Before the swap the staging folder
must still be the one this writer created and hold exactly what it wrote
(:mod:`pithgen.stagecheck`); otherwise the old site stays.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import stat
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pithgen import layout, stagecheck
from pithgen.beside import exchange, identity, lock_beside, lock_path, new_beside, remove_stale
from pithgen.cache.sitestate import FileEntry
from pithgen.errors import OutputError
from pithgen.portable import CaseGuard

_SEGMENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_ALLOWED_DOT = {".well-known", ".nojekyll"}
DIR_CACHE = 4096


def safe_relpath(relpath: str) -> str:
    """Validate a site-relative path built from record data; raise OutputError if unsafe
    or not portable (a segment that names a Windows device, ``nul`` or ``CON.json``, or
    ends in ``.``, which Windows drops)."""
    parts = relpath.split("/")
    for part in parts:
        if part in _ALLOWED_DOT:
            continue
        if not _SEGMENT_RE.fullmatch(part) or part in (".", "..") or ".." in part:
            raise OutputError(f"refusing unsafe output path {relpath!r} (segment {part!r})")
        if layout.reserved_name(part) or part.endswith("."):
            raise OutputError(
                f"refusing output path {relpath!r}: segment {part!r} cannot name a file on "
                "Windows (a device name such as con, nul, com1, with any extension, or a "
                "name ending in '.')"
            )
    return relpath


class FileSink:
    """Writes files into a staging folder, keeping the :class:`stagecheck.Tally` and the
    journal of what it wrote. A :class:`SiteWriter` has one; a worker process that
    writes pages has its own (:meth:`SiteWriter.sink_spec`), whose tally and counts the
    writer adds to its own (:meth:`SiteWriter.absorb`)."""

    def __init__(self, staging: Path, journal: Path, target: Path) -> None:
        self.staging = staging
        self._root = os.fspath(staging) + os.sep
        self.target = target
        self._journal_path = journal
        # Folders known to exist: bounded, so memory does not grow with the site.
        self._dirs: OrderedDict[str, None] = OrderedDict()
        self._case = CaseGuard()
        self.tally = stagecheck.Tally()
        self._journal: IO[str] | None = None
        self.files = 0
        self.bytes = 0
        self.entries: list[FileEntry] = []

    def write(self, relpath: str, data: bytes, unit: str = "") -> None:
        self.write_chunks(relpath, (data,), unit)

    def write_chunks(self, relpath: str, chunks: Iterable[bytes], unit: str = "") -> None:
        """Write one file from a stream of byte chunks (never all in memory at once).
        ``unit`` names what produced it (a published document's unit, or ``""`` for the
        site-wide files), for the build cache's manifest (:meth:`take_entries`)."""
        path = self._place(relpath)
        try:
            fh = open(path, "xb")  # noqa: SIM115 - 'x': two outputs must never share a path
        except FileExistsError:
            raise OutputError(f"two outputs claim the same path {relpath!r}") from None
        except FileNotFoundError:
            raise self._vanished(relpath) from None
        size = 0
        digest = hashlib.sha256()
        with fh:
            for chunk in chunks:
                fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        self._done(relpath, digest.digest(), size, unit)

    def _place(self, relpath: str) -> str:
        """The checked path of a new file, its folders made."""
        safe_relpath(relpath)
        self._case.check(relpath)
        folder, _, _ = relpath.rpartition("/")
        if folder and folder not in self._dirs:
            self._make_folders(folder)
        return self._root + relpath

    def _done(self, relpath: str, sha: bytes, size: int, unit: str) -> None:
        self.bytes += size
        self.files += 1
        self._record(relpath, size)
        self.entries.append(FileEntry(relpath, sha, size, unit))

    def link(self, relpath: str, source: str, size: int, sha: bytes, unit: str = "") -> None:
        """Put ``source`` (checked by the caller: ``size`` bytes, SHA-256 ``sha``) at
        ``relpath``, hard linked where the file system allows (a site's files are replaced,
        never changed in place: sharing one is safe), else copied; its size checked again."""
        path = self._place(relpath)
        try:
            os.link(source, path, follow_symlinks=False)
        except FileExistsError:
            raise OutputError(f"two outputs claim the same path {relpath!r}") from None
        except OSError:
            if not os.path.isdir(os.path.dirname(path)):
                raise self._vanished(relpath) from None
            self._copy(relpath, path, source, sha, unit)  # another file system
            return
        info = os.stat(path, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode) or info.st_size != size:
            raise OutputError(
                f"{source} changed while it was linked: expected a file of {size} bytes, "
                f"found {info.st_size}; nothing was published",
                where=relpath,
            )
        self._done(relpath, sha, size, unit)

    def _copy(self, relpath: str, path: str, source: str, sha: bytes, unit: str) -> None:
        try:
            with open(source, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise OutputError(f"cannot read {source}: {exc}", where=relpath) from None
        if hashlib.sha256(data).digest() != sha:
            raise OutputError(f"{source} changed: expected SHA-256 {sha.hex()}", where=relpath)
        with open(path, "xb") as fh:
            fh.write(data)
        self._done(relpath, sha, len(data), unit)

    def take_entries(self) -> list[FileEntry]:
        """The files written since the last call: path, SHA-256, size, unit."""
        entries, self.entries = self.entries, []
        return entries

    def _make_folders(self, folder: str) -> None:
        """Create ``folder`` and the folders above it inside the staging folder, but
        never the staging folder itself: if it is gone, the build stops. A folder that
        exists already (made by another sink) is not this sink's to record. Folders known
        to exist are remembered (a bounded number), so a folder is tried once."""
        cut = 0
        while cut >= 0:
            cut = folder.find("/", cut + 1)
            above = folder if cut < 0 else folder[:cut]
            if above in self._dirs:
                continue
            try:
                os.mkdir(self._root + above)
            except FileExistsError:
                pass
            except FileNotFoundError:
                raise self._vanished(folder) from None
            else:
                self._record(above, None)
            self._dirs[above] = None
            if len(self._dirs) > DIR_CACHE:
                self._dirs.popitem(last=False)

    def _record(self, relpath: str, size: int | None) -> None:
        self.tally.add(relpath, size)
        if self._journal is None:
            self._journal = open(  # noqa: SIM115 - closed by close()
                self._journal_path, "w", encoding="utf-8", newline="\n"
            )
        self._journal.write(stagecheck.entry_key(relpath, size) + "\n")

    def flush(self) -> None:
        if self._journal is not None:
            self._journal.flush()

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def _vanished(self, relpath: str) -> OutputError:
        return OutputError(
            f"cannot write {relpath!r}: the staging folder {self.staging} or a folder in it "
            "was removed while the site was being written (by another program?); the "
            "existing site was left as it was",
            where=str(self.target),
        )


@dataclass(frozen=True)
class SinkSpec:
    """What a worker process needs to write into a build's staging folder."""

    staging: Path
    journals: Path
    target: Path

    def open(self, name: str) -> FileSink:
        """A sink whose journal is ``written-{name}.journal`` (one name per process)."""
        return FileSink(self.staging, self.journals / f"written-{name}.journal", self.target)


class SiteWriter:
    """Writes a site into a staging folder next to ``target`` and swaps it in atomically."""

    def __init__(self, target: Path) -> None:
        self.target = target.absolute()
        parent = self.target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._lock = lock_beside(self.target)
            remove_stale(self.target)
            self.staging = new_beside(self.target, "stage", create=True)
            self._identity = identity(self.staging)
        except OSError as exc:
            raise OutputError(f"cannot create a staging folder: {exc}", where=str(parent)) from None
        self._scratch: Path | None = None
        self._sink: FileSink | None = None
        # Tallies of what worker processes wrote (added by absorb()).
        self._absorbed = stagecheck.Tally()
        self._absorbed_files = 0
        self._absorbed_bytes = 0

    @property
    def scratch(self) -> Path:
        """A work folder beside the output (for the stages' temporary stores), removed with
        the staging folder, and by the next build if this one is killed."""
        if self._scratch is None:
            self._scratch = new_beside(self.target, "work", create=True)
        return self._scratch

    def sink_spec(self) -> SinkSpec:
        """How another process (a worker) opens a sink writing into the staging folder."""
        return SinkSpec(self.staging, self.scratch, self.target)

    def absorb(self, tally: stagecheck.Tally, files: int, nbytes: int) -> None:
        """Count what a worker's sink wrote (its tally since the last report)."""
        self._absorbed.count += tally.count
        self._absorbed.digest = (self._absorbed.digest + tally.digest) % stagecheck.MODULUS
        self._absorbed_files += files
        self._absorbed_bytes += nbytes

    @property
    def sink(self) -> FileSink:
        if self._sink is None:
            self._sink = self.sink_spec().open("main")
        return self._sink

    @property
    def file_count(self) -> int:
        """Files written so far (by this writer and the sinks it absorbed)."""
        return self._absorbed_files + (self._sink.files if self._sink else 0)

    @property
    def byte_count(self) -> int:
        return self._absorbed_bytes + (self._sink.bytes if self._sink else 0)

    def _tally(self) -> stagecheck.Tally:
        mine = self._sink.tally if self._sink else stagecheck.Tally()
        return stagecheck.Tally(
            mine.count + self._absorbed.count,
            (mine.digest + self._absorbed.digest) % stagecheck.MODULUS,
        )

    def write(self, relpath: str, data: bytes, unit: str = "") -> None:
        self.sink.write(relpath, data, unit)

    def write_chunks(self, relpath: str, chunks: Iterable[bytes], unit: str = "") -> None:
        self.sink.write_chunks(relpath, chunks, unit)

    def prove_staging(self) -> None:
        """Raise :class:`OutputError` unless the staging folder is still the folder this
        writer created and holds exactly the files (paths and sizes) and folders it wrote:
        nothing missing, nothing added, nothing truncated."""
        if self._sink is not None:
            self._sink.flush()
        expected = self._tally()
        found: stagecheck.Tally | None = None
        unreadable: OSError | None = None
        try:
            if identity(self.staging) == self._identity:
                found = stagecheck.tally(stagecheck.walk(self.staging))
        except OSError as exc:
            unreadable = exc
        if found == expected:
            return
        if found is None:
            detail = (
                f"it changed while it was read: {unreadable}"
                if unreadable is not None
                else "it was removed or replaced"
            )
        else:
            missing: list[str] = []
            extra: list[str] = []
            if self._scratch is not None:
                with contextlib.suppress(OSError, sqlite3.Error):  # the counts still say it
                    missing, extra = stagecheck.differences(
                        sorted(self.scratch.glob("written-*.journal")), self.staging, self.scratch
                    )
            detail = (
                f"expected {expected.count} files and folders, found {found.count}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not written by this build: {', '.join(extra)}" if extra else "")
            )
        raise OutputError(
            f"refusing to publish: the staging folder {self.staging} does not hold what "
            f"this build wrote ({detail}); the existing site was left as it was",
            where=str(self.target),
        )

    def write_text(self, relpath: str, text: str) -> None:
        self.write(relpath, text.encode("utf-8"))

    def commit(self) -> None:
        """Prove the staging folder (:meth:`prove_staging`) and swap it into place. (What
        another program might do between the proof and the swap, a moment, is not
        covered; a build holds the lock of its output, and other outputs' builds never
        touch its folders.)"""
        try:
            self.prove_staging()
            os.chmod(self.staging, 0o755)
        except (OSError, OutputError):
            self.abort()
            raise
        old = None
        if self.target.exists() or self.target.is_symlink():
            if not self.target.is_dir() or self.target.is_symlink():
                self.abort()
                raise OutputError(
                    "expected the output path to be a folder (or absent)", where=str(self.target)
                )
            if exchange(self.staging, self.target):
                # One atomic step: the old site now sits at the staging path.
                shutil.rmtree(self.staging, ignore_errors=True)
                self._release()
                return
            old = new_beside(self.target, "old", create=False)
            os.rename(self.target, old)
        try:
            os.rename(self.staging, self.target)
        except OSError as exc:
            if old is not None:
                os.rename(old, self.target)
            self.abort()
            raise OutputError(
                f"cannot move the new site into place: {exc}", where=str(self.target)
            ) from None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        self._release()

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        if self._sink is not None:
            self._sink.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        if not self._lock.closed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_path(self.target))
            self._lock.close()  # closing the file drops the lock
