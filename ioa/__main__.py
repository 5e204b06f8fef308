"""``python -m ioa``: the same as the ``ioa`` command."""

import sys

from ioa.cli import main

sys.exit(main())
