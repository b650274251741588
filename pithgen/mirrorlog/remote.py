"""Reading the previous log from where it was published (``--log-from``, ``[log] from``).

A CI job builds on a fresh runner: it has no site, and the build cache may have been
evicted. Rather than starting the log again under the same origin (a fork), the build reads
the previous log from the published site's ``log/`` folder over HTTP(S), with the bounded
client of ``pithgen pull`` (timeouts, size limit, retries, redirects only on the same
origin), or from a local copy of it. A source without a checkpoint (the first deployment)
has no log; any other failure stops the build (exit 2) naming the URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from pithgen.errors import LogError
from pithgen.pull.http import HttpClient, NetworkOptions
from pithgen.pull.source import Client
from pithgen.tlog.tiles import Fetch, folder_fetch

CHECKPOINT = "checkpoint"
#: The largest log file: a full entry bundle of 256 entries of at most 64 KiB each.
MAX_FILE = 256 * (2 + 0xFFFF)


Source = tuple[str, Fetch, Callable[[], bytes | None], Callable[[], None]]


def remote_source(source: str) -> Source:
    """(where, fetch, read the checkpoint or ``None`` when there is none, close) of a log
    folder given by URL or path."""
    if source.lower().startswith(("http://", "https://")):
        return _http(source)
    folder = Path(source)
    if not folder.is_dir():
        raise LogError("expected the folder of a published log, found none", where=source)

    def checkpoint() -> bytes | None:
        path = folder / CHECKPOINT
        return path.read_bytes() if path.is_file() else None

    return str(folder), folder_fetch(folder), checkpoint, lambda: None


def client_fetch(client: Client, prefix: str = "") -> Fetch:
    """A :data:`Fetch` of the log files under ``prefix`` (``""``, or the log's folder in a
    site, ending in ``/``) read through a pull client (HTTP, or a folder with the same
    limits): a file the client does not find (HTTP 404) is missing from the log; any other
    failure is the client's :class:`~pithgen.pull.http.FetchError`."""

    def fetch(path: str) -> bytes:
        response = client.get(prefix + path)
        if response.status != 200:
            how = " (HTTP 404)" if response.url.lower().startswith("http") else ""
            raise LogError(f"missing from the published log{how}", where=response.url)
        return response.body

    return fetch


def _http(url: str) -> Source:
    root = url if url.endswith("/") else url + "/"
    client = HttpClient(root, NetworkOptions(max_bytes=MAX_FILE), threading.Event())
    fetch = client_fetch(client)

    def checkpoint() -> bytes | None:
        response = client.get(CHECKPOINT)
        return response.body if response.status == 200 else None

    return root + CHECKPOINT, fetch, checkpoint, client.close_thread
