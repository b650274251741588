"""The one canonicalisation of Pith: canonical record bytes, hashes and Pith Numbers.

Every rule here is CONFIRMED against real Pith data (spec sections 1-3):

- the canonical bytes are ``json.dumps(record, sort_keys=True, separators=(",", ":"),
  ensure_ascii=False)`` encoded as UTF-8;
- ``canonical_sha256`` is the lowercase hex SHA-256 of those bytes;
- the Pith Number suffix is the first 26 characters of the RFC 4648 base32 encoding of the
  32 digest bytes; the Pith Number is ``pith:`` + the v1 submission year + ``:`` + suffix.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

SUFFIX_LEN = 26
HEX64_RE = re.compile(r"[0-9a-f]{64}")
PITH_NUMBER_RE = re.compile(rf"pith:(\d{{4}}):([A-Z2-7]{{{SUFFIX_LEN}}})")
_WS = re.compile(r"\s")
#: Characters of text whose whitespace is collapsed at once (see :func:`canon_text`).
_PIECE = 1 << 16


def canonical_json(value: Any) -> str:
    """The reference serialisation (spec section 1), as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_bytes(value: Any) -> bytes:
    """The canonical UTF-8 bytes that ``canonical_sha256`` is computed over.

    Raises ``UnicodeEncodeError`` for text that is not valid Unicode (a lone surrogate);
    the loader refuses such documents before they get here.
    """
    return canonical_json(value).encode("utf-8")


def same_json(a: Any, b: Any) -> bool:
    """Equality as JSON values: ``1``, ``1.0`` and ``true`` differ (Python's ``==`` says not)."""
    try:
        return canonical_json(a) == canonical_json(b)
    except (TypeError, ValueError):
        return False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_sha256(value: Any) -> str:
    return sha256_hex(canonical_bytes(value))


def canon_text(text: str) -> str:
    """Title/abstract hash (spec section 2): ``re.sub(r"\\s+", " ", s).strip().lower()``.

    ``" ".join(s.split())`` is the same text, faster: ``\\s`` in a str pattern and
    ``str.split()`` use the same Unicode whitespace test (tests/test_canonical.py checks
    every code point). Both build one string per word, though (tens of bytes of memory per
    byte of a text of short words), so a long text is hashed piece by piece
    (:func:`collapsed_pieces`): its memory is that of a piece.
    """
    if len(text) <= _PIECE:
        return sha256_hex(" ".join(text.split()).lower().encode("utf-8"))
    digest = hashlib.sha256()
    for piece in collapsed_pieces(text):
        digest.update(piece.lower().encode("utf-8"))
    return digest.hexdigest()


def collapse_space(text: str) -> str:
    """Runs of whitespace as one space, none at either end (spec section 2)."""
    return "".join(collapsed_pieces(text))


def collapsed_pieces(text: str, piece: int | None = None) -> Iterator[str]:
    """:func:`collapse_space` of ``text`` as consecutive pieces of about ``piece``
    characters, cut only where whitespace starts. A word never spans two pieces and
    whitespace stops every context rule of ``lower()`` (the final sigma), so the pieces
    can be lowered one by one."""
    size = piece or _PIECE
    start, wrote = 0, False
    while start < len(text):
        end = len(text)
        if start + size < end:
            found = _WS.search(text, start + size)
            end = found.start() if found else end
        words = text[start:end].split()
        if words:
            if wrote:
                yield " "
            yield " ".join(words)
            wrote = True
        start = end


def b32_26(digest: bytes) -> str:
    """First 26 base32 characters of a digest (the suffix rule, also used for fingerprints)."""
    return base64.b32encode(digest).decode("ascii")[:SUFFIX_LEN]


def suffix_for(sha256_hex_digest: str) -> str:
    return b32_26(bytes.fromhex(sha256_hex_digest))


def pith_number_for(submitted_at: str, suffix: str) -> str:
    return f"pith:{submitted_at[:4]}:{suffix}"


def short_pith_number(suffix: str) -> str:
    return f"pith:{suffix[:8]}"


def doi_for(arxiv_id: str) -> str:
    return f"10.48550/arxiv.{arxiv_id}"


def expected_aliases(arxiv_id: str, version: int, suffix: str) -> dict[str, str]:
    """The six aliases every record carries (spec section 3), by ``alias_kind``."""
    return {
        "arxiv": arxiv_id,
        "arxiv_version": f"{arxiv_id}v{version}",
        "doi": doi_for(arxiv_id),
        "pith_short_12": suffix[:12],
        "pith_short_16": suffix[:16],
        "pith_short_8": suffix[:8],
    }
