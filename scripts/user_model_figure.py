"""Mean latent trajectories of the user model under fixed behaviours (docs/user-model.md figure).

Simulates 500 users of the ``default`` population for 90 days under six fixed policies (the same
users, keys and noise for every policy) and plots the population means of the latent state beside
the no-AI twin (dashed), whose trajectory does not depend on the policy.

    .venv/bin/python scripts/user_model_figure.py --out docs/figures/user_model_trajectories.png
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import matplotlib

from sagym.envs.behaviours import ACTIONS

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import NDArray

from sagym.envs.behaviours import Behaviour
from sagym.envs.noise import draw_keys
from sagym.envs.population import get_population
from sagym.envs.user_model import UserModel, UserState, total_variation

FloatArray = NDArray[np.float64]

N_USERS = 500
HORIZON = 90
POLICIES: tuple[tuple[Behaviour, str], ...] = (
    (Behaviour.SCAFFOLDING, "tab:green"),
    (Behaviour.TASK_HELP, "tab:olive"),
    (Behaviour.VALIDATION, "tab:orange"),
    (Behaviour.COMPANION_INTIMACY, "tab:red"),
    (Behaviour.ENGAGEMENT_HOOK, "tab:purple"),
    (Behaviour.REDIRECT_TO_HUMANS, "tab:blue"),
)
# (key, title, y-label); liking and presence are defined for the user only.
PANELS: tuple[tuple[str, str, str], ...] = (
    ("wellbeing", "Wellbeing W", "Σγ·sat − Σφ·frus"),
    ("connection", "Human connection", "½(social time + bond)"),
    ("dependence", "Dependence (habit)", "d ∈ [0, 1]"),
    ("shift", "Induced preference shift", "TV(p, p_twin)"),
    ("competence", "Competence balance", "sat − frus (competence)"),
    ("liking", "Liking of the shown behaviour", "ℓ, users present that day"),
    ("present", "Users with a session", "share of users"),
)


@dataclass(frozen=True)
class Trajectories:
    """Per-day means (days 0..HORIZON) for the user and the no-AI twin."""

    user: dict[str, FloatArray]
    twin: dict[str, FloatArray]


def _means(state: UserState, world: int) -> dict[str, float]:
    """Population means of the latent state of one world (0: user, 1: twin)."""
    return {
        "wellbeing": float(state.wellbeing[world].mean()),
        "connection": float(state.human_connection[world].mean()),
        "dependence": float(state.dependence[world].mean()),
        "shift": float(total_variation(state.prefs[0], state.prefs[1]).mean()) * (1 - world),
        "competence": float((state.sat[world, :, 1] - state.frus[world, :, 1]).mean()),
    }


def simulate(behaviour: Behaviour, n_users: int, horizon: int, seed: int) -> Trajectories:
    """The same users (same keys) under one fixed behaviour, with the twin alongside."""
    keys = draw_keys(np.random.default_rng(seed), n_users)
    params, prefs, _ = get_population("default").sample(keys, names=ACTIONS.names)
    model = UserModel(params, prefs, keys)
    user_rows = [_means(model.state, 0)]
    twin_rows = [_means(model.state, 1)]
    liking = [np.nan]
    present = [float(model.state.present.mean())]
    action = np.full(n_users, int(behaviour), dtype=np.int64)
    for _ in range(horizon):
        sig = model.step(action)
        user_rows.append(_means(model.state, 0))
        twin_rows.append(_means(model.state, 1))
        liking.append(float(sig.liking[sig.present].mean()) if sig.present.any() else np.nan)
        present.append(float(model.state.present.mean()))
    user = {k: np.array([r[k] for r in user_rows]) for k in user_rows[0]}
    twin = {k: np.array([r[k] for r in twin_rows]) for k in twin_rows[0]}
    user["liking"] = np.array(liking)
    user["present"] = np.array(present)
    return Trajectories(user, twin)


def plot(results: dict[Behaviour, Trajectories], out: Path, n_users: int) -> None:
    """A 2 × 4 grid: seven latent panels and the legend."""
    fig, axes = plt.subplots(2, 4, figsize=(15, 7), sharex=True)
    flat = axes.ravel()
    days = np.arange(next(iter(results.values())).user["wellbeing"].shape[0])
    twin = next(iter(results.values())).twin
    for ax, (key, title, ylabel) in zip(flat, PANELS, strict=False):
        for behaviour, colour in POLICIES:
            ax.plot(days, results[behaviour].user[key], color=colour, lw=1.6)
        if key in twin:
            ax.plot(days, twin[key], color="black", ls="--", lw=1.4)
        ax.set_title(title, fontsize=11)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("day")
    legend_ax = flat[-1]
    legend_ax.axis("off")
    handles = [
        plt.Line2D([], [], color=c, lw=2, label=f"always {b.name.lower()}") for b, c in POLICIES
    ]
    handles.append(plt.Line2D([], [], color="black", ls="--", lw=1.5, label="no-AI twin"))
    legend_ax.legend(handles=handles, loc="center", frameon=False, fontsize=10)
    legend_ax.text(
        0.5,
        0.02,
        f"population 'default', {n_users} users,\nmeans over all users (liking: users present)",
        ha="center",
        va="bottom",
        fontsize=8,
        transform=legend_ax.transAxes,
    )
    fig.suptitle("sagym user model: mean latent trajectories under fixed behaviours", fontsize=13)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=Path("docs/figures/user_model_trajectories.png")
    )
    parser.add_argument("--users", type=int, default=N_USERS)
    parser.add_argument("--days", type=int, default=HORIZON)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    results = {b: simulate(b, args.users, args.days, args.seed) for b, _ in POLICIES}
    plot(results, args.out, args.users)
    t = args.days
    print(
        f"day {t} means (twin: W={results[POLICIES[0][0]].twin['wellbeing'][t]:.3f}, "
        f"connection={results[POLICIES[0][0]].twin['connection'][t]:.3f}, "
        f"competence={results[POLICIES[0][0]].twin['competence'][t]:.3f})"
    )
    for behaviour, _ in POLICIES:
        u = results[behaviour].user
        row = ", ".join(f"{k}={u[k][t]:.3f}" for k in u)
        print(f"  {behaviour.name.lower():20s} {row}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
