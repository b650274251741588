"""The build cache's verdicts (pithgen.cache.verdicts): kept for exact bytes, looked up in
batches by SHA-256, each entry sealed and checked on every read; a damaged or misshapen
entry is a miss (and dropped), never a verdict."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from pithgen.cache.store import open_cache, sealed
from pithgen.cache.verdicts import LOOKUP_CHUNK, VerdictCache, _entry
from pithgen.mergestore import StoredVerdict, verdict_body, verdict_columns
from pithgen.model import Source


@pytest.fixture
def cache(tmp_path: Path, test_ring):
    with open_cache(tmp_path / "cache") as db:
        yield VerdictCache(db, test_ring)


def test_many_verdicts_come_back_in_order_with_the_source_of_this_build(
    cache, mint, verify
) -> None:
    good, bad = verify(mint()), verify(mint(), name="other.json")
    bad = replace(bad, checks=(*bad.checks[:-1], replace(bad.checks[-1], outcome="failed")))
    n = LOOKUP_CHUNK * 2 + 7  # three queries
    raws = [f"document {i}".encode() for i in range(n)]
    cache.put((raw, good if i % 2 else bad) for i, raw in enumerate(raws) if i % 3)
    asked = [(hashlib.sha256(raw).digest(), Source(f"r/{i}.json")) for i, raw in enumerate(raws)]
    found = cache.by_sha256(asked)
    assert len(found) == n
    for i, hit in enumerate(found):
        if i % 3 == 0:
            assert hit is None
            continue
        assert isinstance(hit, StoredVerdict)
        expected = replace(good if i % 2 else bad, source=Source(f"r/{i}.json"))
        assert hit.verdict() == expected
        assert hit.columns == verdict_columns(expected) and hit.body == verdict_body(expected)
    assert (cache.hits, cache.misses) == (n - len(range(0, n, 3)), len(range(0, n, 3)))
    assert cache.get(raws[1], Source("x.json")).verdict() == replace(good, source=Source("x.json"))


def _damaged_entries(verdict):
    entry = _entry(verdict)
    head, _, body = entry.partition(b"\n")
    columns = json.loads(head)
    yield "bit flip", bytes([entry[0] ^ 1]) + entry[1:], True
    yield "truncated seal", sealed(entry)[:-3], False
    yield "no newline", head + body, True
    yield "body not a verdict", head + b'\n{"other": 1}', True
    yield "newline in body", head + b"\n" + body[:-1] + b"\n}", True
    yield "short columns", json.dumps(columns[:10]).encode() + b"\n" + body, True
    yield "ok not 0 or 1", json.dumps([2, *columns[1:]]).encode() + b"\n" + body, True
    yield "version a bool", json.dumps([*columns[:10], True]).encode() + b"\n" + body, True
    yield "text a number", json.dumps([columns[0], 5, *columns[2:]]).encode() + b"\n" + body, True
    yield "not UTF-8", head + b"\n" + body[:-1] + b"\xff}", True


@pytest.mark.parametrize("case", range(10))
def test_a_damaged_or_misshapen_entry_is_a_miss_and_is_dropped(cache, mint, verify, case) -> None:
    verdict = verify(mint())
    name, data, seal = list(_damaged_entries(verdict))[case]
    raw = b"the document"
    cache.put([(raw, verdict)])
    key = cache._key(raw)
    value = sealed(data) if seal else data
    cache.db.execute("UPDATE verdicts SET value = ? WHERE key = ?", (value, key))
    assert cache.by_sha256([(hashlib.sha256(raw).digest(), Source("a.json"))]) == [None], name
    assert cache.misses == 1 and cache.hits == 0
    assert cache.db.execute("SELECT count(*) FROM verdicts").fetchone()[0] == 0
    cache.put([(raw, verdict)])  # recomputed and kept again
    assert cache.get(raw, Source("a.json")).verdict() == replace(verdict, source=Source("a.json"))


def test_a_verdict_is_kept_for_the_keys_and_bytes_it_was_computed_under(
    tmp_path, test_ring, both_ring, mint, verify
) -> None:
    verdict = verify(mint())
    with open_cache(tmp_path / "cache") as db:
        VerdictCache(db, test_ring).put([(b"doc", verdict)])
        assert VerdictCache(db, test_ring).get(b"doc", Source("a.json")) is not None
        assert VerdictCache(db, test_ring).get(b"doc ", Source("a.json")) is None
        assert VerdictCache(db, both_ring).get(b"doc", Source("a.json")) is None
