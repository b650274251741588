"""Stage 5, render: pure functions from records and index data to page bytes.

Jinja2 with autoescaping on for every template: every record field is untrusted text.
A site may override any template file from its own ``templates/`` folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from pithgen import layout
from pithgen.badge import badge_for, badge_snippets
from pithgen.canonical import canonical_json, doi_for
from pithgen.errors import ConfigError
from pithgen.keys import TrustedKey
from pithgen.layout import root_path
from pithgen.listing import Page, Paper, Summary
from pithgen.model import RecordDocument, Verdict
from pithgen.pageverify import LogProof, verifier_data
from pithgen.theme import template_error_at

BADGES = (
    ("attested", "author_attested"),
    ("anchored", "externally_anchored"),
    ("stored", "storage_verified"),
    ("references", "references_resolved"),
)
CHECK_LABELS = {
    "structure": "Structure",
    "record_type": "Record type",
    "receipt_encoding": "Signature encoding",
    "canonical_hash": "Hash recomputed",
    "pith_number": "Pith Number derived",
    "short_pith_number": "Short number",
    "aliases": "Aliases",
    "source": "Source",
    "title_hash": "Title hash",
    "abstract_hash": "Abstract hash",
    "display_metadata": "Displayed metadata",
    "receipt_key": "Signing key",
    "receipt_fingerprint": "Key fingerprint",
    "receipt_signature": "Signature",
    "events": "Bundle events",
    "duplicate": "Duplicate",
}


@dataclass(frozen=True)
class SiteInfo:
    title: str
    base_url: str | None
    description: str
    keys: tuple[TrustedKey, ...]
    counts: dict[str, int] = field(default_factory=dict)

    def url(self, relpath: str) -> str | None:
        """The absolute URL of a site path, when the base URL is known."""
        return None if self.base_url is None else self.base_url + relpath


MAX_AUTHORS = 100  # in meta tags, JSON-LD and BibTeX; the page shows the text as given
MAX_ALIASES = 50  # rows of a record page's alias table; the JSON mirror keeps them all
_TEX_DANGER = re.compile(
    r"\\(input|include|openin|openout|write|read|immediate|catcode|def|edef|gdef|xdef|"
    r"csname|let|special|usepackage|documentclass|newcommand|renewcommand|providecommand|"
    r"expandafter|futurelet|afterassignment|everypar|everymath|scantokens|jobname|"
    r"uppercase|lowercase|string|globaldefs|endinput)(?![A-Za-z])"
)


def _authors(text: str) -> list[str]:
    return [a.strip() for a in text.split(",") if a.strip()]


def bibtex_field(text: str) -> str:
    """Text safe inside a BibTeX ``{...}`` field: TeX is kept (arXiv titles use it), but
    unbalanced braces are escaped so the field cannot be closed early, and primitives that
    read, write or redefine are neutralised."""
    text = " ".join(text.split())
    depth, balanced = 0, True
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            balanced = False
            break
    if not balanced or depth != 0:
        text = text.replace("\\", "\\textbackslash ").replace("{", "\\{").replace("}", "\\}")
    # TeX's ^^ notation spells any character (\^^69nput is \input): never let it through.
    text = re.sub(r"\\?\^\^", r"\\textasciicircum{}\\textasciicircum{}", text)
    return _TEX_DANGER.sub(lambda m: "\\textbackslash " + m.group(1), text)


def _bibtex(doc: RecordDocument, title: str, authors: str, url: str | None) -> str:
    key = "pith" + doc.suffix[:12]  # 8 characters can be shared by two records
    lines = [
        f"@misc{{{key},",
        f"  title         = {{{bibtex_field(title)}}},",
        f"  author        = {{{bibtex_field(' and '.join(_authors(authors)[:MAX_AUTHORS]))}"
        f"{' and others' if len(_authors(authors)) > MAX_AUTHORS else ''}}},",
        f"  year          = {{{doc.submitted_at[:4]}}},",
        f"  eprint        = {{{doc.arxiv_id}}},",
        "  archivePrefix = {arXiv},",
        f"  primaryClass  = {{{doc.metadata['primary_cat']}}},",
        f"  doi           = {{{doi_for(doc.arxiv_id)}}},",
        f"  note          = {{Pith Number \\texttt{{{doc.pith_number}}}}},",
    ]
    if url:
        lines.append(f"  howpublished  = {{\\url{{{url}}}}},")
    lines.append("}")
    return "\n".join(lines)


def _verify_snippet(
    doc: RecordDocument, key: TrustedKey | None, json_name: str, json_url: str | None
) -> str:
    receipt = (
        'doc["receipt"]'
        if doc.kind == "record"
        else '[e for e in doc["events"] if e["event_type"] == "record_created"][0]'
        '["payload"]["receipt"]'
    )
    fetch = (
        f"curl -sSfo {json_name.rsplit('/', 1)[-1]} {json_url}"
        if json_url
        else f"# the file is {json_name} in this mirror; copy it beside you"
    )
    key_hex = key.raw.hex() if key is not None else "<public key hex>"
    return f"""{fetch}
