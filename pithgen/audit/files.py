"""The per-record files of a mirror, record by record (checks ``records``, ``logged``,
``published`` and ``proofs``, as far as one record's files tell).

For every suffix some source names (:meth:`pithgen.audit.store.AuditStore.candidates`)
the audit reads the files the site layout has for it (:data:`ROLES`) and

- verifies the record document and the bundle **exactly as** ``pithgen verify`` does
  (:func:`pithgen.load.parse` and :func:`pithgen.verify.verify_document` on the exact
  bytes, under the site's published keys), then that each is of the kind its path
  promises and is the record its path names;
- checks the state against the events it is merged from (:mod:`pithgen.audit.states`);
- records each file's SHA-256 in the store, for the comparisons with the log
  (:mod:`pithgen.audit.compare`); the ``.well-known`` copy of a bundle must be the logged
  bundle too;
- checks every ``.tlog-proof`` file (and that every record document and bundle has one):
  its checkpoint signed by the log key, under the log's origin, the inclusion proof of the
  file's latest entry leading to that checkpoint's root, and that checkpoint being one of
  this log's (its root is the root of the log's first ``size`` entries).

Only one record's files are in memory at a time (and a few more being fetched).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from pithgen import layout
from pithgen.audit.findings import Findings
from pithgen.audit.logcheck import LogView
from pithgen.audit.source import AuditSource
from pithgen.audit.states import check_state
from pithgen.audit.store import AuditStore, Published
from pithgen.checks import some
from pithgen.errors import LogError
from pithgen.keys import KeyRing
from pithgen.load import LoadOptions, parse
from pithgen.model import RawDoc, Source, Verdict
from pithgen.tlog.proof import verify_proof
from pithgen.verify import verify_document

#: The files of one record the audit reads, by role, and where the site layout puts them.
ROLES: dict[str, Callable[[str], str]] = {
    "record": layout.record_json,
    "record_proof": layout.record_proof,
    "bundle": layout.bundle,
    "bundle_proof": layout.bundle_proof,
    "well_known": layout.well_known_bundle,
    "state": layout.state,
    "events": layout.events,
}
DOCUMENTS = ("record", "bundle")


@dataclass
class Counts:
    """How many files of each kind were checked."""

    records: int = 0
    bundles: int = 0
    states: int = 0
    proofs: int = 0
    not_checkable: int = 0


def paths_of(suffix: str) -> list[str]:
    """The site-relative paths of one record's files, in :data:`ROLES` order."""
    return [path(suffix) for path in ROLES.values()]


