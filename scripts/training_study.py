"""How far is PPO from the planner? Train settings variants, score them, write a table and a figure.

Each variant is one ``sagym train`` run (a design, a budget and hyperparameter overrides; seed 0
unless given). Every run is evaluated on the held-out users of ``sagym compare`` both sampled
(the headline mode) and greedy, and scored against the random policy (0) and the planner (1):
``score = (return − random) / (planner − random)``. Runs already in ``--out`` are reused, so the
study can grow run by run.

    python scripts/training_study.py                       # the study of docs/training.md
    python scripts/training_study.py --only need_support   # one design's variants
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ENV = "sagym/Companion-v1"
# (design, steps, hyperparameter overrides): the variants of docs/training.md.
VARIANTS: tuple[tuple[str, int, dict[str, Any]], ...] = (
    ("engagement", 500_000, {"ent_coef": 0.0}),
    ("satisfaction", 500_000, {"ent_coef": 0.0}),
    ("need_support", 500_000, {"ent_coef": 0.01}),
    ("need_support", 500_000, {"ent_coef": 0.0}),
    ("need_support", 1_000_000, {"ent_coef": 0.01}),
    ("need_support", 1_000_000, {"ent_coef": 0.0}),
    ("need_support", 2_000_000, {"ent_coef": 0.0}),
    ("need_support", 2_000_000, {"ent_coef": 0.0, "n_epochs": 10, "learning_rate": 3e-4}),
    ("engagement", 500_000, {"ent_coef": 0.0, "n_epochs": 10, "learning_rate": 3e-4}),
    ("satisfaction", 500_000, {"ent_coef": 0.0, "n_epochs": 10, "learning_rate": 3e-4}),
    ("need_support", 500_000, {"ent_coef": 0.0, "n_epochs": 10, "learning_rate": 3e-4}),
)


def run_name(design: str, steps: int, hp: dict[str, Any]) -> str:
    extra = "_".join(f"{k}-{v}" for k, v in sorted(hp.items()))
    return f"{design}__{steps // 1000}k__{extra}"


def train_variant(design: str, steps: int, hp: dict[str, Any], out: Path) -> Path:
    from sagym.agents.training import train
    from sagym.config import TrainConfig

    name = run_name(design, steps, hp)
    folder = out / name
    if not (folder / "model.zip").is_file():
        train(
            TrainConfig(
                env=ENV,
                reward=design,
                steps=steps,
                hyperparams=hp,
                out=str(out),
                run_name=name,
                wandb="disabled",
                progress=False,
            )
        )
    return folder


def references(design: str, users: int) -> dict[str, float]:
    from sagym.agents.baselines import RandomPolicy
    from sagym.agents.planner import PlannerPolicy
    from sagym.envs.lookup import simulation_spec
    from sagym.outcomes import rollout

    spec = simulation_spec(ENV, reward=design)
    return {
        "random": float(rollout(RandomPolicy(0), spec, users, env=ENV).returns["return"].mean()),
        "planner": float(
            rollout(PlannerPolicy(design), spec, users, env=ENV).returns["return"].mean()
        ),
    }


def evaluate_run(folder: Path, design: str, users: int) -> dict[str, float]:
    from sagym.agents.factory import load_algo
    from sagym.envs.lookup import make_simulation, simulation_spec
    from sagym.outcomes import evaluation_keys, policy_entropy, rollout

    model = load_algo("ppo", str(folder / "model.zip"))
    spec = simulation_spec(ENV, reward=design)
    sampled = rollout(model, spec, users, deterministic=False, env=ENV)
    greedy = rollout(model, spec, users, deterministic=True, env=ENV)
    sim = make_simulation(spec, users, ENV)
    sim.reset(evaluation_keys(0, users))
    entropy = policy_entropy(model, sim.observe())
    return {
        "sampled": float(sampled.returns["return"].mean()),
        "greedy": float(greedy.returns["return"].mean()),
        "entropy_day0": entropy,
    }


def figure(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for ent, marker in ((0.0, "o"), (0.01, "s")):
        for mode, style in (("sampled", "-"), ("greedy", ":")):
            pts = sorted(
                (r["steps"], r[f"score_{mode}"])
                for r in rows
                if r["design"] == "need_support" and r["hp"] == {"ent_coef": ent}
            )
            if pts:
                x, y = zip(*pts, strict=True)
                ax.plot(x, y, style, marker=marker, label=f"ent_coef {ent}, {mode}")
    ax.axhline(0.9, color="black", lw=0.8, ls="--", label="target score 0.9")
    ax.set_xscale("log")
    ax.set_xlabel("training steps (user-days)")
    ax.set_ylabel("score vs planner (need_support)")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/training_study"))
    parser.add_argument("--users", type=int, default=256)
    parser.add_argument("--only", default=None, help="one design's variants")
    parser.add_argument("--figure", type=Path, default=Path("docs/figures/training_study.png"))
    args = parser.parse_args(argv)

    variants = [v for v in VARIANTS if args.only in (None, v[0])]
    refs = {d: references(d, args.users) for d in dict.fromkeys(v[0] for v in variants)}
    rows = []
    for design, steps, hp in variants:
        found = evaluate_run(train_variant(design, steps, hp, args.out), design, args.users)
        ref = refs[design]
        gap = ref["planner"] - ref["random"]
        rows.append(
            {
                "design": design, "steps": steps, "hp": hp, **found,
                "score_sampled": (found["sampled"] - ref["random"]) / gap,
                "score_greedy": (found["greedy"] - ref["random"]) / gap,
            }
        )  # fmt: skip
        r = rows[-1]
        print(
            f"| {design} | {steps:,} | {', '.join(f'{k}={v}' for k, v in hp.items())} | "
            f"{r['sampled']:.2f} | {r['greedy']:.2f} | {r['score_sampled']:.2f} | "
            f"{r['score_greedy']:.2f} | {r['entropy_day0']:.2f} |",
            flush=True,
        )
    for design, ref in refs.items():
        print(f"{design}: random {ref['random']:.2f}, planner {ref['planner']:.2f}")
    figure(rows, args.figure)
    (args.out / "study.json").write_text(json.dumps({"references": refs, "runs": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
