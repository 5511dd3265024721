"""``python -m ctpx``: the same as the ``ctpx`` command."""
import sys

from .cli import main

sys.exit(main())
