"""``pithgen serve``: build, serve the site on a local HTTP server, rebuild on changes.

The server is the standard library's threading HTTP server bound to loopback by default,
opened before the first build, so that a port already in use is reported at once. It
serves the site as it will be published: at the path of the base URL when there is one
(``https://USER.github.io/REPO/`` is served at ``http://127.0.0.1:8000/REPO/``, so the
404 page's root-relative links and its hand-off to the resolver work as on GitHub
Pages), and missing paths get the site's ``404.html`` with status 404, as GitHub Pages
does. It serves whatever folder is at the output path *now*, so an atomic rebuild (swap
of the folder) is picked up by the next request.

With watching on, a change to the records, event files, templates, trusted keys or the
configuration file (:mod:`pithgen.watch`) starts a rebuild with the configuration read
afresh. A rebuild that fails (a bad ``pithgen.toml``, a template error, a record that
fails verification) leaves the last good site in place and says why, in the terminal and
in a banner on every page served (:mod:`pithgen.livereload`; the site's files are never
changed).
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pithgen.config import BuildConfig
from pithgen.errors import UsageError
from pithgen.layout import root_path
from pithgen.livereload import POLL_PATH, SCRIPT, SCRIPT_PATH, LiveReload, inject
from pithgen.watch import Watcher, WatchSet


def site_path(config: BuildConfig) -> str:
    """The URL path the site is served at: the base URL's path, or ``/``."""
    return root_path(config.base_url) if config.base_url else "/"


class ServedSite:
    """What the server serves now: the site folder and the path it is served at (both
    replaced together after a good rebuild), and the error of the last failed build
    (``None`` while the site is the newest)."""

    def __init__(self, config: BuildConfig, error: str | None = None) -> None:
        self.where = (config.out.absolute(), site_path(config))
        self.error = error

    def update(self, config: BuildConfig | None, error: str | None) -> bool:
        """After a build: the new site (``config``, when it was built or found up to
        date) or the error; whether what pages show changed."""
        before = (self.where, self.error)
        if config is not None and error is None:
            self.where = (config.out.absolute(), site_path(config))
        self.error = error
        return (self.where, self.error) != before


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Serves the site folder at its path; unknown paths get the site's 404 page. With a
    :class:`LiveReload`, HTML pages carry the reload script and, after a failed rebuild,
    the error banner (:mod:`pithgen.livereload`)."""

    def __init__(
        self, *args: Any, site: ServedSite, live: LiveReload | None = None, **kwargs: Any
    ) -> None:
        self.site = site
        self.site_root, self.prefix = site.where  # one request, one site
        self.live = live
        super().__init__(*args, directory=str(self.site_root), **kwargs)

    def do_GET(self) -> None:
        if self._live_request() or self._outside() or self._html_page():
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if self._live_request() or self._outside() or self._html_page():
            return
        super().do_HEAD()

    def translate_path(self, path: str) -> str:
        """A URL path below the site's path, as a file of the site folder."""
        if self.prefix != "/" and path.startswith(self.prefix):
            path = "/" + path[len(self.prefix) :]
        return super().translate_path(path)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

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

    def _outside(self) -> bool:
        """A path outside the site's path: ``/`` and the path without its last slash
        are sent to the site; anything else is not found."""
        path = self.path.partition("?")[0].partition("#")[0]
        if path.startswith(self.prefix):
            return False
        if path in ("/", self.prefix[:-1]):
            self._redirect(self.prefix)
        else:
            self.send_error(HTTPStatus.NOT_FOUND)
        return True

    def _page(self, body: bytes) -> bytes:
        return body if self.live is None else inject(body, self.site.error)

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
        self._send(HTTPStatus.OK, self._page(local.read_bytes()), "text/html; charset=utf-8")
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site_root / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            body = self._page(page.read_bytes())
            self._send(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8")
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_server(
    site: ServedSite, host: str, port: int, live: LiveReload | None = None
) -> ThreadingHTTPServer:
    """The server, listening (a port in use is a :class:`UsageError` saying so)."""
    handler = partial(SiteRequestHandler, site=site, live=live)
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} on {host} is already in use (another pithgen serve?): pass "
                "another --port, or --port 0 for a free one"
            ) from None
        raise UsageError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    server.daemon_threads = True  # a page's open long poll never holds up stopping
    return server


def url_of(server: ThreadingHTTPServer, site: ServedSite) -> str:
    host, port = server.server_address[:2]
    shown = f"[{host!s}]" if ":" in str(host) else str(host)
    return f"http://{shown}:{port}{site.where[1]}"


@dataclass(frozen=True)
class Rebuilt:
    """What a build did: whether it wrote a new site, the configuration it was made with
    (``None`` when the configuration could not be read), and why it failed (``None``: the
    site is this configuration's, written or up to date)."""

    written: bool
    config: BuildConfig | None
    error: str | None = None


def serve(
    server: ThreadingHTTPServer,
    site: ServedSite,
    live: LiveReload | None,
    config: BuildConfig,
    *,
    watch: bool,
    rebuild: Callable[[], Rebuilt],
    announce: Callable[[str], None],
    config_file: Path,
    stop: threading.Event | None = None,
) -> None:
    """Serve until interrupted (or ``stop`` is set), rebuilding on changes. ``rebuild``
    reads the configuration afresh and builds; open pages reload when it wrote a new site
    or what they show changed (an error, or its end)."""
    stop = stop or threading.Event()
    address = url_of(server, site)
    announce(f"Serving {site.where[0]} at {address} (Ctrl-C to stop)")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    watcher = None
    try:
        if watch:

            def rebuild_and_reload() -> None:
                nonlocal address
                done = rebuild()
                changed = site.update(done.config, done.error)
                if live is not None and (done.written or changed):
                    live.bump()
                if url_of(server, site) != address:
                    address = url_of(server, site)
                    announce(f"Serving {site.where[0]} at {address}")
                if done.config is not None and watcher is not None:
                    what = WatchSet.of(done.config, config_file)
                    if watcher.watch(what):
                        announce("Watching " + what.shown())

            watcher = Watcher(rebuild_and_reload)
            what = WatchSet.of(config, config_file)
            watcher.watch(what)
            announce("Watching " + what.shown())
            watcher.run(stop)
        else:
            stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if watcher is not None:
            watcher.close()
        server.shutdown()
        server.server_close()
