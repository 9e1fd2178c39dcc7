"""Reminders' storage: what was sent (`reminders_sent`) and the partners' pauses
(`reminder_pauses`), both from migration 5 of `schema` (see `jobs.reminders`).

`reminders_sent` has one row per partner × dataset × month × stage (`due_soon`, `overdue`),
its primary key, so the same reminder is never recorded (and so never sent) twice; a row is
written only once the mail server accepted the message. `reminder_pauses` keeps every pause
made, appended: a partner's latest pause is the one in force. Every value is a bound
parameter; statements are built from fixed fragments only. Times are stored naive UTC and read
back aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, get_args

import duckdb

from shared_outcomes.warehouse.measure_queries import utc_naive
from shared_outcomes.warehouse.schema import one_of

Stage = Literal["due_soon", "overdue"]
#: The stages in the order an obligation meets them.
STAGES: tuple[Stage, ...] = ("due_soon", "overdue")


@dataclass(frozen=True)
class ReminderPause:
    """A partner's reminders paused until a day (inclusive): by whom, when (UTC) and why."""

    partner_id: str
    paused_until: date
    paused_by: str
    paused_at: datetime
    reason: str | None


@dataclass(frozen=True)
class SentReminder:
    """One obligation a reminder was sent about: whose, which return, which stage, to whom and
    when the mail server accepted it (UTC)."""

    partner_id: str
    dataset: str
    period: str
    stage: Stage
    recipients: tuple[str, ...]
    sent_at: datetime


def _pause(row: Sequence[Any]) -> ReminderPause:
    partner_id, until, by, at, reason = row
    return ReminderPause(partner_id, until, by, at.replace(tzinfo=UTC), reason)


def _sent(row: Sequence[Any]) -> SentReminder:
    partner_id, dataset, period, stage, recipients, at = row
    addresses = tuple(a for a in str(recipients).split(", ") if a)
    return SentReminder(partner_id, dataset, period, stage, addresses, at.replace(tzinfo=UTC))


# -- pauses --------------------------------------------------------------------------------------

_PAUSE_COLUMNS = "partner_id, paused_until, paused_by, paused_at, reason"
_INSERT_PAUSE = (
    "INSERT INTO reminder_pauses (" + _PAUSE_COLUMNS + ") VALUES (?, ?, ?, ?, ?)"  # noqa: S608 - fixed names
)


def insert_pause(
    con: duckdb.DuckDBPyConnection,
    *,
    partner: str,
    until: date,
    paused_by: str,
    paused_at: datetime,
    reason: str | None,
) -> ReminderPause:
    """Append a pause (the partner's latest, so the one in force)."""
    row = (partner, until, paused_by, utc_naive(paused_at), reason)
    con.execute(_INSERT_PAUSE, row)
    return _pause(row)


def select_current_pauses(
    con: duckdb.DuckDBPyConnection, *, on: date, partner: str | None = None
) -> list[ReminderPause]:
    """Each partner's latest pause (of `partner` only, when given), where it lasts until `on`
    or later; by partner."""
    rows = con.execute(
        "SELECT " + _PAUSE_COLUMNS + " FROM ("  # noqa: S608 - fixed names
        "SELECT *, row_number() OVER (PARTITION BY partner_id ORDER BY paused_at DESC, "
        "paused_until DESC) AS latest FROM reminder_pauses WHERE ? IS NULL OR partner_id = ?"
        ") WHERE latest = 1 AND paused_until >= ? ORDER BY partner_id",
        [partner, partner, on],
    ).fetchall()
    return [_pause(row) for row in rows]


# -- reminders sent ------------------------------------------------------------------------------

_SENT_COLUMNS = "partner_id, dataset, period, stage, recipients, sent_at"
_INSERT_SENT = (
    "INSERT INTO reminders_sent (" + _SENT_COLUMNS + ") SELECT $1, $2, $3, $4, $5, $6 "  # noqa: S608 - fixed names
    "WHERE NOT EXISTS (SELECT 1 FROM reminders_sent WHERE partner_id = $1 AND dataset = $2 "
    "AND period = $3 AND stage = $4)"
)


def insert_sent(con: duckdb.DuckDBPyConnection, sent: Sequence[SentReminder]) -> None:
    """Record the obligations of one accepted message, in one transaction; an obligation
    already recorded for its stage is left as it was."""
    con.begin()
    try:
        for item in sent:
            one_of(item.stage, get_args(Stage), "a reminder's stage")
            con.execute(
                _INSERT_SENT,
                [item.partner_id, item.dataset, item.period, item.stage,
                 ", ".join(item.recipients), utc_naive(item.sent_at)],
            )  # fmt: skip
    except BaseException:
        con.rollback()
        raise
    con.commit()


def select_sent(
    con: duckdb.DuckDBPyConnection, *, partner: str | None = None
) -> list[SentReminder]:
    """Every reminder recorded (of `partner` only, when given), oldest first."""
    rows = con.execute(
        "SELECT " + _SENT_COLUMNS + " FROM reminders_sent "  # noqa: S608 - fixed names
        "WHERE ? IS NULL OR partner_id = ? ORDER BY sent_at, partner_id, dataset, period, stage",
        [partner, partner],
    ).fetchall()
    return [_sent(row) for row in rows]


# -- agreement reviews ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SentReview:
    """One reminder that an agreement is due for review, sent to one party's contacts: which
    agreement, which review date, which party, to whom and when the server accepted it (UTC)."""

    agreement_id: str
    review_date: date
    partner_id: str
    recipients: tuple[str, ...]
    sent_at: datetime


_REVIEW_COLUMNS = "agreement_id, review_date, partner_id, recipients, sent_at"
_INSERT_REVIEW = (
    "INSERT INTO agreement_reviews_sent (" + _REVIEW_COLUMNS + ") SELECT $1, $2, $3, $4, $5 "  # noqa: S608 - fixed names
    "WHERE NOT EXISTS (SELECT 1 FROM agreement_reviews_sent WHERE agreement_id = $1 "
    "AND review_date = $2 AND partner_id = $3)"
)


def insert_reviews_sent(con: duckdb.DuckDBPyConnection, sent: Sequence[SentReview]) -> None:
    """Record review reminders the mail server accepted, in one transaction; one already
    recorded for its agreement, review date and party is left as it was."""
    con.begin()
    try:
        for item in sent:
            con.execute(
                _INSERT_REVIEW,
                [item.agreement_id, item.review_date, item.partner_id,
                 ", ".join(item.recipients), utc_naive(item.sent_at)],
            )  # fmt: skip
    except BaseException:
        con.rollback()
        raise
    con.commit()


def select_reviews_sent(con: duckdb.DuckDBPyConnection) -> list[SentReview]:
    """Every review reminder recorded, oldest first."""
    rows = con.execute(
        "SELECT " + _REVIEW_COLUMNS + " FROM agreement_reviews_sent "  # noqa: S608 - fixed names
        "ORDER BY sent_at, agreement_id, partner_id"
    ).fetchall()
    return [
        SentReview(a, day, p, tuple(x for x in str(to).split(", ") if x), at.replace(tzinfo=UTC))
        for a, day, p, to, at in rows
    ]
