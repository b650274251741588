"""``pithgen build``: load -> verify -> merge -> index -> render -> write.

Two passes over the input keep memory flat: pass 1 verifies and merges (verdicts go to an
on-disk store), pass 2 reloads only the published documents, proves each is byte for byte
the document pass 1 verified (the input must not change in between), renders its page and
hands a small summary to the index stage. Nothing is written outside the staging folder
until everything succeeded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from itertools import chain, islice
from pathlib import Path

from pithgen.canonical import sha256_hex
from pithgen.config import BuildConfig
from pithgen.errors import OutputError, UsageError
from pithgen.index import AUTHORS_CHARS, TITLE_CHARS, SiteIndex, Summary, search_text
from pithgen.keys import KeyRing, check_key_id
from pithgen.load import InputFile, LoadOptions, discover, load_file
from pithgen.merge import MergeResult
from pithgen.model import RecordDocument
from pithgen.render import Renderer, SiteInfo, make_env
from pithgen.report import json_chunks, verify_files
from pithgen.report import summary as summarise
from pithgen.write import SiteWriter

SITEMAP_LIMIT = 50_000
STATIC_FILES = ("pithgen.css", "pithgen.js")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class BuildOutcome:
    result: MergeResult
    written: bool
    files: int
    bytes: int
    seconds: float
    notes: tuple[str, ...] = ()


def build_site(
    config: BuildConfig,
    *,
    progress: Progress | None = None,
    total: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    cwd: Path | None = None,
) -> BuildOutcome:
    """Build the site described by ``config``. Raises :class:`PithgenError` for usage and
    I/O errors; verification failures are in the outcome (``written`` says whether the
    site was replaced)."""
    started = clock()
    keys = KeyRing.build(config.trust_keys, default_keys=config.default_keys)
    for key in keys:
        check_key_id(key.key_id, key.origin)
    if not config.records.is_dir():
        raise UsageError("expected a folder of records, found none", where=str(config.records))
    check_output_folder(config.out, config.records, cwd)
    options = LoadOptions()
    files = discover([config.records], relative=True, skip=[config.out])
    if not files:
        raise UsageError(
            "expected record files (.json or .jsonl), found none; nothing was built",
            where=str(config.records),
        )
    if total is not None:
        total(2 * sum(f.size for f in files))
    writer = SiteWriter(config.out)
    try:
        # Checks that passed are kept (on disk) for the record pages, so pass 2 need not
        # verify again: it only proves that each document is still byte for byte the same.
        result = verify_files(
            files, keys, options, progress, directory=writer.scratch, keep_checks=True
        )
        if result.failed and not config.keep_going:
            writer.abort()
            return BuildOutcome(result, False, 0, 0, clock() - started)
        notes = _write_site(config, keys, files, result, writer, options, progress)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return BuildOutcome(result, True, writer.files, writer.bytes, clock() - started, notes)


def check_output_folder(out: Path, records: Path, cwd: Path | None = None) -> None:
    """Refuse an output folder whose replacement would destroy something: the records,
    a folder holding them, the working folder, or a folder that is not a pithgen site."""
    target = out.resolve()
    protected = [("the records folder", records.resolve())]
    if cwd is not None:
        protected.append(("the working folder", cwd.resolve()))
    for name, path in protected:
        if target == path or target in path.parents:
            raise UsageError(
                f"refusing to build into {out}: replacing it would delete {name} ({path})",
                where=str(out),
            )
    if target.is_dir() and any(target.iterdir()) and not is_pithgen_site(target):
        raise UsageError(
            "refusing to replace a folder that is not a pithgen site (no pith-mirrors.json "
            "written by pithgen); choose an empty or new output folder",
            where=str(out),
        )


def is_pithgen_site(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / "pith-mirrors.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("generator") == "pithgen"


def _summary_of(doc: RecordDocument) -> tuple[Summary, str]:
    """The small summary listings keep (authors shortened for display) and the full
    authors text, which search indexes."""
    paper = doc.paper
    title = paper.get("title")
    authors_field = paper.get("authors_text")
    authors = authors_field if isinstance(authors_field, str) else ""
    short = authors if len(authors) <= AUTHORS_CHARS else authors[: AUTHORS_CHARS - 1] + "…"
    summary = Summary(
        doc.suffix,
        doc.pith_number,
        title[:TITLE_CHARS] if isinstance(title, str) else "",
        short,
        doc.arxiv_id,
        doc.version,
        doc.submitted_at,
        doc.metadata["primary_cat"],
        tuple(doc.metadata["cross_cats_sorted"]),
    )
    return summary, authors


def _write_site(
    config: BuildConfig,
    keys: KeyRing,
    files: list[InputFile],
    result: MergeResult,
    writer: SiteWriter,
    options: LoadOptions,
    progress: Progress | None,
) -> tuple[str, ...]:
    counts = summarise(result)
    site = SiteInfo(config.title, config.base_url, config.description, tuple(keys), counts)
    renderer = Renderer(make_env(config.templates), site)
    with SiteIndex(writer.scratch) as index:
        _render_records(keys, files, result, writer, options, progress, renderer, index)
        index.finish()
        return _write_indexes(config, keys, result, index, renderer, writer)


def _render_records(
    keys: KeyRing,
    files: list[InputFile],
    result: MergeResult,
    writer: SiteWriter,
    options: LoadOptions,
    progress: Progress | None,
    renderer: Renderer,
    site_index: SiteIndex,
) -> None:
    """Pass 2: reload the published documents in input order, prove each is the document
    pass 1 verified (same source, same bytes: SHA-256 of the raw input), render it."""
    shared = result.shared_shorts()
    chosen = result.iter_chosen()
    pending = next(chosen, None)
    index = -1
    for item in files:
        for loaded in load_file(item, options):
            index += 1
            if progress is not None:
                progress(len(loaded.raw))
            if pending is None or pending.index != index:
                continue
            pub, pending = pending, next(chosen, None)
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
            assert loaded.data is not None
            doc = RecordDocument.from_dict(loaded.data)
            suffix = doc.suffix
            if doc.kind == "bundle":
                writer.write(f"pith/{suffix}/bundle.json", loaded.raw)
                writer.write(f".well-known/pith/{suffix}/bundle.json", loaded.raw)
            else:
                writer.write(f"pith/{suffix}.json", loaded.raw)
            if doc.kind == "record" or not pub.has_record:
                writer.write(
                    f"pith/{suffix}/index.html",
                    renderer.record_page(
                        doc,
                        verdict,
                        has_record_json=pub.has_record,
                        has_bundle=pub.has_bundle,
                        short_shared=doc.suffix[:8] in shared,
                        versions=result.versions_of(doc.arxiv_id),
                    ),
                )
                summary, authors = _summary_of(doc)
                site_index.add(summary, search_text(summary, authors))


def _write_indexes(
    config: BuildConfig,
    keys: KeyRing,
    result: MergeResult,
    index: SiteIndex,
    renderer: Renderer,
    writer: SiteWriter,
) -> tuple[str, ...]:
    notes: list[str] = []
    counts = summarise(result)
    for path, data in index.resolve_files():
        writer.write(path, data)
    for path, data in index.search_files():
        writer.write(path, data)
    _write_redirects(index, renderer, writer)
    years, categories = index.groups("year"), index.groups("cat")
    newest = index.newest()
    pages: list[str] = ["", "browse/", "search.html", "resolve.html", "verification/"]
    for kind, column, groups in (("year", "year", years), ("category", "cat", categories)):
        for name, count in groups:
            heading = (
                f"Records first submitted in {name}" if kind == "year" else f"Records in {name}"
            )
            for page in index.pages(column, name, count, config.page_size):
                rel = f"browse/{kind}/{name}/{page.filename()}"
                writer.write(
                    rel,
                    renderer.listing_page(rel, heading, page, [("browse/index.html", "Browse")]),
                )
                pages.append(rel.removesuffix("index.html"))
    writer.write(
        "browse/index.html",
        renderer.browse_page(years, categories),
    )
    writer.write("index.html", renderer.home_page(newest, counts))
    writer.write("search.html", renderer.simple_page("search.html", "search.html"))
    writer.write("resolve.html", renderer.simple_page("resolve.html", "resolve.html"))
    writer.write("404.html", renderer.not_found_page())
    npages = max(1, -(-result.total // config.page_size))
    verdicts = result.iter_verdicts(failed_first=True)
    for n in range(npages):
        rel = "verification/index.html" if n == 0 else f"verification/page-{n + 1}.html"
        rows = list(islice(verdicts, config.page_size))
        writer.write(rel, renderer.verification_page(rel, counts, rows, n + 1, npages))
    writer.write_chunks(
        "verification.json", (chunk.encode("utf-8") for chunk in json_chunks(result, keys))
    )
    for key in keys:
        writer.write(
            f"keys/{key.key_id}.json",
            (json.dumps(key.to_dict(), indent=2, sort_keys=True) + "\n").encode(),
        )
    writer.write("pith-mirrors.json", _manifest(config, keys, counts))
    for name in STATIC_FILES:
        data = resources.files("pithgen").joinpath("static", name).read_bytes()
        writer.write(f"assets/{name}", data)
    writer.write(".nojekyll", b"")
    robots = "User-agent: *\nAllow: /\n"
    if config.base_url:
        robots += f"Sitemap: {config.base_url}sitemap.xml\n"
        urls = chain(pages, (f"pith/{s.suffix}/" for s in index.ordered()))
        _write_sitemaps(config.base_url, len(pages) + index.count, urls, writer)
        updated = max((s.submitted_at for s in newest), default="1970-01-01T00:00:00Z")
        writer.write(
            "feed.xml",
            renderer.simple_page("feed.xml", "feed.xml", newest=newest, updated=updated),
        )
    else:
        notes.append(
            "no base URL: sitemap.xml and feed.xml need absolute URLs and were not "
            "written (set --base-url or [site] base_url)"
        )
    writer.write("robots.txt", robots.encode())
    return tuple(notes)


def _write_redirects(index: SiteIndex, renderer: Renderer, writer: SiteWriter) -> None:
    for short, group in index.by_short():
        rel = f"pith/{short}/index.html"
        target = f"pith/{group[0].suffix}/index.html"
        writer.write(
            rel,
            renderer.redirect_page(rel, target, f"pith:{short}", group if len(group) > 1 else None),
        )
    for arxiv_id, group in index.by_arxiv_id():
        latest = f"pith/{group[-1].suffix}/index.html"
        for rel, label in (
            (f"arxiv/{arxiv_id}/index.html", f"arXiv:{arxiv_id}"),
            (f"doi/10.48550/arxiv.{arxiv_id}/index.html", f"doi:10.48550/arXiv.{arxiv_id}"),
        ):
            writer.write(rel, renderer.redirect_page(rel, latest, label))
        for s in group:
            rel = f"arxiv/{s.arxiv_versioned}/index.html"
            writer.write(
                rel,
                renderer.redirect_page(
                    rel, f"pith/{s.suffix}/index.html", f"arXiv:{s.arxiv_versioned}"
                ),
            )


def _manifest(config: BuildConfig, keys: KeyRing, counts: dict[str, int]) -> bytes:
    base = config.base_url or ""
    mirror = {
        "name": config.title,
        "mirror_type": "static",
        "status": "mirror",
        "base_url": base.rstrip("/") if base else None,
        "record_pattern": f"{base}pith/{{suffix}}.json",
        "html_pattern": f"{base}pith/{{suffix}}/index.html",
        "bundle_pattern": f"{base}pith/{{suffix}}/bundle.json",
        "bundles": "bundle_pattern and well_known_pattern exist only for records published "
        "from a bundle; state.json is not published yet",
        "well_known_pattern": f"{base}.well-known/pith/{{suffix}}/bundle.json",
        "resolve_index": f"{base}resolve/meta.json",
        "verification_report": f"{base}verification.json",
        "trusted_keys": [
            dict(k.to_dict(), key_document=f"{base}keys/{k.key_id}.json") for k in keys
        ],
        "records": counts["published"],
    }
    manifest = {
        "manifest_type": "pith_mirror_manifest",
        "manifest_version": "1.0",
        "merge_version": "pith-open-graph-merge-v1",
        "generator": "pithgen",
        "mirrors": [mirror],
    }
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _write_sitemaps(base_url: str, count: int, urls: Iterator[str], writer: SiteWriter) -> None:
    """``sitemap.xml``, or past :data:`SITEMAP_LIMIT` URLs a sitemap index over
    ``sitemaps/sitemap-N.xml``; URLs are streamed, never listed in memory."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def urlset(chunk: Iterable[str]) -> Iterator[bytes]:
        yield f"{head}<urlset {ns}>\n".encode()
        for url in chunk:
            yield f"  <url><loc>{_xml_escape(base_url + url)}</loc></url>\n".encode()
        yield b"</urlset>\n"

    if count <= SITEMAP_LIMIT:
        writer.write_chunks("sitemap.xml", urlset(urls))
        return
    names = []
    for n in range(-(-count // SITEMAP_LIMIT)):
        name = f"sitemaps/sitemap-{n + 1}.xml"
        writer.write_chunks(name, urlset(islice(urls, SITEMAP_LIMIT)))
        names.append(name)
    body = "".join(f"  <sitemap><loc>{_xml_escape(base_url + n)}</loc></sitemap>\n" for n in names)
    writer.write("sitemap.xml", f"{head}<sitemapindex {ns}>\n{body}</sitemapindex>\n".encode())


__all__ = ["BuildOutcome", "Path", "build_site"]
