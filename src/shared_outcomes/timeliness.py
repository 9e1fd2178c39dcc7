"""Timeliness: whether each extract for each month arrived on time, late, rejected or not at all.

Computed from the submissions register (one row per submission attempt) and the partnership's
deadlines (the extract for a month is due by `deadline_day` of the following month). Pure Polars
over a small frame, so the Data quality page and any report share one definition of "late".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

import polars as pl

#: Display order of the states (also the legend order on the page).
STATES = ("on time", "late", "resubmitted", "rejected", "missing", "not due")

REGISTER_SCHEMA = {
    "partner_id": pl.String,
    "dataset": pl.String,
    "period": pl.String,
    "submitted_at": pl.Datetime,
    "status": pl.String,
}


class _PartnerLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def datasets(self) -> Sequence[str]: ...
    @property
    def deadline_day(self) -> int: ...


def deadline(period: str, deadline_day: int) -> date:
    """The last day an extract for `period` ('YYYY-MM') counts as on time."""
    year, month = (int(part) for part in period.split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, min(deadline_day, 28))


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` inclusive, 'YYYY-MM'."""
    year, month = (int(part) for part in first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


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


def timeliness_grid(
    register: pl.DataFrame,
    partners: Mapping[str, _PartnerLike],
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
    partners: Mapping[str, _PartnerLike],
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
                "On time": on_time,
                "Accepted first time": clean,
                "Missing": missing,
                "On time (%)": round(100 * on_time / due, 1) if due else None,
            }
        )
    return pl.DataFrame(out)
