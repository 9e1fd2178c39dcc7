"""The monthly cycle on the command line: `shared-outcomes obligations`, the returns every
partner owes and how each stands (`figures.obligations`); `shared-outcomes nil-return`, a
partner's declaration that it has nothing to report for a month; `shared-outcomes excuse`, the
centre excusing a return; `shared-outcomes remind`, the daily reminder e-mails about returns
and about data sharing agreements due for review (`jobs.reminders`), and `shared-outcomes
reminders pause|paused`, a partner's pause of its return reminders.

`remind` exits 0 when every reminder was sent (or on a dry run), 1 when the mail server could
not be reached, refused the login or refused a message (what was sent is recorded, and the
next run sends the rest), 2 on a usage or configuration error (no mail server configured)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, timedelta
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
    from shared_outcomes.jobs.reminders import Outgoing, RemindResult, ReviewReminder, Withheld

RunSafely = Callable[[Callable[[], int]], int]


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


def excuse_command(run_safely: RunSafely) -> Callable[..., None]:
    """The `excuse` command, run through the CLI's error handling (`run_safely`)."""

    def excuse(
        partner: Annotated[str, typer.Option("--partner", help="The partner (its id).")],
        dataset: Annotated[str, typer.Option("--dataset", help="The dataset (its id).")],
        period: Annotated[str, typer.Option("--period", help="The month, YYYY-MM.")],
        reason: Annotated[str, typer.Option("--reason", help="Why the return is excused.")],
        db: DbOption = None,
        acting_as: Annotated[
            str | None,
            typer.Option(
                "--as",
                help="Who excuses it: an administrator or the data-standards team (in demo mode, "
                "e.g. demo-oversight).",
            ),
        ] = None,
    ) -> None:
        """Excuse a partner's return (the centre's decision, with a reason): it reads "excused"
        instead of overdue, and is not reminded, until an extract or a nil return is accepted."""

        def body() -> int:
            workspace = open_existing(db)
            who = workspace.cli_identity(acting_as)
            if who is None:
                raise UsageError(
                    "say who excuses the return with --as USER: an administrator or the "
                    "data-standards team (in demo mode, e.g. --as demo-oversight).",
                    title="Who is excusing it?",
                )
            made = workspace.excuse(
                who, partner=partner, dataset=dataset, period=period, reason=reason
            )
            name = workspace.partnership.partners[partner].name
            _plain().print(
                f"Excused {name}'s {dataset} for {period} (excusal #{made.excusal_id}): it reads "
                "'excused' until an extract or a nil return is accepted.",
                markup=False,
            )
            return 0

        raise typer.Exit(run_safely(body))

    return excuse


def remind_command(run_safely: RunSafely) -> Callable[..., None]:
    """The `remind` command (for cron, daily), run through the CLI's error handling."""

    def remind(
        today: Annotated[
            str | None,
            typer.Option("--today", help="Remind as on this day, YYYY-MM-DD (default: today)."),
        ] = None,
        dry_run: Annotated[
            bool,
            typer.Option("--dry-run", help="Print what would be sent; send and record nothing."),
        ] = False,
        db: DbOption = None,
    ) -> None:
        """E-mail each partner's contacts about its returns due soon and overdue: one message
        per partner and stage, each reminder once; paused partners are skipped. And each party's
        contacts about a data sharing agreement due for review within 60 days, once per review
        date (a pause does not hold these back)."""

        def body() -> int:
            from shared_outcomes.jobs.reminders import remind as run_reminders

            day = _day(today)
            workspace = open_workspace(db, create=False) if dry_run else open_existing(db)
            result = run_reminders(workspace, today=day, dry_run=dry_run)
            _print_result(result)
            return result.exit_code

        raise typer.Exit(run_safely(body))

    return remind


