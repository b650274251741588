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

import re
import unicodedata
from typing import Any

from pithgen.canonical import (
    HEX64_RE,
    PITH_NUMBER_RE,
    canon_text,
    canonical_bytes,
    expected_aliases,
    pith_number_for,
    same_json,
    sha256_hex,
    short_pith_number,
    suffix_for,
)
from pithgen.checks import Checks, shown, some, type_name
from pithgen.instants import utc_instant
from pithgen.keys import KeyRing
from pithgen.model import Check, LoadedDoc, Verdict
from pithgen.receipt import check_receipt
from pithgen.structure import check_canonical_record

_WS = re.compile(r"\s+")
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
    source = record["source"]
    expected = expected_aliases(source["id"], source["version"], suffix)
    if not isinstance(aliases, list) or not all(isinstance(a, dict) for a in aliases):
        out.fail(
            "aliases", f"'{field}': expected a list of alias objects, found {type_name(aliases)}"
        )
        return
    seen: dict[str, Any] = {}
    errors = []
    for alias in aliases:
        kind = alias.get("alias_kind")
        if not isinstance(kind, str):
            errors.append(f"alias without a string alias_kind: {shown(alias)}")
        elif kind in seen:
            errors.append(f"alias_kind {shown(kind)} appears twice")
        else:
            seen[kind] = alias.get("alias_value")
    for kind, value in expected.items():
        if kind not in seen:
            errors.append(f"{kind}: expected {shown(value)}, found no alias")
        elif seen[kind] != value:
            errors.append(f"{kind}: expected {shown(value)}, found {shown(seen[kind])}")
    if errors:
        out.fail("aliases", f"'{field}': " + some(errors))
        return
    out.ok("aliases", "all six aliases match: " + ", ".join(expected.values()))
    unknown = sorted(set(seen) - set(expected))
    if unknown:
        out.warn("aliases", f"'{field}': unknown alias kinds kept as they are: {unknown}")
    kinds = [a.get("alias_kind") for a in aliases]
    if kinds != sorted(kinds):
        out.warn("aliases", f"'{field}': expected aliases sorted by alias_kind, found {kinds}")


def _check_text_hash(paper: Any, name: str, meta: dict[str, Any], out: Checks) -> None:
    check = f"{name}_hash"
    expected = meta[f"{name}_canon_sha256"]
    text = paper.get(name) if isinstance(paper, dict) else None
    if text is None:
        why = (
            "only paper.abstract_excerpt is given (the first 600 characters), which cannot "
            "be checked"
            if name == "abstract" and isinstance(paper, dict) and "abstract_excerpt" in paper
            else f"no paper.{name} to check"
        )
        out.note(check, "not_checkable", why)
        return
    if not isinstance(text, str):
        out.fail(check, f"paper.{name}: expected a string, found {type_name(text)}")
        return
    found = canon_text(text)
    if found == expected:
        out.ok(check, f"canon_text(paper.{name}) matches {name}_canon_sha256")
    elif text.isascii():
        out.fail(
            check,
            f"paper.{name}: canon_text gives {found}, expected {expected} "
            f"({name}_canon_sha256): the displayed {name} was altered",
        )
    else:
        variant = _matching_variant(text, expected)
        why = (
            f"it matches under {variant}"
            if variant
            else "no Unicode variant (NFC, NFKC, casefold) matches either, so the text may "
            "have been altered"
        )
        out.warn(
            check,
            f"paper.{name}: {name} hash differs; non-ASCII canonicalisation is "
            f"unsettled (expected {expected}, found {found}); {why}",
        )


def _matching_variant(text: str, expected: str) -> str | None:
    """Which plausible Unicode canonicalisation, if any, gives ``expected``."""
    for form in ("NFC", "NFKC", "NFD", "NFKD"):
        for fold, label in ((str.lower, "lower"), (str.casefold, "casefold")):
            candidate = fold(unicodedata.normalize(form, text))
            if sha256_hex(_WS.sub(" ", candidate).strip().encode("utf-8")) == expected:
                return f"{form} + {label}()"
    return None


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
    _check_text_hash(paper, "title", meta, out)
    _check_text_hash(paper, "abstract", meta, out)


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
    events = doc.get("events")
    if not isinstance(events, list):
        out.fail("events", f"'events': expected a list, found {type_name(events)}")
        return None
    created = [e for e in events if isinstance(e, dict) and e.get("event_type") == "record_created"]
    if len(created) != 1:
        out.fail(
            "events", f"'events': expected exactly one record_created event, found {len(created)}"
        )
        return None
    event = created[0]
    payload = event.get("payload")
    if (
        not isinstance(payload, dict)
        or not same_json(payload.get("canonical_record"), record)
        or payload.get("canonical_sha256") != digest
    ):
        out.fail(
            "events",
            "record_created payload: expected the bundle's canonical_record and "
            f"canonical_sha256 {digest}, found a different payload",
        )
        return None
    key_id = check_receipt(
        payload.get("receipt"), digest, keys, out, where="events[record_created].payload.receipt"
    )
    out.note(
        "events",
        "not_checked",
        "record_created event envelope (event_id, signer) not "
        "checked yet; its receipt is checked above",
    )
    others = [e for e in events if e is not event]
    if others:
        kinds = sorted({str(e.get("event_type")) if isinstance(e, dict) else "?" for e in others})
        out.warn("events", f"{len(others)} other event(s) not checked yet: {', '.join(kinds)}")
    return key_id


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
