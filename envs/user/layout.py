"""Names of the rows of the packed matrices that carry parameters and state into the kernel.

The compiled kernel takes a few matrices instead of one argument per array: a ``(fields, users)``
parameter matrix, a configuration vector, a constants matrix, and state matrices whose rows are
named here. Every row index the kernel uses is derived from these name tuples (and the parameter
dataclasses' field order), never numbered by hand, so two same-shaped arrays cannot be swapped by
position: the names are the contract, and a test checks the state views against them.
"""

from __future__ import annotations

import hashlib

import numpy as np

from sagym.envs.user.params import (
    WELLBEING_FRUS_WEIGHTS,
    WELLBEING_SAT_WEIGHTS,
    ModelConfig,
    UserParams,
    field_ranges,
)

# Per-user parameters: rows of ``UserModel.param_matrix``, in UserParams field order.
PARAM_ROWS: tuple[str, ...] = tuple(field_ranges(UserParams))
# Mechanism constants: entries of the configuration vector, in ModelConfig field order.
CONFIG_ROWS: tuple[str, ...] = tuple(field_ranges(ModelConfig))

# Need targets without the AI: target = base + slope · driver (docs/user-model.md, section 11),
# and the wellbeing weights (section 12); columns autonomy, competence, relatedness.
CONSTANT_ROWS: tuple[str, ...] = (
    "sat_base",
    "sat_slope",
    "frus_base",
    "frus_slope",
    "wellbeing_sat",
    "wellbeing_frus",
)
CONSTANTS = np.array(
    [
        [0.55, 0.2, 0.1],
        [0.0, 0.6, 0.8],
        [0.15, 0.45, 0.6],
        [0.0, -0.45, -0.6],
        WELLBEING_SAT_WEIGHTS,
        WELLBEING_FRUS_WEIGHTS,
    ]
)
CONSTANTS.setflags(write=False)

# Scalar latent levels of the user and the twin: rows of the ``(levels, 2, n)`` state matrix.
LEVEL_ROWS: tuple[str, ...] = ("social", "bond", "skill", "dependence", "attachment")
# Need states: rows of the ``(2, 2, n, 3)`` needs matrix (satisfaction, frustration).
NEED_ROWS: tuple[str, ...] = ("sat", "frus")
# What the user remembers, user only: rows of the ``(memory, n)`` matrix.
MEMORY_ROWS: tuple[str, ...] = ("rating_memory", "mood")

# Rows of the kernel's ``(outputs, n)`` result matrix.
OUT_ROWS: tuple[str, ...] = (
    "present",
    "session_time",
    "rating",
    "rating_initial",
    "rating_natural",
    "liking",
    "wellbeing_before",
    "wellbeing",
    "twin_wellbeing",
    "human_connection",
    "twin_human_connection",
    "dependence",
    "attachment",
    "loneliness",
    "skill",
    "induced_shift",
    "drift_from_initial",
    "mood",
    "violation",
    "churned",
)
# Rows of the ``(6, n, 3)`` need outputs.
# The twin's needs are output for the need floor (section 20), which signals compute when read.
OUT_NEED_ROWS: tuple[str, ...] = (
    "need_sat_before",
    "need_frus_before",
    "need_sat",
    "need_frus",
    "twin_need_sat",
    "twin_need_frus",
)

# Counter offset of the daily coming-back draw (day counters are small, so it never collides).
RETURN_COUNTER_OFFSET = np.uint64(0x5A5A_0000_0000)


def compiled_constants_digest() -> str:
    """A digest of every module constant the compiled kernel freezes at compile time.

    numba's on-disk cache is invalidated only when ``kernel.py`` itself changes, not when a
    constant it imports does (these row names, the effect columns, the noise hash constants).
    ``kernel.COMPILED_FOR`` holds this digest as a literal and a test compares the two, so a
    change here fails until ``kernel.py`` is edited, which makes numba recompile.
    """
    from sagym.envs.user import actions, noise

    parts = [
        PARAM_ROWS, CONFIG_ROWS, CONSTANT_ROWS, LEVEL_ROWS, NEED_ROWS, MEMORY_ROWS, OUT_ROWS,
        OUT_NEED_ROWS, int(RETURN_COUNTER_OFFSET), actions.EFFECT_COLUMNS,
        *(int(getattr(noise, name)) for name in ("_GOLDEN", "_MIX1", "_MIX2", "_S11", "_S27",
                                                 "_S30", "_S31")),
        float(noise._TO_UNIT),
    ]  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
