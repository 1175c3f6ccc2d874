"""`python -m poetpad` runs the same entry point as the `poetpad` command."""

import multiprocessing
import sys

from poetpad.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
