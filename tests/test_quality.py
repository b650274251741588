"""The project's own tooling gates: ruff (lint and format) and mypy --strict on pithgen/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "ruff", "check", "."],
        [sys.executable, "-m", "ruff", "format", "--check", "."],
        [sys.executable, "-m", "mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_tool_is_clean(command: list[str]) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# --- no import cycle between pithgen's modules ---------------------------------------------

PACKAGE = ROOT / "pithgen"


def _module_imports(path: Path) -> set[str]:
    """The pithgen modules a module imports anywhere in it: at the top, under
    ``TYPE_CHECKING`` or inside a function (each of those hides a cycle, it does not
    remove one)."""
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x / from .x import y
                base = ".".join(filter(None, ["pithgen", base]))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] != "pithgen":
                continue
            if len(parts) > 1 and parts[1] in modules:
                found.add(f"pithgen.{parts[1]}")
            elif name == "pithgen":
                found.add("pithgen.__init__")
    found.discard(f"pithgen.{path.stem}")
    return found


def import_graph() -> dict[str, set[str]]:
    return {f"pithgen.{p.stem}": _module_imports(p) for p in sorted(PACKAGE.glob("*.py"))}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (as a path that comes back to its start), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle is not None:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle is not None:
            return cycle
    return None


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_the_import_graph_sees_every_kind_of_import(tmp_path: Path) -> None:
    graph = import_graph()
    assert {"pithgen.build", "pithgen.config", "pithgen.report"} <= graph["pithgen.cli"]
    assert "pithgen.errors" in graph["pithgen.config"]
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "import pithgen.load\n"
        "from pithgen import merge, __version__\n"
        "from . import keys\n"
        "if TYPE_CHECKING:\n"
        "    from pithgen.build import BuildOutcome\n"
        "def f():\n"
        "    from pithgen.render import Renderer\n",
        encoding="utf-8",
    )
    assert _module_imports(sample) == {
        "pithgen.load",
        "pithgen.merge",
        "pithgen.__init__",
        "pithgen.keys",
        "pithgen.build",
        "pithgen.render",
    }


def test_no_import_cycle_between_pithgen_modules() -> None:
    assert find_cycle(import_graph()) is None
