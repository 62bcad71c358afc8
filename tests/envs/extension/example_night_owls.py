"""A user population of one's own: one file (docs/extending.md)."""

from sagym.envs.user import Persona, Population, register_population

NIGHT_OWL = Persona(
    "night_owl",
    centres={"social_baseline": 0.3, "habit_rate": 0.08, "return_bias": 0.5},
    preferences={"streak_reminder": 2.0, "companion_intimacy": 1.5},
    description="Lonely late-night users who like streaks.",
)
register_population(
    Population("night_owls", (NIGHT_OWL,), (1.0,), "Night owls only."), overwrite=True
)
