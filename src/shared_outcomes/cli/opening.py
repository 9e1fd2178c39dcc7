"""The `--db` option and opening its workspace for a command: a read that never creates a
database, and a recorded write that never makes a new, empty one from a mistyped path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shared_outcomes.errors import UsageError
from shared_outcomes.settings import load_settings

if TYPE_CHECKING:
    from shared_outcomes.workspace import Workspace

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Database file (default: a DuckLake catalog if $SHARED_OUTCOMES_CATALOG is set, "
        "else $SHARED_OUTCOMES_DB, else var/shared_outcomes.duckdb).",
    ),
]


def open_workspace(db: Path | None, *, create: bool = True) -> Workspace:
    """The workspace of --db; `create=False` for a command that only reads (never makes one)."""
    from shared_outcomes.workspace import Workspace

    return Workspace.open(load_settings(db=db), create=create)


def open_existing(db: Path | None) -> Workspace:
    """The workspace of an existing database, upgraded if it is older: a comment, a sign-off or
    a board pack (each recorded) on a mistyped --db must not make a new, empty database."""
    from shared_outcomes.workspace import Workspace

    settings = load_settings(db=db)
    if settings.catalog is None and not settings.db_path.is_file():
        raise UsageError(
            f"there is no database at {settings.db_path}: check --db (or $SHARED_OUTCOMES_DB). "
            "A database is made by `shared-outcomes demo`, `submit` or `ingest`.",
            title="No such database",
        )
    return Workspace.open(settings)
