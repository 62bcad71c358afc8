"""How far is PPO from the planner? Train settings variants, score them, write a table and a figure.

Each variant is one ``sagym train`` run per seed (a design, a budget and overrides of today's
hyperparameter defaults). Every run is evaluated on the held-out users of ``sagym compare`` both
sampled (the headline mode) and greedy, and scored against the random policy (0) and the planner
(1), and against the clairvoyant planner (``futures=0``) beside it:
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
SEEDS = (0, 1)
#: PPO's settings of the first study round (64 users per rollout, clip range 0.2), as overrides
#: of today's defaults; FORMER adds the settings before any study.
ROUND1 = {"n_envs": 64, "clip_range": 0.2, "learning_rate": 3e-3}
FORMER = {**ROUND1, "learning_rate": 1e-3, "gae_lambda": 0.95, "normalize_observations": False}
# (design, steps, overrides of today's defaults; ``n_envs`` is the users per rollout): the
# variants of docs/training.md, from the former defaults one change at a time to today's ({}),
# then ablations and budgets.
VARIANTS: tuple[tuple[str, int, dict[str, Any]], ...] = (
    ("need_support", 500_000, FORMER),
    ("need_support", 500_000, {**FORMER, "ent_coef": 0.01}),
    ("need_support", 500_000, {**FORMER, "gae_lambda": 0.99}),
    ("need_support", 500_000, {**FORMER, "gae_lambda": 0.99, "learning_rate": 3e-3}),
    ("need_support", 500_000, ROUND1),
    ("need_support", 500_000, {**ROUND1, "learning_rate": 1e-3}),
    ("need_support", 500_000, {**ROUND1, "gae_lambda": 0.95}),
    ("need_support", 250_000, ROUND1),
    ("need_support", 1_000_000, ROUND1),
    ("need_support", 500_000, {**ROUND1, "clip_range": 0.3}),
    ("need_support", 500_000, {**ROUND1, "clip_range": 0.3, "n_steps": 64}),
    ("need_support", 500_000, {**ROUND1, "clip_range": 0.3, "n_envs": 32}),
    ("need_support", 500_000, {"n_epochs": 6}),
    ("need_support", 500_000, {}),
    ("engagement", 500_000, FORMER),
    ("engagement", 500_000, ROUND1),
    ("engagement", 500_000, {**ROUND1, "normalize_observations": False}),
    ("engagement", 500_000, {**ROUND1, "learning_rate": 1e-3}),
    ("engagement", 500_000, {**ROUND1, "clip_range": 0.3}),
    ("engagement", 500_000, {**ROUND1, "clip_range": 0.3, "n_steps": 64}),
    ("engagement", 500_000, {**ROUND1, "clip_range": 0.3, "n_envs": 32}),
    ("engagement", 500_000, {"n_epochs": 6}),
    ("engagement", 500_000, {}),
    ("satisfaction", 500_000, FORMER),
    ("satisfaction", 500_000, ROUND1),
    ("satisfaction", 500_000, {**ROUND1, "clip_range": 0.3, "n_envs": 32}),
    ("satisfaction", 500_000, {}),
)


def run_name(design: str, steps: int, hp: dict[str, Any], seed: int) -> str:
    extra = "_".join(f"{k}-{v}" for k, v in sorted(hp.items())) or "defaults"
    return f"{design}__{steps // 1000}k__{extra}__s{seed}"


def train_variant(design: str, steps: int, hp: dict[str, Any], seed: int, out: Path) -> Path:
    from sagym.agents.training import train
    from sagym.config import TrainConfig

    name = run_name(design, steps, hp, seed)
    folder = out / name
    hyperparams = {k: v for k, v in hp.items() if k != "n_envs"}
    if not (folder / "model.zip").is_file():
        train(
            TrainConfig(
                env=ENV,
                reward=design,
                seed=seed,
                steps=steps,
                n_envs=hp.get("n_envs"),
                hyperparams=hyperparams,
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

    def mean_return(policy: Any) -> float:
        return float(rollout(policy, spec, users, env=ENV).returns["return"].mean())

    return {
        "random": mean_return(RandomPolicy(0)),
        "planner": mean_return(PlannerPolicy(design)),
        "clairvoyant": mean_return(PlannerPolicy(design, futures=0)),
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


def label(hp: dict[str, Any]) -> str:
    """A variant's settings as the change from the former, the first round's or today's defaults."""
    if not hp:
        return "defaults"
    base, prefix = ({}, "")
    if set(FORMER) <= set(hp):
        base, prefix = FORMER, "former defaults"
    elif set(ROUND1) <= set(hp):
        base, prefix = ROUND1, "first-round defaults"
    else:
        prefix = "defaults"
    changed = ", ".join(f"{k}={v}" for k, v in hp.items() if base.get(k, object()) != v)
    return " + ".join(part for part in (prefix, changed) if part)


