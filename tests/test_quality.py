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


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """The dotted name of a module file: ``pithgen.tlog.merkle``, ``pithgen.tlog.__init__``
    for a package. A file outside the package counts as a top-level module of it."""
    try:
        parts = path.with_suffix("").relative_to(package.parent).parts
    except ValueError:
        parts = (package.name, path.stem)
    return ".".join(parts)


def _resolve(name: str, modules: set[str]) -> str | None:
    """The module an imported dotted name lands in: the longest prefix that is a module,
    or the ``__init__`` of the longest prefix that is a package."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in modules:
            return prefix
        if f"{prefix}.__init__" in modules:
            return f"{prefix}.__init__"
    return None


def _module_imports(path: Path, package: Path = PACKAGE) -> set[str]:
    """The pithgen modules a module imports anywhere in it: at the top, under
    ``TYPE_CHECKING`` or inside a function (each of those hides a cycle, it does not
    remove one). Relative imports resolve against the module's own package."""
    modules = {module_name(p, package) for p in package.rglob("*.py")}
    own = module_name(path, package)
    own_package = own.rsplit(".", 1)[0].split(".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x / from ..x import y
                anchor = own_package[: len(own_package) - node.level + 1]
                base = ".".join(filter(None, [*anchor, base]))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            if name.split(".")[0] != package.name:
                continue
            target = _resolve(name, modules)
            if target is not None:
                found.add(target)
    found.discard(own)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module of the package and its subpackages, with the modules it imports."""
    return {
        module_name(p, package): _module_imports(p, package) for p in sorted(package.rglob("*.py"))
    }


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
    assert {"pithgen.buildreport", "pithgen.config", "pithgen.buildsummary"} <= graph["pithgen.cli"]
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


def test_the_import_graph_sees_subpackages_and_their_cycles(tmp_path: Path) -> None:
    graph = import_graph()
    assert "pithgen.tlog.merkle" in graph
    assert {"pithgen.tlog.merkle", "pithgen.tlog.note", "pithgen.errors"} <= graph[
        "pithgen.tlog.proof"
    ]
    package = tmp_path / "pithgen"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "top.py").write_text("from pithgen.sub import leaf\n", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "leaf.py").write_text("from . import mid\n", encoding="utf-8")
    (package / "sub" / "mid.py").write_text("from .. import top\n", encoding="utf-8")
    graph = import_graph(package)
    assert graph["pithgen.sub.leaf"] == {"pithgen.sub.mid", "pithgen.sub.__init__"}
    assert graph["pithgen.sub.mid"] == {"pithgen.top", "pithgen.__init__"}
    assert find_cycle(graph) == [
        "pithgen.sub.leaf",
        "pithgen.sub.mid",
        "pithgen.top",
        "pithgen.sub.leaf",
    ]


def test_no_import_cycle_between_pithgen_modules() -> None:
    assert find_cycle(import_graph()) is None
