"""The batched user model: N users and their no-AI twins, stepped one day per call.

State arrays carry a leading *world* axis of length 2: row 0 is the user who uses the product,
row 1 the same user's counterfactual twin, who has no AI in their life. Both rows read the same
noise and go through the same arithmetic; the twin simply never has a session. With the influence
rate at zero the two rows are therefore bit-identical, which is the natural-preference-shift
baseline of Carroll et al. (2022).

The model knows no product: it is built on an :class:`~sagym.envs.user.actions.ActionTable`
(whose rows are the dimensions of preferences and habituation) and each day is told what the user
was *shown*: one effect row and one exposure vector per user (:meth:`UserModel.day`).

Each update rule is given, with its parameters, ranges and sources, in ``docs/user-model.md``,
written out in numpy in :mod:`sagym.envs.user.reference` (one function per numbered section), and
compiled in :mod:`sagym.envs.user.kernel` (the same functions), which :meth:`UserModel.day` runs.
The kernel is imported on first use, so importing the package does not load numba.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sagym.envs.user import layout
from sagym.envs.user.actions import E_VIOLATION, N_EFFECTS, ActionTable
from sagym.envs.user.layout import (
    CONFIG_ROWS,
    CONSTANTS,
    LEVEL_ROWS,
    MEMORY_ROWS,
    NEED_ROWS,
    OUT_NEED_ROWS,
    OUT_ROWS,
    PARAM_ROWS,
    RETURN_COUNTER_OFFSET,
)
from sagym.envs.user.params import ModelConfig, UserParams
from sagym.envs.user.population import SAMPLING_COUNTERS, Population
from sagym.envs.user.threads import MIN_USERS_PER_THREAD, run_over_users, threads
from sagym.signals import DaySignals

FloatArray = NDArray[np.float64]

PARAM_NAMES: list[str] = list(PARAM_ROWS)
SAT_BASE, SAT_SLOPE, FRUS_BASE, FRUS_SLOPE = (CONSTANTS[i] for i in range(4))

_KERNEL: ModuleType | None = None


def kernel() -> ModuleType:
    """The compiled kernel module, imported (and numba loaded) on first use."""
    global _KERNEL
    if _KERNEL is None:
        from sagym.envs.user import kernel as compiled

        _KERNEL = compiled
    return _KERNEL


def wellbeing(sat: FloatArray, frus: FloatArray) -> FloatArray:
    """W = Σ_k γ_k·sat_k − Σ_k φ_k·frus_k over the last axis (autonomy, competence, relatedness)."""
    # Written term by term (not as a matrix product) so that a user's value does not depend on
    # the batch it is computed in: single and vector environments agree to the last bit.
    g, f = CONSTANTS[4], CONSTANTS[5]
    out: FloatArray = (
        g[0] * sat[..., 0]
        + g[1] * sat[..., 1]
        + g[2] * sat[..., 2]
        - (f[0] * frus[..., 0] + f[1] * frus[..., 1] + f[2] * frus[..., 2])
    )
    return out


def need_floor(sat: FloatArray, frus: FloatArray, softness: float) -> FloatArray:
    """20. Need floor: the soft minimum −τ·log(⅓·Σ_k exp(−(sat_k − frus_k)/τ)) over the needs.

    An output, not a dynamic: the day's signals compute it when it is first read (the
    ``need_support`` reward reads it), so a step that does not read it pays nothing for it.
    """
    balance = sat - frus
    b0, b1, b2 = balance[..., 0], balance[..., 1], balance[..., 2]
    # The three needs spelled out: numpy's reductions over a last axis of 3 cost several times
    # the arithmetic, and a minimum, or a sum of three in order, gives the same bits.
    low = np.minimum(np.minimum(b0, b1), b2)
    e = np.exp(-(balance - low[..., None]) / softness)
    out: FloatArray = low - softness * np.log((e[..., 0] + e[..., 1] + e[..., 2]) / 3.0)
    return out


def human_connection(social: FloatArray, bond: FloatArray) -> FloatArray:
    """Human connection: the mean of social time and the quality of human bonds."""
    out: FloatArray = 0.5 * (social + bond)
    return out


def loneliness(connection: FloatArray, rel_sat: FloatArray, rel_frus: FloatArray) -> FloatArray:
    """Loneliness from human connection and relatedness (AI relief counts only through needs)."""
    out: FloatArray = np.clip(
        0.5 * (1.0 - connection) + 0.25 * (1.0 - rel_sat) + 0.25 * rel_frus, 0.0, 1.0
    )
    return out


def total_variation(p: FloatArray, q: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * np.abs(p - q).sum(axis=-1)
    return out


def need_targets(
    skill: FloatArray, connection: FloatArray, dependence: FloatArray, config: ModelConfig
) -> tuple[FloatArray, FloatArray]:
    """Satisfaction and frustration targets without today's exposure: shape (..., 3)."""
    driver = np.stack([np.zeros_like(skill), skill, connection], axis=-1)
    sat = SAT_BASE + SAT_SLOPE * driver
    frus = FRUS_BASE + FRUS_SLOPE * driver
    frus[..., 0] += config.dependence_autonomy_cost * dependence
    return sat, frus


