"""A reward spec runs no code: it only ever names registered rewards, on every route into sagym.

Hostile specs name a shell command (``os:system``), a process (``subprocess:run``), ``eval``, a
script runner (``runpy:run_path``), and, from an importable module that is not the standard
library, a plain class, a function and a Reward subclass nobody registered, each of which would
create a marker file if it were called. Every route a spec reaches sagym by is tried:
``make_reward``, ``gymnasium.make``, ``sagym train --reward``, an experiment file given to
``sagym compare --experiment``, and a run folder's ``config.json`` given to
``sagym train --resume``. Each is refused with an error naming the reward, and the marker never
appears. A hypothesis test fuzzes specs, and the parser is shown to take linear time.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sagym  # noqa: F401  (registers the environments)
from sagym.cli import main as cli_main
from sagym.rewards import Reward, WeightedSum, list_rewards, make_reward, parse_spec
from sagym.rewards import registry as reward_registry

ENV_ID = "sagym/Companion-v0"
PROBE = "sagym_spec_probe"  # a module that is importable and not part of the standard library

PROBE_SOURCE = '''
"""Callables that create the file they are given: a spec must never reach them."""
from sagym.rewards import Reward


def _touch(path):
    with open(path, "w") as handle:
        handle.write("called")


class Touch:
    def __init__(self, path="", **_):
        _touch(path)


def touch(path="", **_):
    _touch(path)


class UnregisteredReward(Reward):
    name = "sagym_spec_probe_unregistered"

    def __init__(self, path="", **_):
        _touch(path)

    def __call__(self, signals):
        return signals.session_time
'''


@pytest.fixture(scope="module")
def probe_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The folder of :data:`PROBE`, put on ``sys.path`` for this module's tests."""
    folder = tmp_path_factory.mktemp("probe")
    (folder / f"{PROBE}.py").write_text(textwrap.dedent(PROBE_SOURCE), encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        yield folder
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(PROBE, None)


@pytest.fixture
def marker(tmp_path: Path, probe_module: Path) -> Iterator[Path]:
    path = tmp_path / "PWNED"
    yield path
    assert not path.exists(), f"a reward spec ran code: {path} was created"


def hostile_specs(marker: Path) -> dict[str, str]:
    """Spec strings that would create ``marker`` if sagym called what they name.

    ``eval`` cannot be written to create a file without parentheses, which the spec grammar
    does not allow inside arguments; its spec is refused by the parser, and
    :func:`test_make_reward_with_keyword_parameters_calls_nothing_unregistered` passes the
    expression as a keyword parameter, which no parser stops.
    """
    m = str(marker)
    return {
        "os:system": f"os:system(command=touch {m})",
        "subprocess:run": f"subprocess:run(args=touch {m}, shell=True)",
        "builtins:eval": f"builtins:eval(source=open('{m}', 'w'))",
        "runpy:run_path": f"runpy:run_path(path_name={m})",
        f"{PROBE}:Touch": f"{PROBE}:Touch(path={m})",
        f"{PROBE}:touch": f"{PROBE}:touch(path={m})",
        f"{PROBE}:UnregisteredReward": f"{PROBE}:UnregisteredReward(path={m})",
        "composite": f"engagement - 2*os:system(command=touch {m})",
    }


KINDS = list(hostile_specs(Path("/m")))


def _refused(spec: str, error: str, kind: str) -> None:
    """The error names the reward and says what is allowed, on one line."""
    name = "os:system" if kind == "composite" else kind
    assert name in error, error
    assert "\n" not in error.strip()
    if kind != "builtins:eval":  # refused by the grammar (parentheses in an argument) first
        assert "known rewards:" in error, error


# ---------------------------------------------------------------- (a) make_reward
@pytest.mark.parametrize("kind", KINDS)
def test_make_reward_refuses(kind: str, marker: Path) -> None:
    spec = hostile_specs(marker)[kind]
    with pytest.raises(ValueError) as err:
        make_reward(spec)
    _refused(spec, str(err.value), kind)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("os:system", "'os' is a standard-library module"),
        ("builtins:eval", "'builtins' is a standard-library module"),
        ("collections:OrderedDict", "'collections' is a standard-library module"),
        (f"{PROBE}:Touch", "names the class 'Touch', which is not a sagym Reward"),
        (f"{PROBE}:touch", "names 'touch' (a function), which is not a registered reward"),
        (f"{PROBE}:UnregisteredReward", "is a Reward class that is not registered"),
        (f"{PROBE}:missing", f"module '{PROBE}' registers no reward 'missing'"),
        ("sagym.rewards.composite:WeightedSum", "is a Reward class that is not registered"),
        ("sagym.signals:DaySignals", "names the class 'DaySignals', which is not a sagym Reward"),
    ],
)
def test_make_reward_with_keyword_parameters_calls_nothing_unregistered(
    name: str, message: str, marker: Path
) -> None:
    """Parameters given in Python (no parser involved) reach registered rewards only."""
    params = (
        {"source": f"open({str(marker)!r}, 'w')"}
        if name == "builtins:eval"
        else {"command": f"touch {marker}"}
        if name == "os:system"
        else {"path": str(marker)}
    )
    with pytest.raises(ValueError, match=f"reward '{name}'") as err:
        make_reward(name, **params)
    assert message in str(err.value)