def reminders_commands(run_safely: RunSafely) -> typer.Typer:
    """The `reminders` sub-commands (`pause`, `paused`), run through the CLI's error handling."""
    reminders = typer.Typer(
        help="Pause a partner's reminder e-mails until a day, and list the pauses in force.",
        no_args_is_help=True,
    )

    @reminders.command("pause")
    def pause(
        partner: Annotated[str, typer.Option("--partner", help="The partner (its id).")],
        until: Annotated[
            str,
            typer.Option(
                "--until", help="The last day with no reminders, YYYY-MM-DD (today or later)."
            ),
        ],
        reason: Annotated[str | None, typer.Option("--reason", help="Why (optional).")] = None,
        db: DbOption = None,
        acting_as: Annotated[
            str | None,
            typer.Option(
                "--as",
                help="Who pauses them: the partner's submitter, the data-standards team or an "
                "administrator (in demo mode, e.g. demo-bolton_council).",
            ),
        ] = None,
    ) -> None:
        """Pause a partner's reminders until a day (inclusive); they go again the day after.
        A new pause replaces the partner's last one."""

        def body() -> int:
            from shared_outcomes.jobs.reminders import long_date

            last_day = _date(until, "--until")
            workspace = open_existing(db)
            who = workspace.cli_identity(acting_as)
            if who is None:
                raise UsageError(
                    "say who pauses the reminders with --as USER (in demo mode, the partner's "
                    f"demo submitter, e.g. --as demo-{partner}).",
                    title="Who is pausing them?",
                )
            made = workspace.pause_reminders(who, partner=partner, until=last_day, reason=reason)
            name = workspace.partnership.partners[partner].name
            _plain().print(
                f"Reminders to {name} are paused until {long_date(made.paused_until)} "
                f"(inclusive); they go again from "
                f"{long_date(made.paused_until + timedelta(days=1))}.",
                markup=False,
            )
            return 0

        raise typer.Exit(run_safely(body))

    @reminders.command("paused")
    def paused(
        db: DbOption = None,
        acting_as: Annotated[
            str | None,
            typer.Option(
                "--as",
                help="Act as this user (a partner's submitter sees its own partner's pause; "
                "without it in demo mode, every partner's).",
            ),
        ] = None,
    ) -> None:
        """The pauses in force: each paused partner, until when, by whom and why."""

        def body() -> int:
            from shared_outcomes.access.roles import Identity, Role
            from shared_outcomes.jobs.reminders import long_date

            workspace = open_workspace(db, create=False)
            found = workspace.cli_identity(acting_as)
            viewer = found or Identity("cli", "command line (the centre's view)", Role.OVERSIGHT)
            pauses = workspace.reminder_pauses(viewer)
            if not pauses:
                _plain().print("No partner's reminders are paused.", markup=False)
                return 0
            partners = workspace.partnership.partners
            table = Table(title=Text(f"Reminders paused ({len(pauses)})"))
            for heading in ("Partner", "Paused until", "By", "On", "Reason"):
                table.add_column(heading)
            for p in pauses:
                name = partners[p.partner_id].name if p.partner_id in partners else p.partner_id
                cells = (name, long_date(p.paused_until), p.paused_by,
                         p.paused_at.strftime("%Y-%m-%d %H:%M UTC"), p.reason or "")  # fmt: skip
                table.add_row(*(Text(cell) for cell in cells))
            Console(width=max(Console().width, 120)).print(table)
            return 0

        raise typer.Exit(run_safely(body))

    return reminders


def _print_result(result: RemindResult) -> None:
    """What a reminder run did, as people read it: sent (or would be), skipped, warnings on
    standard output; a failure on standard error."""
    from shared_outcomes.jobs.reminders import STAGE_WORDS, long_date

    out = _plain()
    day = long_date(result.today)
    if result.dry_run:
        reviews = (
            f" and {_count(len(result.reviews_sent), 'agreement review reminder')}"
            if result.reviews_sent
            else ""
        )
        out.print(
            f"Dry run for {day}: {_count(len(result.sent), 'reminder')}{reviews} would be sent; "
            "nothing was sent or recorded.",
            markup=False,
        )
        previews: list[Outgoing] = [*result.sent, *result.reviews_sent]
        for item in previews:
            out.print(_preview(item), markup=False)
    elif result.sent or result.reviews_sent:
        if result.sent:
            returns = sum(len(c.reminder.obligations) for c in result.sent)
            out.print(
                f"Sent {_count(len(result.sent), 'reminder')} ({_count(returns, 'return')}) for "
                f"{day}:",
                markup=False,
            )
        for item in result.sent:
            r = item.reminder
            out.print(
                f"  {STAGE_WORDS[r.stage]}: {r.partner.name}, to {', '.join(r.recipients)}: "
                f"{_count(len(r.obligations), 'return')}",
                markup=False,
            )
        _print_reviews_sent(result)
    elif not result.failure and not result.refused and not result.reviews_refused:
        out.print(f"No reminder to send for {day}.", markup=False)
    for withheld in result.paused:
        out.print(_paused_words(withheld), markup=False)
    for withheld in result.no_address:
        out.print(
            f"Warning: {withheld.partner.name} ({withheld.partner.id}) has "
            f"{_count(len(withheld.obligations), 'return')} to remind but no contact address: "
            "add its `contacts:` in data_contracts/partners.yaml. Nothing was recorded, so it "
            "is reminded once it has one.",
            markup=False,
        )
    for review in result.reviews_no_address:
        out.print(_no_address_for_review(review), markup=False)
    _print_refusals(result)


