"""The benchmark script runs end to end in its quick mode and writes a complete JSON report.

It checks values, never speed: every ratio is a positive, finite number and every section and
target is there. Speed is measured by the script, never asserted by a test.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _positive(value: float) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value > 0


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
    assert data["machine"]["cpu_model"]
    single = data["single_env"]
    assert set(single) == {
        "companion", "cartpole", "feed", "ratio", "feed_ratio", "feed_slowdown"
    }  # fmt: skip
    for key in ("companion", "cartpole", "feed"):
        assert _positive(single[key]["steps_per_s"])
        assert len(single[key]["round_steps_per_s"]) == 5
        assert single[key]["steps_per_s"] == max(single[key]["round_steps_per_s"])
    assert single["ratio"] == pytest.approx(
        single["companion"]["steps_per_s"] / single["cartpole"]["steps_per_s"]
    )
    assert [row["num_envs"] for row in data["vector_env"]] == [1, 64, 1024]
    for row in data["vector_env"]:
        for key in ("companion", "companion_1_thread", "cartpole", "user_model", "feed"):
            assert _positive(row[key]["user_steps_per_s"]) and _positive(
                row[key]["us_per_batch_step"]
            )
        for key in ("ratio", "ratio_1_thread", "model_ratio", "feed_slowdown"):
            assert _positive(row[key]), key
        assert row["day_threads"] >= 1
        assert row["ratio"] == pytest.approx(
            row["companion"]["user_steps_per_s"] / row["cartpole"]["user_steps_per_s"]
        )
    assert set(data["ppo"]["runs"]) == {
        "companion", "cartpole_native", "cartpole_dummy", "null_companion_spaces"
    }  # fmt: skip
    for key in ("ratio_vs_cartpole_native", "ratio_vs_cartpole_dummy", "ratio_vs_floor"):
        assert _positive(data["ppo"][key]), key
    assert data["grids"] is None
    targets = {t["name"]: t for t in data["targets"]}
    assert len(targets) == 7
    for target in targets.values():
        assert _positive(target["value"])
        assert target["met"] in ((None,) if target.get("reference") else (True, False))
    references = [name for name, t in targets.items() if t.get("reference")]
    assert references == ["make_vec(Companion) on one thread at N=1024 vs CartPoleVectorEnv"]
    assert any("UserModel.step" in name for name in targets)
    assert "batched user-steps/s" in done.stdout and "targets" in done.stdout
