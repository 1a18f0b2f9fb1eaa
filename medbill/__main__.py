"""``python -m medbill``: the ``medbill`` command line."""

import sys

from medbill.cli import main

sys.exit(main())
