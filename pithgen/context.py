"""What the stages of one build share: configuration, keys, the merged verdicts, the
renderer and the writer. One small object instead of the same seven parameters passed
from function to function."""

from __future__ import annotations

from dataclasses import dataclass, field

from pithgen.config import BuildConfig
from pithgen.delta import SiteOutput
from pithgen.graph import GraphStore
from pithgen.keys import KeyRing
from pithgen.load import InputFile, LoadOptions
from pithgen.merge import MergeResult
from pithgen.mirrorlog.stage import MirrorLog
from pithgen.progress import Progress
from pithgen.render import Renderer
from pithgen.report import summary
from pithgen.write import SiteWriter


@dataclass(frozen=True)
class BuildContext:
    """One build in progress (after verification; before the site is swapped in)."""

    config: BuildConfig
    keys: KeyRing
    result: MergeResult
    renderer: Renderer
    writer: SiteWriter
    options: LoadOptions
    files: list[InputFile]
    output: SiteOutput
    graph: GraphStore
    jobs: int = 1
    progress: Progress = field(default_factory=Progress)
    #: The mirror's log (None: no log key configured).
    log: MirrorLog | None = None

    @property
    def counts(self) -> dict[str, int]:
        """The report's summary counts (total, verified, failed, warnings, published)."""
        return summary(self.result)
