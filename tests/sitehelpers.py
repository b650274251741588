"""Helpers for the site test suite (tests/test_site_*.py, tests/test_browser.py) and
tools/regen_golden.py: a deterministic minted archive, tree hashing, an HTML link checker,
redirect and shard readers.

Keys and minting come from conftest (the fixed test key and ``make_paper``/``make_bundle``),
so every byte of a minted archive is reproducible.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from conftest import SIGNED_AT, TEST_KEY_ID, TEST_SEED, make_bundle, make_paper
from mergeviews import verdicts_of

from pithgen.build import BuildOutcome, build_site
from pithgen.config import BuildConfig
from pithgen.keys import SigningKey, write_key_pair
from pithgen.mint import mint_record
from pithgen.search import rank

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GOLDEN_ROOT = HERE / "golden"
GOLDEN_DIR = GOLDEN_ROOT / "sample-site"
SAMPLE_RECORDS = REPO / "records"
SAMPLE_BASE_URL = "https://mirror.example/pith/"
SAMPLE_TITLE = "Pith sample mirror & friends"
#: The golden archive (written by tools/make_golden_archive.py): records/ and keys/.
ARCHIVE_FIXTURE = HERE / "fixtures" / "golden-archive"
ARCHIVE_KEYS = ("keys/test-key-1.json", "keys/test-key-2.json")
ARCHIVE_BASE_URL = "https://mirror.example/archive/"
ARCHIVE_TITLE = "Pith golden archive"
MINTED_BASE_URL = "https://mirror.example/minted/"
MINTED_TITLE = "Minted test mirror"

#: Hosts an absolute link may point to (besides the base URL); never for scripts or styles.
ALLOWED_HOSTS = frozenset({"arxiv.org", "doi.org", "pith.science"})

SHARD_RE = re.compile(r'\ApithgenShard\(("(?:[^"\\]|\\.)*"), (.*)\);\n\Z', re.DOTALL)
REFRESH_RE = re.compile(r"\A\s*0\s*;\s*url=(.+)\Z", re.IGNORECASE | re.DOTALL)


def fixture_key() -> SigningKey:
    return SigningKey.from_seed(TEST_KEY_ID, TEST_SEED)


def write_test_key(path: Path) -> Path:
    """The public key document of the conftest test key (what --trust-key reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = fixture_key().public("test-fixture", "pithgen tests").to_dict()
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


LOG_KEY_ID = "mirror-log"
LOG_SEED = bytes(range(64, 96))


def write_log_key(folder: Path) -> Path:
    """A fixed private key for a mirror's log (what --log-key reads)."""
    private, _ = write_key_pair(SigningKey.from_seed(LOG_KEY_ID, LOG_SEED), folder)
    return private


# --------------------------------------------------------------------------- building


def build_sample(out: Path, records: Path = SAMPLE_RECORDS) -> BuildOutcome:
    """The golden build: the repository's records/ (the real seed record), fixed URL/title."""
    return build_site(
        BuildConfig(records=records, out=out, base_url=SAMPLE_BASE_URL, title=SAMPLE_TITLE)
    )


def build_archive(out: Path, fixture: Path = ARCHIVE_FIXTURE) -> BuildOutcome:
    """The second golden build: the golden archive (``fixture``/records) with keep_going
    on (two of its documents fail), trusting only its two test keys, fixed URL/title and
    the smallest page size (so the verification report has two pages)."""
    return build_site(
        BuildConfig(
            records=fixture / "records",
            out=out,
            base_url=ARCHIVE_BASE_URL,
            title=ARCHIVE_TITLE,
            page_size=10,
            trust_keys=tuple(fixture / k for k in ARCHIVE_KEYS),
            default_keys=False,
            keep_going=True,
        )
    )


@dataclass(frozen=True)
class GoldenSite:
    """A golden tree (folder ``name`` of tests/golden/): how it is built, from which input
    (``build(out, source)``; the source can be a copy elsewhere) and how many of the input
    documents must fail."""

    name: str
    build: Callable[[Path, Path], BuildOutcome]
    source: Path
    base_url: str
    failed: int

    @property
    def golden(self) -> Path:
        return GOLDEN_ROOT / self.name


GOLDEN_SITES = (
    GoldenSite("sample-site", build_sample, SAMPLE_RECORDS, SAMPLE_BASE_URL, 0),
    GoldenSite("archive-site", build_archive, ARCHIVE_FIXTURE, ARCHIVE_BASE_URL, 2),
)


def build_minted(archive: Archive, out: Path, **overrides: Any) -> BuildOutcome:
    settings: dict[str, Any] = {
        "records": archive.records,
        "out": out,
        "base_url": MINTED_BASE_URL,
        "title": MINTED_TITLE,
        "page_size": 10,
        "trust_keys": (archive.key_file,),
    }
    settings.update(overrides)
    outcome = build_site(BuildConfig(**settings))
    assert outcome.written, [v.to_dict() for v in verdicts_of(outcome.result) if not v.ok]
    return outcome


# --------------------------------------------------------------------------- the archive


@dataclass(frozen=True)
class Entry:
    """One input document of a minted archive, and what the site must publish for it."""

    kind: str  # "record" or "bundle"
    source: str  # as named in reports: "path" or "path:line"
    raw: bytes  # the exact bytes a mirror must publish
    suffix: str
    pith_number: str
    arxiv_id: str
    version: int
    title: str
    authors: str
    submitted_at: str
    primary_cat: str
    cross_cats: tuple[str, ...] = ()

    @property
    def year(self) -> str:
        return self.submitted_at[:4]

    @property
    def page(self) -> str:
        return f"pith/{self.suffix}/index.html"


@dataclass
class Archive:
    records: Path
    key_file: Path
    entries: list[Entry] = field(default_factory=list)

    @property
    def records_docs(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "record"]

    @property
    def bundles(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "bundle"]

    @property
    def published(self) -> dict[str, Entry]:
        """suffix -> the entry whose page is rendered (the record if there is one)."""
        out: dict[str, Entry] = {}
        for e in self.entries:
            if e.kind == "record" or e.suffix not in out:
                out[e.suffix] = e
        return out

    def versions(self) -> dict[str, list[Entry]]:
        """arXiv id -> published entries, by version."""
        out: dict[str, list[Entry]] = {}
        for e in self.published.values():
            out.setdefault(e.arxiv_id, []).append(e)
        for group in out.values():
            group.sort(key=lambda e: e.version)
        return out


WORDS = (
    "spectral",
    "manifold",
    "lattice",
    "entropy",
    "quantum",
    "bayesian",
    "topological",
    "galaxy",
    "neural",
    "graph",
    "sparse",
    "stochastic",
    "renormalised",
    "hyperbolic",
)
FIRST = ("Ada", "Bela", "Chen", "Dana", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jun")
LAST = ("Abe", "Berg", "Cruz", "Dahl", "Eze", "Fox", "Gil", "Holm", "Ito", "Jovic", "Kim")
NEW_CATS = ("cs.LG", "cs.CR", "math.GT", "stat.ML", "hep-th", "quant-ph", "astro-ph.CO")
OLD_ARCHIVES = (
    ("astro-ph", "astro-ph"),
    ("hep-th", "hep-th"),
    ("math", "math.GT"),
    ("cond-mat", "cond-mat.str-el"),
    ("quant-ph", "quant-ph"),
)
#: A word in the titles of exactly the papers numbered SEARCH_WORD_PAPERS (all versions).
SEARCH_WORD = "Kaleidoscopic"
SEARCH_WORD_PAPERS = frozenset({0, 40, 123})


@dataclass(frozen=True)
class PaperSpec:
    arxiv_id: str
    versions: int
    submitted_at: str
    primary_cat: str
    n: int


def _candidates() -> Iterator[tuple[str, int, str, str]]:
    """(arxiv id, versions, submitted_at, primary category), forever: one old-style paper
    in every six, the rest new-style; every ninth paper has two versions, some three."""
    yield "astro-ph/9610094", 2, "1996-10-11T07:08:09Z", "astro-ph"
    for i in itertools.count():
        if i % 6 == 5 and i < 6 * 24:
            j = i // 6
            archive, cat = OLD_ARCHIVES[j % len(OLD_ARCHIVES)]
            yy, mm = 92 + j % 8, 1 + (j * 5) % 12
            yield (
                f"{archive}/{yy}{mm:02d}{100 + j:03d}",
                2 if j % 7 == 3 else 1,
                f"19{yy}-{mm:02d}-{1 + j % 28:02d}T{j % 24:02d}:{j % 60:02d}:00Z",
                cat,
            )
            continue
        yy, mm = 7 + i % 18, 1 + (i * 7) % 12
        if yy == 7 and mm < 4:
            mm += 3  # new-style ids start in 0704
        number = f"{i + 1:04d}" if yy < 15 else f"{i + 1:05d}"
        yield (
            f"{yy:02d}{mm:02d}.{number}",
            3 if i % 31 == 2 else 2 if i % 9 == 0 else 1,
            f"20{yy:02d}-{mm:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i * 7 % 60:02d}:{i % 60:02d}Z",
            NEW_CATS[i % len(NEW_CATS)],
        )


def _paper_specs(total_docs: int) -> list[PaperSpec]:
    specs: list[PaperSpec] = []
    count = 0
    for arxiv_id, versions, submitted_at, cat in _candidates():
        if count >= total_docs:
            break
        versions = min(versions, total_docs - count)
        specs.append(PaperSpec(arxiv_id, versions, submitted_at, cat, len(specs)))
        count += versions
    return specs


def _title(spec: PaperSpec, version: int) -> str:
    w = WORDS
    n = spec.n
    title = (
        f"{w[n % len(w)].title()} {w[(n * 3 + 1) % len(w)]} methods for "
        f"{w[(n * 5 + 2) % len(w)]} systems, study {n}"
    )
    if n in SEARCH_WORD_PAPERS:
        title = f"{SEARCH_WORD} {title}"
    if version > 1:
        title += f" (revised {version})"
    return title


def _authors(n: int) -> str:
    count = 1 + n % 3
    return ", ".join(
        f"{FIRST[(n + k) % len(FIRST)]} {LAST[(n * 3 + k) % len(LAST)]}" for k in range(count)
    )


def _entry(doc: dict[str, Any], kind: str, source: str, raw: bytes) -> Entry:
    record = doc["canonical_record"]
    paper = doc.get("paper", {})
    return Entry(
        kind=kind,
        source=source,
        raw=raw,
        suffix=doc["pith_number"].rsplit(":", 1)[1],
        pith_number=doc["pith_number"],
        arxiv_id=record["source"]["id"],
        version=record["source"]["version"],
        title=paper.get("title", ""),
        authors=paper.get("authors_text", ""),
        submitted_at=record["metadata"]["submitted_at"],
        primary_cat=record["metadata"]["primary_cat"],
        cross_cats=tuple(record["metadata"]["cross_cats_sorted"]),
    )


def mint_archive(root: Path, total_docs: int = 300) -> Archive:
    """A deterministic archive of ``total_docs`` record documents plus two bundles under
    ``root/records`` (the test key's public document is ``root/test-key.json``).

    Layout: half of the first 200 records as pretty-printed ``.json`` files in nested
    folders, the other half in ``batch-a.jsonl``, the rest in ``batch-b.jsonl``; one bundle
    beside its record, one bundle for a paper that has no record document. Old-style ids
    (``astro-ph/9610094``), papers with two or three versions, years 1992-2024.
    """
    key = fixture_key()
    records = root / "records"
    records.mkdir(parents=True)
    archive = Archive(records, write_test_key(root / "test-key.json"))
    docs: list[dict[str, Any]] = []
    for spec in _paper_specs(total_docs):
        for version in range(1, spec.versions + 1):
            paper = make_paper(
                arxiv_id=spec.arxiv_id,
                version=version,
                title=_title(spec, version),
                abstract=f"Abstract of study {spec.n} version {version}. "
                + " ".join(WORDS[(spec.n + k) % len(WORDS)] for k in range(12)),
                submitted_at=spec.submitted_at,
                primary_cat=spec.primary_cat,
                cross_cats=() if spec.n % 4 else ("math.CO", spec.primary_cat),
                authors=_authors(spec.n),
                license=""
                if spec.arxiv_id.count("/")
                else "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
            )
            docs.append(mint_record(paper, key, signed_at=SIGNED_AT))
    assert len(docs) == total_docs
    jsonl: dict[str, list[bytes]] = {"batch-a.jsonl": [], "batch-b.jsonl": []}
    bundled: dict[str, Any] | None = None
    for k, doc in enumerate(docs):
        if k < 200 and k % 2:
            year = doc["canonical_record"]["metadata"]["submitted_at"][:4]
            name = doc["canonical_record"]["source"]["id"].replace("/", "-")
            rel = f"single/{year}/{name}v{doc['canonical_record']['source']['version']}.json"
            raw = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            (records / rel).parent.mkdir(parents=True, exist_ok=True)
            (records / rel).write_bytes(raw)
            archive.entries.append(_entry(doc, "record", rel, raw))
            bundled = bundled or doc
        else:
            name = "batch-a.jsonl" if k < 200 else "batch-b.jsonl"
            line = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            jsonl[name].append(line)
            source = f"{name}:{len(jsonl[name])}"
            archive.entries.append(_entry(doc, "record", source, line + b"\n"))
    for name, lines in jsonl.items():
        (records / name).write_bytes(b"".join(line + b"\n" for line in lines))
    assert bundled is not None
    lonely = mint_record(
        make_paper(
            arxiv_id="2312.54321",
            title="A paper known only from its bundle",
            submitted_at="2023-12-30T23:59:58Z",
            primary_cat="cs.CR",
        ),
        key,
        signed_at=SIGNED_AT,
    )
    for doc in (bundled, lonely):
        bundle = make_bundle(doc)
        rel = f"bundles/{doc['short_pith_number'][5:]}.bundle.json"
        raw = (json.dumps(bundle, indent=1) + "\n").encode("utf-8")
        (records / rel).parent.mkdir(parents=True, exist_ok=True)
        (records / rel).write_bytes(raw)
        entry = _entry(bundle, "bundle", rel, raw)
        # A bundle carries no display fields: its page shows the Pith Number instead.
        archive.entries.append(entry)
    return archive


_SHARED: dict[str, tuple[Archive, Path]] = {}


def shared_minted_site(tmp_path_factory: Any) -> tuple[Archive, Path]:
    """One minted archive and its site per test session (read-only for every test)."""
    if "minted" not in _SHARED:
        root = tmp_path_factory.mktemp("minted")
        archive = mint_archive(root)
        build_minted(archive, root / "site", log_key=write_log_key(root / "log-key"))
        _SHARED["minted"] = (archive, root / "site")
    return _SHARED["minted"]


# --------------------------------------------------------------------------- trees


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (dot files included), by '/'-separated relative path."""
    out: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return dict(sorted(out.items()))


def first_difference(left: dict[str, bytes], right: dict[str, bytes], names=("a", "b")) -> str:
    """A unified diff of the first text file that differs between two trees ("" if none)."""
    for path in sorted(set(left) & set(right)):
        if left[path] == right[path]:
            continue
        try:
            old = left[path].decode("utf-8").splitlines(keepends=True)
            new = right[path].decode("utf-8").splitlines(keepends=True)
        except UnicodeDecodeError:
            return f"{path} differs (binary)"
        diff = difflib.unified_diff(old, new, f"{names[0]}/{path}", f"{names[1]}/{path}", n=2)
        return "".join(diff)[:6000] or f"{path} differs in line endings only"
    return ""


def tree_digest(root: Path) -> dict[str, tuple[str, int, int]]:
    """Path -> (sha256, mode, mtime_ns) for every file and folder under ``root``."""
    out: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            st = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            out[path.relative_to(root).as_posix()] = (digest, st.st_mode, st.st_mtime_ns)
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------- HTML


@dataclass(frozen=True)
class Link:
    page: str
    line: int
    tag: str
    attr: str
    value: str
    rel: str


class _LinkParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[Link] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = {k: v for k, v in attrs if v is not None}
        line = self.getpos()[0]
        rel = d.get("rel", "").lower()
        for attr in ("href", "src", "action", "poster", "data", "srcset", "formaction"):
            if attr in d:
                self.links.append(Link(self.page, line, tag, attr, d[attr], rel))
        if tag == "meta" and d.get("http-equiv", "").lower() == "refresh":
            m = REFRESH_RE.match(d.get("content", ""))
            value = m.group(1).strip() if m else f"(unparsable refresh {d.get('content')!r})"
            self.links.append(Link(self.page, line, tag, "http-equiv=refresh", value, rel))


def page_links(site: Path, relpath: str) -> list[Link]:
    parser = _LinkParser(relpath)
    parser.feed((site / relpath).read_text(encoding="utf-8"))
    parser.close()
    return parser.links


def html_pages(site: Path) -> list[str]:
    return [p for p in tree_paths(site) if p.endswith(".html")]


def tree_paths(site: Path) -> list[str]:
    out = []
    for dirpath, _dirs, filenames in os.walk(site):
        for name in filenames:
            out.append((Path(dirpath) / name).relative_to(site).as_posix())
    return sorted(out)


def resolve_relative(site: Path, page: str, value: str) -> str | None:
    """The site-relative file a relative link on ``page`` points to (query and fragment
    stripped), or None when it leaves the site."""
    path = unquote(urlsplit(value).path)
    if not path:
        return page
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return joined


def check_links(site: Path, base_url: str | None, pages: Iterable[str] | None = None) -> list[str]:
    """Every problem with the links of the HTML pages of ``site`` (empty: all good).

    Relative links must name an existing file (a folder fails: from file:// a folder does
    not open its index.html); absolute links must be http(s) to an allowed host or under
    the base URL, and nothing (script, style, image, frame) may be loaded from any of them.
    """
    problems: list[str] = []
    base = urlsplit(base_url) if base_url else None
    existing = set(tree_paths(site))
    for page in html_pages(site) if pages is None else pages:
        for link in page_links(site, page):
            where = f"{link.page}:{link.line} <{link.tag} {link.attr}={link.value!r}>"
            value = link.value.strip()
            parts = urlsplit(value)
            if value.startswith("#"):
                continue
            if parts.scheme or parts.netloc:
                if parts.scheme not in ("http", "https") or not parts.netloc:
                    problems.append(f"{where}: only http(s) absolute links are allowed")
                    continue
                under_base = base is not None and value.startswith(base_url or "")
                if parts.hostname not in ALLOWED_HOSTS and not under_base:
                    problems.append(f"{where}: host {parts.hostname!r} is not allowed")
                loads = link.attr in ("src", "srcset", "data", "poster") or (
                    link.tag == "link"
                    and any(
                        r in link.rel.split()
                        for r in ("stylesheet", "preload", "modulepreload", "icon", "manifest")
                    )
                )
                if loads and under_base:
                    # The site's own host (404.html links absolutely: it is served at any
                    # depth); what it loads must exist in the site.
                    own = urlsplit(value[len(base_url or "") :]).path
                    if own not in existing:
                        problems.append(f"{where}: {own!r} is not a file of the site")
                elif loads:
                    problems.append(f"{where}: loads a resource from another host")
                continue
            if parts.path.startswith("/"):
                # Only 404.html may link root-relative (it is served at any depth), and only
                # under the base URL's path, to files of the site.
                own = base.path if base is not None else None
                if link.page == "404.html" and own and parts.path.startswith(own):
                    if parts.path[len(own) :] not in existing:
                        problems.append(f"{where}: {parts.path!r} is not a file of the site")
                    continue
                problems.append(f"{where}: root-absolute link (breaks on file:// and subpaths)")
                continue
            target = resolve_relative(site, page, value)
            if target is None:
                problems.append(f"{where}: leaves the site")
            elif target not in existing:
                kind = "a folder" if (site / target).is_dir() else "missing"
                problems.append(f"{where}: target {target!r} is {kind}")
    return problems


def redirect_target(site: Path, relpath: str) -> str:
    """The site-relative file a meta-refresh page at ``relpath`` sends the browser to."""
    refresh = [lk for lk in page_links(site, relpath) if lk.attr == "http-equiv=refresh"]
    assert len(refresh) == 1, f"{relpath}: expected one meta refresh, found {refresh}"
    target = resolve_relative(site, relpath, refresh[0].value)
    assert target is not None, refresh
    return target


class _TextCollector(HTMLParser):
    """Text of elements matching (tag, class) and attributes of all elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = {k: v or "" for k, v in attrs}
        self.elements.append((tag, d, []))
        if tag not in VOID:
            self._open.append(len(self.elements) - 1)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self.elements[self._open[i]][0] == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for i in self._open:
            self.elements[i][2].append(data)


VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass(frozen=True)
class Element:
    tag: str
    attrs: dict[str, str]
    text: str


def elements(html: str) -> list[Element]:
    """Every element of ``html`` with its attributes and (concatenated) text content."""
    parser = _TextCollector()
    parser.feed(html)
    parser.close()
    return [Element(t, a, "".join(parts)) for t, a, parts in parser.elements]


def find(html: str, tag: str, cls: str | None = None, **attrs: str) -> list[Element]:
    return [
        e
        for e in elements(html)
        if e.tag == tag
        and (cls is None or cls in e.attrs.get("class", "").split())
        and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
    ]


# --------------------------------------------------------------------------- shards


def read_shard(path: Path) -> tuple[str, Any]:
    """(name, data) of a ``pithgenShard("name", data);`` script."""
    text = path.read_text(encoding="ascii")
    m = SHARD_RE.match(text)
    assert m, f"{path}: not a shard script: {text[:120]!r}"
    return json.loads(m.group(1)), json.loads(m.group(2))


def read_json(path: Path) -> Any:
    return json.loads(path.read_bytes())


def shard_reader(site: Path) -> Callable[[str], Any]:
    """A :data:`pithgen.search.Reader` over a built site's shard scripts (None: missing)."""

    def read(name: str) -> Any:
        path = site / f"{name}.js"
        return read_shard(path)[1] if path.is_file() else None

    return read


def search_rows(site: Path, query: str) -> list[list[Any]]:
    """The paper rows a search for ``query`` shows, best first (the reference ranking,
    :func:`pithgen.search.rank`, which pithgen.js mirrors)."""
    read = shard_reader(site)
    _, ranked = rank(query, read)
    block = read("search/meta")["doc_block"]
    return [read(f"search/d/{docid // block}")[docid % block] for docid, _ in ranked]
