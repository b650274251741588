"""pithgen.js resolver and search, run by node against a fake DOM and a site directory of
shard files written exactly as the shard contract says (see templates/assets/pithgen.js)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_js_logic import run_harness

from pithgen.tokens import shard_of, tokenize

DOM_HARNESS = Path(__file__).parent / "js" / "dom_harness.js"

EVIL = '</script><img src=x onerror=alert(1)> & "quoted" <b>bold</b>'
R1 = ("M4NI2KXAZCOWQTM4MGTRDHNEU2", "pith:2018:M4NI2KXAZCOWQTM4MGTRDHNEU2")
R2 = ("M4NI2KXBAAAAAAAAAAAAAAAAAA", "pith:2019:M4NI2KXBAAAAAAAAAAAAAAAAAA")
R3 = ("4FP6Z27BAAAAAAAAAAAAAAAAAA", "pith:2018:4FP6Z27BAAAAAAAAAAAAAAAAAA")
R4 = ("CXCABA6QFIUMLMALDXDVFWNFNQ", "pith:2018:CXCABA6QFIUMLMALDXDVFWNFNQ")
R5 = ("7777777777777777777777777A", "pith:1996:7777777777777777777777777A")

# suffix, pith number, title, authors, arxiv id, version, category, year
RECORDS: list[tuple[str, str, str, str, str, int, str, int]] = [
    (*R1, "ARPA Whitepaper", "Alice Example", "1812.05820", 1, "cs.CR", 2018),
    (*R2, "Another paper", "Bob Example", "1901.00001", 1, "math.GT", 2019),
    (*R3, "Old version of a paper", "Carol", "1810.06877", 1, "cs.LG", 2018),
    (*R4, "New version of a paper", "Carol", "1810.06877", 2, "cs.LG", 2018),
    (*R5, EVIL, "Mallory", "astro-ph/9610094", 1, "astro-ph", 1996),
] + [
    (
        "F" + format(i, "025b").replace("0", "A").replace("1", "B"),
        "pith:2020:F" + format(i, "025b").replace("0", "A").replace("1", "B"),
        f"Filler paper number {i} on topology",
        "Dan Filler",
        f"2001.{i:05d}",
        1,
        "math.GT",
        2020,
    )
    for i in range(60)
]
ID_SHARDS = 16
TOKEN_SHARDS = 16
DOC_BLOCK = 2


def write_shard(site: Path, name: str, data: Any) -> None:
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    path = site / (name + ".js")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'pithgenShard("{name}", {text});\n', encoding="utf-8")


def build_site(site: Path) -> None:
    """A minimal index stage following the shard contract."""
    write_shard(
        site,
        "resolve/meta",
        {"version": 1, "pith_prefix_len": 2, "id_shards": ID_SHARDS, "records": len(RECORDS)},
    )
    by_prefix: dict[str, list[list[Any]]] = {}
    by_id: dict[str, dict[str, list[list[Any]]]] = {}
    for suffix, pith, title, _a, arxiv_id, version, _c, _y in RECORDS:
        by_prefix.setdefault(suffix[:2], []).append([suffix, pith, title])
        shard = by_id.setdefault(shard_of(arxiv_id, ID_SHARDS), {})
        shard.setdefault(arxiv_id, []).append([version, suffix, pith, title])
    for prefix, rows in by_prefix.items():
        write_shard(site, "resolve/p/" + prefix, sorted(rows))
    for h, table in by_id.items():
        write_shard(site, "resolve/a/" + h, {k: sorted(v) for k, v in table.items()})

    write_shard(
        site,
        "search/meta",
        {"version": 1, "token_shards": TOKEN_SHARDS, "doc_block": DOC_BLOCK, "docs": len(RECORDS)},
    )
    postings: dict[str, list[int]] = {}
    docs: list[list[Any]] = []
    for docid, (suffix, pith, title, authors, arxiv_id, version, cat, year) in enumerate(RECORDS):
        with_v = f"{arxiv_id}v{version}"
        for token in tokenize(" ".join([title, authors, arxiv_id, with_v, cat])):
            postings.setdefault(token, []).append(docid)
        docs.append([suffix, pith, title, authors, with_v, cat, year])
    token_shards: dict[str, dict[str, list[int]]] = {}
    for token, ids in postings.items():
        token_shards.setdefault(shard_of(token, TOKEN_SHARDS), {})[token] = ids
    for h, postings_table in token_shards.items():
        write_shard(site, "search/t/" + h, postings_table)
    for start in range(0, len(docs), DOC_BLOCK):
        write_shard(site, f"search/d/{start // DOC_BLOCK}", docs[start : start + DOC_BLOCK])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("site")
    build_site(path)
    return path


def run(site: Path, runs: list[dict[str, str]], root: str = "", page_dir: str = "") -> Any:
    return run_harness(
        {"site": str(site), "root": root, "page_dir": page_dir, "runs": runs}, DOM_HARNESS
    )


def page(kind: str, q: str, via: str = "url") -> dict[str, str]:
    return {"page": kind, "q": q, "via": via}


def href(suffix: str, root: str = "") -> str:
    return f"{root}pith/{suffix}/index.html"


def texts(result: dict[str, Any]) -> str:
    return " | ".join(n["text"] for n in result["nodes"] if n["text"])


def test_shard_files_escape_markup(site: Path) -> None:
    text = (site / "resolve/p/77.js").read_text(encoding="utf-8")
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003c/script\\u003e" in text


def test_resolver_redirects_on_a_unique_match(site: Path) -> None:
    out = run(
        site,
        [
            page("resolve", R1[1]),
            page("resolve", "m4ni2kxa"),
            page("resolve", "arXiv:1810.06877"),
            page("resolve", "1810.06877v1"),
            page("resolve", "https://arxiv.org/abs/astro-ph%2F9610094"),
            page("resolve", "10.48550/ARXIV.1812.05820"),
        ],
    )
    assert [r["replaced"] for r in out] == [
        href(R1[0]),
        href(R1[0]),
        href(R4[0]),  # no version asked: the highest one
        href(R3[0]),
        href(R5[0]),
        href(R1[0]),
    ]
    assert out[0]["scripts"] == ["resolve/meta.js", "resolve/p/M4.js"]
    assert out[2]["scripts"] == ["resolve/meta.js", f"resolve/a/{shard_of('1810.06877', 16)}.js"]
    assert out[0]["input"] == R1[1]  # the query from the URL is shown in the form


def test_resolver_lists_ambiguous_prefixes(site: Path) -> None:
    (out,) = run(site, [page("resolve", "pith:m4ni")])
    assert out["replaced"] is None
    links = [n for n in out["nodes"] if n["tag"] == "a"]
    assert [(a["text"], a["href"]) for a in links] == [
        (R1[1], href(R1[0])),
        (R2[1], href(R2[0])),
    ]
    assert "2 records start with M4NI" in texts(out)


def test_resolver_reports_a_missing_version(site: Path) -> None:
    (out,) = run(site, [page("resolve", "1810.06877v7")])
    assert out["replaced"] is None
    assert "No version 7 of 1810.06877" in texts(out)
    assert [n["href"] for n in out["nodes"] if n["tag"] == "a"] == [href(R3[0]), href(R4[0])]


@pytest.mark.parametrize(
    ("q", "why"),
    [
        ("hello world", "not a Pith Number"),
        ("2101.00001", "no record in this mirror"),  # its id shard may exist or not
        ("ZZZZZZZZ", "no record in this mirror"),  # resolve/p/ZZ.js does not exist
        ("pith:M4NJ", "no record in this mirror"),
    ],
)
def test_resolver_says_nothing_matched(site: Path, q: str, why: str) -> None:
    (out,) = run(site, [page("resolve", q)])
    assert out["replaced"] is None
    shown = texts(out)
    assert f"Nothing matched \u201c{q}\u201d" in shown
    assert why in shown
    assert "arXiv:1810.06877" in shown  # the accepted forms are listed


def test_resolver_form_submit_runs_in_page_from_a_nested_page(site: Path) -> None:
    (out,) = run(site, [page("resolve", "4FP6Z27B", via="submit")], "../../", "pith/X")
    assert out["prevented"] is True
    assert out["replaced"] == href(R3[0], "../../")
    assert out["scripts"] == ["../../resolve/meta.js", "../../resolve/p/4F.js"]


def test_search_renders_results_as_text(site: Path) -> None:
    out = run(site, [page("search", "ARPA whitepaper"), page("search", "script img onerror")])
    first = out[0]
    assert "1 record for \u201cARPA whitepaper\u201d" in texts(first)
    titles = [n for n in first["nodes"] if n["cls"] == "result-title"]
    assert [(t["text"], t["href"]) for t in titles] == [("ARPA Whitepaper", href(R1[0]))]
    assert {"Alice Example", "arXiv:1812.05820v1", "cs.CR", "2018", R1[1]} <= {
        n["text"] for n in first["nodes"]
    }
    evil = [n for n in out[1]["nodes"] if n["cls"] == "result-title"]
    assert [t["text"] for t in evil] == [EVIL]  # rendered as text, never as markup


def test_search_loads_only_needed_doc_blocks_and_caps_results(site: Path) -> None:
    (out,) = run(site, [page("search", "Topology")])
    titles = [n["text"] for n in out["nodes"] if n["cls"] == "result-title"]
    assert len(titles) == 50
    assert titles[0] == "Filler paper number 0 on topology"
    assert "60 records (showing 1\u201350, newest first) for \u201cTopology\u201d" in texts(out)
    [nxt] = [n for n in out["nodes"] if n["text"] == "next \u2192"]
    assert nxt["href"] == "search.html?q=Topology&page=2"
    blocks = sorted(int(s.split("/")[-1][:-3]) for s in out["scripts"] if "/d/" in s)
    # docids 5..54 are shown; with blocks of 2 that is blocks 2..27 and nothing after.
    assert blocks == list(range(2, 28))


def test_search_second_page_shows_the_rest(site: Path) -> None:
    (out,) = run(site, [dict(page("search", "Topology"), extra="&page=2")])
    titles = [n["text"] for n in out["nodes"] if n["cls"] == "result-title"]
    assert len(titles) == 10
    assert "60 records (showing 51\u201360, newest first)" in texts(out)
    [prev] = [n for n in out["nodes"] if n["text"] == "\u2190 previous"]
    assert prev["href"] == "search.html?q=Topology"
    assert not [n for n in out["nodes"] if n["text"] == "next \u2192"]


def test_search_ands_tokens_and_matches_sub_compounds(site: Path) -> None:
    out = run(
        site,
        [
            page("search", "version paper"),
            page("search", "old version"),
            page("search", "astro-ph"),
            page("search", "1810.06877"),
            page("search", "topology Carol"),
        ],
    )
    found = [[n["href"] for n in r["nodes"] if n["cls"] == "result-title"] for r in out]
    assert found[0] == [href(R3[0]), href(R4[0])]
    assert found[1] == [href(R3[0])]
    assert found[2] == [href(R5[0])]
    assert found[3] == [href(R3[0]), href(R4[0])]
    assert found[4] == []
    assert "No records match \u201ctopology Carol\u201d" in texts(out[4])
    assert "This looks like an identifier" in texts(out[3])
    assert "This looks like an identifier" not in texts(out[0])


def test_search_offers_the_resolver_only_for_identifiers(site: Path) -> None:
    out = run(site, [page("search", "topology"), page("search", "M4NI2KXA")])
    assert "This looks like an identifier" not in texts(out[0])  # 8 base32 letters, a word
    links = [n for n in out[1]["nodes"] if n["text"] == "resolve M4NI2KXA"]
    assert [n["href"] for n in links] == ["resolve.html?q=M4NI2KXA"]


def test_missing_token_shard_means_no_results(site: Path, tmp_path: Path) -> None:
    sparse = tmp_path / "sparse"
    shutil.copytree(site, sparse)
    h = shard_of("whitepaper", TOKEN_SHARDS)
    (sparse / "search" / "t" / f"{h}.js").unlink()
    (out,) = run(sparse, [page("search", "whitepaper")])
    assert f"search/t/{h}.js" in out["scripts"]
    assert "No records match \u201cwhitepaper\u201d" in texts(out)


def test_search_without_words_and_by_submit(site: Path) -> None:
    out = run(site, [page("search", "a ?"), page("search", "whitepaper", via="submit")])
    assert "Type at least one word" in texts(out[0])
    assert not [s for s in out[0]["scripts"] if s.startswith("search/")]
    assert out[1]["prevented"] is True
    assert [n["text"] for n in out[1]["nodes"] if n["cls"] == "result-title"] == ["ARPA Whitepaper"]


def test_resolve_page_like_the_template(site: Path) -> None:
    out = run(
        site,
        [
            page("resolve-page", "arXiv:astro-ph/9610094v1"),
            page("resolve-page", "nonsense words"),
            page("resolve-page", "M4NI2KXA", via="header-submit"),
            page("resolve-page", "pith:M4NI", via="submit"),
        ],
    )
    assert out[0]["replaced"] == href(R5[0])
    assert out[0]["input"] == "arXiv:astro-ph/9610094v1"
    # messages go into #resolve-results: the node right after it holds the text
    ids = [n for n in out[1]["nodes"] if n["cls"] == "status-none"]
    assert len(ids) == 1 and "Nothing matched \u201cnonsense words\u201d" in ids[0]["text"]
    assert out[2]["prevented"] is True and out[2]["replaced"] == href(R1[0])
    assert out[3]["prevented"] is True and out[3]["replaced"] is None
    assert len([n for n in out[3]["nodes"] if n["tag"] == "a"]) == 2


def test_header_form_with_action_submits_normally(site: Path) -> None:
    out = run(
        site,
        [page("resolve-header", "M4NI2KXA", via="submit"), page("resolve-header", "M4NI2KXA")],
    )
    # Not intercepted: the browser goes to resolve.html?q=..., which does the work.
    assert out[0]["prevented"] is False
    assert out[0]["scripts"] == [] and out[0]["replaced"] is None
    # ?q on an ordinary page with only the header form is not acted on either.
    assert out[1]["scripts"] == [] and out[1]["replaced"] is None


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


PAGE = (
    '<!doctype html><html><head><meta charset="utf-8">'
    '<script src="{root}pithgen.js" defer></script></head><body data-root="{root}">{body}'
    "</body></html>"
)


@pytest.mark.skipif(_chromium() is None, reason="no Chromium to run a real browser check")
def test_real_chromium_from_file_urls(site: Path, tmp_path: Path) -> None:
    """The same code in a real browser from file://, where fetch() would be blocked."""
    browser = _chromium()
    assert browser is not None
    real = tmp_path / "site"
    shutil.copytree(site, real)
    shutil.copy(Path(__file__).parent.parent / "templates" / "assets" / "pithgen.js", real)
    (real / "resolve.html").write_text(
        PAGE.format(
            root="",
            body='<form id="resolve-page-form" action="resolve.html"><input name="q"></form>'
            '<div id="resolve-results"></div>',
        )
    )
    (real / "search.html").write_text(
        PAGE.format(
            root="",
            body='<form id="search-form" action="search.html"><input name="q"></form>'
            '<div id="search-results"></div>',
        )
    )
    record = real / "pith" / R4[0]
    record.mkdir(parents=True)
    (record / "index.html").write_text(PAGE.format(root="../../", body="<h1>RECORD-PAGE-R4</h1>"))

    def dump(url: str) -> str:
        proc = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        return proc.stdout

    assert "RECORD-PAGE-R4" in dump((real / "resolve.html").as_uri() + "?q=arXiv%3A1810.06877")
    dom = dump((real / "search.html").as_uri() + "?q=script+onerror")
    assert "1 record for" in dom
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in dom  # text, not markup
