"""Stage 3, merge: archive-level checks across records.

- Exact duplicates (same kind, same Pith Number, same document content) are merged: the
  first in input order is kept, the others stay ``verified`` with a ``duplicate`` warning
  and are not published twice.
- Two documents of the same kind with the same Pith Number but different content, or
  records with different Pith Numbers claiming the same arXiv id and version, all fail the
  ``conflict`` check, each naming the others: no winner is picked silently.
- A record document and a bundle of the same Pith Number complement each other.

Only verified documents take part: a forged copy that failed its own checks cannot knock
out the genuine record. Memory: one compact :class:`Verdict` per document (checks that
passed are dropped; failures and warnings are kept for the report).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pithgen.model import Check, DocKind, Source, Verdict


def compact(verdict: Verdict) -> Verdict:
    """Keep only what a report needs: failures, warnings and not-checkable notes."""
    return replace(verdict, checks=tuple(c for c in verdict.checks if c.outcome != "ok"))


@dataclass(frozen=True)
class Published:
    """The documents chosen for one Pith Number: at most one record and one bundle."""

    pith_number: str
    record: Source | None
    bundle: Source | None


@dataclass(frozen=True)
class MergeResult:
    verdicts: list[Verdict]
    published: list[Published]

    @property
    def failed(self) -> int:
        return sum(1 for v in self.verdicts if not v.ok)

    @property
    def verified(self) -> int:
        return sum(1 for v in self.verdicts if v.ok)

    @property
    def warnings(self) -> int:
        return sum(len(v.warnings) for v in self.verdicts)


def merge(verdicts: Iterable[Verdict], *, keep_checks: bool = False) -> MergeResult:
    """Stage 3. ``verdicts`` in input order; the result keeps that order."""
    kept: list[Verdict] = []
    by_identity: dict[tuple[str, DocKind], list[int]] = defaultdict(list)
    by_paper: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    first_of_digest: dict[tuple[str, DocKind, str], int] = {}
    for verdict in verdicts:
        index = len(kept)
        kept.append(verdict if keep_checks else compact(verdict))
        if not verdict.ok or verdict.pith_number is None or verdict.kind is None:
            continue
        assert verdict.doc_digest is not None and verdict.arxiv_id is not None
        assert verdict.version is not None
        key = (verdict.pith_number, verdict.kind, verdict.doc_digest)
        if key in first_of_digest:
            original = kept[first_of_digest[key]]
            kept[index] = kept[index].with_check(
                Check("duplicate", "warning", f"exact duplicate of {original.source}; merged")
            )
            continue
        first_of_digest[key] = index
        by_identity[(verdict.pith_number, verdict.kind)].append(index)
        by_paper[(verdict.arxiv_id, verdict.version)].setdefault(verdict.pith_number, index)

    losers: dict[int, list[str]] = defaultdict(list)
    for (pith_number, kind), indices in by_identity.items():
        if len(indices) > 1:
            for i in indices:
                others = [str(kept[j].source) for j in indices if j != i]
                losers[i].append(
                    f"another {kind} with Pith Number {pith_number} but different "
                    f"content: {', '.join(others)}"
                )
    for (arxiv_id, version), numbers in by_paper.items():
        if len(numbers) > 1:
            for pn in numbers:
                for i in by_identity[(pn, "record")] + by_identity[(pn, "bundle")]:
                    others = [
                        f"{kept[numbers[o]].source} ({o})" for o in sorted(numbers) if o != pn
                    ]
                    losers[i].append(
                        f"arXiv {arxiv_id}v{version} is also claimed by a "
                        f"different record: {', '.join(others)}"
                    )
    # Duplicates of a losing document lose with it.
    for index, verdict in enumerate(kept):
        if verdict.ok and verdict.kind and verdict.pith_number and verdict.doc_digest:
            first = first_of_digest.get((verdict.pith_number, verdict.kind, verdict.doc_digest))
            if first is not None and first != index and first in losers:
                losers[index] = losers[first]
    for index, reasons in losers.items():
        kept[index] = kept[index].with_check(Check("conflict", "failed", "; ".join(reasons)))

    chosen: dict[str, dict[DocKind, Source]] = defaultdict(dict)
    for (pith_number, kind), indices in by_identity.items():
        if len(indices) == 1 and kept[indices[0]].ok:
            chosen[pith_number][kind] = kept[indices[0]].source
    published = [
        Published(pn, kinds.get("record"), kinds.get("bundle"))
        for pn, kinds in sorted(chosen.items(), key=lambda kv: kv[0].rsplit(":", 1)[1])
    ]
    return MergeResult(kept, published)
