"""`shared-outcomes comments add|list|edit|hide` and `shared-outcomes sign-off`.

Thin commands over the facade's commentary (`Workspace.add_comment`, `edit_comment`,
`hide_comment`, `comments`) and sign-off (`Workspace.sign_off`). A comment and a sign-off have
a real author, so the commands that write need `--as USER`, in demo mode too (a refusal is
audited like any other refused `--as`). A comment's text comes from the TEXT argument, from
standard input (`-`) or from `--text-file`, and is printed exactly as written, never as Rich
markup. Errors go through the CLI's one handler (`run_safely`): a message, exit code 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shared_outcomes.cli.opening import DbOption, open_existing, open_workspace
from shared_outcomes.errors import UsageError
from shared_outcomes.period import Period

if TYPE_CHECKING:
    from shared_outcomes.access.roles import Identity
    from shared_outcomes.warehouse.commentary import Comment
    from shared_outcomes.workspace import Workspace

RunSafely = Callable[[Callable[[], int]], int]

#: The most bytes read from --text-file or standard input (far beyond the longest comment).
MAX_TEXT_BYTES = 64 * 1024

AuthorOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Who you are: a user id from the users file (in demo mode, a demo user id such as "
        "demo-analyst). Required: a comment or a sign-off has a real author.",
    ),
]
ViewerOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this user (required when a users file exists; in demo mode without it, "
        "the shared view: comments on figures only).",
    ),
]
TextArgument = Annotated[
    str | None,
    typer.Argument(help="The comment, plain text (quote it); - reads it from standard input."),
]
TextFileOption = Annotated[
    Path | None,
    typer.Option("--text-file", help="Read the comment from this file (UTF-8) instead."),
]
CommentId = Annotated[int, typer.Argument(help="The comment's number (`comments list` shows it).")]


def comments_commands(run_safely: RunSafely) -> typer.Typer:
    """The `comments` sub-commands, each run through the CLI's error handling (`run_safely`)."""
    comments = typer.Typer(
        help="Comments on the shared figures and on partners' submissions: add, list, edit, "
        "hide. A comment is plain text; editing keeps the earlier text, hiding keeps the comment.",
        no_args_is_help=True,
    )

    @comments.command("add")
    def add(
        text: TextArgument = None,
        outcome: Annotated[
            str | None, typer.Option("--outcome", help="The figure's outcome id.")
        ] = None,
        area: Annotated[
            str | None,
            typer.Option(
                "--area",
                help="The figure's area (ONS code); without it, the whole partnership's figure.",
            ),
        ] = None,
        period: Annotated[
            str | None, typer.Option("--period", help="The figure's month, YYYY-MM.")
        ] = None,
        submission: Annotated[
            int | None,
            typer.Option("--submission", help="Comment on this submission (its number) instead."),
        ] = None,
        text_file: TextFileOption = None,
        db: DbOption = None,
        acting_as: AuthorOption = None,
    ) -> None:
        """Comment on a figure (--outcome, --period, maybe --area) or on a --submission."""

        def body() -> int:
            words = read_text(text, text_file)
            workspace = open_existing(db)
            me = _author(workspace, acting_as, "a comment")
            made = workspace.add_comment(
                me, words, outcome=outcome, area_code=area, period=period,
                submission_id=submission,
            )  # fmt: skip
            _say(f"Added comment #{made.comment_id} on {_target_words(workspace, made)}.")
            return 0

        raise typer.Exit(run_safely(body))

    @comments.command("list")
    def list_comments(
        outcome: Annotated[
            str | None, typer.Option("--outcome", help="Only comments on this outcome.")
        ] = None,
        area: Annotated[
            str | None, typer.Option("--area", help="Only comments on this area (ONS code).")
        ] = None,
        period: Annotated[
            str | None, typer.Option("--period", help="Only comments on this month, YYYY-MM.")
        ] = None,
        submission: Annotated[
            int | None, typer.Option("--submission", help="Only comments on this submission.")
        ] = None,
        hidden: Annotated[
            bool, typer.Option("--hidden", help="Include hidden comments (administrators only).")
        ] = False,
        output: Annotated[
            str, typer.Option("--format", help="table or json.", case_sensitive=False)
        ] = "table",
        db: DbOption = None,
        acting_as: ViewerOption = None,
    ) -> None:
        """The comments you may see, oldest first (on submissions: those whose reports you see)."""

        def body() -> int:
            kind = output.lower()
            if kind not in ("table", "json"):
                raise UsageError(f"--format {output!r} is not known: use table or json.")
            workspace = open_workspace(db, create=False)
            me = _viewer(workspace, acting_as)
            found = workspace.comments(
                me, outcome=outcome, area_code=... if area is None else area, period=period,
                submission_ids=None if submission is None else [submission],
                include_hidden=hidden,
            )  # fmt: skip
            if kind == "json":
                sys.stdout.write(json.dumps([comment_record(c) for c in found], indent=2) + "\n")
            else:
                _print_comments(workspace, found)
            return 0

        raise typer.Exit(run_safely(body))

    @comments.command("edit")
    def edit(
        comment_id: CommentId,
        text: TextArgument = None,
        text_file: TextFileOption = None,
        db: DbOption = None,
        acting_as: AuthorOption = None,
    ) -> None:
        """Give comment ID a new text (its author or an administrator); the earlier text is kept."""

        def body() -> int:
            words = read_text(text, text_file)
            workspace = open_existing(db)
            me = _author(workspace, acting_as, "an edit")
            edited = workspace.edit_comment(me, comment_id, words)
            _say(
                f"Comment #{comment_id} edited: this is its version {len(edited.versions)}; "
                "the earlier text is kept."
            )
            return 0

        raise typer.Exit(run_safely(body))

    @comments.command("hide")
    def hide(
        comment_id: CommentId,
        reason: Annotated[str, typer.Option("--reason", help="Why it is hidden (recorded).")],
        db: DbOption = None,
        acting_as: AuthorOption = None,
    ) -> None:
        """Hide comment ID (its author or an administrator), saying why; it stays stored."""

        def body() -> int:
            workspace = open_existing(db)
            me = _author(workspace, acting_as, "hiding a comment")
            workspace.hide_comment(me, comment_id, reason)
            _say(
                f"Comment #{comment_id} is hidden; it is kept, with its history, who hid it and "
                "why, for the audit trail."
            )
            return 0

        raise typer.Exit(run_safely(body))

    return comments


