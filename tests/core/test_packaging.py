"""The distribution installs ``sagym`` with its mapped subpackages and nothing else top-level."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_maps_subpackages_and_imports_from_outside_the_repo(tmp_path: Path) -> None:
    # Build from a copy of the sources, so setuptools' build/ folder stays out of the checkout.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT, source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "results", "runs", "wandb", "*cache*", "__pycache__"
        ),
    )  # fmt: skip
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = list(wheels.glob("sagym-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top_level == {"sagym"}
    for module in (
        "envs/companion.py",
        "envs/kernel.py",
        "agents/training.py",
        "rewards/builtin.py",
    ):
        assert f"sagym/{module}" in names, module
    assert "sagym/py.typed" in names

    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    assert not any((site / name).exists() for name in ("envs", "agents", "rewards"))
    code = (
        "import sagym, sagym.envs, sagym.agents, sagym.rewards, gymnasium as gym; "
        "print(sagym.envs.__file__); env = gym.make('sagym/Companion-v0'); env.reset(seed=0)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(site / "sagym" / "envs"))
