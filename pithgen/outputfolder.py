"""Which output folders a build may replace: never the records, a folder holding them or
the working folder, and only a folder that is empty, new, or pithgen's own output (a site,
or for ``build --shard`` a shard artifact)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pithgen import layout
from pithgen.errors import UsageError


def check_output_folder(
    out: Path,
    records: Path,
    cwd: Path | None = None,
    *,
    ours: Callable[[Path], bool] | None = None,
    what: str = f"a pithgen site (no {layout.MANIFEST} written by pithgen)",
) -> None:
    """Refuse an output folder whose replacement would destroy something: the records,
    a folder holding them, the working folder, or a folder that is not a pithgen site
    (``ours``, described by ``what``: another kind of output, such as a shard artifact)."""
    target = out.resolve()
    protected = [("the records folder", records.resolve())]
    if cwd is not None:
        protected.append(("the working folder", cwd.resolve()))
    for name, path in protected:
        if target == path or target in path.parents:
            raise UsageError(
                f"refusing to build into {out}: replacing it would delete {name} ({path})",
                where=str(out),
            )
    recognised = ours or is_pithgen_site
    if target.is_dir() and any(target.iterdir()) and not recognised(target):
        raise UsageError(
            f"refusing to replace a folder that is not {what}; choose an empty or new "
            "output folder",
            where=str(out),
        )


def is_pithgen_site(folder: Path) -> bool:
    """Whether ``folder`` holds a site pithgen wrote (its manifest names pithgen)."""
    try:
        manifest = json.loads((folder / layout.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("generator") == "pithgen"
