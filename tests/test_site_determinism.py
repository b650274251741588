"""The same records give the same site, byte for byte: whatever the order in which the
input files were created, their mtimes, the folder they live in, the hash seed, the locale
and the time zone of the build."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sitehelpers import (
    MINTED_BASE_URL,
    Archive,
    build_minted,
    first_difference,
    mint_archive,
    tree,
    tree_paths,
    write_test_key,
)

ENVS = (
    {"PYTHONHASHSEED": "1", "LC_ALL": "C", "TZ": "UTC"},
    {"PYTHONHASHSEED": "4242", "LC_ALL": "C.UTF-8", "TZ": "Pacific/Kiritimati"},
)


def _shuffled_copy(src: Path, dst: Path, seed: int) -> None:
    """Copy every file of ``src`` into ``dst`` in a shuffled creation order, with
    scattered mtimes on files and folders."""
    rng = random.Random(seed)
    files = tree_paths(src)
    rng.shuffle(files)
    for rel in files:
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        (dst / rel).write_bytes((src / rel).read_bytes())
    for dirpath, dirnames, filenames in os.walk(dst):
        for name in [*dirnames, *filenames]:
            stamp = rng.randrange(10**8, 2 * 10**9)
            os.utime(Path(dirpath) / name, (stamp, stamp))


def _config(folder: Path, key_file: Path) -> Path:
    path = folder / "pithgen.toml"
    path.write_text(
        "[site]\n"
        'title = "Determinism mirror"\n'
        f'base_url = "{MINTED_BASE_URL}"\n'
        "page_size = 10\n"
        "[build]\n"
        'records = "records"\n'
        'out = "site"\n'
        f"trust_keys = [{json.dumps(str(key_file))}]\n",
        encoding="utf-8",
    )
    return path


def _build(folder: Path, env: dict[str, str]) -> dict[str, bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    full.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "pithgen", "build"],
        cwd=folder,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tree(folder / "site")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return mint_archive(tmp_path_factory.mktemp("det") / "a")


def test_builds_are_byte_identical_across_input_order_mtimes_seeds_locales(
    archive, tmp_path
) -> None:
    key_file = archive.key_file  # one key location for both (see the xfail below)
    first, second = tmp_path / "first", tmp_path / "second"
    shutil.copytree(archive.records, first / "records")
    _shuffled_copy(archive.records, second / "records", seed=99)
    assert tree(first / "records") == tree(second / "records")
    _config(first, key_file)
    _config(second, key_file)
    a = _build(first, ENVS[0])
    b = _build(second, ENVS[1])
    assert len(a) > 2000
    assert sorted(a) == sorted(b)
    assert a == b, first_difference(a, b, ("first", "second"))


def test_rebuilding_over_an_existing_site_and_the_python_api_agree(archive, tmp_path) -> None:
    folder = tmp_path / "x"
    shutil.copytree(archive.records, folder / "records")
    _config(folder, archive.key_file)
    a = _build(folder, ENVS[0])
    b = _build(folder, ENVS[1])
    assert a == b, first_difference(a, b)
    build_minted(archive, tmp_path / "api", title="Determinism mirror")
    c = tree(tmp_path / "api")
    assert a == c, first_difference(a, c, ("cli", "api"))
    assert sorted(os.listdir(folder)) == [".pithgen-cache", "pithgen.toml", "records", "site"]


def test_the_location_of_a_trusted_key_file_does_not_change_the_site(archive, tmp_path) -> None:
    sites = []
    for name in ("one", "two"):
        out = tmp_path / name / "site"
        key_file = write_test_key(tmp_path / name / "keys" / "registry.json")
        build_minted(archive, out, trust_keys=(key_file,))
        sites.append(tree(out))
    assert sites[0] == sites[1], first_difference(sites[0], sites[1])
