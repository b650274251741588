"""Stage 1, load: the only stage that reads input.

Yields one :class:`LoadedDoc` per document, in a deterministic order (paths sorted,
directories walked recursively in sorted order, JSONL lines in order). Every defect becomes
that document's failure; nothing here raises for bad input except a path that does not exist.

Safety: regular files only, symlinks whose target leaves the input tree are refused,
per-document size and value-count limits, strict JSON (see :mod:`pithgen.strictjson`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pithgen.errors import InputPathError
from pithgen.model import Check, LoadedDoc, RawDoc, Source
from pithgen.strictjson import DEFAULT_MAX_DEPTH, DEFAULT_MAX_VALUES, JSONDefect, parse_document

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
SUFFIXES = (".json", ".jsonl")


@dataclass(frozen=True)
class LoadOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_values: int = DEFAULT_MAX_VALUES


@dataclass(frozen=True)
class InputFile:
    """A file to read: its real path (a string: a walk of a million files makes no
    ``Path`` objects) and how it is named in reports."""

    real: str
    display: str
    size: int  # bytes, when the walk took it; -1 when it was not asked to
    refused: str | None = None


def is_input_name(name: str) -> bool:
    """``.json`` and ``.jsonl`` files, in any letter case."""
    return name.lower().endswith(SUFFIXES)


def display_name(name: str) -> str:
    """A file name as reports show it: bytes that are not UTF-8 and control characters
    are escaped (``\\xff``, ``\\n``), so a name can neither break a report nor a report
    store."""
    if name.isascii() and name.isprintable():
        return name
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def discover(
    paths: Sequence[Path],
    *,
    relative: bool = False,
    skip: Sequence[Path] = (),
    sizes: bool = True,
) -> list[InputFile]:
    """Every input file under ``paths``, sorted; refused entries carry their reason.

    A path named on the command line is trusted as given (it may itself be a symlink);
    inside a directory, a symlink is followed only if its target stays inside that directory.
    With ``relative``, files are named relative to the directory given (for reports that
    must not depend on where the input lives). Folders in ``skip`` (such as a build's own
    output folder inside its records folder) are not walked. Without ``sizes``, a plain
    file inside a directory is known by its directory entry alone (no ``stat``; its size
    is -1): a build hashes every file anyway, and learns the sizes there.
    """
    found: list[InputFile] = []
    for given in paths:
        found.extend(_discover_one(given, relative=relative, skip=skip, sizes=sizes))
    return found


def _discover_one(
    given: Path, *, relative: bool, skip: Sequence[Path], sizes: bool
) -> list[InputFile]:
    """The input files under one path (see :func:`discover`), sorted by the parts of
    their names."""
    if not os.path.lexists(given):
        raise InputPathError(
            "expected an existing file or directory, found nothing",
            where=display_name(str(given)),
        )
    try:
        real_root = given.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise InputPathError(
            f"cannot resolve path: {exc}", where=display_name(str(given))
        ) from None
    if real_root.is_dir():
        shown = Path() if relative else Path(display_name(str(given)))
        found = _walk(shown, real_root, {p.resolve() for p in skip}, sizes)
        return sorted(found, key=lambda f: f.display.split(os.sep))
    if real_root.is_file():
        name = display_name(given.name if relative else str(given))
        return [InputFile(str(real_root), name, real_root.stat().st_size)]
    raise InputPathError("expected a regular file or directory", where=display_name(str(given)))


def _walk(given: Path, real_root: Path, skipped: set[Path], sizes: bool) -> list[InputFile]:
    """Walk ``real_root`` with the directory entries' own types and string paths (a
    plain file or folder costs one ``lstat`` or none; only symlinks are resolved); the
    input files in the order found."""
    root_shown = "" if str(given) == "." else str(given)
    seen_dirs = {str(real_root), *map(str, skipped)}
    stack = [(str(real_root), root_shown)]
    out: list[InputFile] = []
    while stack:
        real_dir, shown_dir = stack.pop()
        try:
            with os.scandir(real_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            out.append(InputFile(real_dir, shown_dir or ".", 0, f"cannot list directory: {exc}"))
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            shown = _join(shown_dir, display_name(name))
            try:
                if entry.is_symlink():
                    found = _symlink(entry, real_root, shown)
                    if found is None:
                        continue
                    if isinstance(found, InputFile):
                        out.append(found)
                        continue
                    target, st = found
                elif not sizes and entry.is_file(follow_symlinks=False):
                    if is_input_name(name):
                        out.append(InputFile(entry.path, shown, -1))
                    continue
                else:
                    target, st = entry.path, entry.stat(follow_symlinks=False)
            except OSError as exc:
                if is_input_name(name):
                    out.append(InputFile(entry.path, shown, 0, f"cannot stat: {exc}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                if target not in seen_dirs:
                    seen_dirs.add(target)
                    subdirs.append((target, shown))
            elif is_input_name(name):
                if stat.S_ISREG(st.st_mode):
                    out.append(InputFile(target, shown, st.st_size))
                else:
                    out.append(
                        InputFile(target, shown, 0, "expected a regular file, found a special file")
                    )
        stack.extend(reversed(subdirs))
    return out


def _join(folder: str, name: str) -> str:
    if not folder:
        return name
    return folder + name if folder.endswith(os.sep) else folder + os.sep + name


def _symlink(
    entry: os.DirEntry[str], real_root: Path, shown: str
) -> tuple[str, os.stat_result] | InputFile | None:
    """A symlink inside the input: its resolved target and that target's status, a
    refused :class:`InputFile`, or ``None`` (not an input, nothing to report)."""
    link = entry.path
    try:
        resolved = Path(link).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        if is_input_name(entry.name):
            return InputFile(link, shown, 0, f"broken symlink: {exc}")
        return None
    if not _within(resolved, real_root):
        if is_input_name(entry.name) or resolved.is_dir():
            reason = f"symlink leads outside the input tree (to {resolved}); refused"
            return InputFile(link, shown, 0, reason)
        return None
    return str(resolved), resolved.stat()


def event_files(folder: Path | None) -> list[InputFile]:
    """The ``.jsonl`` event files under ``folder`` (none when it does not exist)."""
    if folder is None or not folder.is_dir():
        return []
    return [f for f in discover([folder], relative=True) if f.display.lower().endswith(".jsonl")]


def _failure(source: Source, raw: bytes, check: str, message: str) -> LoadedDoc:
    return LoadedDoc(source, raw, None, Check(check, "failed", message))


def load_file(item: InputFile, options: LoadOptions = LoadOptions()) -> Iterator[LoadedDoc]:
    """Every document in one file, parsed."""
    for doc in read_file(item, options):
        yield parse(doc, options) if isinstance(doc, RawDoc) else doc


def is_jsonl(name: str) -> bool:
    """Whether a file is read as JSON Lines (one document a line) by its name."""
    return name.lower().endswith(".jsonl")


def read_file(
    item: InputFile, options: LoadOptions = LoadOptions()
) -> Iterator[RawDoc | LoadedDoc]:
    """Every document in one file as bytes (:class:`RawDoc`), or as a failed
    :class:`LoadedDoc` where the bytes cannot be had (unreadable, refused, too large).
    :func:`parse` turns a :class:`RawDoc` into a :class:`LoadedDoc`."""
    if item.refused is not None:
        yield _failure(Source(item.display), b"", "input", item.refused)
        return
    if is_jsonl(item.display):
        yield from _read_jsonl(item, options)
        return
    source = Source(item.display)
    try:
        with open(item.real, "rb", buffering=0) as fh:
            raw = read_at_most(fh, options.max_bytes + 1)
    except OSError as exc:
        yield _failure(source, b"", "input", f"cannot read file: {exc.strerror or exc}")
        return
    if len(raw) > options.max_bytes:
        yield _failure(
            source, b"", "json", f"document larger than the limit of {options.max_bytes} bytes"
        )
        return
    yield RawDoc(source, raw)


_FIRST_READ = 1 << 16


def read_at_most(fh: BinaryIO, limit: int) -> bytes:
    """The first ``limit`` bytes of an open file (all of it when shorter), read in growing
    pieces from 64 KiB: one read of ``limit`` bytes would allocate (and fault in) a buffer
    of the whole limit, 16 MiB by default, for every small record."""
    pieces: list[bytes] = []
    total = 0
    want = min(_FIRST_READ, limit)
    while total < limit:
        piece = fh.read(min(want, limit - total))
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
        want = min(want * 2, 1 << 24)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def parse(doc: RawDoc, options: LoadOptions = LoadOptions()) -> LoadedDoc:
    """Parse one document's bytes (strict JSON); a defect is the document's ``json``
    failure."""
    try:
        data = parse_document(doc.raw, max_depth=options.max_depth, max_values=options.max_values)
    except JSONDefect as exc:
        return _failure(doc.source, doc.raw, "json", str(exc))
    return LoadedDoc(doc.source, doc.raw, data)


def _read_jsonl(item: InputFile, options: LoadOptions) -> Iterator[RawDoc | LoadedDoc]:
    try:
        fh = open(item.real, "rb")  # noqa: SIM115 - closed below; a generator holds it
    except OSError as exc:
        yield _failure(Source(item.display), b"", "input", f"cannot read file: {exc.strerror}")
        return
    with fh:
        number = 0
        while True:
            line = fh.readline(options.max_bytes + 2)
            if not line:
                return
            number += 1
            source = Source(item.display, number)
            complete = line.endswith(b"\n")
            body = line[:-1] if complete else line
            if body.endswith(b"\r"):
                body = body[:-1]
            if len(body) > options.max_bytes:
                while line and not line.endswith(b"\n"):  # skip the rest of the long line
                    line = fh.readline(1 << 20)
                yield _failure(
                    source, b"", "json", f"line longer than the limit of {options.max_bytes} bytes"
                )
                continue
            if not body.strip():
                continue
            yield RawDoc(source, body + b"\n")
