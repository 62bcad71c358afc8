"""The user-extension examples of docs/extending.md live in ``extension/``, importable by name."""

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sagym.signals import DaySignals

EXTENSION = Path(__file__).resolve().parent / "extension"
if str(EXTENSION) not in sys.path:
    sys.path.insert(0, str(EXTENSION))


@pytest.fixture(scope="session")
def assert_signals_close() -> Callable[[DaySignals, DaySignals], None]:
    """Every field of two days' signals equal to 1e-12 (the kernel against the numpy reference)."""

    def check(got: DaySignals, want: DaySignals) -> None:
        for field in dataclasses.fields(DaySignals):
            np.testing.assert_allclose(
                np.asarray(getattr(got, field.name), dtype=float),
                np.asarray(getattr(want, field.name), dtype=float),
                rtol=0,
                atol=1e-12,
                err_msg=field.name,
            )

    return check
