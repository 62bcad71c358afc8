"""docs/extending.md's worked example: a product, a population and a reward, one file each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = Path(__file__).resolve().parent / "extension"
FILES = ("example_journal_env.py", "example_night_owls.py", "example_calm_reward.py")


@pytest.mark.parametrize("name", FILES)
def test_the_guide_shows_the_example_files_verbatim(name: str) -> None:
    assert (EXTENSION / name).read_text() in (ROOT / "docs" / "extending.md").read_text()


def test_the_example_product_is_a_registered_product_env() -> None:
    import example_journal_env

    from sagym.envs.lookup import env_product, product_env_ids

    assert "example/Journal-v0" in product_env_ids()
    assert env_product("example/Journal-v0") is example_journal_env.Journal
    env = gym.make("example/Journal-v0")
    obs, _ = env.reset(seed=0)
    _, _, _, _, info = env.step(1)
    assert info["action_name"] == "streak_reminder" and info["violation"]
    assert obs.shape == env.observation_space.shape == (13,)


def test_a_population_of_ones_own_serves_every_product() -> None:
    import example_night_owls  # noqa: F401

    for env_id in ("example/Journal-v0", "sagym/Feed-v0", "sagym/Companion-v0"):
        env = gym.make(env_id, population="night_owls")
        _, info = env.reset(seed=1)
        assert info["persona"] == "night_owl"
    journal = gym.make("example/Journal-v0", population="night_owls", observe_latent=True)
    obs, _ = journal.reset(seed=2)
    prefs = obs[-4:]  # streak reminders are preferred by this persona's centre
    assert np.argmax(prefs) == 1 or prefs[1] > 0.2


@pytest.mark.slow
def test_the_example_trains_with_its_own_population_and_reward_through_import(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(EXTENSION)}
    done = subprocess.run(
        [
            sys.executable, str(ROOT / "scripts" / "train.py"),
            "--import", "example_journal_env", "--import", "example_night_owls",
            "--import", "example_calm_reward", "--env", "example/Journal-v0",
            "--population", "night_owls", "--reward", "example_calm", "--algo", "ppo",
            "--steps", "1024", "--n-envs", "8", "--eval-every", "512", "--eval-users", "8",
            "--out", str(tmp_path), "--wandb", "disabled", "--no-progress",
            "--hp", "n_steps=64", "--hp", "batch_size=128",
        ],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (run_dir,) = list(tmp_path.iterdir())
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["env"], config["reward"]) == ("example/Journal-v0", "example_calm")
    assert (run_dir / "model.zip").exists()
    outcomes = json.loads((run_dir / "outcomes.json").read_text())
    assert {f"share_{a}" for a in ("reflect", "streak_reminder", "share_with_friend")} <= set(
        outcomes
    )


@pytest.mark.slow
def test_the_example_compares_by_name_beside_the_feed_through_import(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(EXTENSION)}
    done = subprocess.run(
        [
            sys.executable, "-m", "sagym", "compare", "--import", "example_journal_env",
            "--env", "example/Journal-v0", "sagym/Feed-v0", "--rewards", "engagement",
            "--seeds", "1", "--steps", "512", "--n-envs", "8", "--eval-users", "8",
            "--jobs", "1", "--wandb", "disabled", "--out", str(tmp_path), "--no-progress",
        ],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = (tmp_path / "results.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    cells = {(r["env"], r["algo"]) for r in rows}
    assert {("example/Journal-v0", "random"), ("sagym/Feed-v0", "random")} <= cells
    journal = next(r for r in rows if r["env"] == "example/Journal-v0" and r["algo"] == "random")
    assert float(journal["share_streak_reminder"]) > 0.0
    assert journal["share_caught_up"] == ""  # the feed's rankers are not the journal's actions