class PackedRow:
    """A named row of a packed state matrix: reads a view, assignment writes into the matrix."""

    def __init__(self, matrix: str, rows: tuple[str, ...], name: str) -> None:
        self.matrix = matrix
        self.index = rows.index(name)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return getattr(obj, self.matrix)[self.index]

    def __set__(self, obj: Any, value: Any) -> None:
        getattr(obj, self.matrix)[self.index][...] = value


#: The axis along which each :class:`UserState` array runs over users.
USER_AXES: dict[str, int] = {
    "prefs": 1,
    "prefs_initial": 0,
    "habituation": 1,
    "levels": 2,
    "needs": 2,
    "memory": 1,
    "present": 0,
    "days_away": 0,
    "churned": 0,
    "day": 0,
}


class UserState:
    """Latent state; ``(2, n)`` rows are (user, twin) × users. Ranges in docs/user-model.md.

    The scalar levels, the needs and the memory live in packed matrices (rows named in
    :mod:`sagym.envs.user.layout`) that the kernel updates in place; the named attributes are
    views of their rows.
    """

    social = PackedRow("levels", LEVEL_ROWS, "social")  # (2, n) in [0, 1]
    bond = PackedRow("levels", LEVEL_ROWS, "bond")
    skill = PackedRow("levels", LEVEL_ROWS, "skill")
    dependence = PackedRow("levels", LEVEL_ROWS, "dependence")
    attachment = PackedRow("levels", LEVEL_ROWS, "attachment")
    sat = PackedRow("needs", NEED_ROWS, "sat")  # (2, n, 3) in [0, 1]
    frus = PackedRow("needs", NEED_ROWS, "frus")
    rating_memory = PackedRow("memory", MEMORY_ROWS, "rating_memory")  # (n,) in [0, 1]
    mood = PackedRow("memory", MEMORY_ROWS, "mood")  # (n,) last expressed mood

    def __init__(self, n: int, k: int) -> None:
        self.prefs = np.empty((2, n, k))  # on the probability simplex
        self.prefs_initial = np.empty((n, k))
        self.habituation = np.empty((2, n, k))  # in [0, 1]
        self.levels = np.empty((len(LEVEL_ROWS), 2, n))
        self.needs = np.empty((len(NEED_ROWS), 2, n, 3))
        self.memory = np.empty((len(MEMORY_ROWS), n))
        self.present = np.empty(n, dtype=bool)  # the user has a session today
        self.days_away = np.empty(n, dtype=np.int64)
        self.churned = np.empty(n, dtype=bool)
        self.day = np.empty(n, dtype=np.int64)  # days since the user was sampled

    def copy(self) -> UserState:
        """An independent copy (every array copied)."""
        out = UserState.__new__(UserState)
        for name, value in vars(self).items():
            setattr(out, name, np.copy(value))
        return out

    def take_into(self, out: UserState, index: NDArray[np.intp]) -> None:
        """Write the users at ``index`` (repeats allowed) into ``out``, whose size is len(index).

        Every array is copied along its user axis (:data:`USER_AXES`); an array this method does
        not know is refused, so a new state variable cannot be silently left out of a copy.
        """
        for name, value in vars(self).items():
            axis = USER_AXES.get(name)
            if axis is None:
                raise KeyError(f"UserState.{name} has no user axis in USER_AXES; add it there")
            np.take(value, index, axis=axis, out=getattr(out, name))

    @property
    def wellbeing(self) -> FloatArray:
        return wellbeing(self.sat, self.frus)

    @property
    def human_connection(self) -> FloatArray:
        return human_connection(self.social, self.bond)

    @property
    def loneliness(self) -> FloatArray:
        return loneliness(self.human_connection, self.sat[..., 2], self.frus[..., 2])


