"""``pithgen pull`` against real servers on 127.0.0.1: a mirror of a mirror, every
identifier form, bundles, conflicts with held records, conditional requests, resume
after Ctrl-C, bounded concurrency, gzip, and a local folder as the source."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pullhelpers import (
    SmallSite,
    build_small_site,
    mint,
    pull,
    pull_json,
    pulled_files,
    serving,
)
from sitehelpers import build_minted, shared_minted_site, tree

from pithgen.tokens import shard_of

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SmallSite:
    return build_small_site(tmp_path_factory.mktemp("small"))


def published_documents(site: Path) -> dict[str, bytes]:
    """The record JSON and bundles of a site, by path."""
    return {
        path: data
        for path, data in tree(site).items()
        if path.startswith(("pith/", ".well-known/")) and path.endswith(".json")
    }


def report_by_record(site: Path) -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    """verification.json without where each document was read from."""
    report = json.loads((site / "verification.json").read_text(encoding="utf-8"))
    records = {}
    for r in report["records"]:
        key = (r["pith_number"], r["kind"])
        assert key not in records
        records[key] = {k: v for k, v in r.items() if k != "source"}
    return report["summary"], records


# --------------------------------------------------------------------------- mirror of a mirror


def test_a_mirror_of_a_mirror_is_byte_identical(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    archive, site = shared_minted_site(tmp_path_factory)
    into, state = tmp_path / "records", tmp_path / "state.sqlite3"
    with serving(site) as server:
        code, report = pull_json(
            server.base, "--all", "--into", into, "--concurrency", "6",
            key_file=archive.key_file, state=state,
        )  # fmt: skip
        assert code == 0, report
        assert report["summary"] == {
            "fetched": len(archive.entries), "unchanged": 0, "failed": 0, "conflict": 0,
            "error": 0, "not_found": 0,
        }  # fmt: skip
        # every file written is named by its verified suffix, and nothing else is there
        names = set(pulled_files(into))
        expected = {
            f"pulled/{e.suffix[:2]}/{e.suffix}"
            + (".json" if e.kind == "record" else ".bundle.json")
            for e in archive.entries
        }
        assert names == expected

        # A second run asks with the validators it kept: every answer is a 304.
        before = len(server.statuses)
        code, again = pull_json(
            server.base, "--all", "--into", into, key_file=archive.key_file, state=state
        )
        assert code == 0 and again["summary"]["unchanged"] == len(archive.entries)
        documents = [(p, s) for p, s in server.statuses[before:] if p.startswith("pith/")]
        assert documents and all(s in (304, 404) for _, s in documents), documents
        assert {s for _, s in documents} == {304, 404}  # bundles most records do not have

    copy = build_minted(archive, tmp_path / "site", records=into, jobs=1)
    assert copy.written
    assert published_documents(tmp_path / "site") == published_documents(site)
    assert report_by_record(tmp_path / "site") == report_by_record(site)


def test_a_local_folder_and_a_file_url_are_sources(small: SmallSite, tmp_path: Path) -> None:
    for n, source in enumerate((small.site, small.site.as_uri())):
        into = tmp_path / f"records-{n}"
        code, report = pull_json(source, "--all", "--into", into, key_file=small.key_file)
        assert code == 0, report
        assert report["summary"]["fetched"] == 6  # 4 records, 2 bundles
        assert report["patterns"].startswith("the manifest file://")
        for name in ("a1", "a2", "old", "both"):
            held = into / "pulled" / small.suffix(name)[:2] / f"{small.suffix(name)}.json"
            assert held.read_bytes() == (small.site / small.record_path(name)).read_bytes()


def test_a_symlink_out_of_a_source_folder_is_refused(small: SmallSite, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    secret = tmp_path / "outside.json"
    secret.write_bytes((small.site / small.record_path("a1")).read_bytes())
    (site / "pith").mkdir()
    (site / "pith" / f"{small.suffix('a1')}.json").symlink_to(secret)
    code, report = pull_json(
        site, small.suffix("a1"), "--into", tmp_path / "r", key_file=small.key_file
    )
    assert code == 2
    assert "symlink leads out of the source folder" in report["items"][0]["reasons"][0]
    assert pulled_files(tmp_path / "r") == {}


# --------------------------------------------------------------------------- identifiers


def test_every_identifier_form_resolves_to_the_record_it_names(
    small: SmallSite, tmp_path: Path
) -> None:
    a1, a2, old, both = (small.docs[n] for n in ("a1", "a2", "old", "both"))
    forms = [
        str(a1["pith_number"]),  # pith:YYYY:SUFFIX
        small.suffix("a2").lower(),  # a bare suffix, any case
        str(old["short_pith_number"]),  # pith:SHORT8
        f"https://pith.science/pith/{small.suffix('both')}",  # a Pith URL
    ]
    into = tmp_path / "records"
    with serving(small.site) as server:
        code, report = pull_json(server.base, *forms, "--into", into, key_file=small.key_file)
        assert code == 0, report
    fetched = {(i["pith_number"], i["kind"]) for i in report["items"] if i["status"] == "fetched"}
    assert fetched == {
        (a1["pith_number"], "record"),
        (a2["pith_number"], "record"),
        (old["pith_number"], "record"),
        (both["pith_number"], "record"),
        (both["pith_number"], "bundle"),  # bundles come along
    }
    assert len(pulled_files(into)) == 5


@pytest.mark.parametrize(
    ("identifier", "names"),
    [
        ("arXiv:2101.00001", {"a1", "a2"}),  # no version: every version the index lists
        ("2101.00001v2", {"a2"}),
        ("10.48550/ARXIV.2101.00001", {"a1", "a2"}),
        ("https://arxiv.org/abs/2101.00001v1", {"a1"}),
        ("hep-th/9901001", {"old"}),
        ("doi:10.48550/arXiv.hep-th/9901001", {"old"}),
    ],
)
def test_arxiv_ids_and_dois_use_the_resolve_index(
    small: SmallSite, tmp_path: Path, identifier: str, names: set[str]
) -> None:
    with serving(small.site) as server:
        code, report = pull_json(
            server.base, identifier, "--into", tmp_path, key_file=small.key_file
        )
    assert code == 0, report
    got = {i["pith_number"] for i in report["items"] if i["status"] == "fetched"}
    assert got == {small.docs[n]["pith_number"] for n in names}


def test_the_year_of_a_full_pith_number_must_match(small: SmallSite, tmp_path: Path) -> None:
    wrong = f"pith:1999:{small.suffix('a1')}"
    with serving(small.site) as server:
        code, report = pull_json(server.base, wrong, "--into", tmp_path, key_file=small.key_file)
    assert code == 1
    (item,) = report["items"]
    assert item["status"] == "failed"
    assert f"asked for the Pith Number {wrong}" in item["reasons"][0]
    assert pulled_files(tmp_path) == {}


def test_identifiers_from_a_file_and_what_cannot_be_found(small: SmallSite, tmp_path: Path) -> None:
    listing = tmp_path / "wanted.txt"
    listing.write_text(
        f"# wanted\n{small.docs['a1']['pith_number']}\n\n2101.00001v9   # no such version\n"
        "pith:ZZZZ\n",
        encoding="utf-8",
    )
    with serving(small.site) as server:
        code, report = pull_json(
            server.base, "--from-file", listing, "--into", tmp_path / "r", key_file=small.key_file
        )
    assert code == 2  # not everything asked for is held now
    status = {tuple(i["identifiers"]): i["status"] for i in report["items"]}
    assert status == {
        ("2101.00001v9",): "not_found",
        ("pith:ZZZZ",): "not_found",
        (str(small.docs["a1"]["pith_number"]),): "fetched",
    }


def test_an_ambiguous_prefix_is_not_guessed(small: SmallSite, tmp_path: Path) -> None:
    """The source's index lists two records under one 4-character prefix."""
    suffix, pith = small.suffix("a1"), small.docs["a1"]["pith_number"]
    prefix = suffix[:4]
    twin = prefix + "A" * 22
    body = json.dumps([[suffix, pith, ""], [twin, f"pith:2021:{twin}", ""]]).encode()
    with serving(small.site) as server:
        server.routes[f"resolve/p/{prefix[:2]}.json"] = lambda h, n: h.send(200, body)
        code, report = pull_json(
            server.base, f"pith:{prefix}", "--into", tmp_path, key_file=small.key_file
        )
    assert code == 2
    (item,) = report["items"]
    assert item["status"] == "not_found" and "ambiguous: 2 records" in item["reasons"][0]
    assert pulled_files(tmp_path) == {}


