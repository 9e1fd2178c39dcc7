"""Erasure's storage: the tombstones (`erasures`) and the requests awaiting a second
administrator (`erasure_requests`), both from migration 6 of `schema` (see `Warehouse.erase`).

An erased submission keeps its register row, as its tombstone: its id, partner, dataset, month,
file hash, row count and who sent it when stay; its status becomes 'erased' and everything that
could hold content goes (the stored report, whose findings quote cells; the file name; a nil
return's note). `erasures` says when, by whom and under which rule (`retention`, with the
agreement and its period, or `request`, with the reason and both administrators). Every value
is a bound parameter; statements are built from fixed fragments only. Times are stored naive
UTC and read back aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import duckdb

from shared_outcomes.warehouse.measure_queries import utc_naive
from shared_outcomes.warehouse.schema import one_of

Rule = Literal["retention", "request"]
#: Each rule in words, as tombstones, figures' marks and caveats say it.
RULE_WORDS: dict[str, str] = {"retention": "under retention", "request": "on request"}


@dataclass(frozen=True)
class Erasure:
    """The record of one erased submission: when, by whom, under which rule and why.

    `detail` is the rule in words: the agreement and its retention period, or the reason given
    for an erasure on request. For a request, `requested_by` and `requested_at` name the first
    administrator; `erased_by` is then the one who confirmed it.
    """

    submission_id: int
    erased_at: datetime
    erased_by: str
    rule: Rule
    detail: str
    requested_by: str | None = None
    requested_at: datetime | None = None

    @property
    def under(self) -> str:
        """'under retention' or 'on request', as a figure's mark says it."""
        return RULE_WORDS[self.rule]


@dataclass(frozen=True)
class ErasureRequest:
    """An erasure one administrator asked for, waiting for another to confirm it."""

    submission_id: int
    reason: str
    requested_by: str
    requested_at: datetime


_ERASURE_COLUMNS = "submission_id, erased_at, erased_by, rule, detail, requested_by, requested_at"
_REQUEST_COLUMNS = "submission_id, reason, requested_by, requested_at"


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


def _erasure(row: Sequence[Any]) -> Erasure:
    sid, at, by, rule, detail, requested_by, requested_at = row
    return Erasure(int(sid), at.replace(tzinfo=UTC), by, rule, detail, requested_by,
                   _aware(requested_at))  # fmt: skip


def _request(row: Sequence[Any]) -> ErasureRequest:
    sid, reason, by, at = row
    return ErasureRequest(int(sid), reason, by, at.replace(tzinfo=UTC))


def insert_erasure(con: duckdb.DuckDBPyConnection, erasure: Erasure) -> None:
    """Record the tombstone's rule, in the caller's transaction (the erasure's own)."""
    one_of(erasure.rule, get_args(Rule), "an erasure's rule")
    con.execute(
        "INSERT INTO erasures (" + _ERASURE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)",  # noqa: S608 - fixed names
        [
            erasure.submission_id, utc_naive(erasure.erased_at), erasure.erased_by, erasure.rule,
            erasure.detail, erasure.requested_by,
            None if erasure.requested_at is None else utc_naive(erasure.requested_at),
        ],
    )  # fmt: skip


def select_erasures(
    con: duckdb.DuckDBPyConnection, submission_ids: Sequence[int] | None = None
) -> list[Erasure]:
    """Every erasure (of `submission_ids` only, when given), oldest first."""
    rows = con.execute(
        "SELECT " + _ERASURE_COLUMNS + " FROM erasures "  # noqa: S608 - fixed names
        "WHERE ? IS NULL OR submission_id IN (SELECT unnest(CAST(? AS BIGINT[]))) "
        "ORDER BY erased_at, submission_id",
        [None if submission_ids is None else 1, list(submission_ids or [])],
    ).fetchall()
    return [_erasure(row) for row in rows]


def insert_request(con: duckdb.DuckDBPyConnection, request: ErasureRequest) -> None:
    """Record a request for erasure (one per submission: a second is refused by the key)."""
    con.execute(
        "INSERT INTO erasure_requests (" + _REQUEST_COLUMNS + ") VALUES (?, ?, ?, ?)",  # noqa: S608 - fixed names
        [request.submission_id, request.reason, request.requested_by,
         utc_naive(request.requested_at)],
    )  # fmt: skip


def select_request(con: duckdb.DuckDBPyConnection, submission_id: int) -> ErasureRequest | None:
    """The request waiting for confirmation for a submission, if any."""
    row = con.execute(
        "SELECT " + _REQUEST_COLUMNS + " FROM erasure_requests WHERE submission_id = ?",  # noqa: S608 - fixed names
        [submission_id],
    ).fetchone()
    return None if row is None else _request(row)


def select_requests(con: duckdb.DuckDBPyConnection) -> list[ErasureRequest]:
    """Every request waiting for confirmation, oldest first."""
    rows = con.execute(
        "SELECT " + _REQUEST_COLUMNS + " FROM erasure_requests ORDER BY requested_at"  # noqa: S608 - fixed names
    ).fetchall()
    return [_request(row) for row in rows]


def delete_request(con: duckdb.DuckDBPyConnection, submission_id: int) -> None:
    """Remove a request once it is carried out (in the erasure's transaction) or withdrawn."""
    con.execute("DELETE FROM erasure_requests WHERE submission_id = ?", [submission_id])
