"""Train one agent: ``python scripts/train.py --env sagym/Companion-v0 --reward engagement``.

The same code as ``sagym train``; see ``--help``.
"""

import sys

from sagym.train_cli import main

if __name__ == "__main__":
    sys.exit(main())
