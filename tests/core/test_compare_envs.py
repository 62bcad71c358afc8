"""A comparison over two environments: one table, plots and report, with env-qualified designs,
a random baseline per env, and each env's own action shares."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sagym.cli import main as cli_main
from sagym.config import design_label
from sagym.envs.lookup import env_product

ENVS = ("sagym/Companion-v0", "sagym/Feed-v0")
DESIGNS = [
    "Companion-v0/engagement", "Companion-v0/need_support", "Companion-v0/random",
    "Feed-v0/engagement", "Feed-v0/need_support", "Feed-v0/random",
]  # fmt: skip


def test_design_labels_name_the_env_only_when_a_comparison_has_several() -> None:
    one, two = ["sagym/Feed-v0"], list(ENVS)
    assert design_label("engagement", "ppo", ["ppo"], "sagym/Feed-v0", one) == "engagement"
    assert design_label("none", "random", ["ppo"], "sagym/Feed-v0", two) == "Feed-v0/random"
    assert (
        design_label("engagement", "a2c", ["ppo", "a2c"], "sagym/Feed-v0", two)
        == "Feed-v0/engagement/a2c"
    )
    # Two namespaces with one env name: the whole id keeps them apart.
    clash = ["mine/Feed-v0", "sagym/Feed-v0"]
    assert design_label("engagement", "ppo", ["ppo"], "mine/Feed-v0", clash) == (
        "mine/Feed-v0/engagement"
    )


@pytest.mark.slow
def test_compare_two_envs_gives_one_table_with_env_qualified_designs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = [
        "compare", "--env", *ENVS, "--rewards", "engagement", "need_support",
        "--baselines", "random", "--seeds", "1", "--steps", "256", "--n-envs", "8",
        "--eval-users", "8", "--horizon", "10", "--hp", "n_steps=16", "--hp", "batch_size=64",
        "--jobs", "1", "--wandb", "disabled", "--no-progress", "--out", str(out),
    ]  # fmt: skip
    assert cli_main(argv) == 0
    table = capsys.readouterr().out
    assert all(design in table for design in DESIGNS)

    results = pd.read_csv(out / "results.csv")
    assert list(results["design"]) == DESIGNS
    assert list(results["env"]) == [ENVS[0]] * 3 + [ENVS[1]] * 3
    baselines = results[results["algo"] == "random"]
    assert list(baselines["design"]) == ["Companion-v0/random", "Feed-v0/random"]
    # Each row's action shares are its own env's actions, summing to one; the other env's are
    # empty.
    shares = [c for c in results.columns if c.startswith("share_") and "@" not in c]
    for env in ENVS:
        rows = results[results["env"] == env]
        own = {f"share_{name}" for name in env_product(env).action_names}
        filled = {c for c in shares if rows[c].notna().all()}
        assert filled == own, env
        assert rows[sorted(set(shares) - own)].isna().all().all()
        assert rows[sorted(own)].sum(axis=1).round(6).tolist() == [1.0] * len(rows)

    summary = pd.read_csv(out / "summary.csv")
    assert list(dict.fromkeys(summary["design"])) == DESIGNS
    report = (out / "report.md").read_text()
    assert "Environments: sagym/Companion-v0, sagym/Feed-v0" in report
    for design in DESIGNS:
        assert f"| {design} |" in report
    for plot in ("outcomes.png", "trajectories.png", "personas.png"):
        assert (out / plot).stat().st_size > 0
    trajectories = pd.read_csv(out / "trajectories.csv")
    assert list(dict.fromkeys(trajectories["design"])) == DESIGNS