def initial_state(params: UserParams, prefs0: FloatArray, config: ModelConfig) -> UserState:
    """New users (and twins) at the no-AI steady state of their needs, on their first day."""
    n, k = prefs0.shape
    s = UserState(n, k)
    two = (2, n)
    s.social = np.broadcast_to(params.social_baseline, two)
    s.bond = np.broadcast_to(params.bond_baseline, two)
    s.skill = np.broadcast_to(params.skill_initial, two)
    s.dependence = 0.0
    sat, frus = need_targets(s.skill, human_connection(s.social, s.bond), s.dependence, config)
    s.sat = np.clip(sat, 0.0, 1.0)
    s.frus = np.clip(frus, 0.0, 1.0)
    s.attachment = 0.2
    s.prefs[...] = prefs0
    s.prefs_initial[...] = prefs0
    s.habituation[...] = 0.0
    s.rating_memory = 0.5
    s.mood = np.clip(0.5 + 0.5 * wellbeing(s.sat[0], s.frus[0]), 0.0, 1.0)
    s.present[...] = True
    s.days_away[...] = 0
    s.churned[...] = False
    s.day[...] = 0
    return s


def config_vector(config: ModelConfig) -> FloatArray:
    """The mechanism constants in ``layout.CONFIG_ROWS`` order (the kernel's ``cfg``)."""
    return np.array([float(getattr(config, name)) for name in CONFIG_ROWS])


_IDENTITIES: dict[int, FloatArray] = {}


def _identity(k: int) -> FloatArray:
    """The read-only ``(k, k)`` identity: the one-hot exposures of the rows of a table."""
    eye = _IDENTITIES.get(k)
    if eye is None:
        eye = _IDENTITIES[k] = np.eye(k)
        eye.setflags(write=False)
    return eye


def _read_only(array: FloatArray) -> FloatArray:
    """``array``, or a read-only view of it (numba compiles a kernel per writability)."""
    if not array.flags.writeable:
        return array
    view = array.view()
    view.flags.writeable = False
    return view


def one_hot(actions: NDArray[np.int64], k: int) -> FloatArray:
    """The exposure of users shown one row each: ``(n, k)`` one-hot rows."""
    out: FloatArray = _identity(k).take(actions, axis=0)  # rows of the identity (a fresh array)
    return out


