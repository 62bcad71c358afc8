"""``sagym/Feed-v0``: a recommender feed ranking a daily slate for one simulated user."""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from sagym.envs.product_env import ProductEnv, ProductVectorEnv
from sagym.envs.session import SessionProduct, session_features
from sagym.envs.user.actions import EFFECT_COLUMNS, N_EFFECTS, ActionTable
from sagym.envs.user.layout import OUT_ROWS
from sagym.envs.user.model import DayOutputs, UserModel
from sagym.envs.user.params import ModelConfig
from sagym.envs.user.threads import run_over_users, threads
from sagym.signals import DaySignals

FloatArray = NDArray[np.float64]

TOPICS: tuple[str, ...] = ("news", "hobbies", "friends", "learning", "celebrity", "outrage")
# Each topic has a calm and an intense nutritious item and a clickbait item: (quality, intensity).
VARIANTS: tuple[tuple[str, float], ...] = (
    ("nutritious", 0.2),
    ("nutritious", 0.6),
    ("clickbait", 0.9),
)
RANKERS: tuple[str, ...] = (
    "engagement",  # predicted clicks: interest × clickbait appeal × intensity
    "relevance",  # estimated interest only
    "quality",  # nutritious items first, then interest
    "diverse",  # a calm nutritious item of each topic, topics in daily rotation
    "friends_first",  # posts from friends first, then nutritious by interest
    "caught_up",  # calm nutritious items and an "you're all caught up" notice
)
SLATE_WEIGHTS = np.array([0.4, 0.25, 0.15, 0.12, 0.08])  # attention by position, sums to 1
INTEREST_RATE = 0.3  # update rate of the feed's estimate of topic interest


def _item_effects(topic: str, quality: str, intensity: float) -> dict[str, float]:
    """An item's effects on the user (the columns of :data:`EFFECT_COLUMNS`)."""
    bait = quality == "clickbait"
    e = {
        "hedonic": (0.75 + 0.15 * intensity) if bait else (0.45 + 0.2 * intensity),
        "session_time": -0.05 + 0.2 * intensity + (0.25 if bait else 0.0),
        "habit_boost": (0.6 + 0.4 * intensity) if bait else 0.0,
        "attachment_pull": 0.55 if bait else 0.3,
        "need_sat_autonomy": 0.0 if bait else 0.05,
        "need_frus_autonomy": 0.15 * intensity if bait else 0.0,
        "need_frus_competence": 0.05 if bait else 0.0,
        "social_nudge": -0.05 if bait else 0.0,
    }
    if topic == "friends" and not bait:
        e.update(social_nudge=0.15, bond_effect=0.05, need_sat_relatedness=0.1)
    if topic == "learning" and not bait:
        e.update(skill_effect=1.0, need_sat_competence=0.1)
    if topic == "outrage":
        e.update(need_frus_relatedness=0.1, bond_effect=-0.1 if bait else -0.03)
    return e


ITEMS: tuple[tuple[str, str, float], ...] = tuple(
    (topic, quality, intensity) for topic in TOPICS for quality, intensity in VARIANTS
)
CATALOGUE = ActionTable.from_rows(
    [
        (
            f"{topic}_{quality}_{intensity:g}",
            "reinforcing"
            if quality == "clickbait"
            else ("boundary" if topic == "friends" else "neutral"),
            _item_effects(topic, quality, intensity),
        )
        for topic, quality, intensity in ITEMS
    ]
)
# What the user's preferences range over: topics (effects unused; exposure is over these rows).
TOPIC_TABLE = ActionTable.from_rows([(t, "neutral", {}) for t in TOPICS])
ITEM_TOPIC = np.array([TOPICS.index(t) for t, _, _ in ITEMS], dtype=np.int64)
ITEM_BAIT = np.array([q == "clickbait" for _, q, _ in ITEMS], dtype=np.float64)
ITEM_INTENSITY = np.array([i for _, _, i in ITEMS])
ITEM_FRIENDS = np.array([t == "friends" for t, _, _ in ITEMS], dtype=np.float64)
NOTICE = np.zeros(N_EFFECTS)  # the "you're all caught up" notice
NOTICE[EFFECT_COLUMNS.index("session_time")] = -0.15
NOTICE[EFFECT_COLUMNS.index("habit_boost")] = -0.3
NOTICE[EFFECT_COLUMNS.index("break_nudge")] = 1.0
CAUGHT_UP = RANKERS.index("caught_up")
if SLATE_WEIGHTS.shape[0] > len(ITEMS):  # the slate kernel fills every position from the catalogue
    raise ValueError(f"a slate of {SLATE_WEIGHTS.shape[0]} items needs as many in the catalogue")
