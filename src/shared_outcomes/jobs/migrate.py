"""`shared-outcomes migrate --to`: a warehouse's DuckDB file moved into a DuckLake catalog.

The file is brought up to this version's schema (as any writing command would), then moved in
one transaction (`Warehouse.moving_in`: every table checked row for row against the file, the
row files and raw files copied), and before that transaction commits, every shared figure is
computed from the catalog and compared with the same figures from the file: all of them,
unsuppressed, now and as at the partnership's last board pack (the figures a meeting saw),
every field of every figure equal (numbers to within 1e-9, relative: a sum of decimals taken in
another order may differ in its last bits, far below any figure shown). Any difference rolls
the move back and says so. The file itself is left as it was: it stays the
fallback until the catalog is in use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

import polars as pl

from shared_outcomes.access.audit import MIGRATE
from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.errors import UsageError, WarehouseBusy, WarehouseError
from shared_outcomes.figures.measures import discard_kept
from shared_outcomes.settings import Catalog, Settings
from shared_outcomes.warehouse.store import Moved
from shared_outcomes.workspace import Progress, Workspace

#: How far two figures may differ and still be the same (relative, and absolute near zero).
FLOAT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Migration:
    """What a move did: what was copied, and how many figures were compared equal."""

    source: str
    target: str
    moved: Moved
    figures_compared: int


def migrate_to_catalog(
    source: Settings, catalog: Catalog, progress: Progress | None = None
) -> Migration:
    """Move the database file of `source` into the empty `catalog`, checked figure for figure."""
    if source.catalog is not None:
        raise UsageError(
            "the warehouse to move is already a catalog: name the database file with --db "
            "(and unset SHARED_OUTCOMES_CATALOG for this command).",
            title="Nothing to move",
        )
    if not source.db_path.is_file():
        raise UsageError(
            f"there is no database at {source.db_path}: check --db (or $SHARED_OUTCOMES_DB).",
            title="No such database",
        )
    try:
        origin = Workspace.open(source)
    except WarehouseBusy:
        raise _in_use(source) from None
    target = Workspace.open(replace(source, db_path=catalog.anchor, catalog=catalog))
    moments = _moments(origin)
    expected = [_figures(origin, as_at) for as_at in moments]
    try:
        with target.warehouse.moving_in(origin.warehouse, progress) as moved:
            if progress:
                progress(0, len(moments), "comparing the figures")
            for done, (as_at, before) in enumerate(zip(moments, expected, strict=True), 1):
                _same_figures(before, _figures(target, as_at), as_at)
                if progress:
                    progress(done, len(moments), "comparing the figures")
            target.audit.record(
                SYSTEM, MIGRATE,
                detail={"from": str(source.db_path), "submissions": moved.submissions,
                        "row_files": moved.row_files, "archived_files": moved.archived_files},
            )  # fmt: skip
    except BaseException:
        discard_kept(target.warehouse.db_path)  # nothing computed from a move that did not land
        raise
    finally:
        target.warehouse.close()
    return Migration(
        source=str(source.db_path),
        target=catalog.where,
        moved=moved,
        figures_compared=sum(f.height for f in expected),
    )


def _in_use(source: Settings) -> WarehouseError:
    return WarehouseError(
        f"the database {source.db_path} stayed in use by another program (an app server, an "
        "ingest worker or a command): stop what uses it, then move it, so nothing stored "
        "during the move is left behind. Nothing was moved.",
        title="The database is in use",
    )


def _moments(workspace: Workspace) -> list[datetime | None]:
    """Now, and the last board pack's moment (if any): the figures compared."""
    last = workspace.warehouse.last_board_pack()
    return [None] if last is None else [None, last.as_at]


def _figures(workspace: Workspace, as_at: datetime | None) -> pl.DataFrame:
    frame = workspace.figures(SYSTEM, as_at=as_at, unsuppressed=True)
    key = [n for n, t in frame.schema.items() if not (t.is_nested() or t.is_float())]
    return frame.sort(key, nulls_last=True)  # one row per outcome, area and month


def _alike(mine: object, theirs: object) -> bool:
    """Equal, numbers to within floating-point rounding: a sum of decimals taken in another
    order (the catalog stores the aggregates in other files) may differ in its last bits."""
    if isinstance(mine, float) and isinstance(theirs, float):
        return math.isclose(mine, theirs, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    if isinstance(mine, dict) and isinstance(theirs, dict):
        return mine.keys() == theirs.keys() and all(_alike(mine[k], theirs[k]) for k in mine)
    if isinstance(mine, list | tuple) and isinstance(theirs, list | tuple):
        return len(mine) == len(theirs) and all(map(_alike, mine, theirs))
    return mine == theirs


def _same_figures(before: pl.DataFrame, after: pl.DataFrame, as_at: datetime | None) -> None:
    if before.schema == after.schema and before.height == after.height:
        differing = sum(
            not _alike(mine, theirs)
            for mine, theirs in zip(before.iter_rows(), after.iter_rows(), strict=True)
        )
        if differing == 0:
            return
    else:
        differing = max(before.height, after.height)
    moment = "now" if as_at is None else f"as at {as_at:%d %B %Y %H:%M}"
    raise WarehouseError(
        f"the figures {moment} from the catalog differ from those of the file ({before.height:,} "
        f"figures in the file, {after.height:,} in the catalog, {differing:,} not alike), so the "
        "move was rolled back and the catalog is as it was. If something was submitted to the "
        "file during the move, stop what writes to it and move it again; otherwise please "
        "report this.",
        title="The figures differ",
    )
