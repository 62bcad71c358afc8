"""The generic simulation behind every product's environments: users, products, rewards.

A :class:`Product` is a small template (in the spirit of Minigrid's ``_gen_grid`` hook and RecSim
NG's user/story split): the action table of what it can show the user, the agent's actions, the
observation features, and four hooks: ``show`` (what the user sees under today's actions),
``observe``, ``remember`` and ``forget``. :class:`Simulation` owns everything else, the same for
every product: the user model of ``n`` users, the users' keys and episodes, the reward and all
reward components, churn and horizon flags, and the latent oracle features. The single-user
environment, the native vector environment (see :mod:`sagym.envs.product_env`) and the evaluator
all drive one class, so they share every number.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from sagym.envs.user import noise
from sagym.envs.user.actions import ActionTable
from sagym.envs.user.layout import OUT_NEED_ROWS, OUT_ROWS
from sagym.envs.user.model import DayOutputs, UserModel, one_hot
from sagym.envs.user.params import WELLBEING_RANGE, ModelConfig, ParameterError, UserParams
from sagym.envs.user.population import Population, get_population
from sagym.rewards import Reward, component_rewards, make_reward
from sagym.signals import DaySignals

FloatArray = NDArray[np.float64]

LATENT_STATE_FEATURES: tuple[str, ...] = (
    "autonomy_sat",
    "competence_sat",
    "relatedness_sat",
    "autonomy_frus",
    "competence_frus",
    "relatedness_frus",
    "social_time",
    "bond_quality",
    "skill",
    "dependence",
    "attachment",
    "loneliness",
    "wellbeing",
    "induced_shift",
)


@dataclass(frozen=True)
class SimulationSpec:
    """Arguments shared by every product's environments; validated once."""

    horizon: int = 90
    population: str | Population | None = None  # None: the product's default population
    reward: str | Reward = "engagement"
    user_overrides: Mapping[str, float] | None = None
    model_config: ModelConfig | Mapping[str, float] | None = None
    observe_latent: bool = False
    reward_components: bool = True  # compute every reward's value for info (off in training)
    env: str | None = None  # the environment id whose product simulates these users

    def __post_init__(self) -> None:
        if not isinstance(self.horizon, int | np.integer) or not 1 <= int(self.horizon) <= 3650:
            raise ParameterError(
                f"horizon must be an integer in [1, 3650] days; got {self.horizon!r}"
            )
        for name in ("observe_latent", "reward_components"):
            value = getattr(self, name)
            if not isinstance(value, bool | np.bool_):  # "maybe" or 2 is not silently truthy
                raise ParameterError(f"{name} must be true or false; got {value!r}")


