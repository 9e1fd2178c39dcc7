"""`python -m shared_outcomes.cli`: the same commands as the console script."""

from shared_outcomes.cli.main import main

main()
