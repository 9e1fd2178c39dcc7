"""Timeliness: whether each extract for each month arrived on time, late, rejected or not at all.

Computed from the submissions register (one row per submission attempt) and the partnership's
deadlines (the extract for a month is due by `deadline_day` of the following month). Pure Polars
over a small frame, so the Data quality page and any report share one definition of "late".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

import polars as pl

from shared_outcomes.config.partnership import Partner
from shared_outcomes.period import Period, month_label
from shared_outcomes.warehouse.store import Submission

#: Display order of the states (also the legend order on the page).
STATES = ("on time", "late", "resubmitted", "rejected", "missing", "not due")

REGISTER_SCHEMA = {
    "partner_id": pl.String,
    "dataset": pl.String,
    "period": pl.String,
    "submitted_at": pl.Datetime,
    "status": pl.String,
}


def deadline(period: str, deadline_day: int) -> date:
    """The last day an extract for `period` ('YYYY-MM') counts as on time (`Period.due_date`)."""
    return Period.parse(period).due_date(deadline_day)


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` inclusive, 'YYYY-MM'."""
    return [str(p) for p in Period.span(first, last)]


def _state(attempts: pl.DataFrame, due: date, today: date) -> str:
    loaded = attempts.filter(pl.col("status").is_in(["accepted", "superseded"])).sort(
        "submitted_at"
    )
    if loaded.height == 0:
        if attempts.height:
            return "rejected"
        return "missing" if today > due else "not due"
    if loaded.height > 1:
        return "resubmitted"
    first: datetime = loaded["submitted_at"][0]
    return "on time" if first.date() <= due else "late"


def busiest_first(partners: Mapping[str, Partner], datasets: Sequence[str]) -> list[str]:
    """Datasets ordered by how many partners submit them (most first), then by name."""
    return sorted(datasets, key=lambda d: (-sum(d in p.datasets for p in partners.values()), d))


def timeliness_grid(
    register: pl.DataFrame,
    partners: Mapping[str, Partner],
    dataset: str,
    months: Sequence[str],
    today: date,
) -> pl.DataFrame:
    """One row per partner submitting `dataset` and month: `partner`, `period`, `state`.

    "resubmitted" means a corrected version replaced an earlier one; the partner's record
    (`partner_record`) still counts whether the first accepted version was on time.
    """
    rows = register.filter(pl.col("dataset") == dataset)
    out: list[dict[str, str]] = []
    for pid, partner in sorted(partners.items(), key=lambda item: item[1].name):
        if dataset not in partner.datasets:
            continue
        mine = rows.filter(pl.col("partner_id") == pid)
        for period in months:
            attempts = mine.filter(pl.col("period") == period)
            state = _state(attempts, deadline(period, partner.deadline_day), today)
            out.append(
                {"partner_id": pid, "partner": partner.name, "period": period, "state": state}
            )
    return pl.DataFrame(
        out,
        schema={
            "partner_id": pl.String,
            "partner": pl.String,
            "period": pl.String,
            "state": pl.String,
        },
    )


def partner_record(
    register: pl.DataFrame,
    partners: Mapping[str, Partner],
    months: Sequence[str],
    today: date,
) -> pl.DataFrame:
    """Each partner's record over `months`: extracts due, on time, clean first time, missing."""
    out = []
    for pid, partner in sorted(partners.items(), key=lambda item: item[1].name):
        due = on_time = clean = missing = 0
        for dataset in partner.datasets:
            mine = register.filter((pl.col("partner_id") == pid) & (pl.col("dataset") == dataset))
            for period in months:
                limit = deadline(period, partner.deadline_day)
                if today <= limit:
                    continue
                due += 1
                attempts = mine.filter(pl.col("period") == period).sort("submitted_at")
                loaded = attempts.filter(pl.col("status").is_in(["accepted", "superseded"]))
                if loaded.height == 0:
                    missing += 1
                    continue
                if loaded["submitted_at"][0].date() <= limit:
                    on_time += 1
                if attempts["status"][0] != "rejected":
                    clean += 1
        out.append(
            {
                "Partner": partner.name,
                "Extracts due": due,
                "On time": f"{on_time} ({100 * on_time / due:.0f}%)" if due else "—",
                "Accepted first time": clean,
                "Missing": missing,
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
    parts = [
        f"{counts[s]} {s}"
        for s in ("on time", "late", "resubmitted", "rejected", "missing")
        if counts.get(s)
    ]
    return (
        f"{dataset_title}: of {due} extracts due in the months shown, "
        + (", ".join(parts) if parts else "none have arrived")
        + "."
    )
