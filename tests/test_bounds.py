"""Bounded output and memory for hostile documents (README "Inputs").

Each amplification document below is one file of up to 16 MiB whose lists or strings are
as long as the file allows: millions of empty aliases, hundreds of thousands of duplicate
or unknown alias kinds, a huge ``cross_cats`` list, huge display fields, a bundle with
hundreds of thousands of unknown event types. The real command line (a subprocess) must
stay within :data:`MAX_RSS_MIB` of memory on them, ``verify --json`` must report on them
in under 1 MB in all, and ``build --keep-going`` must write a verification page under
1 MB. Messages cut a list say "and N more".

Peak memory is read from ``getrusage(RUSAGE_CHILDREN)`` in a fresh wrapper interpreter,
so that it covers exactly one child: the measured command.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pithgen import layout
from pithgen.checks import SHOWN_LIMIT, shown
from pithgen.load import DEFAULT_MAX_BYTES, discover, load_file
from pithgen.strictjson import DEFAULT_MAX_VALUES
from pithgen.verify import verify_document

FIXTURES = Path(__file__).parent / "fixtures"
SEED_PATH = FIXTURES / "seed-record-4FP6Z27B.json"
ROOT = Path(__file__).resolve().parent.parent

#: The documented bound (README "Inputs") on pithgen's peak memory for one 16 MiB document.
MAX_RSS_MIB = 300
#: What the whole report over all amplification documents may weigh.
MAX_REPORT_BYTES = 1_000_000
#: Items of a list that fill a document just under the value limit: one-member objects
#: count 2 values each ('{' and ','), the rest of the document < 1,000.
OBJECTS = (DEFAULT_MAX_VALUES - 1_000) // 2
PAIRS = (DEFAULT_MAX_VALUES - 1_000) // 3  # two-member objects: 3 values each
EVENTS = 150_000  # two-member objects of ~90 bytes: as many as 16 MiB holds
STRINGS = DEFAULT_MAX_VALUES - 1_000

_WRAPPER = r"""
import json, resource, subprocess, sys
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    code = subprocess.run(sys.argv[3:], stdout=out, stderr=err).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"returncode": code, "maxrss_kib": usage.ru_maxrss}, sys.stdout)
"""


def _measured(tmp: Path, *args: str) -> tuple[int, float, bytes, str]:
    """Run ``pithgen ARGS`` under a fresh wrapper: (exit code, peak MiB, stdout, stderr)."""
    out, err = tmp / "stdout", tmp / "stderr"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _WRAPPER,
            str(out),
            str(err),
            sys.executable,
            "-m",
            "pithgen",
            *args,
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=600,
    )
    data = json.loads(proc.stdout)
    return (
        data["returncode"],
        data["maxrss_kib"] / 1024,
        out.read_bytes(),
        err.read_text("utf-8", "replace"),
    )


def _dump(doc: dict[str, Any]) -> bytes:
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(raw) <= DEFAULT_MAX_BYTES, len(raw)  # each is one loadable-sized document
    return raw


def _amplifiers(seed: dict[str, Any], bundle: dict[str, Any]) -> dict[str, bytes]:
    """name -> document bytes. Sizes fill (most of) the 16 MiB document limit."""
    docs: dict[str, bytes] = {}

    def put(name: str, base: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
        doc = copy.deepcopy(base)
        node = doc
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
        docs[name] = _dump(doc)

    aliases = seed["aliases"]
    # Over the value limit: refused by the loader before anything is built.
    put("aliases-empty-millions", seed, ("aliases",), [{}] * 5_000_000)
    put("cross-cats-millions", seed, ("paper", "cross_cats"), ["a"] * 4_000_000)
    # Just under it: the checks walk every item.
    put("aliases-without-kind", seed, ("aliases",), [*aliases, *[{}] * OBJECTS])
    put(
        "aliases-duplicate-kinds",
        seed,
        ("aliases",),
        [*aliases, *[{"alias_kind": "arxiv"}] * OBJECTS],
    )
    put(
        "aliases-unknown-kinds",
        seed,
        ("aliases",),
        [*aliases, *({"alias_kind": f"k{i:07d}", "alias_value": "x"} for i in range(PAIRS))],
    )
    put("cross-cats-huge", seed, ("paper", "cross_cats"), ["cs.LG"] * STRINGS)
    put("title-huge-words", seed, ("paper", "title"), "ab " * 5_500_000)
    put("title-huge-non-ascii", seed, ("paper", "title"), "\ufdfa " * 4_000_000)
    put("primary-cat-huge", seed, ("paper", "primary_cat"), "x" * 16_000_000)
    subject = bundle["pith_number"]
    put(
        "bundle-event-kinds",
        bundle,
        ("events",),
        [
            *bundle["events"],
            *({"event_type": f"t{i:07d}", "subject_pith_number": subject} for i in range(EVENTS)),
        ],
    )
    put("bundle-foreign-events", bundle, ("events",), [*bundle["events"], *[{}] * OBJECTS])
    return docs


@pytest.fixture(scope="module")
def amplifiers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    from conftest import make_bundle

    seed = json.loads(SEED_PATH.read_bytes())
    bundle = make_bundle(dict(seed, created_at="2026-01-01T00:00:00Z"), other_events=False)
    folder = tmp_path_factory.mktemp("amplify") / "records"
    folder.mkdir()
    names = []
    for name, raw in _amplifiers(seed, bundle).items():
        (folder / f"{name}.json").write_bytes(raw)
        names.append(f"{name}.json")
    return folder, names


def test_verify_json_over_amplification_documents_is_bounded(amplifiers, tmp_path) -> None:
    folder, names = amplifiers
    code, peak_mib, out, err = _measured(tmp_path, "verify", "--json", str(folder))
    assert "Traceback" not in err, err[-3000:]
    assert code == 1, (code, err[-3000:])
    assert len(out) < MAX_REPORT_BYTES, f"report of {len(out)} bytes"
    assert peak_mib < MAX_RSS_MIB, f"peak memory {peak_mib:.0f} MiB"
    report = json.loads(out)
    records = {Path(r["source"]).name: r for r in report["records"]}
    assert sorted(records) == sorted(names)
    for record in records.values():
        for item in (*record["problems"], *record["warnings"]):
            assert len(item["message"]) <= 1000, item
            # Lists are cut by count ("and N more"), not by a blind cut of a huge message.
            assert "message cut at" not in item["message"], item
    # Millions of containers: refused by the loader before anything is built.
    refused = records["aliases-empty-millions.json"]
    assert [p["check"] for p in refused["problems"]] == ["json"]
    assert f"at most {DEFAULT_MAX_VALUES} JSON values" in refused["problems"][0]["message"]
    assert [p["check"] for p in records["cross-cats-millions.json"]["problems"]] == ["json"]
    # Under the limit: the checks keep a few examples and count the rest.
    for name, check in [
        ("aliases-without-kind.json", "aliases"),
        ("aliases-duplicate-kinds.json", "aliases"),
        ("cross-cats-huge.json", "display_metadata"),
        ("primary-cat-huge.json", "display_metadata"),
        ("title-huge-words.json", "title_hash"),
        ("title-huge-non-ascii.json", "title_hash"),
    ]:
        problems = records[name]["problems"]
        assert [p["check"] for p in problems] == [check], (name, problems)
    without = records["aliases-without-kind.json"]["problems"][0]["message"]
    assert without.endswith(f"alias without a string alias_kind: {{}}; and {OBJECTS - 10} more")
    duplicates = records["aliases-duplicate-kinds.json"]["problems"][0]["message"]
    assert duplicates == f"'aliases': alias_kind 'arxiv' appears {OBJECTS + 1} times"
    unknown = records["aliases-unknown-kinds.json"]
    assert unknown["status"] == "verified"
    warned = " | ".join(w["message"] for w in unknown["warnings"])
    assert f"and {PAIRS - 10} more" in warned and "'k0000000', 'k0000001'" in warned
    bundle = records["bundle-event-kinds.json"]
    assert bundle["status"] == "verified", bundle["problems"]
    events = " | ".join(w["message"] for w in bundle["warnings"] if w["check"] == "events")
    assert f"{EVENTS} other event(s)" in events and f"and {EVENTS - 10} more" in events
    foreign = records["bundle-foreign-events.json"]["problems"]
    assert [p["check"] for p in foreign] == ["events"]
    assert "events[1] (None) has None; " in foreign[0]["message"]
    assert foreign[0]["message"].endswith(f"and {OBJECTS - 10} more")


def test_build_keep_going_over_amplification_documents_is_bounded(amplifiers, tmp_path) -> None:
    folder, names = amplifiers
    out = tmp_path / "site"
    code, peak_mib, stdout, err = _measured(
        tmp_path, "build", "--records", str(folder), "--out", str(out), "--keep-going"
    )
    assert "Traceback" not in err, err[-3000:]
    assert code == 0, (code, err[-3000:], stdout[-3000:])
    assert peak_mib < MAX_RSS_MIB, f"peak memory {peak_mib:.0f} MiB"
    page = out / layout.verification_page()
    assert page.stat().st_size < MAX_REPORT_BYTES, page.stat().st_size
    text = page.read_text("utf-8")
    for name in names:
        assert name in text
    assert (out / layout.VERIFICATION_JSON).stat().st_size < MAX_REPORT_BYTES


def test_value_limit_admits_a_bundle_of_tens_of_thousands_of_events(
    mint, helpers, test_ring, tmp_path
) -> None:
    """30,000 events shaped as the spec describes them (subject, target, payload, signer,
    event id) load and verify under the default limits."""
    record = mint()
    bundle = helpers.make_bundle(record, other_events=False)
    signer = bundle["events"][0]["signer"]
    bundle["events"] += [
        {
            "event_type": "graph_snapshot",
            "subject_pith_number": record["pith_number"],
            "target": "graph",
            "payload": {"references": {"count": n, "sample": []}},
            "created_at": record["created_at"],
            "signer": dict(signer),
            "event_id": f"sha256:{n:064x}",
        }
        for n in range(30_000)
    ]
    raw = _dump(bundle)
    assert raw.count(b"{") + raw.count(b"[") + raw.count(b",") < DEFAULT_MAX_VALUES
    path = tmp_path / "big.bundle.json"
    path.write_bytes(raw)
    (item,) = discover([path])
    (loaded,) = load_file(item)
    verdict = verify_document(loaded, test_ring)
    assert verdict.status == "verified", verdict.problems
    (warning,) = [w for w in verdict.warnings if w.check == "events"]
    assert "30000 other event(s) not checked yet: graph_snapshot" in warning.message


# --- showing values: repr for small ones, bounded work for huge ones ---------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


@given(_JSON)
def test_shown_is_repr_when_short(value: Any) -> None:
    text = repr(value)
    if len(text) <= SHOWN_LIMIT:
        assert shown(value) == text
    else:  # cut: a prefix (inner strings may be quoted as their prefix is), then the size
        assert "… (" in shown(value) and len(shown(value)) < SHOWN_LIMIT + 40


class _Unreachable:
    def __repr__(self) -> str:
        raise AssertionError("shown() walked past its limit")


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ([0] * 3_000_000 + [_Unreachable()], "3000001 items"),
        ({"a": [[1] * 1000] * 1000, "z": _Unreachable()}, "2 members"),
        ([{"k": "v" * 10_000_000}, _Unreachable()], "2 items"),
        ("\x1b" * 10_000_000, "10000000 characters"),
        ([["x"]], None),
    ],
    ids=["long-list", "nested", "long-string-inside", "long-string", "small"],
)
def test_shown_never_walks_past_its_limit(value: Any, size: str | None) -> None:
    text = shown(value)
    if size is None:
        assert text == repr(value)
    else:
        assert text.endswith(f"… ({size})") and len(text) <= SHOWN_LIMIT + 30, text
    assert "\x1b" not in text