def sign_off_command(run_safely: RunSafely) -> Callable[..., None]:
    """The `sign-off` command, run through the CLI's error handling (`run_safely`)."""

    def sign_off(
        period: Annotated[
            str | None,
            typer.Option("--period", help="The month, YYYY-MM (default: the latest with figures)."),
        ] = None,
        status: Annotated[
            bool,
            typer.Option(
                "--status",
                help="Record nothing: show the month's sign-offs and the figures changed since "
                "the latest.",
            ),
        ] = False,
        db: DbOption = None,
        acting_as: AuthorOption = None,
    ) -> None:
        """Record that the month's picture was reviewed (leadership or an administrator).

        The sign-off keeps the register as it stands now; a later resubmission that changes a
        reviewed figure is then listed as changed since sign-off (`--status` shows them).
        """

        def body() -> int:
            if period is not None:
                Period.parse(period, what="--period")
            if status:
                return _show_status(db, acting_as, period)
            workspace = open_existing(db)
            me = _author(workspace, acting_as, "a sign-off")
            month = period or _latest_month(workspace, me)
            made = workspace.sign_off(me, month)
            _say(f"{month}: {made.words}.")
            return 0

        raise typer.Exit(run_safely(body))

    return sign_off


# -- helpers -----------------------------------------------------------------------------------


def _say(message: str) -> None:
    Console(soft_wrap=True, highlight=False).print(message, markup=False)


def _author(workspace: Workspace, user: str | None, what: str) -> Identity:
    """The user named by --as; refused (audited) without one, in demo mode too."""
    from shared_outcomes.access.audit import SIGN_IN

    found = workspace.cli_identity(user)  # refusals (unknown, disabled, none given) audited
    if found is not None:
        return found
    message = (
        f"{what} must have a real author: name who you are with --as USER (in demo mode, a "
        "demo user id such as demo-analyst, demo-leadership or demo-bolton_council)."
    )
    workspace.audit.record(
        None, SIGN_IN, outcome="denied", user_id="(no --as)",
        detail={"via": "command line --as", "reason": message},
    )  # fmt: skip
    raise UsageError(message)


def _viewer(workspace: Workspace, user: str | None) -> Identity:
    """--as USER; in demo mode without it, the shared view (as leadership sees it)."""
    from shared_outcomes.access.roles import Identity, Role

    found = workspace.cli_identity(user)
    return found or Identity("cli", "command line (shared view)", Role.LEADERSHIP)


