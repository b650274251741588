"""``pithgen new DIR``: a ready-to-publish site folder; ``--shards N``: its workflow builds
the site on a matrix of N jobs (``pithgen build --shard I/N``, then ``pithgen assemble``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pithgen.errors import UsageError
from pithgen.shard.partition import MAX_SHARDS

WORKFLOW = ".github/workflows/pages.yml"
SCAFFOLD = {
    "pithgen.toml": "pithgen.toml",
    "records/seed-record-4FP6Z27B.json": "records/seed-record-4FP6Z27B.json",
    WORKFLOW: "workflows/pages.yml",
}
SHARDED_WORKFLOW = "workflows/pages-sharded.yml"
#: A GitHub Actions matrix runs at most this many jobs.
MATRIX_LIMIT = 256
GITIGNORE = "site/\n.pithgen-cache/\n"


def scaffold(target: Path, shards: int | None = None) -> list[Path]:
    """Create the files of a new site in ``target`` (with ``shards``, a sharded
    workflow); refuses to overwrite anything."""
    if shards is not None and not 1 <= shards <= min(MAX_SHARDS, MATRIX_LIMIT):
        raise UsageError(
            f"--shards: expected 1 to {MATRIX_LIMIT} (a GitHub Actions matrix runs at most "
            f"{MATRIX_LIMIT} jobs), found {shards}"
        )
    if target.exists() and not target.is_dir():
        raise UsageError("expected a folder (new or empty), found a file", where=str(target))
    existing = [rel for rel in [*SCAFFOLD, ".gitignore"] if (target / rel).exists()]
    if existing:
        raise UsageError(
            f"refusing to overwrite existing file(s): {', '.join(existing)}", where=str(target)
        )
    written = []
    base = resources.files("pithgen").joinpath("scaffold")
    for rel, packaged in SCAFFOLD.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel == WORKFLOW and shards is not None:
            path.write_bytes(sharded_workflow(shards))
        else:
            path.write_bytes(base.joinpath(*packaged.split("/")).read_bytes())
        written.append(path)
    gitignore = GITIGNORE + ("shards/\n" if shards is not None else "")
    (target / ".gitignore").write_text(gitignore, encoding="utf-8")
    written.append(target / ".gitignore")
    return written


def sharded_workflow(shards: int) -> bytes:
    """The sharded workflow for ``shards`` jobs."""
    template = resources.files("pithgen").joinpath("scaffold", *SHARDED_WORKFLOW.split("/"))
    text = template.read_text(encoding="utf-8")
    text = text.replace("@SHARD_LIST@", ", ".join(str(i) for i in range(1, shards + 1)))
    return text.replace("@SHARDS@", str(shards)).encode("utf-8")
