"""The one reading of a document's ``updated_at``: an ISO 8601 instant, made comparable.

The merge stage publishes, of several documents of one signed record, the one updated
last (see :mod:`pithgen.merge`). So that "last" never depends on how a time is spelled,
``updated_at`` is read here once, during verification, into a UTC form whose text order is
time order.

PITHGEN RULE: a valid ``updated_at`` is a string in the RFC 3339 profile of ISO 8601,
``YYYY-MM-DDTHH:MM:SS[.F](Z|+HH:MM|-HH:MM)``: a date that exists, hours 00-23, minutes and
seconds 00-59 (a leap second ``60`` is not accepted), an optional fraction of 1 to 9
digits, and a zone (an instant needs one: a local time without an offset is not an
instant). ``T`` and ``Z`` may be lowercase. Anything else (missing, not a string, another
ISO 8601 form) is "no valid ``updated_at``", which the merge counts as older than any valid
one. Real Pith records write ``2026-05-18T00:03:11.242950+00:00``.

The comparable form is ``YYYY-MM-DDTHH:MM:SS[.F]`` in UTC, without a zone letter, with the
fraction's trailing zeros dropped: ``2026-05-18T01:03:11.5+01:00`` and
``2026-05-18T00:03:11.500Z`` both give ``2026-05-18T00:03:11.5``. Without the zone letter
a shorter text that is a prefix of a longer one is also the earlier instant, so plain text
comparison (SQLite's ``ORDER BY``) orders instants.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

_INSTANT_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,  # ASCII digits only: int() would also read other scripts' digits
)


def utc_instant(value: Any) -> str | None:
    """The comparable UTC form of an ``updated_at`` value, or ``None`` if it is not a
    valid instant (see the module docstring)."""
    if not isinstance(value, str):
        return None
    match = _INSTANT_RE.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, _, sign, off_h, off_m = match.groups()
    offset = timedelta(0)
    if sign is not None:
        if int(off_h) > 23 or int(off_m) > 59:
            return None
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if sign == "-":
            offset = -offset
    try:
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(offset),
        )
        utc = local.astimezone(UTC)
    except (ValueError, OverflowError):  # no such date or time, or out of datetime's range
        return None
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    digits = (fraction or "").rstrip("0")
    return f"{text}.{digits}" if digits else text
