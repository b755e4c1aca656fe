"""``python -m snapassist``: the same as the ``snapassist`` command."""
import sys

from .cli import main

sys.exit(main())
