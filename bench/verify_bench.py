"""Benchmark ``pithgen verify`` against this machine's raw Ed25519 verify rate.

Mints N deterministic records signed with a fixed test key, writes them as one JSONL file
(or one .json file each), then times the real CLI

    pithgen verify --trust-key KEY --no-default-keys DIR

as a subprocess (it must exit 0), --repeat times. In the same run it times
cryptography's ``Ed25519PublicKey.verify`` over N 32-byte messages (what every record's
receipt costs at the very least), and reports pithgen's records/s as a fraction of it.
With --memory-check (default when 4N <= 40,000) it also runs the CLI over 4N records and
compares the peak RSS, to show whether memory grows with the number of records.

    python3 bench/verify_bench.py [--n 10000] [--repeat 5] [--layout jsonl|files]
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import (
    Run,
    bench_key,
    median,
    mint_records,
    pithgen_command,
    run_ok,
    table,
    write_public_key,
    write_records,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MEMORY_CHECK_LIMIT = 40_000  # --memory-check is on by default while 4N stays below this


@dataclass(frozen=True)
class Dataset:
    folder: Path
    records: int
    nbytes: int


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="records to mint (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument(
        "--layout",
        choices=("jsonl", "files"),
        default="jsonl",
        help="one JSONL file (default) or one .json file per record",
    )
    parser.add_argument(
        "--memory-check",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run over 4N records and compare peak RSS "
        f"(default: on when 4N <= {MEMORY_CHECK_LIMIT})",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the generated records here instead of a temp folder",
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")
    if args.workdir is not None and args.workdir.exists() and any(args.workdir.iterdir()):
        parser.error(f"--workdir {args.workdir} must be new or empty")
    if args.memory_check is None:
        args.memory_check = 4 * args.n <= MEMORY_CHECK_LIMIT
    return args


def prepare(
    workdir: Path, n: int, layout: str, memory_check: bool
) -> tuple[Path, Dataset, Dataset | None]:
    """Mint the records (4N when checking memory; the first N are the same records)."""
    key_path = write_public_key(workdir / "keys")
    started = time.perf_counter()
    docs = mint_records(4 * n if memory_check else n)
    print(f"minted {len(docs)} records in {time.perf_counter() - started:.1f} s", flush=True)
    small = Dataset(
        workdir / f"records-{n}", n, write_records(docs[:n], workdir / f"records-{n}", layout)
    )
    large = None
    if memory_check:
        folder = workdir / f"records-{4 * n}"
        large = Dataset(folder, 4 * n, write_records(docs, folder, layout))
    return key_path, small, large


def verify_command(key_path: Path, folder: Path) -> list[str]:
    return [
        *pithgen_command(),
        "verify",
        "--trust-key",
        str(key_path),
        "--no-default-keys",
        str(folder),
    ]


def time_verify(key_path: Path, data: Dataset, repeat: int) -> list[Run]:
    cmd = verify_command(key_path, data.folder)
    runs = []
    for i in range(repeat):
        run = run_ok(cmd)
        expected = f"{data.records} verified, 0 failed"
        if expected not in run.stdout:
            sys.exit(f"benchmark: expected '{expected}' in the output, found:\n{run.stdout}")
        print(
            f"  pithgen verify run {i + 1}/{repeat}: {run.seconds:.2f} s, "
            f"peak RSS {run.maxrss_kib / 1024:.1f} MiB",
            flush=True,
        )
        runs.append(run)
    return runs


def raw_ed25519_rates(n: int, repeat: int) -> tuple[list[float], list[float]]:
    """Verifies/s over n (signature, 32-byte message) pairs: with one loaded public key, and
    with the key parsed from raw bytes for every signature (as pithgen's TrustedKey does)."""
    key = bench_key()
    raw = key.public_raw
    messages = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n)]
    pairs = [(key.sign(m), m) for m in messages]
    public = Ed25519PublicKey.from_public_bytes(raw)
    loaded, parsed = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        for signature, message in pairs:
            public.verify(signature, message)
        loaded.append(n / (time.perf_counter() - started))
        started = time.perf_counter()
        for signature, message in pairs:
            Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
        parsed.append(n / (time.perf_counter() - started))
    return loaded, parsed


