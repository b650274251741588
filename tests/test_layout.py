"""pithgen/layout.py owns every path of a site: the build writes nothing it does not
describe, the manifest publishes its patterns, and the JavaScript builds the same paths."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sitehelpers import shared_minted_site, tree
from test_js_logic import run_harness

from pithgen import layout

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
#: What each placeholder of a layout pattern may stand for in a built site.
VALUES = {
    "suffix": r"[A-Z2-7]{26}",
    "short": r"[A-Z2-7]{8}",
    "prefix": r"[A-Z2-7]{2}",
    "arxiv_id": r"(?:[0-9]{4}\.[0-9]{4,5}|[a-z-]+/[0-9]{7})",
    "version": r"[1-9][0-9]*",
    "key_id": r"[A-Za-z0-9][A-Za-z0-9._-]*",
    "kind": r"(?:year|category)",
    "name": r"[A-Za-z0-9.-]+",
    "page": r"(?:index\.html|page-[1-9][0-9]*\.html)",
    "number": r"[1-9][0-9]*",
    "shard": r"[0-9a-f]+",
    "block": r"[0-9]+",
    "tile": r"(?:entries|[0-9]+)/(?:x[0-9]{3}/)*[0-9]{3}(?:\.p/[0-9]+)?",
}


def layout_patterns() -> dict[str, str]:
    """Every path constant of the layout module, by name."""
    return {
        name: value
        for name, value in vars(layout).items()
        if name.isupper() and isinstance(value, str) and name != "INDEX"
    }


def as_regex(pattern: str) -> re.Pattern[str]:
    parts = PLACEHOLDER.split(pattern)
    out = []
    for n, part in enumerate(parts):
        out.append(VALUES[part] if n % 2 else re.escape(part))
    return re.compile("".join(out))


def site_file_patterns() -> list[re.Pattern[str]]:
    """Regexes of every file a site may hold: the layout's file patterns, shards as
    ``.js``/``.json``, assets."""
    regexes = []
    for name, value in layout_patterns().items():
        if value.endswith("/"):
            regexes.append(as_regex(value + "{name}"))
        elif name.endswith(("_META", "_SHARD", "_BLOCK")):  # shard names
            regexes.append(as_regex(value + ".js"))
            regexes.append(as_regex(value + ".json"))
        else:
            regexes.append(as_regex(value))
    return regexes


def test_every_file_of_a_built_site_is_a_layout_path(tmp_path_factory: pytest.TempPathFactory):
    _, site = shared_minted_site(tmp_path_factory)
    regexes = site_file_patterns()
    files = tree(site)
    strays = [path for path in files if not any(r.fullmatch(path) for r in regexes)]
    assert not strays, f"files no layout pattern describes: {strays[:20]}"
    # and the layout's per-record patterns are really used
    used = {
        name
        for name, value in layout_patterns().items()
        for path in files
        if as_regex(value).fullmatch(path)
    }
    for name in (
        "RECORD_JSON",
        "RECORD_PAGE",
        "BUNDLE",
        "WELL_KNOWN_BUNDLE",
        "SHORT_REDIRECT",
        "ARXIV_REDIRECT",
        "ARXIV_VERSION_REDIRECT",
        "DOI_REDIRECT",
        "KEY_DOCUMENT",
        "LISTING",
        "VERIFICATION_PAGE",
    ):
        assert name in used, name


def test_functions_fill_their_patterns() -> None:
    suffix = "4FP6Z27B6DFNJRYZBSXH3XON27"
    assert layout.record_json(suffix) == f"pith/{suffix}.json"
    assert layout.record_page(suffix) == f"pith/{suffix}/index.html"
    assert layout.folder_url(layout.record_page(suffix)) == f"pith/{suffix}/"
    assert layout.arxiv_version_redirect("hep-th/9901001", 2) == "arxiv/hep-th/9901001v2/index.html"
    assert layout.doi_redirect("1810.06877") == "doi/10.48550/arxiv.1810.06877/index.html"
    assert layout.listing("year", "2018", 1) == "browse/year/2018/index.html"
    assert layout.listing("category", "cs.LG", 3) == "browse/category/cs.LG/page-3.html"
    assert layout.verification_page(2) == "verification/page-2.html"
    assert layout.root_for(layout.record_page(suffix)) == "../../"
    assert layout.root_for(layout.HOME) == ""
    with pytest.raises(ValueError):
        layout.listing("author", "x")


def test_manifest_publishes_the_layout_patterns(tmp_path_factory: pytest.TempPathFactory):
    import json

    archive, site = shared_minted_site(tmp_path_factory)
    mirror = json.loads((site / layout.MANIFEST).read_text(encoding="utf-8"))["mirrors"][0]
    base = mirror["base_url"] + "/"
    for key, pattern in layout.PATTERNS.items():
        assert mirror[key] == base + pattern
        example = mirror[key].format(suffix=next(iter(archive.published.values())).suffix)
        if key in ("record_pattern", "html_pattern"):
            assert (site / example.removeprefix(base)).is_file(), example


def test_the_javascript_builds_the_same_paths() -> None:
    assert run_harness({"layout": True})["layout"] == layout.js_layout()


def test_the_javascript_spells_no_path_outside_its_layout_object() -> None:
    script = (ROOT / "templates" / "assets" / "pithgen.js").read_text(encoding="utf-8")
    start = script.index("var LAYOUT = {")
    end = script.index("};", start)
    rest = script[:start] + script[end:]
    literals = re.findall(r'"([^"\n]*)"', rest)
    paths = [
        s
        for s in literals
        if re.search(r"\.(html|json|js)$", s)
        or re.match(r"(pith|resolve|search|browse|arxiv|doi)/", s)
    ]
    assert not paths, f"path literals outside LAYOUT: {paths}"


HAND_SPELLED = re.compile(
    r"""["'](?:pith|arxiv|doi|browse|keys|resolve|search|verification|assets|sitemaps)/"""
    r"""|["'][^"'\s]*/index\.html["']"""
)


@pytest.mark.parametrize(
    "module",
    sorted(p.name for p in (ROOT / "pithgen").glob("*.py") if p.name != "layout.py"),
)
def test_no_module_but_layout_spells_a_site_path(module: str) -> None:
    source = (ROOT / "pithgen" / module).read_text(encoding="utf-8")
    strings = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    # docstrings and messages may name paths in prose; code strings may not build them
    offenders = [s for s in strings if HAND_SPELLED.search(f'"{s}"') and len(s) < 60]
    assert not offenders, f"{module} spells site paths: {offenders}"


@pytest.mark.parametrize("template", sorted(p.name for p in (ROOT / "templates").glob("*.*")))
def test_no_template_spells_a_site_path(template: str) -> None:
    text = (ROOT / "templates" / template).read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src|action)="([^"{]+)"', text)
    local = [link for link in links if not re.match(r"(https?:|#|mailto:)", link)]
    assert not local, f"{template} links to hand-written paths: {local}"


@pytest.mark.parametrize("template", sorted(p.name for p in (ROOT / "templates").glob("*.*")))
def test_no_template_spells_a_path_after_the_root(template: str) -> None:
    """``{{ root }}`` and ``{{ site.base_url }}`` are followed by a layout value, never by
    a hand-written name (``{{ root }}feed.xml``)."""
    text = (ROOT / "templates" / template).read_text(encoding="utf-8")
    spelled = re.findall(r"\{\{\s*(?:root|site\.base_url)\s*\}\}([^{\s\"'<]+)", text)
    assert not spelled, f"{template} spells paths after the site root: {spelled}"
