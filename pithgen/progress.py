"""Progress of a long run, by phase: what the stages report and how the command line shows
it.

A stage announces a phase (:meth:`Progress.phase`: its name, how much work it has, in
what unit) and then reports work done (:meth:`Progress.advance`). The command line shows
a bar per phase on a terminal (:class:`TerminalProgress`: its name, and it reaches 100%
only when that phase's work is done), and otherwise a line every few seconds
(:class:`LineProgress`: phase, done of total, rate), so that CI logs move. The library
default, :class:`Progress` itself, shows nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

LINE_EVERY = 5.0  # seconds between lines without a terminal
MIN_BAR = 200  # a phase with less work than this gets no bar


class Progress:
    """Reports of a run's progress (this base class shows nothing)."""

    def phase(self, name: str, total: int, unit: str) -> None:
        """A new phase: ``total`` ``unit`` (documents, bytes, files, pages) to do."""

    def advance(self, amount: int = 1) -> None:
        """``amount`` more of the current phase is done."""

    def close(self) -> None:
        """The run is over."""


class LineProgress(Progress):
    """A line every :data:`LINE_EVERY` seconds: ``pithgen: verifying: 41,000 of 100,000
    documents (8,100/s)``."""

    def __init__(self, out: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.clock = clock
        self.name = ""
        self.unit = ""
        self.total = 0
        self.done = 0
        self.started = self.last = clock()

    def phase(self, name: str, total: int, unit: str) -> None:
        self.name, self.total, self.unit, self.done = name, total, unit, 0
        self.started = self.clock()

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        now = self.clock()
        if now - self.last >= LINE_EVERY:
            self.last = now
            rate = self.done / max(now - self.started, 1e-9)
            if self.unit == "bytes":
                text = (
                    f"{self.done / 1e6:,.0f} of {self.total / 1e6:,.0f} MB ({rate / 1e6:,.1f} MB/s)"
                )
            else:
                text = f"{self.done:,} of {self.total:,} {self.unit} ({rate:,.0f}/s)"
            self.out.write(f"pithgen: {self.name}: {text}\n")
            self.out.flush()


class TerminalProgress(Progress):
    """A bar per phase, labelled with its name (for a terminal)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self.bar: ProgressBar[int] | None = None

    def phase(self, name: str, total: int, unit: str) -> None:
        import click

        self.close()
        if total >= MIN_BAR:
            self.bar = click.progressbar(
                length=total, label=f"{name} ({total:,} {unit})", file=self.out
            )
            self.bar.__enter__()

    def advance(self, amount: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(amount)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def for_stream(out: TextIO) -> Progress:
    """A bar per phase on a terminal, else a line every few seconds."""
    return TerminalProgress(out) if out.isatty() else LineProgress(out)
