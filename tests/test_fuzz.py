"""Robustness: hostile values at every place of a record never crash pithgen.

Every path of a valid minted record and of the real seed record (every object key and list
index, nested ones included) is replaced by each of a set of odd values, and deleted. For
every variant, verification returns a verdict (verified or failed) instead of raising;
the variants of one path merged together, and the reports over them, never raise either,
and the JSON report is valid JSON. The command line is tried on a folder of such documents
(and of hostile file names) as a subprocess: exit codes as documented, never a traceback,
every input document in the report.

Exhaustive loops (no hypothesis): a failure names the path and value that broke.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pithgen.keys import KeyRing, SigningKey, builtin_keys, write_key_pair
from pithgen.load import display_name
from pithgen.merge import merge
from pithgen.model import Verdict
from pithgen.report import human_lines, json_chunks
from pithgen.verify import verify_document

FIXTURES = Path(__file__).parent / "fixtures"
SEED_PATH = FIXTURES / "seed-record-4FP6Z27B.json"

LONG = "x" * 100_000  # only at string leaves, to keep the suite fast
ODD_VALUES: list[tuple[str, Any]] = [
    ("null", None),
    ("true", True),
    ("zero", 0),
    ("minus-one", -1),
    ("two-pow-70", 2**70),
    ("1e308", 1e308),
    ("empty-string", ""),
    ("terminal-escape", "\n\x1b[31mred"),
    ("empty-list", []),
    ("empty-object", {}),
    ("nested-lists", [[[]]]),
    ("nested-objects", {"a": {"b": {}}}),
    ("script", "<script>alert(1)</script>"),
]
DELETE = object()

KeyPath = tuple[str | int, ...]


# --- walking and mutating a document ---------------------------------------------------


def all_paths(node: Any, prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """Every key path and list index below ``node`` (not the root itself), depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from all_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from all_paths(value, (*prefix, index))


def value_at(doc: Any, path: KeyPath) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def mutated(doc: dict[str, Any], path: KeyPath, value: Any) -> dict[str, Any]:
    """A deep copy of ``doc`` with the value at ``path`` replaced (or deleted: DELETE)."""
    out = copy.deepcopy(doc)
    parent = value_at(out, path[:-1])
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return out


def variants(doc: dict[str, Any], path: KeyPath) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, document) for every odd value at ``path``, and for its deletion."""
    for label, value in ODD_VALUES:
        yield label, mutated(doc, path, value)
    if isinstance(value_at(doc, path), str):
        yield "long-string", mutated(doc, path, LONG)
    yield "deleted", mutated(doc, path, DELETE)


def show(path: KeyPath) -> str:
    return "".join(f"[{step!r}]" for step in path)


def strict_json(text: str) -> Any:
    """json.loads that also refuses NaN and Infinity (not JSON)."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


# --- the documents under test ------------------------------------------------------------


@pytest.fixture
def ring(signing_key: SigningKey) -> KeyRing:
    return KeyRing([*builtin_keys(), signing_key.public("test-fixture")])


# Bases: two valid records, a valid bundle, and a record whose number cannot be computed
# (no canonical record), so that odd values elsewhere meet the paths taken without one.
BASES = ["minted", "seed", "bundle", "seed-without-canonical-record"]
VALID_BASES = {"minted", "seed", "bundle"}


@pytest.fixture(params=BASES)
def document(request: pytest.FixtureRequest, mint: Any, helpers: Any) -> dict[str, Any]:
    seed: dict[str, Any] = json.loads(SEED_PATH.read_bytes())
    if request.param == "minted":
        doc: dict[str, Any] = mint()
    elif request.param == "seed":
        doc = seed
    elif request.param == "bundle":
        doc = helpers.make_bundle(mint())
    else:
        doc = {k: v for k, v in seed.items() if k != "canonical_record"}
    return doc


def _verify(helpers: Any, doc: dict[str, Any], name: str, ring: KeyRing) -> Verdict:
    return verify_document(helpers.loaded_from(doc, name), ring)