def startup_seconds(repeat: int) -> float:
    """Median wall time of ``pithgen --version``: interpreter start and imports."""
    return median([run_ok([*pithgen_command(), "--version"]).seconds for _ in range(repeat)])


def report(
    args: argparse.Namespace,
    data: Dataset,
    runs: list[Run],
    raw: list[float],
    raw_parsed: list[float],
    startup: float,
    large: tuple[Dataset, Run] | None,
) -> None:
    rates = [data.records / r.seconds for r in runs]
    secs = [r.seconds for r in runs]
    raw_med = median(raw)
    print()
    print(
        f"N = {data.records} records ({args.layout}, {data.nbytes / 1e6:.1f} MB), "
        f"{args.repeat} runs each; medians (this machine is noisy)"
    )
    rows = [
        ["measure", "median", "min", "max"],
        [
            "pithgen verify, records/s",
            f"{median(rates):,.0f}",
            f"{min(rates):,.0f}",
            f"{max(rates):,.0f}",
        ],
        ["pithgen verify, wall s", f"{median(secs):.2f}", f"{min(secs):.2f}", f"{max(secs):.2f}"],
        ["pithgen --version, wall s (start-up)", f"{startup:.2f}", "", ""],
        [
            "pithgen verify minus start-up, records/s",
            f"{data.records / max(median(secs) - startup, 1e-9):,.0f}",
            "",
            "",
        ],
        [
            "raw Ed25519 verify/s (key loaded once)",
            f"{raw_med:,.0f}",
            f"{min(raw):,.0f}",
            f"{max(raw):,.0f}",
        ],
        [
            "raw Ed25519 verify/s (key parsed each time)",
            f"{median(raw_parsed):,.0f}",
            f"{min(raw_parsed):,.0f}",
            f"{max(raw_parsed):,.0f}",
        ],
        ["ratio pithgen / raw Ed25519", f"{median(rates) / raw_med:.3f}", "", ""],
    ]
    for line in table(rows):
        print(line)
    rss_n = median([r.maxrss_kib for r in runs])
    print()
    print(f"peak RSS of pithgen verify at N = {data.records}: {rss_n / 1024:.1f} MiB")
    if large is not None:
        big, run = large
        growth = (run.maxrss_kib - rss_n) * 1024 / (big.records - data.records)
        print(
            f"peak RSS of pithgen verify at 4N = {big.records}: {run.maxrss_kib / 1024:.1f} MiB "
            f"({big.records / run.seconds:,.0f} records/s)"
        )
        print(
            f"growth: {growth:,.0f} bytes per additional record "
            f"({(run.maxrss_kib - rss_n) / 1024:+.1f} MiB for +{big.records - data.records})"
        )
    print()
    flags = [
        f"--n={args.n}",
        f"--repeat={args.repeat}",
        f"--layout={args.layout}",
        "--memory-check" if args.memory_check else "--no-memory-check",
    ]
    print("rerun: " + shlex.join(["python3", "bench/verify_bench.py", *flags]))
    print(
        "one run by hand: "
        + shlex.join(["pithgen", *verify_command(Path("KEY.json"), Path("DIR"))[-5:]])
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pithgen-verify-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        key_path, data, large_data = prepare(workdir, args.n, args.layout, args.memory_check)
        print(f"timing {shlex.join(verify_command(key_path, data.folder))}", flush=True)
        runs = time_verify(key_path, data, args.repeat)
        startup = startup_seconds(args.repeat)
        print(f"timing raw Ed25519 verify over {args.n} signatures", flush=True)
        raw, raw_parsed = raw_ed25519_rates(args.n, args.repeat)
        large = None
        if large_data is not None:
            print(f"memory check: one run over {large_data.records} records", flush=True)
            large = (large_data, time_verify(key_path, large_data, 1)[0])
        report(args, data, runs, raw, raw_parsed, startup, large)
    return 0


if __name__ == "__main__":
    sys.exit(main())