class Product:
    """What a product is: the hooks a new environment overrides (see ``docs/extending.md``).

    Class attributes:
        actions: the action table of what the product can show the user (its rows are the
            dimensions of the user's preferences).
        action_names: the agent's actions (``Discrete(len(action_names))``).
        features: names of the observation features, in order (all in [0, 1]).
        supportive_cycle: actions the ``heuristic`` baseline rotates through day by day (a
            need-supportive designer's choice; empty: the product has no heuristic baseline).
        break_action: the action the heuristic takes when recent engagement runs high.
        base_config: the user model's mechanism constants for this product's environment; a
            ``model_config`` mapping overrides some of its fields.
        default_population: the registered population of the users when none is given.
        shows_action_rows: whether action ``a`` shows the user row ``a`` of ``actions`` alone (a
            one-hot exposure; the companion). ``show`` then needs no code, and the simulation
            hands the user model the table and the actions instead of per-user copies of rows.
        memory_shapes_days: whether ``show`` reads what ``remember`` wrote (a feed ranks its
            slate by the interest it remembered). A product whose memory only feeds its
            observation sets it False: a simulation that is never observed (the planner's
            rollouts) then skips the product's memory, a third of a Companion-v1 day's cost.
    """

    actions: ClassVar[ActionTable]
    action_names: ClassVar[tuple[str, ...]]
    features: ClassVar[tuple[str, ...]]
    supportive_cycle: ClassVar[tuple[str, ...]] = ()
    break_action: ClassVar[str | None] = None
    base_config: ClassVar[ModelConfig] = ModelConfig()  # model_config= fields override it
    default_population: ClassVar[str] = "default"  # the users when population= is not given
    shows_action_rows: ClassVar[bool] = False
    memory_shapes_days: ClassVar[bool] = True

    def __init__(self, n_users: int, horizon: int, config: ModelConfig) -> None:
        self.n_users = n_users
        self.horizon = horizon
        self.config = config

    def show(self, actions: NDArray[np.int64], model: UserModel) -> tuple[FloatArray, FloatArray]:
        """What each user is shown under today's actions: effect rows and exposure vectors.

        With ``shows_action_rows``: row ``a`` of the action table and its one-hot exposure.
        """
        if self.shows_action_rows:
            return self.actions.effects.take(actions, axis=0), one_hot(actions, self.actions.n)
        raise NotImplementedError(f"{type(self).__name__} must define show()")

    def observe(self, model: UserModel, rows: NDArray[np.int64], out: NDArray[np.float32]) -> None:
        """Write the features of the users at ``rows`` into ``out[:, :len(features)]`` (zeroed)."""
        raise NotImplementedError

    def remember(self, actions: NDArray[np.int64], signals: DaySignals) -> None:
        """Update what the product remembers of each user after a day."""

    def forget(self, rows: NDArray[np.int64], model: UserModel) -> None:
        """Forget the users at ``rows`` (new users in those slots)."""

    def memory_arrays(self) -> dict[str, NDArray[Any]]:
        """What the product remembers per user, by attribute name (for copying users).

        By convention every numpy array attribute whose first axis runs over the ``n_users``
        users is per-user memory (``SessionProduct.hist``, ``last_action``, a feed's
        ``interest``); a product that keeps memory otherwise overrides this.
        """
        return {
            name: value
            for name, value in vars(self).items()
            if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == self.n_users
        }


def latent_features(product: type[Product]) -> tuple[str, ...]:
    return (*LATENT_STATE_FEATURES, *(f"pref_{name}" for name in product.actions.names))


def check_actions(actions: Any, n_actions: int, n_users: int) -> NDArray[np.int64]:
    """The day's actions as int64, or a ValueError naming what was given and the allowed range."""
    arr = np.asarray(actions)
    if arr.dtype.kind not in "iu" or arr.size != n_users:
        raise ValueError(
            f"actions must be {n_users} integer(s) in [0, {n_actions - 1}]; got {actions!r}"
        )
    a = arr.astype(np.int64, copy=False).reshape(n_users)
    if a.view(np.uint64).max() >= n_actions:  # one pass: a negative action reads as huge
        raise ValueError(f"actions must lie in [0, {n_actions - 1}]; got {a}")
    return a


