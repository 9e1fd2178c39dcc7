"""The `shared-outcomes` console script: thin Typer commands over the core.

Each command parses its options, calls the core and renders the result. Errors are handled in
one place (`run_safely`): a `SharedOutcomesError` prints its title and message, anything
unexpected prints a short apology with what to do, and both exit with code 2. No traceback ever
reaches the user. Exit codes: 0 success (a file accepted, warnings allowed), 1 rejected,
2 usage or configuration error.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from shared_outcomes.checking.report import report_json
from shared_outcomes.checking.validation import Validation, validate_extract
from shared_outcomes.cli.help_format import use_plain_help
from shared_outcomes.cli.opening import DbOption, open_existing, open_workspace
from shared_outcomes.config.contracts import find_contract, load_contracts
from shared_outcomes.errors import (
    SharedOutcomesError,
    UsageError,
    is_storage_problem,
    storage_error,
)
from shared_outcomes.period import Period
from shared_outcomes.present.report_text import (
    NO_FAILING_ROWS,
    failing_rows_csv,
    has_failing_rows,
    render_report_text,
)
from shared_outcomes.settings import Settings, load_settings

if TYPE_CHECKING:
    from shared_outcomes.access.roles import Identity
    from shared_outcomes.warehouse.erasure import Erasure
    from shared_outcomes.workspace import Workspace

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2

use_plain_help()
app = typer.Typer(
    name="shared-outcomes",
    help="Check partner extracts against their contracts, store them, compute shared outcomes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


@app.callback()
def root() -> None:
    """Shared Outcomes: partner extracts checked, stored and joined into shared outcomes."""
    # A callback keeps Typer in multi-command mode, so `validate` is a subcommand even while it
    # is the only one.


def _stderr() -> Console:
    return Console(stderr=True, soft_wrap=True)


def fail(title: str, message: str) -> NoReturn:
    """Print a clean error (title and what to do) on stderr and exit with the usage code."""
    # Escaped: a message can quote a partner's file name or value, e.g. "[/x].csv".
    _stderr().print(f"[bold red]{escape(title)}[/bold red]: {escape(message)}", highlight=False)
    raise typer.Exit(EXIT_USAGE)


def run_safely(action: Callable[[], T]) -> T:
    """Run a command's body; turn every error into a clean message and exit code 2."""
    try:
        return action()
    except typer.Exit:
        raise
    except SharedOutcomesError as error:
        fail(error.title, error.message)
    except OSError as error:  # the disk or the folders, not the product: say what to do
        if is_storage_problem(error):
            problem = storage_error(error)
            fail(problem.title, problem.message)
        fail(
            "Cannot use a file",
            f"{error.strerror or error} ({error.filename or 'a file'}): check the path and "
            "that the folder exists, then run the command again.",
        )
    except KeyboardInterrupt:
        fail("Interrupted", "stopped before finishing.")
    except Exception as error:  # the last line of defence: never a traceback
        if _mentions_storage(str(error)):  # a library's own error for a full disk, say
            problem = storage_error(str(error))
            fail(problem.title, problem.message)
        fail(
            "Unexpected error",
            f"{type(error).__name__}: {error}. This is a bug in Shared Outcomes; "
            "please report it with the command you ran.",
        )


def _mentions_storage(text: str) -> bool:
    lowered = text.lower()
    return any(m in lowered for m in ("no space left", "os error 28", "disk quota exceeded"))


def check_period(period: str | None) -> str | None:
    """A submission month must be written YYYY-MM (for example 2016-03)."""
    if period is not None:
        Period.parse(period, what="--period")
    return period


SheetOption = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        metavar="NAME",
        help="For an Excel workbook: the worksheet holding the extract (default: the one named "
        "like the dataset, else the only one).",
    ),
]


