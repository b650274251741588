"""Stage 1 (pithgen.load, pithgen.strictjson): JSON-level defects, JSONL, directory walks,
symlinks and special files. Every defect is that document's failure, reported by name."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from mergeviews import load_all, published_of, verdicts_of

from pithgen.errors import InputPathError
from pithgen.load import LoadOptions, discover, read_at_most
from pithgen.pipeline import verify_paths
from pithgen.strictjson import DEFAULT_MAX_DEPTH, JSONDefect, parse_document
from pithgen.verify import verify_document


def _verdicts(paths: list[Path], ring: Any, options: LoadOptions | None = None) -> list[Any]:
    return [verify_document(doc, ring) for doc in load_all(paths, options or LoadOptions())]


def _line(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


# --- JSON-level defects, loaded from a file and verified ---------------------------------

DEFECTS = [
    ("invalid-utf8", b'{"a": "\xff\xfe"}', "expected UTF-8, found an invalid byte at offset 7"),
    ("overlong-utf8", b'{"a": "\xc0\xaf"}', "expected UTF-8"),
    ("bom", b'\xef\xbb\xbf{"a": 1}', "UTF-8 BOM"),
    ("duplicate-key", b'{"a": 1, "a": 1}', "duplicate key 'a'"),
    ("duplicate-nested", b'{"a": {"b": [{"c": 1, "c": 2}]}}', "duplicate key 'c'"),
    ("nan", b'{"a": NaN}', "found NaN"),
    ("infinity", b'{"a": Infinity}', "found Infinity"),
    ("minus-infinity", b'{"a": [-Infinity]}', "found -Infinity"),
    ("overflowing-float", b'{"a": 1e400}', "overflows to infinity"),
    ("top-level-array", b'[{"a": 1}]', "expected a JSON object, found array"),
    ("top-level-string", b'"pith"', "expected a JSON object, found string"),
    ("lone-surrogate", b'{"a": "\\ud800"}', "lone UTF-16 surrogate"),
    ("lone-surrogate-key", b'{"\\udfff": 1}', "lone UTF-16 surrogate"),
    ("lone-low-after-high", b'{"a": "\\udc00\\ud800"}', "lone UTF-16 surrogate"),
    ("truncated", b'{"a": {"b": [1, 2', "invalid JSON"),
    ("empty", b"", "invalid JSON"),
    ("trailing-garbage", b'{"a": 1} x', "invalid JSON"),
    ("two-objects", b'{"a": 1}{"b": 2}', "invalid JSON"),
    ("single-quotes", b"{'a': 1}", "invalid JSON"),
    ("huge-int", b'{"a": ' + b"9" * 5000 + b"}", "invalid JSON"),
    ("too-deep", b'{"a": ' + b"[" * DEFAULT_MAX_DEPTH + b"]" * DEFAULT_MAX_DEPTH + b"}", "nesting"),
    ("way-too-deep", b"[" * 100_000 + b"]" * 100_000, "nesting deeper than"),
]


@pytest.mark.parametrize(("raw", "fragment"), [d[1:] for d in DEFECTS], ids=[d[0] for d in DEFECTS])
def test_json_defect_is_a_json_failure(tmp_path, test_ring, raw, fragment) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(raw)
    (verdict,) = _verdicts([path], test_ring)
    assert verdict.status == "failed"
    assert [(c.check, c.outcome) for c in verdict.checks] == [("json", "failed")]
    assert fragment in verdict.checks[0].message
    assert verdict.pith_number is None
    assert str(verdict.source) == str(path)


def test_a_valid_surrogate_pair_is_fine() -> None:
    assert parse_document(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


def test_depth_limit_is_exact() -> None:
    ok = b'{"a": ' + b"[" * (DEFAULT_MAX_DEPTH - 1) + b"]" * (DEFAULT_MAX_DEPTH - 1) + b"}"
    parse_document(ok)
    too_deep = b'{"a": ' + b"[" * DEFAULT_MAX_DEPTH + b"]" * DEFAULT_MAX_DEPTH + b"}"
    with pytest.raises(JSONDefect, match=f"deeper than {DEFAULT_MAX_DEPTH}"):
        parse_document(too_deep)
    with pytest.raises(JSONDefect, match="deeper than 3"):
        parse_document(b'{"a": {"b": {"c": {}}}}', max_depth=3)
    parse_document(b'{"a": {"b": {"c": 1}}}', max_depth=3)


def test_record_nested_deeper_than_the_option_fails(tmp_path, mint, test_ring) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(mint()))
    (ok,) = _verdicts([path], test_ring)
    assert ok.status == "verified"
    (deep,) = _verdicts([path], test_ring, LoadOptions(max_depth=2))
    assert [c.check for c in deep.problems] == ["json"]
    assert "nesting deeper than 2" in deep.problems[0].message


def test_oversize_document(tmp_path, mint, test_ring) -> None:
    raw = json.dumps(mint()).encode()
    path = tmp_path / "r.json"
    path.write_bytes(raw)
    (verdict,) = _verdicts([path], test_ring, LoadOptions(max_bytes=len(raw) - 1))
    assert [c.check for c in verdict.problems] == ["json"]
    assert f"larger than the limit of {len(raw) - 1} bytes" in verdict.problems[0].message
    (exact,) = _verdicts([path], test_ring, LoadOptions(max_bytes=len(raw)))
    assert exact.status == "verified"


def _values(raw: bytes) -> int:
    return raw.count(b"{") + raw.count(b"[") + raw.count(b",")


def test_too_many_values_refused_before_parsing(tmp_path, mint, test_ring) -> None:
    """The value limit counts '{', '[' and ',' bytes; it is exact, and the message says the
    limit and what was found."""
    raw = json.dumps(mint()).encode()
    path = tmp_path / "r.json"
    path.write_bytes(raw)
    found = _values(raw)
    (verdict,) = _verdicts([path], test_ring, LoadOptions(max_values=found - 1))
    assert [(c.check, c.outcome) for c in verdict.checks] == [("json", "failed")]
    message = verdict.checks[0].message
    assert f"expected at most {found - 1} JSON values in one document, found {found}" in message
    (exact,) = _verdicts([path], test_ring, LoadOptions(max_values=found))
    assert exact.status == "verified"


def test_value_limit_applies_to_each_jsonl_line(tmp_path, mint, test_ring) -> None:
    small = _line(mint())
    big = _line(mint(arxiv_id="2101.00002", abstract="x, " * 200))
    path = tmp_path / "records.jsonl"
    path.write_bytes(small + b"\n" + big + b"\n")
    verdicts = _verdicts([path], test_ring, LoadOptions(max_values=_values(small)))
    assert [v.status for v in verdicts] == ["verified", "failed"]
    assert "JSON values" in verdicts[1].problems[0].message


def test_default_value_limit_admits_real_records() -> None:
    from pithgen.strictjson import DEFAULT_MAX_VALUES

    seed = (Path(__file__).parent / "fixtures" / "seed-record-4FP6Z27B.json").read_bytes()
    assert _values(seed) < 200 < DEFAULT_MAX_VALUES
    with pytest.raises(JSONDefect, match=f"at most {DEFAULT_MAX_VALUES} JSON values"):
        parse_document(b'{"a": [' + b"0," * DEFAULT_MAX_VALUES + b"0]}")


def test_loaded_doc_keeps_exact_bytes(tmp_path, mint) -> None:
    raw = json.dumps(mint(), indent=3).encode() + b"\n"
    path = tmp_path / "r.json"
    path.write_bytes(raw)
    (doc,) = load_all([path])
    assert doc.raw == raw
    assert doc.data == json.loads(raw)


# --- JSONL -------------------------------------------------------------------------------


def test_jsonl_bad_line_in_the_middle(tmp_path, mint, test_ring) -> None:
    a, b = mint(), mint(arxiv_id="2101.00002", title="Another paper")
    path = tmp_path / "records.jsonl"
    path.write_bytes(_line(a) + b"\n" + b'{"pith_number": "pith:2021:X", \n' + _line(b) + b"\n")
    verdicts = _verdicts([path], test_ring)
    assert [str(v.source) for v in verdicts] == [f"{path}:1", f"{path}:2", f"{path}:3"]
    assert [v.status for v in verdicts] == ["verified", "failed", "verified"]
    assert verdicts[1].source.line == 2
    assert [c.check for c in verdicts[1].problems] == ["json"]
    assert [v.pith_number for v in (verdicts[0], verdicts[2])] == [
        a["pith_number"],
        b["pith_number"],
    ]


def test_jsonl_blank_lines_are_skipped(tmp_path, mint, test_ring) -> None:
    a, b = mint(), mint(arxiv_id="2101.00002")
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n" + _line(a) + b"\n\n   \n\t\r\n" + _line(b) + b"\n\n")
    verdicts = _verdicts([path], test_ring)
    assert [v.source.line for v in verdicts] == [2, 6]
    assert all(v.status == "verified" for v in verdicts)


def test_jsonl_crlf_lines(tmp_path, mint, test_ring) -> None:
    a, b = mint(), mint(arxiv_id="2101.00002")
    path = tmp_path / "records.jsonl"
    path.write_bytes(_line(a) + b"\r\n" + _line(b) + b"\r\n")
    docs = list(load_all([path]))
    assert [d.raw for d in docs] == [_line(a) + b"\n", _line(b) + b"\n"]
    assert all(verify_document(d, test_ring).status == "verified" for d in docs)


def test_jsonl_last_line_without_newline(tmp_path, mint, test_ring) -> None:
    a, b = mint(), mint(arxiv_id="2101.00002")
    path = tmp_path / "records.jsonl"
    path.write_bytes(_line(a) + b"\n" + _line(b))
    assert [v.status for v in _verdicts([path], test_ring)] == ["verified", "verified"]


def test_jsonl_top_level_array_line(tmp_path, mint, test_ring) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"[" + _line(mint()) + b"]\n")
    (verdict,) = _verdicts([path], test_ring)
    assert "expected a JSON object, found array" in verdict.problems[0].message


def test_jsonl_overlong_line_is_refused_and_others_verify(tmp_path, mint, test_ring) -> None:
    short = _line(mint())
    long = _line(mint(arxiv_id="2101.00002", abstract="x" * 5000))
    path = tmp_path / "records.jsonl"
    path.write_bytes(short + b"\n" + long + b"\n" + short + b"\n")
    verdicts = _verdicts([path], test_ring, LoadOptions(max_bytes=len(short) + 10))
    assert [v.status for v in verdicts] == ["verified", "failed", "verified"]
    assert [v.source.line for v in verdicts] == [1, 2, 3]
    assert "line longer than the limit" in verdicts[1].problems[0].message


def test_jsonl_line_one_byte_over_the_limit(tmp_path, mint) -> None:
    body = _line(mint())
    path = tmp_path / "records.jsonl"
    path.write_bytes(body + b"\n")
    (doc,) = load_all([path], LoadOptions(max_bytes=len(body) - 1))
    assert doc.error is not None and "limit" in doc.error.message


# --- inputs: paths, symlinks, special files, walk order ----------------------------------


def test_missing_path_raises(tmp_path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(InputPathError, match="expected an existing file or directory") as info:
        discover([missing])
    assert info.value.where == str(missing)
    assert info.value.exit_code == 2


def test_symlink_inside_dir_pointing_outside_is_refused(tmp_path, mint, test_ring) -> None:
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    (inside / "a.json").write_text(json.dumps(mint()))
    (outside / "secret.json").write_text(json.dumps(mint(arxiv_id="2101.00002")))
    (inside / "b.json").symlink_to(outside / "secret.json")
    (inside / "c").symlink_to(outside, target_is_directory=True)
    (inside / "d.json").write_text(json.dumps(mint(arxiv_id="2101.00003")))
    verdicts = _verdicts([inside], test_ring)
    by_name = {Path(v.source.path).name: v for v in verdicts}
    assert sorted(by_name) == ["a.json", "b.json", "c", "d.json"]
    for name in ("b.json", "c"):
        (problem,) = by_name[name].problems
        assert problem.check == "input"
        assert "symlink leads outside the input tree" in problem.message
    assert by_name["a.json"].status == by_name["d.json"].status == "verified"


def test_symlink_pointing_inside_is_followed(tmp_path, mint, test_ring) -> None:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    doc = mint()
    (root / "sub" / "real.json").write_text(json.dumps(doc))
    (root / "link.json").symlink_to(Path("sub") / "real.json")
    verdicts = _verdicts([root], test_ring)
    names = [os.path.relpath(v.source.path, root) for v in verdicts]
    assert names == ["link.json", os.path.join("sub", "real.json")]
    assert all(v.status == "verified" for v in verdicts)
    assert {v.pith_number for v in verdicts} == {doc["pith_number"]}


def test_directory_symlink_inside_is_walked_once(tmp_path, mint, test_ring) -> None:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "real.json").write_text(json.dumps(mint()))
    (root / "alias").symlink_to(Path("sub"), target_is_directory=True)
    (root / "sub" / "up").symlink_to(Path(".."), target_is_directory=True)  # a cycle
    verdicts = _verdicts([root], test_ring)
    assert len(verdicts) == 1
    assert verdicts[0].status == "verified"


def test_symlink_given_on_the_command_line_is_trusted(tmp_path, mint, test_ring) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps(mint()))
    link = tmp_path / "given.json"
    link.symlink_to(target)
    (verdict,) = _verdicts([link], test_ring)
    assert verdict.status == "verified"
    assert verdict.source.path == str(link)


def test_symlink_loop_is_refused_not_a_crash(tmp_path, mint, test_ring) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.json").write_text(json.dumps(mint()))
    (root / "loop1.json").symlink_to("loop2.json")
    (root / "loop2.json").symlink_to("loop1.json")
    verdicts = _verdicts([root], test_ring)
    statuses = {Path(v.source.path).name: v.status for v in verdicts}
    assert statuses["a.json"] == "verified"
    assert statuses["loop1.json"] == statuses["loop2.json"] == "failed"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_in_a_directory_is_refused(tmp_path, mint, test_ring) -> None:
    root = tmp_path / "in"
    root.mkdir()
    os.mkfifo(root / "x.json")
    (root / "y.json").write_text(json.dumps(mint()))
    verdicts = _verdicts([root], test_ring)  # must not block on the FIFO
    assert [Path(v.source.path).name for v in verdicts] == ["x.json", "y.json"]
    (problem,) = verdicts[0].problems
    assert problem.check == "input" and "special file" in problem.message
    assert verdicts[1].status == "verified"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_given_directly_is_an_input_error(tmp_path) -> None:
    os.mkfifo(tmp_path / "x.json")
    with pytest.raises(InputPathError, match="regular file or directory"):
        discover([tmp_path / "x.json"])


def _make_tree(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def test_walk_order_is_sorted_and_independent_of_creation_order(tmp_path) -> None:
    names = ["b.json", "a/z.json", "a.json", "c/d/e.jsonl", "a/b/c.json", "B.json", "a-b.json"]
    first, second = tmp_path / "one", tmp_path / "two"
    _make_tree(first, names)
    _make_tree(second, list(reversed(names)))
    order_one = [os.path.relpath(f.display, first) for f in discover([first])]
    order_two = [os.path.relpath(f.display, second) for f in discover([second])]
    assert order_one == order_two
    assert order_one == sorted(order_one, key=lambda p: p.split(os.sep))
    assert sorted(order_one) == sorted(os.path.join(*n.split("/")) for n in names)


def test_paths_are_read_in_the_order_given(tmp_path) -> None:
    _make_tree(tmp_path, ["z.json", "a.json"])
    shown = [Path(f.display).name for f in discover([tmp_path / "z.json", tmp_path / "a.json"])]
    assert shown == ["z.json", "a.json"]


def test_hidden_and_non_json_files_are_skipped(tmp_path) -> None:
    _make_tree(
        tmp_path,
        [
            ".hidden.json",
            ".git/x.json",
            "sub/.y.json",
            "README.md",
            "notes.txt",
            "a.json",
            "sub/b.jsonl",
        ],
    )
    shown = [os.path.relpath(f.display, tmp_path) for f in discover([tmp_path])]
    assert shown == ["a.json", os.path.join("sub", "b.jsonl")]


def test_explicit_file_without_json_suffix_is_read(tmp_path, mint, test_ring) -> None:
    path = tmp_path / "record.txt"
    path.write_text(json.dumps(mint()))
    (verdict,) = _verdicts([path], test_ring)
    assert verdict.status == "verified"


def test_verify_paths_end_to_end_over_a_mixed_directory(tmp_path, mint, test_ring) -> None:
    (tmp_path / "good.json").write_text(json.dumps(mint()))
    (tmp_path / "bad.json").write_bytes(b'{"a": NaN}')
    (tmp_path / "more.jsonl").write_bytes(_line(mint(arxiv_id="2101.00002")) + b"\nnot json\n")
    result = verify_paths([tmp_path], test_ring)
    statuses = {str(v.source): v.status for v in verdicts_of(result)}
    assert statuses == {
        str(tmp_path / "bad.json"): "failed",
        str(tmp_path / "good.json"): "verified",
        f"{tmp_path / 'more.jsonl'}:1": "verified",
        f"{tmp_path / 'more.jsonl'}:2": "failed",
    }
    assert len(published_of(result)) == 2


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 65_537, 300_000])
@pytest.mark.parametrize("limit", [1, 65_536, 200_001, 16 * 1024 * 1024 + 1])
def test_read_at_most_reads_exactly_the_first_bytes(tmp_path: Path, size: int, limit: int):
    data = bytes(i % 253 for i in range(size))
    path = tmp_path / "f.json"
    path.write_bytes(data)
    for buffering in (0, -1):
        with open(path, "rb", buffering=buffering) as fh:
            assert read_at_most(fh, limit) == data[:limit]
