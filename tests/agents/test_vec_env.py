"""The SB3 adapter: equal to SB3's own DummyVecEnv of single envs, NaN-free, and it trains."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv, VecCheckNan, VecMonitor, VecNormalize

from sagym.agents import CompanionSB3VecEnv, TrainConfig, load_algo, train
from sagym.agents.baselines import baselines_for, make_baseline
from sagym.agents.vec_env import SB3VecEnv, make_sb3_vec_env
from sagym.envs import ENV_IDS, CompanionEnv
from sagym.envs.feed import RANKERS, Feed
from sagym.envs.lookup import check_env_id, env_product, make_simulation, simulation_spec
from sagym.envs.simulation import SimulationSpec
from sagym.outcomes import evaluate

N = 6
HORIZON = 20


#: One user of each companion id for SB3's DummyVecEnv: v0's env class itself; v1 as registered
#: (``gym.make`` adds the registered population ``need_deficits``).
SINGLE_ENVS: dict[str, Callable[[], gym.Env[Any, Any]]] = {
    "sagym/Companion-v0": lambda: CompanionEnv(horizon=HORIZON),
    "sagym/Companion-v1": lambda: gym.make("sagym/Companion-v1", horizon=HORIZON),
}


def _dummy(env_id: str, seed: int) -> DummyVecEnv:
    venv = DummyVecEnv([SINGLE_ENVS[env_id] for _ in range(N)])
    venv.seed(seed)
    return venv


@pytest.mark.parametrize("env_id", sorted(SINGLE_ENVS))
@pytest.mark.parametrize("bootstrap", [True, False])
def test_adapter_matches_sb3_dummy_vec_env_step_for_step(env_id: str, bootstrap: bool) -> None:
    if env_id == "sagym/Companion-v0":  # the named adapter of v0
        ours: SB3VecEnv = CompanionSB3VecEnv(
            N, seed=3, bootstrap_horizon=bootstrap, horizon=HORIZON
        )
    else:
        ours = SB3VecEnv(env_id, N, seed=3, bootstrap_horizon=bootstrap, horizon=HORIZON)
    assert ours.env_id == env_id
    theirs = _dummy(env_id, 3)
    assert ours.observation_space == theirs.observation_space
    assert ours.action_space == theirs.action_space
    np.testing.assert_array_equal(ours.reset(), theirs.reset())
    actions = np.random.default_rng(0).integers(0, 8, size=(3 * HORIZON, N))
    finished = np.zeros(N, dtype=int)
    truncations = 0
    for a in actions:
        o1, r1, d1, i1 = ours.step(a)
        o2, r2, d2, i2 = theirs.step(a)
        np.testing.assert_array_equal(o1, o2)
        np.testing.assert_array_equal(r1, r2.astype(np.float32))
        np.testing.assert_array_equal(d1, d2)
        for k in np.flatnonzero(d1):
            finished[k] += 1
            truncations += int(i1[k]["TimeLimit.truncated"])
            np.testing.assert_array_equal(
                i1[k]["terminal_observation"], i2[k]["terminal_observation"]
            )
            expected = bootstrap and i2[k].get("TimeLimit.truncated", False)
            assert i1[k]["TimeLimit.truncated"] == expected
    assert finished.min() >= 1  # every slot finished at least one episode and was reset
    assert (truncations > 0) == bootstrap


def test_adapter_is_nan_free_through_sb3_wrappers_and_trains() -> None:
    venv = VecNormalize(
        VecMonitor(VecCheckNan(CompanionSB3VecEnv(8, seed=0), raise_exception=True))
    )
    model = PPO("MlpPolicy", venv, n_steps=32, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=1024)
    assert model.num_timesteps == 1024
    assert len(model.ep_info_buffer) > 0  # VecMonitor saw whole episodes
    lengths = [ep["l"] for ep in model.ep_info_buffer]
    assert 90 in lengths  # users who stay are truncated at the horizon, not earlier


def test_adapter_plumbing() -> None:
    venv = CompanionSB3VecEnv(4, seed=0)
    assert venv.seed(5) == [5, 6, 7, 8]
    assert venv.get_attr("num_envs") == [4, 4, 4, 4]
    assert venv.get_attr("num_envs", indices=1) == [4]
    assert venv.env_is_wrapped(VecMonitor) == [False] * 4
    assert "reward='engagement'" in repr(venv)
    with pytest.raises(RuntimeError, match="reset"):
        CompanionSB3VecEnv(2).venv.step(np.zeros(2, dtype=np.int64))


# ------------------------------------------------------------------ the env id drives everything
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_adapter_of_any_registered_env_matches_sb3_dummy_vec_env(env_id: str) -> None:
    ours = SB3VecEnv(env_id, N, seed=3, horizon=HORIZON)
    theirs = DummyVecEnv([lambda: gym.make(env_id, horizon=HORIZON) for _ in range(N)])
    theirs.seed(3)
    assert ours.observation_space == theirs.observation_space
    assert ours.action_space == theirs.action_space
    np.testing.assert_array_equal(ours.reset(), theirs.reset())
    n_actions = int(ours.action_space.n)  # type: ignore[attr-defined]
    for a in np.random.default_rng(0).integers(0, n_actions, size=(2 * HORIZON, N)):
        o1, r1, d1, _ = ours.step(a)
        o2, r2, d2, _ = theirs.step(a)
        np.testing.assert_array_equal(o1, o2)
        np.testing.assert_array_equal(r1, r2.astype(np.float32))
        np.testing.assert_array_equal(d1, d2)
    assert repr(ours).startswith(f"SB3VecEnv({env_id!r}, num_envs={N}")


def test_make_sb3_vec_env_builds_the_env_of_the_spec() -> None:
    venv = make_sb3_vec_env(simulation_spec("sagym/Feed-v0", horizon=5), 3, seed=0)
    assert venv.core.product_type is Feed
    assert venv.core.horizon == 5 and not venv.core.components  # training skips components


def test_unknown_env_id_suggests_the_closest_registered_ones() -> None:
    with pytest.raises(ValueError) as err:
        check_env_id("sagym/Feed-v1")
    assert str(err.value).startswith(
        "env 'sagym/Feed-v1' is not registered with Gymnasium; did you mean sagym/Feed-v0"
    )
    with pytest.raises(ValueError, match="is not a sagym product environment"):
        make_simulation(SimulationSpec(), 1, env="CartPole-v1")


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_every_baseline_of_an_env_is_evaluated_in_that_env(env_id: str) -> None:
    product = env_product(env_id)
    shares = {f"share_{name}" for name in product.action_names}
    results = {}
    for algo in baselines_for(env_id):
        policy = make_baseline(algo, seed=1, reward="engagement", horizon=20)
        ev = evaluate(policy, simulation_spec(env_id, horizon=20), n_users=24)
        assert shares <= set(ev.outcomes)
        assert sum(ev.outcomes[s] for s in shares) == pytest.approx(1.0)
        results[algo] = ev.outcomes
    for name in product.action_names:  # a fixed baseline shows only its own action
        assert results[f"fixed:{name}"][f"share_{name}"] == 1.0
    first = f"share_{product.action_names[0]}"
    assert 0.0 < results["random"][first] < 0.5


def test_feed_outcomes_read_the_same_metrics_and_violations_mean_clickbait() -> None:
    spec = simulation_spec("sagym/Feed-v0", horizon=30)
    bait = evaluate(make_baseline("fixed:engagement"), spec, n_users=64).outcomes
    quality = evaluate(make_baseline("fixed:quality"), spec, n_users=64).outcomes
    assert bait["violation_rate"] > 0.9 and quality["violation_rate"] == 0.0
    assert bait["engagement"] > quality["engagement"]
    assert bait["dependence"] > quality["dependence"]


def test_a_fixed_baseline_outside_the_products_actions_fails_naming_them() -> None:
    with pytest.raises(ValueError, match="unknown behaviour 'scaffolding'; known: engagement"):
        make_baseline("fixed:scaffolding", env="sagym/Feed-v0")
    with pytest.raises(ValueError, match="unknown behaviour 'scaffolding'; known: engagement"):
        evaluate(make_baseline("fixed:scaffolding"), {"env": "sagym/Feed-v0", "horizon": 3})


def test_ppo_trains_on_the_feed_through_the_generic_adapter(tmp_path: Path) -> None:
    cfg = TrainConfig(
        env="sagym/Feed-v0", reward="engagement", steps=1024, n_envs=8, seed=0,
        out=str(tmp_path), wandb="disabled", progress=False, eval_users=16, eval_every=512,
        horizon=30, hyperparams={"n_steps": 64, "batch_size": 128, "n_epochs": 1},
    )  # fmt: skip
    result = train(cfg)
    assert {f"share_{r}" for r in RANKERS} <= set(result.outcomes)
    assert not any(k.startswith("share_scaffolding") for k in result.outcomes)
    model = load_algo("ppo", str(result.run_dir / "model.zip"))
    again = evaluate(model, cfg.spec(), n_users=16)
    assert again.outcomes == result.outcomes
