"""Training from the command line, W&B records read back from disk, reloads and determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sagym.agents import TrainConfig, load_algo, train
from sagym.cli import main as cli_main
from sagym.envs.lookup import simulation_spec
from sagym.outcomes import OUTCOME_METRICS, evaluate

HERE = Path(__file__).resolve().parent


def _history(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(r["history"]["item"]) for r in records if r.get("type") == "history"]


@pytest.mark.slow
def test_train_logs_config_curves_and_outcomes_to_offline_wandb(
    tmp_path: Path, wandb_records: Callable[[Path], list[dict[str, Any]]]
) -> None:
    status = cli_main(
        [
            "train", "--reward", "engagement", "--algo", "ppo", "--seed", "0",
            "--steps", "4096", "--n-envs", "16", "--eval-every", "2048", "--eval-users", "32",
            "--hp", "n_steps=64", "--hp", "batch_size=256", "--out", str(tmp_path),
            "--wandb", "offline", "--no-progress",
        ]
    )  # fmt: skip
    assert status == 0
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert run_dir.name.startswith("Companion-v1__engagement__ppo__0__")  # the default env
    config = json.loads((run_dir / "config.json").read_text())
    assert config["hyperparams"]["n_steps"] == 64 and config["n_envs"] == 16
    assert (run_dir / "model.zip").exists()
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == [
        "step_2048.zip",
        "step_4096.zip",
    ]

    (wandb_run,) = list((run_dir / "wandb").glob("offline-run-*"))
    records = wandb_records(wandb_run)
    run_record = next(r for r in records if r.get("type") == "run")["run"]
    logged_config = run_record["config"]["update"]
    assert logged_config["reward"] == "engagement" and logged_config["algo"] == "ppo"
    assert run_record["run_group"] == "engagement"
    assert run_record["display_name"] == run_dir.name
    assert run_record["tags"] == [
        "design:engagement", "env:sagym/Companion-v1", "algo:ppo", "seed:0"
    ]  # fmt: skip
    assert logged_config["design"] == "engagement" and logged_config["baseline"] is False
    assert logged_config["sagym_version"] and len(logged_config["sagym_code_hash"]) == 64

    history = _history(records)
    curve = [h for h in history if "rollout/ep_rew_mean" in h]
    assert len(curve) >= 2, "training curve missing"
    assert all("global_step" in h for h in curve)
    steps = [h["global_step"] for h in curve]
    assert steps == sorted(steps) and steps[-1] >= 2048
    evals = [h for h in history if "eval/wellbeing_final" in h]
    assert [h["global_step"] for h in evals] == [2048, 4096]
    for metric in OUTCOME_METRICS:
        assert any(f"outcome/{metric}" in h for h in history), metric
    assert any(r.get("type") == "artifact" for r in records), "model artifact missing"
    # The optimality figures are in the run summary under their own names, as in outcomes.json.
    summary: dict[str, Any] = {}
    for r in records:
        if r.get("type") == "summary":
            summary.update(r["summary"]["update"])
    outcomes = json.loads((run_dir / "outcomes.json").read_text())
    for key in ("return", "return_greedy", "policy_entropy"):
        assert summary[key] == pytest.approx(outcomes[key], rel=1e-12), key


@pytest.mark.slow
@pytest.mark.parametrize("env", ["sagym/Companion-v0", "sagym/Companion-v1"])
def test_saved_agent_reloads_and_acts_identically_and_seed_is_reproducible(
    tmp_path: Path, env: str
) -> None:
    def config(name: str) -> TrainConfig:
        return TrainConfig(
            env=env, reward="need_support", steps=4096, n_envs=16, seed=3, out=str(tmp_path),
            run_name=name, wandb="disabled", progress=False, eval_users=48,
            hyperparams={"n_steps": 64, "batch_size": 256},
        )  # fmt: skip

    first, second = train(config("a")), train(config("b"))
    assert first.outcomes == second.outcomes  # bit-identical evaluation numbers
    pd.testing.assert_frame_equal(first.evaluation.trajectory, second.evaluation.trajectory)

    model = load_algo("ppo", str(first.run_dir / "model.zip"))
    spec = simulation_spec(env, reward="need_support")  # the env's registered population
    assert spec == config("a").spec()
    reloaded = evaluate(model, spec, n_users=48)
    assert reloaded.outcomes == first.outcomes
    obs = np.random.default_rng(0).random((32, model.observation_space.shape[0])).astype(np.float32)
    original = load_algo("ppo", str(second.run_dir / "model.zip"))
    assert np.array_equal(
        model.predict(obs, deterministic=True)[0], original.predict(obs, deterministic=True)[0]
    )


@pytest.mark.slow
def test_resume_continues_a_stopped_run_to_the_requested_steps(tmp_path: Path) -> None:
    base = dict(
        reward="engagement", n_envs=16, seed=1, out=str(tmp_path), run_name="r",
        wandb="disabled", progress=False, eval_users=16, eval_every=1024,
        hyperparams={"n_steps": 64, "batch_size": 256},
    )  # fmt: skip
    first = train(TrainConfig(steps=2048, **base))  # type: ignore[arg-type]
    run_dir = first.run_dir
    # From the command line, as a user resumes: the saved config, more steps.
    args = ["train", "--resume", str(run_dir), "--steps", "4096", "--wandb", "disabled"]
    assert cli_main([*args, "--no-progress"]) == 0
    model = load_algo("ppo", str(run_dir / "model.zip"))
    assert model.num_timesteps == 4096
    evals = pd.read_csv(run_dir / "eval.csv")
    assert evals["global_step"].tolist() == [1024, 2048, 3072, 4096]
    # The training curve before the stop is kept beside the resumed one.
    before = pd.read_csv(run_dir / "progress.csv")
    after = pd.read_csv(run_dir / "progress_from_2048.csv")
    assert before["global_step"].max() == 2048 and after["global_step"].min() > 2048
    for frame in (before, after):  # the step W&B plots against, beside SB3's own counter
        assert frame["global_step"].tolist() == frame["time/total_timesteps"].tolist()


@pytest.mark.slow
def test_reward_registered_in_a_user_module_trains_by_name(tmp_path: Path) -> None:
    env = {**__import__("os").environ, "PYTHONPATH": str(HERE)}
    done = subprocess.run(
        [
            sys.executable, str(HERE.parents[1] / "scripts" / "train.py"),
            "--import", "plugin_reward", "--reward", "plugin_human_time", "--algo", "a2c",
            "--steps", "1024", "--n-envs", "8", "--out", str(tmp_path), "--wandb", "disabled",
            "--eval-users", "8", "--no-progress",
        ],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (run_dir,) = list(tmp_path.iterdir())
    assert json.loads((run_dir / "config.json").read_text())["reward"] == "plugin_human_time"
    assert (run_dir / "model.zip").exists()


def test_bad_input_names_the_field_and_the_allowed_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli_main(["train", "--reward", "no_such_reward", "--steps", "10"]) == 2
    assert "unknown reward 'no_such_reward'" in capsys.readouterr().err
    assert cli_main(["train", "--algo", "sac", "--steps", "10"]) == 2
    assert "algo must be one of" in capsys.readouterr().err
    assert cli_main(["train", "--user", "influence_rate=5", "--steps", "10"]) == 2
    assert "influence_rate must lie in [0.0, 0.3]" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown config field"):
        TrainConfig.from_dict({"reward": "engagement", "stpes": 3})


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    import sagym

    done = subprocess.run(  # the installed console script
        [str(Path(sys.executable).with_name("sagym")), "--version"], capture_output=True, text=True
    )
    assert done.stdout.strip() == f"sagym {sagym.__version__}"
    with pytest.raises(SystemExit) as exited:
        cli_main(["--help"])
    assert exited.value.code == 0
    helped = capsys.readouterr().out
    assert "compare" in helped and "train" in helped
