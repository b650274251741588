#!/usr/bin/env python3
"""Regenerate the golden site tree tests/golden/sample-site/ from records/.

Run this deliberately, after a change to the site's output that you intend, then review
``git diff tests/golden`` line by line before committing: the golden tree is what
tests/test_site_golden.py compares every build with, byte for byte.

    python3 tools/regen_golden.py          # rewrite the tree, list what changed
    python3 tools/regen_golden.py --check  # only report differences (exit 1 if any)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from sitehelpers import GOLDEN_DIR, build_sample, tree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        outcome = build_sample(out)
        if not outcome.written:
            print("the sample build failed; golden tree left as it was", file=sys.stderr)
            return 2
        new = tree(out)
        old = tree(GOLDEN_DIR) if GOLDEN_DIR.is_dir() else {}
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        changed = sorted(p for p in set(new) & set(old) if new[p] != old[p])
        for label, paths in (("added", added), ("removed", removed), ("changed", changed)):
            for path in paths:
                print(f"{label:8} {path}")
        if args.check:
            return 1 if added or removed or changed else 0
        if GOLDEN_DIR.exists():
            shutil.rmtree(GOLDEN_DIR)
        GOLDEN_DIR.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(out, GOLDEN_DIR)
    total = len(added) + len(removed) + len(changed)
    print(f"{GOLDEN_DIR}: {len(new)} files, {total} difference(s); review with git diff")
    return 0


if __name__ == "__main__":
    sys.exit(main())
