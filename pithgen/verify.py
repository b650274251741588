"""Stage 2, verify: every check of the spec on one loaded document, each reported by name.

Pure: takes a :class:`LoadedDoc` and a :class:`KeyRing`, returns a :class:`Verdict`. The
checks (names are stable, they appear in reports and ``--json``):

``json`` ``structure`` ``record_type`` ``schema_version`` ``arxiv_id`` ``version``
``submitted_at`` ``metadata`` ``hash_format`` ``canonical_hash`` ``pith_number``
``short_pith_number`` ``source`` ``aliases`` ``title_hash`` ``abstract_hash``
``display_metadata`` ``receipt_key`` ``receipt_fingerprint`` ``receipt_encoding``
``receipt_signature`` ``bundle`` ``events``; the merge stage adds ``conflict``,
``duplicate`` and ``superseded``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from pithgen.bundleevents import check_events
from pithgen.canonical import (
    HEX64_RE,
    PITH_NUMBER_RE,
    canonical_bytes,
    expected_aliases,
    pith_number_for,
    same_json,
    sha256_hex,
    short_pith_number,
    suffix_for,
)
from pithgen.checks import LIST_LIMIT, Checks, described, shown, some, type_name
from pithgen.instants import utc_instant
from pithgen.keys import KeyRing
from pithgen.model import Check, LoadedDoc, Verdict
from pithgen.receipt import check_receipt
from pithgen.structure import check_canonical_record
from pithgen.texthash import check_text_hash

BUNDLE_TYPE = "pith_open_graph_bundle"
RECORD_TYPE = "pith_number_record"


def _check_hex_field(doc: dict[str, Any], name: str, out: Checks) -> str | None:
    value = doc.get(name)
    if not isinstance(value, str) or not HEX64_RE.fullmatch(value):
        out.fail(
            "hash_format", f"'{name}': expected 64 lowercase hex characters, found {shown(value)}"
        )
        return None
    return value


def _check_identity(
    doc: dict[str, Any],
    record: dict[str, Any],
    digest: str,
    suffix: str,
    out: Checks,
    alias_field: str,
) -> None:
    """canonical hash, Pith Number, short number, source, aliases."""
    stated = _check_hex_field(doc, "canonical_sha256", out)
    if stated is not None:
        if stated == digest:
            out.ok("canonical_hash", f"recomputed sha256 of the canonical record: {digest}")
        else:
            out.fail(
                "canonical_hash",
                f"canonical_sha256: expected {digest} (recomputed over "
                f"canonical_record), found {stated}",
            )
    submitted = record["metadata"]["submitted_at"]
    expected_pn = pith_number_for(submitted, suffix)
    stated_pn = doc.get("pith_number")
    if stated_pn == expected_pn:
        out.ok("pith_number", f"derived from the hash and the v1 year: {expected_pn}")
    elif isinstance(stated_pn, str) and (m := PITH_NUMBER_RE.fullmatch(stated_pn)):
        what = "suffix" if m.group(2) != suffix else "year"
        out.fail(
            "pith_number", f"pith_number: expected {expected_pn}, found {stated_pn} (wrong {what})"
        )
    else:
        out.fail("pith_number", f"pith_number: expected {expected_pn}, found {shown(stated_pn)}")
    stated_short = doc.get("short_pith_number")
    if stated_short == short_pith_number(suffix):
        out.ok("short_pith_number", f"{stated_short}")
    else:
        out.fail(
            "short_pith_number",
            f"short_pith_number: expected {short_pith_number(suffix)}, found {shown(stated_short)}",
        )
    if same_json(doc.get("source"), record["source"]):
        out.ok("source", "top-level source equals canonical_record.source")
    else:
        out.fail(
            "source",
            f"'source': expected {shown(record['source'])} (as in canonical_record), "
            f"found {shown(doc.get('source'))}",
        )
    _check_aliases(doc.get(alias_field), alias_field, record, suffix, out)


def _check_aliases(
    aliases: Any, field: str, record: dict[str, Any], suffix: str, out: Checks
) -> None:
    """The six aliases of spec section 3. However long the list, the messages keep a few
    examples and count the rest; memory beyond the document is one entry per distinct
    alias kind."""
    source = record["source"]
    expected = expected_aliases(source["id"], source["version"], suffix)
    if not isinstance(aliases, list) or not all(isinstance(a, dict) for a in aliases):
        out.fail(
            "aliases", f"'{field}': expected a list of alias objects, found {type_name(aliases)}"
        )
        return
    seen: dict[str, Any] = {}
    errors = some(_alias_errors(aliases, expected, seen))
    if errors:
        out.fail("aliases", f"'{field}': {errors}")
        return
    out.ok("aliases", "all six aliases match: " + ", ".join(expected.values()))
    unknown = sum(1 for kind in seen if kind not in expected)
    if unknown:
        first = heapq.nsmallest(LIST_LIMIT, (k for k in seen if k not in expected))
        listed = ", ".join(shown(k) for k in first)
        more = f", and {unknown - len(first)} more" if unknown > len(first) else ""
        out.warn("aliases", f"'{field}': unknown alias kinds kept as they are: {listed}{more}")
    kinds = (a["alias_kind"] for a in aliases)
    for index, (before, after) in enumerate(pairwise(kinds)):
        if before > after:
            out.warn(
                "aliases",
                f"'{field}': expected aliases sorted by alias_kind, found {shown(before)} "
                f"before {shown(after)} (aliases {index} and {index + 1})",
            )
            break


def _alias_errors(
    aliases: list[dict[str, Any]], expected: dict[str, str], seen: dict[str, Any]
) -> Iterator[str]:
    """Every alias problem, in order (fills ``seen``: kind -> value of its first alias)."""
    repeated: dict[str, int] = {}
    for alias in aliases:
        kind = alias.get("alias_kind")
        if not isinstance(kind, str):
            yield f"alias without a string alias_kind: {shown(alias)}"
        elif kind in seen:
            repeated[kind] = repeated.get(kind, 1) + 1
        else:
            seen[kind] = value = alias.get("alias_value")
            if kind not in expected and not isinstance(value, str):
                found = described(value)
                yield f"alias_kind {shown(kind)}: expected a string alias_value, found {found}"
    for kind, count in repeated.items():
        yield f"alias_kind {shown(kind)} appears " + ("twice" if count == 2 else f"{count} times")
    for kind, value in expected.items():
        if kind not in seen:
            yield f"{kind}: expected {shown(value)}, found no alias"
        elif seen[kind] != value:
            yield f"{kind}: expected {shown(value)}, found {shown(seen[kind])}"


def _check_display(doc: dict[str, Any], record: dict[str, Any], out: Checks) -> None:
    """The display fields of ``paper`` must agree with what the hash covers."""
    paper = doc.get("paper")
    if paper is None:
        return
    if not isinstance(paper, dict):
        out.fail("display_metadata", f"'paper': expected an object, found {type_name(paper)}")
        return
    meta = record["metadata"]
    errors = []
    for name in ("title", "authors_text", "abstract", "abstract_excerpt", "headline"):
        if name in paper and not isinstance(paper[name], str):
            errors.append(f"paper.{name}: expected a string, found {type_name(paper[name])}")
    for name in ("primary_cat", "license", "submitted_at"):
        if name in paper and paper[name] != meta[name]:
            errors.append(f"paper.{name}: expected {shown(meta[name])}, found {shown(paper[name])}")
    if "cross_cats" in paper:
        cats = paper["cross_cats"]
        if (
            not isinstance(cats, list)
            or not all(isinstance(c, str) for c in cats)
            or sorted(cats) != meta["cross_cats_sorted"]
        ):
            errors.append(
                f"paper.cross_cats: expected {shown(meta['cross_cats_sorted'])}, "
                f"found {shown(cats)}"
            )
    if errors:
        out.fail("display_metadata", some(errors))
    else:
        out.ok("display_metadata", "displayed paper fields agree with the canonical record")
    check_text_hash(paper, "title", meta, out)
    check_text_hash(paper, "abstract", meta, out)


def _record_checks(
    doc: dict[str, Any],
    record: dict[str, Any],
    digest: str,
    suffix: str,
    keys: KeyRing,
    out: Checks,
) -> str | None:
    if doc.get("record_type") != RECORD_TYPE:
        out.fail(
            "record_type",
            f"'record_type': expected {shown(RECORD_TYPE)}, found {shown(doc.get('record_type'))}",
        )
    if doc.get("schema_version") != "1.0":
        out.fail(
            "schema_version",
            f"'schema_version': expected '1.0', found {shown(doc.get('schema_version'))}",
        )
    elif doc.get("record_type") == RECORD_TYPE:
        out.ok("record_type", f"{RECORD_TYPE}, schema 1.0")
    _check_identity(doc, record, digest, suffix, out, "aliases")
    _check_display(doc, record, out)
    if not isinstance(doc.get("paper"), dict):
        out.note("title_hash", "not_checkable", "no paper.title to check")
        out.note("abstract_hash", "not_checkable", "no paper.abstract to check")
    return check_receipt(doc.get("receipt"), digest, keys, out)


def _bundle_checks(
    doc: dict[str, Any],
    record: dict[str, Any],
    digest: str,
    suffix: str,
    keys: KeyRing,
    out: Checks,
) -> str | None:
    if doc.get("bundle_version") != "1.0":
        out.fail(
            "bundle", f"'bundle_version': expected '1.0', found {shown(doc.get('bundle_version'))}"
        )
    _check_identity(doc, record, digest, suffix, out, "source_aliases")
    out.note("title_hash", "not_checkable", "a bundle carries no displayed title")
    pith_number = pith_number_for(record["metadata"]["submitted_at"], suffix)
    return check_events(doc.get("events"), record, digest, pith_number, keys, out)


def verify_document(loaded: LoadedDoc, keys: KeyRing) -> Verdict:
    """Stage 2 on one document. Never raises for any input: an unexpected error becomes
    this document's ``internal`` failure, so one document cannot stop a run."""
    try:
        return _verify(loaded, keys)
    except Exception as exc:  # the documented last line of defence
        check = Check(
            "internal",
            "failed",
            f"pithgen could not check this document: {type(exc).__name__}: {shown(str(exc))}",
        )
        return Verdict(loaded.source, loaded.kind, (check,))


