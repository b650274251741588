"""Shared fixtures for the core test suite.

Keys are derived from fixed seeds so that every signature in the suite is reproducible.
Everything here reads only ``tests/fixtures`` (never ``../shared``).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from pithgen.canonical import (
    canonical_sha256,
    expected_aliases,
    pith_number_for,
    short_pith_number,
    suffix_for,
)
from pithgen.keys import KeyRing, SigningKey, builtin_keys
from pithgen.mint import Paper, mint_record
from pithgen.model import Check, LoadedDoc, Source, Verdict
from pithgen.strictjson import parse_document
from pithgen.verify import verify_document

# Shared CI machines are slow and noisy: no per-example deadlines (a slow example is not a
# failure of the property), and failures print the blob to reproduce them.
settings.register_profile("pithgen", deadline=None, print_blob=True)
settings.load_profile("pithgen")

FIXTURES = Path(__file__).parent / "fixtures"
SEED_PATH = FIXTURES / "seed-record-4FP6Z27B.json"
REAL_RECORDS_PATH = FIXTURES / "real-records.jsonl"
PITH_KEY_PATH = FIXTURES / "pith-public-key.json"
SIGNED_AT = "2026-01-02T03:04:05Z"

TEST_KEY_ID = "test-key-1"
TEST_SEED = bytes(range(32))
# Same key id as the test key, different key material (an impostor).
IMPOSTOR_SEED = bytes(range(1, 33))
OTHER_KEY_ID = "test-key-2"
OTHER_SEED = bytes(range(32, 64))

PAPER_DEFAULTS: dict[str, Any] = {
    "arxiv_id": "2101.00001",
    "version": 1,
    "title": "Content Addressing for Preprints: A Test Paper",
    "abstract": "We describe a test paper.  Its abstract spans\ntwo lines and has  odd spacing.",
    "submitted_at": "2021-01-02T03:04:05Z",
    "primary_cat": "cs.CR",
    "cross_cats": ("cs.LG", "math.CO"),
    "authors": "A. One, B. Two",
    "license": "http://creativecommons.org/licenses/by/4.0/",
}


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.from_seed(TEST_KEY_ID, TEST_SEED)


@pytest.fixture(scope="session")
def impostor_key() -> SigningKey:
    """Claims the test key's id but is a different key."""
    return SigningKey.from_seed(TEST_KEY_ID, IMPOSTOR_SEED)


@pytest.fixture(scope="session")
def other_key() -> SigningKey:
    return SigningKey.from_seed(OTHER_KEY_ID, OTHER_SEED)


@pytest.fixture(scope="session")
def test_ring(signing_key: SigningKey) -> KeyRing:
    """Trusts only the test key."""
    return KeyRing([signing_key.public("test-fixture")])


@pytest.fixture(scope="session")
def default_ring() -> KeyRing:
    """Trusts only Pith's built-in key."""
    return KeyRing(builtin_keys())


@pytest.fixture(scope="session")
def both_ring(signing_key: SigningKey) -> KeyRing:
    return KeyRing([*builtin_keys(), signing_key.public("test-fixture")])


def make_paper(**overrides: Any) -> Paper:
    fields = {**PAPER_DEFAULTS, **overrides}
    fields["cross_cats"] = tuple(fields["cross_cats"])
    return Paper(**fields)


@pytest.fixture
def paper() -> Callable[..., Paper]:
    """``paper(**overrides)`` -> a :class:`Paper` with sensible test defaults."""
    return make_paper


@pytest.fixture
def mint(signing_key: SigningKey) -> Callable[..., dict[str, Any]]:
    """``mint(key=None, signed_at=SIGNED_AT, **paper_overrides)`` -> a fresh record dict."""

    def _mint(
        key: SigningKey | None = None, signed_at: str = SIGNED_AT, **overrides: Any
    ) -> dict[str, Any]:
        return mint_record(make_paper(**overrides), key or signing_key, signed_at=signed_at)

    return _mint


@pytest.fixture
def seed_doc() -> dict[str, Any]:
    """A fresh, mutable copy of the real seed record."""
    return json.loads(SEED_PATH.read_bytes())


def loaded_from(doc: dict[str, Any] | bytes, name: str = "doc.json") -> LoadedDoc:
    """A LoadedDoc exactly as the loader would build it for a valid document."""
    raw = doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode()
    return LoadedDoc(Source(name), raw, parse_document(raw))


@pytest.fixture
def verify(test_ring: KeyRing) -> Callable[..., Verdict]:
    """``verify(doc, ring=test_ring, name="doc.json")`` -> Verdict (full, uncompacted)."""

    def _verify(
        doc: dict[str, Any], ring: KeyRing | None = None, name: str = "doc.json"
    ) -> Verdict:
        return verify_document(
            loaded_from(copy.deepcopy(doc), name), test_ring if ring is None else ring
        )

    return _verify