@pytest.mark.parametrize("base", sorted(VALID_BASES))
def test_the_documents_under_test_verify(base, mint, ring, helpers) -> None:
    seed = json.loads(SEED_PATH.read_bytes())
    document = {"minted": mint(), "seed": seed, "bundle": helpers.make_bundle(mint())}[base]
    verdict = _verify(helpers, document, "original.json", ring)
    assert verdict.status == "verified", helpers.failed(verdict)
    if base == "bundle":
        paths = list(all_paths(document))
        assert ("events", 0, "payload", "receipt", "signature_b64") in paths
        assert ("source_aliases", 0, "alias_value") in paths
        return
    paths = list(all_paths(document))
    # Nested places are all walked: canonical record, paper, receipt, aliases, statuses.
    for expected in [
        ("canonical_record", "source", "version"),
        ("canonical_record", "metadata", "cross_cats_sorted"),
        ("paper", "title"),
        ("receipt", "signature_b64"),
        ("aliases", 0, "alias_value"),
        ("verification_status", "pith_receipt"),
    ]:
        assert expected in paths


# --- every path, every odd value ---------------------------------------------------------


def test_verify_never_raises_for_any_value_anywhere(document, ring, helpers) -> None:
    """verify_document returns a verdict for every variant (it must not raise)."""
    crashes: list[str] = []
    count = 0
    for path in all_paths(document):
        for label, variant in variants(document, path):
            count += 1
            try:
                verdict = _verify(helpers, variant, f"{label}.json", ring)
            except Exception as exc:
                crashes.append(f"{show(path)} = {label}: {type(exc).__name__}: {exc}"[:300])
                continue
            assert isinstance(verdict, Verdict)
            assert verdict.status in ("verified", "failed")
    assert count > 500
    assert not crashes, f"{len(crashes)} crash(es):\n" + "\n".join(crashes[:40])


def test_verify_has_no_internal_errors_for_any_value_anywhere(document, ring, helpers) -> None:
    """verify_document's last line of defence (an ``internal`` failure) is never reached:
    every odd value is reported by the check it breaks, not by a caught exception."""
    internal: list[str] = []
    for path in all_paths(document):
        for label, variant in variants(document, path):
            verdict = _verify(helpers, variant, f"{label}.json", ring)
            for check in verdict.checks:
                if check.check == "internal":
                    internal.append(f"{show(path)} = {label}: {check.message}"[:300])
    assert not internal, f"{len(internal)} internal error(s):\n" + "\n".join(internal[:40])


def test_merge_and_reports_never_raise_over_the_variants_of_each_path(
    document, ring, helpers
) -> None:
    """All variants of one path (with the original) merged together; both reports over the
    result; the JSON report is valid JSON and lists every document."""
    crashes: list[str] = []
    for path in all_paths(document):
        docs = [("original", document), *variants(document, path)]
        names = [f"{index:02d}-{label}.json" for index, (label, _) in enumerate(docs)]
        verdicts = [
            _verify(helpers, doc, name, ring) for name, (_, doc) in zip(names, docs, strict=True)
        ]
        stage = "merge"
        try:
            with merge(verdicts) as result:
                stage = "json_chunks"
                report = strict_json("".join(json_chunks(result, ring)))
                stage = "human_lines"
                lines = list(human_lines(result))
        except Exception as exc:
            crashes.append(f"{show(path)}: {stage}: {type(exc).__name__}: {exc}"[:300])
            continue
        assert [r["source"] for r in report["records"]] == names, show(path)
        assert report["summary"]["total"] == len(names)
        assert all(isinstance(line, str) for line in lines)
        assert lines[-1].startswith(f"{len(names)} document(s): ")
    assert not crashes, f"{len(crashes)} crash(es):\n" + "\n".join(crashes[:40])


# --- the command line over a folder of hostile documents ---------------------------------


