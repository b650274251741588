"""The HTTP client of ``pithgen pull``: the standard library's :mod:`http.client`, with
every behaviour a mirror operator needs to run it unattended against a source that may
be slow, overloaded or hostile.

- **One deadline per request** (``timeout``, connect to last byte): a watchdog shuts the
  socket down when it passes, so a server that drips a byte a second cannot hold a
  worker for longer.
- **A size limit** (``max_bytes``, after gzip decoding, and on the bytes received): a
  ``Content-Length`` above it is refused before reading, an endless body is cut off at it.
  A body shorter than its ``Content-Length``, a broken chunked or gzip stream, is a
  truncated body (retried).
- **gzip** is asked for and decoded incrementally (a zip bomb stops at the limit); any
  other ``Content-Encoding`` is refused.
- **Retries** on 429, 5xx, timeouts, truncated bodies and connection errors, up to
  ``retries`` times, with exponential backoff and jitter; ``Retry-After`` (seconds or an
  HTTP date) is honoured by every worker, not just the one told, and a wait longer than
  ``max_wait`` ends the request instead.
- **Conditional requests**: :class:`Validators` (``ETag``, ``Last-Modified``) are sent as
  ``If-None-Match`` / ``If-Modified-Since``; a 304 comes back as such.
- **Redirects** (at most :data:`MAX_REDIRECTS`) only to the source's own origin (scheme,
  host, port) or to a host the operator allowed, never from https to http.
- Keep-alive connections, one set per worker thread.

404 and 410 are answers (``status`` 404), not errors. Every other failure is a
:class:`FetchError` naming the URL and why; an operator's Ctrl-C ends waits at once
(:class:`Stopped`).
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import random
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from pithgen import __version__
from pithgen.checks import shown
from pithgen.errors import PithgenError
from pithgen.pull.paths import check_relpath

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
DRAIN = 64 * 1024  # a 404 page longer than this closes the connection instead
USER_AGENT = f"pithgen/{__version__} (pull)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class NetworkOptions:
    timeout: float = 30.0
    max_bytes: int = 16 * 1024 * 1024
    retries: int = 4
    backoff: float = 1.0
    max_wait: float = 300.0
    allowed_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Validators:
    """What a conditional request sends back: the ``ETag`` and ``Last-Modified`` seen."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return self.etag is not None or self.last_modified is not None


@dataclass(frozen=True)
class Response:
    """A final answer: ``status`` 200 (``body``), 304 (not modified) or 404 (absent)."""

    url: str
    status: int
    body: bytes
    validators: Validators


class FetchError(PithgenError):
    """A request that failed (network, HTTP status, limits, refused redirect)."""


class Stopped(Exception):
    """The run is being stopped (Ctrl-C): no new request, no more waiting."""


class _Stale(Exception):
    """A reused keep-alive connection was closed before any answer: try a fresh one."""


#: How a kept-alive connection the server closed in the meantime fails.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class _Retry(Exception):
    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


