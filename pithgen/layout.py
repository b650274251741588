"""The one owner of the site's URL scheme: every output path of a pithgen site.

Everything else derives from here: the build stages (which files to write), the templates
(``layout`` is a Jinja global: ``{{ root }}{{ layout.record_page(s.suffix) }}``), the
mirror manifest (the ``*_pattern`` URLs of spec section 7 are :data:`PATTERNS`) and the
site's JavaScript (``LAYOUT`` in ``assets/pithgen.js`` is checked against :func:`js_layout`
by the test suite). Change a path here and nowhere else.

Paths are site-relative, use ``/``, never start with ``/`` and name a file (a folder URL
is the file's path without ``index.html``: :func:`folder_url`). Values built into a path
(suffixes, arXiv ids, categories, key ids) must already have passed their grammar; the
write stage checks every path again before it touches the disk.

Portable output
---------------
A site is also read offline from copies on case-insensitive (macOS) and Windows file
systems, where ``a`` and ``A`` name one file and ``con``, ``nul``, ``com1``... (with any
extension: ``CON.json``) name devices. Checking every written path against every other one
would take memory that grows with the site, so portability is built into the grammars
instead, and only what no grammar fixes is checked at write time:

* Every placeholder of a path pattern has a *case-fixed* grammar, one in which two
  different values never differ only in case: suffixes, short numbers and shard prefixes
  are uppercase base32; arXiv ids are digits or one of arXiv's old-style archives, a fixed
  lowercase list (:data:`pithgen.identifiers.OLD_ARCHIVES`); categories have a lowercase
  archive and a subject class of exactly two uppercase letters (``cs.LG``) or of three or
  more lowercase characters (``cond-mat.stat-mech``), as arXiv spells them; years,
  versions, page and block numbers are digits; hash shards lowercase hex. None of these
  grammars can spell a reserved device name (the one category archive that could, e.g.
  ``con``, is refused by :func:`pithgen.structure.valid_category`).
* Key ids are the one placeholder of mixed case (``keys/{key_id}.json``): a key id may not
  be a reserved name (:func:`pithgen.keys.check_key_id`) and a key ring refuses two that
  differ only in case.
* The write stage checks again (:mod:`pithgen.write`, :mod:`pithgen.portable`): no segment
  is a reserved name (:func:`reserved_name`) or ends in ``.`` (Windows drops it); a path
  under a folder whose names come from case-fixed grammars must match them exactly; every
  other path (the root files, assets, key documents: a few dozen) is compared, folded, with
  the others, so two outputs that differ only in case are an error, never a broken copy.
  ``tests/test_portable.py`` checks with random values of every grammar that distinct
  values always give paths that stay distinct after ``casefold()``.
"""

from __future__ import annotations

from types import MappingProxyType
from urllib.parse import urlsplit

INDEX = "index.html"

# --- per-record files: patterns with placeholders (published in the manifest) -------------

RECORD_JSON = "pith/{suffix}.json"
RECORD_PAGE = "pith/{suffix}/index.html"
BUNDLE = "pith/{suffix}/bundle.json"
BADGE = "pith/{suffix}/badge.svg"
STATE = "pith/{suffix}/state.json"
RECORD_PROOF = "pith/{suffix}.json.tlog-proof"
BUNDLE_PROOF = "pith/{suffix}/bundle.json.tlog-proof"
EVENTS = "pith/{suffix}/events.json"
WELL_KNOWN_BUNDLE = ".well-known/pith/{suffix}/bundle.json"
SHORT_REDIRECT = "pith/{short}/index.html"
ARXIV_REDIRECT = "arxiv/{arxiv_id}/index.html"
ARXIV_VERSION_REDIRECT = "arxiv/{arxiv_id}v{version}/index.html"
DOI_REDIRECT = "doi/10.48550/arxiv.{arxiv_id}/index.html"
KEY_DOCUMENT = "keys/{key_id}.json"

# --- site-wide files ------------------------------------------------------------------------

