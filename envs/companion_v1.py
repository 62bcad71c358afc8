"""``sagym/Companion-v1``: the companion over a user for whom the policy matters.

The product is the companion's (the same eight behaviours); what changes is the user model and what
a deployed assistant can see of it:

* mechanisms 16–19 of ``docs/user-model.md`` are on (:data:`MODEL_CONFIG_V1`): engagingness wears
  out, dull sessions make users stay away, peaked preferences are easier to please, and
  preferences assimilate only within a latitude of acceptance, with reactance beyond it;
* users differ in *which* need is frustrated (the ``need_deficits`` population: connected users,
  novices, isolated and dependent users);
* the observation adds what an assistant keeps of a user: the rating each behaviour earned when it
  was last shown, two everyday proxies of needs (task success, mentions of people) and occasional
  noisy self-reports of each need (a check-in question), so deficits and preferences are
  observable without oracle access.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from sagym.envs.behaviours import BEHAVIOUR_NAMES
from sagym.envs.companion import Companion
from sagym.envs.product_env import ProductEnv, ProductVectorEnv
from sagym.envs.session import session_features
from sagym.envs.user import noise
from sagym.envs.user.model import UserModel
from sagym.envs.user.params import ModelConfig
from sagym.signals import DaySignals

__all__ = [
    "FEATURES_V1",
    "MODEL_CONFIG_V1",
    "CompanionV1",
    "CompanionV1Env",
    "CompanionV1VectorEnv",
]

MODEL_CONFIG_V1 = ModelConfig(
    max_adaptation=0.8,
    rating_match_weight=0.8,
    session_adaptation=0.7,
    return_liking_weight=3.0,
    match_peakedness=0.5,
    acceptance_latitude=0.3,
    reactance=0.5,
)

NEED_SIGNALS: tuple[str, ...] = (
    "report_autonomy",
    "report_competence",
    "report_relatedness",
    "task_success",
    "mentions_people",
)
FEATURES_V1: tuple[str, ...] = (
    *session_features(BEHAVIOUR_NAMES),
    *(f"rating_{name}" for name in BEHAVIOUR_NAMES),
    *NEED_SIGNALS,
)

RATING_HISTORY_RATE = 0.5  # weight of the newest rating of a behaviour in its remembered rating
PROXY_RATE = 0.3  # update rate of the everyday proxies (about a week's memory)
PROXY_NOISE = 0.1  # std of a day's task success / mentions of people around the latent level
REPORT_PROBABILITY = 0.15  # chance that a session includes a check-in question
REPORT_NOISE = 0.05  # std of a self-report around the need balance, rescaled to [0, 1]
# Counter offset of the observation noise (the model's day counters are small; the return draw
# uses 0x5A5A_0000_0000), so the assistant's view never shares a draw with the user's dynamics.
OBSERVATION_COUNTER_OFFSET = np.uint64(0x0B5E_0000_0000)


class CompanionV1(Companion):
    """The companion with the v1 user model and an assistant that remembers what it learnt."""

    features: ClassVar[tuple[str, ...]] = FEATURES_V1
    base_config: ClassVar[ModelConfig] = MODEL_CONFIG_V1
    default_population: ClassVar[str] = "need_deficits"

    def __init__(self, n_users: int, horizon: int, config: ModelConfig) -> None:
        super().__init__(n_users, horizon, config)
        self.action_ratings = np.full((n_users, len(BEHAVIOUR_NAMES)), 0.5)
        self.need_signals = np.full((n_users, len(NEED_SIGNALS)), 0.5)
        self._model: UserModel | None = None  # the users' noise keys and days (set by forget)

    def observe(self, model: UserModel, rows: NDArray[np.int64], out: NDArray[np.float32]) -> None:
        super().observe(model, rows, out)
        start = len(FEATURES_V1) - len(BEHAVIOUR_NAMES) - len(NEED_SIGNALS)
        middle = start + len(BEHAVIOUR_NAMES)
        out[:, start:middle] = self.action_ratings[rows]
        out[:, middle : len(FEATURES_V1)] = self.need_signals[rows]

    def remember(self, actions: NDArray[np.int64], signals: DaySignals) -> None:
        super().remember(actions, signals)
        x = signals.present
        users = np.flatnonzero(x)
        a = actions[users]
        old = self.action_ratings[users, a]
        self.action_ratings[users, a] = old + RATING_HISTORY_RATE * (signals.rating[users] - old)

        assert self._model is not None, "forget() names the model first"
        # The day just simulated (the model has already counted it).
        counter = (self._model.state.day - 1).astype(np.uint64) + OBSERVATION_COUNTER_OFFSET
        z = noise.normal(self._model.keys, counter, len(NEED_SIGNALS))
        u = noise.uniform(self._model.keys, counter + np.uint64(1 << 20), 1)[:, 0]
        balance = 0.5 * (1.0 + signals.need_sat - signals.need_frus)  # (n, 3) in [0, 1]
        report = np.clip(balance + REPORT_NOISE * z[:, :3], 0.0, 1.0)
        asked = x & (u < REPORT_PROBABILITY)
        self.need_signals[asked, :3] = report[asked]
        proxies = np.clip(
            np.stack([signals.skill, signals.human_connection], axis=1) + PROXY_NOISE * z[:, 3:],
            0.0,
            1.0,
        )
        seen = self.need_signals[:, 3:]
        seen += PROXY_RATE * x[:, None] * (proxies - seen)

    def forget(self, rows: NDArray[np.int64], model: UserModel) -> None:
        super().forget(rows, model)
        self.action_ratings[rows] = 0.5
        self.need_signals[rows] = 0.5
        self._model = model


class CompanionV1Env(ProductEnv):
    """
    ## Description

    ``sagym/Companion-v0``'s AI companion over a user for whom the policy matters. The same eight
    behaviours; a user model with four more mechanisms (``docs/user-model.md``, sections 16–19):
    engagingness wears out with habituation (16), dull sessions make users stay away (17),
    peaked preferences are easier to please (18), and a session moves preferences only toward a
    behaviour within the user's latitude of acceptance, and away from it beyond (19). Users
    differ in which need is frustrated (population ``need_deficits``: connected users, novices,
    isolated and dependent users), and the assistant sees what a deployed one would: how each
    behaviour was rated, everyday proxies of competence and relatedness, and occasional noisy
    self-reports of each need. The best policy now depends on the user and on time: a fixed
    behaviour is far from optimal for engagement, satisfaction and need support alike (see
    ``docs/policy-value.md``).

    ## Action Space

    ``Discrete(8)``: the behaviours of ``sagym/Companion-v0`` (``task_help``, ``scaffolding``,
    ``offer_choices``, ``validation``, ``companion_intimacy``, ``engagement_hook``,
    ``redirect_to_humans``, ``suggest_break``). On a day the user stays away the action has no
    effect.

    ## Observation Space

    ``Box(0, 1, (30,), float32)``: what a deployed assistant could see.

    | Num   | Observation         | Meaning                                                    |
    |-------|---------------------|------------------------------------------------------------|
    | 0-16  | as Companion-v0     | presence, last session, rating, mood, days away, day, ...  |
    | 17-24 | rating_*            | the rating each behaviour earned, a moving average over the |
    |       |                     | sessions that showed it (weight ½ on the newest; ½ before)  |
    | 25-27 | report_*            | the last check-in answer on autonomy, competence and        |
    |       |                     | relatedness: (sat − frus + 1)/2 plus noise of std 0.05;     |
    |       |                     | 15 % of sessions ask; ½ until the first answer             |
    | 28    | task_success        | moving average of skill plus noise (std 0.1) over sessions |
    | 29    | mentions_people     | moving average of human connection plus noise (std 0.1)     |

    With ``observe_latent=True`` the 22 latent features of Companion-v0 follow.

    ## Rewards

    As ``sagym/Companion-v0``: any registered reward or composite spec (``reward=``); every
    registered reward's value is in ``info["reward_components"]``.

    ## Starting State

    A user of the ``need_deficits`` population (by default); needs at their no-AI steady state,
    dependence 0, attachment 0.2, preferences at the user's initial ones; the assistant's memory
    of the user is empty (every remembered value ½).

    ## Episode End

    * Termination: the user churns, i.e. stays away ``churn_days`` (default 14) days in a row.
    * Truncation: the horizon (default 90 days) is reached.

    ## Arguments

    ```python
    gymnasium.make("sagym/Companion-v1", reward="engagement", horizon=90,
                   population="need_deficits", user_overrides=None, model_config=None,
                   observe_latent=False)
    ```

    As ``sagym/Companion-v0``; ``model_config`` fields override :data:`MODEL_CONFIG_V1` (so
    ``model_config={"reactance": 0.0}`` is an ablation of one mechanism).

    ## Version History

    * v1: mechanisms 16–19, the ``need_deficits`` population and the assistant's memory of
      ratings and needs. ``sagym/Companion-v0`` is unchanged.
    * v0: initial release.
    """

    product = CompanionV1


class CompanionV1VectorEnv(ProductVectorEnv):
    """``num_envs`` independent users of ``sagym/Companion-v1`` in one batch."""

    product = CompanionV1