def test_an_index_hint_must_be_confirmed_by_the_record(small: SmallSite, tmp_path: Path) -> None:
    """The source's resolve index says 2101.00001v1 is the old-style record: the record
    fetched says otherwise, so it is not admitted."""
    meta = json.loads((small.site / "resolve/meta.json").read_bytes())
    shard = shard_of("2101.00001", meta["id_shards"])
    lie = {"2101.00001": [[1, small.suffix("old"), small.docs["old"]["pith_number"], "x"]]}
    with serving(small.site) as server:
        server.routes[f"resolve/a/{shard}.json"] = lambda h, n: h.send(
            200, json.dumps(lie).encode()
        )
        code, report = pull_json(
            server.base, "2101.00001v1", "--into", tmp_path, key_file=small.key_file
        )
    assert code == 1
    failed = [i for i in report["items"] if i["status"] == "failed"]
    assert failed and "asked for arXiv 2101.00001" in failed[0]["reasons"][0]
    assert pulled_files(tmp_path) == {}


def test_unparseable_identifiers_are_a_usage_error_before_any_request(
    small: SmallSite, tmp_path: Path
) -> None:
    with serving(small.site) as server:
        result = pull(server.base, "hello", "arXiv:1813.00001", "--into", tmp_path)
        assert result.exit_code == 2
        assert (
            "not a Pith Number, arXiv id or arXiv DOI: 'hello', 'arXiv:1813.00001'" in result.stderr
        )
        assert server.paths() == []
        assert pull(server.base, "--into", tmp_path).exit_code == 2  # nothing asked


