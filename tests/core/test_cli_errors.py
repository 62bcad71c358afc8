"""Every bad input: one line on stderr naming the field, the value and what is allowed; exit 2;
nothing written (no run folder, no ``--out`` folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sagym.agents.baselines import BASELINES
from sagym.cli import main as cli_main
from sagym.envs import list_populations

SAGYM = str(Path(sys.executable).with_name("sagym"))
QUIET = ["--wandb", "disabled", "--no-progress"]

# (name, files to write into the working folder, argv, exact stderr line)
CASES: list[tuple[str, dict[str, str], list[str], str]] = [
    ("experiment file missing", {}, ["compare", "--experiment", "nope.yaml"],
     "sagym compare: error: --experiment: no such file 'nope.yaml'"),
    ("experiment file empty", {"e.yaml": ""}, ["compare", "--experiment", "e.yaml"],
     "sagym compare: error: --experiment: 'e.yaml' is empty; it must hold a mapping of fields"),
    ("experiment YAML invalid", {"e.yaml": "rewards: [a\n"}, ["compare", "--experiment", "e.yaml"],
     "sagym compare: error: --experiment: 'e.yaml' is not valid YAML at line 2, column 1: "
     "expected ',' or ']', but got '<stream end>'"),
    ("experiment JSON invalid", {"e.json": '{"seeds": 2,}'},
     ["compare", "--experiment", "e.json"],
     "sagym compare: error: --experiment: 'e.json' is not valid JSON at line 1, column 13: "
     "Expecting property name enclosed in double quotes"),
    ("experiment not a mapping", {"e.yaml": "- engagement\n"},
     ["compare", "--experiment", "e.yaml"],
     "sagym compare: error: --experiment: 'e.yaml' must hold a mapping of fields; got a list"),
    ("experiment is a folder", {"d/x": ""}, ["compare", "--experiment", "d"],
     "sagym compare: error: --experiment: 'd' is a folder, not a file"),
    ("steps: true", {"e.yaml": "steps: true\n"}, ["compare", "--experiment", "e.yaml"],
     "sagym compare: error: steps must be an integer; got True"),
    ("seeds: 2.5", {"e.json": '{"seeds": 2.5}'}, ["compare", "--experiment", "e.json"],
     "sagym compare: error: seeds must be an integer; got 2.5"),
    ("rewards hold a number", {"e.yaml": "rewards: [engagement, 5]\n"},
     ["compare", "--experiment", "e.yaml"],
     "sagym compare: error: rewards[1] must be a string; got 5"),
    ("unknown experiment field", {"e.yaml": "rewardz: [engagement]\n"},
     ["compare", "--experiment", "e.yaml"],
     "sagym compare: error: unknown experiment field 'rewardz' (did you mean 'rewards'?); known: "
     "address, algos, backend, baselines, env_kwargs, envs, eval_every, eval_seed, eval_users, "
     "force, grid, horizon, hyperparams, imports, jobs, n_envs, out, population, progress, "
     "rewards, seeds, steps, user_overrides, wandb, wandb_entity, wandb_group, wandb_project, "
     "wandb_tags"),
    ("config file missing", {}, ["train", "--config", "c.json"],
     "sagym train: error: --config: no such file 'c.json'"),
    ("unknown config field", {"c.json": '{"stpes": 10}'}, ["train", "--config", "c.json"],
     "sagym train: error: unknown config field 'stpes' (did you mean 'steps'?); known: algo, env, "
     "env_kwargs, eval_every, eval_seed, eval_users, horizon, hyperparams, imports, n_envs, out, "
     "population, progress, return_rewards, reward, run_name, seed, steps, torch_threads, "
     "user_overrides, wandb, "
     "wandb_dir, wandb_entity, wandb_group, wandb_project, wandb_tags"),
    ("resume folder missing", {}, ["train", "--resume", "gone"],
     "sagym train: error: --resume: 'gone' does not exist"),
    ("resume not a run folder", {"r/notes.txt": "x"}, ["train", "--resume", "r"],
     "sagym train: error: --resume: 'r' holds no config.json; give the folder of a run that "
     "sagym train started"),
    ("resume config unreadable", {"r/config.json": '{"steps": '}, ["train", "--resume", "r"],
     "sagym train: error: --resume: 'r/config.json' is not valid JSON at line 1, column 11: "
     "Expecting value"),
    ("resume config of wrong type", {"r/config.json": '{"steps": "many"}'},
     ["train", "--resume", "r"],
     "sagym train: error: steps must be an integer; got 'many'"),
    ("out is a file", {"f": "x"}, ["compare", "--out", "f"],
     "sagym compare: error: out: 'f' is a file; give a folder"),
    ("out under a file", {"f": "x"}, ["train", "--out", "f/runs"],
     "sagym train: error: out: 'f/runs' lies under 'f', which is a file; give a folder"),
    ("out empty", {}, ["compare", "--out", ""],
     "sagym compare: error: out must not be empty; got ''"),
    ("out not writable", {}, ["train", "--out", "/proc/1/runs"],
     "sagym train: error: out: '/proc/1/runs' is not writable (its parent '/proc/1' is not "
     "writable)"),
    ("import missing", {}, ["train", "--import", "no_such_module_here"],
     "sagym train: error: imports: no module named 'no_such_module_here' (looked in the current "
     "folder and on PYTHONPATH)"),
    ("import not a name", {}, ["compare", "--import", "../x"],
     "sagym compare: error: imports: '../x' is not a module name (such as my_rewards)"),
    ("import needs a missing package", {"needy.py": "import no_such_dependency_x\n"},
     ["train", "--import", "needy"],
     "sagym train: error: imports: module 'needy' needs 'no_such_dependency_x', which is not "
     "installed"),
    ("hp batch size does not divide the rollout", {}, ["train", "--hp", "batch_size=7"],
     "sagym train: error: hyperparams: batch_size=7 must divide n_steps*n_envs = 128*32 = 4096 "
     "(or be at least it)"),
    ("hp refused by an SB3 assertion", {}, ["train", "--hp", "n_steps=1", "--n-envs", "1"],
     "sagym train: error: hyperparams: ppo refuses n_steps=1 with n_envs=1: `n_steps * n_envs` "
     "must be greater than 1. Currently n_steps=1 and n_envs=1"),
    ("hp of a wrong type", {}, ["train", "--algo", "a2c", "--hp", "learning_rate=fast"],
     "sagym train: error: hyperparams: a2c refuses learning_rate='fast' with n_envs=64: The "
     "learning rate schedule must be a float or a callable, not fast"),
    ("hp unknown", {}, ["train", "--algo", "dqn", "--hp", "batch_sise=64"],
     "sagym train: error: hyperparams: dqn has no hyperparameter 'batch_sise' (did you mean "
     "'batch_size'?); known: batch_size, buffer_size, exploration_final_eps, "
     "exploration_fraction, exploration_initial_eps, gamma, gradient_steps, learning_rate, "
     "learning_starts, max_grad_norm, n_steps, normalize_observations, optimize_memory_usage, "
     "policy_kwargs, replay_buffer_class, replay_buffer_kwargs, stats_window_size, "
     "target_update_interval, tau, train_freq"),
    ("hp not KEY=VALUE", {}, ["train", "--hp", "n_steps"],
     "sagym train: error: hyperparams: --hp takes KEY=VALUE; got 'n_steps'"),
    ("jobs -1", {}, ["compare", "--jobs", "-1"],
     "sagym compare: error: jobs must be >= 1; got -1"),
    ("seeds beyond the bound", {}, ["compare", "--seeds", "100000000"],
     "sagym compare: error: seeds must be <= 1000; got 100000000"),
    ("seeds 0", {}, ["compare", "--seeds", "0"],
     "sagym compare: error: seeds must be >= 1; got 0"),
    ("negative steps", {}, ["train", "--steps", "-5"],
     "sagym train: error: steps must be >= 0; got -5"),
    ("zero steps for a learner", {}, ["train", "--steps", "0"],
     "sagym train: error: steps must be >= 1 to train ppo; got 0"),
    ("zero steps in a comparison", {}, ["compare", "--steps", "0"],
     "sagym compare: error: steps must be >= 1; got 0"),
    ("fractional steps", {}, ["train", "--steps", "1.5"],
     "sagym train: error: steps must be an integer; got 1.5"),
    ("zero eval users", {}, ["compare", "--eval-users", "0"],
     "sagym compare: error: eval_users must be >= 1; got 0"),
    ("zero horizon", {}, ["train", "--horizon", "0"],
     "sagym train: error: horizon must be >= 1; got 0"),
    ("horizon beyond the simulator", {}, ["train", "--horizon", "5000"],
     "sagym train: error: horizon must be <= 3650; got 5000"),
    ("bad wandb mode", {}, ["train", "--wandb", "cloud"],
     "sagym train: error: wandb must be one of 'offline', 'online' or 'disabled'; got 'cloud'"),
    ("unknown env", {}, ["compare", "--env", "sagym/Companion-v9"],
     "sagym compare: error: envs[0]: env 'sagym/Companion-v9' is not registered with "
     "Gymnasium; did you mean sagym/Companion-v1, sagym/Companion-v0? (register it in a module "
     "and pass that module to --import)"),
    ("a learner given as a baseline", {}, ["compare", "--baselines", "ppo"],
     f"sagym compare: error: baselines[0] must name scripted baselines ({', '.join(BASELINES)}); "
     "got 'ppo'"),
    ("empty grid", {}, ["compare", "--rewards", "--baselines"],
     "sagym compare: error: the grid is empty: give at least one reward or baseline"),
    ("unknown population", {}, ["train", "--population", "lonley"],
     f"sagym train: error: population must be one of {', '.join(list_populations())}; got "
     "'lonley' (did you mean 'lonely'?)"),
    ("user override not a number", {}, ["train", "--user", "influence_rate=abc"],
     "sagym train: error: user_overrides.influence_rate must be a number; got 'abc'"),
    ("run name escaping its folder", {}, ["train", "--run-name", ".."],
     "sagym train: error: run_name must be a folder name (no '/', not '.' or '..'); got '..'"),
    ("horizon given twice", {}, ["train", "--horizon", "30", "--env-kw", "horizon=60"],
     "sagym train: error: horizon is given twice: horizon=30 and env_kwargs horizon=60; give it "
     "once (--horizon is sugar for --env-kw horizon=...)"),
    ("population given twice", {"e.yaml": "population: lonely\n"},
     ["compare", "--experiment", "e.yaml", "--env-kw", "population=connected"],
     "sagym compare: error: population is given twice: population=\"lonely\" and env_kwargs "
     "population=\"connected\"; give it once (--population is sugar for --env-kw "
     "population=...)"),
    ("user override given twice", {},
     ["compare", "--user", "influence_rate=0.1", "--env-kw",
      'user_overrides={"influence_rate": 0.2}'],
     "sagym compare: error: user_overrides.influence_rate is given twice: influence_rate=0.1 in "
     "user_overrides and influence_rate=0.2 in env_kwargs; give it once"),
    ("unknown env kwarg", {}, ["train", "--env-kw", "colour=3"],  # the default env is named
     "sagym train: error: env_kwargs: unknown argument(s) ['colour'] for 'sagym/Companion-v1'; "
     "known: horizon, population, reward, user_overrides, model_config, observe_latent, "
     "reward_components"),
    ("unknown env kwarg of the second env", {},
     ["compare", "--env", "sagym/Companion-v0", "sagym/Feed-v0", "--env-kw", "slate=3"],
     "sagym compare: error: env_kwargs: unknown argument(s) ['slate'] for 'sagym/Companion-v0'; "
     "known: horizon, population, reward, user_overrides, model_config, observe_latent, "
     "reward_components"),
    ("env kwarg reward", {}, ["train", "--env-kw", "reward=satisfaction"],
     "sagym train: error: env_kwargs: 'reward' is the reward design of the run; give it as "
     "reward"),
    ("env kwarg not KEY=VALUE", {}, ["compare", "--env-kw", "horizon"],
     "sagym compare: error: env_kwargs: --env-kw takes KEY=VALUE; got 'horizon'"),
    ("env kwarg not JSON", {"e.yaml": "env_kwargs: {model_config: 2024-01-01}\n"},
     ["compare", "--experiment", "e.yaml"],
     "sagym compare: error: env_kwargs must hold JSON values (numbers, strings, booleans, lists, "
     "mappings); got {\"model_config\": \"datetime.date(2024, 1, 1)\"}"),
    ("env kwarg flag not a boolean", {}, ["train", "--env-kw", "observe_latent=maybe"],
     "sagym train: error: env_kwargs: observe_latent must be true or false; got 'maybe'"),
    ("mistyped flag", {}, ["train", "--stpes", "3"],
     "sagym: error: unrecognized arguments: --stpes 3 (did you mean '--steps'?)"),
]  # fmt: skip


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if "__pycache__" not in p.parts)


@pytest.mark.parametrize(("files", "argv", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_input_is_one_line_on_stderr_and_writes_nothing(
    files: dict[str, str],
    argv: list[str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # as importable_from_cwd does for the CLI
    _write(tmp_path, files)
    before = _tree(tmp_path)
    with pytest.raises(SystemExit) as exited:  # argparse's own errors leave by SystemExit
        raise SystemExit(cli_main([argv[0], *QUIET, *argv[1:]]))
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == expected + "\n"
    assert _tree(tmp_path) == before  # no run folder, no --out folder, nothing else


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_out_in_a_read_only_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert cli_main(["compare", "--out", str(locked / "out"), *QUIET]) == 2
    finally:
        locked.chmod(0o700)
    assert capsys.readouterr().err == (
        f"sagym compare: error: out: '{locked}/out' is not writable (its parent '{locked}' is "
        "not writable)\n"
    )
    assert list(locked.iterdir()) == []


def _sagym(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [SAGYM, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


def test_installed_command_reports_bad_input_on_stderr_with_status_2(tmp_path: Path) -> None:
    (tmp_path / "grid.yaml").write_text("seeds: 2\nsteps: true\n")
    done = _sagym(["compare", "--experiment", "grid.yaml", "--out", "out"], tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "sagym compare: error: steps must be an integer; got True\n"
    done = _sagym(["train", "--out", "out", "--hp", "batch_size=7", "--n-envs", "16"], tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "sagym train: error: hyperparams: batch_size=7 must divide n_steps*n_envs = 128*16 = 2048 "
        "(or be at least it)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.yaml"]


def test_import_finds_a_module_in_the_current_folder(tmp_path: Path) -> None:
    plugin = Path(__file__).resolve().parents[1] / "agents" / "plugin_reward.py"
    (tmp_path / "my_rewards.py").write_text(plugin.read_text())
    done = _sagym(
        ["train", "--import", "my_rewards", "--reward", "plugin_human_time", "--algo", "random",
         "--eval-users", "8", "--horizon", "10", "--out", "runs", *QUIET],
        tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["reward"], config["imports"]) == ("plugin_human_time", ["my_rewards"])


def test_script_entry_points_report_the_same_way(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    for script, args, line in (
        ("train.py", ["--steps", "-1"], "train.py: error: steps must be >= 0; got -1"),
        ("compare.py", ["--jobs", "0"], "compare.py: error: jobs must be >= 1; got 0"),
    ):
        done = subprocess.run(
            [sys.executable, str(root / "scripts" / script), *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert (done.returncode, done.stdout, done.stderr) == (2, "", line + "\n")
