"""The verification pipeline, load -> verify -> merge, over a set of inputs.

``pithgen verify`` runs it on the paths it is given; ``pithgen build`` runs it as its
first pass. Documents stream through one at a time; the merge stage keeps its verdicts
on disk, so memory stays flat however large the archive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pithgen.errors import UsageError
from pithgen.keys import KeyRing
from pithgen.load import InputFile, LoadOptions, discover, load_file
from pithgen.merge import MergeResult, merge
from pithgen.model import Verdict
from pithgen.verify import verify_document

#: Called with the number of input bytes just processed.
Progress = Callable[[int], None]
#: Called once with the total number of input bytes to come.
Total = Callable[[int], None]


def verify_paths(
    paths: Sequence[Path],
    keys: KeyRing,
    *,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
    total: Total | None = None,
) -> MergeResult:
    """load -> verify -> merge over every document under ``paths`` (streaming)."""
    files = discover(paths)
    if not files:
        raise UsageError(
            "expected record files (.json or .jsonl), found none",
            where=", ".join(str(p) for p in paths),
        )
    if total is not None:
        total(sum(f.size for f in files))
    return verify_files(files, keys, options or LoadOptions(), progress)


def verify_files(
    files: Sequence[InputFile],
    keys: KeyRing,
    options: LoadOptions,
    progress: Progress | None = None,
    *,
    keep_checks: bool = False,
    directory: Path | None = None,
) -> MergeResult:
    """Stages load -> verify -> merge over discovered files, one document at a time.

    ``keep_checks`` keeps the checks that passed (a build's record pages show them);
    ``directory`` is where the merge stage keeps its store."""

    def verdicts() -> Iterator[Verdict]:
        for item in files:
            for loaded in load_file(item, options):
                if progress is not None:
                    progress(len(loaded.raw))
                yield verify_document(loaded, keys)

    return merge(verdicts(), keep_checks=keep_checks, directory=directory)