def test_a_source_without_manifest_or_index(small: SmallSite, tmp_path: Path) -> None:
    """Like pith.science: records at Pith's published patterns, no resolve index."""
    bare = tmp_path / "bare"
    for name in ("a1", "both"):
        for rel in (small.record_path(name), small.bundle_path(name)):
            if (small.site / rel).is_file():
                (bare / rel).parent.mkdir(parents=True, exist_ok=True)
                (bare / rel).write_bytes((small.site / rel).read_bytes())
    with serving(bare) as server:
        code, report = pull_json(
            server.base, small.suffix("a1"), small.docs["both"]["pith_number"], "arXiv:2101.00001",
            "--into", tmp_path / "r", key_file=small.key_file,
        )  # fmt: skip
        assert report["patterns"] == "Pith's published patterns (spec section 7)"
        result = pull(server.base, "--all", "--into", tmp_path / "r2", key_file=small.key_file)
    assert code == 2
    status = {i["identifiers"][0]: i["status"] for i in report["items"]}
    assert status[small.suffix("a1")] == "fetched"
    assert status["arXiv:2101.00001"] == "not_found"
    assert "give the full Pith Number" in report["items"][0]["reasons"][0]
    assert result.exit_code == 2 and "--all walks the source's resolve index" in result.stderr


# --------------------------------------------------------------------------- held records


def _held(into: Path, name: str, doc: dict[str, Any], indent: int | None = 2) -> Path:
    path = into / "mine" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("held_doc", "status", "fragment"),
    [
        ("same-content", "unchanged", "already held as"),
        ("other-title", "conflict", "holds arXiv 2101.00001v1 as pith:"),
        ("updated", "conflict", "holds another record document of"),
    ],
)
def test_held_records_are_never_overwritten(
    small: SmallSite, tmp_path: Path, held_doc: str, status: str, fragment: str
) -> None:
    into = tmp_path / "records"
    doc = json.loads((small.site / small.record_path("a1")).read_bytes())
    if held_doc == "other-title":  # another canonical record for the same arXiv id and version
        doc = mint("a1", title="A different title, so a different Pith Number")
    elif held_doc == "updated":  # the same signed record, another unsigned field
        doc["updated_at"] = "2027-01-01T00:00:00+00:00"
    mine = _held(into, "a1.json", doc, indent=None)
    before = pulled_files(into)
    with serving(small.site) as server:
        code, report = pull_json(
            server.base, small.suffix("a1"), "--into", into, key_file=small.key_file
        )
    assert code == (0 if status == "unchanged" else 1)
    (item,) = report["items"]
    assert item["status"] == status and fragment in item["reasons"][0], item
    assert pulled_files(into) == before  # nothing written, nothing replaced
    assert str(mine) in item["reasons"][0]


