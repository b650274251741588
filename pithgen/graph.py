"""The stage between merge and render: the Pith Open Graph of the archive.

Every published record gets its merged state (:mod:`pithgen.events`, rules in
``docs/events.md``): the events of all its verified bundles and the event-file lines
that attach to it, each judged valid, invalid or unverifiable. This stage

1. reads the event files (``events/`` beside ``records/`` or ``[build] events``); lines
   that attach to no published record are **problems**, reported with their file and line;
2. reads again the verified bundles (only the files that hold them) for their events;
3. merges each record's events into its ``state.json`` and ``events.json`` and a small
   **view** for its page (each event with its type, state, reason, signer, and a short
   description; bounded), and records the **citation edges** of the valid citations
   (``current.citations``) whose cited record resolves to a record of this archive
   (by Pith Number; by arXiv id and version; by arXiv id alone, its latest version).

Everything is kept in a temporary SQLite store (events deduplicated by content), so
memory does not grow with the number of events; :meth:`GraphStore.cited_by` answers a
record page's "cited by" list.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pithgen.canonical import canonical_json
from pithgen.events.files import attach, bundle_events, read_event_file, route
from pithgen.events.grammar import is_pith_number
from pithgen.events.merge import EventSet, MergedState, content_digest, merge
from pithgen.identifiers import parse_arxiv
from pithgen.keys import KeyRing
from pithgen.load import InputFile, LoadOptions, event_files, parse, read_file
from pithgen.mergestore import MergeResult
from pithgen.model import RawDoc
from pithgen.tempstore import TempStore

PAGE_ITEMS = 100  # events listed on a record page (all are in events.json)
#: Events merged into one record's state, at most (by content digest, a fixed order); the
#: others are reported as problems, never dropped silently. Bounds memory per record.
MAX_EVENTS = 20_000
INVALID_LISTED = 1000  # invalid events of one record kept for the report
CITED_BY = 100  # records listed under "cited by" (all are in graph.json)
TEXT = 300  # characters of a description

_SCHEMA = """
CREATE TABLE raw (pith TEXT NOT NULL, digest TEXT NOT NULL, event TEXT NOT NULL,
                  PRIMARY KEY (pith, digest)) WITHOUT ROWID;
