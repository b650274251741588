"""GitHub Actions: failures as error annotations, and a Markdown job summary.

Under GitHub Actions (``GITHUB_ACTIONS=true``) ``build`` and ``verify`` also print
workflow commands, ``::error file=records/x.jsonl,line=3,title=…::message``, which GitHub
shows on the run's page and beside the file in a pull request: one per cause of failure
first (:mod:`pithgen.causes`), then one per failed document not explained by a key cause,
:data:`ANNOTATIONS` in all (GitHub shows at most 10 errors a step). They go to stderr
(the runner reads workflow commands from both streams, and stdout may carry ``--json``).
Values are escaped by the workflow-command rules: ``%``, CR and LF in the message, and
also ``:`` and ``,`` in a property, so no record text can end a command early or start
another one (a document's text is untrusted).

With ``GITHUB_STEP_SUMMARY`` set, a Markdown summary is appended to that file: the counts,
the causes, the first failed documents (in a fenced block, so that nothing from a record
is read as Markdown or HTML) and where the full report is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from pithgen.causes import Failures, causes_of, count
from pithgen.model import Source

ANNOTATIONS = 10


def active(env: Mapping[str, str]) -> bool:
    """Whether this runs as a GitHub Actions step."""
    return env.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def error_command(
    message: str, *, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
    """``::error file=…,line=…,title=…::message``, every value escaped."""
    props = []
    if file is not None:
        props.append(f"file={escape_property(file)}")
    if line is not None:
        props.append(f"line={line}")
    if title is not None:
        props.append(f"title={escape_property(title)}")
    head = "error " + ",".join(props) if props else "error"
    return f"::{head}::{escape_data(message)}"


def annotation_file(source: Source, base: Path | None, workspace: Path) -> str:
    """The document's file as GitHub names it: relative to the workspace (the checkout)
    when below it, with ``/``; ``base`` is the folder report paths are relative to."""
    path = Path(os.path.abspath((base or Path()) / source.path))
    try:
        return path.relative_to(os.path.abspath(workspace)).as_posix()
    except ValueError:
        return path.as_posix()


def annotation_lines(
    failures: Failures, base: Path | None, workspace: Path, limit: int = ANNOTATIONS
) -> list[str]:
    """The error commands for ``failures``: causes first, then failed documents that a
    key cause does not explain already, at most ``limit``."""
    out = []
    for cause in failures.causes:
        out.append(
            error_command(
                cause.text.replace("`", ""),
                file=annotation_file(cause.first, base, workspace),
                line=cause.first.line,
                title=f"pithgen: {count(cause.count, 'document')} failed ({cause.subject})",
            )
        )
    for verdict in failures.listed:
        if all(kind != "check" for kind, _ in causes_of(verdict)):
            continue
        message = "; ".join(f"{p.check}: {p.message}" for p in verdict.problems)
        out.append(
            error_command(
                message,
                file=annotation_file(verdict.source, base, workspace),
                line=verdict.source.line,
                title=f"pithgen: {verdict.source} failed verification",
            )
        )
    return out[:limit]


_MD_SPECIAL = re.compile(r"([\\*_\[\]#|~!])")


def markdown_text(text: str) -> str:
    """Text for a Markdown paragraph: outside `code spans`, HTML and Markdown
    punctuation are escaped; code spans are kept (they hold key ids and options)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans at all
        parts = [text.replace("`", "'")]
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(f"`{part}`")
        else:
            part = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(_MD_SPECIAL.sub(r"\\\1", part))
    return "".join(out)


def fenced(lines: list[str]) -> Iterator[str]:
    """``lines`` in a fenced code block whose fence no line can close."""
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    yield fence + "text"
    yield from lines
    yield fence


def job_summary(
    heading: str,
    counts: Mapping[str, int],
    failures: Failures | None,
    notes: list[str],
) -> str:
    """The Markdown for ``$GITHUB_STEP_SUMMARY``."""
    lines = [f"### {markdown_text(heading)}", ""]
    lines += [
        "| input documents | verified | failed | warnings | records published |",
        "| ---: | ---: | ---: | ---: | ---: |",
        "| " + " | ".join(f"{counts.get(k, 0):,}" for k in
                          ("total", "verified", "failed", "warnings", "published")) + " |",
        "",
    ]  # fmt: skip
    if failures is not None and failures.total:
        lines += ["**Causes**", ""]
        lines += [f"- {markdown_text(cause.text)}" for cause in failures.causes]
        shown = len(failures.listed)
        lines += [
            "",
            f"<details><summary>Failed documents (the first {shown:,} of "
            f"{failures.total:,})</summary>",
            "",
        ]
        block = []
        for verdict in failures.listed:
            name = f" ({verdict.pith_number})" if verdict.pith_number else ""
            block.append(f"FAILED {verdict.source}{name}")
            block += [f"  {p.check}: {p.message}" for p in verdict.problems]
        lines += [*fenced(block), "", "</details>", ""]
    lines += [markdown_text(note) for note in notes]
    return "\n".join(lines) + "\n"


def write_summary(env: Mapping[str, str], text: str, err: TextIO) -> None:
    """Append ``text`` to ``$GITHUB_STEP_SUMMARY`` when set; a file that cannot be written
    is a warning (the build's own result stands)."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as summary:
            summary.write(text)
    except OSError as exc:
        err.write(f"pithgen: warning: cannot write the job summary to {target}: {exc}\n")


def emit(
    env: Mapping[str, str],
    err: TextIO,
    *,
    heading: str,
    counts: Mapping[str, int],
    failures: Failures | None,
    base: Path | None,
    notes: list[str],
) -> None:
    """Under GitHub Actions: the annotations (on ``err``) and the job summary; nothing
    otherwise. ``base``: the folder the documents' report paths are relative to."""
    if not active(env):
        return
    workspace = Path(env.get("GITHUB_WORKSPACE") or os.getcwd())
    if failures is not None:
        for line in annotation_lines(failures, base, workspace):
            err.write(line + "\n")
        err.flush()
    write_summary(env, job_summary(heading, counts, failures, notes), err)
