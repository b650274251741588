"""Failures grouped by what caused them, so that a report says what to do.

A build whose records are signed by a key nobody passed to ``--trust-key`` fails every
document the same way; listing each one (two lines a document) buries the one thing to
fix. :func:`collect` reads the failed verdicts once and groups their problems by cause:

- ``untrusted_key``: the receipt names a key id that is not trusted (by key id);
- ``other_key``: the receipt names a trusted key id with another key's fingerprint (by
  key id): the key document trusted under that id is not the key that signed;
- ``check``: any other failed check (by check name).

Each cause gets one sentence with its count and what to do (for an untrusted key: the
``--trust-key`` file to pass, found beside the records when it is there). A document
with several problems counts once under each of its causes. Only :data:`LISTED` failed
documents are kept for per-document lines, those with a failed check of their own first
(a document that only an untrusted key fails adds nothing to its cause's line); the report
(``--json``, the site's verification pages) has them all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pithgen.config import BuildConfig
from pithgen.errors import PithgenError
from pithgen.keys import DEFAULT_KEY_ID, load_key_file
from pithgen.model import Source, Verdict
from pithgen.receipt import mismatched_key_id, untrusted_key_id

if TYPE_CHECKING:
    from pithgen.merge import MergeResult

#: Failed documents listed one by one in a terminal (and in a CI job summary).
LISTED = 20

CauseKind = Literal["untrusted_key", "other_key", "check"]
_ORDER: dict[str, int] = {"untrusted_key": 0, "other_key": 1, "check": 2}


def count(n: int, noun: str) -> str:
    """``1 document``, ``1,500 documents``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class KeyAdvice:
    """What advice about keys may name: where key documents may be (``KEY_ID.json``),
    paths shown relative to ``cwd``, whether the command reads ``[build] trust_keys``,
    and whether Pith's built-in key is trusted."""

    cwd: Path
    folders: tuple[Path, ...] = ()
    config_option: bool = True
    default_keys: bool = True

    @classmethod
    def for_build(cls, config: BuildConfig, cwd: Path) -> KeyAdvice:
        """Key folders a site is likely to have: ``keys/`` beside the configuration file,
        beside the records folder and in ``cwd``; then those folders themselves."""
        bases = [config.records.parent, cwd]
        if config.origin != "defaults":
            bases.insert(0, Path(config.origin).parent)
        folders = [b / "keys" for b in bases] + bases
        unique = tuple(dict.fromkeys(Path(os.path.abspath(f)) for f in folders))
        return cls(cwd, unique, True, config.default_keys)

    def key_file(self, key_id: str) -> str | None:
        """A public key document of ``key_id`` in one of the folders, shown relative to
        ``cwd`` when below it; None when there is none."""
        for folder in self.folders:
            path = folder / f"{key_id}.json"
            if not path.is_file():
                continue
            try:
                key = load_key_file(path)
            except PithgenError:  # a private key, or not a key document: never suggest it
                continue
            if key.key_id == key_id:
                try:
                    return str(path.relative_to(self.cwd.absolute()))
                except ValueError:
                    return str(path)
        return None


@dataclass(frozen=True)
class Cause:
    """One cause of failures: its kind, its subject (a key id or a check's name), how
    many documents it failed, the first of them, and the sentence to show."""

    kind: CauseKind
    subject: str
    count: int
    first: Source
    text: str


@dataclass(frozen=True)
class Failures:
    """The failed documents of a run: how many, grouped by cause (most frequent first),
    and :data:`LISTED` of them (those with a failed check of their own first, each group in
    input order)."""

    total: int
    causes: tuple[Cause, ...]
    listed: tuple[Verdict, ...]


