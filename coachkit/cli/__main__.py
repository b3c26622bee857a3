"""``python -m coachkit.cli``: the same as the ``coachkit`` console script."""

from coachkit.cli import main

main()
