"""The outputs that span records: resolve and search shards, redirects, listings, the home,
browse, search, resolve and 404 pages, the verification report, key documents, the mirror
manifest, assets, sitemaps, the feed and robots.txt.

Everything here is produced from the index stage's ordered queries and the merged
verdicts, one page or shard at a time, so memory does not grow with the archive. Every
path comes from :mod:`pithgen.layout`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any

from pithgen import layout
from pithgen.canonical import canonical_bytes
from pithgen.context import BuildContext
from pithgen.index import SiteIndex
from pithgen.mergestore import read_stored
from pithgen.pagejobs import PageJob, render_pages
from pithgen.report import json_chunks
from pithgen.searchshards import search_files
from pithgen.theme import ASSET_FILES, asset_bytes

SITEMAP_LIMIT = 50_000
MERGE_VERSION = "pith-open-graph-merge-v1"


def write_sitewide(ctx: BuildContext, index: SiteIndex) -> tuple[str, ...]:
    """Write every cross-record output; returns notes for the build summary."""
    writer, renderer = ctx.output, ctx.renderer
    _write_shards(ctx, index)
    _write_redirects(ctx, index)
    pages = _write_listings(ctx, index)
    newest = index.newest_papers()
    writer.write(layout.HOME, renderer.home_page(newest, ctx.counts))
    writer.write(layout.SEARCH, renderer.simple_page("search.html", layout.SEARCH))
    writer.write(layout.RESOLVE, renderer.resolve_page(newest[0].latest if newest else None))
    writer.write(layout.NOT_FOUND, renderer.not_found_page())
    pages.extend(_write_verification(ctx))
    writer.write_chunks(layout.GRAPH, _graph_chunks(ctx))
    for key in ctx.keys:
        writer.write(layout.key_document(key.key_id), _json_bytes(key.to_dict()))
    if ctx.log is not None:
        writer.write(layout.LOG_KEY, (ctx.log.vkey + "\n").encode("ascii"))
    writer.write(layout.MANIFEST, manifest(ctx))
    for name in ASSET_FILES:
        writer.write(layout.ASSETS + name, asset_bytes(name, ctx.config.templates))
    writer.write(layout.NOJEKYLL, b"")
    return _write_crawler_files(ctx, index, pages)


def _graph_chunks(ctx: BuildContext) -> Iterator[bytes]:
    """``graph.json``: every citation edge among this mirror's records (from the valid,
    current citations), sorted::

        {"graph_type": "pithgen_citation_graph", "graph_version": "1.0",
         "edges": [{"from": PITH, "to": PITH, "relationship": R, "event_id": ID}, ...]}
    """
    yield b'{"edges": ['
    for n, (citer, cited, relationship, event_id) in enumerate(ctx.graph.edges()):
        edge = {"event_id": event_id, "from": citer, "relationship": relationship, "to": cited}
        yield (b"," if n else b"") + b"\n " + canonical_bytes(edge)
    yield b'], "graph_type": "pithgen_citation_graph", "graph_version": "1.0"}\n'


def _json_bytes(value: object) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _write_shards(ctx: BuildContext, index: SiteIndex) -> None:
    """The ``resolve/`` and ``search/`` shards: kept whole when the index holds what the
    last build's held (:meth:`SiteIndex.content_digest`)."""
    ctx.output.write_group(
        "shards",
        (index.content_digest(),),
        lambda: chain(index.resolve_files(), search_files(index)),
    )


def _write_redirects(ctx: BuildContext, index: SiteIndex) -> None:
    """``pith/SHORT8/`` where several records share the short number: a page listing them
    (every other redirect leads to one record, and pass 2 wrote it with the record); kept
    whole when the index is the last build's."""

    def pages() -> Iterator[tuple[str, bytes]]:
        for short, group in index.by_short():
            if len(group) > 1:
                rel = layout.short_redirect(short)
                target = layout.record_page(group[0].suffix)
                yield rel, ctx.renderer.redirect_page(rel, target, f"pith:{short}", group)

    ctx.output.write_group("short-redirects", (index.content_digest(),), pages)


