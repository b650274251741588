"""Admission into the records folder: what it holds, verification of a fetched document,
the conflict rules and the atomic write.

**Verification** is ``pithgen verify``'s, on the exact bytes received
(:func:`pithgen.load.parse` and :func:`pithgen.verify.verify_document`, the same keys),
and then two rules of its own: the document is of the kind its URL promises (a record
document at the record pattern, a bundle at the bundle pattern), and it is the record
that was asked for (:func:`identity_problems`). A document failing any of it is never
written.

**What is held** is found by verifying the records folder once, as ``pithgen verify``
would (:meth:`Held.scan`); only documents that pass their own checks count, so a forged
file there can neither block nor excuse anything. A verified fetched document is then:

- *unchanged* when a held document of its kind and Pith Number has the same content (the
  same canonical JSON of the whole document: only formatting may differ);
- a *conflict* when a held document has its Pith Number with another canonical record,
  or its arXiv id and version under another Pith Number, or is another document of the
  same signed record (unsigned fields or the receipt differ), or when the file it would
  be written to exists. A conflict is reported and nothing is overwritten;
- else *fetched*: written to ``pulled/{SUFFIX[:2]}/{SUFFIX}.json`` (a record document)
  or ``pulled/{SUFFIX[:2]}/{SUFFIX}.bundle.json`` (a bundle) under the records folder.
  The name comes only from the suffix recomputed from the verified canonical record,
  never from anything the source sent. The write is atomic and never replaces a file:
  the bytes go to a hidden temporary file beside it (which ``discover`` skips), are
  synced, and are linked into place only if nothing is there.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pithgen.keys import KeyRing
from pithgen.load import LoadOptions, discover, parse
from pithgen.model import DocKind, RawDoc, Source, Verdict
from pithgen.pipeline import verify_files
from pithgen.pull.plan import Asked
from pithgen.verify import verify_document

PULLED = "pulled"


@dataclass(frozen=True)
class HeldDoc:
    """A verified document of the records folder, as far as admission needs it."""

    kind: DocKind
    suffix: str
    pith_number: str
    arxiv_id: str
    version: int
    canonical_sha256: str
    doc_digest: str
    source: str

    @classmethod
    def of(cls, verdict: Verdict, source: str | None = None) -> HeldDoc:
        assert verdict.kind and verdict.suffix and verdict.pith_number
        assert verdict.arxiv_id and verdict.version and verdict.canonical_sha256
        assert verdict.doc_digest
        return cls(
            verdict.kind,
            verdict.suffix,
            verdict.pith_number,
            verdict.arxiv_id,
            verdict.version,
            verdict.canonical_sha256,
            verdict.doc_digest,
            str(verdict.source) if source is None else source,
        )


class Held:
    """Every verified document of the records folder, indexed three ways."""

    def __init__(self) -> None:
        self.by_kind: dict[tuple[str, str], list[HeldDoc]] = defaultdict(list)
        self.by_suffix: dict[str, list[HeldDoc]] = defaultdict(list)
        self.by_id: dict[tuple[str, int], list[HeldDoc]] = defaultdict(list)
        self.count = 0
        self.ignored = 0

    def add(self, doc: HeldDoc) -> None:
        self.by_kind[(doc.kind, doc.suffix)].append(doc)
        self.by_suffix[doc.suffix].append(doc)
        self.by_id[(doc.arxiv_id, doc.version)].append(doc)
        self.count += 1

    def same(self, kind: str, suffix: str, doc_digest: str) -> HeldDoc | None:
        """A held document of this kind and number with this very content."""
        for doc in self.by_kind.get((kind, suffix), ()):
            if doc.doc_digest == doc_digest:
                return doc
        return None

    @classmethod
    def scan(cls, folder: Path, keys: KeyRing, options: LoadOptions, jobs: int) -> Held:
        """Verify the records folder as ``pithgen verify`` would. A document whose only
        failure is a ``conflict`` inside the folder is genuine, and counts as held."""
        held = cls()
        files = discover([folder]) if folder.is_dir() else []
        if not files:
            return held
        with verify_files(files, keys, options, jobs=jobs) as result:
            for verdict in result.iter_verdicts():
                genuine = all(c.check == "conflict" for c in verdict.problems)
                if genuine and verdict.kind and verdict.suffix and verdict.doc_digest:
                    held.add(HeldDoc.of(verdict))
                else:
                    held.ignored += 1
        return held


@dataclass(frozen=True)
class Checked:
    """A fetched document after verification: ``problems`` empty means admissible."""

    kind: DocKind
    url: str
    body: bytes
    verdict: Verdict
    problems: tuple[str, ...]


def identity_problems(verdict: Verdict, suffix: str, asked: Iterable[Asked]) -> list[str]:
    """How a verified document is not the record asked for."""
    found = verdict.pith_number
    if verdict.suffix != suffix:
        return [f"identity: asked for the suffix {suffix}, the source sent {found}"]
    out = []
    for a in asked:
        wrong = None
        if a.pith_number is not None and found != a.pith_number:
            wrong = f"the Pith Number {a.pith_number}"
        elif a.prefix is not None and not suffix.startswith(a.prefix):
            wrong = f"a suffix starting with {a.prefix}"
        elif a.arxiv_id is not None and verdict.arxiv_id != a.arxiv_id:
            wrong = f"arXiv {a.arxiv_id}"
        elif a.version is not None and verdict.version != a.version:
            wrong = f"arXiv {a.arxiv_id} version {a.version}"
        if wrong is not None:
            out.append(
                f"identity: {a.identifier!r} asked for {wrong}, the source sent {found} "
                f"(arXiv {verdict.arxiv_id}v{verdict.version})"
            )
    return out


def check_fetched(
    body: bytes,
    url: str,
    kind: DocKind,
    suffix: str,
    asked: Iterable[Asked],
    keys: KeyRing,
    options: LoadOptions,
) -> Checked:
    """Verify a fetched document exactly as ``pithgen verify`` would, then check that it
    is of ``kind`` and is the record asked for."""
    verdict = verify_document(parse(RawDoc(Source(url), body), options), keys)
    problems = [f"{c.check}: {c.message}" for c in verdict.problems]
    if not problems and verdict.kind != kind:
        problems.append(f"kind: expected a {kind} document at this URL, found a {verdict.kind}")
    if not problems:
        problems.extend(identity_problems(verdict, suffix, asked))
    return Checked(kind, url, body, verdict, tuple(problems))


@dataclass(frozen=True)
class Admission:
    """What became of a verified document: ``fetched`` (written to ``path``),
    ``unchanged`` (held as ``path``) or ``conflict``."""

    status: str
    reason: str
    path: str | None


def target_path(into: Path, kind: DocKind, suffix: str) -> Path:
    name = f"{suffix}.json" if kind == "record" else f"{suffix}.bundle.json"
    return into / PULLED / suffix[:2] / name


def admit(checked: Checked, held: Held, into: Path) -> Admission:
    """Admit a document that passed :func:`check_fetched` (see the module docstring)."""
    v, kind = checked.verdict, checked.kind
    assert not checked.problems and v.suffix and v.doc_digest
    suffix = v.suffix
    same = held.same(kind, suffix, v.doc_digest)
    if same is not None:
        return Admission("unchanged", f"already held as {same.source}", same.source)
    for doc in held.by_suffix.get(suffix, ()):
        if doc.canonical_sha256 != v.canonical_sha256:
            return _conflict(f"{doc.source} holds {v.pith_number} with another canonical record")
    for doc in held.by_id.get((v.arxiv_id or "", v.version or 0), ()):
        if doc.pith_number != v.pith_number:
            return _conflict(
                f"{doc.source} holds arXiv {v.arxiv_id}v{v.version} as {doc.pith_number}, "
                f"the source as {v.pith_number}"
            )
    for doc in held.by_kind.get((kind, suffix), ()):
        return _conflict(
            f"{doc.source} holds another {kind} document of {v.pith_number} (the same "
            "signed record; unsigned fields or the receipt differ)"
        )
    path = target_path(into, kind, suffix)
    if not write_new(path, checked.body):
        return _conflict(f"{path} exists and is not a verified copy of this document")
    held.add(HeldDoc.of(v, str(path)))
    return Admission("fetched", f"written to {path}", str(path))


def _conflict(why: str) -> Admission:
    return Admission("conflict", f"{why}; nothing was overwritten", None)


def write_new(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless ``path`` exists (returns False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: check, then rename
            if os.path.lexists(path):
                return False
            os.replace(tmp, path)
        _sync_folder(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
