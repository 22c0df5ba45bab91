"""``python -m playground``: same as the ``optimizer-playground`` script."""
import sys

from playground.cli import main

sys.exit(main(sys.argv[1:]))