_INTEREST_START = len(session_features(RANKERS))  # the first interest feature's column
_PRESENT = OUT_ROWS.index("present")


def _kernel() -> ModuleType:
    """The compiled slates and memory (numba is loaded on first use)."""
    from sagym.envs import feed_kernel

    return feed_kernel


class Feed(SessionProduct):
    """The feed: each day a ranker orders the catalogue and the user sees the top of the slate."""

    actions: ClassVar[ActionTable] = TOPIC_TABLE
    action_names: ClassVar[tuple[str, ...]] = RANKERS
    features: ClassVar[tuple[str, ...]] = (
        *session_features(RANKERS),
        *(f"interest_{t}" for t in TOPICS),
    )
    supportive_cycle: ClassVar[tuple[str, ...]] = ("quality", "diverse", "friends_first")
    break_action: ClassVar[str | None] = "caught_up"

    def __init__(self, n_users: int, horizon: int, config: ModelConfig) -> None:
        super().__init__(n_users, horizon, config)
        self.interest = np.full((n_users, len(TOPICS)), 0.5)
        self._exposure = np.zeros((n_users, len(TOPICS)))
        self._items = np.zeros((n_users, SLATE_WEIGHTS.shape[0]), dtype=np.int64)
        self._scratch: list[FloatArray] = []

    def slate(self, actions: NDArray[np.int64], model: UserModel) -> NDArray[np.int64]:
        """``(n, slate size)`` item indices, best first (ties: earlier in the catalogue)."""
        self.show(actions, model)
        return self._items

    def show(self, actions: NDArray[np.int64], model: UserModel) -> tuple[FloatArray, FloatArray]:
        kernel = _kernel()
        n = actions.shape[0]
        self._items = np.empty((n, SLATE_WEIGHTS.shape[0]), dtype=np.int64)
        effects = np.empty((n, N_EFFECTS))
        exposure = np.empty((n, len(TOPICS)))
        args = (
            actions, self.interest, model.state.day, ITEM_TOPIC, ITEM_BAIT, ITEM_INTENSITY,
            ITEM_FRIENDS, CATALOGUE.effects, SLATE_WEIGHTS, NOTICE, CAUGHT_UP,
            self._items, effects, exposure,
        )  # fmt: skip
        # One scratch block per thread, kept in a list: an array attribute whose first axis
        # happened to equal the number of users would be taken for per-user memory.
        count = threads()
        scratch = self._scratch[0] if self._scratch else None
        if scratch is None or scratch.shape[0] < count:
            scratch = np.empty((count, kernel.SLATE_SCRATCH_ROWS, len(ITEMS)))
            self._scratch = [scratch]
        run_over_users(kernel.slates, n, scratch[:count], args, kernel.slates_in_chunks)
        self._exposure = exposure
        return effects, exposure

    def observe(self, model: UserModel, rows: NDArray[np.int64], out: NDArray[np.float32]) -> None:
        super().observe(model, rows, out)
        _kernel().observe_interest(rows, self.interest, _INTEREST_START, out)

    def remember(self, actions: NDArray[np.int64], signals: DaySignals) -> None:
        super().remember(actions, signals)
        # Engagement per topic: what was shown, weighted by how the session was rated.
        source = signals.__dict__.get("_source")
        if isinstance(source, DayOutputs):  # the kernel's output rows, no flag array made
            present = source.out[_PRESENT]
        else:
            present = signals.present.astype(np.float64)
        _kernel().remember_interest(
            self.interest, self._exposure, present, signals.rating, INTEREST_RATE
        )

    def forget(self, rows: NDArray[np.int64], model: UserModel) -> None:
        super().forget(rows, model)
        self.interest[rows] = 0.5


