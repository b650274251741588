"""What listings show: one small :class:`Summary` per published record, grouped into one
:class:`Paper` per arXiv paper (its versions, newest first), paginated by papers.

Every version of a paper is its own signed record with its own Pith Number and page, but a
reader looks for the paper: a listing shows one entry per paper, its newest version first
and the others linked beside it, never rows that differ only in a version number. A page
holds whole papers, so the versions of one paper are never split across two pages.

The index stage (:mod:`pithgen.index`) produces the rows, already ordered so that the
rows of one paper are consecutive, newest version first; :func:`group_papers` only groups
them, so memory holds one page at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby, islice
from typing import Any

from pithgen import layout
from pithgen.model import RecordDocument

TITLE_CHARS = 300
AUTHORS_CHARS = 300


@dataclass(frozen=True, slots=True)
class Summary:
    """What listings and indexes keep of one published record."""

    suffix: str
    pith_number: str
    title: str
    authors: str
    arxiv_id: str
    version: int
    submitted_at: str
    primary_cat: str
    cross_cats: tuple[str, ...]

    @property
    def year(self) -> str:
        return self.submitted_at[:4]

    @property
    def arxiv_versioned(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    def to_list(self) -> list[Any]:
        """The summary as a JSON list (:meth:`from_list`), as the build cache keeps it."""
        return [
            self.suffix,
            self.pith_number,
            self.title,
            self.authors,
            self.arxiv_id,
            self.version,
            self.submitted_at,
            self.primary_cat,
            list(self.cross_cats),
        ]

    @classmethod
    def from_list(cls, data: list[Any]) -> Summary:
        suffix, pith, title, authors, arxiv, version, submitted_at, cat, cross = data
        return cls(
            str(suffix), str(pith), str(title), str(authors), str(arxiv), int(version),
            str(submitted_at), str(cat), tuple(str(c) for c in cross),
        )  # fmt: skip

    @classmethod
    def of(cls, doc: RecordDocument) -> tuple[Summary, str]:
        """The summary of a published document (title and authors cut for display), and
        the full authors text, which search indexes."""
        paper = doc.paper
        title = paper.get("title")
        authors_field = paper.get("authors_text")
        authors = authors_field if isinstance(authors_field, str) else ""
        short = authors if len(authors) <= AUTHORS_CHARS else authors[: AUTHORS_CHARS - 1] + "…"
        summary = cls(
            doc.suffix,
            doc.pith_number,
            title[:TITLE_CHARS] if isinstance(title, str) else "",
            short,
            doc.arxiv_id,
            doc.version,
            doc.submitted_at,
            doc.metadata["primary_cat"],
            tuple(doc.metadata["cross_cats_sorted"]),
        )
        return summary, authors


@dataclass(frozen=True)
class Paper:
    """One entry of a listing: the records of one arXiv paper in it, newest version first.

    ``cross_list`` says that the newest of them is listed under a category it is
    cross-listed in, not under its primary category."""

    versions: tuple[Summary, ...]
    cross_list: bool = False

    @property
    def latest(self) -> Summary:
        return self.versions[0]

    @property
    def others(self) -> tuple[Summary, ...]:
        """The other versions in the listing, newest first."""
        return self.versions[1:]


@dataclass(frozen=True)
class Page:
    """One page of a paginated listing: whole papers."""

    number: int
    count: int
    items: list[Paper]

    def filename(self, number: int | None = None) -> str:
        """The file name of this page, or of page ``number`` of the same listing."""
        return layout.page_file(self.number if number is None else number)


def group_papers(rows: Iterable[tuple[Summary, bool]]) -> Iterator[Paper]:
    """Consecutive ``(summary, cross-listed)`` rows of one arXiv id as one :class:`Paper`
    (the rows come newest version first)."""
    for _, group in groupby(rows, key=lambda row: row[0].arxiv_id):
        found = list(group)
        yield Paper(tuple(s for s, _ in found), found[0][1])


def paginate(papers: Iterator[Paper], count: int, size: int) -> Iterator[Page]:
    """``count`` papers in pages of ``size`` (at least one page, even an empty one)."""
    pages = max(1, -(-count // size))
    for n in range(pages):
        yield Page(n + 1, pages, list(islice(papers, size)))
