"""The folders and the lock a build keeps beside its output folder.

Beside the output ``NAME`` a build holds ``.NAME.pithgen.lock`` (so two builds of one
output never run at once) and writes into folders named
``.NAME.pithgen-{kind}-{16 hex digits}``, ``kind`` being ``stage`` (the new site),
``work`` (the stages' temporary stores) or ``old`` (the old site, during a swap without
an atomic exchange). A killed build leaves them; the next build of the same output
removes them, finding them by an exact match of the whole name (:func:`leftover_re`),
never by a prefix: ``.site.pithgen-*`` would also match the staging folder of a build of
``site.pithgen-x`` running beside it. A name parses one way only (no kind is the end of
another, the token has a fixed length), so the folders of two outputs never match each
other's pattern, whatever their names.

:func:`exchange` swaps two folders beside each other in one atomic step (the staging
folder or the spare, and the live site).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import IO

from pithgen.errors import OutputError


def lock_beside(target: Path) -> IO[bytes]:
    """Hold ``.{name}.pithgen.lock`` beside the output folder for the whole build, so two
    builds never write the same site at once (the second one is refused)."""
    path = lock_path(target)
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


def identity(folder: Path) -> tuple[int, int]:
    """Which folder a path names now (device and inode), to notice a replaced one."""
    info = os.stat(folder, follow_symlinks=False)
    return info.st_dev, info.st_ino


def lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.pithgen.lock"


KINDS = ("stage", "work", "old")  # no kind is the end of another: names parse one way
_TOKEN_BYTES = 8  # 16 lowercase hex digits


def beside_name(target_name: str, kind: str, token: str) -> str:
    """The name of a ``kind`` folder of the output ``target_name``, beside it."""
    return f".{target_name}.pithgen-{kind}-{token}"


def leftover_re(target_name: str) -> re.Pattern[str]:
    """Exactly the names of ``target_name``'s staging, work and old folders, and those of
    pithgen before these names (``.{name}.pithgen-``, ``.{name}.pithgen-work-`` or
    ``.{name}.old-`` and 8 characters of :mod:`tempfile`): in each form the end of the
    name fixes the output name, so another output's folders never match."""
    name = re.escape(target_name)
    kinds = "|".join(KINDS)
    return re.compile(
        rf"\.{name}\.pithgen-(?:{kinds})-[0-9a-f]{{{2 * _TOKEN_BYTES}}}"
        rf"|\.{name}\.(?:pithgen-|pithgen-work-|old-)[a-z0-9_]{{8}}"
    )


def new_beside(target: Path, kind: str, *, create: bool) -> Path:
    """A new, unused ``kind`` folder name beside ``target`` (created, mode 0700, if
    ``create``)."""
    for _ in range(100):
        path = target.parent / beside_name(target.name, kind, secrets.token_hex(_TOKEN_BYTES))
        if not create:
            if not os.path.lexists(path):
                return path
            continue
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free {kind} folder name beside {target}")


SPARE = "spare"  # the previous site (pithgen.spare): kept, never a leftover


def spares_of(target: Path) -> list[Path]:
    """The spare folders beside ``target`` (``.NAME.pithgen-spare-{16 hex}``), found by an
    exact match of the name."""
    pattern = re.compile(
        rf"\.{re.escape(target.name)}\.pithgen-{SPARE}-[0-9a-f]{{{2 * _TOKEN_BYTES}}}"
    )
    try:
        with os.scandir(target.parent) as entries:
            return sorted(
                Path(e.path)
                for e in entries
                if pattern.fullmatch(e.name) and e.is_dir(follow_symlinks=False)
            )
    except OSError:
        return []


def remove_stale(target: Path) -> None:
    """Staging, work and old folders left beside the output by a build that was killed
    (only ever removed while holding the lock, so never another build's of this output;
    and only names that parse as this output's, so never another output's)."""
    pattern = leftover_re(target.name)
    with os.scandir(target.parent) as entries:
        stale = [
            Path(e.path)
            for e in entries
            if pattern.fullmatch(e.name) and e.is_dir(follow_symlinks=False)
        ]
    for leftover in stale:
        shutil.rmtree(leftover, ignore_errors=True)


__all__ = [
    "KINDS",
    "beside_name",
    "identity",
    "leftover_re",
    "lock_beside",
    "lock_path",
    "new_beside",
    "remove_stale",
    "spares_of",
]


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
