"""The Ray backend: a real local Ray runs the cells, with the same results as the local pool."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from sagym.experiment import CompareConfig, run_grid

TINY: dict[str, Any] = {
    "rewards": ["engagement", "need_support"], "baselines": ["random"], "seeds": 1, "steps": 128,
    "n_envs": 2, "horizon": 10, "eval_users": 4, "hyperparams": {"n_steps": 32, "batch_size": 64},
    "wandb": "disabled", "progress": False,
}  # fmt: skip


def _ray_temp_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("sagym-ray-*")}


@pytest.mark.slow
def test_ray_backend_gives_byte_identical_results_and_stays_out_of_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ray

    local = run_grid(CompareConfig(**TINY, jobs=1, out=str(tmp_path / "local")))
    assert (local.trained, local.evaluated) == (2, 1)

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # Ray must write nothing there (no ~/.ray/auth_token)
    for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    before = _ray_temp_folders()
    out = tmp_path / "ray"
    grid = run_grid(CompareConfig(**TINY, jobs=2, backend="ray", out=str(out)))
    assert (grid.trained, grid.evaluated, grid.reused) == (2, 1, 0)
    assert not ray.is_initialized()  # the private Ray it started is stopped
    assert (out / "results.csv").read_bytes() == (tmp_path / "local" / "results.csv").read_bytes()
    assert (out / "trajectories.csv").read_bytes() == (
        tmp_path / "local" / "trajectories.csv"
    ).read_bytes()
    assert sorted(p.name for p in home.rglob("*")) == []
    assert not _ray_temp_folders() - before  # its session folder is removed (others may not be)

    again = run_grid(CompareConfig(**TINY, jobs=2, backend="ray", out=str(out)))
    assert (again.trained, again.evaluated, again.reused) == (0, 0, 3)  # same cache rules


def test_address_needs_the_ray_backend(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match="address is only used by backend 'ray'; got backend 'local'"
    ):
        CompareConfig(**TINY, address="10.0.0.1:6379", out=str(tmp_path / "never"))
    config = CompareConfig(**TINY, out=str(tmp_path / "never"))
    config.address = "10.0.0.1:6379"  # edited after construction: checked again before running
    with pytest.raises(
        ValueError, match="address is only used by backend 'ray'; got backend 'local'"
    ):
        run_grid(config)
    assert not (tmp_path / "never").exists()