@app.command()
def validate(
    file: Annotated[
        Path, typer.Argument(help="The extract to check: a CSV or an Excel workbook (.xlsx).")
    ],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset id (its contract's id).")],
    partner: Annotated[str | None, typer.Option("--partner", help="Partner id.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Submission month, YYYY-MM.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    failing_rows: Annotated[
        Path | None,
        typer.Option(
            "--failing-rows",
            metavar="FILE",
            help="Also write the failing rows, each with its problems, to FILE (a CSV, as the "
            "Submit page's download). Nothing is written when no single row is at fault.",
        ),
    ] = None,
    sheet: SheetOption = None,
    errors_workbook: Annotated[
        Path | None,
        typer.Option(
            "--errors-workbook",
            metavar="FILE",
            help="Also write an Excel workbook (.xlsx) of your rows as sent, each cell at fault "
            "highlighted with a note on what to fix, and an Errors sheet listing every problem "
            "(as the Submit page's download). Nothing is written when nothing was found.",
        ),
    ] = None,
) -> None:
    """Check FILE against the dataset's contract: exit 0 accepted, 1 rejected, 2 usage error."""

    def body() -> int:
        month = check_period(period)
        if not file.is_file():
            raise UsageError(f"{file} does not exist or is not a file: check the path.")
        for target, option in (
            (failing_rows, "--failing-rows"),
            (errors_workbook, "--errors-workbook"),
        ):
            if target is not None:
                _check_output(target, file, option)
        settings = load_settings()
        contract = find_contract(settings.contracts_dir, dataset)
        result = validate_extract(
            file,
            contract,
            partner=partner,
            period=month,
            file_name=file.name,
            areas=_partner_areas(settings, partner),
            sheet=sheet,
        )
        if as_json:
            sys.stdout.write(report_json(result.report) + "\n")
        else:
            sys.stdout.write(render_report_text(result.report))
        if failing_rows is not None:
            _write_failing_rows(failing_rows, file, result)
        if errors_workbook is not None:
            _write_errors_workbook(errors_workbook, result)
        return EXIT_OK if result.report.accepted else EXIT_REJECTED

    raise typer.Exit(run_safely(body))


def _check_output(target: Path, extract: Path, option: str = "--failing-rows") -> None:
    """Refuse, before checking anything, an output FILE (`option`) that cannot be written."""
    if target.is_dir():
        raise UsageError(f"{option} {target} is a folder: name a file, e.g. failing.csv.")
    if not target.parent.is_dir():
        raise UsageError(
            f"{option} {target}: the folder {target.parent} does not exist; create it or "
            "name a file in an existing folder."
        )
    if target.exists() and target.resolve() == extract.resolve():
        raise UsageError(
            f"{option} {target} is the extract being checked: name another file, so the "
            "extract is not overwritten."
        )


def _write_errors_workbook(target: Path, result: Validation) -> None:
    """Write the errors workbook to `target` (whole or not at all), or say why there is none
    (on stderr, so that --json keeps stdout to the report)."""
    from shared_outcomes.present.errors_workbook import (
        has_errors_workbook,
        write_errors_workbook,
    )

    report = result.report
    if not has_errors_workbook(report):
        kept = " (the file already there is left as it was)" if target.exists() else ""
        _stderr().print(
            Text(f"Nothing was found to mark, so {target} was not written{kept}."),
            highlight=False,
        )
        return
    write_errors_workbook(target, report, result.extract, result.problems)
    _stderr().print(
        Text(
            f"Wrote your rows with the {len(report.findings):,} problem(s) marked to {target}: "
            "open it in Excel, fix the highlighted cells (each has a note) and send it again."
        ),
        highlight=False,
    )


def _write_failing_rows(target: Path, extract: Path, result: Validation) -> None:
    """Write the Submit page's failing-rows CSV to `target`, or say why there is none.

    Said on stderr, so that --json keeps stdout to the report. The file is written whole or not
    at all (a partial copy is removed), and a failure is a clean message (`run_safely`).
    """
    report = result.report
    if not has_failing_rows(report):
        why = "No failing rows: the file was accepted" if report.accepted else NO_FAILING_ROWS
        kept = " (the file already there is left as it was)" if target.exists() else ""
        _stderr().print(Text(f"{why}, so {target} was not written{kept}."), highlight=False)
        return
    data = failing_rows_csv(report, result.extract, result.problems, source=extract)
    partial = target.with_name(f".{target.name}.part")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    rows = result.problems.get_column("row").n_unique()
    _stderr().print(
        Text(f"Wrote the {rows:,} failing row(s), each with its problems, to {target}."),
        highlight=False,
    )


def _partner_areas(settings: Settings, partner: str | None) -> dict[str, str] | None:
    """A known partner's areas from partners.yaml, so a local check catches other areas' rows.

    An unknown partner (or no partners file) only skips that check: `validate` is for checking
    a file anywhere, before the partnership's configuration is at hand.
    """
    if partner is None or not settings.partners_file.is_file():
        return None
    from shared_outcomes.config.partnership import load_partnership

    partnership = load_partnership(settings.partners_file, load_contracts(settings.contracts_dir))
    known = partnership.partners.get(partner)
    if known is None:
        return None
    return {code: partnership.areas.get(code, code) for code in known.areas}


# --- the warehouse: submit, ingest, demo, history ---------------------------------------------


AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this user: an id from the users file (in demo mode, a demo user id such as "
        "demo-analyst). Required when a users file exists, except for `outcomes`.",
    ),
]


def _cli_submitter(partner: str) -> Identity:
    """Demo mode without --as: the CLI submits as a submitter of the partner named."""
    from shared_outcomes.access.roles import Identity, Role

    return Identity(
        user_id=f"cli:{partner}",
        display_name=f"{partner} (command line)",
        role=Role.PARTNER_SUBMITTER,
        partner_id=partner,
    )


def _acting(
    workspace: Workspace, user: str | None, default: Callable[[], Identity], *, always: bool = False
) -> Identity:
    """Who the command acts as: `--as USER`, else `default()` (in demo mode, or `always`)."""
    if user is None and always:
        return default()
    found = workspace.cli_identity(user)
    return default() if found is None else found


@contextmanager
def _progress_bar(title: str) -> Iterator[Callable[[int, int, str], None]]:
    """A rich progress bar on stderr (stdout stays clean for --json); yields the callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn(title),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}", markup=False),  # a file name, shown as it is
    )
    with Progress(*columns, console=_stderr(), transient=False) as bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label)

        yield update


@app.command()
def submit(
    file: Annotated[
        Path, typer.Argument(help="The extract to load: a CSV or an Excel workbook (.xlsx).")
    ],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset id (its contract's id).")],
    partner: Annotated[str, typer.Option("--partner", help="Partner id (you submit for it).")],
    period: Annotated[str, typer.Option("--period", help="Submission month, YYYY-MM.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    acting_as: AsOption = None,
    sheet: SheetOption = None,
) -> None:
    """Check FILE and load it: exit 0 loaded or unchanged, 1 rejected, 2 usage error.

    Acts as --as USER; in demo mode (no users file) without --as, as a submitter of --partner.
    """

    def body() -> int:
        month = check_period(period) or period
        if not file.is_file():
            raise UsageError(f"{file} does not exist or is not a file: check the path.")
        workspace = open_workspace(db)
        me = _acting(workspace, acting_as, lambda: _cli_submitter(partner))
        result = workspace.submit(
            me, file, dataset=dataset, partner=partner, period=month, sheet=sheet
        )
        if as_json:
            sys.stdout.write(result.to_json() + "\n")
        else:
            sys.stdout.write(render_report_text(result.report) + "\n" + result.summary + "\n")
        return EXIT_OK if result.accepted else EXIT_REJECTED

    raise typer.Exit(run_safely(body))


@app.command()
def ingest(
    folder: Annotated[
        Path, typer.Argument(help="The drop folder: <partner>/<dataset>_<YYYY-MM>.csv")
    ],
    db: DbOption = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep watching the folder for new files (Ctrl-C stops).")
    ] = False,
    settle: Annotated[
        float,
        typer.Option(
            "--settle",
            min=0,
            help="Seconds a file must stay unchanged before it is taken (default 2).",
        ),
    ] = 2.0,
) -> None:
    """Load every settled file of a drop folder into processed/ or rejected/ with its report.

    Exit 0 when every file was loaded, unchanged or left waiting (still being written, or held
    by another run); 1 when any was rejected, refused or could not be filed; 2 a usage error.
    """

    def body() -> int:
        from shared_outcomes.access.roles import SYSTEM
        from shared_outcomes.jobs.drop_folder import IngestOutcome, ingest_folder, watch_folder

        workspace = open_workspace(db)
        with _progress_bar("Ingesting") as progress:
            outcomes = ingest_folder(workspace, SYSTEM, folder, progress=progress, settle=settle)
        out = Console(soft_wrap=True, highlight=False)

        def show(outcome: IngestOutcome) -> None:
            where = (
                outcome.source.relative_to(folder)
                if outcome.source.is_relative_to(folder)
                else outcome.source
            )
            out.print(f"{outcome.status:>9}  {str(where)!r}: {outcome.message}", markup=False)

        for outcome in outcomes:
            show(outcome)
        ok = sum(o.status in ("loaded", "unchanged") for o in outcomes)
        left = sum(o.status in ("waiting", "skipped") for o in outcomes)
        out.print(
            f"{ok} of {len(outcomes)} files loaded or unchanged"
            + (f"; {left} left for a later run." if left else "."),
            markup=False,
        )
        if watch:
            out.print(f"Watching {folder} for new files; press Ctrl-C to stop.", markup=False)
            try:
                watch_folder(
                    workspace, SYSTEM, folder, on_outcome=show, settle=settle,
                    on_problem=lambda problem, wait: _stderr().print(
                        f"{problem.title}: {problem.message} Trying again in {wait:g} s.",
                        markup=False, highlight=False,
                    ),
                )  # fmt: skip
            except KeyboardInterrupt:
                out.print("Stopped watching.", markup=False)
            return EXIT_OK
        return EXIT_REJECTED if any(o.failed for o in outcomes) else EXIT_OK

    raise typer.Exit(run_safely(body))


@app.command()
def demo(db: DbOption = None) -> None:
    """Build a fresh database holding the whole sample partnership (replaces the file at --db)."""

    def body() -> int:
        from shared_outcomes.jobs.demo import build_demo

        settings = load_settings(db=db)
        started = time.perf_counter()
        with _progress_bar("Loading the sample partnership") as progress:
            workspace = build_demo(settings, progress=progress)
        loaded = workspace.warehouse.submissions()
        sys.stdout.write(
            f"Built {workspace.warehouse.where}: {len(loaded)} submissions in "
            f"{time.perf_counter() - started:.1f} s.\n"
        )
        return EXIT_OK

    raise typer.Exit(run_safely(body))


@app.command()
def migrate(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The empty DuckLake catalog to move into: postgresql://user@host:port/database "
            "(the password in it or in PGPASSWORD).",
        ),
    ],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="The catalog's data folder, mounted at the same path on every server "
            "(default: $SHARED_OUTCOMES_DATA).",
        ),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="The database file to move (default: $SHARED_OUTCOMES_DB, else "
            "var/shared_outcomes.duckdb).",
        ),
    ] = None,
) -> None:
    """Move a database file into an empty DuckLake catalog (register, rows, raw files, audit
    log), checking that every figure is the same in both; the file is left as it was."""

    def body() -> int:
        from shared_outcomes.jobs.migrate import migrate_to_catalog
        from shared_outcomes.settings import DATA_ENV_VAR, Catalog, load_file_settings

        catalog = Catalog.parse(to, data if data is not None else os.environ.get(DATA_ENV_VAR))
        source = load_file_settings(db)
        started = time.perf_counter()
        with _progress_bar("Moving") as progress:
            done = migrate_to_catalog(source, catalog, progress=progress)
        moved = done.moved
        sys.stdout.write(
            f"Moved {done.source} into {done.target} in {time.perf_counter() - started:.1f} s: "
            f"{moved.submissions:,} submissions, {sum(moved.tables.values()):,} rows in "
            f"{len(moved.tables)} tables, {moved.row_files:,} row files and "
            f"{moved.archived_files:,} raw files; all {done.figures_compared:,} figures are the "
            "same in both.\nThe file is left as it was. Point every app server and worker at "
            f"the catalog: SHARED_OUTCOMES_CATALOG={done.target} "
            f"SHARED_OUTCOMES_DATA={catalog.data_dir}\n"
        )
        return EXIT_OK

    raise typer.Exit(run_safely(body))


@app.command()
def history(
    partner: Annotated[str, typer.Option("--partner", help="Partner id.")],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset id.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions as JSON.")] = False,
    acting_as: AsOption = None,
) -> None:
    """Every version PARTNER sent for DATASET, newest first (rejected attempts included).

    Acts as --as USER; in demo mode without --as, as a submitter of --partner.
    """

    def body() -> int:
        from rich.table import Table

        from shared_outcomes.present.views import submission_status

        workspace = open_workspace(db, create=False)
        me = _acting(workspace, acting_as, lambda: _cli_submitter(partner))
        versions = workspace.history(me, partner, dataset)
        erasures = workspace.erasures(me, versions)
        if as_json:
            rows = [
                dataclasses.asdict(v)
                | {"submitted_at": v.submitted_at.isoformat()}
                | _erasure_json(erasures.get(v.submission_id))
                for v in versions
            ]
            sys.stdout.write(json.dumps(rows, indent=2) + "\n")
            return EXIT_OK
        # Every cell is a Text: a file name such as "[/]Q3.csv" is shown as sent, never markup.
        table = Table(title=Text(f"{partner} · {dataset}: {len(versions)} submissions"))
        for heading in (
            "id",
            "month",
            "status",
            "rows",
            "file",
            "submitted (UTC)",
            "by",
            "replaces",
        ):
            table.add_column(heading, no_wrap=True)
        for v in versions:
            cells = (
                str(v.submission_id),
                v.period,
                submission_status(v, erasure=erasures.get(v.submission_id))
                if v.status == "erased"
                else v.status,
                f"{v.rows:,}",
                v.file_name or "",
                v.submitted_at.strftime("%Y-%m-%d %H:%M"),
                v.submitted_by,
                str(v.supersedes or ""),
            )
            table.add_row(*(Text(cell) for cell in cells))
        Console(width=max(Console().width, 140)).print(table)
        return EXIT_OK

    raise typer.Exit(run_safely(body))


def _erasure_json(erasure: Erasure | None) -> dict[str, object]:
    """A tombstone's record for `history --json` (nothing for a version not erased)."""
    if erasure is None:
        return {}
    return {
        "erased": {
            "at": erasure.erased_at.isoformat(), "by": erasure.erased_by, "rule": erasure.rule,
            "detail": erasure.detail, "requested_by": erasure.requested_by,
        }
    }  # fmt: skip


@app.command()
def outcomes(
    db: DbOption = None,
    period: Annotated[
        str | None, typer.Option("--period", help="One month, YYYY-MM (table: default latest).")
    ] = None,
    output: Annotated[
        str, typer.Option("--format", help="table, json or csv.", case_sensitive=False)
    ] = "table",
    as_at: Annotated[
        str | None,
        typer.Option(
            "--as-at",
            help="Figures as the data stood then: YYYY-MM-DD (end of day, "
            "UTC) or an ISO timestamp.",
        ),
    ] = None,
    outcome: Annotated[
        list[str] | None, typer.Option("--outcome", help="Only this outcome id (repeatable).")
    ] = None,
    acting_as: AsOption = None,
    unsuppressed: Annotated[
        bool,
        typer.Option(
            "--unsuppressed",
            help="Show small counts (analysts and admins only; refused for other roles).",
        ),
    ] = False,
) -> None:
    """Shared outcomes by area and month, with coverage; small counts suppressed.

    Without --as, the shared view (as leadership sees it); --unsuppressed needs --as a user
    whose role may see small counts.
    """

    def body() -> int:
        from shared_outcomes.access.roles import Identity, Role
        from shared_outcomes.figures.outcomes import parse_as_at
        from shared_outcomes.present.scorecard import figures_csv, figures_json, figures_table

        kind = output.lower()
        if kind not in ("table", "json", "csv"):
            raise UsageError(f"--format {output!r} is not known: use table, json or csv.")
        moment = parse_as_at(as_at)
        workspace = open_workspace(db, create=False)
        # Without --as, the shared view: small counts suppressed, as in any export.
        viewer = _acting(
            workspace,
            acting_as,
            lambda: Identity("cli", "command line (shared view)", Role.LEADERSHIP),
            always=True,
        )
        figures = workspace.figures(
            viewer,
            period=check_period(period),
            as_at=moment,
            outcomes=outcome or None,
            # Without the flag, the shared view whoever asks; with it, refused unless allowed.
            unsuppressed=unsuppressed,
        )
        caveat = None if moment is None else workspace.reproduction_caveat(viewer, moment)
        if caveat:  # on stderr: a JSON or CSV on stdout stays as it is
            _stderr().print(f"Note: {caveat}", markup=False)
        names = {pid: p.name for pid, p in workspace.partnership.partners.items()}
        if kind == "json":
            sys.stdout.write(figures_json(figures) + "\n")
        elif kind == "csv":
            sys.stdout.write(figures_csv(figures, names))
        else:
            shown = figures
            if period is None and figures.height:
                shown = figures.filter(figures["period"] == figures["period"].max())
            month = str(shown["period"].max()) if shown.height else "no figures yet"
            title = f"Shared outcomes, {month}" + (f" (as at {as_at})" if as_at else "")
            Console(width=max(Console().width, 160)).print(
                figures_table(shown, title=title, partner_names=names)
            )
        return EXIT_OK

    raise typer.Exit(run_safely(body))


@app.command("board-pack")
def board_pack(
    out: Annotated[Path, typer.Option("--out", help="The file to write (.pdf or .html).")],
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="pdf or html (default: from --out's suffix, else pdf)."),
    ] = None,
    as_at: Annotated[
        str | None,
        typer.Option(
            "--as-at",
            help="Figures as the data stood then: YYYY-MM-DD (end of day, UTC) or an ISO "
            "timestamp; the cover prints it, so the same --as-at remakes the same figures.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="The last meeting, YYYY-MM-DD (default: the day the previous pack was made, "
            "else a month before).",
        ),
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="The month, YYYY-MM (default: the latest).")
    ] = None,
    problem: Annotated[
        list[str] | None,
        typer.Option("--problem", help="Only this shared problem, e.g. homelessness (repeatable)."),
    ] = None,
    db: DbOption = None,
    acting_as: AsOption = None,
) -> None:
    """The board pack for a meeting: cover, summary, changes since the last meeting, one
    section per shared problem with charts, tables and commentary; small numbers suppressed.

    Without --as, made for the shared view (as leadership sees it).
    """

    def body() -> int:
        from shared_outcomes.access.roles import Identity, Role
        from shared_outcomes.figures.outcomes import parse_as_at

        kind = file_format or ("html" if out.suffix.lower() in (".html", ".htm") else "pdf")
        if not out.parent.is_dir():
            raise UsageError(f"the folder {out.parent} does not exist: create it, or choose "
                             "another --out.")  # fmt: skip
        moment = parse_as_at(as_at)
        last_meeting = _parse_day(since, "--since")
        workspace = open_existing(db)  # the pack made is recorded in the database
        viewer = _acting(
            workspace,
            acting_as,
            lambda: Identity("cli", "command line (shared view)", Role.LEADERSHIP),
            always=True,
        )
        with _progress_bar("Making the board pack") as progress:
            made = workspace.board_pack(
                viewer, file_format=kind, period=check_period(period), as_at=moment,
                since=last_meeting, problems=problem or (), progress=progress,
            )  # fmt: skip
        _write_atomically(out, made.content)
        pack = made.pack
        _stderr().print(
            f"Wrote {out} ({kind.upper()}, {len(made.content):,} bytes): {pack.title}. "
            f"{pack.as_at_words}; {pack.state.words}.",
            markup=False,
        )
        caveat = None if moment is None else workspace.reproduction_caveat(viewer, moment)
        if caveat:
            _stderr().print(f"Note: {caveat}", markup=False)
        return EXIT_OK

    raise typer.Exit(run_safely(body))


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date: write it as YYYY-MM-DD.") from None


