"""What ``pithgen serve`` watches, and when a change means a rebuild.

A site depends on folders (records, event files, templates: watched recursively) and on
single files (the trusted key documents and the configuration file, ``./pithgen.toml``
or ``--config``, watched even before it exists, so that creating it counts). A file is
watched through its folder, flat, and only that file's own events count there: a log
written beside ``pithgen.toml`` (``pithgen serve > serve.log``) must not start builds.
After a rebuild read a changed configuration, :meth:`Watcher.watch` watches what that
configuration names.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from pithgen.config import BuildConfig
from pithgen.load import is_input_name

DEBOUNCE_SECONDS = 0.3
# Events that change nothing (watchdog >= 5 reports files being opened and read).
_READ_ONLY_EVENTS = frozenset({"opened", "closed_no_write"})


def _absolute(path: str | bytes | Path) -> Path:
    """``path`` made absolute and normalised ("." and ".." folded), without resolving links."""
    return Path(os.path.abspath(os.fsdecode(path)))


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@dataclass(frozen=True)
class WatchSet:
    """What a build of one configuration depends on: ``folders`` (watched recursively),
    of which ``inputs`` hold records or event files (where only ``.json``/``.jsonl`` files
    count), ``files`` (exact files), and ``out``, the output folder (never watched)."""

    folders: tuple[Path, ...]
    inputs: tuple[Path, ...]
    files: tuple[Path, ...]
    out: Path

    @classmethod
    def of(cls, config: BuildConfig, config_file: Path) -> WatchSet:
        inputs = (_absolute(config.records), _absolute(config.events_dir))
        folders = inputs + ((_absolute(config.templates),) if config.templates else ())
        files = (*(_absolute(k) for k in config.trust_keys), _absolute(config_file))
        return cls(folders, inputs, files, _absolute(config.out))

    def shown(self) -> str:
        """The paths watched now, for the terminal."""
        found = [p for p in (*self.folders, *self.files) if p.exists()]
        return ", ".join(str(p) for p in dict.fromkeys(found))


class Rebuilder(FileSystemEventHandler):
    """Collects file events and runs one rebuild after they settle.

    Ignored: anything inside an ignored folder (the output folder), anything in a folder
    watched only for one of its ``files`` but that file, and anything whose path below
    the watched folder it came from has a component starting with "." (the output
    folder's staging folders ``.{out}.pithgen-*`` and ``.{out}.old-*``, which a build
    creates beside the output folder and so possibly inside a watched folder; editors'
    swap files; ``.git``). A move counts if either its source or its destination counts.
    """

    def __init__(
        self,
        rebuild: Callable[[], None],
        ignore: list[Path],
        roots: list[Path] | None = None,
        records: list[Path] | None = None,
        files: list[Path] | None = None,
    ) -> None:
        self.rebuild = rebuild
        self.pending = threading.Event()
        self.observer: Any = None
        self.update(ignore, roots or [], records or [], files or [])

    def update(
        self, ignore: list[Path], roots: list[Path], records: list[Path], files: list[Path]
    ) -> None:
        """What counts from now on."""
        # In the records folders only record files (and folders) matter: a log file or an
        # editor's backup written there must not trigger builds.
        self.records = [_absolute(p) for p in records]
        self.ignore = [_absolute(p) for p in ignore]
        self.roots = [_absolute(p) for p in roots]
        self.files = {_absolute(p) for p in files}
        # Folders watched without recursion (they hold the output folder); a folder that
        # appears in one of them gets its own watch.
        self.flat: set[Path] = set()

    def new_folder(self, folder: Path) -> None:
        if (
            self.observer is not None
            and folder.parent in self.flat
            and not folder.name.startswith(".")
            and folder.is_dir()
        ):
            self.flat.update(schedule_tree(self.observer, self, folder, self.ignore))

    def relevant(self, raw: str | bytes, is_directory: bool = False) -> bool:
        """Whether a change at ``raw`` (a path from a file event) may change the site."""
        if not raw:
            return False
        path = _absolute(raw)
        if path in self.files:
            return True
        if any(_within(path, p) for p in self.ignore):
            return False
        below = [root for root in self.roots if _within(path, root)]
        if not below:
            return False  # beside a watched file, or outside everything watched
        in_records = any(_within(path, r) for r in self.records)
        others = [r for r in below if r not in self.records]
        if in_records and not others and not is_directory and not is_input_name(path.name):
            return False
        root = max(below, key=lambda r: len(r.parts))  # the innermost watched folder
        return not any(part.startswith(".") for part in path.parts[len(root.parts) :])

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _READ_ONLY_EVENTS:  # the build itself reads the records
            return
        if event.is_directory and event.event_type in ("created", "moved"):
            self.new_folder(_absolute(getattr(event, "dest_path", "") or event.src_path))
        if event.is_directory and event.event_type == "modified":  # entries come as events
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(self.relevant(p, event.is_directory) for p in paths):
            self.pending.set()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if self.pending.wait(0.1):
                time.sleep(DEBOUNCE_SECONDS)
                self.pending.clear()
                self.rebuild()


def schedule_tree(
    observer: Any, handler: FileSystemEventHandler, folder: Path, exclude: list[Path]
) -> list[Path]:
    """Watch ``folder`` and everything below it except ``exclude`` and dot-folders.

    A folder holding no excluded folder gets one recursive watch. One that holds the
    output folder is watched flat and its other subfolders recursively, so the output
    folder, rewritten and swapped on every build, is never watched: that would flood the
    watcher, and watchdog's inotify backend crashes when a watched tree is swapped away.
    Returns the folders watched flat.
    """
    folder = _absolute(folder)
    inside = [e for e in exclude if _within(e, folder)]
    if not inside:
        observer.schedule(handler, str(folder), recursive=True)
        return []
    if folder in inside:
        return []
    observer.schedule(handler, str(folder), recursive=False)
    flat = [folder]
    for child in sorted(folder.iterdir()):
        if child.is_dir() and not child.is_symlink() and not child.name.startswith("."):
            flat.extend(schedule_tree(observer, handler, child, exclude))
    return flat


class Watcher:
    """The watchdog observer and its :class:`Rebuilder`, watching one :class:`WatchSet`
    at a time."""

    def __init__(self, rebuild: Callable[[], None]) -> None:
        # Renaming a freshly built folder inside a watched tree makes watchdog's inotify
        # backend re-add watches it already has, and warn about it; that is harmless.
        warnings.filterwarnings(
            "ignore", message="Callback with id", category=RuntimeWarning, module="watchdog"
        )
        self.handler = Rebuilder(rebuild, ignore=[])
        self.observer = Observer()
        self.handler.observer = self.observer
        self.current: WatchSet | None = None
        self.observer.start()

    def watch(self, what: WatchSet) -> bool:
        """Watch ``what`` (instead of what was watched); whether that changed anything."""
        if what == self.current:
            return False
        self.observer.unschedule_all()
        handler = self.handler
        handler.update([what.out], list(what.folders), list(what.inputs), list(what.files))
        for folder in dict.fromkeys(what.folders):
            if folder.is_dir():
                handler.flat.update(schedule_tree(self.observer, handler, folder, handler.ignore))
        for parent in dict.fromkeys(f.parent for f in what.files):
            if parent.is_dir():
                self.observer.schedule(handler, str(parent), recursive=False)
        self.current = what
        return True

    def run(self, stop: threading.Event) -> None:
        self.handler.run(stop)

    def close(self) -> None:
        self.observer.stop()
        self.observer.join()
