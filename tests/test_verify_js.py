"""The in-browser verifier (templates/assets/verify.js) agrees with pithgen's Python code,
under node (tests/js/verify_harness.js), on the same bytes:

- its SHA-256, its strict JSON reader and canonical form (Python's ``json.dumps(...,
  sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` of what
  :func:`pithgen.strictjson.parse_document` reads, refusals included), float by float;
- its Ed25519 verdict (pithgen's strict rule before Web Crypto) on every C2SP CCTV vector:
  valid or not *and* the reason, as :func:`pithgen.ed25519.verify` gives them;
- every step of its check of every record page of built sites (with and without a log)
  and of tampered copies of their data (record, receipt, proof, checkpoint, log key):
  each step's outcome is the one pithgen's own checks give (tests/pagedata.py);
- a browser without Ed25519 in Web Crypto gets "cannot check" for the signatures, never a
  failure, while the strict rule's refusals stay failures.

Node is required (as for tests/test_js_logic.py): without it these tests fail.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pagedata import (
    flip_base64,
    js_steps,
    python_steps,
    run_harness,
    site_pages,
    with_document,
    with_proof,
)
from sitehelpers import build_sample, shared_minted_site

from pithgen import ed25519, layout
from pithgen.canonical import canonical_json
from pithgen.ed25519 import L
from pithgen.pageverify import DATA_FORMAT, DATA_ID
from pithgen.strictjson import JSONDefect, parse_document

FIXTURES = Path(__file__).parent / "fixtures"
VECTORS: list[dict[str, Any]] = json.loads(
    (FIXTURES / "cctv-ed25519" / "ed25519vectors.json").read_text(encoding="utf-8")
)
SCRIPT = Path(__file__).resolve().parent.parent / "templates" / "assets" / "verify.js"


@pytest.fixture(scope="module")
def minted_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    _, site = shared_minted_site(tmp_path_factory)
    return site_pages(site)


@pytest.fixture(scope="module")
def sample_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The golden sample build: Pith's real seed record, signed by Pith's key, no log."""
    out = tmp_path_factory.mktemp("sample") / "site"
    assert build_sample(out).written
    return site_pages(out)


# --------------------------------------------------------------------------- bytes


def test_sha256_agrees_with_hashlib() -> None:
    rng = __import__("random").Random(7)
    lengths = [*range(0, 130), 183, 447, 448, 511, 512, 1000, 4096, 65_537, 1 << 20]
    blobs = [bytes(rng.getrandbits(8) for _ in range(n)) for n in lengths[:-2]]
    blobs += [os.urandom(65_537), os.urandom(1 << 20)]
    out = run_harness({"sha256": [base64.b64encode(b).decode() for b in blobs]})["sha256"]
    assert out == [__import__("hashlib").sha256(b).hexdigest() for b in blobs]


def _python_canonical(raw: bytes) -> dict[str, str]:
    try:
        return {"canonical": canonical_json(parse_document(raw))}
    except JSONDefect:
        return {"error": "refused"}


def _agree(raws: list[bytes]) -> None:
    out = run_harness({"documents": [base64.b64encode(r).decode() for r in raws]})["documents"]
    for raw, js in zip(raws, out, strict=True):
        python = _python_canonical(raw)
        got = {"error": "refused"} if "error" in js else js
        assert got == python, f"{raw[:200]!r}: JS {js}, Python {python}"