python3 - {json_name.rsplit("/", 1)[-1]} <<'EOF'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
doc = json.load(open(sys.argv[1], encoding="utf-8"))
record = doc["canonical_record"]
canon = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
digest = hashlib.sha256(canon.encode("utf-8")).digest()
assert digest.hex() == doc["canonical_sha256"], "canonical hash mismatch"
suffix = base64.b32encode(digest).decode()[:26]
number = "pith:" + record["metadata"]["submitted_at"][:4] + ":" + suffix
assert number == doc["pith_number"] == "{doc.pith_number}", "Pith Number mismatch"
key = Ed25519PublicKey.from_public_bytes(bytes.fromhex("{key_hex}"))
key.verify(base64.b64decode({receipt}["signature_b64"]), digest)
print("verified", number)
EOF"""


def _aliases(doc: RecordDocument) -> list[dict[str, Any]]:
    """The alias objects a document carries: ``aliases`` in a record document,
    ``source_aliases`` in a bundle (never the other's field: a bundle's stray ``aliases``
    key is not what was checked)."""
    value = doc.raw.get("aliases" if doc.kind == "record" else "source_aliases")
    return [a for a in value if isinstance(a, dict)] if isinstance(value, list) else []


class Renderer:
    """Renders every page of a site; holds no per-record state."""

    def __init__(self, env: jinja2.Environment, site: SiteInfo) -> None:
        self.env = env
        self.site = site
        md = MarkdownIt("commonmark", {"html": False, "linkify": False})
        self.description_html = Markup(md.render(site.description)) if site.description else ""
        self._keys = {k.key_id: k for k in site.keys}

    def _render(self, template: str, relpath: str, **context: Any) -> bytes:
        context.setdefault("root", layout.root_for(relpath))
        context.setdefault("canonical_url", self.site.url(layout.folder_url(relpath)))
        try:
            html = self.env.get_template(template).render(
                site=self.site, relpath=relpath, **context
            )
        except Exception as exc:
            where = template_error_at(self.env, exc)
            if where is None:
                raise  # not a template's error: a bug elsewhere stays a bug
            raise ConfigError(
                f"template error while rendering {relpath}: {type(exc).__name__}: {exc}",
                where=where,
            ) from None
        return html.encode("utf-8")

    def not_found_page(self) -> bytes:
        """``404.html`` is served at the depth of whatever URL was missing, so its links are
        root-relative (the base URL's path, e.g. ``/mirror/``) when the base URL is known;
        relative to the site root otherwise. Its script hands a missing identifier path
        (``pith/…``, ``arxiv/…``, ``doi/…``) to the resolver."""
        root = root_path(self.site.base_url) if self.site.base_url else ""
        return self._render("404.html", layout.NOT_FOUND, root=root, canonical_url=None)

    def record_page(
        self,
        doc: RecordDocument,
        verdict: Verdict,
        *,
        has_record_json: bool,
        has_bundle: bool,
        short_shared: bool = False,
        versions: list[tuple[int, str]] | None = None,
        graph: dict[str, Any] | None = None,
        cited_by: tuple[list[list[str]], int] = ([], 0),
        log: dict[str, Any] | None = None,
        published: bytes | None = None,
        proof: LogProof | None = None,
    ) -> bytes:
        """The record page of ``doc``. With ``published`` (the document's exact bytes) it
        carries the in-browser verifier and its data (:mod:`pithgen.pageverify`), with
        ``proof`` the document's log proof."""
        relpath = layout.record_page(doc.suffix)
        page_url = self.site.url(layout.folder_url(relpath))
        paper = doc.paper
        title = paper.get("title") if isinstance(paper.get("title"), str) else None
        authors_field = paper.get("authors_text")
        authors = authors_field if isinstance(authors_field, str) else ""
        meta = doc.metadata
        status = doc.raw.get("verification_status")
        flags = status if isinstance(status, dict) else {}
        badges = [
            (
                label,
                flags.get(name) is True
                or (isinstance(flags.get(name), int) and flags.get(name, 0) > 0),
            )
            for label, name in BADGES
        ]
        json_name = layout.record_json(doc.suffix) if has_record_json else layout.bundle(doc.suffix)
        key = self._keys.get(verdict.key_id or "")
        abs_url = f"https://arxiv.org/abs/{doc.arxiv_id}v{doc.version}"
        pdf_url = f"https://arxiv.org/pdf/{doc.arxiv_id}v{doc.version}"
        badge = badge_for(doc)
        badge_markdown, badge_html = badge_snippets(
            badge,
            self.site.url(layout.badge(doc.suffix)) or layout.badge(doc.suffix),
            page_url or layout.record_page(doc.suffix),
        )
        authors_list = _authors(authors)[:MAX_AUTHORS]
        outcomes = {c.check: c.outcome for c in verdict.checks}
        title_verified = outcomes.get("title_hash") == "ok"
        aliases = _aliases(doc)
        ld: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ScholarlyArticle",
            "name": title if title and title_verified else doc.pith_number,
            "author": [{"@type": "Person", "name": a} for a in authors_list],
            "datePublished": doc.submitted_at[:10],
            "identifier": [
                doc.pith_number,
                f"arXiv:{doc.arxiv_id}v{doc.version}",
                f"https://doi.org/{doi_for(doc.arxiv_id)}",
            ],
            "sameAs": [abs_url],
            "about": [meta["primary_cat"], *meta["cross_cats_sorted"]],
        }
        if page_url:
            ld["url"] = page_url
        return self._render(
            "record.html",
            relpath,
            doc=doc,
            paper=paper,
            title=title,
            title_verified=title_verified,
            abstract_verified=outcomes.get("abstract_hash") == "ok",
            authors=authors,
            authors_list=authors_list,
            meta=meta,
            badges=badges,
            checks=[(CHECK_LABELS.get(c.check, c.check), c) for c in verdict.checks],
            verdict=verdict,
            key=key,
            abs_url=abs_url,
            pdf_url=pdf_url,
            badge=badge,
            badge_markdown=badge_markdown,
            badge_html=badge_html,
            doi=doi_for(doc.arxiv_id),
            aliases=aliases[:MAX_ALIASES],
            more_aliases=max(0, len(aliases) - MAX_ALIASES),
            canonical_pretty=json.dumps(
                doc.canonical_record, sort_keys=True, indent=2, ensure_ascii=False
            ),
            canonical_text=canonical_json(doc.canonical_record),
            bibtex=_bibtex(
                doc,
                title if title and title_verified else "",
                authors,
                page_url,
            ),
            latex=f"\\href{{{page_url or abs_url}}}{{\\texttt{{{doc.pith_number}}}}}",
            snippet=_verify_snippet(doc, key, json_name, self.site.url(json_name)),
            json_ld=ld,
            has_record_json=has_record_json,
            has_bundle=has_bundle,
            short_shared=short_shared,
            versions=versions or [],
            graph=graph,
            cited_by=cited_by,
            log=log,
            verify=None if published is None else verifier_data(doc, published, key, proof),
            abstract=paper.get("abstract") or paper.get("abstract_excerpt") or "",
            abstract_is_excerpt="abstract" not in paper and "abstract_excerpt" in paper,
        )

    def redirect_page(
        self, relpath: str, target: str, label: str, choices: list[Summary] | None = None
    ) -> bytes:
        """A static redirect (``target`` is site-relative) or, with ``choices``, a list."""
        if choices:
            return self._render("choices.html", relpath, label=label, choices=choices)
        return self._render(
            "redirect.html",
            relpath,
            target=target,
            label=label,
            canonical_url=self.site.url(layout.folder_url(target)),
        )

    def listing_page(
        self, relpath: str, heading: str, page: Page, crumbs: list[tuple[str, str]]
    ) -> bytes:
        return self._render("listing.html", relpath, heading=heading, page=page, crumbs=crumbs)

    def browse_page(self, years: list[tuple[str, int]], categories: list[tuple[str, int]]) -> bytes:
        return self._render("browse.html", layout.BROWSE, years=years, categories=categories)

    def home_page(self, newest: list[Paper], summary: dict[str, int]) -> bytes:
        """The home page: counts, the find forms (their examples are the newest record of
        this mirror, not one it may not hold) and the newest papers."""
        return self._render(
            "index.html",
            layout.HOME,
            newest=newest,
            example=newest[0].latest if newest else None,
            summary=summary,
            description_html=self.description_html,
        )

    def resolve_page(self, example: Summary | None) -> bytes:
        """The resolver; its help shows the accepted forms with ``example``'s identifiers."""
        return self._render("resolve.html", layout.RESOLVE, example=example)

    def verification_page(
        self,
        relpath: str,
        summary: dict[str, int],
        rows: list[Verdict],
        page: int,
        pages: int,
        events: dict[str, Any] | None = None,
    ) -> bytes:
        return self._render(
            "verification.html",
            relpath,
            summary=summary,
            rows=rows,
            page=page,
            pages=pages,
            events=events,
        )

    def simple_page(self, template: str, relpath: str, **context: Any) -> bytes:
        return self._render(template, relpath, **context)


__all__ = ["Renderer", "SiteInfo", "bibtex_field", "root_path"]
