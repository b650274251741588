"""The verification pipeline, load -> verify -> merge, over a set of inputs.

``pithgen verify`` runs it on the paths it is given; ``pithgen build`` runs it as its
first pass. This process reads the documents (the load stage) and hands their bytes, in
batches, to ``jobs`` worker processes that parse and verify them (:mod:`pithgen.parallel`);
verdicts come back in input order and stream into the merge stage, which keeps them on
disk, so memory stays flat however large the archive and the result never depends on the
number of jobs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from pithgen.errors import UsageError
from pithgen.keys import KeyRing
from pithgen.load import InputFile, LoadOptions, discover, is_jsonl, parse, read_file
from pithgen.merge import MergeResult, merge
from pithgen.mergestore import StoredVerdict
from pithgen.model import LoadedDoc, RawDoc, Source, Verdict
from pithgen.parallel import Workers, batched
from pithgen.progress import Progress
from pithgen.shard.partition import Partition
from pithgen.verify import verify_document

BATCH_DOCS = 256
#: Input files whose cached verdicts are looked up together.
LOOKUP_BATCH = 512


class VerdictSource(Protocol):
    """Verdicts known without verifying (:class:`pithgen.cache.verdicts.VerdictCache`, or
    an assembly's shards), and where new ones are kept."""

    def get(self, raw: bytes, source: Source) -> Verdict | StoredVerdict | None: ...

    def by_sha256(
        self, items: Sequence[tuple[bytes, Source]]
    ) -> list[Verdict | StoredVerdict | None]:
        """:meth:`get` of each ``(SHA-256 of the bytes, source)`` (``None``: not known so,
        or this source needs the bytes themselves)."""
        ...

    def put(self, items: Iterable[tuple[bytes, Verdict]]) -> None: ...

    def commit(self) -> None: ...


def verify_paths(
    paths: Sequence[Path],
    keys: KeyRing,
    *,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
) -> MergeResult:
    """load -> verify -> merge over every document under ``paths`` (streaming)."""
    files = discover(paths)
    if not files:
        raise UsageError(
            "expected record files (.json or .jsonl), found none",
            where=", ".join(str(p) for p in paths),
        )
    return verify_files(files, keys, options or LoadOptions(), progress, jobs=jobs)


def verify_files(
    files: Sequence[InputFile],
    keys: KeyRing,
    options: LoadOptions,
    progress: Progress | None = None,
    *,
    keep_checks: bool = False,
    directory: Path | None = None,
    jobs: int = 1,
    cache: VerdictSource | None = None,
    partition: Partition | None = None,
    hashed: Mapping[str, tuple[int, str]] | None = None,
) -> MergeResult:
    """Stages load -> verify -> merge over discovered files, ``jobs`` processes verifying.

    With a ``cache``, a document whose exact bytes were verified before (under the same
    keys and pithgen version) gets its stored verdict; new verdicts are stored. With a
    ``partition`` (a shard build), only that shard's documents are verified; the others
    get their stand-in (:mod:`pithgen.shard.partition`), and are given to ``cache.put``
    like the rest (a shard's source keeps only the real ones).

    ``keep_checks`` keeps the checks that passed (a build's record pages show them);
    ``directory`` is where the merge stage keeps its store. ``hashed``: the size and
    SHA-256 of input files this build has just read whole (by name); a one-document file
    among them whose verdict the cache knows by that hash is not read again."""

    report = progress or Progress()
    sizes = (hashed.get(f.display, (f.size, ""))[0] if hashed else f.size for f in files)
    report.phase("verifying", sum(max(size, 0) for size in sizes), "bytes")

    def known(items: list[InputFile]) -> list[Verdict | StoredVerdict | None]:
        """The cached verdicts of one-document files by the hash this build took of each
        (looked up together)."""
        found: list[Verdict | StoredVerdict | None] = [None] * len(items)
        if cache is None or not hashed:
            return found
        asked, where = [], []
        for n, item in enumerate(items):
            size, sha = hashed.get(item.display, (-1, ""))
            usable = item.refused is None and 0 <= size <= options.max_bytes
            if usable and not is_jsonl(item.display):
                asked.append((bytes.fromhex(sha), Source(item.display)))
                where.append(n)
        for n, verdict in zip(where, cache.by_sha256(asked) if asked else [], strict=True):
            found[n] = verdict
        return found

    def documents() -> Iterator[tuple[RawDoc | LoadedDoc, Verdict | StoredVerdict | None]]:
        for chunk in batched(files, LOOKUP_BATCH):
            for item, found in zip(chunk, known(chunk), strict=True):
                if found is not None:
                    report.advance(hashed[item.display][0] if hashed else 0)
                    yield RawDoc(found.source, b""), found  # its bytes are not needed
                    continue
                for doc in read_file(item, options):
                    report.advance(len(doc.raw))
                    hit = (
                        cache.get(doc.raw, doc.source)
                        if cache and isinstance(doc, RawDoc)
                        else None
                    )
                    yield doc, hit

    def verdicts(
        workers: Workers[list[RawDoc | LoadedDoc], list[Verdict]],
    ) -> Iterator[Verdict | StoredVerdict]:
        batches = batched(documents(), BATCH_DOCS, weight=lambda d: len(d[0].raw))
        pending: list[list[tuple[RawDoc | LoadedDoc, Verdict | StoredVerdict | None]]] = []

        def work() -> Iterator[list[RawDoc | LoadedDoc]]:
            for batch in batches:
                pending.append(batch)
                yield [doc for doc, hit in batch if hit is None]

        for computed in workers.map(work()):
            batch = pending.pop(0)
            fresh = iter(computed)
            new: list[tuple[bytes, Verdict]] = []
            for doc, hit in batch:
                if hit is not None:
                    yield hit
                    continue
                verdict = next(fresh)
                if isinstance(doc, RawDoc):
                    new.append((doc.raw, verdict))
                yield verdict
            if cache is not None and new:
                cache.put(new)

    with Workers(jobs, _verify_batch, _verify_setup, (keys, options, partition)) as workers:
        result = merge(verdicts(workers), keep_checks=keep_checks, directory=directory)
    if cache is not None:
        cache.commit()
    return result


# --- in the worker processes -----------------------------------------------------------

_state: dict[str, object] = {}


def _verify_setup(keys: KeyRing, options: LoadOptions, partition: Partition | None) -> None:
    _state["keys"], _state["options"], _state["partition"] = keys, options, partition


def _verify_batch(batch: list[RawDoc | LoadedDoc]) -> list[Verdict]:
    keys = _state["keys"]
    options = _state["options"]
    partition = _state["partition"]
    assert isinstance(keys, KeyRing) and isinstance(options, LoadOptions)
    assert partition is None or isinstance(partition, Partition)
    verdicts = []
    for doc in batch:
        loaded = parse(doc, options) if isinstance(doc, RawDoc) else doc
        # A document that could not be read at all is every shard's (it fails alike in each).
        other = partition.verdict_of(loaded) if partition and isinstance(doc, RawDoc) else None
        verdicts.append(other if other is not None else verify_document(loaded, keys))
    return verdicts
