"""Helpers for the tests of the in-browser verifier (templates/assets/verify.js): read a
record page's data block, check the same data with pithgen's Python code step by step,
tamper with it, and run the node harness (tests/js/verify_harness.js).

:func:`python_steps` is the reference: for each step the browser reports (``hash``,
``number``, ``receipt``, ``entry``, ``checkpoint``) it says "ok" or "failed" from pithgen's
own checks (:func:`pithgen.verify.verify_document`, :func:`pithgen.tlog.checkpoint.
open_checkpoint`, :func:`pithgen.tlog.merkle.verify_inclusion`), never from verify.js.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_js_logic import node_path

from pithgen.canonical import canonical_sha256, pith_number_for, suffix_for
from pithgen.errors import LogError
from pithgen.keys import KeyRing, TrustedKey
from pithgen.model import LoadedDoc, Source
from pithgen.pageverify import DATA_ID
from pithgen.strictjson import JSONDefect, parse_document
from pithgen.tlog.checkpoint import open_checkpoint
from pithgen.tlog.entry import LogEntry
from pithgen.tlog.merkle import leaf_hash, verify_inclusion
from pithgen.tlog.note import NoteVerifier
from pithgen.tlog.proof import checkpoint_of, parse_proof
from pithgen.verify import verify_document

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "js" / "verify_harness.js"
_BLOCK = re.compile(rf'<script type="application/json" id="{DATA_ID}">(.*?)</script>', re.DOTALL)
RECEIPT_CHECKS = ("receipt_key", "receipt_fingerprint", "receipt_encoding", "receipt_signature")


def page_data(html: str) -> dict[str, Any] | None:
    """The verifier's data block of a page, or None when it has none."""
    found = _BLOCK.search(html)
    if found is None:
        return None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def site_pages(site: Path) -> dict[str, dict[str, Any]]:
    """Every page of a built site that carries the verifier, by site-relative path."""
    pages = {}
    for path in sorted(site.glob("pith/*/index.html")):
        data = page_data(path.read_text(encoding="utf-8"))
        if data is not None:
            pages[path.relative_to(site).as_posix()] = data
    return pages


def published(data: dict[str, Any]) -> bytes:
    return base64.b64decode(data["document"], validate=True)


def python_steps(data: dict[str, Any]) -> dict[str, str]:
    """What pithgen's Python checks say of each step of the browser's check."""
    raw = published(data)
    try:
        doc = parse_document(raw)
    except JSONDefect:
        return {"hash": "failed"}
    signer = data["signer"]
    ring = KeyRing([TrustedKey(signer["key_id"], bytes.fromhex(signer["public_key"]), "page")])
    verdict = verify_document(LoadedDoc(Source("page"), raw, doc), ring)
    outcome = {c.check: c.outcome for c in verdict.checks if c.outcome != "warning"}
    failed = {c.check for c in verdict.checks if c.outcome == "failed"}
    steps = {
        "hash": "ok" if outcome.get("canonical_hash") == "ok" else "failed",
        "number": "ok"
        if {"pith_number", "short_pith_number"}.isdisjoint(failed)
        and doc.get("pith_number") == data["pith_number"]
        else "failed",
        "receipt": "ok"
        if outcome.get("receipt_signature") == "ok" and failed.isdisjoint(RECEIPT_CHECKS)
        else "failed",
    }
    if data["log"] is None:
        steps["entry"] = "none"
        return steps
    record = doc["canonical_record"]
    digest = canonical_sha256(record)
    number = pith_number_for(record["metadata"]["submitted_at"], suffix_for(digest))
    entry = LogEntry.for_file(data["kind"], number, digest, raw).encode()
    try:
        verifier = NoteVerifier.parse(data["log"]["vkey"])
        proof = parse_proof(data["log"]["proof"])
        checkpoint = checkpoint_of(proof.checkpoint)
    except LogError:
        return {**steps, "entry": "failed", "checkpoint": "failed"}
    try:
        verify_inclusion(
            leaf_hash(entry), proof.index, checkpoint.size, proof.hashes, checkpoint.root_hash
        )
        steps["entry"] = "ok"
    except LogError:
        steps["entry"] = "failed"
    try:
        open_checkpoint(proof.checkpoint, [verifier], origin=verifier.name)
        steps["checkpoint"] = "ok"
    except LogError:
        steps["checkpoint"] = "failed"
    return steps


def with_document(data: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """``data`` whose published document was parsed, changed and written again."""
    doc = json.loads(published(data))
    change(doc)
    raw = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    out = copy.deepcopy(data)
    out["document"] = base64.b64encode(raw).decode("ascii")
    out["size"] = len(raw)
    return out


def with_proof(data: dict[str, Any], change: Callable[[str], str]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["log"]["proof"] = change(out["log"]["proof"])
    return out


def flip_base64(text: str, byte: int = 0) -> str:
    """Standard base64 of the same bytes with one bit of byte ``byte`` flipped."""
    raw = bytearray(base64.b64decode(text))
    raw[byte] ^= 0x01
    return base64.b64encode(bytes(raw)).decode("ascii")


def run_harness(payload: dict[str, Any]) -> dict[str, Any]:
    """The node harness's answer to ``payload`` (see tests/js/verify_harness.js)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        proc = subprocess.run(
            [node_path(), str(HARNESS), str(path)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
            check=False,
        )
    assert proc.returncode == 0, f"node failed:\n{proc.stderr}"
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def js_steps(report: dict[str, Any]) -> dict[str, str]:
    return {step["id"]: step["outcome"] for step in report["steps"]}