HOME = "index.html"
LISTING = "browse/{kind}/{name}/{page}"
VERIFICATION_PAGE = "verification/{page}"
SEARCH = "search.html"
RESOLVE = "resolve.html"
NOT_FOUND = "404.html"
BROWSE = "browse/index.html"
VERIFICATION_JSON = "verification.json"
GRAPH = "graph.json"
LOG = "log/"
LOG_CHECKPOINT = "log/checkpoint"
LOG_TILE = "log/tile/{tile}"
LOG_KEY = "keys/log.vkey"
MANIFEST = "pith-mirrors.json"
SITEMAP = "sitemap.xml"
SITEMAP_PART = "sitemaps/sitemap-{number}.xml"
FEED = "feed.xml"
ROBOTS = "robots.txt"
NOJEKYLL = ".nojekyll"
ASSETS = "assets/"
STYLESHEET = "assets/pithgen.css"
SCRIPT = "assets/pithgen.js"
THEME_SCRIPT = "assets/theme.js"
#: The in-browser verifier of record pages (loaded by record pages only).
VERIFY_SCRIPT = "assets/verify.js"
FAVICON = "assets/favicon.svg"

# --- index shards (``{name}.js`` for pages, ``{name}.json`` twins for scripts) -------------

RESOLVE_META = "resolve/meta"
RESOLVE_PITH_SHARD = "resolve/p/{prefix}"
RESOLVE_ID_SHARD = "resolve/a/{shard}"
SEARCH_META = "search/meta"
SEARCH_TOKEN_SHARD = "search/t/{shard}"
SEARCH_DOC_BLOCK = "search/d/{block}"

#: The URL patterns a mirror manifest publishes (spec section 7), by manifest key.
PATTERNS = MappingProxyType(
    {
        "record_pattern": RECORD_JSON,
        "html_pattern": RECORD_PAGE,
        "bundle_pattern": BUNDLE,
        "well_known_pattern": WELL_KNOWN_BUNDLE,
        "state_pattern": STATE,
        "events_pattern": EVENTS,
    }
)


def record_json(suffix: str) -> str:
    return RECORD_JSON.format(suffix=suffix)


def record_page(suffix: str) -> str:
    return RECORD_PAGE.format(suffix=suffix)


def bundle(suffix: str) -> str:
    return BUNDLE.format(suffix=suffix)


def record_proof(suffix: str) -> str:
    """The log's inclusion proof of the record document (c2sp.org/tlog-proof@v1)."""
    return RECORD_PROOF.format(suffix=suffix)


def bundle_proof(suffix: str) -> str:
    return BUNDLE_PROOF.format(suffix=suffix)


def log_file(path: str) -> str:
    """A file of the log (``path`` relative to the log's folder: ``checkpoint``, or a tile
    path of C2SP tlog-tiles, ``tile/0/x001/234``, which :mod:`pithgen.tlog.tiles` owns)."""
    return LOG + path


def state(suffix: str) -> str:
    """The record's merged Open Graph state (spec section 7)."""
    return STATE.format(suffix=suffix)


def events(suffix: str) -> str:
    """Every event of the record with its state and reason."""
    return EVENTS.format(suffix=suffix)


def badge(suffix: str) -> str:
    """The record's embeddable badge (an SVG image)."""
    return BADGE.format(suffix=suffix)


def well_known_bundle(suffix: str) -> str:
    return WELL_KNOWN_BUNDLE.format(suffix=suffix)


def short_redirect(short: str) -> str:
    """The page of an 8-character short Pith Number (``pith:4FP6Z27B``)."""
    return SHORT_REDIRECT.format(short=short)


def arxiv_redirect(arxiv_id: str) -> str:
    return ARXIV_REDIRECT.format(arxiv_id=arxiv_id)


def arxiv_version_redirect(arxiv_id: str, version: int) -> str:
    return ARXIV_VERSION_REDIRECT.format(arxiv_id=arxiv_id, version=version)


