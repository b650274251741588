"""Portable output: a site copied to a case-insensitive or Windows file system stays whole.

No two output paths may differ only in case, and no path segment may be a Windows device
name. The layout's grammars are case-unambiguous (checked here with random values), the
one mixed-case placeholder (key ids) is checked where keys are trusted, and the writer
checks what remains.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sitehelpers import shared_minted_site, tree_paths

from pithgen import layout
from pithgen.cli import main
from pithgen.errors import KeyFileError, OutputError
from pithgen.identifiers import OLD_ARCHIVES, is_arxiv_id
from pithgen.keys import KeyRing, SigningKey, check_key_id
from pithgen.portable import FIXED_PATTERNS, FIXED_TOPS, GRAMMARS, CaseGuard
from pithgen.structure import CATEGORY_RE, valid_category
from pithgen.write import SiteWriter, safe_relpath

FIXTURES = Path(__file__).parent / "fixtures"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

# --- the grammars ----------------------------------------------------------------------------


def _values(name: str) -> st.SearchStrategy[str]:
    return st.from_regex(re.compile(GRAMMARS[name], re.ASCII), fullmatch=True)


def _fill(pattern: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)


def _with_folders(paths: set[str]) -> set[str]:
    """The paths and every folder above them (a folder and a file collide too)."""
    out = set(paths)
    for path in paths:
        parts = path.split("/")
        out.update("/".join(parts[:n]) for n in range(1, len(parts)))
    return out


def _flip_case(text: str, flips: list[bool]) -> str:
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, flips, strict=False))


def _variants(value: str, flips: list[bool]) -> set[str]:
    return {value.lower(), value.upper(), value.swapcase(), _flip_case(value, flips)}


_FLIPS = st.lists(st.booleans(), min_size=64, max_size=64)


@st.composite
def _value_set(draw: st.DrawFn, name: str) -> list[str]:
    """A few values of a grammar, and every case variant of them the grammar accepts
    too (a case-fixed grammar accepts none but the value itself)."""
    grammar = re.compile(GRAMMARS[name])
    values = set(draw(st.lists(_values(name), min_size=1, max_size=4)))
    for value in list(values):
        values.update(v for v in _variants(value, draw(_FLIPS)) if grammar.fullmatch(v))
    return sorted(values)


_ALL_VALUES = st.fixed_dictionaries({name: _value_set(name) for name in GRAMMARS})


@settings(max_examples=100)
@given(_ALL_VALUES)
def test_layout_paths_of_distinct_values_stay_distinct_after_casefold(
    values: dict[str, list[str]],
) -> None:
    """Random valid values of every placeholder grammar (with any case variant a grammar
    would also accept), filled into every case-fixed layout pattern in every combination:
    the paths, and the folders above them, are as many after casefold() as before."""
    paths: set[str] = set()
    for pattern in FIXED_PATTERNS:
        combos: list[dict[str, str]] = [{}]
        for name in PLACEHOLDER.findall(pattern):
            combos = [dict(c, **{name: v}) for c in combos for v in values[name]]
        paths.update(_fill(pattern, combo) for combo in combos)
    everything = _with_folders(paths)
    folded: dict[str, str] = {}
    for path in sorted(everything):
        assert folded.setdefault(path.casefold(), path) == path, (folded[path.casefold()], path)


@settings(max_examples=200)
@given(
    st.sampled_from(sorted(GRAMMARS)).flatmap(
        lambda name: st.tuples(st.just(name), _values(name), _FLIPS)
    )
)
def test_every_placeholder_grammar_is_case_unambiguous(case: tuple[str, str, list[bool]]) -> None:
    name, value, flips = case
    for variant in _variants(value, flips):
        if re.fullmatch(GRAMMARS[name], variant):
            assert variant == value, (name, value, variant)


def test_every_placeholder_pattern_but_key_documents_is_case_fixed() -> None:
    """So the writer's memory of paths stays bounded: only key documents (and the fixed
    root files and assets) are remembered."""
    with_placeholders = {
        value
        for name, value in vars(layout).items()
        if name.isupper() and isinstance(value, str) and "{" in value and "/" in value
    }
    shard_files = {p.removesuffix(".js") for p in FIXED_PATTERNS if p.endswith(".js")}
    covered = set(FIXED_PATTERNS) | shard_files
    assert with_placeholders - covered == {layout.KEY_DOCUMENT}
    assert layout.KEY_DOCUMENT.partition("/")[0] not in FIXED_TOPS


@given(_values("arxiv_id"))
def test_the_arxiv_id_grammar_of_paths_is_the_identifier_grammar(arxiv_id: str) -> None:
    assert is_arxiv_id(arxiv_id)


# --- categories --------------------------------------------------------------------------


def _real_categories() -> list[str]:
    names = {
        line.strip()
        for line in (FIXTURES / "arxiv-categories.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for line in (FIXTURES / "real-records.jsonl").read_text(encoding="utf-8").splitlines():
        meta = json.loads(line)["canonical_record"]["metadata"]
        names.update([meta["primary_cat"], *meta["cross_cats_sorted"]])
    return sorted(names)


def test_every_real_arxiv_category_is_valid_and_no_case_variant_is() -> None:
    categories = _real_categories()
    assert len(categories) > 180  # arXiv's taxonomy and every real record's categories
    for category in categories:
        assert valid_category(category), category
        for variant in {category.lower(), category.upper(), category.swapcase()} - {category}:
            assert not valid_category(variant), variant


@pytest.mark.parametrize(
    "category",
    ["math.gt", "cs.lg", "Math.GT", "cs.Lg", "cs.LGX", "cs.L", "physics.OPTICS", "x.ab"],
)
def test_categories_in_another_case_are_refused(category: str) -> None:
    assert not valid_category(category)


@pytest.mark.parametrize("category", ["con", "aux", "nul", "prn", "con.GT", "nul.stat-mech"])
def test_categories_that_name_a_device_are_refused(category: str) -> None:
    assert CATEGORY_RE.fullmatch(category)  # the grammar alone would take it
    assert not valid_category(category)


def test_old_style_archives_are_lowercase_and_no_device_name() -> None:
    assert len(OLD_ARCHIVES) == len(set(OLD_ARCHIVES)) == 34
    for archive in OLD_ARCHIVES:
        assert re.fullmatch(r"[a-z]+(?:-[a-z]+)?", archive)
        assert not layout.reserved_name(archive)
    assert not is_arxiv_id("foo/9901001") and is_arxiv_id("supr-con/9411001")
    # so no arXiv id puts a device name into arxiv/{id}/ or doi/10.48550/arxiv.{id}/
    for name in layout.RESERVED_NAMES:
        assert not is_arxiv_id(f"{name}/9901001")


# --- reserved device names ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "con",
        "CON",
        "Con.json",
        "nul",
        "NUL.tar.gz",
        "prn",
        "aux.x",
        "com1",
        "COM9.json",
        "lpt1",
        "Lpt9",
        "com\u00b9",
        "LPT\u00b3.txt",
    ],
)
def test_reserved_device_names(name: str) -> None:
    assert layout.reserved_name(name)


@pytest.mark.parametrize("name", ["console", "com10", "com0x", "lpt", "null", "cond-mat", "a.con"])
def test_names_that_are_not_devices(name: str) -> None:
    assert not layout.reserved_name(name)


@pytest.mark.parametrize("key_id", ["con", "CON.json", "nul", "Com1", "lpt9.x", "aux", "prn.v1"])
def test_a_key_id_that_names_a_device_is_refused(key_id: str) -> None:
    with pytest.raises(KeyFileError, match="device name on Windows"):
        check_key_id(key_id, "--key-id")


def test_a_key_id_ending_in_a_dot_is_refused() -> None:
    with pytest.raises(KeyFileError, match=r"not ending with '\.'"):
        check_key_id("reg.", "--key-id")
    check_key_id("reg.v1", "--key-id")
    check_key_id("console", "--key-id")


def test_keys_generate_refuses_a_device_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["keys", "generate", "--key-id", "NUL", "--out", str(tmp_path / "k")]
    )
    assert result.exit_code == 2
    assert "device name on Windows" in result.stderr
    assert not (tmp_path / "k").exists() or list((tmp_path / "k").iterdir()) == []


def test_a_key_ring_refuses_two_key_ids_that_differ_only_in_case() -> None:
    upper = SigningKey.from_seed("Registry-1", bytes(32)).public("a.json")
    lower = SigningKey.from_seed("registry-1", bytes(range(32))).public("b.json")
    ring = KeyRing([upper])
    with pytest.raises(KeyFileError, match="differs only in case") as info:
        ring.add(lower)
    assert "'Registry-1'" in str(info.value) and info.value.where == "b.json"
    ring.add(upper)  # the same key again is fine
    assert [k.key_id for k in ring] == ["Registry-1"]


# --- the writer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "keys/con.json",
        "browse/category/nul/index.html",
        "AUX",
        "a/com1.txt",
        "LPT9/x.html",
        "keys/x.",
        "a/b./c",
    ],
)
def test_the_writer_refuses_segments_windows_cannot_hold(path: str) -> None:
    with pytest.raises(OutputError, match="cannot name a file on Windows"):
        safe_relpath(path)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("keys/Reg.json", "keys/reg.json"),
        ("keys/a.json", "Keys/b.json"),
        ("keys", "KEYS/x.json"),
        ("index.html", "Index.html"),
        ("assets/pithgen.css", "Assets/pithgen.css"),
    ],
)
def test_the_writer_refuses_two_paths_that_differ_only_in_case(
    tmp_path: Path, first: str, second: str
) -> None:
    writer = SiteWriter(tmp_path / "site")
    writer.write(first, b"1")
    with pytest.raises(OutputError, match="differ only in case"):
        writer.write(second, b"2")
    writer.abort()


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("Pith/4FP6Z27B6DFNJRYZBSXH3XON27.json", "differs only in case from the site's folder"),
        ("BROWSE/index.html", "differs only in case from the site's folder"),
        ("pith/4fp6z27b6dfnjryzbsxh3xon27.json", "case-fixed grammars"),
        ("browse/category/math.gt/index.html", "case-fixed grammars"),
        ("arxiv/Hep-th/9901001/index.html", "case-fixed grammars"),
        ("pith/notes.txt", "case-fixed grammars"),
    ],
)
def test_the_writer_refuses_what_the_case_fixed_grammars_do_not_spell(
    tmp_path: Path, path: str, why: str
) -> None:
    writer = SiteWriter(tmp_path / "site")
    with pytest.raises(OutputError, match=why):
        writer.write(path, b"x")
    writer.abort()


def test_the_case_guard_takes_every_path_of_a_built_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A real site passes (it was built through the guard), and it has paths of every
    case-fixed folder and of the remembered rest."""
    _, site = shared_minted_site(tmp_path_factory)
    guard = CaseGuard()
    paths = tree_paths(site)
    for path in paths:
        guard.check(path)
    tops = {p.partition("/")[0] for p in paths if "/" in p}
    assert FIXED_TOPS - {"sitemaps"} <= tops
    assert len(guard._free) < 40, sorted(guard._free)  # bounded: not one per record
