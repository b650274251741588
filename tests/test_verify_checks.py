"""One test per verification check (pithgen.verify): start from a valid record, alter exactly
one thing, and assert that exactly that check fails, with its own reason.

Where altering the canonical record necessarily changes the hash, the record is *resealed*
(every identity field re-derived and re-signed, see conftest.reseal) so that only the check
about the altered field can fail.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from pithgen.canonical import canonical_sha256, suffix_for
from pithgen.ed25519 import L as ED25519_L
from pithgen.errors import UsageError
from pithgen.keys import KeyRing
from pithgen.model import LoadedDoc, Source
from pithgen.verify import verify_document

ALL_OK = {
    "structure",
    "record_type",
    "receipt_encoding",
    "canonical_hash",
    "pith_number",
    "short_pith_number",
    "source",
    "aliases",
    "display_metadata",
    "title_hash",
    "abstract_hash",
    "receipt_key",
    "receipt_fingerprint",
    "receipt_signature",
}


@pytest.fixture
def record(mint) -> dict[str, Any]:
    return mint()


def _b64(sig: bytes) -> str:
    return base64.b64encode(sig).decode("ascii")


def _sig(doc: dict[str, Any]) -> bytes:
    return base64.b64decode(doc["receipt"]["signature_b64"])


# --- the baseline ------------------------------------------------------------------------


def test_minted_record_passes_every_check(record, verify, signing_key) -> None:
    verdict = verify(record)
    assert verdict.status == "verified"
    assert {c.check for c in verdict.checks} == ALL_OK
    assert all(c.outcome == "ok" for c in verdict.checks), verdict.checks
    assert verdict.key_id == signing_key.key_id
    assert verdict.pith_number == record["pith_number"]


def test_verify_passes_through_a_load_error() -> None:
    from pithgen.model import Check

    error = Check("json", "failed", "invalid JSON: boom")
    verdict = verify_document(LoadedDoc(Source("x.json"), b"{", None, error), KeyRing())
    assert verdict.status == "failed"
    assert verdict.checks == (error,)
    assert verdict.pith_number is None


# --- structure ---------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["source", "metadata", "schema_version"])
def test_structure_missing_canonical_record_key(record, verify, helpers, missing) -> None:
    del record["canonical_record"][missing]
    helpers.only_fails(verify(record), "structure", f"missing ['{missing}']")


def test_structure_unexpected_canonical_record_key(record, verify, helpers) -> None:
    record["canonical_record"]["extra"] = 1
    helpers.only_fails(verify(record), "structure", "unexpected ['extra']")


@pytest.mark.parametrize("value", [None, [], "record", 1])
def test_structure_canonical_record_wrong_type(record, verify, helpers, value) -> None:
    record["canonical_record"] = value
    helpers.only_fails(verify(record), "structure", "expected an object")


def test_structure_canonical_record_absent(record, verify, helpers) -> None:
    del record["canonical_record"]
    helpers.only_fails(
        verify(record), "structure", "with a 'canonical_record', found an object with keys"
    )


@pytest.mark.parametrize("value", [None, ["2101.00001"], {"id": "2101.00001", "kind": "arxiv"}])
def test_structure_source_wrong(record, verify, helpers, value) -> None:
    record["canonical_record"]["source"] = value
    helpers.only_fails(verify(record), "structure", "canonical_record.source")


def test_structure_metadata_missing_field(record, verify, helpers) -> None:
    del record["canonical_record"]["metadata"]["title_canon_sha256"]
    helpers.only_fails(verify(record), "structure", "canonical_record.metadata")


def test_structure_metadata_not_an_object(record, verify, helpers) -> None:
    record["canonical_record"]["metadata"] = ["x"]
    helpers.only_fails(verify(record), "structure", "canonical_record.metadata", "array")


def test_structure_source_kind(record, verify, helpers, signing_key) -> None:
    record["canonical_record"]["source"]["kind"] = "doi"
    helpers.only_fails(verify(helpers.reseal(record, signing_key)), "structure", "'arxiv'", "'doi'")


# --- record_type and schema_version ------------------------------------------------------


@pytest.mark.parametrize("value", ["pith_record", None, 1])
def test_record_type(record, verify, helpers, value) -> None:
    record["record_type"] = value
    helpers.only_fails(verify(record), "record_type", "'pith_number_record'", repr(value))


def test_record_type_absent(record, verify, helpers) -> None:
    del record["record_type"]
    helpers.only_fails(verify(record), "record_type", "found None")


@pytest.mark.parametrize("value", ["1.1", 1.0, None])
def test_schema_version_top_level(record, verify, helpers, value) -> None:
    record["schema_version"] = value
    helpers.only_fails(verify(record), "schema_version", "'schema_version'", repr(value))


@pytest.mark.parametrize("value", ["2.0", "1", 1.0])
def test_schema_version_canonical(record, verify, helpers, signing_key, value) -> None:
    record["canonical_record"]["schema_version"] = value
    helpers.only_fails(
        verify(helpers.reseal(record, signing_key)),
        "schema_version",
        "canonical_record.schema_version",
        repr(value),
    )


# --- arxiv_id, version, submitted_at -----------------------------------------------------


@pytest.mark.parametrize(
    "bad_id",
    [
        "1810.687",
        "1810.068777",
        "1810.06877v1",
        "arXiv:1810.06877",
        "1813.06877",
        "math.GT/0309136",
        "ASTRO-PH/9610094",
        "astro-ph/961009",
        "astro-ph/9610094v2",
        " 1810.06877",
        "1810.06877\n",
        "",
        1810.06877,
        None,
    ],
)
def test_arxiv_id_bad_forms(record, verify, helpers, signing_key, bad_id) -> None:
    record["canonical_record"]["source"]["id"] = bad_id
    helpers.only_fails(
        verify(helpers.reseal(record, signing_key)), "arxiv_id", "canonical_record.source.id"
    )


@pytest.mark.parametrize("good_id", ["astro-ph/9610094", "physics/0310126", "1501.00001"])
def test_arxiv_id_good_forms(mint, verify, good_id) -> None:
    doc = mint(arxiv_id=good_id)
    verdict = verify(doc)
    assert verdict.status == "verified", verdict.problems
    assert verdict.arxiv_id == good_id
    aliases = {a["alias_kind"]: a["alias_value"] for a in doc["aliases"]}
    assert aliases["doi"] == f"10.48550/arxiv.{good_id}"
    assert aliases["arxiv_version"] == f"{good_id}v1"


def test_subject_class_id_refused_when_minting(mint) -> None:
    with pytest.raises(UsageError, match="arXiv id"):
        mint(arxiv_id="math.GT/0309136")


@pytest.mark.parametrize("bad_version", [0, -1, "1", 1.0, True, None, 10**6, 2**70])
def test_version(record, verify, helpers, signing_key, bad_version) -> None:
    record["canonical_record"]["source"]["version"] = bad_version
    helpers.only_fails(
        verify(helpers.reseal(record, signing_key)),
        "version",
        "expected an integer from 1 to 999999",
        repr(bad_version),
    )


@pytest.mark.parametrize(
    "bad_time",
    [
        "2021-01-02 03:04:05Z",
        "2021-01-02T03:04:05",
        "2021-01-02T03:04:05+00:00",
        "2021-01-02T03:04:05.123Z",
        "2021-13-02T03:04:05Z",
        "2021-00-02T03:04:05Z",
        "2021-01-32T03:04:05Z",
        "2021-01-02T24:00:00Z",
        "2021-01-02T03:60:05Z",
        "21-01-02T03:04:05Z",
        20210102,
        None,
    ],
)
def test_submitted_at(record, verify, helpers, signing_key, bad_time) -> None:
    record["canonical_record"]["metadata"]["submitted_at"] = bad_time
    helpers.only_fails(
        verify(helpers.reseal(record, signing_key)),
        "submitted_at",
        "YYYY-MM-DDTHH:MM:SSZ",
        repr(bad_time),
    )


def test_submitted_at_impossible_date(record, verify, helpers, signing_key) -> None:
    record["canonical_record"]["metadata"]["submitted_at"] = "2021-02-30T03:04:05Z"
    del record["paper"]["submitted_at"]
    helpers.only_fails(verify(helpers.reseal(record, signing_key)), "submitted_at", "2021-02-30")


# --- metadata ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("cross_cats_sorted", ["math.CO", "cs.LG"], "sorted"),
        ("cross_cats_sorted", ["cs.CR", "cs.LG", "math.CO"], "primary excluded"),
        ("cross_cats_sorted", ["cs.LG", "cs.LG"], "unique"),
        ("cross_cats_sorted", "cs.LG", "expected a list"),
        ("cross_cats_sorted", ["cs.LG", 7], "expected a list"),
        ("cross_cats_sorted", ["cs.LG", ""], "expected a list"),
        ("license", 42, "expected a string, found integer"),
        ("license", None, "expected a string, found null"),
        ("primary_cat", "", "primary_cat"),
        ("primary_cat", None, "primary_cat"),
    ],
)
def test_metadata(record, verify, helpers, signing_key, field, value, fragment) -> None:
    record["canonical_record"]["metadata"][field] = value
    # Drop the displayed copy so that display_metadata has nothing to compare.
    for name in ("cross_cats", "license", "primary_cat"):
        record["paper"].pop(name)
    helpers.only_fails(
        verify(helpers.reseal(record, signing_key)), "metadata", f"metadata.{field}", fragment
    )


def test_metadata_empty_cross_cats_and_empty_license_are_fine(mint, verify) -> None:
    doc = mint(cross_cats=(), license="")
    assert doc["canonical_record"]["metadata"]["cross_cats_sorted"] == []
    assert doc["canonical_record"]["metadata"]["license"] == ""
    assert verify(doc).status == "verified"


# --- hash_format and canonical_hash ------------------------------------------------------


def test_hash_format_uppercase_canonical_sha256(record, verify, helpers) -> None:
    upper = record["canonical_sha256"].upper()
    assert upper.lower() == canonical_sha256(record["canonical_record"])
    record["canonical_sha256"] = upper
    verdict = verify(record)
    helpers.only_fails(verdict, "hash_format", "'canonical_sha256'", "64 lowercase hex", upper)
    # Not reported as a hash match (nor as a mismatch): the format is wrong.
    assert helpers.outcomes(verdict, "canonical_hash") == []


@pytest.mark.parametrize("value", ["abc123", None, 123, "g" * 64, "0" * 63, "0" * 65])
def test_hash_format_malformed_canonical_sha256(record, verify, helpers, value) -> None:
    record["canonical_sha256"] = value
    helpers.only_fails(verify(record), "hash_format", "'canonical_sha256'")


@pytest.mark.parametrize("field", ["title_canon_sha256", "abstract_canon_sha256"])
def test_hash_format_metadata_hashes(record, verify, helpers, signing_key, field) -> None:
    meta = record["canonical_record"]["metadata"]
    meta[field] = meta[field].upper()
    del record["paper"]["title"]
    del record["paper"]["abstract"]
    verdict = verify(helpers.reseal(record, signing_key))
    helpers.only_fails(verdict, "hash_format", f"metadata.{field}")


def test_canonical_hash_stale_after_metadata_change(record, verify, helpers) -> None:
    """A metadata field changed (in the record and its display) but the old hash kept."""
    old = record["canonical_sha256"]
    new_license = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    record["canonical_record"]["metadata"]["license"] = new_license
    record["paper"]["license"] = new_license
    new = canonical_sha256(record["canonical_record"])
    verdict = verify(record)
    fails = helpers.failed(verdict)
    assert f"expected {new}" in fails["canonical_hash"][0]
    assert f"found {old}" in fails["canonical_hash"][0]
    # Everything derived from the hash disagrees too; nothing else fails.
    assert set(fails) == {
        "canonical_hash",
        "pith_number",
        "short_pith_number",
        "aliases",
        "receipt_signature",
    }
    assert "wrong suffix" in fails["pith_number"][0]
    # The verdict carries the Pith Number the content really has.
    assert verdict.pith_number.endswith(suffix_for(new))


def test_canonical_hash_only_the_stated_hash_differs(record, verify, helpers) -> None:
    other = canonical_sha256({"something": "else"})
    record["canonical_sha256"] = other
    helpers.only_fails(verify(record), "canonical_hash", f"found {other}")


# --- pith_number and short_pith_number ---------------------------------------------------


def test_pith_number_wrong_year(record, verify, helpers) -> None:
    record["pith_number"] = record["pith_number"].replace("pith:2021:", "pith:2020:")
    helpers.only_fails(verify(record), "pith_number", "wrong year", "pith:2020:")


def test_pith_number_wrong_suffix(record, verify, helpers) -> None:
    pn = record["pith_number"]
    last = "A" if pn[-1] != "A" else "B"
    record["pith_number"] = pn[:-1] + last
    helpers.only_fails(verify(record), "pith_number", "wrong suffix", record["pith_number"])


@pytest.mark.parametrize(
    "mangle",
    [
        lambda pn: pn.lower(),
        lambda pn: pn[:-1],
        lambda pn: pn.replace("pith:", "pith-"),
        lambda pn: pn.split(":", 2)[2],
        lambda pn: None,
        lambda pn: pn + "\n",
    ],
    ids=["lowercase", "short", "separator", "bare-suffix", "null", "newline"],
)
def test_pith_number_malformed(record, verify, helpers, mangle) -> None:
    expected = record["pith_number"]
    record["pith_number"] = mangle(expected)
    helpers.only_fails(verify(record), "pith_number", f"expected {expected}")


@pytest.mark.parametrize(
    "mangle", [lambda s: s.lower(), lambda s: s[:-1], lambda s: s + "A", lambda s: None]
)
def test_short_pith_number(record, verify, helpers, mangle) -> None:
    expected = record["short_pith_number"]
    record["short_pith_number"] = mangle(expected)
    helpers.only_fails(verify(record), "short_pith_number", f"expected {expected}")


# --- source ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"), [("version", 2), ("id", "2101.00002"), ("kind", "doi")]
)
def test_source_top_level_differs(record, verify, helpers, field, value) -> None:
    record["source"][field] = value
    helpers.only_fails(verify(record), "source", "'source'", "as in canonical_record")


def test_source_top_level_missing(record, verify, helpers) -> None:
    del record["source"]
    helpers.only_fails(verify(record), "source", "found None")


@pytest.mark.parametrize("value", [True, 1.0])
def test_source_top_level_version_of_another_json_type(record, verify, helpers, value) -> None:
    record["source"]["version"] = value
    helpers.only_fails(verify(record), "source")


# --- aliases -----------------------------------------------------------------------------

SIX_KINDS = ["arxiv", "arxiv_version", "doi", "pith_short_12", "pith_short_16", "pith_short_8"]


@pytest.mark.parametrize("kind", SIX_KINDS)
def test_alias_wrong_value(record, verify, helpers, kind) -> None:
    alias = next(a for a in record["aliases"] if a["alias_kind"] == kind)
    good = alias["alias_value"]
    alias["alias_value"] = good.upper() if good != good.upper() else good[:-1]
    helpers.only_fails(verify(record), "aliases", f"{kind}: expected {good!r}")


@pytest.mark.parametrize("kind", SIX_KINDS)
def test_alias_missing(record, verify, helpers, kind) -> None:
    record["aliases"] = [a for a in record["aliases"] if a["alias_kind"] != kind]
    helpers.only_fails(verify(record), "aliases", f"{kind}:", "found no alias")


def test_alias_duplicated(record, verify, helpers) -> None:
    record["aliases"].insert(1, copy.deepcopy(record["aliases"][0]))
    helpers.only_fails(verify(record), "aliases", "'arxiv' appears twice")


@pytest.mark.parametrize("value", [None, {}, "1810.06877", [["arxiv", "x"]]])
def test_aliases_not_a_list_of_objects(record, verify, helpers, value) -> None:
    record["aliases"] = value
    helpers.only_fails(verify(record), "aliases", "expected a list of alias objects")


def test_alias_without_kind(record, verify, helpers) -> None:
    record["aliases"].append({"alias_value": "x"})
    helpers.only_fails(verify(record), "aliases", "without a string alias_kind")


def test_alias_unknown_extra_kind_is_a_warning(record, verify) -> None:
    record["aliases"].append(
        {"alias_kind": "zz_custom", "alias_value": "x", "created_at": "2026-01-01T00:00:00Z"}
    )
    verdict = verify(record)
    assert verdict.status == "verified"
    (warning,) = verdict.warnings
    assert warning.check == "aliases" and "zz_custom" in warning.message


@pytest.mark.parametrize("value", [None, 5, ["x"]])
def test_alias_unknown_kind_needs_a_string_value(record, verify, helpers, value) -> None:
    """Spec section 3: every alias is {alias_kind, alias_value, created_at}."""
    record["aliases"].append({"alias_kind": "zz_custom", "alias_value": value})
    if value is None:
        del record["aliases"][-1]["alias_value"]
    helpers.only_fails(
        verify(record), "aliases", "'zz_custom': expected a string alias_value", "found"
    )


def test_aliases_unsorted_is_a_warning(record, verify) -> None:
    record["aliases"].reverse()
    verdict = verify(record)
    assert verdict.status == "verified"
    (warning,) = verdict.warnings
    assert warning.check == "aliases" and "sorted by alias_kind" in warning.message
    assert "found 'pith_short_8' before 'pith_short_16' (aliases 0 and 1)" in warning.message


def test_seed_alias_altered_fails(seed_doc, verify, default_ring, helpers) -> None:
    seed_doc["aliases"][2]["alias_value"] = "10.48550/arXiv.1810.06877"
    helpers.only_fails(verify(seed_doc, default_ring), "aliases", "doi: expected")


# --- title_hash and abstract_hash --------------------------------------------------------


def test_title_hash_ascii_title_altered(record, verify, helpers) -> None:
    record["paper"]["title"] += " (revised)"
    helpers.only_fails(verify(record), "title_hash", "paper.title", "was altered")


def test_title_hash_whitespace_and_case_do_not_matter(record, verify) -> None:
    record["paper"]["title"] = "  " + record["paper"]["title"].upper().replace(" ", "\n  ") + " "
    verdict = verify(record)
    assert verdict.status == "verified"
    assert [c.outcome for c in verdict.checks if c.check == "title_hash"] == ["ok"]


def test_seed_title_altered_fails(seed_doc, verify, default_ring, helpers) -> None:
    seed_doc["paper"]["title"] = "Collaborative Deep Learning Across Many Data Centers"
    helpers.only_fails(verify(seed_doc, default_ring), "title_hash", "was altered")


def test_title_hash_non_ascii_title_verifies(mint, verify) -> None:
    doc = mint(title="\u00dcber die Quanten\u00admechanik \u2014 \u03b1 test")
    verdict = verify(doc)
    assert verdict.status == "verified"
    assert [c.outcome for c in verdict.checks if c.check == "title_hash"] == ["ok"]


def test_title_hash_non_ascii_title_altered_fails(mint, verify, helpers) -> None:
    """No Unicode variant explains the displayed title: it was altered, ASCII or not."""
    doc = mint(title="\u00dcber die Quantenmechanik")
    doc["paper"]["title"] = "\u00dcber die Quantenmechanik II"
    helpers.only_fails(
        verify(doc), "title_hash", "paper.title", "was altered", "no Unicode variant"
    )


def test_title_hash_altered_ascii_title_with_a_zero_width_space_fails(
    record, verify, helpers
) -> None:
    """One U+200B makes the text non-ASCII; removing it leaves an altered ASCII title."""
    record["paper"]["title"] = record["paper"]["title"].replace("Test", "Toy") + "\u200b"
    helpers.only_fails(verify(record), "title_hash", "was altered", "no Unicode variant")


@pytest.mark.parametrize(
    ("hashed", "displayed", "variant"),
    [
        ("Mass and Energy: E = mc2", "Mass and Energy: E = mc\u00b2", "NFKC + lower()"),
        ("Quantum Groups", "\uff31uantum Groups", "NFKC + lower()"),  # fullwidth Q
        ("Strasse Networks", "Stra\u00dfe Networks", "NFC + casefold()"),
        ("Deep Learning", "Deep\u200b Learning", "NFC + lower(), format characters removed"),
        ("Quantenmechanik", "Quanten\u00admechanik", "NFC + lower(), format characters removed"),
        (
            "\u00dcber die Quantenmechanik",
            "U\u0308ber die Quanten\u00admechanik",
            "NFC + lower(), format characters removed",
        ),
    ],
    ids=["superscript", "fullwidth", "sharp-s", "zero-width-space", "soft-hyphen", "nfd-and-shy"],
)
def test_title_hash_unicode_variant_is_a_warning_naming_it(
    mint, verify, hashed, displayed, variant
) -> None:
    doc = mint(title=hashed)
    expected = doc["canonical_record"]["metadata"]["title_canon_sha256"]
    doc["paper"]["title"] = displayed
    verdict = verify(doc)
    assert verdict.status == "verified", verdict.problems
    (warning,) = verdict.warnings
    assert warning.check == "title_hash"
    assert "non-ASCII canonicalisation is unsettled" in warning.message
    assert f"it matches under {variant}" in warning.message
    assert expected in warning.message and "{expected}" not in warning.message


def test_title_hash_variants_are_not_tried_when_the_plain_rule_matches(
    mint, verify, monkeypatch
) -> None:
    """An ordinary record costs one hash per text: the variant search is never entered."""
    from pithgen import texthash

    def refuse(text: str, expected: str) -> None:
        raise AssertionError("variants tried on a matching text")

    monkeypatch.setattr(texthash, "matching_variant", refuse)
    doc = mint(title="\u00dcber die Quanten\u00admechanik", abstract="Ca\u0301fe\u0301 \u200b")
    assert verify(doc).status == "verified"


def test_title_hash_huge_non_ascii_text_fails_without_trying_variants(
    mint, verify, helpers
) -> None:
    from pithgen.texthash import MAX_VARIANT_CHARS

    doc = mint()
    doc["paper"]["title"] = "\u00e9" * (MAX_VARIANT_CHARS + 1)
    helpers.only_fails(
        verify(doc), "title_hash", f"at {MAX_VARIANT_CHARS + 1} characters", "longer than"
    )


def test_seed_record_title_passes_cleanly(seed_doc, verify, default_ring) -> None:
    verdict = verify(seed_doc, default_ring)
    assert verdict.status == "verified" and verdict.warnings == []
    assert [c.outcome for c in verdict.checks if c.check == "title_hash"] == ["ok"]


def test_abstract_hash_altered_with_a_zero_width_space_fails(record, verify, helpers) -> None:
    record["paper"]["abstract"] = record["paper"]["abstract"].replace("test", "toy") + "\u200b"
    helpers.only_fails(verify(record), "abstract_hash", "paper.abstract", "no Unicode variant")


def test_abstract_hash_soft_hyphen_is_a_warning(record, verify) -> None:
    record["paper"]["abstract"] = record["paper"]["abstract"].replace("paper", "pa\u00adper")
    verdict = verify(record)
    assert verdict.status == "verified", verdict.problems
    (warning,) = verdict.warnings
    assert warning.check == "abstract_hash"
    assert "format characters removed" in warning.message


def test_title_hash_non_ascii_warning_says_which_unicode_variant_matches(mint, verify) -> None:
    import unicodedata

    doc = mint(title="Cafe\u0301 au lait")  # decomposed e + combining acute
    doc["paper"]["title"] = unicodedata.normalize("NFC", doc["paper"]["title"])
    (warning,) = verify(doc).warnings
    assert warning.check == "title_hash"
    assert "matches under NFD + lower()" in warning.message


def test_title_hash_non_ascii_failure_says_no_variant_matches(mint, verify, helpers) -> None:
    doc = mint(title="\u00dcber die Quantenmechanik")
    doc["paper"]["title"] = "\u00dcber etwas ganz anderes"
    helpers.only_fails(
        verify(doc), "title_hash", "was altered", "no Unicode variant", "NFKC", "casefold()"
    )


def test_title_and_abstract_not_checkable_without_paper(record, verify) -> None:
    del record["paper"]
    verdict = verify(record)
    assert verdict.status == "verified"
    assert [c.outcome for c in verdict.checks if c.check == "title_hash"] == ["not_checkable"]
    assert [c.outcome for c in verdict.checks if c.check == "abstract_hash"] == ["not_checkable"]
    assert not any(c.check == "display_metadata" for c in verdict.checks)


def test_title_not_checkable_without_paper_title(record, verify) -> None:
    del record["paper"]["title"]
    verdict = verify(record)
    assert verdict.status == "verified"
    (title,) = [c for c in verdict.checks if c.check == "title_hash"]
    assert title.outcome == "not_checkable" and "paper.title" in title.message


def test_title_not_a_string(record, verify, helpers) -> None:
    record["paper"]["title"] = ["A", "title"]
    verdict = verify(record)
    assert set(helpers.failed(verdict)) == {"display_metadata", "title_hash"}
    assert "paper.title: expected a string" in helpers.failed(verdict)["title_hash"][0]


def test_abstract_hash_full_abstract_altered(record, verify, helpers) -> None:
    record["paper"]["abstract"] = record["paper"]["abstract"].replace("test paper", "tset paper")
    helpers.only_fails(verify(record), "abstract_hash", "paper.abstract", "was altered")


def test_abstract_hash_full_abstract_checked(record, verify) -> None:
    verdict = verify(record)
    assert [c.outcome for c in verdict.checks if c.check == "abstract_hash"] == ["ok"]


def test_abstract_hash_excerpt_only_not_checkable(record, verify) -> None:
    del record["paper"]["abstract"]
    record["paper"]["abstract_excerpt"] = "Anything at all: an excerpt is never checked."
    verdict = verify(record)
    assert verdict.status == "verified"
    (abstract,) = [c for c in verdict.checks if c.check == "abstract_hash"]
    assert abstract.outcome == "not_checkable"
    assert "abstract_excerpt" in abstract.message


# --- display_metadata --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("primary_cat", "cs.AI"),
        ("license", ""),
        ("submitted_at", "2021-01-02T03:04:06Z"),
        ("cross_cats", ["cs.LG"]),
        ("cross_cats", "cs.LG math.CO"),
        ("authors_text", ["A. One"]),
        ("headline", 3),
        ("abstract_excerpt", None),
    ],
)
def test_display_metadata(record, verify, helpers, field, value) -> None:
    record["paper"][field] = value
    helpers.only_fails(verify(record), "display_metadata", f"paper.{field}")


def test_display_metadata_seed_primary_cat(seed_doc, verify, default_ring, helpers) -> None:
    seed_doc["paper"]["primary_cat"] = "cs.CV"
    helpers.only_fails(
        verify(seed_doc, default_ring), "display_metadata", "paper.primary_cat", "'cs.LG'"
    )


def test_display_metadata_cross_cats_order_does_not_matter(record, verify) -> None:
    record["paper"]["cross_cats"] = list(reversed(record["paper"]["cross_cats"]))
    assert verify(record).status == "verified"


def test_display_metadata_paper_not_an_object(record, verify, helpers) -> None:
    record["paper"] = "A title"
    helpers.only_fails(verify(record), "display_metadata", "'paper': expected an object")


# --- receipt_key and receipt_fingerprint -------------------------------------------------


def test_receipt_key_unknown_key_id(record, verify, helpers) -> None:
    record["receipt"]["key_id"] = "nobody-2026"
    helpers.only_fails(verify(record), "receipt_key", "'nobody-2026'", "test-key-1")


def test_receipt_key_only_default_keys(record, verify, helpers, default_ring, both_ring) -> None:
    helpers.only_fails(
        verify(record, default_ring), "receipt_key", "'test-key-1'", "pith-v1-2026-05"
    )
    assert verify(record, both_ring).status == "verified"


def test_receipt_key_no_trusted_keys(record, verify, helpers) -> None:
    helpers.only_fails(verify(record, KeyRing()), "receipt_key", "(none)")


@pytest.mark.parametrize("value", [None, "receipt", []])
def test_receipt_missing_or_wrong_type(record, verify, helpers, value) -> None:
    record["receipt"] = value
    helpers.only_fails(verify(record), "receipt_key", "expected a receipt object")


def test_receipt_fingerprint_wrong(record, verify, helpers, other_key) -> None:
    record["receipt"]["public_key_fingerprint"] = other_key.public().fingerprint
    helpers.only_fails(
        verify(record), "receipt_fingerprint", other_key.public().fingerprint, "test-key-1"
    )


def test_receipt_fingerprint_absent_is_a_warning(record, verify) -> None:
    del record["receipt"]["public_key_fingerprint"]
    verdict = verify(record)
    assert verdict.status == "verified"
    assert [(c.check, c.outcome) for c in verdict.warnings] == [("receipt_fingerprint", "warning")]


def test_seed_fingerprint_altered(seed_doc, verify, default_ring, helpers) -> None:
    seed_doc["receipt"]["public_key_fingerprint"] = "0" * 32
    helpers.only_fails(verify(seed_doc, default_ring), "receipt_fingerprint", "8d4b5ee7")


# --- receipt_encoding --------------------------------------------------------------------

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _encoding_fails(record, verify, helpers, encoded) -> None:
    record["receipt"]["signature_b64"] = encoded
    helpers.only_fails(verify(record), "receipt_encoding", "strict standard base64")


def test_receipt_encoding_not_base64(record, verify, helpers) -> None:
    _encoding_fails(record, verify, helpers, "!" * 86 + "==")


def test_receipt_encoding_url_safe_alphabet(record, verify, helpers) -> None:
    encoded = record["receipt"]["signature_b64"]
    url_safe = base64.urlsafe_b64encode(_sig(record)).decode()
    assert url_safe != encoded, "fixture signature has no '+' or '/': pick another seed"
    _encoding_fails(record, verify, helpers, url_safe)


def test_receipt_encoding_missing_padding(record, verify, helpers) -> None:
    encoded = record["receipt"]["signature_b64"]
    assert encoded.endswith("==")
    _encoding_fails(record, verify, helpers, encoded.rstrip("="))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s + "\n",
        lambda s: s[:40] + "\n" + s[40:],
        lambda s: " " + s,
        lambda s: s + "==",
        lambda s: s[:-2] + "=A",
    ],
    ids=["trailing-newline", "inner-newline", "leading-space", "extra-padding", "bad-padding"],
)
def test_receipt_encoding_stray_characters(record, verify, helpers, mangle) -> None:
    _encoding_fails(record, verify, helpers, mangle(record["receipt"]["signature_b64"]))


def test_receipt_encoding_non_canonical_trailing_bits(record, verify, helpers) -> None:
    """The last character before '==' carries 2 data bits and 4 bits that must be zero.
    Setting those 4 bits gives a string that decodes to the same 64 bytes but is not the
    canonical encoding: refused."""
    encoded = record["receipt"]["signature_b64"]
    last = B64.index(encoded[-3])
    assert last & 0b1111 == 0
    lax = encoded[:-3] + B64[last | 0b0101] + "=="
    assert base64.b64decode(lax) == _sig(record)
    _encoding_fails(record, verify, helpers, lax)


def test_receipt_last_char_changed_to_other_bytes_is_a_signature_failure(
    record, verify, helpers
) -> None:
    """Changing a data bit of the last character is a canonical encoding of other bytes."""
    encoded = record["receipt"]["signature_b64"]
    last = B64.index(encoded[-3])
    changed = encoded[:-3] + B64[last ^ 0b010000] + "=="
    assert base64.b64decode(changed) != _sig(record)
    assert base64.b64encode(base64.b64decode(changed)).decode() == changed
    record["receipt"]["signature_b64"] = changed
    helpers.only_fails(verify(record), "receipt_signature", "does not verify")


@pytest.mark.parametrize("length", [0, 32, 63, 65, 96])
def test_receipt_encoding_wrong_length(record, verify, helpers, length) -> None:
    _encoding_fails(record, verify, helpers, _b64((_sig(record) * 2)[:length]))


@pytest.mark.parametrize("value", [None, 12, ["x"]])
def test_receipt_encoding_not_a_string(record, verify, helpers, value) -> None:
    _encoding_fails(record, verify, helpers, value)


# --- receipt_signature -------------------------------------------------------------------


@pytest.mark.parametrize("byte", [0, 17, 40, 63])
def test_receipt_signature_flipped_bit(record, verify, helpers, byte) -> None:
    sig = bytearray(_sig(record))
    sig[byte] ^= 0x01
    record["receipt"]["signature_b64"] = _b64(bytes(sig))
    helpers.only_fails(verify(record), "receipt_signature", "does not verify", "test-key-1")


def test_seed_signature_flipped_bit(seed_doc, verify, default_ring, helpers) -> None:
    sig = bytearray(_sig(seed_doc))
    sig[5] ^= 0x80
    seed_doc["receipt"]["signature_b64"] = _b64(bytes(sig))
    helpers.only_fails(verify(seed_doc, default_ring), "receipt_signature", "does not verify")


def test_receipt_signature_from_impostor_with_same_key_id(
    mint, verify, helpers, impostor_key, signing_key
) -> None:
    forged = mint(key=impostor_key)
    assert forged["receipt"]["key_id"] == signing_key.key_id
    # As minted, the impostor's fingerprint gives it away ...
    helpers.only_fails(verify(forged), "receipt_fingerprint", signing_key.public().fingerprint)
    # ... and with the genuine fingerprint copied in, the signature itself fails.
    forged["receipt"]["public_key_fingerprint"] = signing_key.public().fingerprint
    helpers.only_fails(verify(forged), "receipt_signature", "does not verify")


def test_receipt_signature_non_canonical_s(record, verify, helpers, test_ring) -> None:
    """S + L is an equivalent but non-canonical S (RFC 8032 malleability): refused."""
    sig = _sig(record)
    s = int.from_bytes(sig[32:], "little")
    assert s < ED25519_L
    malleated = sig[:32] + (s + ED25519_L).to_bytes(32, "little")
    record["receipt"]["signature_b64"] = _b64(malleated)
    helpers.only_fails(verify(record), "receipt_signature", "non-canonical")


def test_receipt_signature_over_hex_text_is_refused(record, verify, helpers, signing_key) -> None:
    """The signed message is the 32 raw digest bytes, not the 64 hex characters."""
    digest = record["canonical_sha256"]
    record["receipt"]["signature_b64"] = _b64(signing_key.sign(digest.encode("ascii")))
    helpers.only_fails(verify(record), "receipt_signature", "does not verify")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("algorithm", "rsa"),
        ("signed_message", "canonical_sha256_hex"),
        ("canonical_sha256", "0" * 64),
    ],
)
def test_receipt_signature_wrong_declared_message(record, verify, helpers, field, value) -> None:
    record["receipt"][field] = value
    helpers.only_fails(verify(record), "receipt_signature", repr(value))


def test_receipt_signature_fields_optional(record, verify) -> None:
    for name in ("algorithm", "signed_message", "canonical_sha256"):
        del record["receipt"][name]
    assert verify(record).status == "verified"


# --- bundles -----------------------------------------------------------------------------


def test_bundle_verifies_with_warning_for_other_events(record, verify, helpers) -> None:
    verdict = verify(helpers.make_bundle(record), name="bundle.json")
    assert verdict.kind == "bundle"
    assert verdict.status == "verified", verdict.problems
    assert verdict.pith_number == record["pith_number"]
    (warning,) = verdict.warnings
    assert warning.check == "events"
    assert "not checked yet" in warning.message and "graph_snapshot" in warning.message
    outcomes = {(c.check, c.outcome) for c in verdict.checks}
    assert ("receipt_signature", "ok") in outcomes
    assert ("events", "not_checked") in outcomes
    assert ("title_hash", "not_checkable") in outcomes


def test_bundle_without_other_events_has_no_warning(record, verify, helpers) -> None:
    verdict = verify(helpers.make_bundle(record, other_events=False))
    assert verdict.status == "verified"
    assert verdict.warnings == []


def test_bundle_payload_mismatch(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record)
    bundle["events"][0]["payload"]["canonical_record"]["metadata"]["license"] = ""
    helpers.only_fails(verify(bundle), "events", "record_created payload")


def test_bundle_payload_hash_mismatch(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record)
    bundle["events"][0]["payload"]["canonical_sha256"] = "0" * 64
    helpers.only_fails(verify(bundle), "events", "record_created payload")


@pytest.mark.parametrize("count", [0, 2])
def test_bundle_needs_exactly_one_record_created(record, verify, helpers, count) -> None:
    bundle = helpers.make_bundle(record)
    created = bundle["events"][0]
    bundle["events"] = [e for e in bundle["events"] if e is not created] + [created] * count
    helpers.only_fails(verify(bundle), "events", f"found {count}")


def test_bundle_events_not_a_list(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record)
    bundle["events"] = {}
    helpers.only_fails(verify(bundle), "events", "expected a list")


def test_bundle_receipt_signature_checked(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record)
    receipt = bundle["events"][0]["payload"]["receipt"]
    sig = bytearray(base64.b64decode(receipt["signature_b64"]))
    sig[3] ^= 0x10
    receipt["signature_b64"] = _b64(bytes(sig))
    helpers.only_fails(
        verify(bundle), "receipt_signature", "events[record_created].payload.receipt"
    )


def test_bundle_version(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record)
    bundle["bundle_version"] = "2.0"
    helpers.only_fails(verify(bundle), "bundle", "'bundle_version'")


def test_bundle_type(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record)
    bundle["bundle_type"] = "other_bundle"
    verdict = verify(bundle)
    assert verdict.kind == "bundle"
    helpers.only_fails(verdict, "bundle", "'bundle_type'", "'other_bundle'")


def test_bundle_source_aliases(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record)
    bundle["source_aliases"] = bundle["source_aliases"][1:]
    helpers.only_fails(verify(bundle), "aliases", "'source_aliases'", "arxiv:")


def test_bundle_pith_number(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record)
    bundle["pith_number"] = bundle["pith_number"].replace("2021", "2019")
    helpers.only_fails(verify(bundle), "pith_number", "wrong year")


def test_bundle_payload_version_of_another_json_type(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record)
    bundle["events"][0]["payload"]["canonical_record"]["source"]["version"] = 1.0
    helpers.only_fails(verify(bundle), "events", "record_created payload")


# --- bundle events are about their bundle (spec section 6) ------------------------------


def test_bundle_record_created_about_another_record_fails(mint, record, verify, helpers) -> None:
    other = mint(arxiv_id="2101.00002")
    bundle = helpers.make_bundle(record)
    bundle["events"][0]["subject_pith_number"] = other["pith_number"]
    helpers.only_fails(
        verify(bundle),
        "events",
        "subject_pith_number",
        f"expected {record['pith_number']}",
        f"'{other['pith_number']}'",
        "events[0] ('record_created')",
    )


def test_bundle_other_event_about_another_record_fails(mint, record, verify, helpers) -> None:
    other = mint(arxiv_id="2101.00002")
    bundle = helpers.make_bundle(record)
    bundle["events"][1]["subject_pith_number"] = other["pith_number"]
    helpers.only_fails(
        verify(bundle), "events", "events[1] ('graph_snapshot')", f"'{other['pith_number']}'"
    )


def test_bundle_subject_is_the_derived_pith_number(record, verify, helpers) -> None:
    """A bundle that misstates its own number cannot make its events agree with it."""
    bundle = helpers.make_bundle(record, other_events=False)
    wrong = record["pith_number"].replace("pith:2021:", "pith:2019:")
    bundle["pith_number"] = wrong
    bundle["events"][0]["subject_pith_number"] = wrong
    fails = helpers.failed(verify(bundle))
    assert set(fails) == {"pith_number", "events"}
    assert f"expected {record['pith_number']}" in fails["events"][0]


def test_bundle_signer_key_id_differs_from_the_receipt(record, verify, helpers, both_ring) -> None:
    """Pith's key named as signer while the test key signed the receipt."""
    bundle = helpers.make_bundle(record)
    signer = bundle["events"][0]["signer"]
    signer["key_id"] = "pith-v1-2026-05"
    signer["public_key_fingerprint"] = "8d4b5ee74e4693bcd1df2446408b0d54"
    helpers.only_fails(
        verify(bundle, both_ring),
        "events",
        "signer.key_id",
        "expected 'test-key-1'",
        "found 'pith-v1-2026-05'",
    )


