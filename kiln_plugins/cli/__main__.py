"""``python -m kiln_plugins.cli`` — the same as the ``cru`` script."""

import sys

from . import main

sys.exit(main())