def test_an_unverified_file_in_the_way_is_a_conflict(small: SmallSite, tmp_path: Path) -> None:
    into = tmp_path / "records"
    suffix = small.suffix("a1")
    junk = into / "pulled" / suffix[:2] / f"{suffix}.json"
    junk.parent.mkdir(parents=True)
    junk.write_bytes(b'{"not": "a record"}\n')
    with serving(small.site) as server:
        code, report = pull_json(server.base, suffix, "--into", into, key_file=small.key_file)
    assert code == 1
    (item,) = report["items"]
    assert item["status"] == "conflict" and "is not a verified copy" in item["reasons"][0]
    assert junk.read_bytes() == b'{"not": "a record"}\n'
    assert report["ignored_in_records"] == 1


# --------------------------------------------------------------------------- network behaviour


def test_gzip_is_decoded_and_requests_are_bounded(small: SmallSite, tmp_path: Path) -> None:
    with serving(small.site) as server:
        server.gzip = True
        server.delay = 0.03
        code, report = pull_json(
            server.base, "--all", "--into", tmp_path, "--concurrency", "3", key_file=small.key_file
        )
        assert code == 0, report
        assert 2 <= server.max_inflight <= 3, server.max_inflight
        assert all("gzip" in h.get("Accept-Encoding", "") for _, h in server.requests)
    for name in ("a1", "old"):
        suffix = small.suffix(name)
        held = tmp_path / "pulled" / suffix[:2] / f"{suffix}.json"
        assert held.read_bytes() == (small.site / small.record_path(name)).read_bytes()


def test_an_interrupted_pull_resumes(small: SmallSite, tmp_path: Path) -> None:
    """Ctrl-C while one record's request hangs: exit 130, what was written stays, and the
    same command finishes the rest without asking again for what was done."""
    into, state = tmp_path / "records", tmp_path / "state.sqlite3"
    shards = json.loads((small.site / "resolve/meta.json").read_bytes())["id_shards"]
    sources = {n: small.docs[n]["source"] for n in small.docs}
    order = sorted(
        sources,
        key=lambda n: (shard_of(sources[n]["id"], shards), sources[n]["id"], sources[n]["version"]),
    )
    hang = small.record_path(order[-1])  # the last task of the walk: the others are done
    with serving(small.site) as server:
        server.routes[hang] = lambda h, n: time.sleep(30) if n == 0 else h.serve_file(hang)
        command = [
            sys.executable, "-m", "pithgen", "pull", server.base, "--all", "--into", str(into),
            "--trust-key", str(small.key_file), "--state", str(state), "-j", "1",
            "--concurrency", "1", "--timeout", "60",
        ]  # fmt: skip
        env = dict(os.environ, PYTHONPATH=str(HERE.parent))
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 30
        while server.asked(hang) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the task before it is admitted
        done_before = pulled_files(into)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert b"run the same command to resume" in err
        assert pulled_files(into) == done_before
        asked_before = server.paths()
        code, report = pull_json(
            server.base, "--all", "--into", into, key_file=small.key_file, state=state
        )
        assert code == 0, report
        again = server.paths()[len(asked_before) :]
    assert report["resumed"] >= len(done_before) >= 3
    assert hang in again
    for path in done_before:  # what was written before the interrupt was not asked again
        suffix = Path(path).name.split(".")[0]
        assert not [p for p in again if suffix in p], (path, again)
    assert len(pulled_files(into)) == 6
