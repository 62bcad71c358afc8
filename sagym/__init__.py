"""sagym: a reinforcement-learning testbed for nonstationary preference rewards.

Importing the package registers its Gymnasium environments (``sagym/Companion-v0``, ...).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sagym")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from sagym.envs.registration import register_envs

register_envs()

__all__ = ["__version__"]
