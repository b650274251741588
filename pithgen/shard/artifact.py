"""The shard artifact: what ``pithgen build --shard I/N --out DIR`` writes and
``pithgen assemble`` reads (format ``pithgen-shard/1``).

``DIR`` holds

- the files of the shard's records at their site paths (``pith/…``, ``arxiv/…``,
  ``doi/…``, ``.well-known/…``), exactly as a single build writes them;
- ``shard-verdicts.jsonl``: one line per distinct document this shard verified (or found
  in its build cache), ``{"sha256": SHA-256 of the bytes, "verdict": {...}}``, the
  verdict as the build cache keeps it (without where the document was read);
- ``shard-units.jsonl``: one line per record unit rendered, ``[unit, key, data]``: the unit
  (``SUFFIX:record`` or ``SUFFIX:bundle``), its key in hex (the digest of everything its
  files depend on) and what the site-wide indexes need of it (its summary and search
  tokens, as a JSON string; ``"null"`` for a unit without a page of its own);
- ``shard.json``, the manifest: ``format``, ``pithgen`` (the version that built it),
  ``shard`` and ``of`` (I and N), ``partition`` (the rule's name), ``context`` (what every
  page depends on: title, base URL, description, digests of the templates and the trusted
  keys, the log's origin and key), ``inputs`` (the number of input files and the digest of
  their names, sizes and SHA-256), ``counts``, and ``files``: every other file of the
  artifact as ``[path, size, SHA-256, unit]`` (unit ``""`` for the two lists above).

Everything is written into a staging folder and swapped in atomically, like a site.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from pithgen.cache.sitestate import FileEntry
from pithgen.canonical import sha256_hex
from pithgen.load import parse
from pithgen.mergestore import StoredVerdict, dump_verdict
from pithgen.model import RawDoc, Source, Verdict
from pithgen.pipeline import VerdictSource
from pithgen.shard.partition import Partition, is_stand_in, shard_of
from pithgen.write import SiteWriter

FORMAT = "pithgen-shard/1"
MANIFEST = "shard.json"
VERDICTS = "shard-verdicts.jsonl"
UNITS = "shard-units.jsonl"
_NOWHERE = Source("", None)
_CHUNK = 1 << 16


def _spool(path: Path) -> IO[str]:
    return open(path, "w", encoding="utf-8", newline="\n")


class VerdictExport:
    """The shard's verdicts: a :class:`~pithgen.pipeline.VerdictSource` in front of the
    build cache (or none) that keeps the verdict of each of the shard's own documents,
    found in the cache or computed, for the artifact. Another shard's document always
    gets its stand-in, even when the cache knows it (so a shard's view of the archive does
    not depend on what its cache holds); stand-ins go nowhere."""

    def __init__(self, cache: VerdictSource | None, scratch: Path, partition: Partition) -> None:
        self.cache = cache
        self.partition = partition
        self.path = scratch / "shard-verdicts.spool"
        self._out = _spool(self.path)
        self._seen: set[str] = set()
        #: Distinct verdicts kept; documents verified here (or found in the cache);
        #: documents left to other shards.
        self.count = 0
        self.real = 0
        self.stand_ins = 0

    def _keep(self, raw: bytes, verdict: Verdict) -> None:
        sha = sha256_hex(raw)
        if sha in self._seen:
            return
        self._seen.add(sha)
        stored = json.loads(dump_verdict(replace(verdict, source=_NOWHERE)))
        self._out.write(json.dumps({"sha256": sha, "verdict": stored}, ensure_ascii=False) + "\n")
        self.count += 1

    def get(self, raw: bytes, source: Source) -> Verdict | None:
        found = self.cache.get(raw, source) if self.cache is not None else None
        hit = found.verdict() if isinstance(found, StoredVerdict) else found
        if hit is None or not self._owns(raw, hit):
            return None
        self.real += 1
        self._keep(raw, hit)
        return hit

    def by_sha256(
        self, items: Sequence[tuple[bytes, Source]]
    ) -> list[Verdict | StoredVerdict | None]:
        """Never: a shard keeps its documents' verdicts by their bytes (:meth:`get`)."""
        return [None] * len(items)

    def _owns(self, raw: bytes, verdict: Verdict) -> bool:
        """Whether a document is this shard's, as the verification stage routes it (by
        its stated Pith Number, which a verified document's verdict carries; a failed
        one, rare, is parsed again)."""
        if verdict.ok and verdict.pith_number is not None:
            return self.partition.owns(verdict.pith_number)
        loaded = parse(RawDoc(verdict.source, raw))
        return shard_of(loaded, self.partition.count) == self.partition.index

    def put(self, items: Iterable[tuple[bytes, Verdict]]) -> None:
        real = []
        for raw, verdict in items:
            if is_stand_in(verdict):
                self.stand_ins += 1
            else:
                real.append((raw, verdict))
                self.real += 1
                self._keep(raw, verdict)
        if self.cache is not None and real:
            self.cache.put(real)

    def commit(self) -> None:
        if self.cache is not None:
            self.cache.commit()

    def close(self) -> None:
        self._out.close()