def test_a_registered_reward_is_still_named_by_module() -> None:
    """``module:name`` keeps working for a registered name or a registered class."""
    assert type(make_reward("sagym.rewards.builtin:engagement")).__name__ == "Engagement"
    assert type(make_reward("sagym.rewards.builtin:Engagement")).__name__ == "Engagement"
    plugin = Path(__file__).resolve().parents[1] / "agents"
    sys.path.insert(0, str(plugin))
    try:
        reward = make_reward("plugin_reward:plugin_human_time")
    finally:
        sys.path.remove(str(plugin))
    assert reward.name == "plugin_human_time"
    assert "plugin_human_time" in list_rewards()


# ---------------------------------------------------------------- (b) gymnasium.make
@pytest.mark.parametrize("kind", KINDS)
def test_gym_make_refuses(kind: str, marker: Path) -> None:
    spec = hostile_specs(marker)[kind]
    with pytest.raises(ValueError) as err:
        gym.make(ENV_ID, reward=spec)
    _refused(spec, str(err.value), kind)


# ---------------------------------------------------------------- (c) the command line
def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        status = cli_main(args)
    except SystemExit as exit_:  # argparse-style exits
        status = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    return status, captured.out + captured.err


@pytest.mark.parametrize("kind", KINDS)
def test_cli_train_refuses(
    kind: str, marker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    spec = hostile_specs(marker)[kind]
    status, output = _cli(
        ["train", "--reward", spec, "--out", str(tmp_path / "runs"), "--wandb", "disabled",
         "--steps", "64", "--no-progress"],
        capsys,
    )  # fmt: skip
    assert status == 2, output
    _refused(spec, output, kind)
    assert not list((tmp_path / "runs").glob("*/model.zip"))


@pytest.mark.parametrize("kind", KINDS)
def test_cli_compare_experiment_file_refuses(
    kind: str, marker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    spec = hostile_specs(marker)[kind]
    experiment = tmp_path / "experiment.yaml"
    # JSON strings are YAML strings: the spec arrives exactly as written.
    experiment.write_text(
        f"rewards: [engagement, {json.dumps(spec)}]\nseeds: 1\nsteps: 64\nwandb: disabled\n",
        encoding="utf-8",
    )
    status, output = _cli(
        ["compare", "--experiment", str(experiment), "--out", str(tmp_path / "grid"),
         "--no-progress"],
        capsys,
    )  # fmt: skip
    assert status == 2, output
    _refused(spec, output, kind)
    assert not (tmp_path / "grid" / "results.csv").exists()


# ---------------------------------------------------------------- (d) a run folder's config.json
@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (tiny) run folder, written by ``sagym train``."""
    out = tmp_path_factory.mktemp("runs")
    status = cli_main(
        ["train", "--algo", "a2c", "--steps", "64", "--eval-users", "2", "--horizon", "5",
         "--wandb", "disabled", "--out", str(out), "--no-progress"]
    )  # fmt: skip
    assert status == 0
    (run,) = [p for p in out.iterdir() if (p / "config.json").exists()]
    return run


@pytest.mark.parametrize("kind", KINDS)
def test_cli_resume_refuses_a_hostile_config_json(
    kind: str, marker: Path, finished_run: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    spec = hostile_specs(marker)[kind]
    run = tmp_path / "shared" / finished_run.name
    shutil.copytree(finished_run, run)
    config = json.loads((run / "config.json").read_text())
    config["reward"] = spec
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
    status, output = _cli(["train", "--resume", str(run), "--no-progress"], capsys)
    assert status == 2, output
    _refused(spec, output, kind)


# ---------------------------------------------------------------- fuzzing
_FRAGMENTS = [
    *sorted(list_rewards()), "os:system", "subprocess:run", "builtins:eval", f"{PROBE}:Touch",
    f"{PROBE}:touch", f"{PROBE}:UnregisteredReward", "sagym.signals:DaySignals", "a.b:c", ":",
    " ", "\t", "+", "-", "*", "(", ")", "=", ",", "'", '"', ".", "0", "1", "2.5", "1e3", "e",
    "scale", "path", "True", "nan", "inf", "9" * 400, "_", "é", "\u00a0",
]  # fmt: skip
_SPECS = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=16).map("".join),
)


def _leaves(reward: Reward) -> list[Reward]:
    if isinstance(reward, WeightedSum):
        return [leaf for _, term in reward.terms for leaf in _leaves(term)]
    return [reward]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_SPECS)
def test_fuzzed_specs_build_a_registered_reward_or_raise_value_error(
    text: str, probe_module: Path
) -> None:
    registered = list(reward_registry._REGISTRY.values())
    try:
        terms = parse_spec(text)
    except ValueError:
        terms = None
    try:
        reward = make_reward(text)
    except ValueError:
        return
    assert terms is not None  # make_reward never accepts what the parser refuses
    for leaf in _leaves(reward):
        assert any(type(leaf) is factory for factory in registered), type(leaf)
    # What a spec builds is described by a spec that builds the same thing again.
    assert make_reward(reward.spec()).spec() == reward.spec()


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(
        st.sampled_from([f"{PROBE}:Touch", f"{PROBE}:touch", f"{PROBE}:UnregisteredReward"]),
        min_size=1,
        max_size=3,
    ).map(lambda names: " + ".join(f"{n}(path={{marker}})" for n in names))
)
def test_fuzzed_specs_never_call_what_they_name(
    text: str, tmp_path_factory: pytest.TempPathFactory, probe_module: Path
) -> None:
    marker = tmp_path_factory.getbasetemp() / "fuzz_PWNED"
    with pytest.raises(ValueError, match="is refused"):
        make_reward(text.format(marker=marker))
    assert not marker.exists()


# ---------------------------------------------------------------- linear time
def test_huge_junk_specs_are_refused_at_once() -> None:
    """100,000 characters of spaces or junk: refused in one pass (the old parser took minutes)."""
    with pytest.raises(ValueError, match="reward spec is empty"):
        parse_spec(" " * 100_000)
    with pytest.raises(ValueError, match=r"terms must be joined by '\+' or '-'") as err:
        parse_spec("engagement" + " " * 100_000 + "x")
    assert "(100011 characters)" in str(err.value)  # the message stays one short line
    assert len(str(err.value)) < 200
    for junk in ("-" + " " * 100_000 + "*", "1" + " " * 100_000 + "*" + " " * 100_000,
                 "engagement(" + "x=1," * 25_000, "+" * 100_000, "e" * 100_000 + "(("):  # fmt: skip
        with pytest.raises(ValueError, match="cannot parse reward spec"):
            parse_spec(junk)


def test_a_long_valid_spec_parses_term_by_term() -> None:
    terms = [
        f"{i % 7 + 0.5:g}*engagement" if i % 2 else "need_support(scale=5)" for i in range(2000)
    ]
    spec = " + ".join(terms) + " - " + "  " * 10_000 + "wellbeing"
    parsed = parse_spec(spec)
    assert len(parsed) == 2001
    assert parsed[0] == (1.0, "need_support", {"scale": 5})
    assert parsed[1] == (1.5, "engagement", {})
    assert parsed[-1] == (-1.0, "wellbeing", {})
    reward = make_reward(spec)
    assert isinstance(reward, WeightedSum) and len(reward.terms) == 2001
    assert parse_spec(reward.spec()) == [(w, r.name, r.params()) for w, r in reward.terms]
