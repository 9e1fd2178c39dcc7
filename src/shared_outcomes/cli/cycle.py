"""The monthly cycle on the command line: `shared-outcomes obligations`, the returns every
partner owes and how each stands (`figures.obligations`), and `shared-outcomes nil-return`, a
partner's declaration that it has nothing to report for a month."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shared_outcomes.cli.opening import DbOption, open_existing, open_workspace
from shared_outcomes.errors import UsageError
from shared_outcomes.period import Period

if TYPE_CHECKING:
    import polars as pl

    from shared_outcomes.figures.obligations import Obligation


def obligations_command(run_safely: Callable[[Callable[[], int]], int]) -> Callable[..., None]:
    """The `obligations` command, run through the CLI's error handling (`run_safely`)."""

    def obligations(
        period: Annotated[
            str | None,
            typer.Option("--period", help="One month, YYYY-MM (default: the 12 months to now)."),
        ] = None,
        partner: Annotated[
            str | None, typer.Option("--partner", help="Only this partner (its id).")
        ] = None,
        state: Annotated[
            list[str] | None,
            typer.Option(
                "--state",
                help="Only this state (repeatable): 'not yet due', 'due soon', overdue, "
                "accepted, 'accepted with warnings', 'rejected, not yet corrected', "
                "'nil return', excused.",
            ),
        ] = None,
        output: Annotated[
            str, typer.Option("--format", help="table, json or csv.", case_sensitive=False)
        ] = "table",
        today: Annotated[
            str | None,
            typer.Option("--today", help="Count the states as on this day, YYYY-MM-DD."),
        ] = None,
        db: DbOption = None,
        acting_as: Annotated[
            str | None,
            typer.Option(
                "--as",
                help="Act as this user (a partner's submitter sees only its own partner's); "
                "without it in demo mode, the shared view.",
            ),
        ] = None,
    ) -> None:
        """The returns each partner owes, month by month: due date and state, and a summary
        per partner."""

        def body() -> int:
            from shared_outcomes.access.roles import Identity, Role
            from shared_outcomes.figures.obligations import obligations_frame, summary_frame

            kind = output.lower()
            if kind not in ("table", "json", "csv"):
                raise UsageError(f"--format {output!r} is not known: use table, json or csv.")
            day = _day(today)
            months = [str(Period.parse(period, what="--period"))] if period else None
            workspace = open_workspace(db, create=False)
            found = workspace.cli_identity(acting_as)
            viewer = found or Identity("cli", "command line (shared view)", Role.LEADERSHIP)
            owed = workspace.obligations(
                viewer, months=months, partner=partner, states=state or (), today=day
            )
            partners = workspace.partnership.partners
            titles = {d: c.title for d, c in workspace.contracts.items()}
            if kind == "json":
                records = [_record(o) for o in owed]
                sys.stdout.write(json.dumps(records, indent=2) + "\n")
            elif kind == "csv":
                from shared_outcomes.present.exports import to_safe_csv

                sys.stdout.write(to_safe_csv(_records_frame(owed)).decode("utf-8-sig"))
            else:
                console = Console(width=max(Console().width, 140))
                console.print(_table(obligations_frame(owed, partners, titles), "Obligations"))
                console.print(_table(summary_frame(owed, partners), "Summary per partner"))
            return 0

        raise typer.Exit(run_safely(body))

    return obligations


def nil_return_command(run_safely: Callable[[Callable[[], int]], int]) -> Callable[..., None]:
    """The `nil-return` command, run through the CLI's error handling (`run_safely`)."""

    def nil_return(
        partner: Annotated[str, typer.Option("--partner", help="The partner (its id).")],
        dataset: Annotated[str, typer.Option("--dataset", help="The dataset (its id).")],
        period: Annotated[str, typer.Option("--period", help="The month, YYYY-MM.")],
        reason: Annotated[
            str | None, typer.Option("--reason", help="Why there is nothing to report.")
        ] = None,
        db: DbOption = None,
        acting_as: Annotated[
            str | None,
            typer.Option(
                "--as", help="Who declares it: a user id (in demo mode, e.g. demo-bolton_council)."
            ),
        ] = None,
    ) -> None:
        """Declare that the partner has nothing to report for a dataset and month: recorded
        like a submission, its part of the figures counted as zero, on time if by the deadline.
        """

        def body() -> int:
            workspace = open_existing(db)
            who = workspace.cli_identity(acting_as)
            if who is None:
                raise UsageError(
                    "say who declares the nil return with --as USER (in demo mode, the partner's "
                    f"demo submitter, e.g. --as demo-{partner}).",
                    title="Who is declaring it?",
                )
            stored = workspace.nil_return(
                who, dataset=dataset, partner=partner, period=period, reason=reason
            )
            Console(soft_wrap=True, highlight=False).print(
                f"Recorded nil return #{stored.submission_id}: {partner} has nothing to report "
                f"for {dataset}, {period}"
                + (f" (replaces submission #{stored.supersedes})." if stored.supersedes else "."),
                markup=False,
            )
            return 0

        raise typer.Exit(run_safely(body))

    return nil_return


def _records_frame(owed: list[Obligation]) -> pl.DataFrame:
    import polars as pl

    schema = {"partner_id": pl.String, "dataset": pl.String, "period": pl.String,
              "due": pl.String, "state": pl.String, "on_time": pl.Boolean,
              "submission_id": pl.Int64, "received_at": pl.String}  # fmt: skip
    return pl.DataFrame([_record(o) for o in owed], schema=schema)


def _record(o: Obligation) -> dict[str, object]:
    return {
        "partner_id": o.partner_id,
        "dataset": o.dataset,
        "period": o.period,
        "due": o.due.isoformat(),
        "state": str(o.state),
        "on_time": o.on_time,
        "submission_id": o.submission_id,
        "received_at": None if o.received_at is None else o.received_at.isoformat(),
    }


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date: write it as YYYY-MM-DD.") from None


def _table(frame: pl.DataFrame, title: str) -> Table:
    table = Table(title=Text(f"{title} ({frame.height})"))
    for heading in frame.columns:
        table.add_column(heading)
    for row in frame.iter_rows():
        table.add_row(*(Text(str(cell)) for cell in row))  # names shown as written, never markup
    return table
