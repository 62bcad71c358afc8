"""Run mypy over the package as it is installed, straight from the source folders.

The distribution maps the top-level folders ``envs/``, ``agents/`` and ``rewards/`` onto
``sagym.envs``, ``sagym.agents`` and ``sagym.rewards``. mypy cannot follow setuptools' editable
import hook, so this script lays out a tree of symbolic links with the installed package shape under
``.typecheck/`` and checks that tree (plus ``scripts/``) against the repository's mypy settings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / ".typecheck"
SUBPACKAGES = ("envs", "agents", "rewards")


def build_tree() -> Path:
    if TREE.exists():
        shutil.rmtree(TREE)
    package = TREE / "sagym"
    package.mkdir(parents=True)
    for entry in (ROOT / "sagym").iterdir():
        if entry.name == "__pycache__":
            continue
        os.symlink(entry, package / entry.name)
    for name in SUBPACKAGES:
        os.symlink(ROOT / name, package / name)
    return TREE


def main() -> int:
    tree = build_tree()
    env = dict(os.environ, MYPYPATH=str(tree))
    base = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
    scripts = sorted(str(p) for p in (ROOT / "scripts").glob("*.py"))
    status = subprocess.call([*base, "-p", "sagym"], cwd=tree, env=env)
    if scripts:
        status |= subprocess.call([*base, "--follow-imports=silent", *scripts], cwd=tree, env=env)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
