"""pithgen at a million records, run once: does the cost per record stay flat?

Issue 8's target: a full build of 1,000,000 records costs at most 1.2x per record what a
full build of 100,000 costs, on the same machine in the same run. For each N (default
100,000 then 1,000,000) this script mints N deterministic records (the same records as
``scale_bench.py``'s corpus of that size: record ``i`` is ``make_paper(i)``), streamed and
spread over the cores (no list of a million documents is held), then times

- ``full``: ``pithgen build`` into an empty folder with an empty build cache;
- ``noop``: ``pithgen build`` again, nothing changed (every input is read and hashed);

and prints wall seconds, milliseconds per record, peak RSS, files and bytes per record on
disk, and the ratio of the per-record costs against the first N.

Hugo is not run here: at 100,000 records it peaks near 8 GB (see ``scale_bench.py``), so a
million would need about ten times that, more than this machine has. The site takes about
14 inodes per record (9 files, 5 folders) and, on ext4 with 4 KiB blocks, about 82 KB of
disk per record (34 KiB of file contents): a million records need some 16 million free
inodes (``df -i``) and about 90 GB with the corpus and the build's work files. Run
``--n 1000000`` only where that much is free; ``--n 500000`` needs about half.

    python3 bench/million_bench.py --workdir /work/m1 [--n 100000 --n 1000000]

Each site is deleted once measured (only one is on disk at a time); the corpora are kept.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from _common import (
    SIGNED_AT,
    bench_key,
    files_in,
    make_paper,
    table,
    write_public_key,
)
from scale_bench import clear, pithgen_build

from pithgen.canonical import suffix_for
from pithgen.mint import mint_record

CHUNK = 5_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="records (repeatable)")
    parser.add_argument("--jobs", type=int, default=None, help="pithgen --jobs (default: all)")
    parser.add_argument("--workdir", type=Path, required=True, help="corpora and sites live here")
    args = parser.parse_args(argv)
    args.n = args.n or [100_000, 1_000_000]
    if any(n < 1 for n in args.n):
        parser.error("--n must be at least 1")
    return args


def _mint_chunk(job: tuple[str, int, int]) -> int:
    """Mint records ``start`` to ``stop - 1`` into ``records`` (one file each)."""
    records, start, stop = Path(job[0]), job[1], job[2]
    key = bench_key()
    for i in range(start, stop):
        doc = mint_record(make_paper(i), key, signed_at=SIGNED_AT)
        name = suffix_for(doc["canonical_sha256"])
        folder = records / name[:2]
        folder.mkdir(exist_ok=True)
        data = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        (folder / f"{name}.json").write_text(data, encoding="utf-8")
    return stop - start


def corpus(workdir: Path, n: int) -> tuple[Path, Path]:
    """``corpus-N/records`` (one .json file per record, as scale_bench.py lays it out) and
    the bench key; minted once and reused."""
    root = workdir / f"corpus-{n}"
    records, key = root / "records", root / "keys" / "bench-key-1.json"
    if (root / "done").exists():
        return records, key
    shutil.rmtree(root, ignore_errors=True)
    records.mkdir(parents=True)
    write_public_key(root / "keys")
    started = time.perf_counter()
    jobs = [(str(records), s, min(s + CHUNK, n)) for s in range(0, n, CHUNK)]
    done = 0
    with multiprocessing.get_context("fork").Pool() as pool:
        for count in pool.imap_unordered(_mint_chunk, jobs):
            done += count
            if done % 100_000 < CHUNK:
                print(f"  minted {done:,} of {n:,}", flush=True)
    (root / "done").write_text("ok")
    print(f"minted {n:,} records in {time.perf_counter() - started:.0f} s", flush=True)
    return records, key


def measure(args: argparse.Namespace, n: int) -> dict[str, float]:
    records, key = corpus(args.workdir, n)
    site, cache = args.workdir / f"site-{n}", args.workdir / f"cache-{n}"
    clear(site, cache)
    full = pithgen_build(records, key, site, cache, args.jobs)
    print(f"  N={n:,}: full {full.seconds:.1f} s", flush=True)
    noop = pithgen_build(records, key, site, cache, args.jobs)
    print(f"  N={n:,}: noop {noop.seconds:.2f} s", flush=True)
    files, _html, nbytes = files_in(site)
    inodes = sum(1 + len(names) for _, _, names in os.walk(site))
    cache_bytes = sum(
        os.path.getsize(os.path.join(d, f)) for d, _, names in os.walk(cache) for f in names
    )
    clear(site, cache)
    return {
        "n": n,
        "full": full.seconds,
        "full_cpu": full.user_s + full.sys_s,
        "noop": noop.seconds,
        "rss": full.maxrss_kib / 1024,
        "noop_rss": noop.maxrss_kib / 1024,
        "files": files / n,
        "inodes": inodes / n,
        "kib": nbytes / n / 1024,
        "cache_kib": cache_bytes / n / 1024,
    }


def report(rows: list[dict[str, float]], args: argparse.Namespace) -> None:
    base = rows[0]
    lines = [["N", "full s", "ms/record", "ratio", "CPU s", "noop s", "noop us/rec",
              "RSS MiB", "files/rec", "inodes/rec", "KiB/rec", "cache KiB/rec"]]  # fmt: skip
    for row in rows:
        per = row["full"] / row["n"] * 1000
        ratio = per / (base["full"] / base["n"] * 1000)
        lines.append([
            f"{int(row['n']):,}", f"{row['full']:.1f}", f"{per:.3f}", f"{ratio:.2f}",
            f"{row['full_cpu']:.0f}", f"{row['noop']:.2f}",
            f"{row['noop'] / row['n'] * 1e6:.1f}", f"{row['rss']:.0f}",
            f"{row['files']:.2f}", f"{row['inodes']:.2f}", f"{row['kib']:.1f}",
            f"{row['cache_kib']:.2f}",
        ])  # fmt: skip
    print()
    for line in table(lines):
        print(line)
    print(f"\nratio: ms per record against N={int(base['n']):,} (target for 1M: <= 1.2)")
    flags = [f"--n={n}" for n in args.n] + [f"--workdir={args.workdir}"]
    flags += [f"--jobs={args.jobs}"] if args.jobs is not None else []
    print("rerun: " + shlex.join(["python3", "bench/million_bench.py", *flags]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = [measure(args, n) for n in args.n]
    report(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
