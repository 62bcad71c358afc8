"""Which folders a comparison may write into.

A comparison writes ``results.csv``, ``report.md`` and more at the top of ``--out``; pointed at a
folder that holds someone's own files or another experiment's results it would silently replace
them. So it writes only into a folder that is new, empty, or holds this same experiment (its
``compare_config.json`` names the same grid), and only files sagym writes. Adding reward designs,
baselines or seeds to an experiment keeps it the same experiment: the finished cells are reused.
Changing what every cell means (environments, env kwargs, algorithms, steps, horizon, population,
evaluation users, hyperparameters, pinned user parameters) makes it another experiment. ``force``
overrides.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sagym import wandb_staging
from sagym.run_lock import LOCK_NAME

CONFIG_NAME = "compare_config.json"
# Everything a comparison writes at the top of its output folder.
SAGYM_NAMES = frozenset(
    {
        CONFIG_NAME,
        LOCK_NAME,
        "results.csv",
        "trajectories.csv",
        "timings.json",
        "summary.csv",
        "report.md",
        "outcomes.png",
        "trajectories.png",
        "trajectories_personas.png",
        "personas.png",
        "runs",
        "wandb",
        wandb_staging.STAGING,
        wandb_staging.ID_FILE,
    }
)
# A temporary file of sagym.io's atomic writer, left by a writer that was killed.
_TEMPORARY = re.compile(r"^\.[^/]+\.[^/.]+\.tmp(\.\w+)?$")
# The settings that define an experiment: two configs that differ in one are different ones.
IDENTITY = (
    "envs",
    "env_kwargs",
    "algos",
    "steps",
    "n_envs",
    "horizon",
    "population",
    "eval_users",
    "eval_seed",
    "hyperparams",
    "user_overrides",
)


def is_temporary(name: str) -> bool:
    """A temporary file of ``sagym.io``'s atomic writer (left behind only by a killed writer)."""
    return bool(_TEMPORARY.match(name))


def remove_temporaries(folder: Path) -> int:
    """Delete the temporary files killed writers left in ``folder``; call with the lock held."""
    removed = 0
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and is_temporary(path.name):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def output_path(out: Any) -> Path:
    """``out`` as a folder path, or a ValueError naming what was given."""
    if not isinstance(out, str | Path) or not str(out).strip():
        raise ValueError(f"out must name a folder; got {out!r}")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ValueError(f"out must be a folder; {str(path)!r} is a file")
    return path


def identity(config: dict[str, Any]) -> dict[str, Any]:
    """The settings that make an experiment what it is (lists as sorted sets)."""
    picked: dict[str, Any] = {}
    for name in IDENTITY:
        value = config.get(name)
        if name == "env_kwargs" and value is None:
            value = {}  # written before env kwargs existed: none were given
        if name in ("envs", "algos") and isinstance(value, list):
            value = sorted(set(map(str, value)))
        picked[name] = value
    normal: dict[str, Any] = json.loads(json.dumps(picked, sort_keys=True, default=str))
    return normal


def check_output_folder(out: Path, config: dict[str, Any], force: bool) -> None:
    """Raise a ValueError if ``out`` holds files that are not this experiment's."""
    if force or not out.is_dir():
        return
    entries = sorted(p.name for p in out.iterdir())
    foreign = [n for n in entries if n not in SAGYM_NAMES and not is_temporary(n)]
    ours = [n for n in entries if n in SAGYM_NAMES and n != LOCK_NAME]
    if ours and CONFIG_NAME not in entries:
        foreign = sorted({*foreign, *ours})  # e.g. a results.csv of the user's own
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        shown = ", ".join(foreign[:5]) + more
        raise ValueError(
            f"output folder {out} holds files sagym did not write ({shown}); choose a new or "
            "empty folder, or pass --force to write there anyway"
        )
    if CONFIG_NAME not in entries:
        return
    try:
        previous = json.loads((out / CONFIG_NAME).read_text())
        if not isinstance(previous, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as err:
        raise ValueError(
            f"output folder {out} has an unreadable {CONFIG_NAME} ({err}); choose another folder "
            "or pass --force to replace it"
        ) from None
    old, new = identity(previous), identity(config)
    changed = [k for k in IDENTITY if old[k] != new[k]]
    if changed:
        diffs = "; ".join(f"{k}: {_show(old[k])} there, {_show(new[k])} here" for k in changed)
        raise ValueError(
            f"output folder {out} holds another experiment ({diffs}); choose another --out, or "
            "pass --force to rerun every cell there"
        )


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
