"""The mirror's files against its log, in both directions (checks ``logged`` and
``published``, and the cross-record ``conflict`` rule of ``records``).

Once every entry and every per-record file is in the store, each rule is one query:

``logged`` (every published file is in the log with its exact bytes)
    - *unlogged*: a record document, bundle or state the log holds no entry of (an extra
      record slipped into the mirror);
    - *changed*: a file whose bytes are in no entry of its record and kind;
    - *stale*: a bundle or state published with the bytes of an older entry (the log's
      latest entry of a file is the one a site publishes: docs/log.md section 7);
    - an entry naming another canonical SHA-256 than the file's verified record;
    - one record document logged with two contents (a build never logs a changed one);
    - a JSON file where the site keeps its records that is no record's path.
``published`` (every logged file is published with the logged bytes)
    - *missing*: the latest entry of a file names a file the mirror does not serve;
    - a record the resolve index names that has no record document nor bundle.
``records``
    - one arXiv id and version published under two Pith Numbers (the merge stage's
      conflict rule, across the whole mirror).

Every message names the file (its URL or path) or the Pith Number.
"""

from __future__ import annotations

from collections.abc import Callable

from pithgen import layout
from pithgen.audit.findings import Findings
from pithgen.audit.source import AuditSource
from pithgen.audit.store import AuditStore
from pithgen.checks import shown
from pithgen.pull.paths import UnsafePath

#: Where the site publishes each logged kind of file.
LOGGED_PATHS: dict[str, Callable[[str], str]] = {
    "record": layout.record_json,
    "bundle": layout.bundle,
    "state": layout.state,
}


def compare(source: AuditSource, store: AuditStore, findings: Findings) -> None:
    """Every rule of the module docstring, each failure reported to ``findings``."""
    for path, kind, pith in store.unlogged():
        named = pith or f"this {kind}"
        findings.fail(
            "logged",
            source.url(path),
            f"unlogged: {named} is published, but the log holds no {kind} entry of it",
        )
    for path, kind, pith, index, logged_sha, file_sha, older in store.not_latest():
        if older is not None:
            findings.fail(
                "logged",
                source.url(path),
                f"stale: its bytes are those of entry {older}, but the latest entry of the "
                f"{kind} of {pith} is entry {index} (SHA-256 {logged_sha})",
            )
        else:
            findings.fail(
                "logged",
                source.url(path),
                f"changed: its bytes (SHA-256 {file_sha}) are in no log entry; the log holds "
                f"the {kind} of {pith} as entry {index} (SHA-256 {logged_sha})",
            )
    for path, index, logged, found in store.wrong_canonical():
        findings.fail(
            "logged",
            source.url(path),
            f"entry {index} names the canonical SHA-256 {logged}, the file's canonical record "
            f"hashes to {found}",
        )
    for pith, indexes in store.altered_records():
        findings.fail(
            "logged",
            pith,
            f"the log holds different record documents of one record (entries {indexes}): a "
            "logged record document was altered",
        )
    for suffix, kind, pith, index in store.missing():
        findings.fail(
            "published",
            source.url(LOGGED_PATHS[kind](suffix)),
            f"missing: the log holds the {kind} of {pith} (entry {index}), the mirror does "
            "not publish it",
        )


def compare_index(
    source: AuditSource, store: AuditStore, findings: Findings, log_read: bool
) -> None:
    """Records the resolve index names and the mirror does not publish (those the log
    holds are reported by :func:`compare` when the whole log could be read)."""
    for (suffix,) in store.indexed_unpublished(unlogged_only=log_read):
        findings.fail(
            "published",
            source.url(layout.record_json(suffix)),
            f"the resolve index names the record {suffix}, the mirror publishes neither its "
            "record document nor its bundle",
        )


def report_conflicts(store: AuditStore, findings: Findings) -> None:
    for arxiv_id, version, piths in store.conflicts():
        findings.fail(
            "records",
            f"arXiv {arxiv_id}v{version}",
            f"conflict: one version of a paper published under several Pith Numbers: {piths}",
        )


def report_stray(source: AuditSource, path: str, findings: Findings) -> None:
    """A JSON file where the site keeps its records, under no record's name."""
    try:
        where = source.url(path)
    except UnsafePath:  # a name no URL of the site can have: shown as it is
        where = shown(path)
    findings.fail(
        "logged",
        where,
        "a JSON file where the site keeps its records, under no record's name: not a file "
        "the site layout has, and in no log entry",
    )


__all__ = ["LOGGED_PATHS", "compare", "compare_index", "report_conflicts", "report_stray"]