def _verify(loaded: LoadedDoc, keys: KeyRing) -> Verdict:
    if loaded.data is None:
        assert loaded.error is not None
        return Verdict(loaded.source, None, (loaded.error,))
    doc, kind = loaded.data, loaded.kind
    out = Checks()
    if kind == "bundle" and doc.get("bundle_type") != BUNDLE_TYPE:
        out.fail(
            "bundle",
            f"'bundle_type': expected {shown(BUNDLE_TYPE)}, found {shown(doc.get('bundle_type'))}",
        )
        return Verdict(loaded.source, kind, tuple(out.items))
    record = doc.get("canonical_record")
    stated = doc.get("pith_number")
    # A stated number is only carried into reports if it is well formed.
    pith_number = stated if isinstance(stated, str) and PITH_NUMBER_RE.fullmatch(stated) else None
    if "canonical_record" not in doc:
        what = "a Pith record document or bundle" if kind == "record" else "a bundle"
        out.fail(
            "structure",
            f"expected {what} with a 'canonical_record', found an object with keys "
            f"{shown(sorted(doc)[:12])}",
        )
        return Verdict(loaded.source, kind, tuple(out.items), pith_number=pith_number)
    if not check_canonical_record(record, out):
        return Verdict(loaded.source, kind, tuple(out.items), pith_number=pith_number)
    assert isinstance(record, dict)
    digest = sha256_hex(canonical_bytes(record))
    suffix = suffix_for(digest)
    if kind == "bundle":
        key_id = _bundle_checks(doc, record, digest, suffix, keys, out)
    else:
        key_id = _record_checks(doc, record, digest, suffix, keys, out)
    return Verdict(
        loaded.source,
        kind,
        tuple(out.items),
        pith_number=pith_number_for(record["metadata"]["submitted_at"], suffix),
        arxiv_id=record["source"]["id"],
        version=record["source"]["version"],
        doc_digest=sha256_hex(canonical_bytes(doc)),
        raw_sha256=sha256_hex(loaded.raw),
        key_id=key_id,
        canonical_sha256=digest,
        updated_at=utc_instant(doc.get("updated_at")),
    )
