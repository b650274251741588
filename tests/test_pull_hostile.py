"""``pithgen pull`` against a hostile source (servers on 127.0.0.1 that tamper, lie,
stall, overflow, fail, throttle, redirect elsewhere or publish escaping patterns), and
the rules that keep it safe: nothing unverified ever lands in the records folder."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from conftest import IMPOSTOR_SEED, PITH_KEY_PATH, TEST_KEY_ID
from pullhelpers import Handler, SmallSite, build_small_site, pull, pull_json, pulled_files, serving

from pithgen import layout
from pithgen.errors import UsageError
from pithgen.keys import SigningKey
from pithgen.pull.http import retry_after
from pithgen.pull.paths import UnsafePath, check_relpath, check_template, fill
from pithgen.pull.source import (
    DEFAULT_PATTERNS,
    ManifestError,
    check_root_url,
    patterns_of,
)

A1 = "a1"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SmallSite:
    return build_small_site(tmp_path_factory.mktemp("hostile"))


def record_bytes(small: SmallSite, name: str = A1) -> bytes:
    return (small.site / small.record_path(name)).read_bytes()


def altered(small: SmallSite, change: Callable[[dict[str, Any]], None]) -> bytes:
    doc = json.loads(record_bytes(small))
    change(doc)
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def answer(body: bytes, status: int = 200, **headers: str) -> Callable[[Handler, int], None]:
    return lambda h, n: h.send(status, body, headers)


def run_hostile(
    small: SmallSite, into: Path, routes: dict[str, Callable[[Handler, int], None]], *args: Any
) -> tuple[int, dict[str, Any], list[str]]:
    """Pull a1 from the small site with ``routes`` replacing some answers."""
    with serving(small.site) as server:
        server.routes.update(routes)
        code, report = pull_json(server.base, small.suffix(A1), "--into", into, *args,
                                 key_file=small.key_file)  # fmt: skip
        return code, report, server.paths()


def the_record(report: dict[str, Any]) -> dict[str, Any]:
    (item,) = [i for i in report["items"] if i["kind"] in ("record", None)]
    return item


# --------------------------------------------------------------------------- bad documents


def _impostor_signature(doc: dict[str, Any]) -> None:
    impostor = SigningKey.from_seed(TEST_KEY_ID, IMPOSTOR_SEED)
    digest = bytes.fromhex(doc["canonical_sha256"])
    doc["receipt"]["signature_b64"] = base64.b64encode(impostor.sign(digest)).decode()


def _retitle(doc: dict[str, Any]) -> None:
    doc["paper"]["title"] = "A Quite Different Title"


def _rehash(doc: dict[str, Any]) -> None:
    doc["canonical_record"]["metadata"]["primary_cat"] = "cs.LG"


BAD_DOCUMENTS: dict[str, tuple[Callable[[SmallSite], bytes], str]] = {
    "tampered title": (lambda s: altered(s, _retitle), "title_hash: paper.title"),
    "tampered record": (lambda s: altered(s, _rehash), "canonical_hash"),
    "wrong signature": (lambda s: altered(s, _impostor_signature), "receipt_signature"),
    "another record": (lambda s: record_bytes(s, "a2"), "identity: asked for the suffix"),
    "a bundle at the record URL": (
        lambda s: (s.site / s.bundle_path("both")).read_bytes(),
        "kind: expected a record document at this URL, found a bundle",
    ),
    "invalid UTF-8": (
        lambda s: record_bytes(s).replace(b"Content", b"Cont\xffent", 1),
        "json: expected UTF-8, found an invalid byte",
    ),
    "not JSON": (lambda s: b"<html>hello</html>", "json: invalid JSON"),
    "duplicate keys": (
        lambda s: record_bytes(s).replace(b"{", b'{"pith_number": "x",', 1),
        "duplicate key 'pith_number'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_a_bad_document_is_reported_and_never_written(
    small: SmallSite, tmp_path: Path, case: str
) -> None:
    make, fragment = BAD_DOCUMENTS[case]
    code, report, _ = run_hostile(small, tmp_path, {small.record_path(A1): answer(make(small))})
    assert code == 1, report
    item = the_record(report)
    assert item["status"] == "failed", item
    assert any(fragment in r for r in item["reasons"]), item["reasons"]
    assert pulled_files(tmp_path) == {}
    assert report["summary"]["failed"] == 1


def test_a_bundle_served_as_a_record_of_its_own_number_is_refused(
    small: SmallSite, tmp_path: Path
) -> None:
    with serving(small.site) as server:
        suffix = small.suffix("both")
        bundle = (small.site / small.bundle_path("both")).read_bytes()
        server.routes[small.record_path("both")] = answer(bundle)
        code, report = pull_json(server.base, suffix, "--into", tmp_path, key_file=small.key_file)
    assert code == 1
    record = next(i for i in report["items"] if i["kind"] == "record")
    assert record["status"] == "failed"
    assert record["reasons"] == ["kind: expected a record document at this URL, found a bundle"]
    # the genuine bundle still came along, under its own name
    assert set(pulled_files(tmp_path)) == {f"pulled/{suffix[:2]}/{suffix}.bundle.json"}


def test_an_untrusted_key_is_a_failure(small: SmallSite, tmp_path: Path) -> None:
    with serving(small.site) as server:
        code, report = pull_json(server.base, small.suffix(A1), "--into", tmp_path)
    assert code == 1
    assert any("receipt_key" in r for r in the_record(report)["reasons"])
    assert pulled_files(tmp_path) == {}


# --------------------------------------------------------------------------- bad transfers


def _truncated(small: SmallSite) -> Callable[[Handler, int], None]:
    body = record_bytes(small)

    def route(h: Handler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.close_connection = True

    return route


def _close_delimited_truncated(small: SmallSite) -> Callable[[Handler, int], None]:
    body = record_bytes(small)

    def route(h: Handler, n: int) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.close_connection = True

    return route


def _endless(h: Handler, n: int) -> None:
    h.send_response(200)
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        h.wfile.write(b"[" * 8192)


def _drip(h: Handler, n: int) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "10000")
    h.end_headers()
    for _ in range(10000):
        h.wfile.write(b" ")
        time.sleep(0.02)


def _escapes(h: Handler, n: int) -> None:
    """A reason phrase that would clear a terminal and set its title if printed raw."""
    h.send_response(418, "\x1b[2J\x1b]0;pwned\x07")
    h.send_header("Content-Length", "0")
    h.end_headers()


def _bomb(h: Handler, n: int) -> None:
    h.send(200, gzip.compress(b" " * (8 << 20)), {"Content-Encoding": "gzip"})


@pytest.mark.parametrize(
    ("case", "route", "args", "fragment", "attempts", "seconds"),
    [
        ("truncated", _truncated, (), "truncated body: ", 3, 5),
        ("endless", lambda s: _endless, ("--max-size", "100000"), "larger than the limit", 1, 5),
        ("gzip bomb", lambda s: _bomb, ("--max-size", "100000"), "after gzip decoding", 1, 5),
        ("slow", lambda s: lambda h, n: time.sleep(3), ("--timeout", "0.3"), "timed out", 3, 2.5),
        ("drip", lambda s: _drip, ("--timeout", "0.4", "--retries", "0"), "timed out", 1, 2),
        ("500", lambda s: answer(b"oops", 500), (), "HTTP 500", 3, 5),
        ("403", lambda s: answer(b"no", 403), (), "HTTP 403", 1, 5),
        ("terminal escapes", lambda s: _escapes, (), "HTTP 418 '\\x1b[2J\\x1b]0;pwned\\x07'", 1, 5),
        (
            "429 too long",
            lambda s: answer(b"", 429, **{"Retry-After": "3600"}),
            ("--max-wait", "5"),
            "asks to wait 3600 s (Retry-After), longer than --max-wait 5 s",
            1,
            2,
        ),
    ],
)
def test_a_failed_transfer_is_an_error_and_writes_nothing(
    small: SmallSite,
    tmp_path: Path,
    case: str,
    route: Any,
    args: tuple[str, ...],
    fragment: str,
    attempts: int,
    seconds: float,
) -> None:
    start = time.monotonic()
    code, report, paths = run_hostile(small, tmp_path, {small.record_path(A1): route(small)}, *args)
    assert time.monotonic() - start < seconds
    assert code == 2, report
    item = the_record(report)
    assert item["status"] == "error" and fragment in item["reasons"][0], item
    assert paths.count(small.record_path(A1)) == attempts
    assert pulled_files(tmp_path) == {}
    assert not any(c in reason for reason in item["reasons"] for c in "\x1b\x07")


def test_a_body_cut_short_without_a_length_fails_verification(
    small: SmallSite, tmp_path: Path
) -> None:
    route = _close_delimited_truncated(small)
    code, report, _ = run_hostile(small, tmp_path, {small.record_path(A1): route})
    assert code == 1
    assert the_record(report)["reasons"][0].startswith("json: invalid JSON")
    assert pulled_files(tmp_path) == {}


def test_retries_recover_from_500s_and_honour_retry_after(small: SmallSite, tmp_path: Path) -> None:
    record = small.record_path(A1)
    times: list[float] = []

    def flaky(h: Handler, n: int) -> None:
        times.append(time.monotonic())
        if n == 0:
            h.send(429, b"", {"Retry-After": "1"})
        elif n == 1:
            h.send(503, b"", {"Retry-After": formatdate(time.time() - 60, usegmt=True)})
        elif n == 2:
            h.send(500, b"")
        else:
            h.serve_file(record)

    code, report, paths = run_hostile(small, tmp_path, {record: flaky}, "--retries", "3")
    assert code == 0, report
    assert paths.count(record) == 4
    assert times[1] - times[0] >= 0.95  # Retry-After: 1
    assert times[2] - times[1] < 0.9  # a date in the past: no wait
    assert the_record(report)["status"] == "fetched"


def test_retry_after_values() -> None:
    assert retry_after("120") == 120.0
    assert retry_after(" 7 ") == 7.0
    assert retry_after(formatdate(1_000_060, usegmt=True), now=1_000_000) == 60.0
    assert retry_after(formatdate(1_000_000, usegmt=True), now=1_000_060) == 0.0
    assert retry_after("soon") is None
    assert retry_after("-5") is None
    assert retry_after(None) is None


# --------------------------------------------------------------------------- redirects


def test_redirects_stay_on_the_source_unless_allowed(small: SmallSite, tmp_path: Path) -> None:
    record = small.record_path(A1)
    with serving(small.site) as other:
        elsewhere = other.base + record
        routes = {record: answer(b"", 302, Location=elsewhere)}
        code, report, _ = run_hostile(small, tmp_path / "a", routes)
        assert code == 2
        item = the_record(report)
        assert item["status"] == "error"
        assert f"refused a redirect to '{elsewhere}': another host" in item["reasons"][0]
        assert other.paths() == []
        port = other.server_address[1]
        code, report, _ = run_hostile(
            small, tmp_path / "b", routes, "--allow-host", f"127.0.0.1:{port}"
        )
        assert code == 0, report
        assert other.paths() == [record]
    suffix = small.suffix(A1)
    assert set(pulled_files(tmp_path / "b")) == {f"pulled/{suffix[:2]}/{suffix}.json"}
    assert pulled_files(tmp_path / "a") == {}


@pytest.mark.parametrize(
    ("location", "fragment"),
    [
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://127.0.0.1/x.json", "scheme 'ftp'"),
        ("http://user:pw@127.0.0.1/x.json", "credentials"),
        ("http://127.0.0.1:notaport/x", "not a valid URL"),
    ],
)
def test_redirects_to_other_schemes_are_refused(
    small: SmallSite, tmp_path: Path, location: str, fragment: str
) -> None:
    routes = {small.record_path(A1): answer(b"", 301, Location=location)}
    code, report, _ = run_hostile(small, tmp_path, routes)
    assert code == 2
    assert fragment in the_record(report)["reasons"][0]
    assert pulled_files(tmp_path) == {}


def test_a_redirect_on_the_source_itself_is_followed_but_not_forever(
    small: SmallSite, tmp_path: Path
) -> None:
    record = small.record_path(A1)
    moved = {
        record: answer(b"", 308, Location="/archive/moved.json"),
        "archive/moved.json": lambda h, n: h.serve_file(record),
    }
    code, report, _ = run_hostile(small, tmp_path / "a", moved)
    assert code == 0 and the_record(report)["status"] == "fetched"
    loop = {record: answer(b"", 302, Location=f"/{record}")}
    code, report, _ = run_hostile(small, tmp_path / "b", loop)
    assert code == 2 and "more than 5 redirects" in the_record(report)["reasons"][0]


# --------------------------------------------------------------------------- the manifest


def manifest(**mirror: Any) -> bytes:
    base = {"name": "evil", "base_url": "https://small.example/mirror"}
    return json.dumps(
        {"manifest_type": "pith_mirror_manifest", "mirrors": [{**base, **mirror}]}
    ).encode()


ESCAPES = [
    "../{suffix}.json",
    "pith/{suffix}/../../../etc/x.json",
    "pith/./{suffix}.json",
    "pith//{suffix}.json",
    "/etc/{suffix}.json",
    "//evil.example/{suffix}.json",
    "https://evil.example/pith/{suffix}.json",
    "http://127.0.0.1:1/pith/{suffix}.json",
    "file:///etc/{suffix}.json",
    "javascript:alert(1)//{suffix}.json",
    "https://small.example/mirror/../{suffix}.json",
    "pith/%2e%2e/{suffix}.json",
    "pith\\..\\{suffix}.json",
    "pith/{suffix}.json?x=1",
    "pith/{suffix}.json#x",
    "pith/{suffix}{suffix}.json",
    "pith/record.json",
    "pith/{suffix}.html",
    "pith/{SUFFIX}.json",
    "pith/{suffix} .json",
]


@pytest.mark.parametrize("key", ["record_pattern", "bundle_pattern"])
@pytest.mark.parametrize("pattern", ESCAPES)
def test_manifest_patterns_that_escape_are_refused(
    small: SmallSite, tmp_path: Path, key: str, pattern: str
) -> None:
    with serving(small.site) as server:
        server.routes[layout.MANIFEST] = answer(manifest(**{key: pattern}))
        result = pull(server.base, small.suffix(A1), "--into", tmp_path, key_file=small.key_file)
        assert result.exit_code == 2, result.output
        assert "refused pattern" in result.stderr and key in result.stderr, result.stderr
        assert server.paths() == [layout.MANIFEST]
    assert pulled_files(tmp_path) == {}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"<html>", "expected a mirror manifest (JSON)"),
        (b'{"manifest_type": "other", "mirrors": []}', "expected manifest_type"),
        (b'{"manifest_type": "pith_mirror_manifest", "mirrors": {}}', "expected 'mirrors'"),
        (manifest(record_pattern=7), "record_pattern: expected a string"),
    ],
)
def test_an_unusable_manifest_stops_the_pull(
    small: SmallSite, tmp_path: Path, body: bytes, fragment: str
) -> None:
    with serving(small.site) as server:
        server.routes[layout.MANIFEST] = answer(body)
        result = pull(server.base, small.suffix(A1), "--into", tmp_path)
    assert result.exit_code == 2 and fragment in result.stderr, result.stderr
    assert pulled_files(tmp_path) == {}


def test_manifest_patterns_are_read_relative_to_the_source(
    small: SmallSite, tmp_path: Path
) -> None:
    """A manifest may move the record JSON elsewhere on the source: followed, verified."""
    suffix = small.suffix(A1)
    with serving(small.site) as server:
        server.routes[layout.MANIFEST] = answer(
            manifest(record_pattern="https://small.example/mirror/data/{suffix}.json")
        )
        server.routes[f"data/{suffix}.json"] = answer(record_bytes(small))
        code, report = pull_json(server.base, suffix, "--into", tmp_path, key_file=small.key_file)
    assert code == 0, report
    assert the_record(report)["url"] == f"{server.base}data/{suffix}.json"


def test_pith_published_manifest_gives_the_layout_patterns() -> None:
    observed = json.loads((PITH_KEY_PATH.parent / "pith-mirrors.observed.json").read_bytes())
    found = patterns_of(observed, "https://pith.science/", "pith-mirrors.json")
    assert (found.record, found.bundle) == (layout.RECORD_JSON, layout.BUNDLE)
    assert (DEFAULT_PATTERNS.record, DEFAULT_PATTERNS.bundle) == (found.record, found.bundle)
    # a copy of Pith's manifest served elsewhere: its patterns are read under its base URL
    copied = patterns_of(observed, "https://copy.example/pith-mirror/", "m")
    assert (copied.record, copied.bundle) == (found.record, found.bundle)


def test_a_manifest_of_many_mirrors_is_read_for_the_source() -> None:
    mirrors = [
        {
            "base_url": "https://one.example",
            "record_pattern": "https://one.example/r/{suffix}.json",
        },
        {"base_url": "https://two.example/x/", "record_pattern": "y/{suffix}.json"},
    ]
    doc = {"manifest_type": "pith_mirror_manifest", "mirrors": mirrors}
    assert patterns_of(doc, "https://one.example/", "m").record == "r/{suffix}.json"
    assert patterns_of(doc, "https://two.example/x/", "m").record == "y/{suffix}.json"
    with pytest.raises(ManifestError, match="none has the base_url"):
        patterns_of(doc, "https://three.example/", "m")


# --------------------------------------------------------------------------- paths, roots


def test_the_path_grammar() -> None:
    assert check_relpath(".well-known/pith/X/bundle.json") == ".well-known/pith/X/bundle.json"
    for bad in ("", "/a", "a/", "a//b", "../a", "a/./b", "a/%2e", "a?b", "a#b", "a\\b", "a:b"):
        with pytest.raises(UnsafePath):
            check_relpath(bad)
    assert check_template("p/{suffix}/b.json", "m") == "p/{suffix}/b.json"
    with pytest.raises(UnsafePath):
        fill("p/{suffix}.json", "../../../../etc/passwd" + "A" * 4)
    with pytest.raises(UnsafePath):
        fill("p/{suffix}.json", "4fp6z27b6dfnjryzbsxh3xon27")


@pytest.mark.parametrize(
    "url",
    [
        "https://user@pith.science",
        "https://pith.science/?q=1",
        "https://pith.science/#x",
        "https:///nohost",
        "https://pith.science:0/",
        "https://pith.science/a b",
    ],
)
def test_a_source_url_must_be_a_plain_base_url(url: str) -> None:
    with pytest.raises(UsageError, match="SOURCE"):
        check_root_url(url)


def test_a_source_that_cannot_be_reached_is_a_network_error(tmp_path: Path) -> None:
    with serving(None) as server:
        base = server.base
    result = pull(base, "pith:2018:4FP6Z27B6DFNJRYZBSXH3XON27", "--into", tmp_path,
                  "--retries", "1")  # fmt: skip
    assert result.exit_code == 2
    assert "pith-mirrors.json" in result.stderr and "gave up after 2 attempts" in result.stderr


def test_a_hostile_resolve_index_is_survived(small: SmallSite, tmp_path: Path) -> None:
    """Rows that break the grammars are skipped (never fetched), a broken meta is an
    error for the identifiers that need it, and nothing is written either way."""
    rows = [["../../../etc/passwd", "pith:2021:x", ""], ["AAAA", "pith:2021:AAAA", ""]]
    with serving(small.site) as server:
        prefix = small.suffix(A1)[:2]
        server.routes[f"resolve/p/{prefix}.json"] = answer(json.dumps(rows).encode())
        code, report = pull_json(server.base, f"pith:{small.suffix(A1)[:8]}", "--into", tmp_path)
        assert code == 2
        assert report["items"][0]["status"] == "not_found"
        assert report["notes"] == ["2 malformed row(s) of the resolve index skipped"]
        server.routes["resolve/meta.json"] = answer(b'{"version": 1, "pith_prefix_len": 2, '
                                                    b'"id_shards": 3}')  # fmt: skip
        code, report = pull_json(server.base, "arXiv:2101.00001", "--into", tmp_path)
        assert code == 2
        assert report["items"][0]["status"] == "error"
        assert "id_shards: expected a power of two" in report["items"][0]["reasons"][0]
        assert not [p for p in server.paths() if "etc" in p or p.startswith("pith/")]
    assert pulled_files(tmp_path) == {}


def test_a_keep_alive_connection_closed_by_the_server_is_reopened(
    small: SmallSite, tmp_path: Path
) -> None:
    """The server answers the manifest and closes the connection without saying so; the
    next request on it (the resolve index) goes out again on a fresh one, not counted as
    a retry (there are none here)."""

    def close_after(h: Handler, n: int) -> None:
        h.serve_file(layout.MANIFEST)
        h.close_connection = True

    with serving(small.site) as server:
        server.routes[layout.MANIFEST] = close_after
        code, report = pull_json(server.base, "2101.00001v1", "--into", tmp_path, "--retries",
                                 "0", key_file=small.key_file)  # fmt: skip
        assert server.paths()[:2] == [layout.MANIFEST, "resolve/meta.json"]
    assert code == 0, report
