"""Unit tests of the render stage: what a record page claims, and what it refuses to."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import loaded_from, make_bundle

from pithgen.badge import badge_for
from pithgen.keys import KeyRing
from pithgen.model import RecordDocument
from pithgen.render import MAX_AUTHORS, Renderer, SiteInfo, bibtex_field
from pithgen.theme import make_env
from pithgen.verify import verify_document


def page_for(doc: dict[str, Any], ring: KeyRing) -> str:
    verdict = verify_document(loaded_from(doc), ring)
    assert verdict.ok, verdict.problems
    site = SiteInfo("T", "https://m.example/", "", tuple(ring))
    html = Renderer(make_env(None), site).record_page(
        RecordDocument.from_dict(doc), verdict, has_record_json=True, has_bundle=False
    )
    return html.decode("utf-8")


def test_a_verified_title_is_claimed_in_metadata(mint: Any, test_ring: KeyRing) -> None:
    page = page_for(mint(title="Über Quantenmechanik"), test_ring)
    assert '<meta name="citation_title" content="Über Quantenmechanik">' in page
    ld = json.loads(re.search(r'ld\+json">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert ld["name"] == "Über Quantenmechanik"
    assert "not verified" not in page


def test_a_title_only_a_unicode_variant_explains_is_shown_but_never_claimed(
    mint: Any, test_ring: KeyRing
) -> None:
    doc = mint(title="Über Quantenmechanik")
    doc["paper"]["title"] = "Über Quanten\u00admechanik"  # a soft hyphen: a format character
    page = page_for(doc, test_ring)  # verifies: the spec makes this a warning only
    assert "<h1>Über Quanten\u00admechanik</h1>" in page
    assert "it is not verified" in page
    assert "citation_title" not in page
    ld = json.loads(re.search(r'ld\+json">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert ld["name"] == doc["pith_number"]
    bib = re.search(r'<pre class="snippet bibtex"[^>]*>(.*?)</pre>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "Quanten" not in bib


def test_author_metadata_is_capped(mint: Any, test_ring: KeyRing) -> None:
    authors = ", ".join(f"Author Number{i}" for i in range(MAX_AUTHORS + 50))
    page = page_for(mint(authors=authors), test_ring)
    assert page.count('name="citation_author"') == MAX_AUTHORS
    assert " and others}" in page


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"On $\alpha$-stable {L\'evy} processes", r"On $\alpha$-stable {L\'evy} processes"),
        ("Evil}, note={x", r"Evil\}, note=\{x"),
        ("a }{ b", r"a \}\{ b"),
        (r"\input{/etc/passwd}", r"\textbackslash input{/etc/passwd}"),
        (r"\def\x{y} \inputs", r"\textbackslash def\x{y} \inputs"),
        ("two\n  lines", "two lines"),
        (r"\^^69nput{/etc/passwd}", r"\textasciicircum{}\textasciicircum{}69nput{/etc/passwd}"),
        (r"\renewcommand{\and}{x}", r"\textbackslash renewcommand{\and}{x}"),
        (r"\expandafter\relax", r"\textbackslash expandafter\relax"),
        ("x^2 and $a_{i}^{2}$", "x^2 and $a_{i}^{2}$"),
    ],
)
def test_bibtex_fields_cannot_escape_their_braces(text: str, expected: str) -> None:
    assert bibtex_field(text) == expected


def test_a_shared_short_number_is_flagged_and_bibtex_keys_stay_distinct(
    mint: Any, test_ring: KeyRing
) -> None:
    doc = mint()
    verdict = verify_document(loaded_from(doc), test_ring)
    site = SiteInfo("T", None, "", tuple(test_ring))
    renderer = Renderer(make_env(None), site)
    record = RecordDocument.from_dict(doc)
    shared = renderer.record_page(
        record, verdict, has_record_json=True, has_bundle=False, short_shared=True
    ).decode()
    alone = renderer.record_page(record, verdict, has_record_json=True, has_bundle=False).decode()
    short = record.suffix[:8]
    assert f'href="../../pith/{short}/index.html">other records in this mirror</a>' in shared
    assert "other records in this mirror" not in alone
    assert f"@misc{{pith{record.suffix[:12]}," in alone


def test_merge_reports_short_numbers_shared_by_published_records() -> None:
    from pithgen.merge import merge
    from pithgen.model import Check, Source, Verdict

    def verdict(name: str, suffix: str, arxiv: str) -> Verdict:
        return Verdict(
            Source(name),
            "record",
            (Check("canonical_hash", "ok", ""),),
            pith_number=f"pith:2020:{suffix}",
            arxiv_id=arxiv,
            version=1,
            doc_digest=suffix.lower(),
            raw_sha256=suffix.lower(),
        )

    a = "ABCDEFGH" + "A" * 18
    b = "ABCDEFGH" + "B" * 18
    c = "ZZZZZZZZ" + "C" * 18
    with merge(
        [
            verdict("a", a, "2001.00001"),
            verdict("b", b, "2001.00002"),
            verdict("c", c, "2001.00003"),
        ]
    ) as result:
        assert result.shared_shorts() == frozenset({"ABCDEFGH"})


def _rendered(doc: dict[str, Any], ring: KeyRing, base_url: str | None = "https://m.example/"):
    verdict = verify_document(loaded_from(doc), ring)
    assert verdict.ok, verdict.problems
    record = RecordDocument.from_dict(doc)
    site = SiteInfo("T", base_url, "", tuple(ring))
    html = Renderer(make_env(None), site).record_page(
        record, verdict, has_record_json=record.kind == "record", has_bundle=record.kind == "bundle"
    )
    return html.decode("utf-8")


def _alias_rows(page: str) -> list[str]:
    table = re.search(r'<table class="aliases">(.*?)</table>', page, re.S)
    return re.findall(r"<td><code>(.*?)</code></td>", table.group(1)) if table else []


def test_a_bundle_page_shows_its_source_aliases_and_says_it_is_a_bundle(
    mint: Any, test_ring: KeyRing
) -> None:
    doc = mint(title="A paper")
    bundle = make_bundle(doc)
    # A stray "aliases" key in a bundle is not what verification checked: never shown.
    bundle["aliases"] = [{"alias_kind": "arxiv", "alias_value": "9999.99999"}]
    page = _rendered(bundle, test_ring)
    assert _alias_rows(page) == [a["alias_value"] for a in bundle["source_aliases"]]
    assert len(_alias_rows(page)) == 6 and "9999.99999" not in page
    assert "rendered from an Open Graph bundle" in page
    record_page = _rendered(doc, test_ring)
    assert _alias_rows(record_page) == [a["alias_value"] for a in doc["aliases"]]
    assert "rendered from an Open Graph bundle" not in record_page


def test_the_badge_is_a_pure_function_of_the_record(mint: Any, test_ring: KeyRing) -> None:
    a, b = mint(title="One"), mint(title="Two", arxiv_id="2101.00002")
    first, again = badge_for(RecordDocument.from_dict(a)), badge_for(RecordDocument.from_dict(a))
    assert first == again and first.svg != badge_for(RecordDocument.from_dict(b)).svg
    svg = first.svg.decode("utf-8")
    assert a["pith_number"] in svg and f"pith:{a['short_pith_number'][5:]}" in svg
    assert f'width="{first.width}"' in svg
    # Without a base URL the snippets name site-relative paths, and the page says so.
    page = _rendered(a, test_ring, base_url=None)
    suffix = a["pith_number"].rsplit(":", 1)[1]
    assert f"](pith/{suffix}/badge.svg)](pith/{suffix}/index.html)" in page
    assert "relative to the site" in " ".join(page.split())


def _verifier_page(doc: dict[str, Any], ring: KeyRing) -> tuple[str, dict[str, Any] | None]:
    from pagedata import page_data

    raw = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    verdict = verify_document(loaded_from(raw), ring)
    site = SiteInfo("T", None, "", tuple(ring))
    html = Renderer(make_env(None), site).record_page(
        RecordDocument.from_dict(doc),
        verdict,
        has_record_json=True,
        has_bundle=False,
        published=raw,
    )
    page = html.decode("utf-8")
    return page, page_data(page)


def test_the_page_carries_the_verifier_and_its_data(mint: Any, test_ring: KeyRing) -> None:
    import base64

    doc = mint()
    page, data = _verifier_page(doc, test_ring)
    assert data is not None and data["log"] is None
    assert base64.b64decode(data["document"]) == json.dumps(doc, ensure_ascii=False).encode()
    [key] = list(test_ring)
    assert data["signer"] == {"key_id": key.key_id, "public_key": key.raw.hex()}
    assert '<button type="button" id="verify-run" class="verify-run" hidden>' in page
    assert '<script src="../../assets/verify.js" defer></script>' in page
    assert "this mirror keeps no\n  transparency log" in page


def test_a_document_too_large_for_its_page_is_not_carried(
    mint: Any, test_ring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pithgen import pageverify

    doc = mint()
    monkeypatch.setattr(pageverify, "MAX_EMBEDDED", 100)
    page, data = _verifier_page(doc, test_ring)
    assert data is not None and data["document"] is None and data["size"] > 100
    assert 'id="verify-run"' not in page
    assert f"is {data['size']} bytes, too large to carry in its page" in page


def test_a_page_rendered_without_its_bytes_has_no_verifier(mint: Any, test_ring: KeyRing) -> None:
    page = page_for(mint(), test_ring)
    assert "verify-data" not in page and "verify.js" not in page
