"""Shared helpers for the benchmarks: deterministic test records, a measured subprocess
runner (wall time and peak RSS of the child alone), and small statistics/table helpers.

Not part of pithgen: the benchmarks only use its public minting API and its real CLI.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pithgen.canonical import suffix_for
from pithgen.keys import SigningKey, write_key_pair
from pithgen.mint import Paper, mint_record

BENCH_KEY_ID = "bench-key-1"
BENCH_SEED = bytes(range(100, 132))  # fixed: every run mints byte-identical records
SIGNED_AT = "2026-11-23T12:00:00Z"
CATEGORIES = (
    "cs.LG",
    "cs.CV",
    "cs.CL",
    "cs.CR",
    "cs.DS",
    "stat.ML",
    "math.CO",
    "math.PR",
    "hep-th",
    "astro-ph.GA",
    "quant-ph",
    "cond-mat.stat-mech",
    "q-bio.NC",
    "econ.EM",
)
WORDS = (
    "model",
    "learning",
    "graph",
    "quantum",
    "bound",
    "optimal",
    "random",
    "network",
    "estimation",
    "spectral",
    "convex",
    "stochastic",
    "theorem",
    "sparse",
    "robust",
    "inference",
    "dynamics",
    "entropy",
    "kernel",
    "manifold",
    "Schrödinger",
    "Gröbner",
    "lattice",
    "transformer",
    "causal",
    "privacy",
    "adversarial",
    "diffusion",
    "field",
    "operator",
    "symmetry",
    "regularity",
    "approximation",
    "sampling",
    "energy",
    "flow",
)
SURNAMES = (
    "Chen",
    "Müller",
    "Okafor",
    "Rossi",
    "Nakamura",
    "García",
    "Kowalski",
    "Singh",
    "Dubois",
    "Andersson",
    "Haddad",
    "Ivanova",
    "O'Brien",
    "Nguyen",
    "Silva",
    "Park",
)

# Runs one command and reports its wall time and peak RSS as JSON on stdout. It runs in a
# fresh, small interpreter so that RUSAGE_CHILDREN covers exactly one child: the command.
# (ru_maxrss of a child also counts the pre-exec image of whoever forked it, so the large
# benchmark process must not fork the measured command itself.)
_WRAPPER = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"seconds": seconds, "maxrss_kib": usage.ru_maxrss, "returncode": proc.returncode,
           "user": usage.ru_utime, "sys": usage.ru_stime,
           "stdout": proc.stdout.decode("utf-8", "replace")[-4000:],
           "stderr": proc.stderr.decode("utf-8", "replace")[-4000:]}, sys.stdout)
"""


@dataclass(frozen=True)
class Run:
    """One measured run of a command."""

    seconds: float
    maxrss_kib: int
    returncode: int
    stdout: str
    stderr: str
    user_s: float  # CPU seconds of the child, user and system
    sys_s: float


def run_measured(cmd: Sequence[str], cwd: Path | None = None) -> Run:
    """Run ``cmd`` through the wrapper; the time excludes the wrapper's own start-up."""
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cmd],
        cwd=cwd,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    data = json.loads(proc.stdout)
    return Run(
        data["seconds"], data["maxrss_kib"], data["returncode"], data["stdout"], data["stderr"],
        data["user"], data["sys"],
    )  # fmt: skip


def run_ok(cmd: Sequence[str], cwd: Path | None = None) -> Run:
    """:func:`run_measured`, but exit with the command's output if it did not exit 0."""
    run = run_measured(cmd, cwd)
    if run.returncode != 0:
        sys.exit(
            f"benchmark: command failed with exit code {run.returncode}: "
            f"{shlex.join(cmd)}\n{run.stdout}\n{run.stderr}"
        )
    return run


def pithgen_command() -> list[str]:
    """``python -m pithgen`` with this interpreter: the pithgen on ``PYTHONPATH`` (a fixed
    checkout, say, while another is being edited), else the installed one."""
    return [sys.executable, "-m", "pithgen"]


# --- deterministic records ---------------------------------------------------------------


def bench_key() -> SigningKey:
    return SigningKey.from_seed(BENCH_KEY_ID, BENCH_SEED)


def write_public_key(folder: Path) -> Path:
    """Write the bench key pair into ``folder``; returns the public key document."""
    _private, public = write_key_pair(bench_key(), folder, signer_id="pithgen-bench")
    return public


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_paper(i: int) -> Paper:
    """Paper number ``i``: unique arXiv id, realistic field sizes (abstract ~1 kB)."""
    rng = random.Random(i)
    month_index = i // 90_000
    yy, mm = 15 + month_index // 12, month_index % 12 + 1
    arxiv_id = f"{yy:02d}{mm:02d}.{10_000 + i % 90_000:05d}"
    primary = rng.choice(CATEGORIES)
    cross = tuple(rng.sample(CATEGORIES, rng.randint(0, 3)))
    sentences = [_words(rng, rng.randint(12, 22)).capitalize() + "." for _ in range(8)]
    authors = ", ".join(
        f"{chr(65 + rng.randrange(26))}. {rng.choice(SURNAMES)}" for _ in range(rng.randint(1, 6))
    )
    day, hh, mi, ss = rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    return Paper(
        arxiv_id=arxiv_id,
        version=1 + (rng.random() < 0.2),
        title=_words(rng, rng.randint(6, 12)).capitalize(),
        abstract="  ".join(sentences),
        submitted_at=f"20{yy:02d}-{mm:02d}-{day:02d}T{hh:02d}:{mi:02d}:{ss:02d}Z",
        primary_cat=primary,
        cross_cats=cross,
        authors=authors,
        license="http://creativecommons.org/licenses/by/4.0/",
    )


def mint_records(n: int) -> list[dict[str, Any]]:
    """``n`` signed record documents (byte-identical on every run)."""
    key = bench_key()
    return [mint_record(make_paper(i), key, signed_at=SIGNED_AT) for i in range(n)]


def record_line(doc: dict[str, Any]) -> str:
    """A record as one JSONL line, exactly as ``pithgen mint --from-json`` writes it."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def write_records(docs: Sequence[dict[str, Any]], folder: Path, layout: str) -> int:
    """Write ``docs`` into ``folder`` as one ``records.jsonl`` or one ``.json`` file each.

    Returns the number of bytes written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if layout == "jsonl":
        data = "".join(record_line(d) + "\n" for d in docs).encode("utf-8")
        (folder / "records.jsonl").write_bytes(data)
        return len(data)
    total = 0
    for doc in docs:
        data = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        (folder / f"{suffix_for(doc['canonical_sha256'])}.json").write_bytes(data)
        total += len(data)
    return total


# --- reporting -----------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def table(rows: Sequence[Sequence[str]]) -> Iterator[str]:
    """Rows of cells as aligned text; the first row is the header."""
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    for n, row in enumerate(rows):
        yield "  ".join(
            cell.rjust(w) if c else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        if n == 0:
            yield "  ".join("-" * w for w in widths)


def files_in(folder: Path) -> tuple[int, int, int]:
    """(files, HTML files, bytes) under ``folder``."""
    files = html = size = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            files += 1
            html += name.endswith(".html")
            size += os.path.getsize(os.path.join(dirpath, name))
    return files, html, size


def rerun_command(argv: Sequence[str]) -> str:
    return shlex.join([Path(sys.executable).name, *argv])
