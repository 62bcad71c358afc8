"""``env_kwargs``: the env's keyword arguments reach training, evaluation, baselines and the
checks; ``horizon``, ``population`` and ``user_overrides`` are sugar for them; a changed env kwarg
is another experiment and another cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagym.agents.training import train
from sagym.cell_store import cell_key
from sagym.config import CompareConfig, TrainConfig
from sagym.config_fields import ConfigError
from sagym.grid_folder import CONFIG_NAME, check_output_folder, identity


def test_sugar_in_env_kwargs_moves_to_its_field_and_round_trips() -> None:
    config = TrainConfig(
        steps=1000,
        env_kwargs={"horizon": 30, "population": "lonely", "observe_latent": True,
                    "user_overrides": {"influence_rate": 0.2}},
    )  # fmt: skip
    assert (config.horizon, config.population) == (30, "lonely")
    assert config.user_overrides == {"influence_rate": 0.2}
    assert config.env_kwargs == {"observe_latent": True}
    assert TrainConfig.from_dict(config.to_dict()) == config
    spec = config.spec()
    assert (spec.horizon, spec.population, spec.observe_latent) == (30, "lonely", True)
    assert dict(spec.user_overrides or {}) == {"influence_rate": 0.2}
    # The same value given both ways is one setting; user overrides merge key by key.
    same = TrainConfig(steps=1000, horizon=30, env_kwargs={"horizon": 30.0})
    assert (same.horizon, same.env_kwargs) == (30, {})
    merged = CompareConfig(user_overrides={"habit_rate": 0.1},
                           env_kwargs={"user_overrides": {"influence_rate": 0.2}})  # fmt: skip
    assert merged.user_overrides == {"habit_rate": 0.1, "influence_rate": 0.2}


@pytest.mark.parametrize(
    ("data", "message"),
    [({"horizon": 30, "env_kwargs": {"horizon": 60}},
      "horizon is given twice: horizon=30 and env_kwargs horizon=60; give it once (--horizon is "
      "sugar for --env-kw horizon=...)"),
     ({"env_kwargs": {"colour": 3}, "envs": ["sagym/Feed-v0"]},
      "env_kwargs: unknown argument(s) ['colour'] for 'sagym/Feed-v0'; known: horizon, "
      "population, reward, user_overrides, model_config, observe_latent, reward_components"),
     ({"env_kwargs": {"reward": "engagement"}},
      "env_kwargs: 'reward' is the reward design of the run; give it as rewards")],
)  # fmt: skip
def test_conflicts_and_unknown_env_kwargs_are_one_line(data: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        CompareConfig.from_dict(data)
    assert str(err.value) == message
    edited = TrainConfig(steps=1000)
    edited.env_kwargs = {"horizon": 60}  # an edit after construction is checked again
    with pytest.raises(ConfigError, match=r"^horizon is given twice: horizon=90 and env_kwargs"):
        edited.validate()


def test_env_kwargs_reach_every_cell_its_key_and_the_experiment_identity(tmp_path: Path) -> None:
    grid = CompareConfig(rewards=["engagement"], seeds=1, env_kwargs={"observe_latent": True},
                         out=str(tmp_path / "out"))  # fmt: skip
    cells = grid.cells()
    assert [c.env_kwargs for c in cells] == [{"observe_latent": True}] * 4  # ppo, random,
    # and the design's best_fixed and planner
    plain = CompareConfig(rewards=["engagement"], seeds=1, out=str(tmp_path / "out")).cells()
    assert cell_key(cells[0])["env_kwargs"] == {"observe_latent": True}
    assert cell_key(cells[0]) != cell_key(plain[0])
    # Another env kwarg is another experiment; a folder written before env kwargs existed holds
    # the same experiment as one without them.
    out = tmp_path / "out"
    out.mkdir()
    old = {k: v for k, v in plain_dict(tmp_path).items() if k != "env_kwargs"}
    (out / CONFIG_NAME).write_text(json.dumps(old))
    assert identity(old) == identity(plain_dict(tmp_path))
    check_output_folder(out, plain_dict(tmp_path), force=False)
    with pytest.raises(ValueError) as err:
        check_output_folder(out, grid.to_dict(), force=False)
    assert 'holds another experiment (env_kwargs: {} there, {"observe_latent": true} here)' in str(
        err.value
    )


def plain_dict(tmp_path: Path) -> dict:
    return CompareConfig(rewards=["engagement"], seeds=1, out=str(tmp_path / "out")).to_dict()


@pytest.mark.slow
def test_training_evaluation_and_checkpoints_run_on_the_env_kwargs(tmp_path: Path) -> None:
    """With ``observe_latent`` the observations are wider: the policy, the evaluation during
    training and the final one all see the wider env, or the run could not finish."""
    config = TrainConfig(
        env="sagym/Feed-v0", steps=256, n_envs=8, eval_users=8, eval_every=128,
        env_kwargs={"observe_latent": True, "model_config": {"mood_noise": 0.0}, "horizon": 12},
        hyperparams={"n_steps": 16, "batch_size": 64}, out=str(tmp_path), wandb="disabled",
        progress=False,
    )  # fmt: skip
    result = train(config)
    spec = config.spec()
    from sagym.envs.lookup import make_simulation

    width = make_simulation(spec, 1).obs_dim
    narrow = make_simulation(TrainConfig(env="sagym/Feed-v0", steps=1).spec(), 1).obs_dim
    assert width > narrow
    from stable_baselines3 import PPO

    model = PPO.load(str(result.run_dir / "model.zip"), device="cpu")
    assert model.observation_space.shape == (width,)
    saved = json.loads((result.run_dir / "config.json").read_text())
    assert saved["env_kwargs"] == {"observe_latent": True, "model_config": {"mood_noise": 0.0}}
    assert saved["horizon"] == 12
    import pandas as pd

    assert pd.read_csv(result.run_dir / "trajectory.csv")["day"].max() == 12
    assert list(pd.read_csv(result.run_dir / "eval.csv")["global_step"]) == [128.0, 256.0]
    # A baseline runs in the same env: 12 days, not the default 90.
    baseline = train(TrainConfig(env="sagym/Feed-v0", algo="random", steps=0, eval_users=8,
                                 env_kwargs={"horizon": 12}, out=str(tmp_path),
                                 wandb="disabled", progress=False))  # fmt: skip
    assert pd.read_csv(baseline.run_dir / "trajectory.csv")["day"].max() == 12


@pytest.mark.slow
def test_resume_refuses_changed_env_kwargs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sagym.cli import main as cli_main

    run = ["train", "--steps", "128", "--n-envs", "8", "--eval-users", "8", "--horizon", "8",
           "--hp", "n_steps=16", "--hp", "batch_size=64", "--wandb", "disabled", "--no-progress",
           "--out", str(tmp_path), "--run-name", "r",
           "--env-kw", "observe_latent=true"]  # fmt: skip
    assert cli_main(run) == 0
    capsys.readouterr()
    again = ["train", "--resume", str(tmp_path / "r"), "--steps", "256", "--wandb", "disabled",
             "--no-progress", "--env-kw", 'model_config={"mood_noise": 0}']  # fmt: skip
    assert cli_main(again) == 2
    assert capsys.readouterr().err == (
        f"sagym train: error: cannot resume {tmp_path / 'r'} with a changed env_kwargs "
        '({"observe_latent": true} -> {"model_config": {"mood_noise": 0}, "observe_latent": '
        "true}): it would train something else than the run began; pass --allow-changes to apply "
        "it anyway\n"
    )