#: Documents where a careless canonical form or JSON reader would differ from Python's.
EDGE_DOCUMENTS = [
    b'{"b":1,"a":2,"\xef\xbf\xbf":3,"\xf0\x90\x80\x80":4,"\xee\x80\x80":5,"A":6,"":7}',
    b'{"x":[1.0,1E2,-0,-0.0,1e16,1e15,0.0001,0.00001,5e-324,1e-400,-1e-400,1.7976931348623157e308]}',
    b'{"x":[123456789012345678901234567890,9007199254740993,9007199254740993.0,0.1e1,100e-2]}',
    b'{"x":[4.35,2.5e-5,1e22,1e21,123456789012345680000,0.30000000000000004,-1.5E+300]}',
    b'{"s":"\\u2028\\u2029\x7f\\u007f\\u0000\\u001f\\b\\f\\n\\r\\t\\"\\\\\\/","t":"\\ud834\\udd1e"}',
    b'{"\\u00e9":"caf\xc3\xa9","e\xcc\x81":"NFD kept as is","__proto__":{"constructor":1}}',
    b' \t\r\n{"a" : [ true , false , null ] }\n ',
    b'{"a":{"a":{"a":[[[]]]}}}',
    "{" + '"a":[' * 62 + "0" + "]" * 62 + "}",
    "{" + '"a":[' * 63 + "0" + "]" * 63 + "}",  # 64 levels: refused
    b'{"a":1,"a":2}',
    b'{"s":"\\ud800"}',
    b'{"s":"\\udd1e\\ud834"}',
    b'{"\\udc00":1}',
    b'\xef\xbb\xbf{"a":1}',
    b'{"a":"\xff"}',
    b'{"a":"\xed\xa0\x80"}',
    b'{"a":NaN}',
    b'{"a":-Infinity}',
    b'{"a":1e400}',
    b'{"a":[1,]}',
    b'{"a":01}',
    b'{"a":"tab\there"}',
    b'{"a":"\\x"}',
    b'{"a":1}x',
    b"[1,2]",
    b'"text"',
    b"",
    b'{"a":' + b"9" * 4300 + b"}",
    b'{"a":' + b"9" * 4301 + b"}",
]


def test_canonical_form_agrees_on_edge_documents() -> None:
    _agree([d if isinstance(d, bytes) else d.encode() for d in EDGE_DOCUMENTS])


_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
_values = st.recursive(
    _scalars,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(_text, c, max_size=4),
    max_leaves=12,
)
_documents = st.tuples(
    st.dictionaries(_text, _values, max_size=4), st.booleans(), st.sampled_from([None, 0, 2])
)


@settings(max_examples=25, deadline=None)
@given(st.lists(_documents, min_size=8, max_size=16))
def test_canonical_form_agrees_on_generated_documents(documents) -> None:
    raws = [
        json.dumps(doc, ensure_ascii=ascii_only, indent=indent).encode("utf-8")
        for doc, ascii_only, indent in documents
    ]
    _agree(raws)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=30, max_size=60))
def test_float_repr_agrees(floats) -> None:
    # Python's repr, and the 17-significant-digit spelling (not the shortest) read back.
    spelled = (
        [repr(x) for x in floats] + [f"{x:.17e}" for x in floats] + [f"{x:.3e}" for x in floats]
    )
    lexemes = [t for t in spelled if math.isfinite(float(t))]  # 1.798e+308 overflows: refused
    out = run_harness({"floats": lexemes})["floats"]
    assert out == [repr(float(t)) for t in lexemes]


# --------------------------------------------------------------------------- Ed25519


def test_every_cctv_vector_gets_pythons_verdict_and_reason() -> None:
    cases = [
        {"key": v["key"], "sig": v["sig"], "msg": v["msg"].encode("utf-8").hex()} for v in VECTORS
    ]
    out = run_harness({"vectors": cases})["vectors"]
    assert len(out) == len(VECTORS) == 914
    accepted = 0
    for vector, js in zip(VECTORS, out, strict=True):
        python = ed25519.verify(
            bytes.fromhex(vector["key"]), bytes.fromhex(vector["sig"]), vector["msg"].encode()
        )
        assert not js["unavailable"], vector["number"]
        assert (js["valid"], js["reason"]) == (python.valid, python.reason), vector["number"]
        accepted += python.valid
    assert 0 < accepted < len(VECTORS)  # both verdicts occur


def test_malleated_and_truncated_signatures_get_pythons_reason(
    minted_pages: dict[str, dict[str, Any]],
) -> None:
    data = next(iter(minted_pages.values()))
    doc = json.loads(base64.b64decode(data["document"]))
    key = bytes.fromhex(data["signer"]["public_key"])
    message = bytes.fromhex(doc["canonical_sha256"])
    signature = base64.b64decode(doc["receipt"]["signature_b64"])
    s = int.from_bytes(signature[32:], "little")
    variants = [
        signature,
        signature[:32] + (s + L).to_bytes(32, "little"),  # S >= L: same equation, refused
        signature[:63],
        signature[:32] + bytes(32),
        bytes(64),
        (1).to_bytes(32, "little") + signature[32:],  # identity R
    ]
    out = run_harness(
        {"vectors": [{"key": key.hex(), "sig": v.hex(), "msg": message.hex()} for v in variants]}
    )["vectors"]
    for variant, js in zip(variants, out, strict=True):
        python = ed25519.verify(key, variant, message)
        assert (js["valid"], js["reason"]) == (python.valid, python.reason)
    assert [js["valid"] for js in out] == [True, False, False, False, False, False]


