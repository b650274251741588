"""What a pull did: one :class:`Item` per document or identifier, the closing summary,
the ``--json`` document and the exit status.

Statuses: ``fetched`` (verified and written), ``unchanged`` (the records folder already
holds it), ``failed`` (it did not pass verification, or is not what was asked for),
``conflict`` (it contradicts a held record; nothing overwritten), ``error`` (the request
failed: network, HTTP status, size, refused redirect) and ``not_found`` (the source does
not have it, or cannot say which record an identifier means).

Exit status (as for ``verify``): 1 when anything failed or conflicted (that is what an
operator must look at first); else 2 when anything could not be fetched (``error``,
``not_found``); else 0: everything asked for is held and verified.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pithgen.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFICATION_FAILED

STATUSES = ("fetched", "unchanged", "failed", "conflict", "error", "not_found")
_HEADINGS = {"failed": "FAILED", "conflict": "CONFLICT", "error": "ERROR", "not_found": "NOT FOUND"}


@dataclass(frozen=True)
class Item:
    status: str
    identifiers: tuple[str, ...]
    suffix: str | None = None
    kind: str | None = None
    pith_number: str | None = None
    url: str | None = None
    path: str | None = None
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "identifiers": list(self.identifiers),
            "suffix": self.suffix,
            "kind": self.kind,
            "pith_number": self.pith_number,
            "url": self.url,
            "path": self.path,
            "reasons": list(self.reasons),
        }


@dataclass
class PullReport:
    source: str
    into: str
    patterns: str
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    held_before: int = 0
    ignored: int = 0
    resumed: int = 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for item in self.items:
            counts[item.status] += 1
        return counts

    @property
    def exit_code(self) -> int:
        counts = self.counts()
        if counts["failed"] or counts["conflict"]:
            return EXIT_VERIFICATION_FAILED
        if counts["error"] or counts["not_found"]:
            return EXIT_USAGE
        return EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "into": self.into,
            "patterns": self.patterns,
            "summary": self.counts(),
            "held_before": self.held_before,
            "ignored_in_records": self.ignored,
            "resumed": self.resumed,
            "exit_code": self.exit_code,
            "notes": list(self.notes),
            "items": [item.to_dict() for item in self.items],
        }

    def human_lines(self) -> Iterator[str]:
        """A block per problem, the notes, then the closing summary."""
        for item in self.items:
            heading = _HEADINGS.get(item.status)
            if heading is None:
                continue
            named = [item.pith_number or item.suffix or "", item.kind or ""]
            asked = ", ".join(item.identifiers)
            yield " ".join([heading, *filter(None, named), f"(asked as {asked})"])
            if item.url:
                yield f"  from {item.url}"
            for reason in item.reasons:
                yield f"  {reason}"
        for note in self.notes:
            yield f"note: {note}"
        c = self.counts()
        text = (
            f"Pulled from {self.source} into {self.into}: {c['fetched']} fetched, "
            f"{c['unchanged']} unchanged, {c['failed']} failed, {c['conflict']} conflict(s), "
            f"{c['error']} error(s), {c['not_found']} not found."
        )
        if self.resumed:
            text += f" Resumed an interrupted run: {self.resumed} document(s) done before."
        if self.ignored:
            text += (
                f" {self.ignored} document(s) of {self.into} failed verification and were "
                "not counted as held (run pithgen verify)."
            )
        yield text
