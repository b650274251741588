"""Where an audit reads a mirror: a site folder, or an http(s) base URL.

Both are read through ``pithgen pull``'s clients (:func:`pithgen.pull.source.open_client`):
over HTTP its bounded client (a deadline per request, a size limit, retries with backoff,
redirects only on the mirror's own origin), from a folder its folder client (regular files
only, no symlink out of the folder, the same size limit). A file the mirror does not have
is ``None`` (HTTP 404); a request that fails otherwise is a
:class:`~pithgen.pull.http.FetchError` (exit 2: the audit could not read the mirror, which
says nothing about the mirror). The log's files are read with
:func:`pithgen.mirrorlog.remote.client_fetch`, as a build reads a published log.

A folder can be listed, so an audit of a folder also finds per-record files that nothing
names (an extra record no log entry and no index mentions); over HTTP the records to look
at are the ones the log and the resolve index name.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from pithgen import layout
from pithgen.load import DEFAULT_MAX_BYTES, display_name
from pithgen.mirrorlog.remote import MAX_FILE as MAX_LOG_FILE
from pithgen.mirrorlog.remote import client_fetch
from pithgen.pull.http import NetworkOptions, Stopped
from pithgen.pull.local import FolderClient
from pithgen.pull.paths import SUFFIX_RE
from pithgen.pull.source import Client, open_client
from pithgen.tlog.tiles import Fetch

#: The largest file an audit reads: a record document (as ``load`` allows) or a log file.
MAX_FILE = max(DEFAULT_MAX_BYTES, MAX_LOG_FILE)
POLL = 0.2  # seconds between checks for Ctrl-C while waiting for a worker
JOIN = 10.0

#: The per-record files of a site, as layout patterns of one ``{suffix}``.
PER_RECORD = (
    layout.RECORD_JSON,
    layout.RECORD_PROOF,
    layout.BUNDLE,
    layout.BUNDLE_PROOF,
    layout.WELL_KNOWN_BUNDLE,
    layout.STATE,
)
_FOLDERS = tuple(sorted({p.split("{suffix}")[0] for p in PER_RECORD}))

K = TypeVar("K")
_Outcome = list[bytes | None] | Exception | None


class AuditSource:
    """A mirror to audit, read file by file (see the module docstring)."""

    def __init__(self, client: Client, stop: threading.Event) -> None:
        self.client = client
        self.stop = stop
        self.folder = client.real if isinstance(client, FolderClient) else None

    @classmethod
    def open(cls, spec: str, options: NetworkOptions, stop: threading.Event) -> AuditSource:
        """The mirror at ``spec``: an http(s) URL, a ``file://`` URL or a folder (a folder
        that does not exist is a :class:`~pithgen.errors.InputPathError`)."""
        return cls(open_client(spec, options, stop), stop)

    @property
    def root(self) -> str:
        return self.client.root

    def url(self, relpath: str) -> str:
        return self.client.url(relpath)

    def get(self, relpath: str) -> bytes | None:
        """The bytes of one file of the mirror, ``None`` when it has none."""
        response = self.client.get(relpath)
        return None if response.status == 404 else response.body

    def log_fetch(self) -> Fetch:
        """The files of the mirror's log (paths relative to its ``log/`` folder)."""
        return client_fetch(self.client, layout.log_file(""))

    def close(self) -> None:
        """Close this thread's connections (the workers close theirs)."""
        self.client.close_thread()

    # --- listing a folder --------------------------------------------------------------

    def listed(self) -> Iterator[tuple[bool, str]]:
        """For a folder, streamed: ``(True, suffix)`` for each file or folder of a record
        in the site's record folders (a suffix may come more than once), ``(False, path)``
        for a JSON file there that is no record's (site-relative). Over HTTP: nothing."""
        if self.folder is None:
            return
        for prefix in _FOLDERS:
            folder = self.folder.joinpath(*prefix.strip("/").split("/"))
            try:
                entries = os.scandir(folder)
            except (FileNotFoundError, NotADirectoryError):
                continue
            with entries:
                for entry in entries:
                    name = entry.name
                    head = name[:26]
                    if SUFFIX_RE.fullmatch(head) and (len(name) == 26 or name[26] == "."):
                        yield True, head
                    elif name.lower().endswith(".json"):
                        yield False, prefix + display_name(name)

    # --- many files at once ------------------------------------------------------------

    def fetch_many(
        self, groups: Iterable[tuple[K, Sequence[str]]], concurrency: int
    ) -> Iterator[tuple[K, list[bytes | None]]]:
        """The files of each group (``None`` for a missing one), group by group in the
        order given, fetched by ``concurrency`` worker threads a bounded window ahead (so
        memory holds a few groups whatever the size of the mirror)."""
        todo: queue.Queue[tuple[int, Sequence[str]] | None] = queue.Queue()
        done: queue.Queue[tuple[int, _Outcome]] = queue.Queue()
        workers = [
            threading.Thread(target=self._worker, args=(todo, done), daemon=True)
            for _ in range(concurrency)
        ]
        for worker in workers:
            worker.start()
        window = 4 * concurrency
        pending: dict[int, _Outcome] = {}
        keys: dict[int, K] = {}
        items = iter(groups)
        fed = delivered = 0
        exhausted = False
        try:
            while True:
                while not exhausted and fed - delivered < window:
                    item = next(items, None)
                    if item is None:
                        exhausted = True
                        break
                    keys[fed] = item[0]
                    todo.put((fed, item[1]))
                    fed += 1
                if delivered == fed:
                    return
                while delivered not in pending:
                    try:
                        number, outcome = done.get(timeout=POLL)
                    except queue.Empty:
                        continue
                    pending[number] = outcome
                outcome = pending.pop(delivered)
                if outcome is None:  # a worker was stopped: only on an interrupt
                    raise KeyboardInterrupt
                if isinstance(outcome, Exception):
                    raise outcome
                yield keys.pop(delivered), outcome
                delivered += 1
        except BaseException:
            self.stop.set()
            raise
        finally:
            for _ in workers:
                todo.put(None)
            for worker in workers:  # they close their connections as they end
                worker.join(timeout=JOIN)

    def _worker(
        self,
        todo: queue.Queue[tuple[int, Sequence[str]] | None],
        done: queue.Queue[tuple[int, _Outcome]],
    ) -> None:
        try:
            while (job := todo.get()) is not None:
                number, paths = job
                if self.stop.is_set():
                    done.put((number, None))
                    continue
                try:
                    done.put((number, [self.get(path) for path in paths]))
                except Stopped:
                    done.put((number, None))
                except Exception as exc:  # never leave the main thread waiting
                    done.put((number, exc))
        finally:
            self.client.close_thread()


__all__ = ["MAX_FILE", "PER_RECORD", "AuditSource"]