class UserModel:
    """N users and their twins on a product's action table: parameters, state, the day's update.

    Args:
        actions: the product's action table (its rows are the preference dimensions).
        params: per-user parameters.
        prefs_initial: ``(n, len(actions.names))`` initial preferences on the simplex.
        keys: ``(n,)`` counter-based noise keys, one per user.
        config: mechanism constants.
    """

    def __init__(
        self,
        actions: ActionTable,
        params: UserParams,
        prefs_initial: FloatArray,
        keys: NDArray[np.uint64],
        config: ModelConfig | None = None,
    ) -> None:
        self.actions = actions
        self.config = config if config is not None else ModelConfig()
        prefs0 = np.asarray(prefs_initial, dtype=np.float64)
        if prefs0.ndim != 2 or prefs0.shape[1] != actions.n:
            raise ValueError(
                f"prefs_initial must have shape (n_users, {actions.n}); got {prefs0.shape}"
            )
        # Parameters live in one (fields, users) matrix; ``self.params`` views its rows.
        self.param_matrix = np.stack([np.asarray(v, dtype=np.float64) for _, v in params.items()])
        self.params = UserParams.view_rows(PARAM_NAMES, self.param_matrix)
        self.keys = np.asarray(keys, dtype=np.uint64).copy()
        self.state = initial_state(params, prefs0, self.config)
        self.persona = np.zeros(self.n_users, dtype=np.int64)
        self.cfg = config_vector(self.config)
        # population, cumulative weights, override values and mask, log preferences, logits
        self._sampler: (
            tuple[Population, FloatArray, FloatArray, NDArray[np.bool_], FloatArray, FloatArray]
            | None
        ) = None

    @classmethod
    def sample(
        cls,
        actions: ActionTable,
        population: Population,
        keys: NDArray[np.uint64],
        config: ModelConfig | None = None,
        overrides: Mapping[str, float] | None = None,
    ) -> UserModel:
        """``len(keys)`` users of ``population`` (compiled twin of ``Population.sample``)."""
        n = int(keys.shape[0])
        model = cls.__new__(cls)
        model.actions = actions
        model.config = config if config is not None else ModelConfig()
        model.param_matrix = np.empty((len(PARAM_NAMES), n))
        model.params = UserParams.view_rows(PARAM_NAMES, model.param_matrix)
        model.keys = np.empty(n, dtype=np.uint64)
        model.persona = np.empty(n, dtype=np.int64)
        model.state = UserState(n, actions.n)
        model.cfg = config_vector(model.config)
        mask = np.array([name in (overrides or {}) for name in PARAM_NAMES])
        value = np.array([float((overrides or {}).get(name, 0.0)) for name in PARAM_NAMES])
        if overrides:
            UserParams.uniform_defaults(1).with_overrides(overrides)  # names and ranges
        t = population.table
        model._sampler = (
            population,
            population.cumulative_weights(),
            value,
            mask,
            population.log_preferences(actions.names),
            kernel().centre_logits(t.centres, t.low, t.high),
        )
        model.resample(np.arange(n), keys)
        return model

    def resample(self, index: NDArray[np.intp], keys: NDArray[np.uint64]) -> None:
        """Replace the users at ``index`` by new users of the same population (autoreset)."""
        if self._sampler is None:
            raise RuntimeError("resample() needs a model built by UserModel.sample()")
        population, cumulative, value, mask, log_prefs, logits = self._sampler
        t = population.table
        s = self.state
        kernel().sample_users(
            np.ascontiguousarray(index, dtype=np.int64), np.asarray(keys, dtype=np.uint64),
            cumulative, t.centres, t.spreads, t.low, t.high, logits, log_prefs,
            mask, value, SAMPLING_COUNTERS, CONSTANTS,
            self.param_matrix, self.persona, self.keys,
            s.prefs, s.prefs_initial, s.habituation, s.levels, s.needs, s.memory,
            s.present, s.days_away, s.churned, s.day,
        )  # fmt: skip

    @property
    def n_users(self) -> int:
        return self.params.n_users

    def load_users(self, source: UserModel, index: NDArray[np.intp]) -> None:
        """Make this model's users exact copies of ``source``'s users at ``index``.

        ``len(index)`` must equal this model's size; an index may repeat, so one user can be
        copied into many slots (a planner's candidate rollouts). Parameters, noise keys, persona
        and the whole state (with the twin) are copied: a copy steps exactly as its original
        would, reading the same counter-based noise. Both models must share the mechanism config.
        """
        index = np.asarray(index, dtype=np.intp)
        if index.shape != (self.n_users,):
            raise ValueError(f"index must hold {self.n_users} user(s); got shape {index.shape}")
        np.take(source.param_matrix, index, axis=1, out=self.param_matrix)
        np.take(source.keys, index, out=self.keys)
        np.take(source.persona, index, out=self.persona)
        source.state.take_into(self.state, index)

    def _day_scratch(self, count: int) -> FloatArray:
        """The kernel's per-user temporaries, ``count`` blocks (one per thread), allocated once
        per model (not per day)."""
        scratch: FloatArray | None = self.__dict__.get("_scratch")
        if scratch is None or scratch.shape[0] < count:
            scratch = np.empty((count, kernel().DAY_SCRATCH_ROWS, max(self.actions.n, 4)))
            self._scratch = scratch
            self._scratch_block = scratch[0]
        return scratch[:count]

    def step(self, action: NDArray[np.int64], *, checked: bool = False) -> DaySignals:
        """One day in which user ``i`` is shown row ``action[i]`` of the action table alone.

        The same day as :meth:`day` with those rows and one-hot exposures, bit for bit, but the
        kernel reads the rows of the table in place: no per-user copies of effect rows and
        exposures (at a thousand users, copies a pool thread then reads cost as much again as
        the rest of the step outside the kernel). ``checked=True``: the caller has checked that
        every action lies in ``[0, K)``, and the check is skipped.
        """
        a = np.ascontiguousarray(action, dtype=np.int64)
        k = self.actions.n
        if a.shape != (self.keys.shape[0],):
            raise ValueError(f"action must have shape ({self.keys.shape[0]},); got {a.shape}")
        if not checked and a.size and a.view(np.uint64).max() >= k:  # negative: huge
            raise ValueError(f"action must lie in [0, {k - 1}]; got {a}")
        return self._day(self.actions.effects, _identity(k), a, a)

    def day(
        self, effects: FloatArray, exposure: FloatArray, action: NDArray[np.int64]
    ) -> DaySignals:
        """Advance every user (and twin) by one day given what each user was shown.

        Args:
            effects: ``(n, N_EFFECTS)`` effect rows (columns ``actions.EFFECT_COLUMNS``).
            exposure: ``(n, K)`` non-negative exposure over the action table's rows, summing to 1
                per user (one-hot for one row shown).
            action: ``(n,)`` the product's action per user, reported in the signals.
        """
        n = self.keys.shape[0]
        eff = np.ascontiguousarray(effects, dtype=np.float64)
        exp = np.ascontiguousarray(exposure, dtype=np.float64)
        if eff.shape != (n, N_EFFECTS):
            raise ValueError(f"effects must have shape ({n}, {N_EFFECTS}); got {eff.shape}")
        if exp.shape != (n, self.actions.n):
            raise ValueError(f"exposure must have shape ({n}, {self.actions.n}); got {exp.shape}")
        rows: NDArray[np.int64] | None = self.__dict__.get("_own_rows")
        if rows is None or rows.shape[0] != n:
            rows = self._own_rows = np.arange(n, dtype=np.int64)
        return self._day(eff, exp, rows, np.asarray(action, dtype=np.int64))

    def _day(
        self,
        effects: FloatArray,
        exposure: FloatArray,
        shown: NDArray[np.int64],
        action: NDArray[np.int64],
    ) -> DaySignals:
        """The kernel's day: user ``i`` is shown ``effects[shown[i]]``, ``exposure[shown[i]]``
        (rows checked by the caller)."""
        n = self.keys.shape[0]
        s = self.state
        effects, exposure = _read_only(effects), _read_only(exposure)  # one kernel signature
        out = np.empty((len(OUT_ROWS), n))
        needs = np.empty((len(OUT_NEED_ROWS), n, 3))
        args = (
            self.param_matrix, self.cfg, CONSTANTS, effects, exposure, shown, self.keys,
            s.prefs, s.prefs_initial, s.habituation, s.levels, s.needs, s.memory,
            s.present, s.days_away, s.churned, s.day, out, needs, RETURN_COUNTER_OFFSET,
        )  # fmt: skip
        if n < 2 * MIN_USERS_PER_THREAD:  # one thread: no dispatch on a single env's hot path
            block = self.__dict__.get("_scratch_block")
            if block is None:
                block = self._day_scratch(1)[0]
            kernel().day(*args, block, 0, n)
        else:
            run_over_users(
                kernel().day, n, self._day_scratch(threads()), args, kernel().day_in_chunks
            )
        return signals_from(action, out, needs, self.config.need_floor_softness)


