"""Compare reward designs: ``python scripts/compare.py --rewards engagement need_support``.

The same code as ``sagym compare``; see ``--help``.
"""

import sys

from sagym.compare_cli import main

if __name__ == "__main__":
    sys.exit(main())