class Simulation:
    """``n`` users of one product: the user model, the product's memory, reward bookkeeping."""

    def __init__(
        self, n_users: int, spec: SimulationSpec, product: type[Product], observed: bool = True
    ) -> None:
        """``observed=False``: nobody reads this simulation's observations (a planner's rollouts),
        so a product whose memory does not shape the days (``Product.memory_shapes_days``) keeps
        none; the users' days, signals and rewards are the same bit for bit."""
        if n_users < 1:
            raise ValueError(f"n_users must be >= 1; got {n_users}")
        self.n_users = int(n_users)
        self.spec = spec
        self.horizon = int(spec.horizon)
        self.population = get_population(
            product.default_population if spec.population is None else spec.population
        )
        cfg = spec.model_config
        if cfg is None:
            self.config = product.base_config
        elif isinstance(cfg, ModelConfig):
            self.config = cfg
        else:
            self.config = product.base_config.replace(**dict(cfg))
        self.overrides = dict(spec.user_overrides or {})
        UserParams.uniform_defaults(1).with_overrides(self.overrides)  # validates names and ranges
        self.reward = make_reward(spec.reward)
        self.components = component_rewards() if spec.reward_components else {}
        self.observe_latent = bool(spec.observe_latent)
        self.product_type = product
        self.product = product(self.n_users, self.horizon, self.config)
        self._shows_rows = bool(product.shows_action_rows)
        if self._shows_rows and len(product.action_names) != product.actions.n:
            raise ValueError(
                f"{product.__name__}.shows_action_rows needs one action per row of its action "
                f"table: {len(product.action_names)} action_names for {product.actions.n} rows"
            )
        if self._shows_rows and product.show is not Product.show:  # one of them would be ignored
            raise ValueError(
                f"{product.__name__} defines show() and sets shows_action_rows (perhaps "
                "inherited): set shows_action_rows = False to show what show() returns"
            )
        self._remembers = bool(observed) or product.memory_shapes_days
        self.actions = product.actions
        self.action_names = product.action_names
        self.n_actions = len(product.action_names)
        self.features: tuple[str, ...] = product.features + (
            latent_features(product) if self.observe_latent else ()
        )
        self.obs_dim = len(self.features)
        self.model: UserModel | None = None
        self._all_rows = np.arange(self.n_users, dtype=np.int64)
        self.persona_labels: tuple[str, ...] = self.population.persona_names
        self._persona_array = np.array(self.persona_labels, dtype=object)
        self._persona_names: NDArray[np.object_] | None = None  # read-only, replaced on reset

    def feature_index(self, name: str) -> int:
        """The column of an observation feature, by name."""
        try:
            return self.features.index(name)
        except ValueError:
            raise KeyError(
                f"unknown observation feature {name!r}; known: {', '.join(self.features)}"
            ) from None

    # ----------------------------------------------------------------------------------- users
    def reset(self, keys: NDArray[np.uint64]) -> None:
        """Sample a fresh user for every slot from its key."""
        self.model = UserModel.sample(
            self.actions, self.population, keys, self.config, self.overrides
        )
        self._persona_names = None
        self.product.forget(self._all_rows, self.model)

    def reset_index(self, index: NDArray[np.intp], keys: NDArray[np.uint64]) -> None:
        """Replace the users in the given slots (autoreset)."""
        assert self.model is not None
        self.model.resample(index, keys)
        names = self._persona_names
        if names is not None:  # a new array: ones handed out before keep their labels
            names = names.copy()
            names[index] = self._persona_array[self.model.persona[index]]
            names.setflags(write=False)
            self._persona_names = names
        self.product.forget(np.asarray(index, dtype=np.int64), self.model)

    def load_users(self, source: Simulation, index: NDArray[np.intp]) -> None:
        """Make this simulation's users exact copies of ``source``'s users at ``index``.

        ``len(index)`` must equal ``n_users``; an index may repeat, so many slots can continue
        one user (a planner's candidate rollouts, all in one batch). The user model (state,
        parameters, noise keys) and the product's per-user memory (unless this simulation keeps
        none, ``observed=False``) are copied: each copy then steps exactly as the original would
        under the same actions, since a user's noise is a function of its key and the day. Both
        simulations must be of the same product and model config (their rewards may differ).
        """
        assert self.model is not None and source.model is not None, "call reset() first"
        if source.product_type is not self.product_type:
            raise ValueError(
                f"cannot copy users of {source.product_type.__name__} into "
                f"{self.product_type.__name__}"
            )
        index = np.asarray(index, dtype=np.intp)
        self.model.load_users(source.model, index)
        if not self._remembers:
            return
        mine = self.product.memory_arrays()
        for name, value in source.product.memory_arrays().items():
            target = mine.get(name)
            if target is None:  # scratch an attribute reassigned since (same name, new array)
                setattr(self.product, name, np.take(value, index, axis=0))
            else:
                np.take(value, index, axis=0, out=target)

    @property
    def persona(self) -> NDArray[np.int64]:
        """The persona index of every user (into ``population.persona_names``)."""
        assert self.model is not None, "call reset() first"
        return self.model.persona

    def persona_names(self) -> NDArray[np.object_]:
        """The persona label of every user, as a read-only object array.

        Made once and replaced (not changed) when users are replaced, so the vector env hands
        out the same array step after step instead of building 1024 labels each step.
        """
        names = self._persona_names
        if names is None:
            names = self._persona_array[self.persona]
            names.setflags(write=False)
            self._persona_names = names
        return names

    # ----------------------------------------------------------------------------- observing
    def observe(self, rows: NDArray[np.intp] | None = None) -> NDArray[np.float32]:
        """Observations of every user, or of the users at ``rows``."""
        assert self.model is not None, "call reset() first"
        if not self._remembers:
            raise RuntimeError("this simulation was built with observed=False: it keeps no memory")
        s = self.model.state
        index = self._all_rows if rows is None else np.asarray(rows, dtype=np.int64)
        obs = np.zeros((index.shape[0], self.obs_dim), dtype=np.float32)
        self.product.observe(self.model, index, obs)
        r: NDArray[np.intp] | slice = slice(None) if rows is None else rows
        if self.observe_latent:
            base = len(self.product.features)
            low, high = WELLBEING_RANGE
            obs[:, base : base + 3] = s.sat[0, r]
            obs[:, base + 3 : base + 6] = s.frus[0, r]
            obs[:, base + 6] = s.social[0, r]
            obs[:, base + 7] = s.bond[0, r]
            obs[:, base + 8] = s.skill[0, r]
            obs[:, base + 9] = s.dependence[0, r]
            obs[:, base + 10] = s.attachment[0, r]
            obs[:, base + 11] = s.loneliness[0, r]
            obs[:, base + 12] = (s.wellbeing[0, r] - low) / (high - low)
            obs[:, base + 13] = 0.5 * np.abs(s.prefs[0, r] - s.prefs[1, r]).sum(axis=-1)
            obs[:, base + 14 :] = s.prefs[0, r]
        return obs

    # -------------------------------------------------------------------------------- acting
    def step(
        self, actions: NDArray[np.int64]
    ) -> tuple[DaySignals, FloatArray, NDArray[np.bool_], NDArray[np.bool_], RewardComponents]:
        """One day for every user: signals, reward, terminated, truncated, reward components."""
        assert self.model is not None, "call reset() first"
        return self.advance(check_actions(actions, self.n_actions, self.n_users), checked=True)

    def advance(
        self, a: NDArray[np.int64], *, checked: bool = False
    ) -> tuple[DaySignals, FloatArray, NDArray[np.bool_], NDArray[np.bool_], RewardComponents]:
        """:meth:`step` for actions already of shape ``(n_users,)`` and dtype int64.

        An action past the action table still raises (a product's ``show`` indexes its rows;
        rows read in place are checked in one pass, negative actions too) unless
        ``checked=True``: the caller has checked the range, as :meth:`step` and the single
        environment do.
        """
        assert self.model is not None, "call reset() first"
        # A user who churned on an earlier day has left the episode: nothing they do counts.
        # (Environments replace such users at once; batched evaluations keep stepping them.)
        gone = self.model.state.churned.copy() if self.model.state.churned.any() else None
        if self._shows_rows:  # the table's rows, read in place (the same numbers as show())
            sig = self.model.step(a, checked=checked)
        else:
            effects, exposure = self.product.show(a, self.model)
            sig = self.model.day(effects, exposure, a)
        reward = _as_floats(self.reward(sig))
        if gone is not None:
            reward = np.where(gone, 0.0, reward)
        components = RewardComponents(self.components, sig, gone)
        if self._remembers:
            self.product.remember(a, sig)
        terminated = sig.churned.copy()
        truncated = np.greater(self.model.state.day >= self.horizon, terminated)  # and not
        return sig, reward, terminated, truncated, components


