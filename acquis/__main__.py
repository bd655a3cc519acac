"""`python -m acquis` is the `acquis` command."""

from acquis.cli import main

main()
