"""``python -m flows.cli``: the same as the ``duban`` command."""

from flows.cli.main import main

main()
