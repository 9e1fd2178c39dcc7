"""The audit log's storage: append one entry, read entries back by filter (see `audit`).

Entries live in the `audit_log` table (migration 2 of `warehouse_schema`). Nothing here updates
or deletes a row: the log is append-only. Every value is a bound parameter; the statement is
built from fixed fragments only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from shared_outcomes.warehouse.schema import one_of


@dataclass(frozen=True)
class AuditRow:
    """One entry as stored: naive UTC time, who, their role, what, for whom, detail JSON."""

    at: datetime
    user_id: str
    role: str | None
    action: str
    partner: str | None
    dataset: str | None
    detail_json: str
    outcome: str


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read: each given field must match; `before` is an entry id."""

    limit: int
    user_id: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    before: int | None = None


def append(con: duckdb.DuckDBPyConnection, row: AuditRow, entry_id: int) -> None:
    """Store `row` as the entry `entry_id` (the backend's next id: `audit_id`)."""
    one_of(row.outcome, ("allowed", "denied"), "an audit entry's outcome")
    con.execute(
        'INSERT INTO audit_log (id, "at", user_id, role, action, partner, dataset, detail, '
        "outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [entry_id, row.at, row.user_id, row.role, row.action, row.partner,
         row.dataset, row.detail_json, row.outcome],
    )  # fmt: skip


def select(con: duckdb.DuckDBPyConnection, wanted: AuditFilter) -> pl.DataFrame:
    """The newest entries matching `wanted`, newest first."""
    filters: list[tuple[str, object]] = []
    for clause, value in (
        ("user_id = ?", wanted.user_id),
        ("action = ?", wanted.action),
        ("outcome = ?", wanted.outcome),
        ('"at" >= ?', wanted.since),
        ("id < ?", wanted.before),
    ):
        if value is not None:
            filters.append((clause, value))
    where = " WHERE " + " AND ".join(sql for sql, _ in filters) if filters else ""
    params = [value for _, value in filters] + [wanted.limit]
    sql = (
        'SELECT id, "at", user_id, role, action, partner, dataset, CAST(detail AS VARCHAR) '  # noqa: S608 - fixed fragments
        f"AS detail, outcome FROM audit_log{where} ORDER BY id DESC LIMIT ?"
    )
    return con.execute(sql, params).pl()
