"""Stage 3 (pithgen.merge): one signed record publishes one document by a rule that does
not depend on input order; duplicates and superseded copies warn; conflicts fail."""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mergeviews import published_of, verdicts_of
from sitehelpers import first_difference, tree, write_test_key

from pithgen.build import build_site
from pithgen.canonical import sha256_hex, suffix_for
from pithgen.checks import MESSAGE_LIMIT
from pithgen.config import BuildConfig
from pithgen.keys import KeyRing
from pithgen.merge import NAMED, MergeResult, merge
from pithgen.mergestore import (
    StoredVerdict,
    dump_verdict,
    load_verdict,
    verdict_body,
    verdict_columns,
)
from pithgen.model import Check, Source, Verdict
from pithgen.verify import verify_document

LATER = "2026-03-01T00:00:00Z"


def _conflict(verdict: Verdict) -> str:
    (problem,) = [c for c in verdict.problems if c.check == "conflict"]
    return problem.message


def _warning(verdict: Verdict) -> Check:
    (warning,) = verdict.warnings
    return warning


def _by_source(result: MergeResult) -> dict[str, Verdict]:
    return {str(v.source): v for v in verdicts_of(result)}


def _published_sources(result: MergeResult) -> list[str]:
    return [str(c.verdict.source) for c in result.iter_chosen()]


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _compact(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _pretty(doc: dict[str, Any]) -> bytes:
    return json.dumps(dict(reversed(list(doc.items()))), indent=2).encode() + b"\n"


def _with(doc: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A copy of ``doc`` with top-level (unsigned) fields changed."""
    return {**copy.deepcopy(doc), **fields}


@pytest.fixture
def genuine(mint) -> dict[str, Any]:
    return mint()


@pytest.fixture
def check(helpers, test_ring):
    """``check(named, ring=test_ring)``: verify ``{name: doc or bytes}`` in the given order."""

    def _check(named: dict[str, Any], ring: KeyRing | None = None) -> list[Verdict]:
        return [
            verify_document(helpers.loaded_from(doc, name), ring or test_ring)
            for name, doc in named.items()
        ]

    return _check


def _both_orders(verdicts: list[Verdict]) -> Iterator[MergeResult]:
    yield merge(verdicts)
    yield merge(list(reversed(verdicts)))


# --- one signed record, one published document ------------------------------------------


def test_byte_identical_copies_publish_one_and_warn_duplicate(genuine, check) -> None:
    verdicts = check({"b.json": genuine, "a.json": genuine})
    for result in _both_orders(verdicts):
        by = _by_source(result)
        assert by["a.json"].status == by["b.json"].status == "verified"
        assert by["a.json"].warnings == []  # the published one carries no warning
        warning = _warning(by["b.json"])
        assert warning.check == "duplicate"
        assert warning.message == "byte-identical copy of a.json, which is published"
        assert _published_sources(result) == ["a.json"]
        assert (result.verified, result.failed, result.warnings) == (2, 0, 1)


def test_formatting_duplicate_publishes_the_smallest_sha256(genuine, check) -> None:
    compact, pretty = _compact(genuine), _pretty(genuine)
    smaller = "compact.json" if _sha(compact) < _sha(pretty) else "pretty.json"
    other = ({"compact.json", "pretty.json"} - {smaller}).pop()
    verdicts = check({"compact.json": compact, "pretty.json": pretty})
    assert verdicts[0].doc_digest == verdicts[1].doc_digest  # the same content
    for result in _both_orders(verdicts):
        assert _published_sources(result) == [smaller]
        warning = _warning(_by_source(result)[other])
        assert warning.check == "duplicate"
        assert f"same content as {smaller}, which is published instead" in warning.message
        assert "the same updated_at" in warning.message
        assert min(_sha(compact), _sha(pretty)) in warning.message


def test_the_spelling_of_a_number_is_only_formatting(genuine, check) -> None:
    plain = _compact(_with(genuine, x_weight=1.5))
    spelled = plain.replace(b'"x_weight":1.5', b'"x_weight":1.50e0')
    assert spelled != plain
    verdicts = check({"plain.json": plain, "spelled.json": spelled})
    (loser,) = [v for v in verdicts_of(merge(verdicts)) if v.warnings]
    assert _warning(loser).check == "duplicate"


def test_later_updated_at_supersedes_even_with_a_larger_sha256(genuine, check) -> None:
    earlier = _compact(genuine)
    # A later updated_at whose bytes hash above the earlier's, so SHA-256 alone would pick
    # the other document.
    later = next(
        raw
        for day in range(10, 29)
        if _sha(raw := _compact(_with(genuine, updated_at=f"2026-03-{day}T00:00:00Z")))
        > _sha(earlier)
    )
    verdicts = check({"harvest-1.json": earlier, "harvest-2.json": later})
    for result in _both_orders(verdicts):
        by = _by_source(result)
        assert _published_sources(result) == ["harvest-2.json"]
        assert by["harvest-2.json"].warnings == []
        warning = _warning(by["harvest-1.json"])
        assert warning.check == "superseded"
        assert warning.message.startswith("superseded by harvest-2.json, which is published")
        assert "is later than this one's (2026-01-02T03:04:05Z)" in warning.message
        assert (result.verified, result.failed, result.warnings) == (2, 0, 1)


def test_updated_at_is_compared_as_an_instant(genuine, check) -> None:
    # 01:00+01:00 is 00:00Z, earlier than 00:30Z, although its text sorts after it.
    offset = _with(genuine, updated_at="2026-03-01T01:00:00+01:00")
    utc = _with(genuine, updated_at="2026-03-01T00:30:00.000z")
    for result in _both_orders(check({"offset.json": offset, "utc.json": utc})):
        assert _published_sources(result) == ["utc.json"]
        assert "(2026-03-01T00:30:00Z) is later than this one's (2026-03-01T00:00:00Z)" in (
            _warning(_by_source(result)["offset.json"]).message
        )


@pytest.mark.parametrize("stale", ["yesterday", "2026-03-01T00:00:00", 20260301, None, "gone"])
def test_missing_or_invalid_updated_at_counts_as_oldest(genuine, check, stale) -> None:
    old = _with(genuine, updated_at="1999-01-01T00:00:00Z")
    bad = _with(genuine, updated_at=stale)
    if stale == "gone":
        del bad["updated_at"]
    for result in _both_orders(check({"old.json": old, "bad.json": bad})):
        assert _published_sources(result) == ["old.json"]
        message = _warning(_by_source(result)["bad.json"]).message
        assert "(1999-01-01T00:00:00Z) is later than this one's (none valid)" in message


def test_negative_zero_in_an_unknown_field_is_superseded_not_a_conflict(genuine, check) -> None:
    minus, plus = _with(genuine, x_score=-0.0), _with(genuine, x_score=0.0)
    verdicts = check({"minus.json": minus, "plus.json": plus})
    assert verdicts[0].doc_digest != verdicts[1].doc_digest  # JSON keeps the sign of zero
    shas = {
        name: v.raw_sha256 for name, v in zip(("minus.json", "plus.json"), verdicts, strict=True)
    }
    smaller = min(shas, key=lambda name: shas[name])
    for result in _both_orders(verdicts):
        assert result.failed == 0
        assert _published_sources(result) == [smaller]
        (loser,) = [v for v in verdicts_of(result) if str(v.source) != smaller]
        warning = _warning(loser)
        assert warning.check == "superseded"
        assert "no valid updated_at" not in warning.message
        assert f"the same updated_at, and the SHA-256 of its bytes ({shas[smaller]})" in (
            warning.message
        )


def test_another_trusted_receipt_of_the_same_record_is_superseded(
    genuine, mint, check, signing_key, other_key
) -> None:
    """The signed content is the canonical record: another trusted key's signature over the
    same hash is one signed record, not a conflict, and the warning names both keys."""
    ring = KeyRing([signing_key.public("test"), other_key.public("test")])
    resigned = _with(mint(key=other_key), updated_at=LATER)
    assert resigned["canonical_record"] == genuine["canonical_record"]
    assert resigned["receipt"]["signature_b64"] != genuine["receipt"]["signature_b64"]
    verdicts = check({"key-1.json": genuine, "key-2.json": resigned}, ring)
    assert [v.key_id for v in verdicts] == ["test-key-1", "test-key-2"]
    for result in _both_orders(verdicts):
        assert result.failed == 0 and _published_sources(result) == ["key-2.json"]
        warning = _warning(_by_source(result)["key-1.json"])
        assert warning.check == "superseded"
        assert "its receipt is signed by key test-key-2, this one's by key test-key-1" in (
            warning.message
        )


def test_a_receipt_with_other_unsigned_fields_is_superseded(genuine, check) -> None:
    later = copy.deepcopy(genuine)
    later["receipt"]["signed_at"] = later["updated_at"] = LATER
    for result in _both_orders(check({"first.json": genuine, "resigned.json": later})):
        assert result.failed == 0 and _published_sources(result) == ["resigned.json"]
        warning = _warning(_by_source(result)["first.json"])
        assert warning.check == "superseded" and "signed by key" not in warning.message


def test_bundles_with_other_unsigned_events_are_one_signed_record(genuine, check, helpers) -> None:
    one, two = helpers.make_bundle(genuine), helpers.make_bundle(genuine, other_events=False)
    verdicts = check({"one.json": one, "two.json": two, "r.json": genuine})
    smaller = min(verdicts[:2], key=lambda v: v.raw_sha256 or "")
    for result in _both_orders(verdicts):
        assert result.failed == 0
        (published,) = published_of(result)
        assert (published.record, published.bundle) == (Source("r.json"), smaller.source)
        bundles = [_by_source(result)[name] for name in ("one.json", "two.json")]
        merged = [c.check for v in bundles for c in v.warnings if c.check != "events"]
        assert merged == ["superseded"]


def test_record_and_bundle_are_published_together(genuine, check, helpers) -> None:
    verdicts = check({"b/bundle.json": helpers.make_bundle(genuine), "r.json": genuine})
    result = merge(verdicts)
    assert [v.status for v in verdicts_of(result)] == ["verified", "verified"]
    merge_checks = {"conflict", "duplicate", "superseded"}
    assert not [c for v in verdicts_of(result) for c in v.checks if c.check in merge_checks]
    (published,) = published_of(result)
    assert published.pith_number == genuine["pith_number"]
    assert (str(published.record), str(published.bundle)) == ("r.json", "b/bundle.json")


# --- conflicts ---------------------------------------------------------------------------


def test_two_records_claiming_the_same_arxiv_version_conflict(mint, check) -> None:
    one, two = mint(title="The First Title"), mint(title="The Second Title")
    assert one["pith_number"] != two["pith_number"]
    for result in _both_orders(check({"one.json": one, "two.json": two})):
        by = _by_source(result)
        a, b = by["one.json"], by["two.json"]
        assert a.status == b.status == "failed"
        assert [c.check for c in a.problems] == ["conflict"]
        assert _conflict(a) == (
            f"arXiv 2101.00001v1 is also claimed by 1 other record(s): "
            f"two.json ({two['pith_number']})"
        )
        assert _conflict(b).endswith(f"one.json ({one['pith_number']})")
        assert published_of(result) == []


def test_copies_of_a_conflicting_record_fail_with_it(mint, check) -> None:
    one, two = mint(title="The First Title"), mint(title="The Second Title")
    later = _with(one, updated_at=LATER)
    result = merge(check({"a.json": one, "a-copy.json": one, "a-later.json": later, "b.json": two}))
    assert [v.status for v in verdicts_of(result)] == ["failed"] * 4
    assert all(v.warnings == [] for v in verdicts_of(result))  # no winner, so no warning
    assert "b.json" in _conflict(_by_source(result)["a-later.json"])
    # The other record is named by its smallest source, whatever the input order.
    assert _conflict(_by_source(result)["b.json"]).endswith(f"a-copy.json ({one['pith_number']})")
    assert published_of(result) == []


def test_one_pith_number_with_two_canonical_records_conflicts(genuine, check) -> None:
    """A collision of the suffix's 130 bits cannot be minted: the rule is checked on a
    verdict whose canonical hash is replaced."""
    (real,) = check({"real.json": genuine})
    collided = replace(real, source=Source("collided.json"), canonical_sha256="0" * 64)
    for result in _both_orders([real, collided]):
        by = _by_source(result)
        assert by["real.json"].status == by["collided.json"].status == "failed"
        assert _conflict(by["real.json"]) == (
            f"Pith Number {genuine['pith_number']} is also given to 1 other canonical "
            f"record(s): collided.json (canonical_sha256 {'0' * 64})"
        )
        assert genuine["canonical_sha256"] in _conflict(by["collided.json"])
        assert published_of(result) == []


def test_every_conflict_group_of_an_archive_fails(mint, check) -> None:
    docs = {
        f"{arxiv}-{title}.json": mint(arxiv_id=f"2101.0000{arxiv}", title=f"Title {title}")
        for arxiv in range(1, 6)
        for title in "xy"
    }
    docs["alone.json"] = mint(arxiv_id="2101.00009")
    result = merge(check(docs))
    by = _by_source(result)
    assert by.pop("alone.json").status == "verified"
    assert [v.status for v in by.values()] == ["failed"] * 10
    for name, verdict in by.items():
        rival = name.replace("-x", "-?").replace("-y", "-x").replace("-?", "-y")
        assert _conflict(verdict).endswith(f"{rival} ({docs[rival]['pith_number']})")
    assert _published_sources(result) == ["alone.json"]


def test_different_versions_of_one_paper_do_not_conflict(mint, check) -> None:
    v1, v2 = mint(version=1), mint(version=2, title="Revised Title")
    result = merge(check({"v1.json": v1, "v2.json": v2}))
    assert [v.status for v in verdicts_of(result)] == ["verified", "verified"]
    assert len(published_of(result)) == 2


def test_forged_copy_does_not_knock_out_the_genuine_record(genuine, check) -> None:
    forged = copy.deepcopy(genuine)
    forged["paper"]["title"] = "A Completely Different Title"
    forged["updated_at"] = LATER  # would win if it took part
    sig = bytearray(base64.b64decode(forged["receipt"]["signature_b64"]))
    sig[0] ^= 1
    forged["receipt"]["signature_b64"] = base64.b64encode(bytes(sig)).decode()
    for result in _both_orders(check({"genuine.json": genuine, "forged.json": forged})):
        by = _by_source(result)
        assert by["genuine.json"].status == "verified" and by["genuine.json"].warnings == []
        assert {c.check for c in by["forged.json"].problems} == {"title_hash", "receipt_signature"}
        assert _published_sources(result) == ["genuine.json"]


def test_forged_claim_on_the_same_arxiv_id_does_not_knock_out_genuine(
    genuine, mint, check, impostor_key
) -> None:
    forged = mint(key=impostor_key, title="Hijacked Title")
    result = merge(check({"forged.json": forged, "genuine.json": genuine}))
    forged_v, genuine_v = verdicts_of(result)
    assert forged_v.status == "failed" and genuine_v.status == "verified"
    assert "conflict" not in {c.check for c in forged_v.problems}


# --- the store ---------------------------------------------------------------------------


def test_the_store_keeps_every_field_of_a_verdict(genuine, check) -> None:
    (verdict,) = check({"x.jsonl": _with(genuine, updated_at="2026-03-01T01:00:00.5+01:00")})
    verdict = replace(verdict, source=Source("x.jsonl", 7))
    assert verdict.updated_at == "2026-03-01T00:00:00.5"
    assert verdict.canonical_sha256 == genuine["canonical_sha256"]
    assert None not in (verdict.doc_digest, verdict.raw_sha256, verdict.key_id)
    assert load_verdict(dump_verdict(verdict)) == verdict


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


# --- large groups: bounded messages, flat memory ----------------------------------------


def _crowd(base: Verdict, copies: int, claims: int) -> Iterator[Verdict]:
    """``copies`` documents of ``base``'s signed record (distinct bytes, one later) and
    ``claims`` records with distinct Pith Numbers claiming another arXiv version, made
    lazily (merge takes verdicts; millions of real signatures would only slow the test)."""
    for i in range(copies):
        yield replace(
            base,
            source=Source(f"copies/{i:06d}.json"),
            raw_sha256=sha256_hex(b"copy %d" % i),
            doc_digest=sha256_hex(b"copy %d" % (i % 2)),
            updated_at=LATER[:-1] if i == copies // 2 else base.updated_at,
        )
    for i in range(claims):
        digest = sha256_hex(b"claim %d" % i)
        yield replace(
            base,
            source=Source("claims.jsonl", i + 1),
            pith_number=f"pith:2021:{suffix_for(digest)}",
            canonical_sha256=digest,
            version=9,
        )


def test_a_group_of_ten_thousand_gives_bounded_messages(genuine, verify) -> None:
    base = verify(genuine)
    result = merge(_crowd(base, 10_000, 10_000))
    assert (result.total, result.verified, result.failed) == (20_000, 10_000, 10_000)
    assert _published_sources(result) == ["copies/005000.json"]  # the later updated_at
    messages = [c.message for v in verdicts_of(result) for c in v.checks if c.check != "ok"]
    merge_messages = [m for m in messages if "copies/" in m or "claims.jsonl" in m]
    assert len(merge_messages) == 19_999
    assert max(len(m) for m in merge_messages) <= MESSAGE_LIMIT
    conflicts = [m for m in merge_messages if m.startswith("arXiv 2101.00001v9")]
    assert len(conflicts) == 10_000
    for message in conflicts:
        assert message.count("claims.jsonl:") == NAMED
        assert message.endswith(f", and {9_999 - NAMED} more")
    others = [m for m in merge_messages if not m.startswith("arXiv")]
    assert len(others) == 9_999 and all(m.count("copies/005000.json") == 1 for m in others)


def test_merge_memory_does_not_grow_with_a_group(genuine, verify) -> None:
    base = verify(genuine)

    def peak(n: int) -> int:
        tracemalloc.start()
        try:
            merge(_crowd(base, n, n)).close()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(500), peak(5_000)
    # Holding a group in Python (even a few dozen bytes per member) would add hundreds of
    # kilobytes; streaming stays within a few.
    assert large < small + 100_000, (small, large)


# --- order independence ------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool(signing_key, other_key, impostor_key, helpers) -> list[Verdict]:
    """Verdicts covering every merge situation, each from a distinct source."""
    from pithgen.mint import mint_record

    ring = KeyRing([signing_key.public("test"), other_key.public("test")])

    def m(key=signing_key, **kw: Any) -> dict[str, Any]:
        return mint_record(helpers.make_paper(**kw), key, signed_at="2026-01-02T03:04:05Z")

    a = m()
    a_forged = copy.deepcopy(a)
    a_forged["receipt"]["public_key_fingerprint"] = "0" * 32
    b, b_rival = m(arxiv_id="2101.00002"), m(arxiv_id="2101.00002", title="Rival title")
    c = m(arxiv_id="2101.00003")
    docs: list[tuple[str, Any]] = [
        ("a.json", a),
        ("a-dup.json", a),
        ("a-pretty.json", _pretty(a)),
        ("a-compact.json", _compact(a)),
        ("a-later.json", _with(a, updated_at=LATER)),
        ("a-later-offset.json", _with(a, updated_at="2026-03-01T01:00:00+01:00")),
        ("a-minus-zero.json", _with(a, x=-0.0)),
        ("a-zero.json", _with(a, x=0.0)),
        ("a-key-2.json", m(key=other_key)),
        ("a-forged.json", a_forged),
        ("a-bundle.json", helpers.make_bundle(a)),
        ("a-bundle-bare.json", helpers.make_bundle(a, other_events=False)),
        ("b.json", b),
        ("b-copy.json", _with(b, updated_at=LATER)),
        ("b-rival.json", b_rival),
        ("b-rival-bundle.json", helpers.make_bundle(b_rival)),
        ("c.json", c),
        ("c-dup.json", c),
        ("c-bundle.json", helpers.make_bundle(c)),
        ("c-impostor.json", m(key=impostor_key, arxiv_id="2101.00003", title="Imp")),
    ]
    return [verify_document(helpers.loaded_from(doc, name), ring) for name, doc in docs]


def _summary(result: MergeResult) -> tuple[dict[str, Any], set[tuple[Any, ...]]]:
    """Every verdict as reported (messages included) and what is published, by source."""
    verdicts = {str(v.source): v.to_dict() for v in verdicts_of(result)}
    published = {
        (c.verdict.pith_number, c.verdict.kind, c.verdict.raw_sha256, str(c.verdict.source))
        for c in result.iter_chosen()
    }
    return verdicts, published


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_merge_is_independent_of_input_order(pool, data) -> None:
    subset = data.draw(st.lists(st.sampled_from(pool), unique_by=lambda v: str(v.source)))
    shuffled = data.draw(st.permutations(subset))
    assert _summary(merge(shuffled)) == _summary(merge(subset))
    # Every duplicate or superseded warning names the published document of its record.
    result = merge(shuffled)
    published = {(c.verdict.pith_number, c.verdict.kind): c.verdict for c in result.iter_chosen()}
    for v in verdicts_of(result):
        for w in v.warnings:
            if w.check in ("duplicate", "superseded"):
                chosen = published[(v.pith_number, v.kind)]
                assert w.message.count(str(chosen.source)) >= 1 and chosen.source != v.source


def test_merge_pool_outcome(pool) -> None:
    """The expected outcome of the whole pool, so the property test is not vacuous."""
    verdicts, published = _summary(merge(pool))
    status = {s: v["status"] for s, v in verdicts.items()}
    warned = {s: [w["check"] for w in v["warnings"]] for s, v in verdicts.items()}
    failed = {s for s, st_ in status.items() if st_ == "failed"}
    assert failed == {
        "a-forged.json",
        "b.json",
        "b-copy.json",
        "b-rival.json",
        "b-rival-bundle.json",
        "c-impostor.json",
    }
    sources = {(kind, source) for _, kind, _, source in published}
    sha = {str(v.source): v.raw_sha256 or "" for v in pool}
    # a-later and a-later-offset say the same instant (00:00Z): the smaller SHA-256 wins.
    a_record = min(("a-later.json", "a-later-offset.json"), key=sha.__getitem__)
    a_bundle = min(("a-bundle.json", "a-bundle-bare.json"), key=sha.__getitem__)
    assert sources == {
        ("record", a_record),
        ("bundle", a_bundle),
        ("record", "c-dup.json"),  # byte-identical to c.json: the smaller source is named
        ("bundle", "c-bundle.json"),
    }
    assert warned["c.json"] == ["duplicate"]
    # Every other verified document of a's record differs from the published one in some
    # unsigned field (its updated_at at least): superseded, never duplicate.
    a_records = {s for s in status if s.startswith("a") and "bundle" not in s} - {"a-forged.json"}
    assert {s: warned[s] for s in a_records - {a_record}} == {
        s: ["superseded"] for s in a_records - {a_record}
    }
    assert warned[a_record] == []
    assert warned["b-copy.json"] == []  # fails with its conflicting record


# --- through a real build ----------------------------------------------------------------


def _build(records: dict[str, bytes], root: Path, key_file: Path) -> tuple[Any, dict[str, bytes]]:
    """Write ``records`` (name -> bytes) under ``root``/records and build the site."""
    folder = root / "records"
    folder.mkdir(parents=True)
    for name, raw in records.items():
        (folder / name).write_bytes(raw)
    config = BuildConfig(
        records=folder, out=root / "site", trust_keys=(key_file,), default_keys=False
    )
    outcome = build_site(config)
    return outcome, tree(root / "site")


def _renamed(report: bytes, names: dict[str, str]) -> list[Any]:
    """A verification.json's entries with each input name replaced by its document's label,
    in a fixed order (the report lists them in input order)."""
    entries = json.loads(report)["records"]
    text = json.dumps(entries, sort_keys=True)
    for name, label in names.items():
        text = text.replace(name, label)
    return sorted(json.loads(text), key=lambda e: json.dumps(e, sort_keys=True))


@pytest.fixture
def harvests(genuine) -> dict[str, bytes]:
    """One signed record four ways: pretty and compact (identical content), a later
    harvest, and -0.0 in an unknown field."""
    return {
        "pretty": _pretty(genuine),
        "compact": _compact(genuine),
        "later": _compact(_with(genuine, updated_at=LATER)),
        "minus-zero": _compact(_with(genuine, x_weight=-0.0)),
    }


def test_every_input_order_publishes_the_same_site(harvests, genuine, tmp_path) -> None:
    key_file = write_test_key(tmp_path / "keys" / "test.json")
    labels = sorted(harvests)
    record_json = f"pith/{genuine['pith_number'].rsplit(':', 1)[1]}.json"
    sites = []
    for n, order in enumerate(itertools.permutations(labels)):
        # The build reads its folder in name order: name i holds the i-th document.
        names = {f"{i}.json": label for i, label in enumerate(order)}
        outcome, site = _build(
            {name: harvests[label] for name, label in names.items()},
            tmp_path / str(n),
            key_file,
        )
        assert outcome.written and outcome.result.failed == 0
        assert site[record_json] == harvests["later"]
        report = _renamed(site.pop("verification.json"), names)
        site.pop("verification/index.html")
        sites.append((order, site, report))
    first_order, first, first_report = sites[0]
    for order, site, report in sites[1:]:
        assert site == first, (order, first_order, first_difference(first, site))
        assert report == first_report, (order, first_order)
    warnings = {e["source"]: [w["check"] for w in e["warnings"]] for e in first_report}
    assert warnings == {
        "pretty": ["superseded"],
        "compact": ["superseded"],
        "later": [],
        "minus-zero": ["superseded"],
    }


def test_identical_content_publishes_the_smallest_sha256_bytes(harvests, genuine, tmp_path):
    key_file = write_test_key(tmp_path / "keys" / "test.json")
    pretty, compact = harvests["pretty"], harvests["compact"]
    smallest = min((pretty, compact), key=_sha)
    record_json = f"pith/{genuine['pith_number'].rsplit(':', 1)[1]}.json"
    for n, (first, second) in enumerate([(pretty, compact), (compact, pretty)]):
        outcome, site = _build({"a.json": first, "b.json": second}, tmp_path / str(n), key_file)
        assert outcome.written and outcome.result.warnings == 1
        assert site[record_json] == smallest


def test_a_record_harvested_twice_builds_and_publishes_the_later(harvests, tmp_path) -> None:
    """`pithgen build` exits 0, publishes the later harvest and reports the superseded one."""
    key_file = write_test_key(tmp_path / "keys" / "test.json")
    records = tmp_path / "records"
    records.mkdir()
    (records / "a-later.json").write_bytes(harvests["later"])
    (records / "b-first.json").write_bytes(harvests["compact"])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pithgen",
            "build",
            "--records",
            str(records),
            "--out",
            str(tmp_path / "site"),
            "--no-default-keys",
            "--trust-key",
            str(key_file),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "site" / "verification.json").read_bytes())
    entries = {e["source"]: e for e in report["records"]}
    assert entries["a-later.json"]["warnings"] == []
    ((warning),) = entries["b-first.json"]["warnings"]
    assert warning["check"] == "superseded" and "a-later.json" in warning["message"]
    assert report["summary"]["failed"] == 0 and report["summary"]["published"] == 1


def test_a_real_conflict_still_fails_the_build_naming_both(mint, tmp_path) -> None:
    key_file = write_test_key(tmp_path / "keys" / "test.json")
    one, two = mint(title="The First Title"), mint(title="The Second Title")
    outcome, site = _build(
        {"one.json": _compact(one), "two.json": _compact(two)}, tmp_path / "x", key_file
    )
    assert not outcome.written and site == {}
    by = _by_source(outcome.result)
    assert "two.json" in _conflict(by["one.json"]) and "one.json" in _conflict(by["two.json"])


def test_verdicts_from_the_build_cache_merge_exactly_as_verified_ones(pool) -> None:
    """The build cache hands the merge stage its verdicts unparsed (columns and body,
    :class:`StoredVerdict`); stored so, every row of the store is what the verdict itself
    gives, and so is every verdict read back, whatever its checks, fields and source."""

    def as_cached(v: Verdict) -> StoredVerdict:
        return StoredVerdict(v.source, verdict_columns(v), verdict_body(v))

    odd = replace(pool[0], source=Source('dir/"q\\uote"-\u00e9.jsonl', 7))
    verdicts = [*pool, odd]
    for keep_checks in (True, False):
        direct = merge(verdicts, keep_checks=keep_checks)
        cached = merge([as_cached(v) for v in verdicts], keep_checks=keep_checks)
        assert _summary(cached) == _summary(direct)
        assert [v.to_dict() for v in verdicts_of(cached)] == [
            v.to_dict() for v in verdicts_of(direct)
        ]
        rows = "SELECT * FROM verdicts ORDER BY idx"
        assert cached._db.execute(rows).fetchall() == direct._db.execute(rows).fetchall()
    assert as_cached(odd).verdict() == odd


def _other_record(pool: list[Verdict], tag: str, **fields: Any) -> Verdict:
    """A verified record's verdict made another record's: its own source, Pith Number
    (ending in ``tag``) and canonical hash (the merge reads only the verdicts)."""
    good = next(v for v in pool if v.ok and v.kind == "record" and v.pith_number)
    number = int.from_bytes(tag.encode(), "big")
    return replace(
        good,
        source=Source(f"r-{tag}.json"),
        pith_number=f"{(good.pith_number or '')[: -len(tag)]}{tag}",
        canonical_sha256=f"{number:064x}",
        **fields,
    )


def test_published_documents_read_by_position_are_those_of_the_whole_stream(pool) -> None:
    """An incremental build reads only the published documents it renders
    (``iter_chosen(positions)``, in chunks of 500 positions): exactly those of the full
    stream at those positions, in input order; an unpublished position gives nothing."""
    many = [_other_record(pool, f"{i:04}", arxiv_id=f"2101.{i:05}") for i in range(1100)]
    result = merge([*pool, *many])
    everything = list(result.iter_chosen())
    assert len(everything) > 1000
    positions = [c.index for c in everything]
    unpublished = sorted(set(range(len(pool))) - set(positions))
    assert unpublished  # the pool has documents the merge does not publish
    wanted = sorted({*positions[1::2], *positions[:3], positions[-1], *unpublished})
    picked = list(result.iter_chosen(wanted))
    assert picked == [c for c in everything if c.index in set(wanted)]
    assert len(picked) > 500 and list(result.iter_chosen([])) == []


def test_each_published_document_comes_with_every_version_of_its_paper(pool) -> None:
    """Pass 2 reads the published documents with their paper's versions in one query:
    each row is :meth:`iter_chosen_rows`' and carries exactly the ``(version, suffix)`` of
    the published records with its arXiv id, by version."""
    versions = [
        _other_record(pool, f"V{n:03}", arxiv_id="2101.09999", version=n) for n in (3, 1, 2)
    ]
    result = merge([*pool, *versions])
    chosen = list(result.iter_chosen())
    expected: dict[str, list[tuple[int, str]]] = {}
    for c in chosen:
        pair = (c.verdict.version, c.verdict.suffix)
        if pair not in expected.setdefault(c.verdict.arxiv_id, []):
            expected[c.verdict.arxiv_id].append(pair)
    rows = list(result.iter_chosen_versions())
    assert [row for row, _ in rows] == list(result.iter_chosen_rows())
    for row, paper in rows:
        assert paper == sorted(expected[row.arxiv_id])
    assert [v for v, _ in rows[-1][1]] == [1, 2, 3]


def test_a_report_entry_made_from_the_store_is_the_verdicts_own(pool) -> None:
    """Reports list every document from the store without building its verdict
    (``report_entry``): exactly the compacted verdict's ``to_dict``, findings included,
    whether checks that passed were kept or not."""
    from pithgen.mergestore import compact, read_stored, report_entry

    for keep_checks in (True, False):
        result = merge(pool, keep_checks=keep_checks)
        rows = list(result.iter_stored())
        entries = [report_entry(*row) for row in rows]
        assert entries == [compact(read_stored(*row)).to_dict() for row in rows]
        assert any(row[1] is not None for row in rows)  # merge findings are among them
        assert {e["status"] for e in entries} == {"verified", "failed"}
        assert any(e["warnings"] for e in entries) and any(e["problems"] for e in entries)
