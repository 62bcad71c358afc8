"""The configurations of a training run and of a comparison, light enough for the command line.

:class:`TrainConfig` and :class:`CompareConfig` are pydantic dataclasses; the flags of ``sagym
train`` and ``sagym compare`` are derived from their fields (:mod:`sagym.config_fields`). This
module imports neither torch, stable-baselines3, numba, gymnasium nor wandb at module level: the
checks against the registries, the simulator and SB3 import what they need when a config is
built, so ``sagym --help`` answers without loading them.

``env_kwargs`` are the environment's keyword arguments (SB3's ``make_vec_env(env_kwargs=...)``
convention), passed to the env's simulation everywhere: training, evaluation during training, the
final evaluation, baselines and the check of hyperparameters. ``horizon``, ``population`` and
``user_overrides`` are sugar for the env kwargs of the same names: given in ``env_kwargs`` they
move to their fields, so a config has one spelling of each, and giving both with different values
is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import ArgsKwargs

from sagym.config_checks import (
    check_algo,
    check_baseline,
    check_env,
    check_population,
    check_reward,
    check_user,
)
from sagym.config_fields import (
    MAX_HORIZON,
    MAX_SEED,
    MAX_SEEDS,
    MAX_STEPS,
    MAX_USERS,
    ConfigError,
    FolderName,
    Integer,
    NonEmptyTextList,
    Number,
    Text,
    TextList,
    WandbMode,
    check_known_fields,
    check_writable_folder,
    import_modules,
    one_line_errors,
)

if TYPE_CHECKING:
    from sagym.envs.simulation import SimulationSpec

DEFAULT_ENV = "sagym/Companion-v1"
DEFAULT_REWARDS = ("engagement", "satisfaction", "need_support")
#: Reference policies made for one reward design: evaluated once per design in a grid (seed 0),
#: their rows carry the design's reward (``sagym.agents.best_fixed``, ``sagym.agents.planner``).
REFERENCE_POLICIES = ("best_fixed", "planner")
DEFAULT_BASELINES = ("random", *REFERENCE_POLICIES)
#: Config fields that are sugar for the env kwarg of the same name.
ENV_KWARG_SUGAR = ("horizon", "population", "user_overrides")


def is_baseline(algo: str) -> bool:
    """A scripted baseline's name (no training); ``sagym.agents.baselines`` re-exports it."""
    return algo in ("random", "heuristic", *REFERENCE_POLICIES) or algo.startswith(
        ("fixed:", "greedy")
    )


def is_reference(algo: str) -> bool:
    """A reference policy of a design (``best_fixed``, ``planner``): no training, one run per
    design, and the design's reward in its row."""
    return algo in REFERENCE_POLICIES


def run_id(env: str, reward: str, algo: str, seed: int, grid: str = "") -> str:
    """``env__reward__algo__seed``, with the reward spec made safe for a folder name; a grid
    combination (``gamma=0.99``) follows the algorithm: ``env__reward__algo-gamma-0.99__seed``."""
    slug = "".join(c if c.isalnum() or c in "_-." else "_" for c in reward.replace("*", "x"))
    name = algo.replace(":", "-")
    if grid:
        name += "-" + "".join(
            c if c.isalnum() or c in "_-." else "-" for c in grid.replace("=", "-")
        )
    return f"{env.split('/')[-1]}__{slug}__{name}__{seed}"


def grid_axes(value: Any) -> Any:
    """A grid as pydantic's input: each axis a list of values. ``"0,0.9,0.99"`` (the command
    line's ``--grid gamma=0,0.9,0.99``) is split at commas, each piece read as JSON where it
    parses; a single value is an axis of one; repeated values run once."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for name, values in value.items():
        if isinstance(values, str):
            pieces = [p.strip() for p in values.split(",")]
            values = [_json_or_text(p) for p in pieces if p]
        elif not isinstance(values, list | tuple):
            values = [values]
        kept: list[Any] = []
        for v in values:
            if not any(_same_value(v, k) for k in kept):
                kept.append(v)
        if not kept:
            raise ValueError(f"grid.{name}: give at least one value; got {_show(values)}")
        out[str(name)] = kept
    return out


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _same_value(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=repr) == json.dumps(
        b, sort_keys=True, default=repr
    )


def grid_combinations(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's axes, in order (one empty combination for no grid)."""
    import itertools

    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(
        *(grid[n] for n in names))]  # fmt: skip


