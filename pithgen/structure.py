"""Structure checks of the canonical record (spec section 1): keys, types and grammars of
the source and metadata, before anything is hashed or derived from them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pithgen.canonical import HEX64_RE
from pithgen.checks import Checks, shown, type_name
from pithgen.identifiers import is_arxiv_id
from pithgen.layout import reserved_name

SUBMITTED_AT_RE = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ"
)
#: arXiv category names, spelled as arXiv spells them (PITHGEN RULE; every category of
#: arXiv's taxonomy and of every real record matches): a lowercase archive (``hep-th``,
#: ``astro-ph``), optionally a subject class that is either exactly two uppercase letters
#: (``cs.LG``, ``astro-ph.CO``, ``math.GT``) or three or more lowercase characters
#: (``cond-mat.stat-mech``, ``physics.optics``, ``physics.ao-ph``). The grammar is
#: case-unambiguous: two different categories never differ only in case, so their
#: ``browse/category/{name}/`` folders stay apart on a case-insensitive file system.
CATEGORY_RE = re.compile(r"[a-z]+(?:-[a-z]+)?(?:\.(?:[A-Z]{2}|(?=[a-z-]{3})[a-z]+(?:-[a-z]+)?))?")
METADATA_FIELDS = (
    "abstract_canon_sha256",
    "cross_cats_sorted",
    "license",
    "primary_cat",
    "submitted_at",
    "title_canon_sha256",
)


MAX_VERSION = 999_999


def valid_category(text: str) -> bool:
    """``text`` is a category by :data:`CATEGORY_RE` whose archive is no reserved device
    name (a ``con`` or ``nul.GT`` category would name a folder Windows cannot hold)."""
    return bool(CATEGORY_RE.fullmatch(text)) and not reserved_name(text)


#: How a category is described in messages.
CATEGORY_EXPECTED = (
    "an arXiv category such as cs.LG, astro-ph.CO or cond-mat.stat-mech (a lowercase "
    "archive; a subject class of two uppercase letters or of three or more lowercase "
    "characters; no reserved device name such as con or nul)"
)


def valid_timestamp(text: str) -> bool:
    """``YYYY-MM-DDTHH:MM:SSZ`` naming a real instant (no February 30)."""
    if not SUBMITTED_AT_RE.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_canonical_record(record: Any, out: Checks) -> bool:
    """Structure and types of the canonical record (spec section 1). True when usable."""
    if not isinstance(record, dict):
        out.fail("structure", f"'canonical_record': expected an object, found {type_name(record)}")
        return False
    expected_keys = {"metadata", "schema_version", "source"}
    if set(record) != expected_keys:
        missing = sorted(expected_keys - set(record))
        extra = sorted(set(record) - expected_keys)
        out.fail(
            "structure",
            f"'canonical_record': expected keys {sorted(expected_keys)}, "
            f"missing {missing}, unexpected {extra}",
        )
        return False
    usable = True
    if record["schema_version"] != "1.0":
        out.fail(
            "schema_version",
            "canonical_record.schema_version: expected '1.0', found "
            f"{shown(record['schema_version'])}",
        )
    source, meta = record["source"], record["metadata"]
    if not isinstance(source, dict) or set(source) != {"id", "kind", "version"}:
        out.fail(
            "structure",
            "canonical_record.source: expected an object with exactly "
            f"'id', 'kind', 'version', found {shown(source)}",
        )
        usable = False
    else:
        if source["kind"] != "arxiv":
            out.fail(
                "structure",
                f"canonical_record.source.kind: expected 'arxiv', found {shown(source['kind'])}",
            )
        if not isinstance(source["id"], str) or not is_arxiv_id(source["id"]):
            out.fail(
                "arxiv_id",
                "canonical_record.source.id: expected an arXiv id without "
                "version (YYMM.NNNN, YYMM.NNNNN or archive/YYMMNNN), found "
                f"{shown(source['id'])}",
            )
            usable = False
        if not _is_int(source["version"]) or not 1 <= source["version"] <= MAX_VERSION:
            out.fail(
                "version",
                f"canonical_record.source.version: expected an integer from 1 to {MAX_VERSION}, "
                f"found {shown(source['version'])}",
            )
            usable = False
    if not isinstance(meta, dict) or set(meta) != set(METADATA_FIELDS):
        found = shown(sorted(meta)) if isinstance(meta, dict) else type_name(meta)
        out.fail(
            "structure",
            f"canonical_record.metadata: expected keys {list(METADATA_FIELDS)}, found {found}",
        )
        return False
    submitted = meta["submitted_at"]
    if not isinstance(submitted, str) or not valid_timestamp(submitted):
        out.fail(
            "submitted_at",
            "canonical_record.metadata.submitted_at: expected "
            f"YYYY-MM-DDTHH:MM:SSZ, found {shown(submitted)}",
        )
        usable = False
    for name in ("title_canon_sha256", "abstract_canon_sha256"):
        value = meta[name]
        if not isinstance(value, str) or not HEX64_RE.fullmatch(value):
            out.fail(
                "hash_format",
                f"canonical_record.metadata.{name}: expected 64 lowercase "
                f"hex characters, found {shown(value)}",
            )
    if not isinstance(meta["license"], str):
        out.fail(
            "metadata",
            f"canonical_record.metadata.license: expected a string, found "
            f"{type_name(meta['license'])}",
        )
    primary, cross = meta["primary_cat"], meta["cross_cats_sorted"]
    if not isinstance(primary, str) or not valid_category(primary):
        out.fail(
            "metadata",
            f"canonical_record.metadata.primary_cat: expected {CATEGORY_EXPECTED}, "
            f"found {shown(primary)}",
        )
    if not isinstance(cross, list) or not all(
        isinstance(c, str) and valid_category(c) for c in cross
    ):
        out.fail(
            "metadata",
            "canonical_record.metadata.cross_cats_sorted: expected a list of "
            f"categories, each {CATEGORY_EXPECTED}; found {shown(cross)}",
        )
    elif cross != sorted(cross) or len(set(cross)) != len(cross) or primary in cross:
        out.fail(
            "metadata",
            "canonical_record.metadata.cross_cats_sorted: expected the "
            f"secondary categories, sorted, unique, primary excluded; found {shown(cross)}",
        )
    if usable and not out.failed():
        out.ok("structure", "canonical record: arXiv source, metadata and schema 1.0 well formed")
    return usable