def _write_listings(ctx: BuildContext, index: SiteIndex) -> list[str]:
    """Browse pages by year and by category (primary and cross-listed); returns the URLs
    of the site's pages but records and the verification report (for the sitemap).

    A listing whose rows are those of the last build is kept whole; in one that changed,
    each page whose content is the last build's is kept (listings are oldest paper
    first, so a new paper usually changes only the last page)."""
    writer, renderer, output = ctx.output, ctx.renderer, ctx.output
    size = ctx.config.page_size
    years, categories = index.groups("year"), index.groups("cat")
    pages = [
        layout.folder_url(p) for p in (layout.HOME, layout.BROWSE, layout.SEARCH, layout.RESOLVE)
    ]
    crumbs = [(layout.BROWSE, "Browse")]
    listings = [
        (kind, column, name, count, [layout.listing(kind, name, n + 1) for n in range(npages)])
        for kind, column, groups in (("year", "year", years), ("category", "cat", categories))
        for name, count in groups
        for npages in [max(1, -(-count // size))]
    ]
    every = [rel for *_, rels in listings for rel in rels]
    pages.extend(layout.folder_url(rel) for rel in every)
    writer.write(layout.BROWSE, renderer.browse_page(years, categories))
    # The index as the last build's: every listing is, page for page.
    family = "listings"
    family_key = output.key(family, (index.content_digest(), size))
    if output.reused(family, family_key):
        output.carry("listing:")
        return pages
    output.remember(family, family_key, every)

    def tasks() -> Iterator[PageJob]:
        for kind, column, name, count, rels in listings:
            heading = f"Papers first submitted in {name}" if kind == "year" else f"Papers in {name}"
            memo = f"listing:{kind}:{name}"
            rows = index.listing_digest(column, name)  # every row its pages are made from
            key = output.key(memo, (heading, count, size, crumbs, rows))
            if output.reused(memo, key):
                output.carry(memo + ":")
                continue
            output.remember(memo, key, rels)
            for page in index.pages(column, name, count, size):
                rel = rels[page.number - 1]
                page_memo = f"{memo}:{page.number}"
                page_key = output.key(page_memo, (rel, heading, crumbs, page))
                if not output.reused(page_memo, page_key):
                    output.remember(page_memo, page_key, [rel])
                    yield rel, "listing_page", (rel, heading, page, crumbs)

    for rel, data in render_pages(ctx, tasks()):
        writer.write(rel, data)
    return pages


def _write_verification(ctx: BuildContext) -> list[str]:
    """The verification report: paginated pages (failed documents first) and the JSON;
    returns the URLs of its pages (for the sitemap). A page whose rows (as stored, with
    the merge's findings), summary and events are the last build's is kept."""
    size = ctx.config.page_size
    counts = ctx.counts
    npages = max(1, -(-ctx.result.total // size))
    output = ctx.output
    urls = []
    events = ctx.graph.summary()
    stored = ctx.result.iter_stored(failed_first=True)

    def tasks() -> Iterator[PageJob]:
        for n in range(1, npages + 1):
            rel = layout.verification_page(n)
            rows = list(islice(stored, size))
            urls.append(layout.folder_url(rel))
            memo = f"verification:{n}"
            # The summary and the events are on the first page only: a record more or
            # less changes the pages whose rows it moves, not every page.
            shown = (counts, events) if n == 1 else ()
            key = output.key(memo, (rel, *shown, n, npages, *rows))
            if not output.reused(memo, key):
                output.remember(memo, key, [rel])
                verdicts = [read_stored(*row) for row in rows]
                yield rel, "verification_page", (rel, counts, verdicts, n, npages, events)

    for rel, data in render_pages(ctx, tasks()):
        ctx.output.write(rel, data)
    ctx.output.write_chunks(
        layout.VERIFICATION_JSON,
        (chunk.encode("utf-8") for chunk in json_chunks(ctx.result, ctx.keys, ctx.graph)),
    )
    return urls


def manifest(ctx: BuildContext) -> bytes:
    """``pith-mirrors.json``: this mirror in the shape of Pith's mirror manifest; its URL
    patterns are :data:`pithgen.layout.PATTERNS`."""
    base = ctx.config.base_url or ""
    mirror: dict[str, Any] = {
        "name": ctx.config.title,
        "mirror_type": "static",
        "status": "mirror",
        "base_url": base.rstrip("/") if base else None,
        **{name: base + pattern for name, pattern in layout.PATTERNS.items()},
        "bundles": "bundle_pattern and well_known_pattern exist only for records published "
        "from a bundle; state_pattern and events_pattern exist for every published record",
        "graph": base + layout.GRAPH,
        "resolve_index": base + layout.shard_json(layout.RESOLVE_META),
        "verification_report": base + layout.VERIFICATION_JSON,
        "trusted_keys": [
            dict(k.to_dict(), key_document=base + layout.key_document(k.key_id)) for k in ctx.keys
        ],
        "records": ctx.counts["published"],
    }
    if ctx.log is not None:
        mirror["log"] = {
            "origin": ctx.log.origin,
            "checkpoint": base + layout.LOG_CHECKPOINT,
            "tiles": base + layout.LOG,
            "size": ctx.log.size,
            "vkey": ctx.log.vkey,
            "note_key_id": f"{ctx.log.signer.verifier.key_id:08x}",
            "public_key_hex": ctx.log.settings.key.public_raw.hex(),
            "key_document": base + layout.LOG_KEY,
            "record_proof_pattern": base + layout.RECORD_PROOF,
            "bundle_proof_pattern": base + layout.BUNDLE_PROOF,
            "entry_format": "pithgen-log-entry/v1 (docs/log.md)",
        }
    document = {
        "manifest_type": "pith_mirror_manifest",
        "manifest_version": "1.0",
        "merge_version": MERGE_VERSION,
        "generator": "pithgen",
        "mirrors": [mirror],
    }
    return _json_bytes(document)


def _write_crawler_files(ctx: BuildContext, index: SiteIndex, pages: list[str]) -> tuple[str, ...]:
    """robots.txt, and with a base URL the sitemap(s) and the Atom feed."""
    base_url = ctx.config.base_url
    robots = "User-agent: *\nAllow: /\n"
    notes: tuple[str, ...] = ()
    if base_url:
        robots += f"Sitemap: {base_url}{layout.SITEMAP}\n"
        memo = "sitemaps"  # every URL but the records' is in ``pages``
        key = ctx.output.key(memo, (index.content_digest(), base_url, pages))
        if not ctx.output.reused(memo, key):
            urls = chain(
                pages, (layout.folder_url(layout.record_page(s.suffix)) for s in index.ordered())
            )
            paths = _write_sitemaps(ctx, base_url, len(pages) + index.count, urls)
            ctx.output.remember(memo, key, paths)
        newest = index.newest()
        updated = max((s.submitted_at for s in newest), default="1970-01-01T00:00:00Z")
        ctx.output.write(
            layout.FEED,
            ctx.renderer.simple_page("feed.xml", layout.FEED, newest=newest, updated=updated),
        )
    else:
        notes = (
            "no base URL: sitemap.xml and feed.xml need absolute URLs and were not "
            "written (set --base-url or [site] base_url)",
        )
    ctx.output.write(layout.ROBOTS, robots.encode())
    return notes


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _write_sitemaps(ctx: BuildContext, base_url: str, count: int, urls: Iterator[str]) -> list[str]:
    """``sitemap.xml``, or past :data:`SITEMAP_LIMIT` URLs a sitemap index over
    ``sitemaps/sitemap-N.xml``; URLs are streamed, never listed in memory. Returns the
    paths written."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def urlset(chunk: Iterable[str]) -> Iterator[bytes]:
        yield f"{head}<urlset {ns}>\n".encode()
        for url in chunk:
            yield f"  <url><loc>{_xml_escape(base_url + url)}</loc></url>\n".encode()
        yield b"</urlset>\n"

    if count <= SITEMAP_LIMIT:
        ctx.output.write_chunks(layout.SITEMAP, urlset(urls))
        return [layout.SITEMAP]
    names = []
    for n in range(-(-count // SITEMAP_LIMIT)):
        name = layout.sitemap_part(n + 1)
        ctx.output.write_chunks(name, urlset(islice(urls, SITEMAP_LIMIT)))
        names.append(name)
    body = "".join(f"  <sitemap><loc>{_xml_escape(base_url + n)}</loc></sitemap>\n" for n in names)
    ctx.output.write(layout.SITEMAP, f"{head}<sitemapindex {ns}>\n{body}</sitemapindex>\n".encode())
    return [*names, layout.SITEMAP]
