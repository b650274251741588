"""The search index at scale: files and bytes under ``search/`` per 10,000 records, and
what one query loads.

Runs pithgen's own index stage (``SiteIndex`` and ``search_files``, what ``pithgen build``
writes under ``search/``) on two corpora of N records each:

- ``bench``: the records of build_bench.py (``make_paper``, minted and read back exactly
  as a build reads them: ``Summary.of``, ``abstract_text``, ``index_tokens``); a small
  vocabulary (36 words), so few distinct tokens and long posting lists;
- ``zipf``: a realistic vocabulary: 60,000 pseudo-words drawn by Zipf's law (s = 1) for
  titles (10 words) and abstracts (150 words, about 110 distinct, like arXiv's), 20,000
  surnames, 1 to 6 authors, a fifth of the papers in two versions and one in twenty in
  three (one search document per paper).

For each it reports the files and bytes of ``search/`` (token shards, document blocks),
per 10,000 records, the same without abstracts (what abstracts cost), the number of token
shards and split keys, the largest token shard, and for one-word queries (whole words and
3-character prefixes, drawn from the index's tokens by how often they occur) the shards
and bytes a search loads before it shows results (meta, token shards, document blocks of
the first page of 20 results), the token shards also on their own.

    python3 bench/search_bench.py [--n 10000] [--corpus bench --corpus zipf]
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from _common import SIGNED_AT, bench_key, make_paper, median, table

from pithgen import search
from pithgen.canonical import suffix_for
from pithgen.index import DOC_BLOCK, SiteIndex
from pithgen.listing import Summary
from pithgen.mint import mint_record
from pithgen.model import RecordDocument
from pithgen.search import abstract_text, index_tokens
from pithgen.searchshards import search_files

RESULTS_SHOWN = 20  # assets/pithgen.js: results a page shows
Records = list[tuple[Summary, str, str]]  # summary, full authors, abstract


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="records (default 10000)")
    parser.add_argument(
        "--corpus", action="append", choices=("bench", "zipf"), help="default: both"
    )
    parser.add_argument("--queries", type=int, default=300, help="sampled one-word queries")
    args = parser.parse_args(argv)
    args.corpus = args.corpus or ["bench", "zipf"]
    return args


def bench_corpus(n: int) -> Records:
    """build_bench.py's records, read back the way a build reads them."""
    key = bench_key()
    out = []
    for i in range(n):
        doc = RecordDocument.from_dict(mint_record(make_paper(i), key, signed_at=SIGNED_AT))
        summary, authors = Summary.of(doc)
        out.append((summary, authors, abstract_text(doc.paper)))
    return out


def _pseudo_words(rnd: random.Random, count: int) -> list[str]:
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"] + ["tion", "ing", "al"]
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen.setdefault("".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 4))), None)
    return list(seen)


def zipf_corpus(n: int) -> Records:
    """Papers with a Zipf vocabulary, some in several versions (module docstring)."""
    rnd = random.Random(2026)
    words = _pseudo_words(rnd, 60_000)
    cumulative = list(accumulate(1 / rank for rank in range(1, len(words) + 1)))
    total = cumulative[-1]

    def draw(k: int) -> list[str]:
        return [words[bisect.bisect(cumulative, rnd.random() * total)] for _ in range(k)]

    surnames = [w.capitalize() for w in _pseudo_words(random.Random(7), 20_000)]
    cats = ["cs.LG", "cs.CV", "math.PR", "hep-th", "astro-ph.GA", "quant-ph", "stat.ML"]
    out: Records = []
    paper = 0
    while len(out) < n:
        paper += 1
        arxiv = f"{15 + paper // 200_000:02d}{1 + paper // 20_000 % 12:02d}.{paper % 100_000:05d}"
        title = " ".join(draw(10)).capitalize()
        abstract = " ".join(draw(150)) + "."
        authors = ", ".join(
            f"{chr(65 + rnd.randrange(26))}. {rnd.choice(surnames)}"
            for _ in range(rnd.randint(1, 6))
        )
        primary = rnd.choice(cats)
        cross = tuple(sorted(set(rnd.sample(cats, rnd.randint(0, 2))) - {primary}))
        roll = rnd.random()
        for version in range(1, 2 + (roll < 0.25) + (roll < 0.05)):
            if len(out) == n:
                break
            digest = hashlib.sha256(f"{arxiv}v{version}".encode()).hexdigest()
            suffix = suffix_for(digest)
            submitted = f"20{arxiv[:2]}-{arxiv[2:4]}-01T00:00:00Z"
            if version > 1:
                title = title + " " + draw(1)[0]
            s = Summary(suffix, f"pith:20{arxiv[:2]}:{suffix}", title[:300], authors[:300],
                        arxiv, version, submitted, primary, cross)  # fmt: skip
            out.append((s, authors, abstract))
    return out