_BOOL_OUTPUTS = ("present", "violation", "churned")  # kernel rows read as flags (value > 0.5)
_FIELD_SOURCE: dict[str, tuple[int, int]] = {
    **{name: (0, row) for row, name in enumerate(OUT_ROWS)},
    **{name: (1, OUT_ROWS.index(name)) for name in _BOOL_OUTPUTS},
    **{name: (2, row) for row, name in enumerate(OUT_NEED_ROWS)},
    "need_floor": (3, 0),  # computed from the need rows of world 0 (the user) or 1 (the twin)
    "twin_need_floor": (3, 1),
}
_NEED_ROWS_OF_WORLD = (
    (OUT_NEED_ROWS.index("need_sat"), OUT_NEED_ROWS.index("need_frus")),
    (OUT_NEED_ROWS.index("twin_need_sat"), OUT_NEED_ROWS.index("twin_need_frus")),
)


class DayOutputs:
    """One day's kernel output matrices, handing out :class:`DaySignals` fields by name.

    ``out`` is ``(len(OUT_ROWS), n)`` and ``needs`` ``(len(OUT_NEED_ROWS), n, 3)``; a field is a
    row of one of them (a view, or for the flags a fresh boolean array), or the need floor of the
    user's or the twin's needs (:func:`need_floor` with the model's ``softness``).
    """

    __slots__ = ("needs", "out", "softness")

    def __init__(self, out: FloatArray, needs: FloatArray, softness: float = 0.1) -> None:
        self.out = out
        self.needs = needs
        self.softness = softness

    def field(self, name: str) -> NDArray[Any]:
        kind, row = _FIELD_SOURCE[name]
        if kind == 0:
            return self.out[row]
        if kind == 1:
            flag: NDArray[np.bool_] = self.out[row] > 0.5
            return flag
        if kind == 3:
            sat, frus = _NEED_ROWS_OF_WORLD[row]
            return need_floor(self.needs[sat], self.needs[frus], self.softness)
        return self.needs[row]


def signals_from(
    action: NDArray[np.int64], out: FloatArray, needs: FloatArray, softness: float = 0.1
) -> DaySignals:
    """The day's :class:`DaySignals` from the kernel's named output rows, made when first read.

    Called once per simulated day, also for a single user, where building all 25 fields' arrays
    cost more than the day's kernel: each field is made on first read (see
    :meth:`DaySignals.deferred`), and a test checks that every field equals the eager one.
    """
    return DaySignals.deferred(action, DayOutputs(out, needs, softness))


__all__ = [
    "E_VIOLATION",
    "USER_AXES",
    "UserModel",
    "UserState",
    "config_vector",
    "human_connection",
    "initial_state",
    "layout",
    "loneliness",
    "need_floor",
    "need_targets",
    "one_hot",
    "total_variation",
    "wellbeing",
]
