"""Pass 2 of a build: the per-record outputs, spread over worker processes.

This process reads the published documents again, in input order (the load stage), and
hands them in batches to ``jobs`` workers. Each worker proves a document is byte for byte
the one pass 1 verified (same SHA-256 of the raw bytes: an input changed during the
build stops it), writes it as verified (record JSON, or bundle and its ``.well-known``
copy), renders its record page from pass 1's stored checks, draws its badge
(``badge.svg``, from the record alone), and writes the redirects that lead
to it alone (``arxiv/IDvN/``; ``arxiv/ID/`` and ``doi/…/`` when it is the paper's latest
version; ``pith/SHORT8/`` when no other record shares the short number), and returns the
record's small summary and search tokens, which this process hands to the index stage in
input order. What each worker writes is one record's, so the files are the same whatever
the number of workers.

Two variants: a shard build (``Units.only``) renders only its own records; an assembly
(``Units.reuse``) copies a record's files from the shard that rendered them whenever the
shard's unit key is the one computed here (the files depend on nothing else), and renders
the rest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from pithgen import layout
from pithgen.badge import badge_for
from pithgen.cache.fingerprint import unit_key
from pithgen.cache.sitestate import FileEntry
from pithgen.canonical import sha256_hex
from pithgen.config import BuildConfig
from pithgen.context import BuildContext
from pithgen.errors import OutputError
from pithgen.graph import empty_state
from pithgen.index import SiteIndex
from pithgen.keys import KeyRing
from pithgen.listing import Summary
from pithgen.load import LoadOptions, parse, read_file
from pithgen.mergestore import ChosenRow
from pithgen.mirrorlog.stage import LogRef, MirrorLog, SignerSpec
from pithgen.model import LoadedDoc, RawDoc, RecordDocument, Verdict
from pithgen.pageverify import LogProof
from pithgen.parallel import Workers, batched
from pithgen.render import Renderer, SiteInfo
from pithgen.search import Weighted, abstract_text, index_tokens
from pithgen.stagecheck import Tally
from pithgen.theme import make_env
from pithgen.tlog.note import NoteSigner
from pithgen.units import NO_PAGE, CopyTask, Units, copy_unit, pack
from pithgen.write import FileSink, SinkSpec

BATCH_PAGES = 64


@dataclass(frozen=True)
class PageTask:
    """One published document and what its page needs from the rest of the archive.
    ``key`` is its unit key (what its files depend on)."""

    doc: RawDoc
    verdict: Verdict
    has_record: bool
    has_bundle: bool
    short_shared: bool
    versions: tuple[tuple[int, str], ...]
    unit: str = ""
    key: bytes = b""
    #: The record's Open Graph, for the document that writes its page: the page view,
    #: state.json and events.json (None: no events), and who cites it.
    graph: tuple[dict[str, Any], bytes, bytes, str] | None = None
    cited_by: tuple[list[list[str]], int] = ([], 0)
    #: Where the record's files are in the mirror's log, by kind (record, bundle): this
    #: document's proof file, and what its page shows.
    log: tuple[tuple[str, LogRef], ...] = ()


@dataclass(frozen=True)
class BatchDone:
    """What a worker did with one batch: the summaries and search tokens of the pages (in
    batch order), the units it rendered with what to remember of them, and what it wrote
    (for the staging proof and the build cache's manifest)."""

    indexed: list[tuple[Summary, Weighted]]
    units: list[tuple[str, bytes, bytes]]
    entries: list[FileEntry]
    tally: Tally
    files: int
    nbytes: int


def publish_records(ctx: BuildContext, index: SiteIndex, jobs: int, units: Units) -> None:
    """Write every published document and its pages (or find them written already);
    feed the index stage; remember units and files in the build cache's store.

    First every published document's unit key is computed from what pass 1 stored (no
    document is read): a unit whose key is the last build's, and whose summary the cache
    still holds, is already in the site and goes straight to the index. Then only the
    files holding the other documents are read again, and those documents rendered (in
    an assembly, those a shard rendered with the same key are copied first)."""
    render, copies = _unchanged_to_index(ctx, index, units)
    units.rendered, units.copied = len(render), len(copies)
    ctx.progress.phase("rendering pages", len(render) + len(copies), "documents")
    if not render and not copies:
        return
    signer = ctx.log.signer_spec() if ctx.log is not None else None
    setup = (ctx.config, ctx.renderer.site, ctx.writer.sink_spec(), ctx.keys, signer)
    copied = units.reuse.copies(copies) if units.reuse is not None and copies else iter(())
    work: Iterator[PageTask | CopyTask] = chain(copied, _tasks(ctx, render))
    with Workers(jobs, _publish_batch, _publish_setup, setup, _publish_teardown) as workers:
        for done in workers.map(batched(work, BATCH_PAGES)):
            ctx.writer.absorb(done.tally, done.files, done.nbytes)
            ctx.progress.advance(len(done.units))
            index.add_many(done.indexed)
            if units.store is not None:
                units.store.set_units(done.units)
                units.store.put_files(done.entries)
            if units.incremental:
                for unit, _, _ in done.units:
                    units.written.setdefault(unit, set())
                for entry in done.entries:
                    units.written[entry.unit].add(entry.path)


@dataclass(frozen=True)
class _Meta:
    """What a published document's pages show of the rest of the archive."""

    unit: str
    has_record: bool
    has_bundle: bool
    short_shared: bool
    versions: tuple[tuple[int, str], ...]
    key: bytes
    cited_by: tuple[list[list[str]], int] = ([], 0)
    log: tuple[tuple[str, LogRef], ...] = ()


def _published(ctx: BuildContext, units: Units) -> Iterator[tuple[ChosenRow, _Meta]]:
    """The published documents in input order, each with its unit and unit key."""
    result, graph = ctx.result, ctx.graph
    shared = result.shared_shorts()
    edges = graph.has_edges()
    for row, paper in result.iter_chosen_versions():
        if units.only is not None and not units.only.owns(row.pith):
            continue
        versions = tuple(paper)
        unit = f"{row.suffix}:{row.kind}"
        short = row.suffix[:8] in shared
        graph_digest = ""
        cited_by: tuple[list[list[str]], int] = ([], 0)
        if row.owns_page:
            graph_digest = graph.digest(row.pith)
            if edges:
                cited_by = graph.cited_by(row.pith)
        refs = _log_refs(ctx.log, row)
        logged = [ctx.log.vkey, [[k, *r.key_parts()] for k, r in refs]] if ctx.log else None
        key = _key(units.context, row, short, versions, [graph_digest, cited_by, logged])
        meta = _Meta(unit, row.has_record, row.has_bundle, short, versions, key, cited_by, refs)
        yield row, meta


def _log_refs(log: MirrorLog | None, row: ChosenRow) -> tuple[tuple[str, LogRef], ...]:
    """Where this document's file is in the log and, for the document that writes the
    record's page, the record's other logged file (the page shows both)."""
    if log is None:
        return ()
    kinds = [row.kind]
    if row.owns_page:
        kinds = [k for k, has in (("record", row.has_record), ("bundle", row.has_bundle)) if has]
    refs = []
    for kind in kinds:
        ref = log.ref(row.pith, kind)
        if ref is not None:
            refs.append((kind, ref))
    return tuple(refs)


def _unchanged_to_index(
    ctx: BuildContext, index: SiteIndex, units: Units
) -> tuple[dict[int, _Meta], list[tuple[str, bytes]]]:
    """Index the units already in the site; return the documents to render, by input
    position, and the units to copy from the shards (unit and key, in input order)."""
    render: dict[int, _Meta] = {}
    copies: list[tuple[str, bytes]] = []
    for batch in batched(_published(ctx, units), 512):
        for _, meta in batch:
            units.seen.add(meta.unit)
        known = [m.unit for _, m in batch if units.known.get(m.unit) == m.key]
        stored = units.store.unit_data(known) if units.store is not None and known else {}
        shards = units.reuse.keys([m.unit for _, m in batch]) if units.reuse is not None else {}
        indexed = []
        for pub, meta in batch:
            data = stored.get(meta.unit) if units.known.get(meta.unit) == meta.key else None
            if data is None and shards.get(meta.unit) == meta.key:
                copies.append((meta.unit, meta.key))
            elif data is None:
                render[pub.index] = meta
            elif data != NO_PAGE:
                indexed.append(data)
        index.add_packed(indexed)
    return render, copies


def _tasks(ctx: BuildContext, render: dict[int, _Meta]) -> Iterator[PageTask]:
    """The documents to render, in input order: only the files holding them are read."""
    published = ((pub, render[pub.index]) for pub in ctx.result.iter_chosen(sorted(render)))
    wanted = ctx.result.paths_of(sorted(render))
    counts = ctx.result.document_counts()
    pending = next(published, None)
    position = -1
    for item in ctx.files:
        if item.display not in wanted:
            position += counts.get(item.display, 0)
            continue
        for doc in read_file(item, ctx.options):
            position += 1
            if pending is None or pending[0].index != position:
                continue
            (pub, meta), pending = pending, next(published, None)
            if not isinstance(doc, RawDoc) or doc.source != pub.verdict.source:
                raise _changed(doc)
            graph = ctx.graph.record(pub.verdict.pith_number or "")
            yield PageTask(
                doc, pub.verdict, meta.has_record, meta.has_bundle, meta.short_shared,
                meta.versions, meta.unit, meta.key, graph, meta.cited_by, meta.log,
            )  # fmt: skip


def _key(
    context: bytes,
    row: ChosenRow,
    short_shared: bool,
    versions: tuple[tuple[int, str], ...],
    graph: list[Any],
) -> bytes:
    """Everything a published document's files depend on besides the render context.
    Its verdict is a function of its bytes (``raw_sha256``) and of the keys and pithgen's
    version (both in the context): the merge adds findings only to documents it does not
    publish."""
    parts = [row.raw_sha256, row.kind, row.has_record, row.has_bundle, short_shared]
    return unit_key(context, [*parts, [list(v) for v in versions], graph])


def _changed(doc: RawDoc | LoadedDoc) -> OutputError:
    return OutputError(
        "the input changed while the site was being built; nothing was published",
        where=str(doc.source),
    )


# --- in the worker processes -----------------------------------------------------------


@dataclass
class _Worker:
    renderer: Renderer
    options: LoadOptions
    sink: FileSink
    keys: KeyRing
    signer: NoteSigner | None = None


_worker: list[_Worker] = []


def _publish_setup(
    config: BuildConfig, site: SiteInfo, spec: SinkSpec, keys: KeyRing, signer: SignerSpec | None
) -> None:
    sink = spec.open(f"p{os.getpid()}")
    renderer = Renderer(make_env(config.templates), site)
    note_signer = signer.signer() if signer is not None else None
    _worker[:] = [_Worker(renderer, LoadOptions(), sink, keys, note_signer)]


def _publish_teardown() -> None:
    if _worker:
        _worker.pop().sink.close()


def _publish_batch(batch: list[PageTask | CopyTask]) -> BatchDone:
    worker = _worker[0]
    sink = worker.sink
    before = (sink.tally.count, sink.tally.digest, sink.files, sink.bytes)
    indexed: list[tuple[Summary, Weighted]] = []
    units: list[tuple[str, bytes, bytes]] = []
    for task in batch:
        if isinstance(task, CopyTask):
            item = copy_unit(sink, task)
            units.append((task.unit, task.key, task.data))
        else:
            item = _publish(worker, task)
            units.append((task.unit, task.key, pack(item)))
        if item is not None:
            indexed.append(item)
    sink.flush()
    delta = Tally(sink.tally.count - before[0], (sink.tally.digest - before[1]) % (1 << 256))
    entries = sink.take_entries()
    return BatchDone(indexed, units, entries, delta, sink.files - before[2], sink.bytes - before[3])


def _publish(worker: _Worker, task: PageTask) -> tuple[Summary, Weighted] | None:
    """Write one published document and its pages; its summary and tokens, if it has a
    page of its own."""
    raw = task.doc.raw
    unit = task.unit
    if sha256_hex(raw) != task.verdict.raw_sha256:
        raise _changed(task.doc)
    loaded = parse(task.doc, worker.options)
    if loaded.data is None:
        raise _changed(task.doc)
    doc = RecordDocument.from_dict(loaded.data)
    sink, renderer = worker.sink, worker.renderer
    refs = dict(task.log)
    own = refs.get(doc.kind)
    proof = None
    if own is not None and worker.signer is not None:
        proof = LogProof(own.proof(worker.signer), worker.signer.verifier.vkey)
    if doc.kind == "bundle":
        sink.write(layout.bundle(doc.suffix), raw, unit)
        sink.write(layout.well_known_bundle(doc.suffix), raw, unit)
        if proof is not None:
            sink.write(layout.bundle_proof(doc.suffix), proof.proof, unit)
    else:
        sink.write(layout.record_json(doc.suffix), raw, unit)
        if proof is not None:
            sink.write(layout.record_proof(doc.suffix), proof.proof, unit)
    # A record document and a bundle of one Pith Number share one page (the record's).
    if doc.kind != "record" and task.has_record:
        return None
    if task.graph is None:
        state, events = empty_state(doc.pith_number, worker.keys)
    else:
        state, events = task.graph[1], task.graph[2]
    sink.write(layout.state(doc.suffix), state, unit)
    sink.write(layout.events(doc.suffix), events, unit)
    page = renderer.record_page(
        doc,
        task.verdict,
        has_record_json=task.has_record,
        has_bundle=task.has_bundle,
        short_shared=task.short_shared,
        versions=list(task.versions),
        graph=task.graph[0] if task.graph else None,
        cited_by=task.cited_by,
        log=_log_view(doc.suffix, refs),
        published=raw,
        proof=proof,
    )
    target = layout.record_page(doc.suffix)
    sink.write(target, page, unit)
    sink.write(layout.badge(doc.suffix), badge_for(doc).svg, unit)
    summary, authors = Summary.of(doc)
    _write_redirects(sink, renderer, summary, target, task)
    return summary, index_tokens(summary, authors, abstract_text(doc.paper))


def _log_view(suffix: str, refs: dict[str, LogRef]) -> dict[str, Any] | None:
    """What the record page shows of the log: each logged file with its index and proof."""
    if not refs:
        return None
    files = {"record": (layout.record_json, layout.record_proof),
             "bundle": (layout.bundle, layout.bundle_proof)}  # fmt: skip
    entries = [
        {"kind": kind, "index": ref.index, "json": files[kind][0](suffix),
         "proof": files[kind][1](suffix)}
        for kind in ("record", "bundle") if (ref := refs.get(kind)) is not None
    ]  # fmt: skip
    return {"origin": next(iter(refs.values())).origin, "entries": entries}


def _write_redirects(
    sink: FileSink, renderer: Renderer, s: Summary, target: str, task: PageTask
) -> None:
    """The redirect pages that lead to this record alone."""
    pages = [(layout.arxiv_version_redirect(s.arxiv_id, s.version), f"arXiv:{s.arxiv_versioned}")]
    if task.versions and task.versions[-1][1] == s.suffix:  # the paper's latest version
        pages.append((layout.arxiv_redirect(s.arxiv_id), f"arXiv:{s.arxiv_id}"))
        pages.append((layout.doi_redirect(s.arxiv_id), f"doi:10.48550/arXiv.{s.arxiv_id}"))
    if not task.short_shared:
        pages.append((layout.short_redirect(s.suffix[:8]), f"pith:{s.suffix[:8]}"))
    for rel, label in pages:
        sink.write(rel, renderer.redirect_page(rel, target, label), task.unit)
