"""`python -m hil`: the same command line as the `hil` script (useful without the script on PATH)."""

import sys

from hil.cli import main

sys.exit(main())
