"""One audit, start to end: the steps of ``pithgen audit`` in order.

1. Open the mirror (:mod:`~pithgen.audit.source`); a folder that does not exist, a URL
   that cannot be reached or a place with neither a manifest nor a log is a usage or I/O
   error (exit 2), not a finding. (The reader's ``--log-key`` and ``--since`` were read by
   :mod:`~pithgen.audit.command` before.)
2. What to trust (:mod:`~pithgen.audit.trust`): the published record keys, the log key.
3. The log (:mod:`~pithgen.audit.logcheck`): checkpoint, entries, tiles, root; then the
   kept checkpoint (:mod:`~pithgen.audit.since`).
4. The records to look at: every suffix the log names, the resolve index names and (for
   a folder) the site's record folders hold; their files, record by record
   (:mod:`~pithgen.audit.files`).
5. The files against the log, both ways (:mod:`~pithgen.audit.compare`).

Memory stays flat: entries and file hashes go to a temporary SQLite store, file bytes
are held one record at a time (plus the few fetched ahead); the one thing that grows with
the log is its tree of leaf hashes, 64 bytes an entry, as in a build.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from pithgen import layout
from pithgen.audit.compare import compare, compare_index, report_conflicts, report_stray
from pithgen.audit.files import FileChecker, paths_of
from pithgen.audit.findings import Findings
from pithgen.audit.logcheck import LogView, check_log
from pithgen.audit.report import AuditReport
from pithgen.audit.since import Kept, check_since
from pithgen.audit.source import MAX_FILE, AuditSource
from pithgen.audit.store import AuditStore
from pithgen.audit.trust import Trust, read_trust
from pithgen.errors import UsageError
from pithgen.progress import Progress
from pithgen.pull.http import NetworkOptions
from pithgen.pull.resolve import ResolveIndex, ResolveIndexError
from pithgen.tlog.note import NoteVerifier

DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class AuditOptions:
    """What the command line asks of an audit."""

    kept: Kept | None = None
    log_key: NoteVerifier | None = None
    network: NetworkOptions = field(default_factory=lambda: NetworkOptions(max_bytes=MAX_FILE))
    concurrency: int = DEFAULT_CONCURRENCY


def audit(
    spec: str,
    options: AuditOptions = AuditOptions(),
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> AuditReport:
    """Audit the mirror at ``spec`` (a folder, a ``file://`` URL or an http(s) base URL)."""
    progress = progress or Progress()
    stop = stop or threading.Event()
    kept = options.kept
    source = AuditSource.open(spec, options.network, stop)
    try:
        if source.get(layout.MANIFEST) is None and source.get(layout.LOG_CHECKPOINT) is None:
            raise UsageError(
                f"expected a pithgen mirror ({layout.MANIFEST}, {layout.LOG_CHECKPOINT}), "
                "found neither",
                where=source.root,
            )
        findings = Findings()
        if kept is None:
            findings.not_asked("since")
        trust = read_trust(source, options.log_key, findings)
        with AuditStore() as store:
            view = check_log(source, trust, store, findings, progress)
            since = check_since(kept, view, findings) if kept is not None else None
            checker = _check_files(source, store, trust, view, findings, options, progress)
            c = checker.counts
            findings.note(
                "records",
                f"{c.records} record document(s) and {c.bundles} bundle(s) checked, "
                f"{c.states - c.not_checkable} state(s) recomputed from their events",
            )
            if view.tree is not None:
                findings.note("proofs", f"{c.proofs} proof file(s) checked")
            if c.not_checkable:
                findings.note(
                    "records",
                    f"{c.not_checkable} state(s) not recomputed: their events.json is beyond "
                    "the value limit of a document",
                )
            counts = {
                "entries": view.checkpoint.size if view.checkpoint is not None else 0,
                "records": c.records,
                "bundles": c.bundles,
                "states": c.states,
                "proofs": c.proofs,
                "states_not_checkable": c.not_checkable,
                "records_looked_at": store.count_candidates(),
            }
        return AuditReport(source.root, tuple(findings.ordered()), counts, _log(view, trust), since)
    finally:
        progress.close()
        source.close()


def _check_files(
    source: AuditSource,
    store: AuditStore,
    trust: Trust,
    view: LogView,
    findings: Findings,
    options: AuditOptions,
    progress: Progress,
) -> FileChecker:
    """Steps 4 and 5 of the module docstring."""
    store.add_logged_candidates()
    try:
        index = ResolveIndex.open(source.client)
        if index is not None:
            store.add_candidates((hit.suffix for hit in index.every()), indexed=True)
            if index.skipped:
                findings.fail(
                    "published",
                    source.url(layout.shard_json(layout.RESOLVE_META)),
                    f"the resolve index has {index.skipped} malformed row(s)",
                )
    except ResolveIndexError as exc:
        findings.fail("published", exc.where or source.root, f"resolve index: {exc.message}")
    store.add_candidates(_listed(source, findings))
    checker = FileChecker(source, store, trust.keys, view, findings)
    progress.phase("checking records", store.count_candidates(), "records")
    groups = ((suffix, paths_of(suffix)) for suffix in store.candidates())
    for suffix, contents in source.fetch_many(groups, options.concurrency):
        checker.check(suffix, contents)
        progress.advance()
    report_conflicts(store, findings)
    compare_index(source, store, findings, view.tree is not None)
    if view.tree is not None:
        compare(source, store, findings)
        findings.note(
            "logged",
            f"{checker.counts.records + checker.counts.bundles + checker.counts.states} "
            "published file(s) compared with the log",
        )
    return checker


def _listed(source: AuditSource, findings: Findings) -> Iterator[str]:
    """The suffixes a site folder holds files of; its stray JSON files reported."""
    for is_suffix, value in source.listed():
        if is_suffix:
            yield value
        else:
            report_stray(source, value, findings)


def _log(view: LogView, trust: Trust) -> dict[str, object] | None:
    checkpoint = view.checkpoint
    if checkpoint is None:
        return None
    return {
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root_hash": base64.b64encode(checkpoint.root_hash).decode("ascii"),
        "vkey": view.verifier.vkey if view.verifier is not None else None,
        "key_from": trust.key_from,
    }


__all__ = ["DEFAULT_CONCURRENCY", "AuditOptions", "audit"]