class RewardComponents(Mapping[str, FloatArray]):
    """Every registered reward's value for one day, computed when first read.

    A vector environment reports all of them in ``info["reward_components"]``; evaluating ten
    reward functions over a large batch costs as much as a sixth of the day's simulation, so each
    is computed only if someone reads it (and then once).
    """

    def __init__(
        self,
        rewards: Mapping[str, Reward],
        signals: DaySignals,
        gone: NDArray[np.bool_] | None = None,
    ) -> None:
        self._rewards = rewards
        self._signals = signals
        self._gone = gone  # users who churned before the day: every component is 0
        self._values: dict[str, FloatArray] = {}

    def __getitem__(self, name: str) -> FloatArray:
        value = self._values.get(name)
        if value is None:
            value = _as_floats(self._rewards[name](self._signals))
            if self._gone is not None:
                value = np.where(self._gone, 0.0, value)
            self._values[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._rewards)

    def __len__(self) -> int:
        return len(self._rewards)

    def __repr__(self) -> str:
        return f"RewardComponents({sorted(self._rewards)})"


def _as_floats(value: Any) -> FloatArray:
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value
    return np.asarray(value, dtype=np.float64)


def base_keys(seeds: list[int | None] | int | None, n: int) -> NDArray[np.uint64]:
    """One base key per slot, from a generator seeded like Gymnasium's vector envs (``seed + i``).

    Slot ``i``'s ``e``-th user has key ``noise.episode_key(base_i, e)``: the same users as a
    single environment seeded ``seed + i`` and reset ``e`` times, with no Python loop at autoreset.
    """
    if isinstance(seeds, list):
        if len(seeds) != n:
            raise ValueError(f"seed list must have {n} entries; got {len(seeds)}")
        per_slot: list[int | None] = list(seeds)
    elif seeds is None:
        per_slot = [int(s) for s in np.random.SeedSequence().generate_state(n)]
    else:
        per_slot = [int(seeds) + i for i in range(n)]
    return np.array(
        [noise.draw_keys(np.random.default_rng(s), 1)[0] for s in per_slot], dtype=np.uint64
    )


