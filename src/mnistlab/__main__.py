"""``python -m mnistlab``: the command line."""

from mnistlab.cli import main

main()
