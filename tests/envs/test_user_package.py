"""The user package stands alone: action tables, exposures, packed state, documented parameters."""

from __future__ import annotations

import ast
import copy
import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from sagym.envs.behaviours import ACTIONS
from sagym.envs.user import ActionTable, Persona, Population, UserModel
from sagym.envs.user import kernel as compiled_kernel
from sagym.envs.user.actions import EFFECT_COLUMNS, INPUT_COLUMNS, N_EFFECTS
from sagym.envs.user.layout import LEVEL_ROWS, MEMORY_ROWS, NEED_ROWS
from sagym.envs.user.noise import draw_keys
from sagym.envs.user.params import ModelConfig, UserParams, field_ranges
from sagym.envs.user.population import get_population
from sagym.envs.user.reference import day_reference
from sagym.signals import DaySignals

ROOT = Path(__file__).resolve().parents[2]
TOPICS = ActionTable.from_rows(
    [
        ("news", "neutral", {"hedonic": 0.5, "session_time": 0.1}),
        ("outrage", "reinforcing", {"hedonic": 0.9, "session_time": 0.4, "habit_boost": 0.8}),
        ("friends", "boundary", {"hedonic": 0.4, "social_nudge": 0.2}),
    ]
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted((ROOT / "envs" / "user").glob("*.py")), ids=lambda p: p.name
)
def test_user_package_imports_no_gymnasium_rewards_or_product(path: Path) -> None:
    for name in _imports(path):
        assert not name.startswith("gymnasium"), name
        assert not name.startswith("sagym.rewards"), name
        if name.startswith("sagym.envs"):
            assert name.startswith("sagym.envs.user"), name


