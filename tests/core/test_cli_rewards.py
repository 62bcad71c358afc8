"""``sagym rewards``: every registered reward with its whole description."""

from __future__ import annotations

import pytest

from sagym.cli import main as cli_main
from sagym.rewards import component_rewards, list_rewards


def test_rewards_prints_whole_descriptions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert cli_main(["rewards"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "designs:" and "terms:" in lines
    # Rejoin each entry's wrapped lines: the description must be there in full.
    entries: dict[str, str] = {}
    current = ""
    for line in lines:
        if line.startswith("  ") and not line.startswith(" " * 25):
            current, _, text = line.strip().partition(" ")
            entries[current] = text.strip()
        elif line.startswith(" " * 25):
            entries[current] += " " + line.strip()
    rewards = component_rewards()
    names = [*list_rewards("design"), *list_rewards("term")]
    assert list(entries) == names
    for name in names:
        assert entries[name] == " ".join(rewards[name].doc.split()), name
    # The sentence after "Carroll et al." is printed, not cut.
    assert (
        "It rewards shifting preferences toward what is easy to please." in entries["satisfaction"]
    )
