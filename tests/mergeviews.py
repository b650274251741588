"""Views of a merge result that only tests need (the package streams them instead)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pithgen.load import LoadOptions, discover, load_file
from pithgen.merge import MergeResult
from pithgen.model import LoadedDoc, Source, Verdict


def verdicts_of(result: MergeResult) -> list[Verdict]:
    """Every verdict, in input order."""
    return list(result.iter_verdicts())


@dataclass(frozen=True)
class Published:
    """The documents published for one Pith Number: at most one record and one bundle."""

    pith_number: str
    record: Source | None
    bundle: Source | None


def published_of(result: MergeResult) -> list[Published]:
    """One entry per published Pith Number, by suffix."""
    chosen: dict[str, dict[str, Source]] = {}
    for item in result.iter_chosen():
        v = item.verdict
        assert v.pith_number is not None and v.kind is not None
        chosen.setdefault(v.pith_number, {})[v.kind] = v.source
    return [
        Published(pith, kinds.get("record"), kinds.get("bundle"))
        for pith, kinds in sorted(chosen.items(), key=lambda kv: kv[0].rsplit(":", 1)[1])
    ]


def load_all(paths: Sequence[Path], options: LoadOptions | None = None) -> Iterator[LoadedDoc]:
    """Stage 1 over ``paths``: every document, in the order a build reads them."""
    for item in discover(paths):
        yield from load_file(item, options or LoadOptions())