@pytest.fixture
def write_doc(tmp_path: Path) -> Callable[..., Path]:
    """``write_doc(relpath, doc_or_bytes_or_text)`` writes under tmp_path, returns the path."""

    def _write(rel: str, content: Any) -> Path:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        return path

    return _write


def failed_checks(verdict: Verdict) -> dict[str, list[str]]:
    """check name -> messages, for every failed check."""
    out: dict[str, list[str]] = {}
    for c in verdict.checks:
        if c.outcome == "failed":
            out.setdefault(c.check, []).append(c.message)
    return out


def outcomes(verdict: Verdict, check: str) -> list[Check]:
    return [c for c in verdict.checks if c.check == check]


def reseal(doc: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """Re-derive every identity field of a record from its (altered) canonical_record and
    re-sign it, so that a test can alter one thing in the canonical record and see only the
    check about that thing fail."""
    doc = copy.deepcopy(doc)
    record = doc["canonical_record"]
    digest = canonical_sha256(record)
    suffix = suffix_for(digest)
    source = record["source"]
    doc["canonical_sha256"] = digest
    doc["pith_number"] = pith_number_for(str(record["metadata"]["submitted_at"]), suffix)
    doc["short_pith_number"] = short_pith_number(suffix)
    doc["source"] = copy.deepcopy(source)
    created = doc["aliases"][0]["created_at"] if doc.get("aliases") else "2026-01-01T00:00:00+00:00"
    doc["aliases"] = [
        {"alias_kind": k, "alias_value": v, "created_at": created}
        for k, v in sorted(expected_aliases(str(source["id"]), source["version"], suffix).items())
    ]
    receipt = doc["receipt"]
    receipt["canonical_sha256"] = digest
    receipt["signature_b64"] = base64.b64encode(key.sign(bytes.fromhex(digest))).decode()
    return doc


def make_bundle(record_doc: dict[str, Any], *, other_events: bool = True) -> dict[str, Any]:
    """A bundle (spec section 6) built from a record document."""
    record = copy.deepcopy(record_doc["canonical_record"])
    events: list[dict[str, Any]] = [
        {
            "event_type": "record_created",
            "subject_pith_number": record_doc["pith_number"],
            "target": "record",
            "payload": {
                "canonical_record": copy.deepcopy(record),
                "canonical_sha256": record_doc["canonical_sha256"],
                "receipt": copy.deepcopy(record_doc["receipt"]),
            },
            "created_at": record_doc["created_at"],
            "signer": {
                "key_id": record_doc["receipt"]["key_id"],
                "public_key_fingerprint": record_doc["receipt"]["public_key_fingerprint"],
                "signer_id": "test",
                "signer_type": "registry",
            },
            "event_id": "sha256:" + "0" * 64,
        }
    ]
    if other_events:
        events.append(
            {
                "event_type": "graph_snapshot",
                "subject_pith_number": record_doc["pith_number"],
                "target": "graph",
                "payload": {"references": []},
                "created_at": record_doc["created_at"],
                "event_id": "sha256:" + "1" * 64,
            }
        )
    return {
        "bundle_type": "pith_open_graph_bundle",
        "bundle_version": "1.0",
        "pith_number": record_doc["pith_number"],
        "short_pith_number": record_doc["short_pith_number"],
        "canonical_record": record,
        "canonical_sha256": record_doc["canonical_sha256"],
        "source": copy.deepcopy(record_doc["source"]),
        "source_aliases": copy.deepcopy(record_doc["aliases"]),
        "events": events,
    }


@pytest.fixture(scope="session")
def helpers() -> Any:
    """Small assertion helpers, as a namespace (tests do not import conftest)."""

    class _H:
        failed = staticmethod(failed_checks)
        outcomes = staticmethod(outcomes)
        loaded_from = staticmethod(loaded_from)
        make_paper = staticmethod(make_paper)
        fixtures = FIXTURES
        seed_path = SEED_PATH
        real_records_path = REAL_RECORDS_PATH
        pith_key_path = PITH_KEY_PATH
        signed_at = SIGNED_AT
        reseal = staticmethod(reseal)
        make_bundle = staticmethod(make_bundle)

        @staticmethod
        def only_fails(verdict: Verdict, check: str, *fragments: str) -> None:
            """Exactly ``check`` failed (once or more), with every fragment in its message."""
            fails = failed_checks(verdict)
            assert set(fails) == {check}, f"expected only {check!r} to fail, got {fails}"
            text = " | ".join(fails[check])
            for fragment in fragments:
                assert fragment in text, f"{fragment!r} not in {text!r}"

        @staticmethod
        def ok_or_warn_only(verdict: Verdict) -> None:
            assert verdict.ok, failed_checks(verdict)

    return _H
