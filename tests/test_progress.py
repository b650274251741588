"""Progress by phase: a bar per phase on a terminal, a line every few seconds without."""

from __future__ import annotations

import io
from pathlib import Path

from pithgen.progress import LINE_EVERY, LineProgress, Progress, TerminalProgress, for_stream


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lines_come_every_few_seconds_with_phase_done_total_and_rate() -> None:
    out, clock = io.StringIO(), Clock()
    progress = LineProgress(out, clock)
    progress.phase("verifying", 20_000_000, "bytes")
    for _ in range(10):
        clock.now += LINE_EVERY / 4
        progress.advance(1_000_000)
    progress.phase("rendering pages", 100, "documents")
    clock.now += LINE_EVERY
    progress.advance(40)
    assert out.getvalue().splitlines() == [
        "pithgen: verifying: 4 of 20 MB (0.8 MB/s)",
        "pithgen: verifying: 8 of 20 MB (0.8 MB/s)",
        "pithgen: rendering pages: 40 of 100 documents (8/s)",
    ]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_per_phase_named_after_it() -> None:
    out = Terminal()
    progress = for_stream(out)
    assert isinstance(progress, TerminalProgress)
    progress.phase("verifying", 1000, "bytes")
    progress.advance(1000)
    progress.phase("rendering pages", 500, "documents")
    progress.advance(250)
    progress.close()
    text = out.getvalue()
    assert "verifying (1,000 bytes)" in text and "rendering pages (500 documents)" in text
    assert isinstance(for_stream(io.StringIO()), LineProgress)


def test_a_build_reports_its_phases(tmp_path: Path) -> None:
    import shutil

    from sitehelpers import SAMPLE_RECORDS

    from pithgen.build import build_site
    from pithgen.config import BuildConfig

    seen: list[tuple[str, int, str]] = []
    done: dict[str, int] = {}

    class Recorder(Progress):
        def phase(self, name: str, total: int, unit: str) -> None:
            seen.append((name, total, unit))
            done[name] = 0

        def advance(self, amount: int = 1) -> None:
            done[seen[-1][0]] += amount

    records = tmp_path / "records"
    shutil.copytree(SAMPLE_RECORDS, records)
    config = BuildConfig(records=records, out=tmp_path / "site", jobs=1)
    build_site(config, progress=Recorder())
    names = [name for name, _, _ in seen]
    assert names == ["reading inputs", "verifying", "rendering pages"]
    assert all(done[name] == total for name, total, _ in seen)  # every bar reaches its end
    seen.clear()
    build_site(config, progress=Recorder())  # up to date: only the inputs are read
    assert [name for name, _, _ in seen] == ["reading inputs"]
