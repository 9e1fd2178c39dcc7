"""Retention and erasure on the command line: `shared-outcomes retention`, the submissions kept
past their data sharing agreement's retention period (a dry run unless `--apply`), and
`shared-outcomes erase`, one submission's erasure on a valid request, asked for by one
administrator and confirmed by another (`jobs.retention`, `Warehouse.erase`).

Both exit 0 when done (or on a dry run) and 2 otherwise, with the reason: no --as, a role that
may not, an unknown or already erased submission, nothing to confirm, the same administrator
confirming their own request, or another `retention --apply` already at work.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shared_outcomes.cli.opening import DbOption, open_existing
from shared_outcomes.errors import UsageError

if TYPE_CHECKING:
    from shared_outcomes.access.roles import Identity
    from shared_outcomes.jobs.retention import Expired, RetentionPlan
    from shared_outcomes.workspace import Workspace

RunSafely = Callable[[Callable[[], int]], int]
ProgressBar = Callable[[str], AbstractContextManager[Callable[[int, int, str], None]]]


def _plain() -> Console:
    return Console(soft_wrap=True, highlight=False, width=max(Console().width, 120))


def _admin(workspace: Workspace, acting_as: str | None, what: str) -> Identity:
    who = workspace.cli_identity(acting_as)
    if who is None:
        raise UsageError(
            f"say who {what} with --as USER: an administrator (in demo mode, --as demo-admin).",
            title="Who is it?",
        )
    return who


def _day(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date: write it as YYYY-MM-DD.") from None


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _expired_table(expired: list[Expired]) -> Table:
    """One row per agreement and dataset: how many submissions, which months, since when."""
    groups: dict[tuple[str, str, int], list[Expired]] = {}
    for item in expired:
        key = (item.agreement_id, item.submission.dataset, item.retention_months)
        groups.setdefault(key, []).append(item)
    table = Table(title=Text(f"Past retention: {_plural(len(expired), 'submission')}"))
    for heading in (
        "agreement",
        "dataset",
        "kept",
        "submissions",
        "months",
        "past retention since",
    ):
        table.add_column(heading)
    for (agreement, dataset, months), items in sorted(groups.items()):
        periods = sorted(i.submission.period for i in items)
        since = sorted(i.expired_on for i in items)
        cells = (
            agreement, dataset, f"{months} months", f"{len(items):,}",
            f"{periods[0]} to {periods[-1]}",
            f"{since[0]:%d %b %Y}" if since[0] == since[-1]
            else f"{since[0]:%d %b %Y} to {since[-1]:%d %b %Y}",
        )  # fmt: skip
        table.add_row(*(Text(cell) for cell in cells))
    return table


def _plan_json(plan: RetentionPlan, erased: list[int] | None) -> str:
    return json.dumps(
        {
            "today": plan.today.isoformat(),
            "past_retention": [
                {
                    "submission_id": e.submission.submission_id,
                    "partner": e.submission.partner_id,
                    "dataset": e.submission.dataset,
                    "period": e.submission.period,
                    "status": e.submission.status,
                    "agreement": e.agreement_id,
                    "retention_months": e.retention_months,
                    "past_retention_since": e.expired_on.isoformat(),
                }
                for e in plan.expired
            ],
            "no_retention_rule": [s.submission_id for s in plan.no_rule],
            "erased": erased,
        },
        indent=2,
    )


def retention_command(run_safely: RunSafely, progress_bar: ProgressBar) -> Callable[..., None]:
    """The `retention` command, run through the CLI's error handling (`run_safely`)."""

    def retention(
        today: Annotated[
            str | None,
            typer.Option("--today", help="Weigh retention as on this day, YYYY-MM-DD."),
        ] = None,
        apply: Annotated[
            bool,
            typer.Option(
                "--apply",
                help="Erase what is past retention (rows, aggregates and raw files), each "
                "keeping a tombstone. Without it, a dry run: list them, erase nothing.",
            ),
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
        db: DbOption = None,
        acting_as: Annotated[
            str | None,
            typer.Option("--as", help="Who runs it: an administrator (demo: demo-admin)."),
        ] = None,
    ) -> None:
        """List the submissions kept past their data sharing agreement's retention period
        (counted from the end of the month they are about); with --apply, erase them."""

        def body() -> int:
            from shared_outcomes.jobs.retention import apply_retention, retention_plan

            day = _day(today)
            workspace = open_existing(db)
            who = _admin(workspace, acting_as, "applies retention")
            if not apply:
                plan = retention_plan(workspace, who, today=day)
                _report(plan, None, as_json)
                return 0
            with progress_bar("Erasing under retention") as update:
                result = apply_retention(
                    workspace, who, today=day,
                    progress=lambda done, total: update(done, total, f"#{done} of {total}"),
                )  # fmt: skip
            _report(result.plan, [t.submission_id for t in result.erased], as_json)
            return 0

        raise typer.Exit(run_safely(body))

    return retention


def _report(plan: RetentionPlan, erased: list[int] | None, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(_plan_json(plan, erased) + "\n")
        return
    out = _plain()
    if not plan.enforced:
        out.print(
            "The partnership has no data sharing agreements file (data_contracts/"
            "agreements.yaml), so no retention rule applies: nothing is past retention.",
            markup=False,
        )
        return
    day = f"{plan.today.day} {plan.today:%b %Y}"
    if plan.expired:
        out.print(_expired_table(plan.expired))
    if erased is None:
        out.print(
            f"On {day}, {_plural(len(plan.expired), 'submission')} "
            f"{'is' if len(plan.expired) == 1 else 'are'} past retention. Dry run: nothing was "
            "erased. Run again with --apply to erase them (rows, aggregates and raw files), "
            "each keeping a tombstone.",
            markup=False,
        )
    else:
        out.print(
            f"Erased {_plural(len(erased), 'submission')} under retention on {day}; each keeps "
            "a tombstone (id, partner, dataset, month, file hash, when, by whom and under "
            "which rule), shown by `shared-outcomes history`.",
            markup=False,
        )
    if plan.no_rule:
        out.print(
            f"Kept: {_plural(len(plan.no_rule), 'submission')} no agreement names a retention "
            "period for (partner and dataset not covered when sent); the centre's information "
            "governance lead decides on them.",
            markup=False,
        )


def erase_command(run_safely: RunSafely) -> Callable[..., None]:
    """The `erase` command, run through the CLI's error handling (`run_safely`)."""

    def erase(
        submission_id: Annotated[int, typer.Argument(help="The submission to erase (its #id).")],
        reason: Annotated[
            str | None,
            typer.Option("--reason", help="Why it must be erased (asks for the erasure)."),
        ] = None,
        confirm: Annotated[
            bool,
            typer.Option(
                "--confirm",
                help="Confirm an erasure another administrator asked for: it is carried out.",
            ),
        ] = False,
        db: DbOption = None,
        acting_as: Annotated[
            str | None,
            typer.Option("--as", help="Who asks or confirms: an administrator."),
        ] = None,
    ) -> None:
        """Erase one submission on a valid request (say, a data subject's): one administrator
        asks with --reason, a second, different one confirms with --confirm; only then are its
        rows, aggregates and raw file deleted, keeping a tombstone. Both steps are audited."""

        def body() -> int:
            if (reason is None) == (not confirm):
                raise UsageError(
                    "give either --reason TEXT (to ask for the erasure) or --confirm (to carry "
                    "out one another administrator asked for), not both or neither.",
                    title="Ask or confirm?",
                )
            workspace = open_existing(db)
            who = _admin(workspace, acting_as, "asks for or confirms the erasure")
            out = _plain()
            if reason is not None:
                asked = workspace.request_erasure(who, submission_id, reason)
                out.print(
                    f"Asked for the erasure of submission #{submission_id} ({asked.reason}). "
                    "Nothing is deleted yet: a second administrator must confirm it with "
                    f"`shared-outcomes erase {submission_id} --confirm --as USER`.",
                    markup=False,
                )
                return 0
            tomb = workspace.confirm_erasure(who, submission_id)
            out.print(
                f"Erased submission #{tomb.submission_id} ({tomb.partner_id}, {tomb.dataset}, "
                f"{tomb.period}): its rows, aggregates and raw file are deleted; its tombstone "
                "stays in the register and the audit log records both steps.",
                markup=False,
            )
            return 0

        raise typer.Exit(run_safely(body))

    return erase
