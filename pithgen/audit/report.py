"""What ``pithgen audit`` prints: a human report, or one JSON document (``--json``), and
its exit status.

Exit status, as for ``pithgen verify``: 0 the mirror passed every check, 1 it failed at
least one (the report names each failure), 2 the audit could not run (a usage error, an
unreachable URL, a folder that is no site); the command line's handler maps the rest.

The JSON document::

    {"report_type": "pithgen_audit", "report_version": "1.0", "site": URL, "ok": BOOL,
     "exit_code": 0|1,
     "summary": {"failures": N, "checks_failed": [NAME, ...], "entries": N,
                 "records": N, "bundles": N, "states": N, "proofs": N,
                 "states_not_checkable": N, "records_looked_at": N},
     "log": {"origin", "size", "root_hash", "vkey", "key_from"} | null,
     "since": {"origin", "size", "root_hash"} | null,
     "checks": [{"check": NAME, "status": "ok"|"failed"|"skipped"|"not_asked",
                 "failures": N, "listed": [{"where", "message"}, ...], "notes": [...]},
                ...]}

``listed`` holds at most :data:`pithgen.audit.findings.LISTED` failures of a check;
``failures`` counts them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pithgen.audit.findings import CheckResult
from pithgen.errors import EXIT_OK, EXIT_VERIFICATION_FAILED

REPORT_TYPE = "pithgen_audit"
REPORT_VERSION = "1.0"


@dataclass(frozen=True)
class AuditReport:
    """The outcome of one audit."""

    site: str
    checks: tuple[CheckResult, ...]
    counts: dict[str, int]
    log: dict[str, Any] | None = None
    since: dict[str, Any] | None = None

    @property
    def failures(self) -> int:
        return sum(c.count for c in self.checks)

    @property
    def ok(self) -> bool:
        return self.failures == 0

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_VERIFICATION_FAILED

    def check(self, name: str) -> CheckResult:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_type": REPORT_TYPE,
            "report_version": REPORT_VERSION,
            "site": self.site,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "summary": {
                "failures": self.failures,
                "checks_failed": [c.name for c in self.checks if c.count],
                **self.counts,
            },
            "log": self.log,
            "since": self.since,
            "checks": [c.to_dict() for c in self.checks],
        }

    def human_lines(self) -> Iterator[str]:
        """Each failed check with its listed failures, then one line a check, then the
        summary."""
        for check in self.checks:
            if not check.count:
                continue
            yield f"FAILED {check.name} ({check.count})"
            for failure in check.listed:
                yield f"  {failure.line()}"
            if check.count > len(check.listed):
                yield f"  and {check.count - len(check.listed)} more"
        for check in self.checks:
            status = check.status.replace("_", " ")
            notes = "; ".join(check.notes)
            yield f"{check.name}: {status}" + (f" ({notes})" if notes else "")
        yield self.summary()

    def summary(self) -> str:
        c = self.counts
        checked = (
            f"{c['records']} record document(s), {c['bundles']} bundle(s), {c['states']} "
            f"state(s) and {c['proofs']} proof(s) checked against {c['entries']} log entries"
        )
        if self.ok:
            return f"Audit of {self.site}: OK, every check passed. {checked}."
        failed = ", ".join(f"{x.name} {x.count}" for x in self.checks if x.count)
        return f"Audit of {self.site}: FAILED, {self.failures} failure(s) ({failed}). {checked}."


__all__ = ["REPORT_TYPE", "REPORT_VERSION", "AuditReport"]
