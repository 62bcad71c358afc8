"""Weights & Biases tracking: offline by default, so no account is needed.

SB3's own ``WandbCallback`` logs no scalars; here SB3's logger gets an extra output format
(``WandbOutputFormat``, in :mod:`sagym.agents.training`) that forwards every training scalar to
``wandb.log`` against ``global_step``, and outcome metrics are logged by the training callback.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

WANDB_MODES = ("offline", "online", "disabled")


def check_mode(mode: str) -> str:
    if mode not in WANDB_MODES:
        raise ValueError(f"--wandb must be one of {', '.join(WANDB_MODES)}; got {mode!r}")
    return mode


def offline_settings(mode: str) -> dict[str, Any]:
    """Make a W&B run of this ``mode`` try no network connection when it is offline.

    What wandb 0.31 reaches for in offline mode, found by tracing ``sagym train`` (``strace -f -e
    trace=connect``) and by reading wandb's sources, and what turns each off:

    - The process-wide OpenTelemetry proxy (``wandb.analytics``) is built from wandb's global
      settings, which read ``WANDB_MODE`` from the environment, not from ``wandb.init(mode=...)``.
      With ``WANDB_MODE`` unset, an export thread looked up ``api.forge.coreweave.com`` to POST
      a probe to it. ``WANDB_MODE`` is therefore set in ``os.environ`` before wandb is first used
      (a spawned worker inherits it), and ``WANDB_ERROR_REPORTING=false`` turns the Python
      telemetry recorder into a no-op.
    - The Go service ``wandb-core`` exports its own telemetry (OTLP over HTTP) unless it is started
      with ``--no-observability``, which wandb passes exactly when ``WANDB_ERROR_REPORTING`` is
      false (``sdk/lib/service/service_process.py``).
    - ``x_disable_machine_info``: wandb-core's environment probes (cloud instance metadata over
      HTTP: CoreWeave's 169.254.169.254, and in later versions metadata.google.internal) run only
      without it; it also keeps the host name out of run records that people share.
    - ``x_disable_stats``: no system-metrics sampler, which would also scrape any OpenMetrics HTTP
      endpoints configured through ``WANDB_X_STATS_OPEN_METRICS_ENDPOINTS``.

    Kept: git (``git rev-parse`` and ``git diff`` read the local repository only; the commit is
    useful provenance) and run metadata (local). Online runs keep wandb's defaults.

    Checked with ``strace -f -e trace=connect`` over ``sagym train`` and ``sagym compare``
    (wandb-core included): with these settings every connect is to a Unix socket, and
    ``sagym train`` completes inside ``unshare -n`` (no network at all) without waiting.
    ``tests/core/test_offline_network.py`` blocks non-local sockets in every Python process.
    """
    os.environ["WANDB_MODE"] = mode
    if mode != "offline":
        return {}
    os.environ["WANDB_ERROR_REPORTING"] = "false"
    return {"x_disable_machine_info": True, "x_disable_stats": True}


@functools.cache
def git_commit() -> str | None:
    """The commit of the git checkout sagym is installed from (``None`` outside one).

    Local only (``git rev-parse``), bounded in time; any failure (no git, not a checkout, a
    checkout owned by another user) gives ``None``.
    """
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else None


def provenance() -> dict[str, Any]:
    """What produced a run, for its W&B config: the sagym version, the hash of the sources that
    shape its numbers (the hash a comparison's cell cache uses) and the git commit, if any.
    With these a run says what made it even when it was synced from outside a checkout."""
    import sagym
    from sagym.cell_store import sagym_code_hash

    return {
        "sagym_version": sagym.__version__,
        "sagym_code_hash": sagym_code_hash(),
        "git_commit": git_commit(),
    }


def init_run(
    *,
    mode: str,
    directory: str | Path,
    project: str,
    name: str,
    group: str,
    tags: list[str],
    config: Mapping[str, Any],
    job_type: str = "train",
    run_id: str | None = None,
    resume: str | None = None,
    entity: str | None = None,
) -> Any:
    """Start a W&B run (``None`` when disabled). Files go under ``directory/wandb``.

    ``run_id`` fixes the W&B run id (a resumed training run keeps its id) and ``resume`` is
    passed to ``wandb.init`` (``"allow"``: continue the run of that id if it exists). The config
    gets :func:`provenance` (version, code hash, commit).
    """
    check_mode(mode)
    if mode == "disabled":
        return None
    network = offline_settings(mode)  # before wandb's first use: see offline_settings
    import wandb

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("WANDB_SILENT", "true")
    run = wandb.init(
        project=project,
        entity=entity,
        name=name,
        group=group,
        tags=tags,
        config={**dict(config), **provenance()},
        dir=str(directory),
        mode=mode,  # type: ignore[arg-type]
        job_type=job_type,
        id=run_id,
        resume=resume,  # type: ignore[arg-type]
        reinit="finish_previous",
        settings=wandb.Settings(console="off", silent=True, **network),
    )
    run.define_metric("global_step")
    run.define_metric("*", step_metric="global_step")
    return run


def scalars(values: Mapping[str, Any]) -> dict[str, float]:
    """The finite numeric entries of a mapping, as floats."""
    out: dict[str, float] = {}
    for key, value in values.items():
        if isinstance(value, bool | int | float | np.integer | np.floating):
            v = float(value)
            if np.isfinite(v):
                out[key] = v
    return out


def __getattr__(name: str) -> Any:
    """``WandbOutputFormat`` lives with training (it subclasses SB3's ``KVWriter``): importing
    this module loads neither stable-baselines3 nor torch."""
    if name == "WandbOutputFormat":
        from sagym.agents.training import WandbOutputFormat

        return WandbOutputFormat
    raise AttributeError(f"module 'sagym.tracking' has no attribute {name!r}")


def daily_means(trajectories: Any) -> Any:
    """Per design and day, the mean over users and seeds of each signal the report plots (all
    personas together), beside the no-AI twin's: the data of ``trajectories.png``."""
    from sagym.report import TRAJECTORY_PANELS

    columns = [c for panel in TRAJECTORY_PANELS for c in panel[:2] if c in trajectories]
    data = trajectories[trajectories["persona"] == "all"]
    return data.groupby(["design", "day"], sort=False)[columns].mean().reset_index()


def native_charts(results: Any, out: Path) -> dict[str, Any]:
    """W&B tables and line plots of what the PNGs show, so the W&B UI can chart them: the
    per-day trajectories (with the no-AI twin, drawn once) and the probability-of-improvement
    matrix on final wellbeing."""
    import pandas as pd
    import wandb

    from sagym.stats import improvement_matrix

    charts: dict[str, Any] = {}
    poi = improvement_matrix(results, "design", "wellbeing_final")
    charts["improvement/wellbeing_final"] = wandb.Table(
        dataframe=poi.rename_axis("design").reset_index()
    )
    path = Path(out) / "trajectories.csv"
    if not path.exists():
        return charts
    daily = daily_means(pd.read_csv(path))
    charts["trajectories/daily"] = wandb.Table(dataframe=daily)
    designs = list(dict.fromkeys(daily["design"]))
    for signal, twin in (("wellbeing", "twin_wellbeing"), ("human_connection", None)):
        if signal not in daily:
            continue
        first = daily[daily["design"] == designs[0]]
        ys = [daily[daily["design"] == d][signal].tolist() for d in designs]
        keys = list(designs)
        if twin and twin in daily and results["env"].nunique() == 1:  # one twin per env
            ys.append(first[twin].tolist())
            keys.append("no-AI twin")
        charts[f"trajectories/{signal}"] = wandb.plot.line_series(
            xs=first["day"].tolist(), ys=ys, keys=keys, title=f"{signal} by day", xname="day"
        )
    return charts


def log_comparison(config: Any, results: Any, summary: Any, out: Path) -> str | None:
    """One summary run per comparison: the results table, the statistics and the plots."""
    if config.wandb == "disabled":
        return None
    import wandb

    from sagym import wandb_staging

    # Staged and published when complete, under one id per output folder: an interrupted or
    # repeated comparison leaves one summary run for `wandb sync`, not one per attempt.
    out = Path(out)
    run_id = wandb_staging.run_id_for(out)
    stage = wandb_staging.begin(out, "compare")
    tags = [*config.wandb_tags, "comparison"]
    tags += [f"env:{env}" for env in config.envs] + [f"algo:{algo}" for algo in config.algos]
    run = init_run(
        mode=config.wandb,
        directory=stage,
        project=config.wandb_project,
        entity=config.wandb_entity,
        name=f"compare__{out.name}",
        group=config.experiment_name(),
        tags=list(dict.fromkeys(t[:64] for t in tags)),
        config={**config.to_dict(), "experiment": config.experiment_name()},
        job_type="compare",
        run_id=run_id,
    )
    try:
        run.log(
            {
                "results": wandb.Table(dataframe=results),
                "summary": wandb.Table(dataframe=summary),
                **native_charts(results, out),
                **{
                    name: wandb.Image(str(out / f"{name}.png"))
                    for name in ("outcomes", "trajectories", "personas")
                    if (out / f"{name}.png").exists()
                },
            }
        )
        for _, row in summary.iterrows():
            run.summary[f"{row['design']}/{row['metric']}"] = float(row["mean"])
    except BaseException:
        run.finish(exit_code=1)
        raise
    run.finish()
    wandb_staging.publish(out, stage, run_id)
    return str(out / "wandb")
