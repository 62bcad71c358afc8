"""The benchmark script runs end to end in its quick mode and writes a complete JSON report.

It checks structure only: speed is measured by the script, never asserted by a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmark_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "benchmark.py"), "--quick", "--skip-grid",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["quick"] is True and data["machine"]["cpu_count"] >= 1
    assert data["single_env"]["companion"]["steps_per_s"] > 0
    sizes = [row["num_envs"] for row in data["vector_env"]]
    assert 1024 in sizes
    for row in data["vector_env"]:
        assert row["ratio"] > 0 and row["model_ratio"] > 0
    assert set(data["ppo"]["runs"]) >= {"companion", "cartpole_native", "cartpole_dummy"}
    names = {t["name"] for t in data["targets"]}
    assert any("UserModel.step" in n for n in names)
    assert "batched user-steps/s" in done.stdout
