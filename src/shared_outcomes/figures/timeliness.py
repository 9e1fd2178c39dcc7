"""Timeliness: whether each extract for each month arrived on time, late, rejected or not at all.

Read from the obligations (`figures.obligations`: the register against the partnership's
deadlines, an extract for a month due by `deadline_day` of the following month), so the Data
quality page, the `obligations` command, the returns page and the reminders share one
definition of "late"; and the register itself as a small frame for the recent-submissions table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import polars as pl

from shared_outcomes.config.partnership import Partner
from shared_outcomes.figures.obligations import Obligation, State
from shared_outcomes.period import Period, month_label
from shared_outcomes.warehouse.store import Submission

#: The grid's states, in display order (also the legend order on the page), each read from an
#: obligation (`figures.obligations`): received on time or late (by its first accepted version),
#: resubmitted (a correction replaced it), a nil return, rejected and not corrected, excused,
#: missing (overdue), or not yet due.
STATES = ("on time", "late", "resubmitted", "nil return", "rejected", "excused", "missing",
          "not due")  # fmt: skip

_FROM_OBLIGATION = {
    State.REJECTED: "rejected",
    State.EXCUSED: "excused",
    State.OVERDUE: "missing",
    State.DUE_SOON: "not due",
    State.NOT_YET_DUE: "not due",
    State.NIL_RETURN: "nil return",
}


def deadline(period: str, deadline_day: int) -> date:
    """The last day an extract for `period` ('YYYY-MM') counts as on time (`Period.due_date`)."""
    return Period.parse(period).due_date(deadline_day)


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` inclusive, 'YYYY-MM'."""
    return [str(p) for p in Period.span(first, last)]


def grid_state(owed: Obligation) -> str:
    """How one obligation reads in the grid (`STATES`)."""
    if owed.state in _FROM_OBLIGATION:
        return _FROM_OBLIGATION[owed.state]
    if owed.versions > 1:
        return "resubmitted"
    return "on time" if owed.on_time else "late"


def busiest_first(partners: Mapping[str, Partner], datasets: Sequence[str]) -> list[str]:
    """Datasets ordered by how many partners submit them (most first), then by name."""
    return sorted(datasets, key=lambda d: (-sum(d in p.datasets for p in partners.values()), d))


def timeliness_grid(
    owed: Sequence[Obligation], partners: Mapping[str, Partner], dataset: str
) -> pl.DataFrame:
    """One row per partner submitting `dataset` and month of `owed` (the obligations,
    `Workspace.timeliness`): `partner_id`, `partner`, `period`, `state` (`grid_state`).

    "resubmitted" means a corrected version replaced an earlier one; the partner's record
    (`partner_record`) still counts whether the first accepted version was on time.
    """
    mine = sorted(
        (o for o in owed if o.dataset == dataset),
        key=lambda o: (partners[o.partner_id].name, o.period),
    )
    return pl.DataFrame(
        {
            "partner_id": [o.partner_id for o in mine],
            "partner": [partners[o.partner_id].name for o in mine],
            "period": [o.period for o in mine],
            "state": [grid_state(o) for o in mine],
        },
        schema=dict.fromkeys(("partner_id", "partner", "period", "state"), pl.String),
    )


def partner_record(owed: Sequence[Obligation], partners: Mapping[str, Partner]) -> pl.DataFrame:
    """Each partner's record over the obligations `owed` whose due date has passed: returns
    due, on time (by the first accepted version; a nil return counts), accepted first time,
    excused, missing."""
    out = []
    for pid, partner in sorted(partners.items(), key=lambda item: item[1].name):
        past = [
            o
            for o in owed
            if o.partner_id == pid and o.state not in (State.NOT_YET_DUE, State.DUE_SOON)
        ]
        due = len(past)
        on_time = sum(bool(o.on_time) for o in past)
        out.append(
            {
                "Partner": partner.name,
                "Returns due": due,
                "On time": f"{on_time} ({100 * on_time / due:.0f}%)" if due else "—",
                "Accepted first time": sum(bool(o.clean_first_time) for o in past),
                "Excused": sum(o.state == State.EXCUSED for o in past),
                "Missing": sum(o.state == State.OVERDUE for o in past),
            }
        )
    return pl.DataFrame(out)


# --- the submissions register --------------------------------------------------------------


def register_frame(submissions: Iterable[Submission]) -> pl.DataFrame:
    """Register rows (warehouse `Submission` records) as a frame, newest first by time."""
    fields = ["submission_id", "partner_id", "dataset", "period", "file_name", "rows"]
    fields += ["submitted_by", "submitted_at", "status", "supersedes", "contract_version"]
    records = [{name: getattr(s, name) for name in fields} for s in submissions]
    schema = {
        "submission_id": pl.Int64,
        "partner_id": pl.String,
        "dataset": pl.String,
        "period": pl.String,
        "file_name": pl.String,
        "rows": pl.Int64,
        "submitted_by": pl.String,
        "submitted_at": pl.Datetime,
        "status": pl.String,
        "supersedes": pl.Int64,
        "contract_version": pl.String,
    }
    # Newest by time: ids follow the order of loading, not of sending (a bulk load, a restatement).
    return pl.DataFrame(records, schema=schema).sort(
        "submitted_at", "submission_id", descending=True
    )


def recent_submissions_table(
    register: pl.DataFrame,
    partners: Mapping[str, Partner],
    limit: int = 25,
    *,
    dataset: str | None = None,
    titles: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """The latest attempts (of `dataset`, if given) as people read them, newest first by time:
    partner name, dataset title (from `titles`, dataset id → contract title), month ('Mar 2016'),
    file, rows, status, when and by whom."""
    names = {pid: p.name for pid, p in partners.items()}
    rows = register if dataset is None else register.filter(pl.col("dataset") == dataset)
    shown = rows.sort("submitted_at", "submission_id", descending=True).head(limit)
    months = {p: month_label(p) for p in shown["period"].drop_nulls().unique()}
    return shown.select(
        pl.col("submission_id").alias("Submission"),
        pl.col("partner_id").replace_strict(names, default=pl.col("partner_id")).alias("Partner"),
        pl.col("dataset").replace_strict(titles or {}, default=pl.col("dataset")).alias("Dataset"),
        pl.col("period").replace_strict(months, default=pl.col("period")).alias("Month"),
        pl.col("file_name").alias("File"),
        pl.col("rows").alias("Rows"),
        pl.col("status").alias("Status"),
        pl.col("submitted_at").dt.strftime("%Y-%m-%d %H:%M").alias("Submitted (UTC)"),
        pl.col("submitted_by").alias("Submitted by"),
    )


def latest_months(register: pl.DataFrame, count: int = 12) -> list[str]:
    """The `count` months ending with the newest month in the register (oldest first)."""
    periods = register["period"].drop_nulls()
    if periods.is_empty():
        return []
    last = str(periods.max())
    year, month = (int(part) for part in last.split("-"))
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def timeliness_summary(grid: pl.DataFrame, dataset_title: str) -> str:
    """One sentence for the grid's text alternative: how many were on time, late, missing."""
    counts = dict(grid.group_by("state").len().iter_rows())
    due = sum(n for state, n in counts.items() if state != "not due")
    parts = [f"{counts[s]} {s}" for s in STATES if s != "not due" and counts.get(s)]
    return (
        f"{dataset_title}: of {due} extracts due in the months shown, "
        + (", ".join(parts) if parts else "none have arrived")
        + "."
    )