def _mixed_day(n: int, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    exposure = rng.dirichlet(np.ones(k), size=n)
    effects = np.zeros((n, N_EFFECTS))
    effects[:, 0] = rng.uniform(0, 1, n)  # hedonic
    effects[:, 1:14] = rng.uniform(-0.5, 0.5, (n, 13))
    effects[:, EFFECT_COLUMNS.index("attachment_pull")] = rng.uniform(0, 1, n)
    effects[:, EFFECT_COLUMNS.index("break_nudge")] = rng.uniform(0, 1, n)
    effects[:, EFFECT_COLUMNS.index("violation")] = rng.integers(0, 2, n)
    return effects, exposure


@pytest.mark.parametrize("table", [ACTIONS, TOPICS], ids=["companion", "topics"])
def test_kernel_matches_reference_on_mixed_exposures(table: ActionTable) -> None:
    keys = draw_keys(np.random.default_rng(2), 150)
    model = UserModel.sample(table, get_population("default"), keys)
    spec = copy.deepcopy(model)
    rng = np.random.default_rng(3)
    action = np.zeros(150, dtype=np.int64)
    for _ in range(60):
        effects, exposure = _mixed_day(150, table.n, rng)
        got = model.day(effects, exposure, action)
        want = day_reference(spec, effects, exposure, action)
        for field in dataclasses.fields(DaySignals):
            np.testing.assert_allclose(
                np.asarray(getattr(got, field.name), dtype=float),
                np.asarray(getattr(want, field.name), dtype=float),
                rtol=0,
                atol=1e-12,
                err_msg=field.name,
            )
    np.testing.assert_allclose(model.state.levels, spec.state.levels, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.state.prefs, spec.state.prefs, rtol=0, atol=1e-12)


def test_preferences_drift_towards_what_was_shown() -> None:
    keys = draw_keys(np.random.default_rng(4), 200)
    model = UserModel.sample(TOPICS, get_population("susceptible"), keys)
    shown = np.tile([0.0, 1.0, 0.0], (200, 1))
    for _ in range(60):
        model.day(np.tile(TOPICS.effects[1], (200, 1)), shown, np.ones(200, dtype=np.int64))
    user, twin = model.state.prefs[0], model.state.prefs[1]
    assert (user[:, 1] > twin[:, 1]).mean() > 0.95


def test_packed_state_rows_are_views_named_by_the_layout() -> None:
    model = UserModel.sample(
        ACTIONS, get_population("default"), draw_keys(np.random.default_rng(0), 5)
    )
    s = model.state
    for name in LEVEL_ROWS:
        assert np.shares_memory(getattr(s, name), s.levels), name
    for name in NEED_ROWS:
        assert np.shares_memory(getattr(s, name), s.needs), name
    for name in MEMORY_ROWS:
        assert np.shares_memory(getattr(s, name), s.memory), name
    s.bond = 0.25  # assignment writes into the packed matrix
    assert np.all(s.levels[LEVEL_ROWS.index("bond")] == 0.25)
    copied = s.copy()
    copied.bond = 0.75
    assert np.all(s.bond == 0.25)


def test_personas_serve_any_product_and_ignore_other_products_names() -> None:
    persona = Persona("fan", preferences={"outrage": 4.0, "validation": 3.0})
    weights = persona.preference_weights(TOPICS.names)
    np.testing.assert_allclose(weights, [1 / 6, 4 / 6, 1 / 6])
    pop = Population("fans", (persona,), (1.0,))
    _, prefs, _ = pop.sample(draw_keys(np.random.default_rng(0), 4), names=TOPICS.names)
    assert prefs.shape == (4, 3)


def test_action_table_rejects_bad_rows_naming_them() -> None:
    with pytest.raises(ValueError, match=r"action 'x': unknown effect 'fun'; known: \['hedonic'"):
        ActionTable.from_rows([("x", "neutral", {"fun": 1.0})])
    with pytest.raises(ValueError, match="action 'x': category 'evil' is not one of reinforcing"):
        ActionTable.from_rows([("x", "evil", {})])
    with pytest.raises(ValueError, match=r"action names must be unique; got \['x', 'x'\]"):
        ActionTable.from_rows([("x", "neutral", {}), ("x", "neutral", {})])
    assert "violation" not in INPUT_COLUMNS
    assert list(TOPICS.column("violation")) == [0.0, 1.0, 0.0]


def test_day_rejects_misshapen_effects_and_exposure() -> None:
    model = UserModel.sample(
        TOPICS, get_population("default"), draw_keys(np.random.default_rng(0), 3)
    )
    action = np.zeros(3, dtype=np.int64)
    with pytest.raises(
        ValueError, match=rf"effects must have shape \(3, {N_EFFECTS}\); got \(3, 2\)"
    ):
        model.day(np.zeros((3, 2)), np.full((3, 3), 1 / 3), action)
    with pytest.raises(ValueError, match=r"exposure must have shape \(3, 3\); got \(3, 8\)"):
        model.day(np.zeros((3, N_EFFECTS)), np.zeros((3, 8)), action)


def test_rows_of_the_table_read_in_place_give_the_days_of_per_user_copies() -> None:
    """``step`` hands the kernel the action table and the actions (no per-user rows): every
    signal and every state array equals ``day`` with copied rows and one-hot exposures, bit for
    bit, and an action outside the table is refused before the kernel could read past it."""
    keys = draw_keys(np.random.default_rng(5), 40)
    in_place = UserModel.sample(ACTIONS, get_population("default"), keys)
    copied = copy.deepcopy(in_place)
    rng = np.random.default_rng(6)
    for _ in range(30):
        a = rng.integers(0, ACTIONS.n, 40)
        got = in_place.step(a)
        want = copied.day(ACTIONS.effects[a], np.eye(ACTIONS.n)[a], a)
        for field in dataclasses.fields(DaySignals):
            assert np.array_equal(getattr(got, field.name), getattr(want, field.name)), field.name
    for name, value in vars(in_place.state).items():
        assert np.array_equal(value, getattr(copied.state, name)), name
    with pytest.raises(ValueError, match=rf"action must lie in \[0, {ACTIONS.n - 1}\]"):
        in_place.step(np.full(40, ACTIONS.n))
    with pytest.raises(ValueError, match=r"action must lie in \[0, 7\]"):
        in_place.step(np.full(40, -1))
    with pytest.raises(ValueError, match=r"action must have shape \(40,\); got \(3,\)"):
        in_place.step(np.zeros(3, dtype=np.int64))


def test_kernel_indexes_rows_by_name() -> None:
    for name in ("P_SOCIAL_BASELINE", "P_RATING_NOISE", "C_CHURN_DAYS", "L_ATTACHMENT", "M_MOOD"):
        assert isinstance(getattr(compiled_kernel, name), int)
    assert list(field_ranges(UserParams)).index("rating_noise") == compiled_kernel.P_RATING_NOISE


# ------------------------------------------------------------------- documented parameter tables
_ROW = re.compile(
    r"^\| `(?P<name>\w+)` \| (?P<per>user|model) \| (?P<default>[^|]+) \| "
    r"\[(?P<low>[^,]+), (?P<high>[^\]]+)\] \| (?P<meaning>[^|]+) \| (?P<source>[^|]+) \|$"
)


def _documented() -> list[dict[str, str]]:
    text = (ROOT / "docs" / "user-model.md").read_text()
    return [m.groupdict() for line in text.splitlines() if (m := _ROW.match(line))]


def test_documented_parameter_tables_match_the_field_metadata() -> None:
    rows = _documented()
    fields = {
        **{f.name: ("user", f) for f in dataclasses.fields(UserParams)},
        **{f.name: ("model", f) for f in dataclasses.fields(ModelConfig)},
    }
    assert {r["name"] for r in rows} == set(fields)
    for row in rows:
        per, f = fields[row["name"]]
        rng = f.metadata["range"]
        assert row["per"] == per, row["name"]
        assert float(row["default"]) == pytest.approx(float(f.default)), row["name"]  # type: ignore[arg-type]
        assert (float(row["low"]), float(row["high"])) == (rng.low, rng.high), row["name"]
        assert row["meaning"].strip() == rng.meaning, row["name"]
        assert row["source"].strip().strip("*") == rng.source, row["name"]