def test_bundle_signer_fingerprint_differs(record, verify, helpers, other_key, signing_key) -> None:
    bundle = helpers.make_bundle(record)
    bundle["events"][0]["signer"]["public_key_fingerprint"] = other_key.public().fingerprint
    helpers.only_fails(
        verify(bundle),
        "events",
        "signer.public_key_fingerprint",
        f"expected '{signing_key.public().fingerprint}'",
        f"found '{other_key.public().fingerprint}'",
    )


def test_bundle_signer_without_fingerprint_is_fine(record, verify, helpers) -> None:
    bundle = helpers.make_bundle(record, other_events=False)
    del bundle["events"][0]["signer"]["public_key_fingerprint"]
    verdict = verify(bundle)
    assert verdict.status == "verified", verdict.problems
    assert ("events", "ok") in {(c.check, c.outcome) for c in verdict.checks}


@pytest.mark.parametrize(
    ("signer", "fragment"),
    [
        (None, "found null"),
        ("test-key-1", "found string 'test-key-1'"),
        ({}, "found None"),
        ({"key_id": 1}, "found 1"),
    ],
    ids=["missing", "string", "no-key-id", "key-id-not-a-string"],
)
def test_bundle_signer_missing_or_malformed(record, verify, helpers, signer, fragment) -> None:
    bundle = helpers.make_bundle(record)
    if signer is None:
        del bundle["events"][0]["signer"]
    else:
        bundle["events"][0]["signer"] = signer
    helpers.only_fails(verify(bundle), "events", "signer", "expected", fragment)


def test_bundle_events_bound_to_the_bundle_verify(record, verify, helpers) -> None:
    verdict = verify(helpers.make_bundle(record))
    assert verdict.status == "verified", verdict.problems
    (ok,) = [c for c in verdict.checks if c.check == "events" and c.outcome == "ok"]
    assert record["pith_number"] in ok.message and "signer" in ok.message