def _hostile_folder(folder: Path, minted: dict[str, Any], seed: dict[str, Any]) -> list[str]:
    """Writes ~30 hostile documents into ``folder``; returns the sources a report must
    list (as reports show them)."""
    folder.mkdir()
    files: dict[bytes, bytes] = {}

    def put(name: str | bytes, doc: Any) -> None:
        raw = doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode()
        files[os.fsencode(name)] = raw

    put("valid-minted.json", minted)
    put("valid-seed.json", seed)
    put("pith-number-foo.json", dict(minted, pith_number="foo"))
    put("pith-number-two-colons.json", dict(minted, pith_number="pith::"))
    put(
        "source-version-2pow70.json",
        mutated(minted, ("canonical_record", "source", "version"), 2**70),
    )
    put("top-version-2pow70.json", mutated(minted, ("source", "version"), 2**70))
    put("seed-version-2pow70.json", mutated(seed, ("canonical_record", "source", "version"), 2**70))
    put("new\nline.json", mutated(minted, ("paper", "title"), "\n\x1b[31mred"))
    put(b"bad\xff.json", mutated(seed, ("receipt", "key_id"), None))
    put("tab\there.json", dict(seed, pith_number="foo"))
    picks: list[tuple[KeyPath, str, Any]] = [
        (("canonical_record",), "null", None),
        (("canonical_record", "metadata"), "list", []),
        (("canonical_record", "metadata", "submitted_at"), "big", 2**70),
        (("canonical_record", "metadata", "cross_cats_sorted"), "nested", [[[]]]),
        (("paper",), "string", "<script>alert(1)</script>"),
        (("paper", "authors_text"), "long", LONG),
        (("receipt",), "deleted", DELETE),
        (("receipt", "signature_b64"), "float", 1e308),
        (("receipt", "signed_at"), "escape", "\n\x1b[31mred"),
        (("aliases",), "object", {"a": {"b": {}}}),
        (("aliases", 0), "true", True),
        (("aliases", 0, "alias_value"), "minus", -1),
        (("verification_status",), "zero", 0),
        (("source",), "empty", {}),
        (("canonical_sha256",), "empty-string", ""),
        (("short_pith_number",), "big", 2**70),
    ]
    for index, (path, label, value) in enumerate(picks):
        put(f"pick-{index:02d}-{label}.json", mutated(minted, path, value))
    put("not-an-object.json", b"[1, 2, 3]")
    put("null.json", b"null")
    put("empty.json", b"")
    put("broken.json", b'{"pith_number": ')
    put("duplicate-key.json", b'{"a": 1, "a": 2}')
    put("deep.json", b"[" * 5000 + b"]" * 5000)
    put("bundle-odd.json", {"bundle_type": 5, "pith_number": "foo"})
    jsonl_lines = [
        json.dumps(dict(minted, pith_number="foo")),
        "not json",
        json.dumps(mutated(minted, ("canonical_record", "source", "version"), 2**70)),
    ]
    put("lines.jsonl", "\n".join(jsonl_lines).encode() + b"\n")

    expected = []
    shown_dir = display_name(str(folder))
    for name, raw in sorted(files.items()):
        with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
            handle.write(raw)
        shown = str(Path(shown_dir) / display_name(os.fsdecode(name)))
        if name.endswith(b".jsonl"):
            expected.extend(f"{shown}:{line}" for line in range(1, len(jsonl_lines) + 1))
        else:
            expected.append(shown)
    assert len(expected) >= 30
    return expected


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pithgen", *args],
        capture_output=True,
        text=True,
        errors="backslashreplace",
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def hostile(tmp_path: Path, mint: Any, signing_key: SigningKey) -> tuple[Path, list[str], Path]:
    folder = tmp_path / "hostile"
    expected = _hostile_folder(folder, mint(), json.loads(SEED_PATH.read_bytes()))
    _, public = write_key_pair(signing_key, tmp_path / "keys")
    return folder, expected, public


def test_cli_verify_over_hostile_documents(tmp_path: Path, hostile) -> None:
    folder, expected, public = hostile
    proc = _run("verify", str(folder), "--json", "--trust-key", str(public), cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:])
    report = strict_json(proc.stdout)
    sources = [r["source"] for r in report["records"]]
    assert sorted(sources) == sorted(expected)
    assert report["summary"]["total"] == len(expected)
    statuses = {r["source"]: r["status"] for r in report["records"]}
    # The seed has no valid rival; the minted record may have some (variants that change
    # only unsigned fields still verify: one of them is published, the others superseded).
    assert statuses[str(Path(display_name(str(folder))) / "valid-seed.json")] == "verified"
    assert report["summary"]["verified"] >= 1
    assert report["summary"]["failed"] == len(expected) - report["summary"]["verified"]
    internal = [r for r in report["records"] if any(c["check"] == "internal" for c in r["checks"])]
    assert not internal, internal


def test_cli_build_keep_going_over_hostile_documents(tmp_path: Path, hostile) -> None:
    folder, expected, public = hostile
    out = tmp_path / "site"
    proc = _run(
        "build",
        "--records",
        str(folder),
        "--out",
        str(out),
        "--keep-going",
        "--trust-key",
        str(public),
        cwd=tmp_path,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-3000:], proc.stdout[-3000:])
    assert (out / "index.html").is_file()
    match = re.search(r"from (\d+) input document\(s\) \((\d+) verified, (\d+) failed", proc.stdout)
    assert match, proc.stdout
    total, verified, failed = map(int, match.groups())
    assert total == len(expected) and verified + failed == total and verified >= 1
    assert (out / "pith" / "4FP6Z27B6DFNJRYZBSXH3XON27" / "index.html").is_file()
