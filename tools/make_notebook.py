"""Write ``notebooks/compare_rewards.ipynb`` from the cells below (a reviewable source).

The notebook shows every figure inline (``%matplotlib inline``; sagym's figures are
``matplotlib.figure.Figure`` objects, shown with ``display``) and writes no file: run headless
with ``jupyter execute notebooks/compare_rewards.ipynb`` it leaves ``notebooks/`` as it was.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        "# Comparing reward designs\n\n"
        "Loads a results folder written by `sagym compare` (default `results/default`, or the "
        "folder in the `SAGYM_RESULTS` environment variable), reproduces the report's plots and "
        "extends them: the engagement–wellbeing trade-off per run, and the probability that one "
        "design beats another on every outcome.",
    ),
    (
        "code",
        "%matplotlib inline\n"
        "import os\n"
        "from pathlib import Path\n\n"
        "import matplotlib.pyplot as plt\n"
        "import numpy as np\n"
        "import pandas as pd\n"
        "from IPython.display import display\n\n"
        "from sagym.outcomes import METRIC_DIRECTION\n"
        "from sagym.report import (\n"
        "    HEADLINE_METRICS, outcome_figure, persona_figure, persona_trajectory_figure,\n"
        "    trajectory_figure,\n"
        ")\n"
        "from sagym.stats import format_table, improvement_matrix, summarize\n\n"
        "RESULTS = Path(os.environ.get('SAGYM_RESULTS', '../results/default'))\n"
        "results = pd.read_csv(RESULTS / 'results.csv')\n"
        "trajectories = pd.read_csv(RESULTS / 'trajectories.csv')\n"
        "designs = list(dict.fromkeys(results['design']))\n"
        "print(f'{len(results)} runs, designs: {designs}')",
    ),
    ("markdown", "## Outcomes with 95 % bootstrap intervals over seeds"),
    (
        "code",
        "metrics = [m for m in HEADLINE_METRICS if m in results]\n"
        "summary = summarize(results, 'design', metrics, seed=0)\n"
        "print(format_table(summary, 'design', metrics))\n"
        "display(outcome_figure(summary, designs))",
    ),
    ("markdown", "## Trajectories over the horizon and outcomes by persona"),
    (
        "code",
        "display(trajectory_figure(trajectories, designs))\n"
        "days_by_persona = persona_trajectory_figure(trajectories, designs)\n"
        "if days_by_persona is not None:\n"
        "    display(days_by_persona)\n"
        "by_persona = persona_figure(results, designs)\n"
        "if by_persona is not None:\n"
        "    display(by_persona)",
    ),
    (
        "markdown",
        "## Extension: what engagement costs\n\nEach point is one trained agent: time spent "
        "with the AI against its users' wellbeing relative to their no-AI twins.",
    ),
    (
        "code",
        "fig, ax = plt.subplots(figsize=(5, 4))\n"
        "for design in designs:\n"
        "    sub = results[results['design'] == design]\n"
        "    ax.scatter(sub['engagement'], sub['wellbeing_vs_counterfactual'], label=design)\n"
        "ax.axhline(0, color='black', linewidth=0.5)\n"
        "ax.set_xlabel('engagement (daily time with the AI)')\n"
        "ax.set_ylabel('wellbeing vs no-AI twin')\n"
        "ax.legend(); plt.show()\n"
        "corr = np.corrcoef(results['engagement'], results['wellbeing_vs_counterfactual'])[0, 1]\n"
        "print(f'correlation across runs: {corr:+.2f}')",
    ),
    ("markdown", "## Extension: probability of improvement on every outcome"),
    (
        "code",
        "better = [m for m in metrics if METRIC_DIRECTION.get(m, 0) != 0]\n"
        "fig, axes = plt.subplots(\n"
        "    1, len(better), figsize=(2.6 * len(better), 2.8), squeeze=False\n"
        ")\n"
        "for ax, metric in zip(axes[0], better):\n"
        "    poi = improvement_matrix(\n"
        "        results, 'design', metric, higher_is_better=METRIC_DIRECTION[metric] > 0\n"
        "    )\n"
        "    ax.imshow(poi.to_numpy(dtype=float), vmin=0, vmax=1, cmap='RdBu')\n"
        "    ax.set_title(metric, fontsize=8)\n"
        "    ax.set_xticks(range(len(poi)), poi.columns, rotation=90, fontsize=7)\n"
        "    ax.set_yticks(range(len(poi)), poi.index, fontsize=7)\n"
        "plt.tight_layout(); plt.show()",
    ),
]


def build() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for kind, source in CELLS:
        cell = (
            nbformat.v4.new_markdown_cell(source)
            if kind == "markdown"
            else nbformat.v4.new_code_cell(source)
        )
        nb.cells.append(cell)
    return nb


if __name__ == "__main__":
    path = Path(__file__).resolve().parents[1] / "notebooks" / "compare_rewards.ipynb"
    nbformat.write(build(), str(path))
    print(path)