# --------------------------------------------------------------------------- built pages


def test_the_data_block_is_inert_and_carries_the_published_bytes(
    tmp_path_factory: pytest.TempPathFactory, minted_pages: dict[str, dict[str, Any]]
) -> None:
    _, site = shared_minted_site(tmp_path_factory)
    assert len(minted_pages) >= 300
    for path, data in minted_pages.items():
        html = (site / path).read_text(encoding="utf-8")
        opening = f'<script type="application/json" id="{DATA_ID}">'
        body = html[
            html.index(opening) + len(opening) : html.index("</script>", html.index(opening))
        ]
        assert "<" not in body and ">" not in body and "&" not in body
        assert data["format"] == DATA_FORMAT and data["log"] is not None
        suffix = data["pith_number"].rsplit(":", 1)[1]
        raw = base64.b64decode(data["document"], validate=True)
        json_path = (
            layout.record_json(suffix) if data["kind"] == "record" else layout.bundle(suffix)
        )
        proof_path = (
            layout.record_proof(suffix) if data["kind"] == "record" else layout.bundle_proof(suffix)
        )
        assert raw == (site / json_path).read_bytes() and len(raw) == data["size"]
        assert data["log"]["proof"] == (site / proof_path).read_text(encoding="utf-8")
        assert data["log"]["vkey"] == (site / layout.LOG_KEY).read_text(encoding="utf-8").strip()


def test_every_page_of_a_site_with_a_log_verifies_as_python_says(
    minted_pages: dict[str, dict[str, Any]],
) -> None:
    pages = list(minted_pages.values())
    kinds = {data["kind"] for data in pages}
    assert kinds == {"record", "bundle"}  # pages rendered from bundles too
    reports = run_harness({"pages": pages})["pages"]
    for (path, data), report in zip(minted_pages.items(), reports, strict=True):
        expected = python_steps(data)
        assert expected == dict.fromkeys(("hash", "number", "receipt", "entry", "checkpoint"), "ok")
        assert js_steps(report) == expected, (path, report)
        assert report["outcome"] == "verified"


def test_pith_s_real_record_verifies_and_says_there_is_no_log(
    sample_pages: dict[str, dict[str, Any]],
) -> None:
    [data] = sample_pages.values()
    assert data["log"] is None and data["signer"]["key_id"] == "pith-v1-2026-05"
    [report] = run_harness({"pages": [data]})["pages"]
    assert (
        js_steps(report)
        == python_steps(data)
        == {
            "hash": "ok",
            "number": "ok",
            "receipt": "ok",
            "entry": "none",
        }
    )
    assert report["outcome"] == "verified"
    assert "keeps no transparency log" in report["steps"][-1]["text"]


