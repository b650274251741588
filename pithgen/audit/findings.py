"""What an audit found: every failure, by check, with bounded memory and output.

The checks, in the order the audit runs them and reports them (their names are stable:
they appear in the human report and in ``--json``):

``manifest``
    ``pith-mirrors.json`` is readable, its trusted keys are the published key documents,
    its ``log`` block agrees with ``keys/log.vkey`` (and with ``--log-key``).
``checkpoint``
    ``log/checkpoint`` is a checkpoint signed by the log key.
``entries``
    every entry bundle is published and holds well-formed entries.
``tiles``
    every tile holds exactly the hashes the entries imply.
``root``
    the entries (and the tiles) hash to the checkpoint's root.
``since``
    the log only grew since a checkpoint the reader kept (``--since``).
``records``
    every published record document, bundle and state verifies as ``build`` verifies it.
``logged``
    every published file is in the log with its exact bytes (no extra, unlogged or changed
    file).
``published``
    every file the log holds is published with the logged bytes (no missing file).
``proofs``
    every published ``.tlog-proof`` file checks against the checkpoint.

A failure names where (a URL or path of the mirror, or a Pith Number) and says what was
expected and what was found. A check keeps at most :data:`LISTED` failures and counts the
rest, so an audit of a mirror where everything is wrong still prints a short report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pithgen.checks import bounded

CHECKS = (
    "manifest",
    "checkpoint",
    "entries",
    "tiles",
    "root",
    "since",
    "records",
    "logged",
    "published",
    "proofs",
)
LISTED = 20  # failures kept per check (all are counted)

Status = Literal["ok", "failed", "skipped", "not_asked"]


@dataclass(frozen=True)
class Failure:
    """One failed check: where (a file of the mirror, or a Pith Number) and why."""

    check: str
    where: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}

    def line(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class CheckResult:
    """One check's outcome: its first failures, how many in all, and notes (what was
    checked, or why it was skipped)."""

    name: str
    listed: list[Failure] = field(default_factory=list)
    count: int = 0
    notes: list[str] = field(default_factory=list)
    skipped: bool = False
    asked: bool = True

    @property
    def status(self) -> Status:
        if self.count:
            return "failed"
        if not self.asked:
            return "not_asked"
        return "skipped" if self.skipped else "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "status": self.status,
            "failures": self.count,
            "listed": [f.to_dict() for f in self.listed],
            "notes": list(self.notes),
        }


class Findings:
    """The collector every stage of the audit reports to."""

    def __init__(self) -> None:
        self.checks = {name: CheckResult(name) for name in CHECKS}

    def fail(self, check: str, where: str, message: str) -> None:
        result = self.checks[check]
        result.count += 1
        if len(result.listed) < LISTED:
            result.listed.append(Failure(check, bounded(where, 300), bounded(message)))

    def note(self, check: str, text: str) -> None:
        self.checks[check].notes.append(bounded(text))

    def skip(self, check: str, why: str) -> None:
        """The check could not run (what it needs failed first); a failed check stays
        failed."""
        result = self.checks[check]
        if not result.asked or result.skipped:
            return
        result.skipped = True
        result.notes.append(bounded(f"not checked: {why}"))

    def not_asked(self, check: str) -> None:
        self.checks[check].asked = False

    def failed(self, check: str) -> bool:
        return self.checks[check].count > 0

    @property
    def total(self) -> int:
        return sum(c.count for c in self.checks.values())

    def ordered(self) -> list[CheckResult]:
        return [self.checks[name] for name in CHECKS]


__all__ = ["CHECKS", "LISTED", "CheckResult", "Failure", "Findings", "Status"]
