"""Stage 6, write: the only stage that touches the output directory.

Files go into a staging folder beside the target; :meth:`SiteWriter.commit` swaps it into
place (in one atomic exchange where the system has one, else two renames), then removes
the old site, so an interrupted or failed build never leaves a half-written site and a
refused build leaves the old one exactly as it was.
Every path is checked: relative, no ``..``, no empty or hidden components except the few
the site layout needs (``.well-known``, ``.nojekyll``).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from pithgen import layout
from pithgen.errors import OutputError, UsageError

_SEGMENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_ALLOWED_DOT = {".well-known", ".nojekyll"}
DIR_CACHE = 4096


def safe_relpath(relpath: str) -> str:
    """Validate a site-relative path built from record data; raise OutputError if unsafe."""
    parts = relpath.split("/")
    for part in parts:
        if part in _ALLOWED_DOT:
            continue
        if not _SEGMENT_RE.fullmatch(part) or part in (".", "..") or ".." in part:
            raise OutputError(f"refusing unsafe output path {relpath!r} (segment {part!r})")
    return relpath


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``), so a reader
    always finds either the old site or the new one, never nothing. False when the
    system cannot (then the caller falls back to two renames)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def _lock_beside(target: Path) -> IO[bytes]:
    """Hold ``.{name}.pithgen.lock`` beside the output folder for the whole build, so two
    builds never write the same site at once (the second one is refused)."""
    path = _lock_path(target)
    lock = open(path, "ab")  # noqa: SIM115 - held until the build ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # The file is removed when a build ends: holding a lock on a removed file is
        # holding nothing, so the path must still name the file that is locked.
        if os.fstat(lock.fileno()).st_ino != os.stat(path).st_ino:
            raise OSError("lock file replaced")
    except OSError:
        lock.close()
        raise OutputError(
            "another pithgen build is writing this site right now; try again when it is done",
            where=str(target),
        ) from None
    return lock


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.pithgen.lock"


def _remove_stale(target: Path) -> None:
    """Staging and old folders left beside the output by a build that was killed (only
    ever removed while holding the lock, so never another build's)."""
    for prefix in (f".{target.name}.pithgen-", f".{target.name}.old-"):
        for leftover in target.parent.glob(prefix + "*"):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)


class SiteWriter:
    """Writes a site into a staging folder next to ``target`` and swaps it in atomically."""

    def __init__(self, target: Path) -> None:
        self.target = target.absolute()
        parent = self.target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._lock = _lock_beside(self.target)
            _remove_stale(self.target)
            self.staging = Path(
                tempfile.mkdtemp(prefix=f".{self.target.name}.pithgen-", dir=parent)
            )
        except OSError as exc:
            raise OutputError(f"cannot create a staging folder: {exc}", where=str(parent)) from None
        self._scratch: Path | None = None
        # Folders known to exist: bounded, so memory does not grow with the site.
        self._dirs: OrderedDict[str, None] = OrderedDict()
        self.files = 0
        self.bytes = 0

    @property
    def scratch(self) -> Path:
        """A work folder beside the output (for the stages' temporary stores), removed with
        the staging folder, and by the next build if this one is killed."""
        if self._scratch is None:
            self._scratch = Path(
                tempfile.mkdtemp(
                    prefix=f".{self.target.name}.pithgen-work-", dir=self.target.parent
                )
            )
        return self._scratch

    def write(self, relpath: str, data: bytes) -> None:
        self.write_chunks(relpath, (data,))

    def write_chunks(self, relpath: str, chunks: Iterable[bytes]) -> None:
        """Write one file from a stream of byte chunks (never all in memory at once)."""
        safe_relpath(relpath)
        folder, _, _ = relpath.rpartition("/")
        if folder and folder not in self._dirs:
            (self.staging / folder).mkdir(parents=True, exist_ok=True)
            self._dirs[folder] = None
            if len(self._dirs) > DIR_CACHE:
                self._dirs.popitem(last=False)
        path = self.staging / relpath
        try:
            fh = open(path, "xb")  # noqa: SIM115 - 'x': two outputs must never share a path
        except FileExistsError:
            raise OutputError(f"two outputs claim the same path {relpath!r}") from None
        with fh:
            for chunk in chunks:
                fh.write(chunk)
                self.bytes += len(chunk)
        self.files += 1

    def write_text(self, relpath: str, text: str) -> None:
        self.write(relpath, text.encode("utf-8"))

    def commit(self) -> None:
        """Swap the staged site into place."""
        os.chmod(self.staging, 0o755)
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
            old = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.old-", dir=self.target.parent))
            old.rmdir()
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
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        if not self._lock.closed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(_lock_path(self.target))
            self._lock.close()  # closing the file drops the lock


def check_output_folder(out: Path, records: Path, cwd: Path | None = None) -> None:
    """Refuse an output folder whose replacement would destroy something: the records,
    a folder holding them, the working folder, or a folder that is not a pithgen site."""
    target = out.resolve()
    protected = [("the records folder", records.resolve())]
    if cwd is not None:
        protected.append(("the working folder", cwd.resolve()))
    for name, path in protected:
        if target == path or target in path.parents:
            raise UsageError(
                f"refusing to build into {out}: replacing it would delete {name} ({path})",
                where=str(out),
            )
    if target.is_dir() and any(target.iterdir()) and not is_pithgen_site(target):
        raise UsageError(
            f"refusing to replace a folder that is not a pithgen site (no {layout.MANIFEST} "
            "written by pithgen); choose an empty or new output folder",
            where=str(out),
        )


def is_pithgen_site(folder: Path) -> bool:
    """Whether ``folder`` holds a site pithgen wrote (its manifest names pithgen)."""
    try:
        manifest = json.loads((folder / layout.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("generator") == "pithgen"