def doi_redirect(arxiv_id: str) -> str:
    return DOI_REDIRECT.format(arxiv_id=arxiv_id)


def key_document(key_id: str) -> str:
    return KEY_DOCUMENT.format(key_id=key_id)


PAGE_FILE = "page-{number}.html"


def page_file(number: int) -> str:
    """The file name of page ``number`` (from 1) of a paginated folder."""
    return INDEX if number == 1 else PAGE_FILE.format(number=number)


def listing(kind: str, name: str, number: int = 1) -> str:
    """Page ``number`` of the browse listing of a year (``kind`` ``"year"``) or a primary
    category (``"category"``)."""
    if kind not in ("year", "category"):
        raise ValueError(f"listing kind: expected 'year' or 'category', found {kind!r}")
    return LISTING.format(kind=kind, name=name, page=page_file(number))


def verification_page(number: int = 1) -> str:
    return VERIFICATION_PAGE.format(page=page_file(number))


def sitemap_part(number: int) -> str:
    """Part ``number`` (from 1) of a sitemap split under a sitemap index."""
    return SITEMAP_PART.format(number=number)


def shard_script(name: str) -> str:
    return f"{name}.js"


def shard_json(name: str) -> str:
    return f"{name}.json"


def resolve_pith_shard(prefix: str) -> str:
    return RESOLVE_PITH_SHARD.format(prefix=prefix)


def resolve_id_shard(shard: str) -> str:
    return RESOLVE_ID_SHARD.format(shard=shard)


def search_token_shard(shard: str) -> str:
    return SEARCH_TOKEN_SHARD.format(shard=shard)


def search_doc_block(block: int) -> str:
    return SEARCH_DOC_BLOCK.format(block=block)


def folder_url(relpath: str) -> str:
    """The URL a page is published under: its folder for ``…/index.html`` (``pith/X/``),
    the file otherwise; ``""`` for the home page."""
    return relpath.removesuffix(INDEX)


def root_for(relpath: str) -> str:
    """The relative prefix from the file at ``relpath`` back to the site root."""
    return "../" * relpath.count("/")


def js_layout() -> dict[str, str]:
    """The paths ``assets/pithgen.js`` builds itself (its ``LAYOUT`` object must equal
    this; ``{…}`` are the placeholders it fills in)."""
    return {
        "recordPage": RECORD_PAGE,
        "search": SEARCH,
        "resolve": RESOLVE,
        "resolveMeta": RESOLVE_META,
        "resolvePithShard": RESOLVE_PITH_SHARD,
        "resolveIdShard": RESOLVE_ID_SHARD,
        "searchMeta": SEARCH_META,
        "searchTokenShard": SEARCH_TOKEN_SHARD,
        "searchDocBlock": SEARCH_DOC_BLOCK,
        "shardScript": "{name}.js",
    }


#: Names Windows reserves for devices, in any case and with any extension (``NUL.txt`` and
#: ``nul.tar.gz`` are ``NUL`` too): Microsoft's "Naming Files, Paths, and Namespaces" lists
#: CON, PRN, AUX, NUL, COM1-COM9, COM¹-COM³, LPT1-LPT9 and LPT¹-LPT³.
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"{port}{digit}" for port in ("com", "lpt") for digit in "123456789\u00b9\u00b2\u00b3"}
)


def reserved_name(segment: str) -> bool:
    """Whether a path segment names a Windows device: its part before the first ``.``,
    without trailing spaces, is a :data:`RESERVED_NAMES` name in any case."""
    return segment.split(".", 1)[0].rstrip(" ").casefold() in RESERVED_NAMES


def root_path(base_url: str) -> str:
    """The root-relative path of the site root (``/mirror/``) from its base URL: always
    one leading ``/``, never ``//``, which a browser reads as another host
    (``//evil.example/assets/…``). The configuration refuses such base URLs; this holds
    whatever the base URL."""
    path = urlsplit(base_url).path.lstrip("/")
    return "/" + (path if not path or path.endswith("/") else path + "/")