def causes_of(verdict: Verdict) -> list[tuple[CauseKind, str]]:
    """The causes of a failed document's problems, each once, in the order found."""
    found: list[tuple[CauseKind, str]] = []
    for problem in verdict.problems:
        cause: tuple[CauseKind, str] = ("check", problem.check)
        if problem.check == "receipt_key" and (key := untrusted_key_id(problem.message)):
            cause = ("untrusted_key", key)
        elif problem.check == "receipt_fingerprint" and (key := mismatched_key_id(problem.message)):
            cause = ("other_key", key)
        if cause not in found:
            found.append(cause)
    return found


def _text(kind: CauseKind, subject: str, n: int, first: Source, advice: KeyAdvice) -> str:
    docs = count(n, "document")
    verb = "is" if n == 1 else "are"
    if kind == "untrusted_key" and subject == DEFAULT_KEY_ID and not advice.default_keys:
        return (
            f"{docs} {verb} signed by Pith's key `{subject}`, which --no-default-keys (or "
            "`default_keys = false` in pithgen.toml) leaves untrusted: drop it to trust them"
        )
    if kind == "untrusted_key":
        path = advice.key_file(subject)
        flag = (
            f"`--trust-key {path}`"
            if path
            else f"`--trust-key FILE`, FILE the public key document of `{subject}` "
            f"(`{subject}.json`, as `pithgen keys generate` writes it)"
        )
        config = " or add it to `[build] trust_keys` in pithgen.toml"
        if not advice.config_option:
            config = ""
        return f"{docs} {verb} signed by key `{subject}`, which is not trusted: pass {flag}{config}"
    if kind == "other_key":
        return (
            f"{docs} name{'s' if n == 1 else ''} key `{subject}` with another key's fingerprint: "
            f"the key document trusted as `{subject}` is not the key that signed them; trust "
            "the right one"
        )
    return f"{docs} fail{'s' if n == 1 else ''} the `{subject}` check (the first: {first})"


def collect(result: MergeResult, advice: KeyAdvice, listed: int = LISTED) -> Failures:
    """The failed documents of ``result`` grouped by cause (one pass over them)."""
    counts: dict[tuple[CauseKind, str], int] = {}
    firsts: dict[tuple[CauseKind, str], Source] = {}
    # Listed first: documents with a problem of their own (a check), then those that only
    # a key explains (the cause's line already says all there is to say about them).
    own: list[Verdict] = []
    key_only: list[Verdict] = []
    total = 0
    for verdict in result.iter_verdicts(failed_first=True):
        if verdict.ok:
            break
        total += 1
        found = causes_of(verdict)
        kept = own if any(kind == "check" for kind, _ in found) else key_only
        if len(kept) < listed:
            kept.append(verdict)
        for cause in found:
            counts[cause] = counts.get(cause, 0) + 1
            firsts.setdefault(cause, verdict.source)
    ranked = sorted(counts, key=lambda c: (-counts[c], _ORDER[c[0]], c[1]))
    causes = tuple(
        Cause(kind, subject, counts[(kind, subject)], firsts[(kind, subject)],
              _text(kind, subject, counts[(kind, subject)], firsts[(kind, subject)], advice))
        for kind, subject in ranked
    )  # fmt: skip
    return Failures(total, causes, tuple((own + key_only)[:listed]))


def failure_lines(failures: Failures, where_all: str) -> Iterator[str]:
    """A block per listed failed document, then how many more there are and
    ``where_all`` (where the full list is)."""
    for verdict in failures.listed:
        name = f" ({verdict.pith_number})" if verdict.pith_number else ""
        yield f"FAILED {verdict.source}{name}"
        for problem in verdict.problems:
            yield f"  {problem.check}: {problem.message}"
    more = failures.total - len(failures.listed)
    if more:
        yield f"… and {count(more, 'more failed document')}: {where_all}"


def cause_lines(failures: Failures) -> Iterator[str]:
    """``Causes:`` and a line per cause (nothing without failures)."""
    if failures.causes:
        yield "Causes:"
        for cause in failures.causes:
            yield f"  - {cause.text}"