class HttpClient:
    """GET files under one root URL (``https://host/path/``), see the module docstring."""

    def __init__(self, root: str, options: NetworkOptions, stop: threading.Event) -> None:
        self.root = root
        self.options = options
        self.stop = stop
        self._origin = _origin(root)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._not_before = 0.0
        self._random = random.Random()

    def url(self, relpath: str) -> str:
        return self.root + check_relpath(relpath)

    def get(self, relpath: str, validators: Validators | None = None) -> Response:
        url = self.url(relpath)
        attempt = 0
        while True:
            self._wait_turn()
            try:
                return self._follow(url, validators)
            except _Retry as retry:
                attempt += 1
                if attempt > self.options.retries:
                    raise FetchError(
                        f"{retry.reason} (gave up after {attempt} attempts)", where=url
                    ) from None
                if retry.after is not None:
                    if retry.after > self.options.max_wait:
                        raise FetchError(
                            f"{retry.reason}, and asks to wait {retry.after:.0f} s "
                            f"(Retry-After), longer than --max-wait {self.options.max_wait:g} s",
                            where=url,
                        ) from None
                    self._hold(retry.after)
                else:
                    delay = self.options.backoff * 2 ** (attempt - 1)
                    self._sleep(delay * self._random.uniform(0.5, 1.0))

    # --- waiting ---------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        if self.stop.wait(max(0.0, seconds)):
            raise Stopped

    def _hold(self, seconds: float) -> None:
        """No worker sends a request for ``seconds`` (the source asked: Retry-After)."""
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def _wait_turn(self) -> None:
        while True:
            if self.stop.is_set():
                raise Stopped
            with self._lock:
                remaining = self._not_before - time.monotonic()
            if remaining <= 0:
                return
            self._sleep(remaining)

    # --- one request, redirects ----------------------------------------------------------

    def _follow(self, url: str, validators: Validators | None) -> Response:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                answer = self._once(current, validators)
            except _Stale:  # a kept-alive connection the server had closed: once more
                answer = self._once(current, validators)
            if isinstance(answer, Response):
                return answer
            target = urljoin(current, answer)
            why = self._refused(target)
            if why is not None:
                raise FetchError(f"refused a redirect to {shown(target, 200)}: {why}", where=url)
            current = target
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", where=url)

    def _refused(self, target: str) -> str | None:
        """Why a redirect to ``target`` is not followed, or ``None``."""
        try:
            parts = urlsplit(target)
            origin = _origin(target)
        except ValueError as exc:
            return f"not a valid URL ({exc})"
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme!r} (only http and https)"
        if parts.username is not None or parts.password is not None:
            return "it carries credentials"
        if self._origin[0] == "https" and parts.scheme == "http":
            return "it downgrades https to http"
        if origin == self._origin:
            return None
        allowed = self.options.allowed_hosts
        if origin[1] in allowed or f"{origin[1]}:{origin[2]}" in allowed:
            return None
        return f"another host ({origin[1]}:{origin[2]}); allow it with --allow-host"

    def _connection(self, url: str) -> http.client.HTTPConnection:
        scheme, host, port = _origin(url)
        conns: dict[tuple[str, str, int], http.client.HTTPConnection]
        conns = self._local.__dict__.setdefault("conns", {})
        conn = conns.get((scheme, host, port))
        if conn is None:
            if scheme == "https":
                conn = http.client.HTTPSConnection(
                    host, port, timeout=self.options.timeout, context=ssl.create_default_context()
                )
            else:
                conn = http.client.HTTPConnection(host, port, timeout=self.options.timeout)
            conns[(scheme, host, port)] = conn
        return conn

    def _drop(self, url: str) -> None:
        conns = self._local.__dict__.get("conns", {})
        conn = conns.pop(_origin(url), None)
        if conn is not None:
            conn.close()

    def close_thread(self) -> None:
        """Close this thread's connections."""
        for conn in self._local.__dict__.pop("conns", {}).values():
            conn.close()

    def _once(self, url: str, validators: Validators | None) -> Response | str:
        """One request: a final :class:`Response`, or a redirect's ``Location``."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
        }
        if validators and validators.etag is not None:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified is not None:
            headers["If-Modified-Since"] = validators.last_modified
        conn = self._connection(url)
        reused = conn.sock is not None
        fired = threading.Event()
        answered = False

        def abort() -> None:
            fired.set()
            sock = conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        watchdog = threading.Timer(self.options.timeout, abort)
        watchdog.daemon = True
        watchdog.start()
        keep = False
        try:
            conn.request("GET", target, headers=headers)
            resp = conn.getresponse()
            answered = True
            answer, keep = self._answer(url, resp, bool(validators))
            if fired.is_set():
                raise _Retry(f"timed out after {self.options.timeout:g} s")
            return answer
        except _Retry:
            if fired.is_set():
                raise _Retry(f"timed out after {self.options.timeout:g} s") from None
            raise
        except (OSError, http.client.HTTPException) as exc:
            if fired.is_set() or isinstance(exc, TimeoutError):
                raise _Retry(f"timed out after {self.options.timeout:g} s") from None
            if reused and not answered and isinstance(exc, _STALE):
                raise _Stale from None
            if isinstance(exc, http.client.IncompleteRead):
                raise _Retry("truncated body (the connection ended inside it)") from None
            raise _Retry(f"{type(exc).__name__}: {shown(str(exc))}") from None
        except ValueError as exc:  # http.client.InvalidURL and friends
            raise FetchError(f"cannot request it: {shown(str(exc))}", where=url) from None
        finally:
            watchdog.cancel()
            if fired.is_set() or not keep:
                self._drop(url)

    def _answer(
        self, url: str, resp: http.client.HTTPResponse, conditional: bool
    ) -> tuple[Response | str, bool]:
        """What a response means, and whether its connection can be reused."""
        status = resp.status
        found = Validators(resp.getheader("ETag"), resp.getheader("Last-Modified"))
        if status == 200:
            return Response(url, 200, self._body(url, resp), found), not resp.will_close
        if status in _REDIRECTS:
            location = resp.getheader("Location")
            if not location:
                raise FetchError(f"HTTP {status} without a Location", where=url)
            return location, self._drain(resp)
        if status in (404, 410):
            return Response(url, 404, b"", found), self._drain(resp)
        if status == 304:
            if not conditional:
                raise FetchError("HTTP 304 to a request that was not conditional", where=url)
            return Response(url, 304, b"", found), self._drain(resp)
        if status == 429 or 500 <= status <= 599:
            after = retry_after(resp.getheader("Retry-After"))
            raise _Retry(f"HTTP {status} {shown(resp.reason, 60)}", after)
        raise FetchError(f"HTTP {status} {shown(resp.reason, 60)}", where=url)

    def _drain(self, resp: http.client.HTTPResponse) -> bool:
        """Read a small unwanted body so the connection can be reused."""
        data = resp.read(DRAIN + 1)
        return len(data) <= DRAIN and not resp.will_close

    def _body(self, url: str, resp: http.client.HTTPResponse) -> bytes:
        limit = self.options.max_bytes
        too_large = f"response larger than the limit of {limit} bytes (--max-size)"
        length_header = resp.getheader("Content-Length")
        expected = int(length_header) if length_header and length_header.isdigit() else None
        if expected is not None and expected > limit:
            raise FetchError(f"{too_large}: Content-Length {expected}", where=url)
        encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip"):
            raise FetchError(f"unsupported Content-Encoding {shown(encoding, 40)}", where=url)
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding != "identity" else None
        received = 0
        out = bytearray()
        while True:
            chunk = resp.read(CHUNK)
            if not chunk:
                break
            received += len(chunk)
            if received > limit:
                raise FetchError(too_large, where=url)
            if inflate is None:
                out += chunk
                continue
            try:
                out += inflate.decompress(chunk, limit + 1 - len(out))
            except zlib.error as exc:
                raise FetchError(f"broken gzip body: {exc}", where=url) from None
            if inflate.unconsumed_tail or len(out) > limit:
                raise FetchError(f"{too_large} (after gzip decoding)", where=url)
        if expected is not None and received < expected:
            raise _Retry(f"truncated body: {received} of {expected} bytes (Content-Length)")
        if inflate is not None and not inflate.eof:
            raise _Retry("truncated body: the gzip stream ends early")
        return bytes(out)
