"""PyInstaller's entry point: the same ``main`` as the ``nst-desktop`` console script."""

import sys

from nst_desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
