"""``pithgen new DIR``: a ready-to-publish site folder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pithgen.errors import UsageError

SCAFFOLD = {
    "pithgen.toml": "pithgen.toml",
    "records/seed-record-4FP6Z27B.json": "records/seed-record-4FP6Z27B.json",
    ".github/workflows/pages.yml": "workflows/pages.yml",
}
GITIGNORE = "site/\n.pithgen-cache/\n"


def scaffold(target: Path) -> list[Path]:
    """Create the files of a new site in ``target``; refuses to overwrite anything."""
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
        path.write_bytes(base.joinpath(*packaged.split("/")).read_bytes())
        written.append(path)
    (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    written.append(target / ".gitignore")
    return written
