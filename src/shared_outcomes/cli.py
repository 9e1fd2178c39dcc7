"""The `shared-outcomes` console script: thin Typer commands over the core.

Each command parses its options, calls the core and renders the result. Errors are handled in
one place (`run_safely`): a `SharedOutcomesError` prints its title and message, anything
unexpected prints a short apology with what to do, and both exit with code 2. No traceback ever
reaches the user. Exit codes: 0 success (a file accepted, warnings allowed), 1 rejected,
2 usage or configuration error.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console

from shared_outcomes.contracts import find_contract
from shared_outcomes.errors import SharedOutcomesError, UsageError
from shared_outcomes.report import render_report_text, report_json
from shared_outcomes.settings import load_settings
from shared_outcomes.validation import validate_extract

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="shared-outcomes",
    help="Check partner extracts against their contracts, store them, compute shared outcomes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@app.callback()
def root() -> None:
    """Shared Outcomes: partner extracts checked, stored and joined into shared outcomes."""
    # A callback keeps Typer in multi-command mode, so `validate` is a subcommand even while it
    # is the only one.


def _stderr() -> Console:
    return Console(stderr=True, soft_wrap=True)


def fail(title: str, message: str) -> NoReturn:
    """Print a clean error (title and what to do) on stderr and exit with the usage code."""
    _stderr().print(f"[bold red]{title}[/bold red]: {message}", highlight=False, markup=True)
    raise typer.Exit(EXIT_USAGE)


def run_safely(action: Callable[[], T]) -> T:
    """Run a command's body; turn every error into a clean message and exit code 2."""
    try:
        return action()
    except typer.Exit:
        raise
    except SharedOutcomesError as error:
        fail(error.title, error.message)
    except KeyboardInterrupt:
        fail("Interrupted", "stopped before finishing.")
    except Exception as error:  # the last line of defence: never a traceback
        fail(
            "Unexpected error",
            f"{type(error).__name__}: {error}. This is a bug in Shared Outcomes; "
            "please report it with the command you ran.",
        )


def check_period(period: str | None) -> str | None:
    """A submission month must be written YYYY-MM (for example 2016-03)."""
    if period is not None and not _PERIOD.match(period):
        raise UsageError(f"--period {period!r} is not a month: write it as YYYY-MM, e.g. 2016-03.")
    return period


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="The CSV extract to check.")],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset id (its contract's id).")],
    partner: Annotated[str | None, typer.Option("--partner", help="Partner id.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Submission month, YYYY-MM.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
) -> None:
    """Check FILE against the dataset's contract: exit 0 accepted, 1 rejected, 2 usage error."""

    def body() -> int:
        month = check_period(period)
        if not file.is_file():
            raise UsageError(f"{file} does not exist or is not a file: check the path.")
        contract = find_contract(load_settings().contracts_dir, dataset)
        result = validate_extract(
            file, contract, partner=partner, period=month, file_name=file.name
        )
        if as_json:
            sys.stdout.write(report_json(result.report) + "\n")
        else:
            sys.stdout.write(render_report_text(result.report))
        return EXIT_OK if result.report.accepted else EXIT_REJECTED

    raise typer.Exit(run_safely(body))


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit:
        raise
    except BaseException as error:  # never a traceback, even from Click itself
        _stderr().print(f"Unexpected error: {type(error).__name__}: {error}", markup=False)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