class FileChecker:
    """Checks one record's files at a time (see the module docstring)."""

    def __init__(
        self,
        source: AuditSource,
        store: AuditStore,
        keys: KeyRing,
        view: LogView,
        findings: Findings,
    ) -> None:
        self.source, self.store, self.keys = source, store, keys
        self.view, self.findings = view, findings
        self.counts = Counts()

    def check(self, suffix: str, contents: list[bytes | None]) -> None:
        files = dict(zip(ROLES, contents, strict=True))
        pith: str | None = None
        canonical: str | None = None
        for kind in DOCUMENTS:
            data = files[kind]
            if data is None:
                continue
            verdict = self._document(suffix, kind, ROLES[kind](suffix), data)
            if verdict is not None:
                pith = pith or verdict.pith_number
                canonical = canonical or verdict.canonical_sha256
        self._well_known(suffix, files)
        state = files["state"]
        if state is not None:
            self._state(suffix, pith, canonical, state, files["events"])
        for kind in DOCUMENTS:
            self._proof(suffix, kind, files[kind] is not None, files[f"{kind}_proof"])

    # --- documents --------------------------------------------------------------------

    def _document(
        self, suffix: str, kind: str, path: str, data: bytes, keep: bool = True
    ) -> Verdict | None:
        """Verify one record document or bundle and (with ``keep``) store it; its verdict
        when it verified and is the record its path names."""
        url = self.source.url(path)
        limit = LoadOptions().max_bytes  # as load refuses a larger input document
        if len(data) > limit:
            verdict = Verdict(Source(url), None, ())
            problems = [f"json: document larger than the limit of {limit} bytes"]
        else:
            verdict = verify_document(parse(RawDoc(Source(url), data)), self.keys)
            problems = [f"{c.check}: {c.message}" for c in verdict.problems]
        if not problems and verdict.kind != kind:
            problems.append(
                f"kind: expected a {kind} document at this path, found a {verdict.kind}"
            )
        if not problems and verdict.suffix != suffix:
            problems.append(
                f"identity: expected the record pith:YYYY:{suffix} at this path, found "
                f"{verdict.pith_number}"
            )
        if keep and kind == "record":
            self.counts.records += 1
        elif keep:
            self.counts.bundles += 1
        good = not problems
        if not good:
            named = verdict.pith_number or f"the {kind} of {suffix}"
            self.findings.fail("records", url, f"{named} does not verify: {some(problems)}")
        if not keep:
            return verdict if good else None
        self.store.add_published(
            Published(
                suffix, kind, path, _sha(data),
                pith=verdict.pith_number if good else None,
                canonical=verdict.canonical_sha256 if good else None,
                arxiv_id=verdict.arxiv_id if good else None,
                version=verdict.version if good else None,
            )
        )  # fmt: skip
        return verdict if good else None

    def _well_known(self, suffix: str, files: dict[str, bytes | None]) -> None:
        """The ``.well-known`` copy of a bundle is the bundle (the logged one)."""
        copy, bundle = files["well_known"], files["bundle"]
        url = self.source.url(layout.well_known_bundle(suffix))
        if copy is None:
            if bundle is not None:
                self.findings.fail(
                    "published", url, "expected the .well-known copy of the bundle, found none"
                )
            return
        if copy == bundle:
            return
        # Another file than bundle.json: verified on its own, compared with the log here
        # (bundle.json, or its absence, is what the store compares).
        self._document(suffix, "bundle", layout.well_known_bundle(suffix), copy, keep=False)
        if self.view.tree is None:
            return
        latest = self.store.latest(suffix, "bundle")
        if latest is None:
            self.findings.fail("logged", url, "the log holds no bundle of this record")
        elif not latest.entry.matches(copy):
            self.findings.fail(
                "logged",
                url,
                f"its bytes are not the logged bundle's: entry {latest.index} has SHA-256 "
                f"{latest.entry.json_sha256}, the file {_sha(copy)}",
            )

    def _state(
        self,
        suffix: str,
        pith: str | None,
        canonical: str | None,
        state: bytes,
        events: bytes | None,
    ) -> None:
        path = layout.state(suffix)
        url = self.source.url(path)
        checked = check_state(suffix, pith, state, events, self.keys)
        self.counts.states += 1
        if not checked.checkable:
            self.counts.not_checkable += 1
        for about, problem in checked.problems:
            where = url if about == "state" else self.source.url(layout.events(suffix))
            self.findings.fail("records", where, problem)
        self.store.add_published(
            Published(suffix, "state", path, _sha(state), pith=checked.pith, canonical=canonical)
        )

    # --- proofs -----------------------------------------------------------------------

    def _proof(self, suffix: str, kind: str, published: bool, proof: bytes | None) -> None:
        path = (layout.record_proof if kind == "record" else layout.bundle_proof)(suffix)
        url = self.source.url(path)
        view = self.view
        if view.tree is None or view.checkpoint is None or view.verifier is None:
            return
        if proof is None:
            if published:
                beside = ROLES[kind](suffix)
                self.findings.fail("proofs", url, f"expected the proof of {beside}, found none")
            return
        latest = self.store.latest(suffix, kind)
        if latest is None:
            self.findings.fail("proofs", url, f"a proof of a {kind} file the log holds no entry of")
            return
        self.counts.proofs += 1
        what = f"the proof of entry {latest.index} ({kind} of {latest.entry.pith_number})"
        try:
            proved = verify_proof(
                proof, latest.entry.encode(), [view.verifier], view.checkpoint.origin, url
            )
        except LogError as exc:
            self.findings.fail("proofs", url, f"{what} does not verify: {exc.message}")
            return
        size = proved.checkpoint.size
        if proved.index != latest.index:
            self.findings.fail(
                "proofs", url, f"expected {what}, found a proof of entry {proved.index}"
            )
        elif size > view.checkpoint.size:
            self.findings.fail(
                "proofs",
                url,
                f"its checkpoint has {size} entries, the log's only {view.checkpoint.size}",
            )
        elif view.tree.root(size) != proved.checkpoint.root_hash:
            self.findings.fail(
                "proofs",
                url,
                f"its checkpoint (size {size}) is not one of this log's: the log's first {size} "
                f"entries hash to {view.tree.root(size).hex()}, it says "
                f"{proved.checkpoint.root_hash.hex()}",
            )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = ["ROLES", "Counts", "FileChecker", "paths_of"]