CREATE TABLE views (pith TEXT PRIMARY KEY, view TEXT NOT NULL, state BLOB NOT NULL,
                    events BLOB NOT NULL, digest TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE edges (citer TEXT NOT NULL, cited TEXT NOT NULL, relationship TEXT NOT NULL,
                    event_id TEXT NOT NULL);
CREATE TABLE problems (path TEXT NOT NULL, line INTEGER, message TEXT NOT NULL);
"""


class GraphStore(TempStore):
    """The merged states, page views, citation edges and event-file problems."""

    def __init__(self, directory: Path | None = None) -> None:
        super().__init__("graph", _SCHEMA, directory, shared=True)
        self.counts = {"events": 0, "valid": 0, "invalid": 0, "unverifiable": 0}
        self.equivocations = 0

    # --- reading back -------------------------------------------------------------------

    def record(self, pith: str) -> tuple[dict[str, Any], bytes, bytes, str] | None:
        """(view, state.json, events.json, digest) of a record with events, else None."""
        row = self.db.execute(
            "SELECT view, state, events, digest FROM views WHERE pith = ?", (pith,)
        ).fetchone()
        return None if row is None else (json.loads(row[0]), row[1], row[2], row[3])

    def digest(self, pith: str) -> str:
        """The digest of a record's Open Graph (what :meth:`record` returns last), ``""``
        for a record without events: read alone, nothing parsed."""
        row = self.db.execute("SELECT digest FROM views WHERE pith = ?", (pith,)).fetchone()
        return "" if row is None else str(row[0])

    def has_edges(self) -> bool:
        return self.db.execute("SELECT 1 FROM edges LIMIT 1").fetchone() is not None

    def cited_by(self, pith: str) -> tuple[list[list[str]], int]:
        """The records citing ``pith`` (citer, relationship), at most :data:`CITED_BY`,
        and how many in all."""
        rows = self.db.execute(
            "SELECT DISTINCT citer, relationship FROM edges WHERE cited = ? "
            "ORDER BY citer, relationship",
            (pith,),
        ).fetchall()
        return [[c, r] for c, r in rows[:CITED_BY]], len(rows)

    def edges(self) -> Iterator[tuple[str, str, str, str]]:
        """Every citation edge among the archive's records: (from, to, relationship, id)."""
        yield from self.db.execute(
            "SELECT DISTINCT citer, cited, relationship, event_id FROM edges "
            "ORDER BY citer, cited, relationship, event_id"
        )

    def problems(self) -> Iterator[tuple[str, int | None, str]]:
        yield from self.db.execute("SELECT path, line, message FROM problems ORDER BY rowid")

    def summary(self, limit: int = 50) -> dict[str, Any]:
        """What the verification page shows: the counts, and at most ``limit`` invalid
        events and unattached event-file lines (all are in verification.json)."""
        invalid = list(itertools.islice(self.invalid_events(), limit + 1))
        problems = list(itertools.islice(self.problems(), limit + 1))
        return {
            "counts": self.counts,
            "equivocations": self.equivocations,
            "invalid": invalid[:limit],
            "more_invalid": len(invalid) > limit,
            "unattached": [
                {"source": f"{path}:{line}" if line else path, "message": message}
                for path, line, message in problems[:limit]
            ],
            "more_unattached": len(problems) > limit,
        }

    def invalid_events(self) -> Iterator[dict[str, Any]]:
        """Every invalid event: its record, id, type and reason."""
        for pith, view in self.db.execute("SELECT pith, view FROM views ORDER BY pith"):
            for item in json.loads(view)["invalid"]:
                yield {"pith_number": pith, **item}


def build_graph(
    result: MergeResult,
    files: Sequence[InputFile],
    options: LoadOptions,
    events_folder: Path | None,
    keys: KeyRing,
    directory: Path | None = None,
) -> GraphStore:
    """The graph stage (see the module docstring)."""
    store = GraphStore(directory)
    try:
        identities = result.published_identities()
        _read_event_files(store, events_folder, identities)
        _read_bundles(store, result, files, options, identities)
        _merge_all(store, identities, keys)
        store.db.execute("CREATE INDEX edges_by_cited ON edges (cited)")
        store.db.commit()
    except BaseException:
        store.close()
        raise
    return store


def _read_event_files(
    store: GraphStore, folder: Path | None, identities: dict[str, tuple[str, int]]
) -> None:
    files = event_files(folder)
    prefix = f"{folder.name}/" if folder is not None else ""
    parsed = [read_event_file(Path(item.real), prefix + item.display) for item in files]
    routed, problems = route(parsed)
    kept, orphans = attach(routed, identities)
    problems.extend(orphans)
    for subject, lines in kept.items():
        _add_events(store, subject, (line.event for line in lines))
    store.db.executemany(
        "INSERT INTO problems (path, line, message) VALUES (?, ?, ?)",
        ((p.path, p.line, p.message) for p in problems),
    )


def _add_events(store: GraphStore, pith: str, events: Iterable[Any]) -> None:
    store.db.executemany(
        "INSERT OR IGNORE INTO raw (pith, digest, event) VALUES (?, ?, ?)",
        ((pith, content_digest(e), canonical_json(e)) for e in events),
    )


def _read_bundles(
    store: GraphStore,
    result: MergeResult,
    files: Sequence[InputFile],
    options: LoadOptions,
    identities: dict[str, tuple[str, int]],
) -> None:
    """The events of every verified bundle of a published record, under its Pith Number."""
    bundles = {i: p for i, p in result.verified_bundles().items() if p in identities}
    if not bundles:
        return
    wanted = result.paths_of(sorted(bundles))
    counts = result.document_counts()
    position = -1
    for item in files:
        if item.display not in wanted:
            position += counts.get(item.display, 0)
            continue
        for doc in read_file(item, options):
            position += 1
            pith = bundles.get(position)
            if pith is None or not isinstance(doc, RawDoc):
                continue
            loaded = parse(doc, options)
            if loaded.data is not None:
                _add_events(store, pith, bundle_events(loaded.data))


def _merge_all(store: GraphStore, identities: dict[str, tuple[str, int]], keys: KeyRing) -> None:
    latest: dict[str, tuple[int, str]] = {}
    for pith, (arxiv, version) in identities.items():
        if arxiv not in latest or version > latest[arxiv][0]:
            latest[arxiv] = (version, pith)
    by_version = {(arxiv, version): pith for pith, (arxiv, version) in identities.items()}
    pending: list[tuple[str, list[Any]]] = []
    current: tuple[str, list[Any]] | None = None
    over: dict[str, int] = {}
    for pith, event in store.db.execute("SELECT pith, event FROM raw ORDER BY pith, digest"):
        if current is None or current[0] != pith:
            if current is not None:
                pending.append(current)
            current = (pith, [])
        if len(current[1]) >= MAX_EVENTS:
            over[pith] = over.get(pith, 0) + 1
            continue
        current[1].append(json.loads(event))
        if len(pending) >= 64:
            _store_merged(store, pending, keys, latest, by_version)
            pending = []
    if current is not None:
        pending.append(current)
    _store_merged(store, pending, keys, latest, by_version)
    store.db.executemany(
        "INSERT INTO problems (path, line, message) VALUES (?, ?, ?)",
        (
            (pith, None, f"{count} more event(s) than the {MAX_EVENTS} merged into one record's "
             "state (the first by content digest); these are not in its state")
            for pith, count in sorted(over.items())
        ),
    )  # fmt: skip


def _store_merged(
    store: GraphStore,
    pending: list[tuple[str, list[Any]]],
    keys: KeyRing,
    latest: dict[str, tuple[int, str]],
    by_version: dict[tuple[str, int], str],
) -> None:
    for pith, events in pending:
        merged = merge(pith, EventSet.of(events), keys)
        view = page_view(merged)
        for item in view["items"]:  # only a valid citation links to the record it names
            if item["type"] == "citation" and item["state"] == "valid":
                item["cites_pith"] = _resolve(item.get("cites"), latest, by_version)
        state, events_json = merged.state_bytes(), merged.events_bytes()
        view_json = canonical_json(view)  # (its links depend on the archive, too)
        digest = hashlib.sha256(state + events_json + view_json.encode("utf-8")).hexdigest()
        store.db.execute(
            "INSERT INTO views (pith, view, state, events, digest) VALUES (?, ?, ?, ?, ?)",
            (pith, view_json, state, events_json, digest),
        )
        for entry in merged.current.get("citations", []):
            payload = entry.get("payload", {})
            cited = _resolve(payload.get("cites"), latest, by_version)
            if cited is not None and cited != pith:
                store.db.execute(
                    "INSERT INTO edges (citer, cited, relationship, event_id) VALUES (?, ?, ?, ?)",
                    (pith, cited, str(payload.get("relationship")), entry["event_id"]),
                )
        for item in merged.events:
            store.counts["events"] += 1
            store.counts[item.verdict.state] = store.counts.get(item.verdict.state, 0) + 1
        store.equivocations += len(merged.equivocations)


def _resolve(
    ref: Any, latest: dict[str, tuple[int, str]], by_version: dict[tuple[str, int], str]
) -> str | None:
    """The Pith Number of the archive's record a citation names, if any."""
    if not isinstance(ref, str):
        return None
    if ref.startswith("pith:"):
        return ref if any(p == ref for p in by_version.values()) else None
    parsed = parse_arxiv(ref)
    if parsed is None:
        return None
    arxiv, version = parsed
    if version is None:
        found = latest.get(arxiv)
        return found[1] if found else None
    return by_version.get((arxiv, version))


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    return text if len(text) <= TEXT else text[: TEXT - 1] + "…"


def describe(event: Any) -> dict[str, Any]:
    """What a record page shows of one event: a short description and, for a
    citation, the record it names."""
    payload = event.get("payload") if isinstance(event, dict) else None
    p = payload if isinstance(payload, dict) else {}
    kind = event.get("event_type") if isinstance(event, dict) else None
    if kind == "citation":
        relationship, cites = _text(p.get("relationship")), _text(p.get("cites"))
        return {"text": f"{relationship} {cites}", "cites": cites, "relationship": relationship}
    if kind == "author_claim":
        orcid = f" (ORCID {_text(p.get('orcid'))})" if p.get("orcid") else ""
        return {"text": f"{_text(p.get('author_name'))}{orcid}"}
    if kind == "ots_anchor":
        stamps = p.get("stamps")
        count = len(stamps) if isinstance(stamps, list) else 0
        return {"text": f"{_text(p.get('status'))}, {count} stamp(s)"}
    if kind == "wayback_capture":
        return {"text": f"{_text(p.get('url'))} captured {_text(p.get('captured_at'))}"}
    if kind == "replication":
        return {"text": f"{_text(p.get('outcome'))} ({_text(p.get('replication_id'))})"}
    if kind == "integrity_finding":
        return {"text": f"{_text(p.get('severity'))} {_text(p.get('kind'))}, "
                f"{_text(p.get('status'))}: {_text(p.get('summary'))}"}  # fmt: skip
    if kind == "graph_snapshot":
        return {"text": f"graph snapshot {_text(p.get('builder_version'))}".rstrip()}
    if kind == "record_created":
        return {"text": "the record's creation, with Pith's receipt"}
    return {"text": f"an event of type {_text(kind) or '(none)'}"}


def page_view(merged: MergedState) -> dict[str, Any]:
    """What a record page shows of its merged state (bounded)."""
    items: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    for judged in merged.events:
        event = judged.event
        signer = event.get("signer") if isinstance(event, dict) else None
        item = {
            "event_id": judged.stated_id,
            "type": judged.event_type or "(none)",
            "state": judged.verdict.state,
            "reason": judged.verdict.reason,
            "detail": _text(judged.verdict.detail),
            "equivocates": judged.equivocates,
            "signer": _text(signer.get("key_id")) if isinstance(signer, dict) else None,
            "created_at": _text(event.get("created_at")) if isinstance(event, dict) else "",
            **describe(event),
        }
        if len(items) < PAGE_ITEMS:
            items.append(item)
        if judged.verdict.state == "invalid" and len(invalid) < INVALID_LISTED:
            invalid.append({k: item[k] for k in ("event_id", "type", "reason", "detail")})
    return {
        "items": items,
        "more": max(0, len(merged.events) - PAGE_ITEMS),
        "counts": {
            "events": len(merged.events),
            "valid": merged.count("valid"),
            "invalid": merged.count("invalid"),
            "unverifiable": merged.count("unverifiable"),
            "equivocations": len(merged.equivocations),
        },
        "invalid": invalid,
    }


_EMPTY_PLACEHOLDER = "pith:0000:AAAAAAAAAAAAAAAAAAAAAAAAAA"
_empty_parts: list[tuple[bytes, bytes]] = []


def empty_state(pith: str, keys: KeyRing) -> tuple[bytes, bytes]:
    """state.json and events.json of a record without events: the merge of no events,
    computed once (it names no key) with the Pith Number set in afterwards (most records
    have no events, and the merge costs more than the rest of their outputs)."""
    if not _empty_parts:
        merged = merge(_EMPTY_PLACEHOLDER, EventSet.of([]), keys)
        field = f'"pith_number":"{_EMPTY_PLACEHOLDER}"'.encode()
        for document in (merged.state_bytes(), merged.events_bytes()):
            head, sep, tail = document.partition(field)
            if not sep or field in tail:
                raise AssertionError("the empty state names its Pith Number once")
            _empty_parts.append((head, tail))
    if not is_pith_number(pith):
        merged = merge(pith, EventSet.of([]), keys)  # refuses it with merge's own message
        return merged.state_bytes(), merged.events_bytes()
    field = f'"pith_number":"{pith}"'.encode()
    (state_head, state_tail), (events_head, events_tail) = _empty_parts
    return state_head + field + state_tail, events_head + field + events_tail
