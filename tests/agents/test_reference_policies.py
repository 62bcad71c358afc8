"""Reference policies: copies of users, best_fixed on training users, the planner, the score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sagym.agents.baselines import FixedPolicy, make_baseline
from sagym.agents.best_fixed import BestFixedPolicy, fixed_returns, training_keys
from sagym.agents.planner import PlannerPolicy
from sagym.envs.lookup import env_product, make_simulation, simulation_spec
from sagym.envs.simulation import Simulation
from sagym.envs.user.model import USER_AXES
from sagym.experiment import add_scores, optimality_score
from sagym.outcomes import evaluate, evaluation_keys
from sagym.rewards import make_reward

ENVS = ("sagym/Companion-v0", "sagym/Feed-v0")


@pytest.mark.parametrize("env_id", ENVS)
def test_copied_users_step_exactly_as_their_originals(env_id: str) -> None:
    spec = simulation_spec(env_id, horizon=12, reward="need_support")
    source = make_simulation(spec, 5)
    source.reset(evaluation_keys(3, 5))
    rng = np.random.default_rng(0)
    for _ in range(4):  # some history: product memory and user state away from the start
        source.step(rng.integers(0, source.n_actions, 5))
    index = np.array([4, 0, 0, 2, 4, 1, 3, 3])
    copy = make_simulation(spec, index.size)
    copy.reset(evaluation_keys(9, index.size))  # other users, overwritten by the copy
    copy.load_users(source, index)
    np.testing.assert_array_equal(copy.observe(), source.observe()[index])
    for _ in range(6):
        actions = rng.integers(0, source.n_actions, 5)
        sig, reward, term, trunc, _ = source.step(actions)
        sig2, reward2, term2, trunc2, _ = copy.step(actions[index])
        np.testing.assert_array_equal(term2, term[index])
        np.testing.assert_array_equal(reward2, reward[index])
        np.testing.assert_array_equal(sig2.wellbeing, sig.wellbeing[index])
        np.testing.assert_array_equal(trunc2, trunc[index])
        np.testing.assert_array_equal(copy.observe(), source.observe()[index])


@pytest.mark.parametrize("env_id", ("sagym/Companion-v1", "sagym/Feed-v0"))
def test_unobserved_copies_give_the_same_days_and_rewards(env_id: str) -> None:
    """The planner's rollouts are never observed: a companion then keeps no memory of its users
    (its memory only feeds the observation), a feed still does (its slates read it), and the
    days, signals and rewards are the same bit for bit."""
    spec = simulation_spec(env_id, horizon=15, reward="need_support")
    source = make_simulation(spec, 6)
    source.reset(evaluation_keys(4, 6))
    rng = np.random.default_rng(1)
    for _ in range(3):
        source.step(rng.integers(0, source.n_actions, 6))
    index = np.array([5, 0, 0, 3, 2, 1, 4])
    observed = make_simulation(spec, index.size)
    blind = Simulation(index.size, spec, env_product(env_id), observed=False)
    for sim in (observed, blind):
        sim.reset(evaluation_keys(8, index.size))
        sim.load_users(source, index)
    assert blind.product.memory_shapes_days is (env_id == "sagym/Feed-v0")
    for _ in range(12):
        actions = rng.integers(0, source.n_actions, index.size)
        sig, reward, term, trunc, _ = observed.step(actions)
        sig2, reward2, term2, trunc2, _ = blind.step(actions)
        np.testing.assert_array_equal(reward2, reward)
        np.testing.assert_array_equal(sig2.need_floor, sig.need_floor)
        np.testing.assert_array_equal(sig2.rating, sig.rating)
        np.testing.assert_array_equal(term2, term)
        np.testing.assert_array_equal(trunc2, trunc)
    if not blind.product.memory_shapes_days:
        with pytest.raises(RuntimeError, match="observed=False"):
            blind.observe()
    else:
        np.testing.assert_array_equal(blind.observe(), observed.observe())


def test_every_user_state_array_has_a_user_axis() -> None:
    sim = make_simulation(simulation_spec("sagym/Companion-v0"), 3)
    sim.reset(evaluation_keys(0, 3))
    assert sim.model is not None
    assert set(vars(sim.model.state)) == set(USER_AXES)
    sim.model.state.extra = np.zeros(3)  # type: ignore[attr-defined]
    with pytest.raises(KeyError, match=r"UserState\.extra has no user axis"):
        sim.load_users(sim, np.arange(3))


def test_best_fixed_chooses_the_argmax_on_training_users_never_the_held_out() -> None:
    spec = simulation_spec("sagym/Companion-v0", horizon=20, reward="satisfaction")
    policy = BestFixedPolicy("satisfaction", seed=5, n_users=24)
    evaluation = evaluate(policy, spec, n_users=16, eval_seed=5)
    train = training_keys(5, 24)
    assert policy.training_keys is not None
    np.testing.assert_array_equal(policy.training_keys, train)
    assert np.intersect1d(train, evaluation_keys(5, 16)).size == 0
    # The returns it chose by, recomputed one fixed action at a time on the training users.
    expected = []
    for a in range(8):
        core = make_simulation(spec, 24)
        core.reset(train)
        total = np.zeros(24)
        for _ in range(core.horizon):
            _, r, *_ = core.step(np.full(24, a))
            total += r
        expected.append(total.mean())
    assert policy.returns is not None
    np.testing.assert_allclose(policy.returns, expected, rtol=1e-12)
    assert policy.behaviour == int(np.argmax(expected))
    assert evaluation.outcomes[f"share_{policy.name.split(':')[1]}"] == 1.0
    # The held-out users rank the actions differently: they were not what it chose on.
    held_out = make_simulation(spec, 16)
    held_out.reset(evaluation_keys(5, 16))
    on_test = fixed_returns(held_out, make_reward("satisfaction"), evaluation_keys(5, 16))
    assert not np.allclose(on_test, policy.returns)


def test_planner_beats_best_fixed_on_need_support() -> None:
    spec = simulation_spec("sagym/Companion-v0", horizon=30, reward="need_support")
    kw = {"n_users": 12, "eval_seed": 1}
    best = evaluate(make_baseline("best_fixed", reward="need_support"), spec, **kw).outcomes
    plan = evaluate(make_baseline("planner", reward="need_support"), spec, **kw).outcomes
    rand = evaluate(make_baseline("random", seed=0), spec, **kw).outcomes
    assert plan["return"] > best["return"] + 0.5 > rand["return"]
    # A planner narrowing its continuations is never worse here than the full search by much,
    # and both beat every fixed action.
    full = evaluate(PlannerPolicy("need_support", continuations=None), spec, **kw).outcomes
    assert full["return"] > best["return"] + 0.5
    fixed = [evaluate(FixedPolicy(a), spec, **kw).outcomes["return"] for a in range(8)]
    assert max(fixed) < min(plan["return"], full["return"])


def test_planner_acts_on_the_state_not_on_the_users_own_future() -> None:
    """Two copies of a user in the same state, with different future noise, get the same plan
    from the planner; the clairvoyant variant (``futures=0``) reads each copy's own future."""
    spec = simulation_spec("sagym/Companion-v1", horizon=20, reward="need_support")
    source = make_simulation(spec, 8)
    source.reset(evaluation_keys(2, 8))
    pairs = make_simulation(spec, 16)
    pairs.reset(evaluation_keys(2, 16))
    pairs.load_users(source, np.repeat(np.arange(8), 2))
    assert pairs.model is not None
    pairs.model.keys[1::2] = evaluation_keys(9, 8)  # same state, another future
    chosen = {}
    for futures in (2, 0):
        planner = PlannerPolicy("need_support", futures=futures)
        planner.bind(pairs)
        chosen[futures] = planner.act(pairs.observe())
    np.testing.assert_array_equal(chosen[2][0::2], chosen[2][1::2])
    assert (chosen[0][0::2] != chosen[0][1::2]).any()


