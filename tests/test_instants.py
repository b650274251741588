"""pithgen.instants: the one reading of ``updated_at``, whose text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pithgen.instants import utc_instant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-18T00:03:11.242950+00:00", "2026-05-18T00:03:11.24295"),  # real records
        ("2026-05-18T00:03:11Z", "2026-05-18T00:03:11"),
        ("2026-05-18t01:03:11.500z", "2026-05-18T01:03:11.5"),
        ("2026-05-18T01:03:11.000+01:00", "2026-05-18T00:03:11"),
        ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00"),
        ("2026-01-01T00:00:00-00:00", "2026-01-01T00:00:00"),
        ("2024-02-29T12:00:00.123456789Z", "2024-02-29T12:00:00.123456789"),
        ("0099-01-01T00:00:00Z", "0099-01-01T00:00:00"),
    ],
)
def test_valid_instants(text: str, expected: str) -> None:
    assert utc_instant(text) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        20260518,
        ["2026-05-18T00:03:11Z"],
        "",
        "2026-05-18",
        "2026-05-18T00:03:11",  # a local time is not an instant
        "2026-05-18 00:03:11Z",
        "2026-02-29T00:00:00Z",  # no such day
        "2026-05-18T24:00:00Z",
        "2026-05-18T00:60:00Z",
        "2026-12-31T23:59:60Z",  # leap seconds are not accepted
        "2026-05-18T00:03:11.Z",
        "2026-05-18T00:03:11.1234567890Z",  # more than 9 fraction digits
        "2026-05-18T00:03:11+24:00",
        "2026-05-18T00:03:11+0100",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:00:00-01:00",  # after year 9999 in UTC
        "٢٠٢٦-05-18T00:03:11Z",  # digits of another script
        "2026-05-18T00:03:11Z\n",
    ],
)
def test_anything_else_is_not_an_instant(value: object) -> None:
    assert utc_instant(value) is None


_moments = st.datetimes(
    min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59)


def _spelled(moment: datetime, offset_minutes: int, digits: int) -> str:
    """``moment`` written in RFC 3339 at the given offset with ``digits`` fraction digits."""
    local = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    fraction = f"{moment.microsecond:06d}{'0' * 3}"[:digits]
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}{'.' + fraction if digits else ''}{sign}{hours:02d}:{minutes:02d}"


@given(_moments, _moments, _offsets, _offsets)
def test_text_order_is_time_order(a: datetime, b: datetime, off_a: int, off_b: int) -> None:
    left, right = utc_instant(_spelled(a, off_a, 6)), utc_instant(_spelled(b, off_b, 9))
    assert left is not None and right is not None
    assert (left < right, left == right) == (a < b, a == b)


@given(_moments, _offsets, _offsets)
def test_one_instant_in_any_spelling_reads_the_same(moment: datetime, x: int, y: int) -> None:
    assert utc_instant(_spelled(moment, x, 6)) == utc_instant(_spelled(moment, y, 9))


@given(_moments, st.integers(0, 999_999), st.integers(0, 999_999), _offsets, _offsets)
def test_text_order_is_time_order_within_one_second(
    moment: datetime, m1: int, m2: int, off_a: int, off_b: int
) -> None:
    """Fractions of one second, with and without trailing zeros or any fraction at all."""
    a, b = moment.replace(microsecond=m1), moment.replace(microsecond=m2)
    left = utc_instant(_spelled(a, off_a, 6 if m1 else 0))
    right = utc_instant(_spelled(b, off_b, 9))
    assert left is not None and right is not None
    assert (left < right, left == right) == (a < b, a == b)
