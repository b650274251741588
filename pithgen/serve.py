"""``pithgen serve``: build, serve the site on a local HTTP server, rebuild on changes.

The server is the standard library's threading HTTP server bound to loopback by default.
It serves whatever folder is at the output path *now*, so an atomic rebuild (swap of the
folder) is picked up by the next request. Missing paths get the site's ``404.html`` with
status 404, as GitHub Pages does. With watching on, changes to the records, templates,
trusted keys or configuration trigger a rebuild (debounced); a rebuild that fails leaves
the last good site in place and says why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from pithgen.config import BuildConfig

DEBOUNCE_SECONDS = 0.3


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Serves the site folder; unknown paths get the site's 404 page."""

    site_root: Path

    def __init__(self, *args: Any, site_root: Path, **kwargs: Any) -> None:
        self.site_root = site_root
        super().__init__(*args, directory=str(site_root), **kwargs)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site_root / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            body = page.read_bytes()
            self.send_response(HTTPStatus.NOT_FOUND, message)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_server(site_root: Path, host: str, port: int) -> ThreadingHTTPServer:
    handler = partial(SiteRequestHandler, site_root=site_root.absolute())
    return ThreadingHTTPServer((host, port), handler)


class _Rebuilder(FileSystemEventHandler):
    """Collects file events and runs one rebuild after they settle."""

    def __init__(self, rebuild: Callable[[], None], ignore: list[Path]) -> None:
        self.rebuild = rebuild
        self.ignore = [p.absolute() for p in ignore]
        self.pending = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        path = Path(str(event.src_path)).absolute()
        if any(path == p or p in path.parents for p in self.ignore):
            return
        if path.name.startswith("."):  # staging folders, editors' swap files
            return
        self.pending.set()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if self.pending.wait(0.1):
                time.sleep(DEBOUNCE_SECONDS)
                self.pending.clear()
                self.rebuild()


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
    rebuild: Callable[[], None],
    announce: Callable[[str], None],
    config_file: Path | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve ``config.out`` until interrupted (or ``stop`` is set)."""
    stop = stop or threading.Event()
    server = make_server(config.out, host, port)
    bound_host, bound_port = server.server_address[:2]
    announce(f"Serving {config.out} at http://{bound_host!s}:{bound_port}/ (Ctrl-C to stop)")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    observer = None
    try:
        if watch:
            handler = _Rebuilder(rebuild, ignore=[config.out])
            observer = Observer()
            for path in watch_paths(config, config_file):
                target = path if path.is_dir() else path.parent
                observer.schedule(handler, str(target), recursive=path.is_dir())
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