class FeedEnv(ProductEnv):
    """
    ## Description

    A recommender feed and one simulated user, one day per step. Each day the agent picks how to
    rank a catalogue of 18 items (6 topics × a calm and an intense *nutritious* item and a
    *clickbait* item); the user sees the top 5, with attention falling by position
    (0.4, 0.25, 0.15, 0.12, 0.08). It is the same simulated user as ``sagym/Companion-v0``
    (``docs/user-model.md``), shown a slate instead of a conversation: the slate's
    position-weighted mix of item effects is the day's effect row and its mix of topics the
    exposure, so topic preferences drift towards what is shown (assimilation, anchoring, natural
    drift). Clickbait is more pleasant and longer to scroll today and builds habit, but frustrates
    autonomy and competence and satisfies nothing: clicks rise while long-term satisfaction
    (wellbeing) erodes, RecSim's long-term-satisfaction mechanism (Ie et al. 2019). Time in the
    feed displaces time with people; posts from friends nudge towards them.

    ## Action Space

    ``Discrete(6)``: a ranking policy, applied to each user's own estimated interests. A slate
    over catalogue positions (``MultiDiscrete``) would be combinatorial and allow duplicates;
    choosing among rankers, like a meta-policy over recommenders, keeps the space small enough for
    PPO and the agent's choice readable.

    | Num | Ranker        | Slate                                                         |
    |-----|---------------|---------------------------------------------------------------|
    | 0   | engagement    | predicted clicks: interest × clickbait appeal × intensity     |
    | 1   | relevance     | estimated interest only                                       |
    | 2   | quality       | nutritious items first, then interest                         |
    | 3   | diverse       | a calm nutritious item of each topic, in daily rotation       |
    | 4   | friends_first | posts from friends first, then nutritious items by interest   |
    | 5   | caught_up     | calm nutritious items and an "all caught up" notice (a break) |

    Items carry design-code categories: clickbait is companionship-reinforcing, friends' posts
    boundary-maintaining (they point to people), the rest neutral. ``violation`` is a session in
    which more than half of the attention went to clickbait.

    ## Observation Space

    ``Box(0, 1, (21,), float32)``: what a deployed feed could see.

    | Num   | Observation       | Meaning                                                |
    |-------|-------------------|--------------------------------------------------------|
    | 0-8   | as Companion-v0   | presence, last session, rating, mood, recency, day     |
    | 9-14  | last_action_*     | one-hot of the ranker used in the last session         |
    | 15-20 | interest_*        | the feed's estimate of interest in each topic          |

    With ``observe_latent=True`` the latent state follows (as in Companion-v0, with topic
    preferences).

    ## Rewards

    As ``sagym/Companion-v0``: the chosen reward design, and every registered reward's value in
    ``info["reward_components"]``.

    ## Starting State

    A user drawn from the population, as in ``sagym/Companion-v0``; topic preferences start
    around uniform (personas' preferences name companion behaviours, which a feed does not show).
    The feed's interest estimates start at 0.5.

    ## Episode End

    Termination when the user churns (``churn_days`` days away in a row); truncation at the
    horizon.

    ## Arguments

    ```python
    gymnasium.make("sagym/Feed-v0", reward="engagement", horizon=90, population="default",
                   user_overrides=None, model_config=None, observe_latent=False)
    ```

    ## Version History

    * v0: initial release.
    """

    product = Feed


class FeedVectorEnv(ProductVectorEnv):
    """``num_envs`` independent users of ``sagym/Feed-v0`` in one batch (SAME_STEP autoreset)."""

    product = Feed
