"""``sagym train --resume``: which file, what may change, curves and W&B runs that continue.

Runs are small (16 users, rollouts of 1,024 steps, checkpoints every 1,024 steps) but real: SB3
PPO trains, checkpoints are zip files SB3 wrote, W&B writes offline runs read back from disk.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import torch

from sagym.agents import TrainConfig, load_algo, train
from sagym.agents.resume import ResumeError, resume_seed
from sagym.cli import main as cli_main
from sagym.outcomes import HEADLINE_METRICS

pytestmark = pytest.mark.slow

BASE: dict[str, Any] = dict(
    reward="engagement", n_envs=16, seed=1, run_name="r", wandb="disabled", progress=False,
    eval_users=16, hyperparams={"n_steps": 64, "batch_size": 256},
)  # fmt: skip

#: |resumed - uninterrupted| allowed on each headline outcome (docs/resume.md, "Tolerance").
TOLERANCE = 0.15


def _train(tmp_path: Path, steps: int, eval_every: int = 1024, **changes: Any) -> Path:
    config = TrainConfig(**{**BASE, "out": str(tmp_path), **changes})  # type: ignore[arg-type]
    config.steps, config.eval_every = steps, eval_every
    return train(config).run_dir


def _resume(run_dir: Path, *extra: str) -> int:
    args = ["train", "--resume", str(run_dir), *extra, "--wandb", "disabled", "--no-progress"]
    return cli_main(args)


def _stop_after(run_dir: Path, step: int) -> None:
    """Make ``run_dir`` look stopped after checkpoint ``step``: later models never got written."""
    (run_dir / "model.zip").unlink()
    for path in (run_dir / "checkpoints").glob("step_*.zip"):
        if int(path.stem[5:]) > step:
            path.unlink()


def _resumes(run_dir: Path) -> list[dict[str, Any]]:
    return list(json.loads((run_dir / "config.json").read_text())["resumes"])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _params(path: Path) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in load_algo("ppo", str(path)).policy.state_dict().items()}


def test_resume_from_model_zip_when_there_is_no_checkpoint(tmp_path: Path) -> None:
    run_dir = _train(tmp_path, 2048, eval_every=0)
    assert not (run_dir / "checkpoints").exists()
    before = pd.read_csv(run_dir / "progress.csv")

    assert _resume(run_dir, "--steps", "4096") == 0

    assert load_algo("ppo", str(run_dir / "model.zip")).num_timesteps == 4096
    pd.testing.assert_frame_equal(pd.read_csv(run_dir / "progress.csv"), before)  # not restarted
    after = pd.read_csv(run_dir / f"progress_from_{2048}.csv")
    assert after["global_step"].min() == 3072 and after["global_step"].max() == 4096
    (entry,) = _resumes(run_dir)
    assert entry["checkpoint"] == "model.zip" and entry["from_step"] == 2048
    assert entry["changes"] == {"steps": {"before": 2048, "after": 4096}}


def test_corrupt_newest_checkpoint_falls_back_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _train(tmp_path, 2048)
    _stop_after(run_dir, 2048)
    newest = run_dir / "checkpoints" / "step_2048.zip"
    newest.write_bytes(newest.read_bytes()[:5000])  # truncated mid-write

    assert _resume(run_dir, "--steps", "3072") == 0

    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("sagym train: note: skipped unreadable checkpoints/step_2048.zip (")
    assert err[0].endswith("; resuming from checkpoints/step_1024.zip at step 1024")
    (entry,) = _resumes(run_dir)
    assert entry["from_step"] == 1024 and entry["checkpoint"] == "checkpoints/step_1024.zip"
    assert entry["skipped"][0].startswith("checkpoints/step_2048.zip (")
    assert load_algo("ppo", str(run_dir / "model.zip")).num_timesteps == 3072
    assert pd.read_csv(run_dir / "eval.csv")["global_step"].tolist() == [1024, 2048, 3072]


def test_a_run_with_nothing_loadable_gets_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _train(tmp_path, 1024)
    for path in [run_dir / "model.zip", *(run_dir / "checkpoints").glob("*.zip")]:
        path.write_bytes(b"PK\x03\x04 not a model")
    saved = _snapshot(run_dir)

    assert _resume(run_dir, "--steps", "2048") == 2
    out = capsys.readouterr().err.strip()
    assert out.startswith(f"sagym train: error: cannot resume {run_dir}: no loadable model, ")
    assert "checkpoints/step_1024.zip (" in out and "model.zip (" in out
    assert out.endswith("start it again without --resume")
    assert _snapshot(run_dir) == saved  # nothing written

    for path in [run_dir / "model.zip", *(run_dir / "checkpoints").glob("*.zip")]:
        path.unlink()
    assert _resume(run_dir) == 2
    assert capsys.readouterr().err.strip() == (
        f"sagym train: error: cannot resume {run_dir}: it holds no model.zip and no "
        "checkpoints/step_*.zip (it stopped before its first checkpoint); start it again "
        "without --resume"
    )
    # A missing folder, a folder without config.json and an unreadable config.json are
    # input errors of the CLI layer: tests/core/test_cli_errors.py.


def test_changed_reward_is_refused_and_applied_only_when_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _train(tmp_path, 1024)
    saved = _snapshot(run_dir)

    assert _resume(run_dir, "--steps", "2048", "--reward", "satisfaction") == 2
    assert capsys.readouterr().err.strip() == (
        f"sagym train: error: cannot resume {run_dir} with a changed reward "
        '("engagement" -> "satisfaction"): it would train something else than the run began; '
        "pass --allow-changes to apply it anyway"
    )
    assert _snapshot(run_dir) == saved  # refused before anything was written
    assert _resume(run_dir, "--steps", "512") == 2
    assert "steps=512 is below the 1024 steps it has already trained" in capsys.readouterr().err

    extra = ["--reward", "satisfaction", "--hp", "learning_rate=0.0003", "--allow-changes"]
    assert _resume(run_dir, "--steps", "2048", *extra) == 0
    config = json.loads((run_dir / "config.json").read_text())
    assert config["reward"] == "satisfaction"
    assert config["hyperparams"]["learning_rate"] == 0.0003
    (entry,) = config["resumes"]
    assert entry["changes"]["reward"] == {"before": "engagement", "after": "satisfaction"}
    assert entry["changes"]["hyperparams"]["after"]["learning_rate"] == 0.0003
    model = load_algo("ppo", str(run_dir / "model.zip"))
    assert model.learning_rate == 0.0003  # applied, not the saved default
    assert model.num_timesteps == 2048

    for name, value in (("policy_kwargs", {"net_arch": [8]}), ("normalize_observations", False)):
        with pytest.raises(ResumeError, match=rf"changed hyperparameter {name}"):
            hp = {**BASE["hyperparams"], name: value}
            train(
                TrainConfig(**{**BASE, "out": str(tmp_path), "steps": 4096, "hyperparams": hp}),
                resume=True,
                allow_changes=True,
            )


def test_resuming_the_same_checkpoint_twice_is_bit_identical(tmp_path: Path) -> None:
    run_dir = _train(tmp_path / "run", 2048)
    _stop_after(run_dir, 1024)
    copies = []
    for name in ("a", "b"):
        copy = tmp_path / name / "r"
        shutil.copytree(run_dir, copy)
        assert _resume(copy, "--steps", "3072") == 0
        copies.append(copy)
    a, b = copies

    params_a, params_b = _params(a / "model.zip"), _params(b / "model.zip")
    assert params_a.keys() == params_b.keys()
    assert all(torch.equal(params_a[k], params_b[k]) for k in params_a)
    for name in ("outcomes.json", "eval.csv", "trajectory.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    curves = [pd.read_csv(c / "progress_from_1024.csv") for c in copies]
    columns = [c for c in curves[0] if c.startswith(("train/", "rollout/")) or c == "global_step"]
    pd.testing.assert_frame_equal(curves[0][columns], curves[1][columns])
    # The continuation is seeded from the run's seed and the step, not replayed from step 0.
    assert resume_seed(1, 1024) == resume_seed(1, 1024) != resume_seed(1, 2048)
    assert resume_seed(1, 1024) != 1


def test_curves_do_not_overlap_across_resumes(tmp_path: Path) -> None:
    run_dir = _train(tmp_path, 3072)
    _stop_after(run_dir, 1024)  # the stopped attempt logged up to 3072: rows to drop
    assert pd.read_csv(run_dir / "progress.csv")["global_step"].max() == 3072
    assert _resume(run_dir, "--steps", "4096") == 0
    _stop_after(run_dir, 3072)
    assert _resume(run_dir, "--steps", "5120") == 0

    files = ["progress.csv", "progress_from_1024.csv", "progress_from_3072.csv"]
    assert sorted(p.name for p in run_dir.glob("progress*.csv")) == files
    steps = [s for f in files for s in pd.read_csv(run_dir / f)["global_step"]]
    assert steps == sorted(set(steps)), steps  # unique and increasing across the files
    assert steps[0] == 1024 and steps[-1] == 5120
    evals = pd.read_csv(run_dir / "eval.csv")["global_step"].tolist()
    assert evals == [1024, 2048, 3072, 4096, 5120]
    assert [e["from_step"] for e in _resumes(run_dir)] == [1024, 3072]
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == [
        f"step_{s}.zip" for s in (1024, 2048, 3072, 4096, 5120)
    ]


def _history(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(r["history"]["item"]) for r in records if r.get("type") == "history"]


def test_a_resumed_run_continues_the_same_wandb_run(
    tmp_path: Path, wandb_records: Callable[[Path], list[dict[str, Any]]]
) -> None:
    run_dir = _train(tmp_path, 2048, wandb="offline")
    run_id = (run_dir / "wandb_id.txt").read_text().strip()
    (first,) = (run_dir / "wandb").glob("offline-run-*")
    assert first.name.endswith(f"-{run_id}")
    _stop_after(run_dir, 1024)
    time.sleep(1.1)  # W&B names run folders by the second

    args = ["train", "--resume", str(run_dir), "--steps", "3072", "--wandb", "offline"]
    assert cli_main([*args, "--no-progress"]) == 0

    (published,) = (run_dir / "wandb").glob("offline-run-*")  # one run, the complete one
    assert published.name.endswith(f"-{run_id}") and published != first
    assert not (run_dir / ".wandb-staging" / "r").exists()
    records = wandb_records(published)
    run_record = next(r for r in records if r.get("type") == "run")["run"]
    assert run_record["run_id"] == run_id
    history = _history(records)
    curve = [h["global_step"] for h in history if "rollout/ep_rew_mean" in h]
    assert curve == sorted(set(curve)) and max(curve) == 3072
    trained = [h["global_step"] for h in history if "time/iterations" in h]
    assert trained == [1024, 2048, 3072]  # the kept row replayed, then the continuation
    evals = [h["global_step"] for h in history if "eval/wellbeing_final" in h]
    assert evals == [1024, 2048, 3072]


def test_resumed_run_is_within_the_documented_tolerance_of_an_uninterrupted_one(
    tmp_path: Path,
) -> None:
    config = {**BASE, "out": str(tmp_path), "run_name": "w", "steps": 4096, "eval_every": 2048}
    whole = train(TrainConfig(**config))  # type: ignore[arg-type]
    run_dir = _train(tmp_path, 2048, eval_every=0)
    # Up to the resume step the runs are one: the checkpoint of the uninterrupted run at 2048
    # (taken after that rollout's update) is the stopped run's final model, parameters and
    # optimiser state alike.
    saved = _params(whole.run_dir / "checkpoints" / "step_2048.zip")
    stopped = _params(run_dir / "model.zip")
    assert all(torch.equal(saved[k], stopped[k]) for k in saved)
    optimiser = [
        load_algo("ppo", str(p)).policy.optimizer.state_dict()["state"]
        for p in (whole.run_dir / "checkpoints" / "step_2048.zip", run_dir / "model.zip")
    ]
    assert all(
        torch.equal(optimiser[0][i][key], optimiser[1][i][key])
        for i in optimiser[0]
        for key in ("exp_avg", "exp_avg_sq")
    )

    resumed = train(TrainConfig(**{**BASE, "out": str(tmp_path), "steps": 4096}), resume=True)
    gaps = {m: abs(resumed.outcomes[m] - whole.outcomes[m]) for m in HEADLINE_METRICS}
    assert max(gaps.values()) <= TOLERANCE, gaps
    assert resumed.outcomes != whole.outcomes  # SB3 saves no env or RNG state: not a replay


def test_killed_comparison_cell_leaves_one_offline_wandb_run(
    tmp_path: Path, wandb_records: Callable[[Path], list[dict[str, Any]]]
) -> None:
    out = tmp_path / "cmp"
    command = [
        str(Path(sys.executable).with_name("sagym")), "compare", "--env", "sagym/Companion-v0",
        "--rewards", "engagement", "--baselines", "--seeds", "1", "--steps", "16384",
        "--n-envs", "16", "--hp", "n_steps=64", "--hp", "batch_size=256", "--eval-users", "16",
        "--jobs", "1",
        "--out", str(out), "--wandb", "offline", "--no-progress",
    ]  # fmt: skip
    cell = "Companion-v0__engagement__ppo__0"
    staged = out / ".wandb-staging" / cell / "wandb"
    progress = out / "runs" / cell / "progress.csv"
    # A W&B service started by an earlier test of this session must not serve the comparison:
    # each run of it is a process of its own, as from a shell.
    env = {k: v for k, v in os.environ.items() if k != "WANDB_SERVICE"}
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            if progress.exists() and len(progress.read_text().splitlines()) >= 2:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the comparison ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert list(staged.glob("offline-run-*")), "the killed cell had started its W&B run"
    assert not list((out / "wandb").glob("offline-run-*"))  # nothing published for sync

    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr

    run_id = (out / "runs" / cell / "wandb_id.txt").read_text().strip()
    runs = sorted((out / "wandb").glob("offline-run-*"))
    cell_runs = [p for p in runs if p.name.endswith(f"-{run_id}")]
    assert len(cell_runs) == 1 and len(runs) == 2  # the cell's run and the comparison summary
    assert not staged.exists()
    records = wandb_records(cell_runs[0])
    assert next(r for r in records if r.get("type") == "run")["run"]["run_id"] == run_id
    steps = [h["global_step"] for h in _history(records) if "time/iterations" in h]
    assert steps == sorted(set(steps)) and steps[0] == 1024 and steps[-1] == 16384

    # Run once more (every cell cached): the summary run is replaced, not added.
    again = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(list((out / "wandb").glob("offline-run-*"))) == 2
    assert sorted((out / "wandb").glob(f"offline-run-*-{run_id}")) == cell_runs
