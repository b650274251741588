"""The grammars of event fields: timestamps, URLs, identifiers, tokens, bounded text.

Each ``is_*``/``check_*`` function answers for one untrusted value. The payload schemas
(:mod:`pithgen.events.schemas`) and the envelope rule (:mod:`pithgen.events.envelope`) are
written in terms of these, so a grammar is defined once (docs/events.md lists them):

- timestamp: RFC 3339 in UTC, ``YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+00:00)``, naming a real
  instant (no February 30, no leap second ``:60``), uppercase ``T`` and ``Z``; Pith's own
  ``2026-05-18T00:03:11.242950+00:00`` and pithgen's ``2026-01-02T03:04:05Z`` both fit.
  :func:`timestamp_key` gives a text that sorts in time order whatever the spelling.
- URL: ``http://`` or ``https://`` (lowercase scheme), a host of letters, digits, ``.``
  and ``-`` (or a bracketed IPv6 literal), an optional port, then printable ASCII without
  spaces; no user-info (``user@host``), at most :data:`URL_MAX` characters.
- Pith Number: :data:`pithgen.canonical.PITH_NUMBER_RE`; arXiv id: the canonical record
  form of :mod:`pithgen.identifiers`, optionally with ``vN``.
- ORCID iD: ``NNNN-NNNN-NNNN-NNNC`` with its ISO 7064 MOD 11-2 check character.
- token: ``[a-z][a-z0-9_]{0,63}`` (event types, kinds); identifier:
  ``[A-Za-z0-9][A-Za-z0-9._:-]{0,127}`` (replication and finding ids).
- text: a string of 1 to N code points without control characters other than tab and
  newline (so nothing in an event can drive a terminal or fake a report line).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from pithgen.canonical import HEX64_RE, PITH_NUMBER_RE
from pithgen.identifiers import parse_arxiv

URL_MAX = 2048
_TIMESTAMP_RE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?(Z|\+00:00)",
)
_URL_RE = re.compile(
    r"https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])"
    r"(?::[0-9]{1,5})?(?:[/?#][\x21-\x7e]*)?"
)
_ORCID_RE = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]")
TOKEN_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
IDENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# Control characters other than tab and newline (C0, DEL, C1), and the line/paragraph
# separators that some terminals and viewers treat as line breaks.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def is_int(value: Any) -> bool:
    """A JSON integer (``true`` is not one, although Python says it is)."""
    return isinstance(value, int) and not isinstance(value, bool)


def timestamp_key(value: Any) -> str | None:
    """The sortable UTC form ``YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`` of an RFC 3339 UTC
    timestamp, or None when ``value`` is not one (see the module docstring)."""
    if not isinstance(value, str):
        return None
    return _timestamp_key(value)


@lru_cache(maxsize=4096)  # events of one batch often share their times
def _timestamp_key(value: str) -> str | None:
    m = _TIMESTAMP_RE.fullmatch(value)
    if m is None:
        return None
    try:
        datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}")
    except ValueError:
        return None
    return f"{m.group(1)}T{m.group(2)}.{(m.group(3) or '').ljust(9, '0')}Z"


def is_timestamp(value: Any) -> bool:
    return timestamp_key(value) is not None


def is_url(value: Any) -> bool:
    """An http(s) URL by the rule above."""
    return isinstance(value, str) and len(value) <= URL_MAX and bool(_URL_RE.fullmatch(value))


def is_pith_number(value: Any) -> bool:
    # isascii: PITH_NUMBER_RE's \d also matches non-ASCII digits (e.g. U+0661).
    return isinstance(value, str) and value.isascii() and bool(PITH_NUMBER_RE.fullmatch(value))


def is_arxiv_ref(value: Any) -> bool:
    """A canonical arXiv id, optionally versioned: ``1810.06877``, ``1810.06877v2``,
    ``astro-ph/9610094``; not ``arXiv:...``, not uppercase, not ``math.GT/0309136``."""
    if not isinstance(value, str):
        return False
    parsed = parse_arxiv(value)
    if parsed is None:
        return False
    arxiv_id, version = parsed
    return value == (arxiv_id if version is None else f"{arxiv_id}v{version}")


def is_record_ref(value: Any) -> bool:
    """What a citation may cite: a Pith Number or an arXiv id (:func:`is_arxiv_ref`)."""
    return is_pith_number(value) or is_arxiv_ref(value)


def is_orcid(value: Any) -> bool:
    """An ORCID iD whose last character is its ISO 7064 MOD 11-2 check character."""
    if not isinstance(value, str) or not _ORCID_RE.fullmatch(value):
        return False
    digits = value.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def is_hex64(value: Any) -> bool:
    return isinstance(value, str) and bool(HEX64_RE.fullmatch(value))


def is_token(value: Any) -> bool:
    return isinstance(value, str) and bool(TOKEN_RE.fullmatch(value))


def is_ident(value: Any) -> bool:
    return isinstance(value, str) and bool(IDENT_RE.fullmatch(value))


def is_text(value: Any, limit: int) -> bool:
    """A string of 1 to ``limit`` code points without control characters (tab and newline
    allowed)."""
    return isinstance(value, str) and 0 < len(value) <= limit and _CONTROL_RE.search(value) is None


def strict_base64(value: Any, max_bytes: int) -> bytes | None:
    """The bytes of canonical standard base64 (padding included, nothing else), 1 to
    ``max_bytes`` long, or None."""
    if not isinstance(value, str) or not value or len(value) > 4 * ((max_bytes + 2) // 3):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if base64.b64encode(raw).decode("ascii") != value or not 0 < len(raw) <= max_bytes:
        return None
    return raw


__all__ = [
    "IDENT_RE",
    "TOKEN_RE",
    "URL_MAX",
    "is_arxiv_ref",
    "is_hex64",
    "is_ident",
    "is_int",
    "is_orcid",
    "is_pith_number",
    "is_record_ref",
    "is_text",
    "is_timestamp",
    "is_token",
    "is_url",
    "strict_base64",
    "timestamp_key",
]
