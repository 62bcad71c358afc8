"""Report helpers: designs whose seeds collapsed to one policy are called out."""

from __future__ import annotations

import pandas as pd

from sagym.report import collapse_note, collapsed_designs


def test_collapsed_designs_are_those_with_identical_seeds() -> None:
    results = pd.DataFrame(
        {
            "design": ["a", "a", "b", "b", "c"],
            "wellbeing_final": [0.3, 0.3, 0.4, 0.5, 0.1],
            "engagement": [0.8, 0.8, 0.2, 0.2, 0.4],
        }
    )
    assert collapsed_designs(results, ["wellbeing_final", "engagement"]) == ["a"]
    assert "every seed of a ended with identical outcomes" in collapse_note(["a"])
