"""The installed package is complete: the default templates (top-level ``templates/``)
ship inside it as ``pithgen/templates`` and are found there, away from any checkout."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_declared() -> None:
    declared = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pithgen").rglob("__init__.py")
    }
    assert found <= declared, f"packages missing from pyproject.toml: {sorted(found - declared)}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, cwd=out,
    )  # fmt: skip
    (found,) = out.glob("pithgen-*.whl")
    return found


def test_the_wheel_carries_templates_assets_keys_and_scaffold(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").rglob("*"):
        if template.is_file():
            rel = template.relative_to(ROOT / "templates").as_posix()
            assert f"pithgen/templates/{rel}" in names, rel
    for name in ("pithgen/keys/pith-v1-2026-05.json", "pithgen/scaffold/pithgen.toml",
                 "pithgen/scaffold/workflows/pages.yml"):  # fmt: skip
        assert name in names, name


def test_an_installed_package_renders_from_its_own_templates(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    probe = (
        "import pithgen.theme as t; d = t.default_templates_dir(); print(d); "
        "print(t.asset_bytes('pithgen.css', None)[:20])"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.splitlines()[0])
    assert folder == target / "pithgen" / "templates"
