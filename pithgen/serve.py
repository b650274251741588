"""``pithgen serve``: build, serve the site on a local HTTP server, rebuild on changes.

The server is the standard library's threading HTTP server bound to loopback by default.
It serves whatever folder is at the output path *now*, so an atomic rebuild (swap of the
folder) is picked up by the next request. Missing paths get the site's ``404.html`` with
status 404, as GitHub Pages does. With watching on, changes to the records, templates,
trusted keys or configuration trigger a rebuild (debounced); a rebuild that fails leaves
the last good site in place and says why.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from pithgen.config import BuildConfig
from pithgen.livereload import POLL_PATH, SCRIPT, SCRIPT_PATH, LiveReload, inject
from pithgen.load import is_input_name

DEBOUNCE_SECONDS = 0.3
# Events that change nothing (watchdog >= 5 reports files being opened and read).
_READ_ONLY_EVENTS = frozenset({"opened", "closed_no_write"})


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Serves the site folder; unknown paths get the site's 404 page. With a
    :class:`LiveReload`, HTML pages carry the reload script (:mod:`pithgen.livereload`)."""

    site_root: Path

    def __init__(
        self, *args: Any, site_root: Path, live: LiveReload | None = None, **kwargs: Any
    ) -> None:
        self.site_root = site_root
        self.live = live
        super().__init__(*args, directory=str(site_root), **kwargs)

    def do_GET(self) -> None:
        if self._live_request() or self._html_page():
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if self._live_request() or self._html_page():
            return
        super().do_HEAD()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _live_request(self) -> bool:
        """``/__pithgen/reload.js`` and ``/__pithgen/reload?since=N``."""
        if self.live is None:
            return False
        path, _, query = self.path.partition("?")
        if path == SCRIPT_PATH:
            self._send(HTTPStatus.OK, SCRIPT, "text/javascript; charset=utf-8")
        elif path == POLL_PATH:
            self._send(HTTPStatus.OK, self.live.answer(query), "application/json")
        else:
            return False
        return True

    def _html_page(self) -> bool:
        """An HTML page, sent with the reload script in it."""
        if self.live is None:
            return False
        local = Path(self.translate_path(self.path))
        if local.is_dir():
            if not self.path.partition("?")[0].endswith("/"):
                return False  # the standard redirect to the folder URL
            local = local / "index.html"
        if local.suffix != ".html" or not local.is_file():
            return False
        self._send(HTTPStatus.OK, inject(local.read_bytes()), "text/html; charset=utf-8")
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site_root / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            body = page.read_bytes()
            if self.live is not None:
                body = inject(body)
            self._send(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8")
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_server(
    site_root: Path, host: str, port: int, live: LiveReload | None = None
) -> ThreadingHTTPServer:
    handler = partial(SiteRequestHandler, site_root=site_root.absolute(), live=live)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True  # a page's open long poll never holds up stopping
    return server


class _Rebuilder(FileSystemEventHandler):
    """Collects file events and runs one rebuild after they settle.

    Ignored: anything inside an ignored folder (the output folder) and anything whose path
    below the watched folder it came from has a component starting with "." (the output
    folder's staging folders ``.{out}.pithgen-*`` and ``.{out}.old-*``, which a build
    creates beside the output folder and so possibly inside a watched folder; editors' swap
    files; ``.git``). A move counts if either its source or its destination counts.
    """

    def __init__(
        self,
        rebuild: Callable[[], None],
        ignore: list[Path],
        roots: list[Path] | None = None,
        records: list[Path] | None = None,
    ) -> None:
        self.rebuild = rebuild
        # In the records folders only record files (and folders) matter: a log file or an
        # editor's backup written there must not trigger builds.
        self.records = [_absolute(p) for p in records or []]
        self.ignore = [_absolute(p) for p in ignore]
        self.roots = [_absolute(p) for p in roots or []]
        self.pending = threading.Event()
        # Folders watched without recursion (they hold the output folder); a folder that
        # appears in one of them gets its own watch.
        self.flat: set[Path] = set()
        self.observer: Any = None

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
        if any(_within(path, p) for p in self.ignore):
            return False
        in_records = any(_within(path, r) for r in self.records)
        others = [r for r in self.roots if r not in self.records and _within(path, r)]
        if in_records and not others and not is_directory and not is_input_name(path.name):
            return False
        below = [root for root in self.roots if _within(path, root)]
        if below:
            root = max(below, key=lambda r: len(r.parts))  # the innermost watched folder
            parts = path.parts[len(root.parts) :]
        else:
            parts = (path.name,)
        return not any(part.startswith(".") for part in parts)

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


def _absolute(path: str | bytes | Path) -> Path:
    """``path`` made absolute and normalised ("." and ".." folded), without resolving links."""
    return Path(os.path.abspath(os.fsdecode(path)))


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


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


def watch_paths(config: BuildConfig, config_file: Path | None) -> list[Path]:
    """What a rebuild depends on: records, templates, key documents, the config file."""
    paths = [config.records]
    if config.templates is not None:
        paths.append(config.templates)
    paths.extend(config.trust_keys)
    if config_file is not None:
        paths.append(config_file)
    return [p for p in paths if p.exists()]


def serve(
    config: BuildConfig,
    *,
    host: str,
    port: int,
    watch: bool,
    rebuild: Callable[[], bool],
    announce: Callable[[str], None],
    config_file: Path | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve ``config.out`` until interrupted (or ``stop`` is set). ``rebuild`` says
    whether it wrote a new site; open pages then reload."""
    stop = stop or threading.Event()
    live = LiveReload()
    server = make_server(config.out, host, port, live)
    bound_host, bound_port = server.server_address[:2]
    announce(f"Serving {config.out} at http://{bound_host!s}:{bound_port}/ (Ctrl-C to stop)")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    observer = None
    try:
        if watch:
            watched = watch_paths(config, config_file)
            targets = [path if path.is_dir() else path.parent for path in watched]

            def rebuild_and_reload() -> None:
                if rebuild():
                    live.bump()

            handler = _Rebuilder(
                rebuild_and_reload, ignore=[config.out], roots=targets, records=[config.records]
            )
            # Renaming a freshly built folder inside a watched tree makes watchdog's inotify
            # backend re-add watches it already has, and warn about it; that is harmless.
            warnings.filterwarnings(
                "ignore", message="Callback with id", category=RuntimeWarning, module="watchdog"
            )
            observer = Observer()
            handler.observer = observer
            for path, target in zip(watched, targets, strict=True):
                if path.is_dir():
                    handler.flat.update(schedule_tree(observer, handler, target, handler.ignore))
                else:
                    observer.schedule(handler, str(target), recursive=False)
            observer.start()
            announce("Watching " + ", ".join(str(p) for p in watch_paths(config, config_file)))
            handler.run(stop)
        else:
            stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if observer is not None:
            observer.stop()
            observer.join()
        server.shutdown()
        server.server_close()
