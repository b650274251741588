"""Sharded builds at archive scale: a single ``pithgen build`` against N shards
(``pithgen build --shard I/N``) and their assembly (``pithgen assemble``), the two sites
compared file by file, and what a site weighs per record (docs/scale.md).

    python3 bench/shard_bench.py --records DIR --key KEY.json [--shards 4] [--jobs 1]
        [--workdir /tmp/pithgen-shards] [--out-root /dev/shm/...]

Every command is a real subprocess (wall time, CPU time and peak RSS of that child). The
shards run one after another here; on a CI matrix they run at once, so the sharded wall
time is the slowest shard plus the assembly. With ``--jobs 1`` the CPU seconds are the
work itself, whatever else the machine runs. Last, shard 1 is built again into its own
artifact, nothing changed (what a CI rebuild with the cached artifact does).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from _common import Run, pithgen_command, rerun_command, run_ok, table

BASE_URL = "https://example.org/mirror/"
GIB = 1_000_000_000  # GitHub Pages: "no larger than 1 GB"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=Path, required=True)
    parser.add_argument("--key", type=Path, required=True, help="the trusted key document")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pithgen-shard-bench"))
    return parser.parse_args(argv)


def common(args: argparse.Namespace) -> list[str]:
    return [
        "--records", str(args.records), "--trust-key", str(args.key), "--no-default-keys",
        "--base-url", BASE_URL, "--jobs", str(args.jobs), "--no-cache",
    ]  # fmt: skip


def digests(folder: Path) -> dict[str, str]:
    out = {}
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(dirpath) / name
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def kind_of(path: str) -> str:
    """What a per-record file is (for the breakdown)."""
    if path.startswith(".well-known/"):
        return "bundle copy"
    if path.startswith(("arxiv/", "doi/")) or (
        path.count("/") == 2 and len(path.split("/")[1]) == 8
    ):
        return "redirect pages"
    name = path.rsplit("/", 1)[-1]
    return {"index.html": "record page", "badge.svg": "badge", "state.json": "state.json",
            "events.json": "events.json", "bundle.json": "bundle"}.get(
        name, "record JSON" if name.endswith(".json") else name.rsplit(".", 1)[-1])  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = pithgen_command()
    runs: list[tuple[str, Run]] = []
    single = work / "single"
    runs.append(("single build", run_ok([*cmd, "build", *common(args), "--out", str(single)])))
    shards = []
    for index in range(1, args.shards + 1):
        out = work / "shards" / str(index)
        shard = [
            *cmd,
            "build",
            *common(args),
            "--shard",
            f"{index}/{args.shards}",
            "--out",
            str(out),
        ]
        runs.append((f"shard {index}/{args.shards}", run_ok(shard)))
        shards.append(out)
    site = work / "site"
    assembly = [*cmd, "assemble", *map(str, shards), *common(args), "--out", str(site)]
    runs.append(("assembly", run_ok(assembly)))
    again = [*cmd, "build", *common(args), "--shard", f"1/{args.shards}", "--out", str(shards[0])]
    runs.append((f"shard 1/{args.shards} again", run_ok(again)))
    same = digests(single) == digests(site)
    print(f"# {rerun_command(sys.argv)}")
    rows = [["command", "wall s", "CPU s", "peak RSS MiB"]]
    for name, run in runs:
        rows.append([name, f"{run.seconds:.2f}", f"{run.user_s + run.sys_s:.2f}",
                     f"{run.maxrss_kib / 1024:.0f}"])  # fmt: skip
    print("\n".join(table(rows)))
    slowest = max(run.seconds for name, run in runs if name.endswith(f"/{args.shards}"))
    print(f"\nsharded wall time on a matrix: slowest shard {slowest:.2f} s + assembly "
          f"{runs[-2][1].seconds:.2f} s; single build {runs[0][1].seconds:.2f} s")  # fmt: skip
    print(f"assembled site byte-identical to the single build: {same}")
    print(f"assembly summary: {runs[-2][1].stdout.strip().splitlines()[0]}")
    print(f"shard 1 rebuilt in place: {runs[-1][1].stdout.strip().splitlines()[0]}")
    weigh(single, shards)


def weigh(site: Path, shards: list[Path]) -> None:
    """Files and bytes per record: the records' files (from the shards' manifests), and
    what spans records (the rest of the site)."""
    per_record: Counter[str] = Counter()
    per_record_files: Counter[str] = Counter()
    units: set[str] = set()
    for shard in shards:
        manifest: dict[str, Any] = json.loads((shard / "shard.json").read_text(encoding="utf-8"))
        for path, size, _sha, unit in manifest["files"]:
            if unit:
                units.add(unit)
                per_record[kind_of(path)] += size
                per_record_files[kind_of(path)] += 1
    total_files = total_bytes = 0
    for dirpath, _dirs, names in os.walk(site):
        for name in names:
            total_files += 1
            total_bytes += os.path.getsize(os.path.join(dirpath, name))
    records = len({u.split(":")[0] for u in units})
    rows = [["per record", "files", "bytes"]]
    for kind, size in per_record.most_common():
        rows.append([kind, f"{per_record_files[kind] / records:.2f}", f"{size / records:,.0f}"])
    record_files, record_bytes = sum(per_record_files.values()), sum(per_record.values())
    rows.append(["all of a record's files", f"{record_files / records:.2f}",
                 f"{record_bytes / records:,.0f}"])  # fmt: skip
    rows.append(["site-wide, per record", f"{(total_files - record_files) / records:.2f}",
                 f"{(total_bytes - record_bytes) / records:,.0f}"])  # fmt: skip
    rows.append(["whole site, per record", f"{total_files / records:.2f}",
                 f"{total_bytes / records:,.0f}"])  # fmt: skip
    print(f"\n{records:,} records: {total_files:,} files, {total_bytes / 1e6:,.1f} MB")
    print("\n".join(table(rows)))
    print(f"\nrecords in 1 GB at this weight: {GIB * records // total_bytes:,}")


if __name__ == "__main__":
    main()
