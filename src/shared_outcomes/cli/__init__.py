"""The `shared-outcomes` command line: thin Typer commands over the facade and the jobs."""

from shared_outcomes.cli.main import app, main

__all__ = ["app", "main"]
