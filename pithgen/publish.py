"""Pass 2 of a build: the per-record outputs.

The published documents are read again in input order; each must be byte for byte the
document pass 1 verified (same source, same SHA-256 of the raw bytes: an input changed
during the build stops it). Each is written as verified (record JSON, or bundle and its
``.well-known`` copy), its record page is rendered from pass 1's stored checks, its
badge (``badge.svg``) is drawn from the record alone, and its small summary goes to the
index stage.
"""

from __future__ import annotations

from pithgen import layout
from pithgen.badge import badge_for
from pithgen.canonical import sha256_hex
from pithgen.context import BuildContext
from pithgen.errors import OutputError
from pithgen.index import SiteIndex, search_text
from pithgen.listing import Summary
from pithgen.load import InputFile, load_file
from pithgen.merge import Chosen
from pithgen.model import LoadedDoc, RecordDocument


def publish_records(ctx: BuildContext, files: list[InputFile], index: SiteIndex) -> None:
    """Write every published document and its page; feed the index stage."""
    shared = ctx.result.shared_shorts()
    chosen = ctx.result.iter_chosen()
    pending = next(chosen, None)
    position = -1
    for item in files:
        for loaded in load_file(item, ctx.options):
            position += 1
            if ctx.progress is not None:
                ctx.progress(len(loaded.raw))
            if pending is None or pending.index != position:
                continue
            _publish(ctx, loaded, pending, shared, index)
            pending = next(chosen, None)


def _publish(
    ctx: BuildContext, loaded: LoadedDoc, pub: Chosen, shared: frozenset[str], index: SiteIndex
) -> None:
    verdict = pub.verdict
    if (
        loaded.source != verdict.source
        or loaded.data is None
        or sha256_hex(loaded.raw) != verdict.raw_sha256
    ):
        raise OutputError(
            "the input changed while the site was being built; nothing was published",
            where=str(loaded.source),
        )
    doc = RecordDocument.from_dict(loaded.data)
    writer = ctx.writer
    if doc.kind == "bundle":
        writer.write(layout.bundle(doc.suffix), loaded.raw)
        writer.write(layout.well_known_bundle(doc.suffix), loaded.raw)
    else:
        writer.write(layout.record_json(doc.suffix), loaded.raw)
    # A record document and a bundle of one Pith Number share one page (the record's).
    if doc.kind == "record" or not pub.has_record:
        page = ctx.renderer.record_page(
            doc,
            verdict,
            has_record_json=pub.has_record,
            has_bundle=pub.has_bundle,
            short_shared=doc.suffix[:8] in shared,
            versions=ctx.result.versions_of(doc.arxiv_id),
        )
        writer.write(layout.record_page(doc.suffix), page)
        writer.write(layout.badge(doc.suffix), badge_for(doc).svg)
        summary, authors = Summary.of(doc)
        index.add(summary, search_text(summary, authors))
