"""``python -m sagym`` is the ``sagym`` command."""

import sys

from sagym.cli import main

sys.exit(main())
