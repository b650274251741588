"""Typed data passed between the stages: sources, loaded documents, checks, verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

DocKind = Literal["record", "bundle"]
Outcome = Literal["ok", "failed", "warning", "not_checkable", "not_checked"]


@dataclass(frozen=True, order=True)
class Source:
    """Where a document came from: a path (as given, relative to its input root) and, for
    a JSONL file, the 1-based line number."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line}


@dataclass(frozen=True)
class Check:
    """One named check and what came of it."""

    check: str
    outcome: Outcome
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "outcome": self.outcome, "message": self.message}


@dataclass(frozen=True)
class RawDoc:
    """A document's exact bytes as read, not parsed yet: what the load stage hands on when
    parsing happens elsewhere (in a worker process)."""

    source: Source
    raw: bytes


@dataclass(frozen=True)
class LoadedDoc:
    """A document as loaded: its exact bytes and its parsed JSON, or why it could not be
    parsed (``error``). ``raw`` is what a mirror publishes byte for byte."""

    source: Source
    raw: bytes
    data: dict[str, Any] | None
    error: Check | None = None

    @property
    def kind(self) -> DocKind | None:
        if self.data is None:
            return None
        return "bundle" if self.data.get("bundle_type") is not None else "record"


@dataclass(frozen=True)
class RecordDocument:
    """The typed view of a record document or bundle that later stages use.

    ``raw`` keeps every key of the input, known or not, so that nothing is lost in the
    mirrors; the typed fields are the ones pithgen reads.
    """

    kind: DocKind
    pith_number: str
    suffix: str
    canonical_sha256: str
    canonical_record: dict[str, Any]
    arxiv_id: str
    version: int
    submitted_at: str
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordDocument:
        """Build from a document that has passed verification (types already checked)."""
        record = data["canonical_record"]
        pith_number = data["pith_number"]
        return cls(
            kind="bundle" if data.get("bundle_type") is not None else "record",
            pith_number=pith_number,
            suffix=pith_number.rsplit(":", 1)[1],
            canonical_sha256=data["canonical_sha256"],
            canonical_record=record,
            arxiv_id=record["source"]["id"],
            version=record["source"]["version"],
            submitted_at=record["metadata"]["submitted_at"],
            raw=data,
        )

    def to_dict(self) -> dict[str, Any]:
        return self.raw

    @property
    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.canonical_record["metadata"]
        return meta

    @property
    def paper(self) -> dict[str, Any]:
        paper = self.raw.get("paper")
        return paper if isinstance(paper, dict) else {}


@dataclass(frozen=True)
class Verdict:
    """What verification concluded about one loaded document.

    What the merge stage (:mod:`pithgen.merge`) needs of a verified document:
    ``canonical_sha256`` is the recomputed hash of its canonical record (the signed
    content); ``doc_digest`` identifies the whole document's content (SHA-256 of its
    canonical JSON), so that copies differing only in formatting can be told from copies
    differing in unsigned fields; ``raw_sha256`` is the SHA-256 of its exact bytes;
    ``updated_at`` is its ``updated_at`` as a comparable UTC instant
    (:func:`pithgen.instants.utc_instant`), ``None`` when missing or not valid;
    ``key_id`` names the trusted key whose signature verified.
    """

    source: Source
    kind: DocKind | None
    checks: tuple[Check, ...]
    pith_number: str | None = None
    arxiv_id: str | None = None
    version: int | None = None
    doc_digest: str | None = None
    raw_sha256: str | None = None
    key_id: str | None = None
    canonical_sha256: str | None = None
    updated_at: str | None = None

    @property
    def ok(self) -> bool:
        return not any(c.outcome == "failed" for c in self.checks)

    @property
    def status(self) -> Literal["verified", "failed"]:
        return "verified" if self.ok else "failed"

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.outcome == "failed"]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.outcome == "warning"]

    @property
    def suffix(self) -> str | None:
        if not self.pith_number or self.pith_number.count(":") != 2:
            return None
        return self.pith_number.rsplit(":", 1)[1]

    def with_check(self, check: Check) -> Verdict:
        return replace(self, checks=(*self.checks, check))

    def to_dict(self) -> dict[str, Any]:
        checks = [(c.check, c.outcome, c.message) for c in self.checks]
        return verdict_dict(
            str(self.source), self.kind, self.pith_number, self.arxiv_id, self.version, checks
        )


def verdict_dict(
    source: str,
    kind: str | None,
    pith_number: str | None,
    arxiv_id: str | None,
    version: int | None,
    checks: Sequence[tuple[str, str, str]],
) -> dict[str, Any]:
    """A verdict as reports show it (:meth:`Verdict.to_dict`), from its fields and its
    checks as ``(check, outcome, message)``: what a report made from stored verdicts
    uses without building them (:func:`pithgen.mergestore.report_entry`)."""
    return {
        "source": source,
        "kind": kind,
        "pith_number": pith_number,
        "arxiv_id": arxiv_id,
        "version": version,
        "status": "failed" if any(o == "failed" for _, o, _ in checks) else "verified",
        "problems": [{"check": c, "message": m} for c, o, m in checks if o == "failed"],
        "warnings": [{"check": c, "message": m} for c, o, m in checks if o == "warning"],
        "checks": [{"check": c, "outcome": o, "message": m} for c, o, m in checks],
    }