def figure(rows: list[dict[str, Any]], path: Path) -> None:
    """One panel per design: each 500k-step variant's score per seed, sampled and greedy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    designs = list(dict.fromkeys(r["design"] for r in rows))
    shown = {d: [r for r in rows if r["design"] == d and r["steps"] == 500_000] for d in designs}
    heights = [len(dict.fromkeys(label(r["hp"]) for r in shown[d])) for d in designs]
    fig, axes = plt.subplots(
        len(designs), 1, figsize=(7.5, 0.42 * sum(heights) + 1.2 * len(designs) + 0.6),
        sharex=True, gridspec_kw={"height_ratios": heights}, squeeze=False,
    )  # fmt: skip
    for ax, design in zip(axes[:, 0], designs, strict=True):
        names = list(dict.fromkeys(label(r["hp"]) for r in shown[design]))
        for mode, marker, colour in (("sampled", "o", "C0"), ("greedy", "x", "C1")):
            for i, name in enumerate(names):
                ys = [r[f"score_{mode}"] for r in shown[design] if label(r["hp"]) == name]
                ax.scatter(ys, [i] * len(ys), marker=marker, color=colour,
                           label=f"{mode} (one point per seed)" if i == 0 else None)  # fmt: skip
        ax.axvline(0.9, color="black", lw=0.8, ls="--", label="target score 0.9")
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"{design}, 500k steps", fontsize=9, loc="left")
        ax.set_xlim(0, 1.1)
    axes[-1, 0].set_xlabel("score vs planner (0 = random, 1 = planner)")
    axes[0, 0].legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/training_study"))
    parser.add_argument("--users", type=int, default=256)
    parser.add_argument("--only", default=None, help="one design's variants")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="agent seeds")
    parser.add_argument("--figure", type=Path, default=Path("docs/figures/training_study.png"))
    args = parser.parse_args(argv)

    variants = [v for v in VARIANTS if args.only in (None, v[0])]
    cache = args.out / f"references_{args.users}.json"  # the references are deterministic
    refs = json.loads(cache.read_text()) if cache.is_file() else {}
    for design in dict.fromkeys(v[0] for v in variants):
        if design not in refs:
            refs[design] = references(design, args.users)
            args.out.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(refs, indent=1))
    for design, ref in refs.items():
        print(
            f"{design}: random {ref['random']:.2f}, planner {ref['planner']:.2f}, "
            f"clairvoyant planner {ref['clairvoyant']:.2f}",
            flush=True,
        )
    print("| design | steps | settings | seed | return, sampled | greedy | score, sampled "
          "| score, greedy | score vs clairvoyant | entropy |")  # fmt: skip
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for design, steps, hp in variants:
        for seed in args.seeds:
            folder = train_variant(design, steps, hp, seed, args.out)
            found = evaluate_run(folder, design, args.users)
            ref = refs[design]
            gap = ref["planner"] - ref["random"]
            rows.append(
                {
                    "design": design, "steps": steps, "hp": hp, "seed": seed, **found,
                    "score_sampled": (found["sampled"] - ref["random"]) / gap,
                    "score_greedy": (found["greedy"] - ref["random"]) / gap,
                    "score_clairvoyant": (found["sampled"] - ref["random"])
                    / (ref["clairvoyant"] - ref["random"]),
                }
            )  # fmt: skip
            r = rows[-1]
            print(
                f"| {design} | {steps:,} | {label(hp)} | {seed} | {r['sampled']:.2f} | "
                f"{r['greedy']:.2f} | {r['score_sampled']:.2f} | {r['score_greedy']:.2f} | "
                f"{r['score_clairvoyant']:.2f} | {r['entropy_day0']:.2f} |",
                flush=True,
            )
    figure(rows, args.figure)
    (args.out / "study.json").write_text(json.dumps({"references": refs, "runs": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
