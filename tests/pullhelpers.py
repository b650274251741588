"""Helpers for the ``pithgen pull`` tests: a real HTTP server on 127.0.0.1 whose answers a
test controls path by path, a small built site to serve, and a runner for the command.

The server serves a folder (HTTP/1.1, keep-alive, ``ETag`` and ``If-None-Match``,
optional gzip) and records every request; ``routes`` replace the answer for one path
with a function of the handler and how many times that path was asked before (hostile
answers: tampered bytes, 500s, 429s, redirects, truncated, endless or slow bodies).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from click.testing import CliRunner, Result
from conftest import SIGNED_AT, make_bundle, make_paper
from sitehelpers import fixture_key, write_test_key

from pithgen.build import build_site
from pithgen.cli import main
from pithgen.config import BuildConfig
from pithgen.mint import mint_record

Route = Callable[["Handler", int], None]


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path | None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.root = root
        self.routes: dict[str, Route] = {}
        self.gzip = False
        self.delay = 0.0
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.statuses: list[tuple[str, int]] = []
        self.inflight = 0
        self.max_inflight = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up on a hostile answer is expected: no traceback."""

    def asked(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.requests if p == path)

    def paths(self) -> list[str]:
        with self.lock:
            return [p for p, _ in self.requests]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK cost 40 ms a response
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.server
        path = urlsplit(self.path).path.lstrip("/")
        with srv.lock:
            before = sum(1 for p, _ in srv.requests if p == path)
            srv.requests.append((path, dict(self.headers)))
            srv.inflight += 1
            srv.max_inflight = max(srv.max_inflight, srv.inflight)
        try:
            if srv.delay:
                time.sleep(srv.delay)
            route = srv.routes.get(path)
            if route is not None:
                route(self, before)
            else:
                self.serve_file(path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with srv.lock:
                srv.inflight -= 1

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)
        with self.server.lock:
            self.server.statuses.append((urlsplit(self.path).path.lstrip("/"), status))

    def serve_file(self, path: str, body: bytes | None = None) -> None:
        root = self.server.root
        if body is None:
            file = root / path if root is not None else None
            if file is None or not file.is_file():
                self.send(404, b"<h1>Not found</h1>", {"Content-Type": "text/html"})
                return
            body = file.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send(304, headers={"ETag": etag})
            return
        headers = {"Content-Type": "application/json", "ETag": etag}
        if self.server.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.send(200, body, headers)


@contextmanager
def serving(root: Path | None) -> Iterator[Server]:
    server = Server(root)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- a small site


@dataclass
class SmallSite:
    """A site built from a handful of minted documents (two versions of one paper, an
    old-style id, a record with its bundle, a record known only from its bundle)."""

    root: Path
    site: Path
    key_file: Path
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> record doc
    raw: dict[str, bytes] = field(default_factory=dict)  # site path -> bytes

    def suffix(self, name: str) -> str:
        return str(self.docs[name]["pith_number"]).rsplit(":", 1)[1]

    def record_path(self, name: str) -> str:
        return f"pith/{self.suffix(name)}.json"

    def bundle_path(self, name: str) -> str:
        return f"pith/{self.suffix(name)}/bundle.json"


PAPERS = {
    "a1": {"arxiv_id": "2101.00001", "version": 1},
    "a2": {"arxiv_id": "2101.00001", "version": 2, "title": "A Test Paper, Revised"},
    "old": {
        "arxiv_id": "hep-th/9901001",
        "version": 1,
        "submitted_at": "1999-01-04T10:00:00Z",
        "primary_cat": "hep-th",
        "cross_cats": (),
        "license": "",
        "title": "Strings from an old-style archive",
    },
    "both": {"arxiv_id": "2105.00042", "version": 1, "title": "A record with a bundle"},
    "lonely": {"arxiv_id": "2106.00007", "version": 1, "title": "Known only from a bundle"},
}


def mint(name: str, **overrides: Any) -> dict[str, Any]:
    return mint_record(
        make_paper(**{**PAPERS[name], **overrides}), fixture_key(), signed_at=SIGNED_AT
    )


def build_small_site(root: Path) -> SmallSite:
    records = root / "records"
    records.mkdir(parents=True)
    small = SmallSite(root, root / "site", write_test_key(root / "test-key.json"))
    for name in PAPERS:
        doc = mint(name)
        small.docs[name] = doc
        if name != "lonely":
            text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            (records / f"{name}.json").write_text(text, encoding="utf-8")
        if name in ("both", "lonely"):
            bundle = json.dumps(make_bundle(doc), indent=1) + "\n"
            (records / f"{name}.bundle.json").write_text(bundle, encoding="utf-8")
    outcome = build_site(
        BuildConfig(
            records=records,
            out=small.site,
            base_url="https://small.example/mirror/",
            title="Small",
            trust_keys=(small.key_file,),
            jobs=1,
            use_cache=False,
        )
    )
    assert outcome.written
    return small


def pulled_files(into: Path) -> dict[str, bytes]:
    """Every file under the records folder (hidden ones too), by relative path."""
    if not into.exists():
        return {}
    return {
        p.relative_to(into).as_posix(): p.read_bytes()
        for p in sorted(into.rglob("*"))
        if p.is_file()
    }


def pull(*args: Any, key_file: Path | None = None, state: Path | None = None) -> Result:
    """``pithgen pull ARGS`` in this process, with test-sized limits (overridable by
    giving the option again: click keeps the last)."""
    command = ["pull", "-j", "1", "--timeout", "3", "--backoff", "0.01", "--retries", "2"]
    if key_file is not None:
        command += ["--trust-key", str(key_file)]
    command += ["--state", str(state)] if state is not None else ["--no-state"]
    return CliRunner().invoke(main, [*command, *(str(a) for a in args)])


def pull_json(*args: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    result = pull(*args, "--json", **kwargs)
    assert result.stdout.startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)
