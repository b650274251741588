"""The spare site: the previous site, kept beside the output so that a rebuild changes only
what changed and still swaps the new site in atomically.

A full build writes every file into a fresh staging folder. Rewriting (or even hard
linking) every file of a large site for each small change would cost as much as a full
build, so after it the next build keeps a **spare** copy beside the output
(``.NAME.pithgen-spare-…``; created once as hard links of the live site, which costs no
file content). An incremental build then:

1. writes only the files that change into a small staging folder (the **delta**) and
   proves it holds exactly what it wrote;
2. marks the spare dirty in the cache, with every path it is about to touch;
3. brings the spare up to date with the live site where it lags (the paths the previous
   build changed): each such path is hard linked from the live site, or removed;
4. moves the delta's files into the spare, replacing what was there, and removes the
   paths this build no longer publishes (and folders left empty);
5. checks every touched path (present with its size, or absent) and that the spare is
   still the folder it was, then exchanges the spare and the live site in one atomic
   ``renameat2(RENAME_EXCHANGE)``: the old site becomes the spare, lagging by exactly
   this build's changes.

Files are never modified in place (a file that changes is a new file renamed over the old
name), so the live site never sees a change through a link it shares with the spare.
A build killed at any step leaves the live site exactly as it was; the cache says the
spare is dirty, and the next build re-synchronises the paths it recorded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from pithgen.errors import OutputError

_TEMP = ".pithgen-incoming"


def _parent(root: Path, relpath: str) -> Path:
    folder = (root / relpath).parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _remove(root: Path, relpath: str) -> None:
    """Remove a file and then the folders it leaves empty (up to ``root``)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(root / relpath)
    folder = (root / relpath).parent
    while folder != root:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _link_or_copy(source: Path, dest: Path, temp: Path) -> None:
    """``dest`` becomes ``source``'s content (a hard link where the file system allows,
    else a copy), replacing whatever ``dest`` was, atomically for readers of ``dest``;
    ``temp`` is a free name outside the site on the same file system."""
    with contextlib.suppress(OSError):
        if os.path.samefile(source, dest):  # already the same file (a rename would be a
            return  # no-op and leave the temporary name behind)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)
    try:
        os.link(source, temp)
    except OSError:
        shutil.copyfile(source, temp)
    os.replace(temp, dest)


def sync(live: Path, spare: Path, paths: Iterable[str], work: Path) -> None:
    """Make each of ``paths`` in the spare what it is in the live site (``work``: a folder
    beside them for temporary names, so that nothing temporary is ever inside a site)."""
    temp = work / _TEMP
    for relpath in paths:
        source = live / relpath
        if source.is_file() and not source.is_symlink():
            _link_or_copy(source, _parent(spare, relpath) / source.name, temp)
        else:
            _remove(spare, relpath)


def apply(delta: Path, spare: Path, written: Iterable[str], removed: Iterable[str]) -> None:
    """Move the ``written`` files from ``delta`` into the spare and remove ``removed``."""
    for relpath in written:
        os.replace(delta / relpath, _parent(spare, relpath) / Path(relpath).name)
    for relpath in removed:
        _remove(spare, relpath)


def prove(spare: Path, present: Iterable[tuple[str, int]], absent: Iterable[str]) -> None:
    """Every touched path is as intended: present with its size, or absent."""
    for relpath, size in present:
        try:
            info = os.stat(spare / relpath, follow_symlinks=False)
        except OSError:
            info = None
        if info is None or info.st_size != size:
            raise OutputError(
                f"refusing to publish: {relpath} in the spare site {spare} is not what this "
                "build wrote (removed or changed by another program?); the existing site "
                "was left as it was",
            )
    for relpath in absent:
        if os.path.lexists(spare / relpath):
            raise OutputError(
                f"refusing to publish: {relpath} should have been removed from the spare site "
                f"{spare}; the existing site was left as it was",
            )


def clone(live: Path, spare: Path) -> None:
    """A new spare: the live site's folders, and its files as hard links (copies where the
    file system cannot link). Walked with directory entries and string paths: at 100,000
    records a site has about 900,000 files and 500,000 folders, and the system calls are
    most of the cost."""
    spare.mkdir(mode=0o755)
    stack = [(str(live), str(spare))]
    while stack:
        source_dir, target_dir = stack.pop()
        with os.scandir(source_dir) as entries:
            for entry in entries:
                target = os.path.join(target_dir, entry.name)
                if entry.is_dir(follow_symlinks=False):
                    os.mkdir(target)
                    stack.append((entry.path, target))
                    continue
                try:
                    os.link(entry.path, target)
                except OSError:
                    shutil.copyfile(entry.path, target)