def grid_label(combo: Mapping[str, Any]) -> str:
    """``gamma=0.99,learning_rate=0.001``: a combination as it appears in design labels."""
    return ",".join(f"{k}={json.dumps(v, default=repr)}" for k, v in combo.items())


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


def _same(a: Any, b: Any) -> bool:
    """Equal as configuration values: ``30``, ``30.0`` and ``"30"`` are one horizon."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return bool(a == b)


def fold_env_kwargs(data: Any) -> Any:
    """Move ``horizon``, ``population`` and ``user_overrides`` out of ``env_kwargs`` into their
    fields (pydantic's input, before validation); the same setting given twice with different
    values is refused with one line. ``user_overrides`` merge, key by key."""
    if isinstance(data, ArgsKwargs):
        kwargs = dict(data.kwargs or {})
    elif isinstance(data, Mapping):
        kwargs = dict(data)
    else:
        return data
    given = kwargs.get("env_kwargs")
    if not isinstance(given, Mapping) or not any(name in given for name in ENV_KWARG_SUGAR):
        return data
    rest = dict(given)
    for name in ENV_KWARG_SUGAR:
        if name not in rest:
            continue
        value = rest.pop(name)
        field_value = kwargs.get(name)
        if name == "user_overrides" and isinstance(value, Mapping):
            field_value = field_value if isinstance(field_value, Mapping) else {}
            clash = [k for k in value if k in field_value and not _same(field_value[k], value[k])]
            if clash:
                k = clash[0]
                raise ValueError(
                    f"user_overrides.{k} is given twice: {k}={_show(field_value[k])} in "
                    f"user_overrides and {k}={_show(value[k])} in env_kwargs; give it once"
                )
            value = {**field_value, **value}
        elif field_value is not None and not _same(field_value, value):
            raise ValueError(
                f"{name} is given twice: {name}={_show(field_value)} and env_kwargs "
                f"{name}={_show(value)}; give it once (--{name} is sugar for --env-kw {name}=...)"
            )
        kwargs[name] = value
    kwargs["env_kwargs"] = rest
    return ArgsKwargs(data.args, kwargs) if isinstance(data, ArgsKwargs) else kwargs


def check_env_kwargs(env_kwargs: Mapping[str, Any], reward_field: str) -> None:
    """What a run sets itself is refused in ``env_kwargs``; values must be JSON (they are part
    of ``config.json`` and of the cache key of a comparison's cells)."""
    if "reward" in env_kwargs:
        raise ValueError(
            f"env_kwargs: 'reward' is the reward design of the run; give it as {reward_field}"
        )
    try:
        json.dumps(dict(env_kwargs), allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError(
            "env_kwargs must hold JSON values (numbers, strings, booleans, lists, mappings); got "
            f"{_show(dict(env_kwargs))}"
        ) from None


@one_line_errors
@pydantic_dataclass(config=ConfigDict(extra="forbid"))
class TrainConfig:
    """One training run.

    A pydantic dataclass: every field is checked (and unambiguous spellings such as ``"1e5"``
    coerced) when the config is built; :meth:`validate` repeats the checks after edits and builds
    the algorithm once to catch hyperparameters SB3 refuses. The command-line flags of
    ``sagym train`` are derived from these fields and their lines below.

    Attributes:
        env: registered environment id.
        reward: reward name or composite spec the agent is trained on.
        algo: ppo, a2c, dqn, recurrent_ppo, or a scripted baseline (random, heuristic, greedy,
            fixed:<behaviour>; no training).
        seed: seed of the agent and of the training users.
        steps: environment steps (user-days) to train for.
        n_envs: users simulated in parallel (default per algorithm).
        env_kwargs: keyword arguments of the environment (as ``gym.make(env, **env_kwargs)``;
            JSON values), for training, evaluation and baselines alike.
        horizon: days per episode (sugar for the env kwarg horizon).
        population: registered population of the users (sugar for the env kwarg population;
            default: the env's own, ``default`` for Companion-v0, ``need_deficits`` for v1).
        user_overrides: user parameters pinned for every user, for ablations (sugar for the env
            kwarg user_overrides).
        hyperparams: overrides of the algorithm's defaults.
        eval_users: held-out users of the final evaluation.
        eval_every: evaluate every this many steps during training (0: only at the end).
        eval_seed: seed of the held-out users (the same for every run of a comparison).
        out: parent folder of the run folder.
        run_name: run folder name (default env__reward__algo__seed__time).
        wandb: W&B mode.
        wandb_project: W&B project.
        wandb_group: W&B group (default: the reward design; a comparison's experiment).
        wandb_entity: W&B entity (user or team; default: W&B's own default).
        wandb_tags: extra W&B tags (design, env, algo and seed tags are added).
        wandb_dir: folder under which W&B writes wandb/ (default: the run folder).
        torch_threads: torch threads (1: processes side by side do not fight over cores).
        progress: show a progress bar.
        imports: modules to import first (user rewards and populations register themselves).
        return_rewards: rewards whose episode return the final evaluation also reports, as
            ``return:<reward>`` (a comparison asks its random baseline for each design's, the
            zero of the design's score).
    """

    env: Text = DEFAULT_ENV
    reward: Text = "engagement"
    algo: Text = "ppo"
    seed: Annotated[Integer, Field(ge=0, le=MAX_SEED)] = 0
    steps: Annotated[Integer, Field(ge=0, le=MAX_STEPS)] = 500_000
    n_envs: Annotated[Integer, Field(ge=1, le=MAX_USERS)] | None = None
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    horizon: Annotated[Integer, Field(ge=1, le=MAX_HORIZON)] = 90
    population: Text | None = None
    user_overrides: dict[str, Number] = field(default_factory=dict)
    hyperparams: dict[str, Any] = field(default_factory=dict)
    eval_users: Annotated[Integer, Field(ge=1, le=MAX_USERS)] = 256
    eval_every: Annotated[Integer, Field(ge=0, le=MAX_STEPS)] = 0
    eval_seed: Annotated[Integer, Field(ge=0, le=MAX_SEED)] = 0
    out: Text = "runs"
    run_name: FolderName | None = None
    wandb: WandbMode = "offline"
    wandb_project: Text = "sagym"
    wandb_group: Text | None = None
    wandb_entity: Text | None = None
    wandb_tags: TextList = field(default_factory=list)
    wandb_dir: Text | None = None
    torch_threads: Annotated[Integer, Field(ge=1, le=1024)] = 1
    progress: bool = True
    imports: TextList = field(default_factory=list)
    return_rewards: TextList = field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _fold_env_kwargs(cls, data: Any) -> Any:
        return fold_env_kwargs(data)

    @model_validator(mode="after")
    def _registered(self) -> TrainConfig:
        """Names checked against the registries, once the user's modules have registered."""
        import_modules(self.imports)
        check_env(self.env)
        check_algo(self.algo)
        check_reward(self.reward)
        for i, reward in enumerate(self.return_rewards):
            check_reward(reward, f"return_rewards[{i}]")
        if self.population is not None:
            check_population(self.population)
        check_env_kwargs(self.env_kwargs, "reward")
        check_user(
            self.horizon,
            self.population,
            self.reward,
            self.user_overrides,
            self.env,
            self.env_kwargs,
        )
        if self.steps == 0 and not is_baseline(self.algo):
            raise ValueError(f"steps must be >= 1 to train {self.algo}; got 0")
        return self

    def validate(self) -> None:
        """Every check again (fields may have been edited), the hyperparameters and ``out``."""
        TrainConfig.from_dict(self.to_dict())
        if not is_baseline(self.algo):
            from sagym.agents.training import check_hyperparams

            check_hyperparams(
                self.algo, self.resolved_n_envs(), self.hyperparams, self.env, self.env_kwargs
            )
        check_writable_folder(self.out)

    def spec(self) -> SimulationSpec:
        """The environment arguments of this run, checked by building them once."""
        from sagym.envs.lookup import make_simulation, simulation_spec

        spec = simulation_spec(self.env, **self.simulation_kwargs())
        make_simulation(spec, 1)  # fails early, naming the bad field
        return spec

    def simulation_kwargs(self) -> dict[str, Any]:
        """The env kwargs of this run: ``env_kwargs`` with the sugar fields and the reward."""
        return {
            **self.env_kwargs,
            "horizon": self.horizon,
            "population": self.population,
            "reward": self.reward,
            "user_overrides": self.user_overrides or None,
        }

    def resolved_n_envs(self) -> int:
        from sagym.agents.factory import DEFAULT_N_ENVS

        return self.n_envs or DEFAULT_N_ENVS.get(self.algo, 1)

    def default_run_name(self) -> str:
        """``env__reward__algo__seed__time`` (CleanRL's convention), safe as a folder name."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        return f"{run_id(self.env, self.reward, self.algo, self.seed)}__{stamp}"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """A config from a mapping of fields (a config file, ``config.json``), checked."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"a config must be a mapping of fields; got {type(data).__name__}")
        check_known_fields(data, cls.__dataclass_fields__, "config")
        return cls(**dict(data))


@one_line_errors
@pydantic_dataclass(config=ConfigDict(extra="forbid"))
class CompareConfig:
    """A comparison of reward designs.

    A pydantic dataclass, checked when built like :class:`TrainConfig`; the flags of
    ``sagym compare`` and the fields an experiment file may hold are derived from it.

    Attributes:
        rewards: reward designs (names or composite specs) to train on.
        baselines: scripted baselines evaluated beside them (random, heuristic, ...);
            best_fixed and planner run once per design and score it.
        envs: environment ids.
        algos: learning algorithms.
        seeds: number of seeds (0, 1, ..., seeds - 1), at most 1000.
        steps: training steps per run.
        n_envs: users simulated in parallel per run (default per algorithm).
        env_kwargs: keyword arguments of every environment (JSON values), for every run.
        horizon: days per episode (sugar for the env kwarg horizon).
        population: user population (sugar for the env kwarg population; default: the env's
            own).
        eval_users: held-out users per evaluation (the same users for every run).
        eval_seed: seed of the held-out users.
        hyperparams: overrides of the algorithm defaults, for every run.
        user_overrides: user parameters pinned for every user (sugar for the env kwarg
            user_overrides).
        out: output folder.
        jobs: worker processes (default: the number of cores).
        wandb: W&B mode.
        wandb_project: W&B project.
        wandb_group: W&B group of every run (default: the output folder's name, the experiment).
        wandb_entity: W&B entity (user or team; default: W&B's own default).
        wandb_tags: extra W&B tags on every run.
        eval_every: evaluate every this many steps during training (default: steps // 4;
            0: only at the end), so each run logs a few held-out outcome points as it learns.
        imports: modules to import in every worker (user rewards, populations).
        progress: show a progress bar over the grid.
        force: rerun every cell, and write into a folder that holds other files or another
            experiment.
        backend: where cells run: ``local`` (this machine's processes) or ``ray``.
        address: address of an existing Ray cluster (default: start a local Ray).
        grid: algorithm hyperparameters as grid axes, each a list of values
            (``gamma=0,0.9,0.99``); every trained design runs at every combination, labelled
            ``satisfaction[gamma=0.99]``. Baselines and reference policies run once.
    """

    rewards: TextList = field(default_factory=lambda: list(DEFAULT_REWARDS))
    baselines: TextList = field(default_factory=lambda: list(DEFAULT_BASELINES))
    envs: NonEmptyTextList = field(default_factory=lambda: [DEFAULT_ENV])
    algos: NonEmptyTextList = field(default_factory=lambda: ["ppo"])
    seeds: Annotated[Integer, Field(ge=1, le=MAX_SEEDS)] = 5
    steps: Annotated[Integer, Field(ge=1, le=MAX_STEPS)] = 500_000
    n_envs: Annotated[Integer, Field(ge=1, le=MAX_USERS)] | None = None
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    horizon: Annotated[Integer, Field(ge=1, le=MAX_HORIZON)] = 90
    population: Text | None = None
    eval_users: Annotated[Integer, Field(ge=1, le=MAX_USERS)] = 256
    eval_seed: Annotated[Integer, Field(ge=0, le=MAX_SEED)] = 0
    hyperparams: dict[str, Any] = field(default_factory=dict)
    user_overrides: dict[str, Number] = field(default_factory=dict)
    out: Text = "results/default"
    jobs: Annotated[Integer, Field(ge=1, le=1024)] | None = None
    wandb: WandbMode = "offline"
    wandb_project: Text = "sagym"
    wandb_group: Text | None = None
    wandb_entity: Text | None = None
    wandb_tags: TextList = field(default_factory=list)
    eval_every: Annotated[Integer, Field(ge=0, le=MAX_STEPS)] | None = None
    imports: TextList = field(default_factory=list)
    progress: bool = True
    force: bool = False
    backend: Literal["local", "ray"] = "local"
    address: Text | None = None
    grid: dict[str, list[Any]] = field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _fold_env_kwargs(cls, data: Any) -> Any:
        return fold_env_kwargs(data)

    @field_validator("grid", mode="before")
    @classmethod
    def _grid_axes(cls, value: Any) -> Any:
        return grid_axes(value)

    @model_validator(mode="after")
    def _registered(self) -> CompareConfig:
        """Names checked against the registries, once the user's modules have registered."""
        import_modules(self.imports)
        for i, env in enumerate(self.envs):
            check_env(env, f"envs[{i}]")
        for i, algo in enumerate(self.algos):
            check_algo(algo, f"algos[{i}]")
        for i, baseline in enumerate(self.baselines):
            check_baseline(baseline, f"baselines[{i}]")
        for i, reward in enumerate(self.rewards):
            check_reward(reward, f"rewards[{i}]")
        if not self.rewards and not self.baselines:
            raise ValueError("the grid is empty: give at least one reward or baseline")
        if self.population is not None:
            check_population(self.population)
        check_env_kwargs(self.env_kwargs, "rewards")
        for name in self.grid:
            if name in self.hyperparams:
                raise ValueError(
                    f"grid.{name}: {name} is also given in hyperparams "
                    f"({name}={_show(self.hyperparams[name])}); give it once"
                )
        for env in self.envs:
            check_user(
                self.horizon, self.population, "engagement", self.user_overrides, env,
                self.env_kwargs,
            )  # fmt: skip
        from sagym.backends import check_backend

        check_backend(self.backend, self.address)
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CompareConfig:
        """A comparison from a mapping of fields (an experiment file), checked."""
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"an experiment must be a mapping of fields; got {type(data).__name__}"
            )
        check_known_fields(data, cls.__dataclass_fields__, "experiment")
        return cls(**dict(data))

    def cells(self) -> list[TrainConfig]:
        """Every run of the grid, in a fixed order.

        Trained designs run at every seed and every combination of the ``grid`` axes; scripted
        baselines at every seed with no design (reward ``none``); reference policies
        (``best_fixed``, ``planner``) once per design, seed 0. The random baseline also reports
        each design's return (``return:<design>``), the zero of the design's score.
        """
        CompareConfig.from_dict(self.to_dict())  # fields may have been edited since
        self.check_grid()
        cells: list[TrainConfig] = []
        envs = list(dict.fromkeys(self.envs))
        algos = list(dict.fromkeys(self.algos))
        group = self.experiment_name()
        eval_every = self.steps // 4 if self.eval_every is None else self.eval_every
        combos = grid_combinations(self.grid)
        for env in self.envs:
            runs: list[tuple[str, str, dict[str, Any], range]] = [
                (r, a, combo, range(self.seeds))
                for a in self.algos
                for combo in combos
                for r in self.rewards
            ]
            for b in self.baselines:
                if is_reference(b):
                    runs += [(r, b, {}, range(1)) for r in self.rewards]
                else:
                    runs.append(("none", b, {}, range(self.seeds)))
            for reward, algo, combo, seeds in runs:
                hp = grid_label(combo)
                for seed in seeds:
                    label = design_label(reward, algo, algos, env, envs, hp)
                    cell = TrainConfig(
                        env=env,
                        reward=reward if reward != "none" else "engagement",
                        algo=algo,
                        seed=seed,
                        steps=0 if is_baseline(algo) else self.steps,
                        n_envs=self.n_envs,
                        env_kwargs=dict(self.env_kwargs),
                        horizon=self.horizon,
                        population=self.population,
                        user_overrides=dict(self.user_overrides),
                        hyperparams=dict(self.hyperparams)
                        if is_baseline(algo)
                        else {**self.hyperparams, **combo},
                        eval_users=self.eval_users,
                        eval_every=0 if is_baseline(algo) else eval_every,
                        eval_seed=self.eval_seed,
                        out=str(Path(self.out) / "runs"),
                        wandb=self.wandb,
                        wandb_project=self.wandb_project,
                        wandb_group=group,
                        wandb_entity=self.wandb_entity,
                        wandb_tags=run_tags(self.wandb_tags, label, env, algo, seed, hp),
                        wandb_dir=str(self.out),
                        progress=False,
                        imports=list(self.imports),
                        return_rewards=list(dict.fromkeys(self.rewards))
                        if algo == "random"
                        else [],
                    )
                    cell.run_name = run_id(env, reward, algo, seed, hp)
                    cells.append(cell)
        for cell in cells:
            cell.validate()
        return cells

    def check_grid(self) -> None:
        """Every grid value of every axis, checked through the algorithm's hyperparameter check
        (SB3 builds the algorithm once with it); an error names ``grid.<axis>``."""
        if not self.grid or not self.rewards:
            return
        from sagym.agents.factory import DEFAULT_N_ENVS
        from sagym.agents.training import check_hyperparams

        for algo in dict.fromkeys(self.algos):
            n_envs = self.n_envs or DEFAULT_N_ENVS.get(algo, 1)
            for name, values in self.grid.items():
                for value in values:
                    try:
                        check_hyperparams(
                            algo, n_envs, {**self.hyperparams, name: value}, self.envs[0],
                            self.env_kwargs,
                        )  # fmt: skip
                    except ValueError as err:
                        message = str(err).removeprefix("hyperparams: ")
                        raise ConfigError(
                            f"grid.{name}: value {_show(value)} is refused: {message}"
                        ) from None

    def experiment_name(self) -> str:
        """The W&B group of the comparison's runs: ``wandb_group``, or the output folder's
        name, so two comparisons in one project land in two groups."""
        return self.wandb_group or Path(self.out).resolve().name or "comparison"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def run_tags(
    extra: Sequence[str], design: str, env: str, algo: str, seed: int, grid: str = ""
) -> list[str]:
    """A run's W&B tags: ``extra``, then ``design:``, ``env:``, ``algo:``, ``seed:``, ``grid:``
    for a grid combination and ``baseline`` for a scripted baseline. W&B refuses tags over 64
    characters: a long composite design is cut there (the whole label is in the run's config)."""
    tags = [*extra, f"design:{design}", f"env:{env}", f"algo:{algo}", f"seed:{seed}"]
    if grid:
        tags.append(f"grid:{grid}")
    if is_baseline(algo):
        tags.append("baseline")
    return list(dict.fromkeys(t[:64] for t in tags))


def _env_names(envs: Sequence[str]) -> dict[str, str]:
    """Each env's name in design labels: ``Feed-v0`` for ``sagym/Feed-v0``, the whole id where
    two envs share that name."""
    short = {env: env.split("/")[-1] for env in envs}
    counts = Counter(short.values())
    return {env: name if counts[name] == 1 else env for env, name in short.items()}


def design_label(
    reward: str,
    algo: str,
    algos: Sequence[str],
    env: str = "",
    envs: Sequence[str] = (),
    grid: str = "",
) -> str:
    """The name a run's design has in tables: the reward, or the baseline's name; ``/algo`` when
    a comparison has several algorithms, ``[gamma=0.99]`` after the reward for a grid
    combination, ``<reward>/planner`` for a reference policy of a design, and ``EnvName-vN/`` in
    front when it has several environments (two envs with the same reward are two designs)."""
    label = algo if is_baseline(algo) else f"{reward}[{grid}]" if grid else reward
    if is_reference(algo):
        label = f"{reward}/{algo}"
    elif not is_baseline(algo) and len(set(algos)) > 1:
        label = f"{label}/{algo}"
    envs = list(dict.fromkeys(envs))
    if len(envs) > 1 and env:
        label = f"{_env_names(envs).get(env, env)}/{label}"
    return label


__all__ = [
    "DEFAULT_BASELINES",
    "DEFAULT_ENV",
    "DEFAULT_REWARDS",
    "ENV_KWARG_SUGAR",
    "REFERENCE_POLICIES",
    "CompareConfig",
    "TrainConfig",
    "check_env_kwargs",
    "design_label",
    "fold_env_kwargs",
    "grid_axes",
    "grid_combinations",
    "grid_label",
    "is_baseline",
    "is_reference",
    "run_id",
    "run_tags",
]
