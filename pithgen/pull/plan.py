"""From identifiers to what to fetch: one :class:`Task` per Pith suffix.

Every form people paste (spec section 3, :func:`pithgen.identifiers.parse_query`) is
accepted; anything else is a usage error before anything is fetched.

- A full Pith Number (``pith:2018:4FP6…``), a 26-character suffix or a URL holding one:
  fetched directly by the source's patterns. A full number's year must match too.
- A shorter suffix prefix (``pith:4FP6Z27B``, a bare 8/12/16-character one) and an arXiv
  id or DOI: looked up in the source's resolve index (:mod:`pithgen.pull.resolve`). A
  prefix must name exactly one record; an arXiv id without a version means every version
  the index lists. A source without an index (Pith itself publishes no machine-readable
  resolver) cannot resolve them: each is reported as not found, with the advice to give
  the full Pith Number.
- ``--all``: every record the source's resolve index lists.

Whatever the index says is a hint. Each task carries what was asked (:class:`Asked`), and
the record fetched must match all of it (:func:`pithgen.pull.admit.identity_problems`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pithgen.errors import PithgenError, UsageError
from pithgen.identifiers import WHITESPACE, Query, parse_query
from pithgen.pull.resolve import Hit, ResolveIndex

_YEAR = re.compile(r"(?i)pith:([0-9]{4}):")
ALL = "--all"


@dataclass(frozen=True)
class Asked:
    """What one identifier asked of the record fetched for it."""

    identifier: str
    pith_number: str | None = None
    prefix: str | None = None
    arxiv_id: str | None = None
    version: int | None = None


@dataclass
class Task:
    """One suffix to fetch (its record JSON and its bundle), and who asked for it."""

    suffix: str
    asked: list[Asked] = field(default_factory=list)

    @property
    def identifiers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.identifier for a in self.asked))


@dataclass(frozen=True)
class Unresolved:
    """An identifier that leads to nothing to fetch; ``status`` is ``not_found`` (the
    source does not have it, or cannot say) or ``error`` (the index could not be read)."""

    identifier: str
    status: str
    reason: str


@dataclass
class Plan:
    tasks: list[Task] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    _by_suffix: dict[str, Task] = field(default_factory=dict, repr=False)

    def add(self, suffix: str, asked: Asked) -> None:
        task = self._by_suffix.get(suffix)
        if task is None:
            task = self._by_suffix[suffix] = Task(suffix)
            self.tasks.append(task)
        task.asked.append(asked)


def parse_identifiers(given: Iterable[str]) -> list[tuple[str, Query]]:
    """Every identifier parsed; a usage error listing those that are none."""
    parsed: list[tuple[str, Query]] = []
    bad: list[tuple[str, Query]] = []
    for raw in given:
        text = raw.strip(WHITESPACE)
        query = parse_query(text)
        (bad if query.kind == "none" else parsed).append((text, query))
    if bad:
        shown = ", ".join(repr(text[:80]) for text, _ in bad[:10])
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise UsageError(
            f"not a Pith Number, arXiv id or arXiv DOI: {shown}{more} (accepted: "
            "pith:YYYY:SUFFIX, pith:SHORT, a suffix, arXiv:ID[vN], 10.48550/arXiv.ID, "
            "an arxiv.org, doi.org or Pith URL)"
        )
    return parsed


def read_identifier_file(text: str) -> list[str]:
    """``--from-file``: one identifier a line; blank lines and ``#`` comments skipped."""
    lines = (line.split("#", 1)[0].strip(WHITESPACE) for line in text.splitlines())
    return [line for line in lines if line]


def make_plan(
    identifiers: Iterable[tuple[str, Query]],
    want_all: bool,
    index: Callable[[], ResolveIndex | None],
) -> Plan:
    """The tasks for ``identifiers`` (and ``--all``); ``index`` opens the source's resolve
    index (``None``: it has none) and is called only when one is needed."""
    plan = Plan()
    if want_all:
        found = index()
        if found is None:
            raise PithgenError(
                "--all walks the source's resolve index (resolve/meta.json of a pithgen "
                "site), and this source has none; name the records to pull instead"
            )
        for hit in found.every():
            plan.add(hit.suffix, Asked(ALL, prefix=hit.suffix))
    for text, query in identifiers:
        if query.kind == "pith" and not query.prefix:
            year = _YEAR.match(text)
            number = f"pith:{year.group(1)}:{query.value}" if year else None
            plan.add(query.value, Asked(text, pith_number=number, prefix=query.value))
            continue
        try:
            found = index()
            if found is None:
                plan.unresolved.append(
                    Unresolved(
                        text,
                        "not_found",
                        "the source publishes no resolve index, so a short Pith Number or "
                        "an arXiv id cannot be looked up there; give the full Pith Number "
                        "(pith:YYYY:SUFFIX or its 26-character suffix)",
                    )
                )
                continue
            hits = _lookup(found, query)
        except PithgenError as exc:  # FetchError, ResolveIndexError
            plan.unresolved.append(Unresolved(text, "error", f"resolve index: {exc}"))
            continue
        why = _why_not(query, hits)
        if why is not None:
            plan.unresolved.append(Unresolved(text, "not_found", why))
            continue
        for hit in hits:
            if query.kind == "pith":
                plan.add(hit.suffix, Asked(text, prefix=query.value))
            else:
                plan.add(hit.suffix, Asked(text, arxiv_id=query.value, version=hit.version))
    return plan


def _lookup(index: ResolveIndex, query: Query) -> list[Hit]:
    if query.kind == "pith":
        return index.by_prefix(query.value)
    hits = index.by_arxiv(query.value)
    return [h for h in hits if query.version is None or h.version == query.version]


def _why_not(query: Query, hits: list[Hit]) -> str | None:
    """Why the index's hits do not name what to fetch, or ``None`` when they do."""
    if query.kind == "pith":
        if not hits:
            return f"no record of the source starts with {query.value}"
        if len(hits) > 1:
            names = ", ".join(h.pith_number for h in hits[:5])
            more = f" and {len(hits) - 5} more" if len(hits) > 5 else ""
            return (
                f"ambiguous: {len(hits)} records of the source start with {query.value} "
                f"({names}{more}); give a longer prefix"
            )
        return None
    if not hits:
        version = f" version {query.version}" if query.version is not None else ""
        return f"the source's resolve index has no record of arXiv {query.value}{version}"
    return None