class UnitExport:
    """The shard's rendered units and their files (a :class:`~pithgen.units.UnitStore`),
    spooled for the artifact."""

    def __init__(self, scratch: Path) -> None:
        self.units_path = scratch / "shard-units.spool"
        self.files_path = scratch / "shard-files.spool"
        self._units = _spool(self.units_path)
        self._files = _spool(self.files_path)
        self.units = 0
        self.files = 0
        self.bytes = 0

    def set_units(self, units: Iterable[tuple[str, bytes, bytes]]) -> None:
        for unit, key, data in units:
            self._units.write(json.dumps([unit, key.hex(), data.decode("utf-8")]) + "\n")
            self.units += 1

    def put_files(self, entries: Iterable[FileEntry]) -> None:
        for e in entries:
            self._files.write(json.dumps([e.path, e.size, e.sha.hex(), e.unit]) + "\n")
            self.files += 1
            self.bytes += e.size

    def unit_data(self, units: Sequence[str]) -> dict[str, bytes]:
        return {}  # a shard starts from nothing: every unit is rendered

    def close(self) -> None:
        self._units.close()
        self._files.close()


def _read_spool(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def write_artifact(
    writer: SiteWriter, verdicts: VerdictExport, units: UnitExport, header: dict[str, Any]
) -> None:
    """Write the two lists and the manifest (``header`` and the files) into the staging
    folder; the per-record files are there already."""
    verdicts.close()
    units.close()
    writer.write_chunks(VERDICTS, _read_spool(verdicts.path))
    writer.write_chunks(UNITS, _read_spool(units.units_path))
    own = writer.sink.take_entries()
    writer.write_chunks(MANIFEST, _manifest_chunks(header, units.files_path, own))


def _manifest_chunks(header: dict[str, Any], files: Path, own: list[FileEntry]) -> Iterator[bytes]:
    """``shard.json``, streamed: the header's fields, then ``files`` one per line."""
    head = json.dumps({"format": FORMAT, **header}, indent=1, ensure_ascii=False)
    yield (head[: head.rindex("}")].rstrip() + ',\n "files": [').encode("utf-8")
    first = True
    for entry in own:
        line = json.dumps([entry.path, entry.size, entry.sha.hex(), entry.unit])
        yield (("\n  " if first else ",\n  ") + line).encode("utf-8")
        first = False
    with open(files, encoding="utf-8") as fh:
        for line in fh:
            yield (("\n  " if first else ",\n  ") + line.rstrip("\n")).encode("utf-8")
            first = False
    yield b"\n ]\n}\n"


def is_shard_artifact(folder: Path) -> bool:
    """Whether ``folder`` holds a shard artifact (its manifest names the format)."""
    try:
        with open(folder / MANIFEST, "rb") as fh:
            start = fh.read(64)
    except OSError:
        return False
    return start.startswith(b'{\n "format": "' + FORMAT.split("/")[0].encode() + b"/")