def _print_reviews_sent(result: RemindResult) -> None:
    from shared_outcomes.jobs.reminders import long_date

    if not result.reviews_sent:
        return
    out = _plain()
    out.print(
        f"Sent {_count(len(result.reviews_sent), 'agreement review reminder')} for "
        f"{long_date(result.today)}:",
        markup=False,
    )
    for item in result.reviews_sent:
        v = item.review
        out.print(
            f"  review due {long_date(v.agreement.review)}: {v.agreement.id}, "
            f"{v.partner.name}, to {', '.join(v.recipients)}",
            markup=False,
        )


def _no_address_for_review(review: ReviewReminder) -> str:
    from shared_outcomes.jobs.reminders import long_date

    a, partner = review.agreement, review.partner
    return (
        f"Warning: {partner.name} ({partner.id}) is a party to the agreement {a.id} ({a.title}), "
        f"due for review on {long_date(a.review)}, but has no contact address to remind: add "
        "its `contacts:` in data_contracts/partners.yaml. Nothing was recorded, so it is "
        "reminded once it has one."
    )


def _print_refusals(result: RemindResult) -> None:
    """The addresses and messages the mail server refused, and why a run stopped."""
    from shared_outcomes.jobs.reminders import STAGE_WORDS

    out, err = _plain(), Console(stderr=True, soft_wrap=True, highlight=False)
    partly: list[tuple[Outgoing, str]] = [*result.partly_refused, *result.reviews_partly_refused]
    for item, why in partly:
        out.print(
            f"Warning: the mail server refused some addresses of {item.about} ({why}); it went "
            "to the others. Check its contacts in data_contracts/partners.yaml.",
            markup=False,
        )
    refused: list[tuple[Outgoing, str]] = [*result.refused, *result.reviews_refused]
    for item, why in refused:
        err.print(
            f"Not sent: the mail server refused every address of {item.about} ({why}). Check "
            "its contacts in data_contracts/partners.yaml; nothing was recorded, so the next "
            "run tries again.",
            markup=False,
        )
    if result.failure:
        left = [
            *(
                f"{c.reminder.partner.name} ({STAGE_WORDS[c.reminder.stage]})"
                for c in result.unsent
            ),
            *(
                f"{c.review.partner.name} (review of {c.review.agreement.id})"
                for c in result.reviews_unsent
            ),
        ]
        err.print(
            f"Could not send the reminders: {result.failure}"
            + (f" Not sent: {', '.join(left)}." if left else ""),
            markup=False,
        )


def _preview(item: Outgoing) -> str:
    rule = "-" * 76
    return (
        f"{rule}\nTo: {item.message['To']}\nFrom: {item.message['From']}\n"
        f"Subject: {item.subject}\n\n{item.text}"
    )


def _paused_words(withheld: Withheld) -> str:
    from shared_outcomes.jobs.reminders import long_date

    pause = withheld.pause
    assert pause is not None  # a paused partner's `Withheld` carries its pause
    why = f": {pause.reason}" if pause.reason else ""
    return (
        f"Skipped {withheld.partner.name} ({_count(len(withheld.obligations), 'return')}): "
        f"reminders paused until {long_date(pause.paused_until)} by {pause.paused_by}{why}."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _plain() -> Console:
    return Console(soft_wrap=True, highlight=False)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date: write it as YYYY-MM-DD.") from None


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
