"""The user-extension examples of docs/extending.md live in ``extension/``, importable by name."""

import sys
from pathlib import Path

EXTENSION = Path(__file__).resolve().parent / "extension"
if str(EXTENSION) not in sys.path:
    sys.path.insert(0, str(EXTENSION))