def build(records: Records, abstracts: bool) -> tuple[dict[str, bytes], float]:
    """The ``search/`` files of ``records`` and the seconds the index stage took."""
    started = time.perf_counter()
    with SiteIndex() as index:
        batch = []
        for s, authors, abstract in records:
            batch.append((s, index_tokens(s, authors, abstract if abstracts else "")))
            if len(batch) == 512:
                index.add_many(batch)
                batch = []
        index.add_many(batch)
        index.finish()
        files = dict(search_files(index))
    return files, time.perf_counter() - started


def shard_data(files: dict[str, bytes]) -> dict[str, Any]:
    out = {}
    for data in files.values():
        text = data.decode("ascii")
        name, _, payload = text[len("pithgenShard(") : -3].partition(", ")
        out[json.loads(name)] = json.loads(payload)
    return out


def query_loads(
    files: dict[str, bytes], shards: dict[str, Any], queries: list[str]
) -> Iterator[tuple[int, int, int]]:
    """(token shards, all shards, bytes) a query loads, up to its first page of results."""
    for q in queries:
        loaded: dict[str, None] = {}

        def read(name: str, loaded: dict[str, None] = loaded) -> Any:
            loaded.setdefault(name, None)
            return shards.get(name)

        _, ranked = search.rank(q, read)
        block = shards["search/meta"]["doc_block"]
        for docid, _ in ranked[:RESULTS_SHOWN]:
            loaded.setdefault(f"search/d/{docid // block}", None)
        tokens = sum(1 for name in loaded if name.startswith("search/t/"))
        yield tokens, len(loaded), sum(len(files.get(f"{name}.js", b"")) for name in loaded)


def sample_queries(records: Records, count: int) -> tuple[list[str], list[str]]:
    """Whole words and 3-character prefixes, drawn from the records' title and abstract
    words by how often they occur (a reader types common words more often)."""
    rnd = random.Random(1)
    pool = []
    for s, _, abstract in rnd.sample(records, min(len(records), 2000)):
        pool.extend(w for w in search.query_tokens(f"{s.title} {abstract}") if len(w) >= 3)
    whole = [rnd.choice(pool) for _ in range(count)]
    return whole, [w[:3] for w in whole]


def report(name: str, records: Records, count: int) -> list[list[str]]:
    per = 10_000 / len(records)
    files, seconds = build(records, abstracts=True)
    plain, _ = build(records, abstracts=False)
    shards = shard_data(files)
    meta = shards["search/meta"]
    tokens = {p: d for p, d in files.items() if p.startswith("search/t/")}
    blocks = {p: d for p, d in files.items() if p.startswith("search/d/")}
    splits = sum(len(d.get("s", {})) for n, d in shards.items() if n.startswith("search/t/"))
    whole, prefixes = sample_queries(records, count)
    rows = []
    for label, queries in (("whole word", whole), ("3-char prefix", prefixes)):
        loads = list(query_loads(files, shards, queries))
        token_loads, counts = [t for t, _, _ in loads], [n for _, n, _ in loads]
        sizes = [b / 1e3 for _, _, b in loads]
        rows.append([
            f"{name}: {label}", f"{median(token_loads):.0f}", f"{max(token_loads)}",
            f"{median(counts):.0f}", f"{max(counts)}",
            f"{median(sizes):,.0f}", f"{max(sizes):,.0f}",
        ])  # fmt: skip
    total = sum(map(len, files.values()))
    print(
        f"\n{name}: {len(records):,} records, {meta['docs']:,} papers, {meta['tokens']:,} "
        f"distinct tokens; index stage {seconds:.1f} s"
    )
    print(
        f"  search/: {len(files):,} files, {total:,} bytes "
        f"(token shards {len(tokens):,} files {sum(map(len, tokens.values())) / 1e6:.2f} MB, "
        f"document blocks {len(blocks):,} files {sum(map(len, blocks.values())) / 1e6:.2f} MB)"
    )
    print(
        f"  per 10,000 records: {len(files) * per:,.0f} files, {total * per / 1e6:.2f} MB; "
        f"without abstracts {len(plain) * per:,.0f} files, "
        f"{sum(map(len, plain.values())) * per / 1e6:.2f} MB"
    )
    largest = max(map(len, tokens.values())) / 1e3
    print(
        f"  {meta['token_shards']} token shards (largest {largest:,.0f} kB), {splits:,} split "
        f"keys, {DOC_BLOCK} papers a document block"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = [[
        "one-word queries", "token shards (median)", "max", "all shards (median)", "max",
        "kB loaded (median)", "max kB",
    ]]  # fmt: skip
    for name in args.corpus:
        started = time.perf_counter()
        records = bench_corpus(args.n) if name == "bench" else zipf_corpus(args.n)
        print(
            f"{name}: {args.n:,} records made in {time.perf_counter() - started:.1f} s", flush=True
        )
        rows.extend(report(name, records, args.queries))
    print()
    for line in table(rows):
        print(line)
    flags = [f"--n={args.n}", *(f"--corpus={c}" for c in args.corpus), f"--queries={args.queries}"]
    print("\nrerun: python3 bench/search_bench.py " + " ".join(flags))
    return 0


if __name__ == "__main__":
    sys.exit(main())