def _with_hashes(pages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A record page whose proof has several hashes (a leaf deep in the log)."""
    return max(
        (d for d in pages.values() if d["kind"] == "record"),
        key=lambda d: d["log"]["proof"].count("\n"),
    )


def _tampered(data: dict[str, Any], other_vkey: str) -> dict[str, tuple[dict[str, Any], str]]:
    """name -> (tampered data, the step that must fail first)."""

    def canonical(doc: dict[str, Any]) -> None:
        doc["canonical_record"]["metadata"]["primary_cat"] = "cs.CR"

    def title(doc: dict[str, Any]) -> None:
        doc["paper"]["title"] += " (edited)"

    def signature(doc: dict[str, Any]) -> None:
        doc["receipt"]["signature_b64"] = flip_base64(doc["receipt"]["signature_b64"], 40)

    def fingerprint(doc: dict[str, Any]) -> None:
        doc["receipt"]["public_key_fingerprint"] = "0" * 32

    def proof_hash(text: str) -> str:
        lines = text.split("\n")
        lines[2] = flip_base64(lines[2], 5)
        return "\n".join(lines)

    def checkpoint_signature(text: str) -> str:
        head, line = text.rstrip("\n").rsplit("\n", 1)
        name, blob = line.rsplit(" ", 1)
        return f"{head}\n{name} {flip_base64(blob, 20)}\n"

    def checkpoint_root(text: str) -> str:
        marker = text.index("\n\n") + 2
        body = text[marker:].split("\n")
        body[2] = flip_base64(body[2], 0)
        return text[:marker] + "\n".join(body)

    def checkpoint_size(text: str) -> str:
        marker = text.index("\n\n") + 2
        body = text[marker:].split("\n")
        body[1] = str(int(body[1]) + 1)
        return text[:marker] + "\n".join(body)

    other_key = {**data, "log": {**data["log"], "vkey": other_vkey}}
    return {
        "canonical record": (with_document(data, canonical), "hash"),
        "display title": (with_document(data, title), "entry"),
        "receipt signature": (with_document(data, signature), "receipt"),
        "receipt fingerprint": (with_document(data, fingerprint), "receipt"),
        "proof hash": (with_proof(data, proof_hash), "entry"),
        "checkpoint signature": (with_proof(data, checkpoint_signature), "checkpoint"),
        "checkpoint root": (with_proof(data, checkpoint_root), "entry"),
        "checkpoint size": (with_proof(data, checkpoint_size), "entry"),
        "another log key": (other_key, "checkpoint"),
        "page's Pith Number": ({**data, "pith_number": "pith:2019:" + "A" * 26}, "number"),
        "no document": ({**data, "document": "not base64!"}, "hash"),
    }


def _other_vkey(vkey: str) -> str:
    from pithgen.keys import SigningKey
    from pithgen.tlog.note import NoteVerifier

    other = SigningKey.from_seed("other-log", bytes(range(100, 132)))
    return NoteVerifier.for_key(vkey.split("+", 1)[0], other.public_raw).vkey


def test_tampered_data_fails_where_python_fails(minted_pages: dict[str, dict[str, Any]]) -> None:
    data = _with_hashes(minted_pages)
    assert data["log"]["proof"].count("\n") > 8  # several proof hashes to tamper with
    cases = _tampered(data, _other_vkey(data["log"]["vkey"]))
    reports = run_harness({"pages": [d for d, _ in cases.values()]})["pages"]
    for (name, (tampered, step)), report in zip(cases.items(), reports, strict=True):
        js = js_steps(report)
        if name == "no document":
            assert js == {"hash": "failed"}, report
        else:
            assert js == python_steps(tampered), (name, report)
        assert js[step] == "failed", (name, report)
        assert report["outcome"] == "failed", name
        failed = next(s for s in report["steps"] if s["outcome"] == "failed")
        assert failed["text"], name


def test_without_ed25519_signatures_cannot_be_checked_but_nothing_fails(
    minted_pages: dict[str, dict[str, Any]],
) -> None:
    data = _with_hashes(minted_pages)
    malleated = with_document(
        data,
        lambda doc: doc["receipt"].update(signature_b64=_add_l(doc["receipt"]["signature_b64"])),
    )
    [plain, tampered] = run_harness({"pages": [data, malleated], "no_ed25519": True})["pages"]
    assert js_steps(plain) == {
        "hash": "ok",
        "number": "ok",
        "receipt": "unavailable",
        "entry": "ok",
        "checkpoint": "unavailable",
    }
    assert plain["outcome"] == "incomplete"
    for step in plain["steps"]:
        if step["outcome"] == "unavailable":
            assert "this browser cannot check Ed25519 signatures" in step["text"]
    # S >= L is refused by the strict rule itself: a failure even without Web Crypto.
    assert js_steps(tampered)["receipt"] == "failed" == python_steps(malleated)["receipt"]
    assert "S is not reduced modulo the group order L" in tampered["steps"][2]["text"]


def _add_l(signature_b64: str) -> str:
    raw = base64.b64decode(signature_b64)
    s = int.from_bytes(raw[32:], "little") + L
    return base64.b64encode(raw[:32] + s.to_bytes(32, "little")).decode()


def test_the_script_names_the_data_block_and_format_pithgen_writes() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    assert f'const DATA_ID = "{DATA_ID}";' in script
    assert f'const DATA_FORMAT = "{DATA_FORMAT}";' in script
    assert not re.search(r"\b(fetch|XMLHttpRequest|innerHTML|eval)\b", script)
