"""Stage 3 (pithgen.merge): duplicates, conflicts, record + bundle, order independence."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mergeviews import published_of, verdicts_of

from pithgen.merge import merge
from pithgen.model import Verdict


def _conflict(verdict: Verdict) -> str:
    (problem,) = [c for c in verdict.problems if c.check == "conflict"]
    return problem.message


@pytest.fixture
def genuine(mint) -> dict[str, Any]:
    return mint()


def test_exact_duplicate_is_merged(genuine, verify) -> None:
    first, second = verify(genuine, name="a.json"), verify(genuine, name="b.json")
    result = merge([first, second])
    a, b = verdicts_of(result)
    assert a.status == b.status == "verified"
    assert a.warnings == []
    (warning,) = b.warnings
    assert warning.check == "duplicate" and "a.json" in warning.message
    assert [(p.pith_number, str(p.record), p.bundle) for p in published_of(result)] == [
        (genuine["pith_number"], "a.json", None)
    ]
    assert (result.verified, result.failed, result.warnings) == (2, 0, 1)


def test_duplicate_with_other_formatting_is_still_a_duplicate(genuine, helpers, test_ring) -> None:
    from pithgen.verify import verify_document

    pretty = json.dumps(dict(reversed(list(genuine.items()))), indent=2).encode()
    first = verify_document(helpers.loaded_from(genuine, "a.json"), test_ring)
    second = verify_document(helpers.loaded_from(pretty, "b.json"), test_ring)
    assert first.raw_sha256 != second.raw_sha256
    result = merge([first, second])
    assert [c.check for c in verdicts_of(result)[1].warnings] == ["duplicate"]
    assert len(published_of(result)) == 1


def test_same_pith_number_different_content_conflicts(genuine, verify) -> None:
    altered = json.loads(json.dumps(genuine))
    altered["paper"]["authors_text"] = "Somebody Else"
    alone = verify(altered, name="b.json")
    assert alone.status == "verified"  # authors_text is not covered by the hash
    result = merge([verify(genuine, name="a.json"), alone])
    a, b = verdicts_of(result)
    assert a.status == b.status == "failed"
    assert "b.json" in _conflict(a) and genuine["pith_number"] in _conflict(a)
    assert "a.json" in _conflict(b)
    assert [c.check for c in a.problems] == ["conflict"]
    assert published_of(result) == []


def test_two_records_claiming_the_same_arxiv_version_conflict(mint, verify) -> None:
    one, two = mint(title="The First Title"), mint(title="The Second Title")
    assert one["pith_number"] != two["pith_number"]
    result = merge([verify(one, name="one.json"), verify(two, name="two.json")])
    a, b = verdicts_of(result)
    assert a.status == b.status == "failed"
    assert "arXiv 2101.00001v1" in _conflict(a)
    assert "two.json" in _conflict(a) and two["pith_number"] in _conflict(a)
    assert "one.json" in _conflict(b) and one["pith_number"] in _conflict(b)
    assert published_of(result) == []


def test_different_versions_of_one_paper_do_not_conflict(mint, verify) -> None:
    v1, v2 = mint(version=1), mint(version=2, title="Revised Title")
    result = merge([verify(v1, name="v1.json"), verify(v2, name="v2.json")])
    assert [v.status for v in verdicts_of(result)] == ["verified", "verified"]
    assert len(published_of(result)) == 2


def test_forged_copy_does_not_knock_out_the_genuine_record(genuine, verify) -> None:
    forged = json.loads(json.dumps(genuine))
    forged["paper"]["title"] = "A Completely Different Title"
    sig = bytearray(base64.b64decode(forged["receipt"]["signature_b64"]))
    sig[0] ^= 1
    forged["receipt"]["signature_b64"] = base64.b64encode(bytes(sig)).decode()
    for order in (["genuine", "forged"], ["forged", "genuine"]):
        docs = {"genuine": genuine, "forged": forged}
        result = merge([verify(docs[name], name=f"{name}.json") for name in order])
        statuses = {str(v.source): v for v in verdicts_of(result)}
        assert statuses["genuine.json"].status == "verified"
        assert statuses["genuine.json"].warnings == []
        assert {c.check for c in statuses["forged.json"].problems} == {
            "title_hash",
            "receipt_signature",
        }
        assert [str(p.record) for p in published_of(result)] == ["genuine.json"]


def test_forged_claim_on_the_same_arxiv_id_does_not_knock_out_genuine(
    genuine, mint, verify, impostor_key
) -> None:
    forged = mint(key=impostor_key, title="Hijacked Title")
    result = merge([verify(forged, name="forged.json"), verify(genuine, name="genuine.json")])
    forged_v, genuine_v = verdicts_of(result)
    assert forged_v.status == "failed" and genuine_v.status == "verified"
    assert "conflict" not in {c.check for c in forged_v.problems}


def test_record_and_bundle_are_published_together(genuine, verify, helpers) -> None:
    bundle = helpers.make_bundle(genuine)
    result = merge([verify(bundle, name="b/bundle.json"), verify(genuine, name="r.json")])
    assert [v.status for v in verdicts_of(result)] == ["verified", "verified"]
    assert not any(
        c.check in ("conflict", "duplicate") for v in verdicts_of(result) for c in v.checks
    )
    (published,) = published_of(result)
    assert published.pith_number == genuine["pith_number"]
    assert (str(published.record), str(published.bundle)) == ("r.json", "b/bundle.json")


def test_conflicting_bundles_conflict(genuine, verify, helpers) -> None:
    one = helpers.make_bundle(genuine)
    two = helpers.make_bundle(genuine, other_events=False)
    result = merge(
        [verify(one, name="one.json"), verify(two, name="two.json"), verify(genuine, name="r.json")]
    )
    one_v, two_v, record_v = verdicts_of(result)
    assert one_v.status == two_v.status == "failed"
    assert "another bundle" in _conflict(one_v) and "two.json" in _conflict(one_v)
    assert record_v.status == "verified"
    (published,) = published_of(result)
    assert (str(published.record), published.bundle) == ("r.json", None)


def test_duplicate_of_a_conflicting_record_fails_with_it(genuine, verify) -> None:
    altered = json.loads(json.dumps(genuine))
    altered["paper"]["authors_text"] = "Somebody Else"
    result = merge(
        [
            verify(genuine, name="a.json"),
            verify(genuine, name="a-copy.json"),
            verify(altered, name="b.json"),
        ]
    )
    assert [v.status for v in verdicts_of(result)] == ["failed", "failed", "failed"]
    assert published_of(result) == []


def test_merge_compacts_ok_checks_unless_asked(genuine, verify) -> None:
    verdict = verify(genuine)
    assert any(c.outcome == "ok" for c in verdict.checks)
    (compacted,) = verdicts_of(merge([verdict]))
    assert all(c.outcome != "ok" for c in compacted.checks)
    (kept,) = verdicts_of(merge([verdict], keep_checks=True))
    assert kept.checks == verdict.checks


def test_published_is_sorted_by_suffix(mint, verify) -> None:
    docs = [mint(arxiv_id=f"2101.0000{i}") for i in range(1, 6)]
    result = merge([verify(d, name=f"{i}.json") for i, d in enumerate(docs)])
    suffixes = [p.pith_number.rsplit(":", 1)[1] for p in published_of(result)]
    assert suffixes == sorted(suffixes) and len(suffixes) == 5


# --- order independence ------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool(signing_key, impostor_key, helpers) -> list[Verdict]:
    """Verdicts covering every merge situation, each from a distinct source."""
    from pithgen.keys import KeyRing
    from pithgen.mint import mint_record
    from pithgen.verify import verify_document

    loaded_from, make_bundle, make_paper = (
        helpers.loaded_from,
        helpers.make_bundle,
        helpers.make_paper,
    )

    ring = KeyRing([signing_key.public()])

    def m(key=signing_key, **kw: Any) -> dict[str, Any]:
        return mint_record(make_paper(**kw), key, signed_at="2026-01-02T03:04:05Z")

    a = m()
    a_conflict = copy.deepcopy(a)
    a_conflict["paper"]["authors_text"] = "Other"
    a_forged = copy.deepcopy(a)
    a_forged["receipt"]["public_key_fingerprint"] = "0" * 32
    b = m(arxiv_id="2101.00002")
    b_rival = m(arxiv_id="2101.00002", title="Rival title")
    c = m(arxiv_id="2101.00003")
    docs = [
        ("a.json", a),
        ("a-dup.json", a),
        ("a-dup2.json", a),
        ("a-conflict.json", a_conflict),
        ("a-forged.json", a_forged),
        ("a-bundle.json", make_bundle(a)),
        ("b.json", b),
        ("b-rival.json", b_rival),
        ("b-rival-bundle.json", make_bundle(b_rival)),
        ("c.json", c),
        ("c-dup.json", c),
        ("c-bundle.json", make_bundle(c)),
        ("c-impostor.json", m(key=impostor_key, arxiv_id="2101.00003", title="Imp")),
    ]
    return [verify_document(loaded_from(doc, name), ring) for name, doc in docs]


def _summary(result: Any) -> tuple[dict[str, Any], set[Any]]:
    digest = {str(v.source): v.doc_digest for v in verdicts_of(result)}
    statuses = {
        str(v.source): (v.status, tuple(sorted({c.check for c in v.problems})))
        for v in verdicts_of(result)
    }
    published = {
        (p.pith_number, p.record and digest[str(p.record)], p.bundle and digest[str(p.bundle)])
        for p in published_of(result)
    }
    return statuses, published


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_merge_is_independent_of_input_order(pool, data) -> None:
    subset = data.draw(st.lists(st.sampled_from(pool), unique_by=lambda v: str(v.source)))
    shuffled = data.draw(st.permutations(subset))
    assert _summary(merge(shuffled)) == _summary(merge(subset))
    result = merge(shuffled)
    # Every duplicate warning names another document of this input.
    sources = {str(v.source) for v in subset}
    for v in verdicts_of(result):
        for w in v.warnings:
            if w.check == "duplicate":
                assert any(s in w.message for s in sources - {str(v.source)})


def test_merge_pool_outcome(pool) -> None:
    """The expected outcome of the whole pool, so the property test is not vacuous."""
    statuses, published = _summary(merge(pool))
    assert {s: st_[0] for s, st_ in statuses.items()} == {
        "a.json": "failed",
        "a-dup.json": "failed",
        "a-dup2.json": "failed",
        "a-conflict.json": "failed",
        "a-forged.json": "failed",
        "a-bundle.json": "verified",
        "b.json": "failed",
        "b-rival.json": "failed",
        "b-rival-bundle.json": "failed",
        "c.json": "verified",
        "c-dup.json": "verified",
        "c-bundle.json": "verified",
        "c-impostor.json": "failed",
    }
    assert statuses["a-forged.json"][1] == ("receipt_fingerprint",)
    assert statuses["c-impostor.json"][1] == ("receipt_fingerprint",)
    assert len(published) == 2