def _write_atomically(target: Path, content: bytes) -> None:
    """Write beside the target, then rename: a failure never leaves half a file."""
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(content)
    partial.replace(target)


def _add_users_commands() -> None:
    from shared_outcomes.cli.users import users_commands

    app.add_typer(users_commands(run_safely), name="users")


_add_users_commands()


def _add_meeting_commands() -> None:
    from shared_outcomes.cli.meeting import comments_commands, sign_off_command

    app.add_typer(comments_commands(run_safely), name="comments")
    app.command("sign-off")(sign_off_command(run_safely))


_add_meeting_commands()


def _add_cycle_commands() -> None:
    from shared_outcomes.cli.cycle import (
        excuse_command,
        nil_return_command,
        obligations_command,
        remind_command,
        reminders_commands,
    )

    app.command("obligations")(obligations_command(run_safely))
    app.command("nil-return")(nil_return_command(run_safely))
    app.command("excuse")(excuse_command(run_safely))
    app.command("remind")(remind_command(run_safely))
    app.add_typer(reminders_commands(run_safely), name="reminders")


_add_cycle_commands()


def _add_contracts_commands() -> None:
    from shared_outcomes.cli.contracts import contracts_commands

    app.add_typer(contracts_commands(run_safely), name="contracts")


_add_contracts_commands()


def _add_governance_commands() -> None:
    from shared_outcomes.cli.governance import erase_command, retention_command

    app.command("retention")(retention_command(run_safely, _progress_bar))
    app.command("erase")(erase_command(run_safely))


_add_governance_commands()


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
