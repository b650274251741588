"""pithgen.tlog.entry: the entry text pithgen logs (docs/log.md), spelled one way only."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pithgen.canonical import suffix_for
from pithgen.errors import LogError
from pithgen.tlog.entry import LogEntry, parse_entry
from pithgen.tlog.merkle import leaf_hash

# spec section 9: arXiv 1812.05820 v1
CANONICAL = "671a8d2ae0c89d684d9c61a7119da4a6b56528964dfb179af3b093ddce1781a0"
PITH = "pith:2018:M4NI2KXAZCOWQTM4MGTRDHNEU2"
PUBLISHED = b'{"pith_number":"pith:2018:M4NI2KXAZCOWQTM4MGTRDHNEU2"}\n'
JSON_SHA = hashlib.sha256(PUBLISHED).hexdigest()
TEXT = (
    "pithgen-log-entry/v1\n"
    "kind record\n"
    f"pith-number {PITH}\n"
    f"canonical-sha256 {CANONICAL}\n"
    f"json-sha256 {JSON_SHA}\n"
)


def test_the_entry_of_a_published_record() -> None:
    entry = LogEntry.for_file("record", PITH, CANONICAL, PUBLISHED)
    assert entry.encode() == TEXT.encode("ascii")
    assert parse_entry(TEXT.encode()) == entry
    assert entry.matches(PUBLISHED) and not entry.matches(PUBLISHED + b" ")
    assert leaf_hash(entry.encode()) == hashlib.sha256(b"\x00" + TEXT.encode()).digest()


@given(
    st.sampled_from(["record", "bundle", "state"]),
    st.binary(min_size=32, max_size=32),
    st.integers(1991, 9999),
    st.binary(),
)
def test_entries_round_trip(kind: str, digest: bytes, year: int, published: bytes) -> None:
    pith = f"pith:{year}:{suffix_for(digest.hex())}"
    entry = LogEntry.for_file(kind, pith, digest.hex(), published)
    assert parse_entry(entry.encode()) == entry


@given(st.binary(max_size=400))
def test_only_the_canonical_spelling_parses(data: bytes) -> None:
    try:
        entry = parse_entry(data)
    except LogError:
        return
    assert entry.encode() == data


def swap(old: str, new: str) -> bytes:
    assert old in TEXT
    return TEXT.replace(old, new, 1).encode("utf-8")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (swap("pithgen-log-entry/v1", "pithgen-log-entry/v2"), "first line"),
        (TEXT.encode()[:-1], "ending in a newline"),
        (TEXT.replace("\n", "\r\n").encode(), "first line"),
        (TEXT.encode() + b"extra line\n", "expected 5 lines, found 6"),
        (TEXT.encode() + b"\n", "expected 5 lines, found 6"),
        (swap(f"json-sha256 {JSON_SHA}\n", ""), "expected 5 lines, found 4"),
        (swap("kind record", "kind  record"), "kind"),
        (swap("kind record", "kind page"), "among record, bundle, state, found 'page'"),
        (swap("kind record", "type record"), "expected a line 'kind <value>'"),
        (swap("kind record", "kind"), "expected a line 'kind <value>'"),
        (swap(CANONICAL, CANONICAL.upper()), "64 lowercase hex digits"),
        (swap(JSON_SHA, JSON_SHA[:63]), "64 lowercase hex digits"),
        (swap(f"{JSON_SHA}\n", f"{JSON_SHA} \n"), "64 lowercase hex digits"),
        (swap(PITH, "pith:M4NI2KXA"), "pith:YYYY:<26 base32 characters>"),
        (swap(PITH, PITH.lower()), "pith:YYYY"),
        (
            swap(CANONICAL, "0" * 64),
            "expected suffix AAAAAAAAAAAAAAAAAAAAAAAAAA, found M4NI2KXAZCOWQTM4MGTRDHNEU2",
        ),
        (swap("record", "r\u00e9cord"), "ASCII log entry, found byte 0xc3"),
    ],
)
def test_malformed_entries_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(LogError, match=message) as caught:
        parse_entry(data, where="tile/entries/000.p/3 entry 2")
    assert caught.value.where == "tile/entries/000.p/3 entry 2"


def test_field_order_is_fixed() -> None:
    lines = TEXT.splitlines(keepends=True)
    swapped = "".join([lines[0], lines[2], lines[1], *lines[3:]]).encode()
    with pytest.raises(LogError, match="expected a line 'kind <value>'"):
        parse_entry(swapped)