def test_alternating_plans_find_the_rhythm_one_switch_plans_miss() -> None:
    """On Companion-v1's engagement, hooks and intimacy wear out (section 16), so taking turns
    beats any "a, then c forever" plan: the planner that also rolls out "a, c, a, c, ..." earns
    more."""
    spec = simulation_spec("sagym/Companion-v1", horizon=40, reward="engagement")
    kw = {"n_users": 24, "eval_seed": 3}
    plain = evaluate(PlannerPolicy("engagement", alternate=False), spec, **kw).outcomes
    rhythm = evaluate(PlannerPolicy("engagement"), spec, **kw).outcomes
    assert rhythm["return"] > plain["return"] + 0.5


def test_planner_is_reproducible_and_works_in_any_product() -> None:
    spec = simulation_spec("sagym/Feed-v0", horizon=8, reward="engagement")
    first = evaluate(PlannerPolicy("engagement"), spec, n_users=6).outcomes
    again = evaluate(PlannerPolicy("engagement"), spec, n_users=6).outcomes
    assert first == again
    names = env_product("sagym/Feed-v0").action_names
    fixed = max(
        evaluate(FixedPolicy(name, names), spec, n_users=6).outcomes["return"] for name in names
    )
    assert first["return"] >= fixed - 1e-9


def test_planner_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="lookahead must be >= 1 day or None; got 0"):
        PlannerPolicy(lookahead=0)
    with pytest.raises(ValueError, match="continuations must be >= 1 or None; got 0"):
        PlannerPolicy(continuations=0)
    with pytest.raises(ValueError, match="futures must be >= 0"):
        PlannerPolicy(futures=-1)


def test_score_is_zero_for_random_and_one_for_the_planner() -> None:
    assert optimality_score(3.0, 3.0, 7.0) == 0.0
    assert optimality_score(7.0, 3.0, 7.0) == 1.0
    assert optimality_score(5.0, 3.0, 7.0) == 0.5
    assert np.isnan(optimality_score(5.0, 3.0, 3.0))  # no gap to score against
    rows = pd.DataFrame(
        [
            {"env": "e", "reward": "none", "algo": "random", "return": np.nan,
             "return_greedy": np.nan, "return:d": 1.0},
            {"env": "e", "reward": "none", "algo": "random", "return": np.nan,
             "return_greedy": np.nan, "return:d": 3.0},
            {"env": "e", "reward": "d", "algo": "planner", "return": 6.0, "return_greedy": 6.0},
            {"env": "e", "reward": "d", "algo": "ppo", "return": 2.0, "return_greedy": 4.0},
            {"env": "e", "reward": "d", "algo": "best_fixed", "return": 5.0,
             "return_greedy": 5.0},
            {"env": "e", "reward": "other", "algo": "ppo", "return": 2.0,
             "return_greedy": 2.0},
        ]
    )  # fmt: skip
    scored = add_scores(rows)
    assert list(scored["score"].iloc[2:5]) == [1.0, 0.0, 0.75]
    assert scored["score_greedy"].iloc[3] == 0.5
    assert scored["score"].iloc[:2].isna().all()  # random has no design of its own
    assert np.isnan(scored["score"].iloc[5])  # no planner for that design