class UserComponents(dict[str, Any]):
    """One user's ``info["reward_components"]``: a plain ``dict`` of floats, filled on first read.

    The single environment reports every registered reward's value each step; computing ten
    rewards on one user's signals costs more than the day's simulation (numpy's per-call overhead
    on one-element arrays), and most callers never read them. This dict computes them when any of
    its contents is first looked at (reading, iterating, comparing, copying, pickling, ``json``),
    so it reads as the eager dict did (and a copy or pickle of it is a plain ``dict``). Until then
    its keys hold ``None``: only C code that walks a dict's storage directly, bypassing its
    methods, could see that.
    """

    __slots__ = ("_pending",)

    def __init__(self, components: Mapping[str, FloatArray], index: int) -> None:
        super().__init__(dict.fromkeys(components))  # keys now (json reads the size first)
        self._pending: tuple[Mapping[str, FloatArray], int] | None = (components, index)

    def _fill(self) -> UserComponents:
        if self._pending is not None:
            components, i = self._pending
            self._pending = None
            dict.update(self, {k: float(v[i]) for k, v in components.items()})
        return self

    def __getitem__(self, key: str) -> float:
        return dict.__getitem__(self._fill(), key)

    def __iter__(self) -> Iterator[str]:
        return dict.__iter__(self._fill())

    def __len__(self) -> int:
        return dict.__len__(self._fill())

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self._fill(), key)

    def __eq__(self, other: object) -> bool:
        return dict.__eq__(self._fill(), _filled(other))

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        return dict.__repr__(self._fill())

    def __reduce__(self) -> tuple[type, tuple[dict[str, float]]]:
        return dict, (dict(self._fill()),)

    def __or__(self, other: Any) -> Any:
        return dict.__or__(self._fill(), _filled(other))

    def __ror__(self, other: Any) -> Any:
        return dict.__ror__(self._fill(), _filled(other))

    def __ior__(self, other: Any) -> UserComponents:  # type: ignore[override]
        dict.update(self._fill(), _filled(other))
        return self

    def __reversed__(self) -> Iterator[str]:
        return dict.__reversed__(self._fill())

    def __setitem__(self, key: str, value: float) -> None:
        dict.__setitem__(self._fill(), key, value)

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self._fill(), key)

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self._fill(), key, default)

    def keys(self) -> Any:
        return dict.keys(self._fill())

    def values(self) -> Any:
        return dict.values(self._fill())

    def items(self) -> Any:
        return dict.items(self._fill())

    def copy(self) -> dict[str, float]:
        return dict(self._fill())

    def pop(self, key: str, *default: Any) -> Any:
        return dict.pop(self._fill(), key, *default)

    def popitem(self) -> tuple[str, float]:
        return dict.popitem(self._fill())

    def setdefault(self, key: str, default: Any = None) -> Any:
        return dict.setdefault(self._fill(), key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        dict.update(self._fill(), *args, **kwargs)

    def clear(self) -> None:
        self._pending = None
        dict.clear(self)


def _filled(value: Any) -> Any:
    return value._fill() if isinstance(value, UserComponents) else value


def info_for_user(
    core: Simulation, sig: DaySignals, components: Mapping[str, FloatArray], i: int
) -> dict[str, Any]:
    """The single-environment ``info`` dict of user ``i`` (reward components read lazily).

    The day's scalar signals are read in one ``tolist`` of the kernel's output column when the
    signals come from the kernel (twenty ``.item`` calls cost as much as the day's simulation).
    """
    source = sig.__dict__.get("_source")
    if isinstance(source, DayOutputs):
        v = source.out[:, i].tolist()
        sat, frus = source.needs[_NEED_SAT, i].copy(), source.needs[_NEED_FRUS, i].copy()
    else:
        v = [getattr(sig, name).item(i) for name in OUT_ROWS]
        sat, frus = sig.need_sat[i].copy(), sig.need_frus[i].copy()
    wellbeing, twin_wellbeing = v[_WELLBEING], v[_TWIN_WELLBEING]
    model = core.model
    return {
        "day": model.state.day.item(i) if model is not None else 0,
        "persona": core.persona_labels[model.persona.item(i)] if model is not None else "",
        "action_name": core.action_names[sig.action.item(i)],
        "present": v[_PRESENT] > 0.5,
        "session_time": v[_SESSION_TIME],
        "rating": v[_RATING],
        "wellbeing": wellbeing,
        "twin_wellbeing": twin_wellbeing,
        "wellbeing_vs_twin": wellbeing - twin_wellbeing,
        "human_connection": v[_HUMAN_CONNECTION],
        "twin_human_connection": v[_TWIN_HUMAN_CONNECTION],
        "dependence": v[_DEPENDENCE],
        "attachment": v[_ATTACHMENT],
        "loneliness": v[_LONELINESS],
        "skill": v[_SKILL],
        "needs_sat": sat,
        "needs_frus": frus,
        "induced_shift": v[_INDUCED_SHIFT],
        "drift_from_initial": v[_DRIFT_FROM_INITIAL],
        "violation": v[_VIOLATION] > 0.5,
        "churned": v[_CHURNED] > 0.5,
        "reward_components": UserComponents(components, i),
    }


(_PRESENT, _SESSION_TIME, _RATING, _WELLBEING, _TWIN_WELLBEING, _HUMAN_CONNECTION,
 _TWIN_HUMAN_CONNECTION, _DEPENDENCE, _ATTACHMENT, _LONELINESS, _SKILL, _INDUCED_SHIFT,
 _DRIFT_FROM_INITIAL, _VIOLATION, _CHURNED) = (OUT_ROWS.index(name) for name in (
    "present", "session_time", "rating", "wellbeing", "twin_wellbeing", "human_connection",
    "twin_human_connection", "dependence", "attachment", "loneliness", "skill", "induced_shift",
    "drift_from_initial", "violation", "churned"))  # fmt: skip
_NEED_SAT, _NEED_FRUS = OUT_NEED_ROWS.index("need_sat"), OUT_NEED_ROWS.index("need_frus")
