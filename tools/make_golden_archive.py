#!/usr/bin/env python3
"""Write the golden archive tests/fixtures/golden-archive/, the input of the second golden
site tests/golden/archive-site/ (built by tests/sitehelpers.py ``build_archive``).

Every file is minted here, from the fixed-seed test keys of tests/conftest.py and fixed
``signed_at`` times, so running this twice writes the same bytes. The archive renders what
the sample site (one real record) never does:

- two versions of one paper (``versions/``): the versions line on both pages;
- two different papers whose 8-character short Pith Numbers are equal (``shared-short/``):
  the choices page ``pith/SHORT8/index.html`` and the "shared short number" notice;
- a bundle beside the record document of the same Pith Number, and a bundle alone (the
  record page is then rendered from the bundle) (``bundles/``);
- two documents that fail verification (``failed/``: a displayed title that no longer
  matches the signed title hash, a receipt signature made by an impostor key), so the
  build runs with keep_going;
- a JSONL file (``batch.jsonl``) with an old-style arXiv id, a record with several
  cross-listed categories signed by the second test key, and an exact duplicate of a
  ``.json`` record (merged, with a warning).

The two colliding records differ only by a counter in their abstracts. The counters were
found by a birthday search (``--search``, about a minute) and are hard-coded in
:data:`SHARED_SHORT_COUNTERS`, so a normal run does not search again.

    python3 tools/make_golden_archive.py            # (re)write the fixture folder
    python3 tools/make_golden_archive.py --check    # compare only (exit 1 on a difference)
    python3 tools/make_golden_archive.py --search   # search the counters again, print them

After rewriting the archive, regenerate and review the golden site:
``python3 tools/regen_golden.py`` and ``git diff tests``.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from conftest import (  # noqa: E402
    IMPOSTOR_SEED,
    OTHER_KEY_ID,
    OTHER_SEED,
    TEST_KEY_ID,
    TEST_SEED,
    make_bundle,
    make_paper,
)

from pithgen.canonical import canonical_json, canonical_sha256, suffix_for  # noqa: E402
from pithgen.events.sign import build_event, citation_payload  # noqa: E402
from pithgen.keys import SigningKey  # noqa: E402
from pithgen.mint import Paper, canonical_record_for, mint_record  # noqa: E402

ARCHIVE_DIR = REPO / "tests" / "fixtures" / "golden-archive"
KEY_FILES = ("keys/test-key-1.json", "keys/test-key-2.json")

KEY = SigningKey.from_seed(TEST_KEY_ID, TEST_SEED)
SECOND_KEY = SigningKey.from_seed(OTHER_KEY_ID, OTHER_SEED)
#: Claims the test key's id but is different key material: its signatures must fail.
IMPOSTOR = SigningKey.from_seed(TEST_KEY_ID, IMPOSTOR_SEED)

CC_BY = "http://creativecommons.org/licenses/by/4.0/"
ARXIV_LICENSE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"

# --------------------------------------------------------------------------- shared short

#: The two papers whose short numbers collide; only the counter in the abstract varies.
SHARED_SHORT_PAPERS: tuple[dict[str, Any], ...] = (
    {
        "arxiv_id": "2203.01111",
        "title": "Birthday Bounds for Short Identifiers",
        "submitted_at": "2022-03-03T10:00:00Z",
        "primary_cat": "cs.CR",
        "cross_cats": ("math.PR",),
        "authors": "Ada Abe, Bela Berg",
        "license": CC_BY,
    },
    {
        "arxiv_id": "2309.02222",
        "title": "A Second Paper Whose Short Number Is Taken",
        "submitted_at": "2023-09-09T09:09:09Z",
        "primary_cat": "math.PR",
        "cross_cats": (),
        "authors": "Chen Cruz",
        "license": ARXIV_LICENSE,
    },
)
#: Found by ``--search`` (the first cross-family match, counters interleaved from 0).
SHARED_SHORT_COUNTERS = (1298335, 1374592)  # pith:HOS3XE5I
SEARCH_LIMIT = 1 << 23


def shared_short_paper(family: int, counter: int) -> Paper:
    abstract = (
        "An eight-character short number has 40 bits, so about a million records "
        f"make a shared one likely. This abstract carries search counter {counter}."
    )
    return make_paper(**SHARED_SHORT_PAPERS[family], abstract=abstract)


def short_of(paper: Paper) -> str:
    """The 8-character short number of ``paper`` (no signature: the search needs only this)."""
    return suffix_for(canonical_sha256(canonical_record_for(paper)))[:8]


def search_shared_short(limit: int = SEARCH_LIMIT) -> tuple[int, int]:
    """Counters (a, b) giving family 0 and family 1 the same short number: a birthday
    search, counters tried in the order 0 (family 0), 0 (family 1), 1, 1, ..."""
    seen: dict[str, tuple[int, int]] = {}
    for counter in range(limit):
        for family in (0, 1):
            short = short_of(shared_short_paper(family, counter))
            other = seen.setdefault(short, (family, counter))
            if other[0] != family:
                found = {family: counter, other[0]: other[1]}
                return found[0], found[1]
    raise SystemExit(f"no shared short number within {limit} counters per paper")


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Document:
    """One input document: where it goes, the JSON, and why it is in the archive."""

    path: str  # relative to records/; "name.jsonl" documents are lines of that file
    doc: dict[str, Any]
    why: str


def _mint(key: SigningKey = KEY, signed_at: str = "2026-01-02T03:04:05Z", **paper: Any) -> Any:
    return mint_record(make_paper(**paper), key, signed_at=signed_at)


def _versions() -> Iterator[Document]:
    common: dict[str, Any] = {
        "arxiv_id": "1907.04415",
        "submitted_at": "2019-07-09T17:30:00Z",
        "primary_cat": "cs.DL",
        "cross_cats": ("cs.CR",),
        "authors": "Dana Dahl, Emil Eze",
        "license": CC_BY,
    }
    yield Document(
        "versions/1907.04415v1.json",
        _mint(
            version=1,
            title="Reproducible Static Mirrors of Signed Preprint Records",
            abstract="We build a static mirror of signed preprint records that anyone can "
            "verify offline.",
            **common,
        ),
        "paper 1907.04415, version 1 of 2",
    )
    yield Document(
        "versions/1907.04415v2.json",
        _mint(
            version=2,
            signed_at="2026-02-03T04:05:06Z",
            title="Reproducible Static Mirrors of Signed Preprint Records, Revisited",
            abstract="We build a static mirror of signed preprint records that anyone can "
            "verify offline, and show that two builds give the same bytes.",
            **common,
        ),
        "paper 1907.04415, version 2 of 2",
    )


def _shared_short() -> Iterator[Document]:
    for family, counter in enumerate(SHARED_SHORT_COUNTERS):
        paper = shared_short_paper(family, counter)
        yield Document(
            f"shared-short/{paper.arxiv_id}v1.json",
            mint_record(paper, KEY, signed_at="2026-01-05T06:07:08Z"),
            f"short number shared with the other shared-short record (counter {counter})",
        )


def _bundles() -> Iterator[Document]:
    beside = _mint(
        arxiv_id="2011.01234",
        title="Open Graph Bundles for Citation Events",
        abstract="A bundle carries a record together with the events about it.",
        submitted_at="2020-11-03T08:00:00Z",
        primary_cat="astro-ph.CO",
        cross_cats=(),
        authors="Farah Fox",
        signed_at="2026-01-03T00:00:00Z",
    )
    yield Document("bundles/2011.01234v1.json", beside, "record document beside its bundle")
    yield Document(
        "bundles/2011.01234v1.bundle.json",
        make_bundle(beside, other_events=False),
        "bundle beside the record document of the same Pith Number",
    )
    alone = _mint(
        arxiv_id="2104.05678",
        title="A Paper Published Only as a Bundle",
        abstract="No record document of this paper is in the archive.",
        submitted_at="2021-04-12T12:34:56Z",
        primary_cat="quant-ph",
        cross_cats=("hep-th",),
        authors="Goran Gil, Hana Holm",
        signed_at="2026-01-03T00:00:00Z",
    )
    yield Document(
        "bundles/2104.05678v1.bundle.json",
        make_bundle(alone),
        "bundle alone (with a graph snapshot event): the record page comes from the bundle",
    )


def _failed() -> Iterator[Document]:
    altered = _mint(
        arxiv_id="2002.00017",
        title="What the Signature Covers",
        abstract="The displayed title of this record was altered after signing.",
        submitted_at="2020-02-01T00:00:00Z",
        primary_cat="cs.CR",
        cross_cats=(),
        authors="Ivo Ito",
    )
    altered["paper"]["title"] = "What the Signature Covers, Improved After Signing"
    yield Document(
        "failed/altered-title.json", altered, "FAILS title_hash: displayed title altered"
    )
    forged = _mint(
        arxiv_id="2102.00088",
        title="A Receipt Signed by Someone Else",
        abstract="The signature of this receipt was made by an impostor key.",
        submitted_at="2021-02-02T02:02:02Z",
        primary_cat="cs.CR",
        cross_cats=(),
        authors="Jun Jovic",
    )
    signature = IMPOSTOR.sign(bytes.fromhex(forged["canonical_sha256"]))
    forged["receipt"]["signature_b64"] = base64.b64encode(signature).decode("ascii")
    yield Document(
        "failed/forged-signature.json",
        forged,
        "FAILS receipt_signature: signed by an impostor claiming test-key-1",
    )


def _batch(duplicate_of: dict[str, Any]) -> Iterator[Document]:
    yield Document(
        "batch.jsonl",
        _mint(
            arxiv_id="hep-th/9901001",
            title="Strings on a Lattice of Old-Style Identifiers",
            abstract="An old-style arXiv identifier names its archive and has no dot.",
            submitted_at="1999-01-04T12:00:00Z",
            primary_cat="hep-th",
            cross_cats=("gr-qc",),
            authors="Kim Abe",
            license="",
        ),
        "old-style arXiv id",
    )
    yield Document(
        "batch.jsonl",
        _mint(
            key=SECOND_KEY,
            signed_at="2026-01-04T05:06:07Z",
            arxiv_id="2306.11111",
            title="Cross-Listed Learning for Sparse Stochastic Graphs",
            abstract="A record listed in four categories besides its primary one.",
            submitted_at="2023-06-18T16:00:00Z",
            primary_cat="cs.LG",
            cross_cats=("stat.ML", "math.OC", "cs.AI", "cs.DS"),
            authors="José Núñez, Zoë Ünal",
        ),
        "cross-listed categories, non-ASCII authors, signed by test-key-2",
    )
    yield Document(
        "batch.jsonl",
        copy.deepcopy(duplicate_of),
        "exact duplicate of versions/1907.04415v1.json (merged with a warning)",
    )


def documents() -> list[Document]:
    versions = list(_versions())
    return [*versions, *_shared_short(), *_bundles(), *_failed(), *_batch(versions[0].doc)]


# --------------------------------------------------------------------------- events

EVENTS_FILE = "events/graph.jsonl"


def events(docs: list[Document]) -> list[tuple[dict[str, Any], str]]:
    """The events of the golden archive's event file, each with why it is there: two
    citations between its records (one cited by an arXiv id), an author claim, a
    replication, an event changed after it was signed (invalid), and an event about a
    record the archive does not have (attaches to nothing)."""
    by_id = {_versioned(d.doc): d.doc["pith_number"] for d in docs if "failed" not in d.path}
    v1, v2 = by_id["1907.04415v1"], by_id["1907.04415v2"]
    old = by_id["hep-th/9901001v1"]
    at = "2026-02-01T00:00:00Z"

    def signed(kind: str, subject: str, payload: dict[str, Any], key: SigningKey = KEY) -> Any:
        return build_event(
            event_type=kind, subject=subject, payload=payload, created_at=at, key=key
        )

    tampered = signed("citation", old, citation_payload(v1, "cites"))
    tampered["payload"]["relationship"] = "refutes"
    return [
        (signed("citation", v2, citation_payload(v1, "extends")), "v2 extends v1 (valid)"),
        (
            signed("citation", old, citation_payload("1907.04415", "uses_method")),
            "cites the paper by arXiv id: its latest version (valid)",
        ),
        (
            signed("author_claim", v1, {"author_name": "Ada Example", "author_position": 1}),
            "an author claim (valid)",
        ),
        (
            signed(
                "replication", v2, {"replication_id": "rep-1", "outcome": "replicated"}, SECOND_KEY
            ),
            "a replication signed by the second key (valid)",
        ),
        (tampered, "a citation changed after signing (invalid: id_mismatch)"),
        (
            signed("citation", "pith:2020:" + "A" * 26, citation_payload(v1, "cites")),
            "about a record this archive does not have (attaches to nothing)",
        ),
    ]


# --------------------------------------------------------------------------- files


def _key_document(key: SigningKey, signer_id: str) -> bytes:
    doc = key.public("test-fixture", signer_id).to_dict()
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


def archive_files() -> dict[str, bytes]:
    """Every file of the fixture folder, by relative path."""
    a, b = (shared_short_paper(f, c) for f, c in enumerate(SHARED_SHORT_COUNTERS))
    if short_of(a) != short_of(b):
        raise SystemExit(f"SHARED_SHORT_COUNTERS no longer collide: {short_of(a)} {short_of(b)}")
    files: dict[str, bytes] = {
        KEY_FILES[0]: _key_document(KEY, "pithgen tests"),
        KEY_FILES[1]: _key_document(SECOND_KEY, "pithgen tests (second key)"),
    }
    lines: list[str] = [
        "# The golden archive\n\n",
        "Input of tests/golden/archive-site/, written by tools/make_golden_archive.py "
        "(do not edit by hand).\nTrusted keys: " + ", ".join(KEY_FILES) + ".\n\n",
    ]
    line_of: dict[str, int] = {}
    for d in documents():
        rel = f"records/{d.path}"
        if d.path.endswith(".jsonl"):
            text = json.dumps(d.doc, ensure_ascii=False, separators=(",", ":")) + "\n"
            files[rel] = files.get(rel, b"") + text.encode("utf-8")
            line_of[rel] = line_of.get(rel, 0) + 1
            where = f"{rel}:{line_of[rel]}"
        else:
            text = json.dumps(d.doc, ensure_ascii=False, indent=2) + "\n"
            files[rel] = text.encode("utf-8")
            where = rel
        lines.append(f"- `{where}` {d.doc['pith_number']} arXiv:{_versioned(d.doc)}: {d.why}\n")
    event_lines = events(documents())
    files[EVENTS_FILE] = "".join(canonical_json(e) + "\n" for e, _ in event_lines).encode()
    for n, (event, why) in enumerate(event_lines, 1):
        lines.append(f"- `{EVENTS_FILE}:{n}` {event['event_type']} of "
                     f"{event['subject_pith_number']}: {why}\n")  # fmt: skip
    files["README.md"] = "".join(lines).encode("utf-8")
    return dict(sorted(files.items()))


def _versioned(doc: dict[str, Any]) -> str:
    source = doc["canonical_record"]["source"]
    return f"{source['id']}v{source['version']}"


def on_disk(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare only; write nothing")
    mode.add_argument("--search", action="store_true", help="search the counters again")
    args = parser.parse_args(argv)
    if args.search:
        a, b = search_shared_short()
        short = short_of(shared_short_paper(0, a))
        print(f"SHARED_SHORT_COUNTERS = ({a}, {b})  # short number pith:{short}")
        return 0
    new, old = archive_files(), on_disk(ARCHIVE_DIR)
    differing = sorted(p for p in set(new) | set(old) if new.get(p) != old.get(p))
    for path in differing:
        label = "added" if path not in old else "removed" if path not in new else "changed"
        print(f"{label:8} {path}")
    if args.check:
        return 1 if differing else 0
    if ARCHIVE_DIR.exists():
        shutil.rmtree(ARCHIVE_DIR)
    for rel, data in new.items():
        (ARCHIVE_DIR / rel).parent.mkdir(parents=True, exist_ok=True)
        (ARCHIVE_DIR / rel).write_bytes(data)
    print(f"{ARCHIVE_DIR}: {len(new)} files, {len(differing)} difference(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
