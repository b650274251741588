#!/usr/bin/env python3
"""Regenerate the golden site trees tests/golden/sample-site/ (from records/) and
tests/golden/archive-site/ (from tests/fixtures/golden-archive/).

Run this deliberately, after a change to the site's output that you intend, then review
``git diff tests/golden`` line by line before committing: the golden trees are what
tests/test_site_golden.py compares every build with, byte for byte.

    python3 tools/regen_golden.py                # rewrite both trees, list what changed
    python3 tools/regen_golden.py archive-site   # only the named tree(s)
    python3 tools/regen_golden.py --check        # only report differences (exit 1 if any)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from sitehelpers import GOLDEN_SITES, GoldenSite, tree  # noqa: E402


def regenerate(site: GoldenSite, check: bool) -> int:
    """0: no difference or rewritten; 1: differences found under ``check``; 2: failed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        outcome = site.build(out, site.source)
        if not outcome.written or outcome.result.failed != site.failed:
            print(
                f"{site.name}: the build failed or {outcome.result.failed} document(s) failed "
                f"(expected {site.failed}); golden tree left as it was",
                file=sys.stderr,
            )
            return 2
        new = tree(out)
        old = tree(site.golden) if site.golden.is_dir() else {}
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        changed = sorted(p for p in set(new) & set(old) if new[p] != old[p])
        for label, paths in (("added", added), ("removed", removed), ("changed", changed)):
            for path in paths:
                print(f"{label:8} {site.name}/{path}")
        total = len(added) + len(removed) + len(changed)
        if check:
            print(f"{site.golden}: {total} difference(s)")
            return 1 if total else 0
        if site.golden.exists():
            shutil.rmtree(site.golden)
        site.golden.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(out, site.golden)
    print(f"{site.golden}: {len(new)} files, {total} difference(s); review with git diff")
    return 0


def main(argv: list[str] | None = None) -> int:
    names = [s.name for s in GOLDEN_SITES]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    parser.add_argument("sites", nargs="*", metavar="SITE", help=f"some of {names} (all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sites) - set(names))
    if unknown:
        parser.error(f"unknown golden site(s) {unknown}; expected some of {names}")
    chosen = [s for s in GOLDEN_SITES if not args.sites or s.name in args.sites]
    return max(regenerate(site, args.check) for site in chosen)


if __name__ == "__main__":
    sys.exit(main())
