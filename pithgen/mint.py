"""Minting: build and sign a complete record document from paper metadata.

Used by anyone running their own registry and by every test fixture. Times are inputs, and
Ed25519 signatures are deterministic, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pithgen import __version__
from pithgen.canonical import (
    canon_text,
    canonical_sha256,
    expected_aliases,
    pith_number_for,
    short_pith_number,
    suffix_for,
)
from pithgen.checks import described, type_name
from pithgen.errors import UsageError
from pithgen.identifiers import is_arxiv_id
from pithgen.keys import SigningKey
from pithgen.strictjson import JSONDefect, parse_document
from pithgen.structure import CATEGORY_EXPECTED, valid_category, valid_timestamp

EXCERPT_CHARS = 600
SIGNED_AT_FORMAT = "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"
SIGNED_AT_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


_REQUIRED = frozenset({"arxiv_id", "version", "title", "abstract", "submitted_at", "primary_cat"})
_STRING_FIELDS = (
    "arxiv_id",
    "title",
    "abstract",
    "submitted_at",
    "primary_cat",
    "authors",
    "license",
)
_KNOWN = frozenset({*_REQUIRED, "cross_cats", "authors", "license"})


@dataclass(frozen=True)
class Paper:
    """What a registry knows about one arXiv paper version."""

    arxiv_id: str
    version: int
    title: str
    abstract: str
    submitted_at: str
    primary_cat: str
    cross_cats: tuple[str, ...] = ()
    authors: str = ""
    license: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        """A paper from a JSON object; every field's type is checked (``UsageError`` names
        the field, what was expected and what was found)."""
        missing = sorted(_REQUIRED - set(data))
        if missing:
            raise UsageError(f"paper metadata: missing {missing}")
        for name in _STRING_FIELDS:
            if name in data and not isinstance(data[name], str):
                raise UsageError(f"{name}: expected a string, found {described(data[name])}")
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, int):
            raise UsageError(f"version: expected an integer, found {described(version)}")
        cross = data.get("cross_cats", ())
        if not isinstance(cross, list | tuple):
            raise UsageError(f"cross_cats: expected a list of strings, found {described(cross)}")
        for position, item in enumerate(cross):
            if not isinstance(item, str):
                raise UsageError(
                    f"cross_cats[{position}]: expected a string, found {described(item)}"
                )
        return cls(
            arxiv_id=data["arxiv_id"],
            version=version,
            title=data["title"],
            abstract=data["abstract"],
            submitted_at=data["submitted_at"],
            primary_cat=data["primary_cat"],
            cross_cats=tuple(cross),
            authors=data.get("authors", ""),
            license=data.get("license", ""),
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )

    def validate(self) -> None:
        if not is_arxiv_id(self.arxiv_id):
            raise UsageError(
                f"arXiv id: expected YYMM.NNNN(N) or archive/YYMMNNN without "
                f"version, found {self.arxiv_id!r}"
            )
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise UsageError(f"version: expected an integer >= 1, found {self.version!r}")
        if not valid_timestamp(self.submitted_at):
            raise UsageError(
                f"submitted_at: expected YYYY-MM-DDTHH:MM:SSZ (v1 submission), "
                f"found {self.submitted_at!r}"
            )
        for category in (self.primary_cat, *self.cross_cats):
            if not valid_category(category):
                raise UsageError(f"category: expected {CATEGORY_EXPECTED}, found {category!r}")


def canonical_record_for(paper: Paper) -> dict[str, Any]:
    cross = sorted(set(paper.cross_cats) - {paper.primary_cat})
    return {
        "source": {"id": paper.arxiv_id, "kind": "arxiv", "version": paper.version},
        "metadata": {
            "license": paper.license,
            "primary_cat": paper.primary_cat,
            "submitted_at": paper.submitted_at,
            "cross_cats_sorted": cross,
            "title_canon_sha256": canon_text(paper.title),
            "abstract_canon_sha256": canon_text(paper.abstract),
        },
        "schema_version": "1.0",
    }


def _alias_time(signed_at: str) -> str:
    """Pith writes alias times as ``...+00:00``; receipts as ``...Z``."""
    return signed_at[:-1] + "+00:00" if signed_at.endswith("Z") else signed_at


def mint_record(paper: Paper, key: SigningKey, *, signed_at: str) -> dict[str, Any]:
    """A complete record document for ``paper``, signed with ``key`` at ``signed_at``."""
    paper.validate()
    if not SIGNED_AT_RE.fullmatch(signed_at) or not valid_timestamp(signed_at[:19] + "Z"):
        raise UsageError(f"signed_at: expected {SIGNED_AT_FORMAT}, found {signed_at!r}")
    record = canonical_record_for(paper)
    digest = canonical_sha256(record)
    suffix = suffix_for(digest)
    pith_number = pith_number_for(paper.submitted_at, suffix)
    signature = key.sign(bytes.fromhex(digest))
    cross = record["metadata"]["cross_cats_sorted"]
    alias_time = _alias_time(signed_at)
    display = {
        "title": paper.title,
        "license": paper.license,
        "headline": "",
        "cross_cats": cross,
        "primary_cat": paper.primary_cat,
        "authors_text": paper.authors,
        "submitted_at": paper.submitted_at,
        "abstract_excerpt": paper.abstract[:EXCERPT_CHARS],
        "abstract": paper.abstract,
    }
    display.update(paper.extra)
    return {
        "record_type": "pith_number_record",
        "pith_number": pith_number,
        "short_pith_number": short_pith_number(suffix),
        "schema_version": "1.0",
        "canonical_sha256": digest,
        "source": dict(record["source"]),
        "attestation_state": "computed",
        "paper": display,
        "verification_status": {
            "content_addressed": True,
            "pith_receipt": True,
            "author_attested": False,
            "externally_anchored": False,
            "storage_verified": False,
            "references_resolved": False,
            "graph_snapshot": False,
        },
        "canonical_record": record,
        "receipt": {
            "kind": "pith_receipt",
            "key_id": key.key_id,
            "algorithm": "ed25519",
            "signed_at": signed_at,
            "signature_b64": base64.b64encode(signature).decode("ascii"),
            "signed_message": "canonical_sha256_bytes",
            "builder_version": f"pithgen-{__version__}",
            "receipt_version": "0.3",
            "canonical_sha256": digest,
            "first_computed_at": signed_at,
            "last_reissued_at": signed_at,
            "signature_status": "signed_v1",
            "public_key_fingerprint": key.public().fingerprint,
        },
        "aliases": [
            {"alias_kind": kind, "alias_value": value, "created_at": alias_time}
            for kind, value in sorted(
                expected_aliases(paper.arxiv_id, paper.version, suffix).items()
            )
        ],
        "events": [],
        "event_summary": {},
        "created_at": alias_time,
        "updated_at": alias_time,
    }


def read_papers(path: Path) -> list[Paper]:
    """Papers from a JSON list or a JSONL file (one paper object a line)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read papers: {exc.strerror}", where=str(path)) from None
    try:
        if raw.lstrip().startswith(b"["):
            # The operator's own list of papers, not a record: any number of them.
            items = parse_document(b'{"papers":' + raw + b"}", max_values=None)["papers"]
        else:
            items = [parse_document(line) for line in raw.splitlines() if line.strip()]
    except JSONDefect as exc:
        raise UsageError(
            f"expected a JSON list or JSONL of paper objects: {exc}", where=str(path)
        ) from None
    papers = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise UsageError(
                f"paper {number}: expected an object, found {type_name(item)}", where=str(path)
            )
        try:
            papers.append(Paper.from_dict(item))
        except UsageError as exc:
            raise UsageError(f"paper {number}: {exc.message}", where=str(path)) from None
    return papers


def mint_jsonl(papers: list[Paper], key: SigningKey, *, signed_at: str) -> list[str]:
    """One compact JSON line per minted record."""
    return [
        json.dumps(
            mint_record(p, key, signed_at=signed_at), ensure_ascii=False, separators=(",", ":")
        )
        for p in papers
    ]
