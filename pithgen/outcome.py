"""What a build returns (:class:`BuildOutcome`) and what an assembly of shards brings to
it (:class:`Prebuilt`): kept apart from :mod:`pithgen.build` and :mod:`pithgen.buildrun`
so that a command can name them without importing the stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pithgen.merge import MergeResult
    from pithgen.pipeline import VerdictSource
    from pithgen.units import Reuse, Units


@dataclass(frozen=True)
class BuildOutcome:
    """What a build did: the merged verdicts (``None`` when the site was up to date and
    nothing was verified again), whether the site was replaced, the kind of build, the
    report's counts, and what was written (files, bytes, seconds, notes)."""

    result: MergeResult | None
    written: bool
    files: int
    bytes: int
    seconds: float
    notes: tuple[str, ...] = ()
    mode: str = "full"
    counts: dict[str, int] | None = None


class Prebuilt(Protocol):
    """What an assembly brings to a build (:class:`pithgen.shard.assemble.Assembly`)."""

    def check(self, inputs: Sequence[tuple[str, int, str]]) -> None:
        """Refuse shards that are not this build's (the inputs are hashed, nothing else is
        done yet)."""

    def open(self, scratch: Path, cache: VerdictSource | None) -> tuple[VerdictSource, Reuse]:
        """The shards' verdicts (then ``cache``'s) and units, kept in ``scratch``."""
        ...

    def note(self, units: Units) -> str:
        """What the build summary says of the assembly."""
        ...