def read_text(text: str | None, text_file: Path | None) -> str:
    """The comment from TEXT, standard input (`-`) or --text-file: exactly one of them."""
    if text is not None and text_file is not None:
        raise UsageError("give the comment once: as TEXT, as - (standard input) or with "
                         "--text-file, not two of them.")  # fmt: skip
    if text_file is not None:
        if not text_file.is_file():
            raise UsageError(f"--text-file {text_file} does not exist or is not a file: check "
                             "the path.")  # fmt: skip
        with text_file.open("rb") as handle:
            return _decode(handle.read(MAX_TEXT_BYTES + 1), f"--text-file {text_file}")
    if text == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is not None:
            return _decode(stream.read(MAX_TEXT_BYTES + 1), "standard input")
        return sys.stdin.read(MAX_TEXT_BYTES + 1)
    if text is None:
        raise UsageError(
            "write the comment: as TEXT (in quotes), as - to read it from standard input, or "
            "with --text-file PATH."
        )
    return text


def _decode(data: bytes, where: str) -> str:
    if len(data) > MAX_TEXT_BYTES:
        raise UsageError(
            f"{where} holds more than {MAX_TEXT_BYTES // 1024} KB: a comment is at most "
            "2,000 characters. Shorten it."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{where} is not UTF-8 text (byte {error.start + 1} cannot be read): save it as "
            "UTF-8 and try again."
        ) from None


def _latest_month(workspace: Workspace, me: Identity) -> str:
    figures = workspace.figures(me, unsuppressed=False)
    periods = figures["period"].drop_nulls()
    if periods.is_empty():
        raise UsageError("there are no figures yet, so there is no picture to sign off.")
    return str(periods.max())


def _show_status(db: Path | None, user: str | None, period: str | None) -> int:
    workspace = open_workspace(db, create=False)
    me = _viewer(workspace, user)
    month = period or _latest_month(workspace, me)
    signed = workspace.sign_offs(me, month)
    if not signed:
        _say(f"{month}: not signed off yet.")
        return 0
    for one in signed:
        _say(f"{month}: {one.words}.")
    changed = workspace.changed_since_sign_off(me, month)
    if changed.is_empty():
        _say("No figure has changed since the latest sign-off.")
        return 0
    table = Table(title=Text(f"{changed.height} figures changed since sign-off"))
    for heading in changed.columns:
        table.add_column(heading)
    for row in changed.iter_rows():
        table.add_row(*(Text(str(cell)) for cell in row))
    Console(width=max(Console().width, 120)).print(table)
    return 0


def comment_record(comment: Comment) -> dict[str, Any]:
    """A comment as `comments list --format json` prints it."""
    return {
        "comment_id": comment.comment_id,
        "outcome": comment.outcome,
        "area_code": comment.area_code,
        "period": comment.period,
        "submission_id": comment.submission_id,
        "author_id": comment.author_id,
        "author_name": comment.author_name,
        "author_role": comment.author_role,
        "created_at": comment.created_at.isoformat(),
        "text": comment.text,
        "edited": comment.edited,
        "versions": [
            {"text": v.text, "by": v.by, "at": v.at.isoformat()} for v in comment.versions
        ],
        "hidden": comment.hidden,
        "hidden_by": comment.hidden_by,
        "hidden_reason": comment.hidden_reason,
    }


def _target_words(workspace: Workspace, comment: Comment) -> str:
    from shared_outcomes.present.commentary import comment_about

    titles = {d.id: d.title for d in workspace.definitions.values()}
    return comment_about(comment, titles, workspace.partnership.areas)


def _print_comments(workspace: Workspace, found: list[Comment]) -> None:
    from shared_outcomes.present.commentary import author_words

    # Every cell is a Text: a comment such as "[bold]x[/]" is shown as written, never markup.
    table = Table(title=Text(f"{len(found)} comments"), show_lines=True)
    for heading in ("#", "on", "by", "when (UTC)", "comment", "state"):
        table.add_column(heading, overflow="fold")
    for c in found:
        state = "edited" if c.edited else ""
        if c.hidden:
            state = f"hidden by {c.hidden_by}: {c.hidden_reason}"
        cells = (
            str(c.comment_id),
            _target_words(workspace, c),
            author_words(c),
            c.created_at.strftime("%Y-%m-%d %H:%M"),
            c.text,
            state,
        )
        table.add_row(*(Text(cell) for cell in cells))
    Console(width=max(Console().width, 140)).print(table)
