"""Commentary, sign-offs and board-pack records: their storage (see `meeting.commentary`).

Tables from migration 4 of `schema`: `comments` (a comment's target and author, one row each),
`comment_events` (its history: 'added' with the first text, 'edited' with each new text,
'hidden' with who and why), `sign_offs` and `board_packs`. Nothing here updates or deletes a
row: an edit or a hide appends an event, so every earlier text is kept. A comment's current
state is its events folded in order. Every value is a bound parameter; statements are built
from fixed fragments only. Times are stored naive UTC and read back aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import EllipsisType
from typing import Any, Literal, get_args

import duckdb

from shared_outcomes.warehouse.measure_queries import utc_naive
from shared_outcomes.warehouse.schema import next_id, one_of

EventKind = Literal["added", "edited", "hidden"]


@dataclass(frozen=True)
class CommentVersion:
    """One text a comment has had: the text, who wrote it (their name) and when (UTC)."""

    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Comment:
    """A comment on a figure (outcome, area or None for the whole partnership, month) or on a
    submission, with its current text and every earlier one."""

    comment_id: int
    outcome: str | None
    area_code: str | None
    period: str | None
    submission_id: int | None
    author_id: str
    author_name: str
    author_role: str
    created_at: datetime
    text: str
    versions: tuple[CommentVersion, ...]
    hidden: bool
    hidden_by: str | None
    hidden_reason: str | None
    hidden_at: datetime | None = None

    @property
    def edited(self) -> bool:
        return len(self.versions) > 1

    @property
    def on_submission(self) -> bool:
        return self.submission_id is not None


@dataclass(frozen=True)
class SignOffRecord:
    """That `signed_name` recorded the month's picture as reviewed, and of which data."""

    sign_off_id: int
    period: str
    signed_by: str
    signed_name: str
    role: str
    signed_at: datetime
    newest_submission_id: int | None
    figures_digest: str


@dataclass(frozen=True)
class BoardPackRecord:
    """A board pack that was made: when, by whom, of which month and register state."""

    pack_id: int
    made_at: datetime
    made_by: str
    period: str
    as_at: datetime
    since: date
    newest_submission_id: int | None
    figures_digest: str
    format: str


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


# -- comments ----------------------------------------------------------------------------------

_COMMENT_COLUMNS = (
    "comment_id, outcome, area_code, period, submission_id, author_id, author_name, "
    "author_role, created_at"
)


def insert_comment(
    con: duckdb.DuckDBPyConnection,
    *,
    outcome: str | None,
    area_code: str | None,
    period: str | None,
    submission_id: int | None,
    author_id: str,
    author_name: str,
    author_role: str,
    text: str,
    at: datetime,
) -> int:
    """Store a new comment and its 'added' event in one transaction; return its id."""
    moment = utc_naive(at)
    con.begin()
    try:
        comment_id = next_id(con, "comments", "comment_id")
        con.execute(
            "INSERT INTO comments (comment_id, outcome, area_code, period, submission_id, "
            "author_id, author_name, author_role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [comment_id, outcome, area_code, period, submission_id, author_id, author_name,
             author_role, moment],
        )  # fmt: skip
        _insert_event(con, comment_id, 1, "added", text, None, author_id, author_name, moment)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return comment_id


def append_event(
    con: duckdb.DuckDBPyConnection,
    comment_id: int,
    kind: EventKind,
    text: str | None,
    reason: str | None,
    user_id: str,
    user_name: str,
    at: datetime,
) -> None:
    """Append one event to a comment's history (the next number in its sequence)."""
    con.begin()
    try:
        row = con.execute(
            "SELECT coalesce(max(seq), 0) FROM comment_events WHERE comment_id = ?", [comment_id]
        ).fetchone()
        seq = (int(row[0]) if row else 0) + 1
        _insert_event(con, comment_id, seq, kind, text, reason, user_id, user_name, utc_naive(at))
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _insert_event(
    con: duckdb.DuckDBPyConnection,
    comment_id: int,
    seq: int,
    kind: str,
    text: str | None,
    reason: str | None,
    user_id: str,
    user_name: str,
    at: datetime,
) -> None:
    one_of(kind, get_args(EventKind), "a comment event's kind")
    con.execute(
        "INSERT INTO comment_events "
        '(comment_id, seq, kind, text, reason, user_id, user_name, "at") '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [comment_id, seq, kind, text, reason, user_id, user_name, at],
    )


@dataclass(frozen=True)
class CommentFilter:
    """Which comments to read: every given field must hold (`area_code` ... means any area,
    None the whole partnership only); `periods` and `submission_ids` are sets of values."""

    outcome: str | None = None
    area_code: str | EllipsisType | None = ...
    period: str | None = None
    periods: Sequence[str] | None = None
    submission_ids: Sequence[int] | None = None
    comment_id: int | None = None


def select_comments(con: duckdb.DuckDBPyConnection, wanted: CommentFilter) -> list[Comment]:
    """The comments matching `wanted`, oldest first, each with its events folded."""
    clauses: list[str] = []
    params: list[Any] = []
    for clause, value in (
        ("comment_id = ?", wanted.comment_id),
        ("outcome = ?", wanted.outcome),
        ("period = ?", wanted.period),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if wanted.area_code is None:
        clauses.append("area_code IS NULL")
    elif isinstance(wanted.area_code, str):
        clauses.append("area_code = ?")
        params.append(wanted.area_code)
    for column, values in (("period", wanted.periods), ("submission_id", wanted.submission_ids)):
        if values is not None:
            clauses.append(f"list_contains(?, {column})")
            params.append(list(values))
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    rows = con.execute(
        f"SELECT {_COMMENT_COLUMNS} FROM comments{where} ORDER BY created_at, comment_id",  # noqa: S608 - fixed fragments
        params,
    ).fetchall()
    if not rows:
        return []
    ids = [int(r[0]) for r in rows]
    events: dict[int, list[tuple[Any, ...]]] = {i: [] for i in ids}
    for event in con.execute(
        'SELECT comment_id, kind, text, reason, user_name, "at" FROM comment_events '
        "WHERE list_contains(?, comment_id) ORDER BY comment_id, seq",
        [ids],
    ).fetchall():
        events[int(event[0])].append(event[1:])
    return [_fold(row, events[int(row[0])]) for row in rows]


def _fold(row: Sequence[Any], events: Sequence[tuple[Any, ...]]) -> Comment:
    """A comment's row and its events in order → its current state."""
    versions: list[CommentVersion] = []
    hidden_by = hidden_reason = None
    hidden_at = None
    for kind, text, reason, user_name, at in events:
        if kind in ("added", "edited") and text is not None:
            versions.append(CommentVersion(text, user_name, _aware(at)))
        elif kind == "hidden":
            hidden_by, hidden_reason, hidden_at = user_name, reason, _aware(at)
    comment_id, outcome, area_code, period, submission_id, author_id, name, role, created = row
    return Comment(
        comment_id=int(comment_id),
        outcome=outcome,
        area_code=area_code,
        period=period,
        submission_id=None if submission_id is None else int(submission_id),
        author_id=author_id,
        author_name=name,
        author_role=role,
        created_at=_aware(created),
        text=versions[-1].text if versions else "",
        versions=tuple(versions),
        hidden=hidden_at is not None,
        hidden_by=hidden_by,
        hidden_reason=hidden_reason,
        hidden_at=hidden_at,
    )


# -- sign-offs ---------------------------------------------------------------------------------

_SIGN_OFF_COLUMNS = (
    "sign_off_id, period, signed_by, signed_name, role, signed_at, newest_submission_id, "
    "figures_digest"
)
_INSERT_SIGN_OFF = (
    "INSERT INTO sign_offs (" + _SIGN_OFF_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608 - fixed names
)


def insert_sign_off(
    con: duckdb.DuckDBPyConnection,
    *,
    period: str,
    signed_by: str,
    signed_name: str,
    role: str,
    signed_at: datetime,
    newest_submission_id: int | None,
    figures_digest: str,
) -> SignOffRecord:
    row = (
        next_id(con, "sign_offs", "sign_off_id"), period, signed_by, signed_name, role,
        utc_naive(signed_at), newest_submission_id, figures_digest,
    )  # fmt: skip
    con.execute(_INSERT_SIGN_OFF, row)
    return _sign_off(row)


def select_sign_offs(con: duckdb.DuckDBPyConnection, period: str | None) -> list[SignOffRecord]:
    """Sign-offs (of `period`, or of every month), newest first."""
    rows = con.execute(
        f"SELECT {_SIGN_OFF_COLUMNS} FROM sign_offs WHERE ? IS NULL OR period = ? "  # noqa: S608 - fixed fragments
        "ORDER BY signed_at DESC, sign_off_id DESC",
        [period, period],
    ).fetchall()
    return [_sign_off(row) for row in rows]


def _sign_off(row: Sequence[Any]) -> SignOffRecord:
    sign_off_id, period, signed_by, signed_name, role, signed_at, newest, digest = row
    return SignOffRecord(
        sign_off_id=int(sign_off_id),
        period=period,
        signed_by=signed_by,
        signed_name=signed_name,
        role=role,
        signed_at=_aware(signed_at),
        newest_submission_id=None if newest is None else int(newest),
        figures_digest=digest,
    )


# -- board packs -------------------------------------------------------------------------------

_PACK_COLUMNS = (
    "pack_id, made_at, made_by, period, as_at, since, newest_submission_id, figures_digest, format"
)
_INSERT_BOARD_PACK = (
    "INSERT INTO board_packs (" + _PACK_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608 - fixed names
)


def insert_board_pack(
    con: duckdb.DuckDBPyConnection,
    *,
    made_at: datetime,
    made_by: str,
    period: str,
    as_at: datetime,
    since: date,
    newest_submission_id: int | None,
    figures_digest: str,
    file_format: str,
) -> BoardPackRecord:
    row = (
        next_id(con, "board_packs", "pack_id"), utc_naive(made_at), made_by, period,
        utc_naive(as_at), since, newest_submission_id, figures_digest, file_format,
    )  # fmt: skip
    con.execute(_INSERT_BOARD_PACK, row)
    return _board_pack(row)


def select_last_board_pack(con: duckdb.DuckDBPyConnection) -> BoardPackRecord | None:
    """The board pack made most recently, if any."""
    row = con.execute(
        f"SELECT {_PACK_COLUMNS} FROM board_packs ORDER BY made_at DESC, pack_id DESC LIMIT 1"  # noqa: S608 - fixed fragments
    ).fetchone()
    return None if row is None else _board_pack(row)


def _board_pack(row: Sequence[Any]) -> BoardPackRecord:
    pack_id, made_at, made_by, period, as_at, since, newest, digest, kind = row
    return BoardPackRecord(
        pack_id=int(pack_id),
        made_at=_aware(made_at),
        made_by=made_by,
        period=period,
        as_at=_aware(as_at),
        since=since,
        newest_submission_id=None if newest is None else int(newest),
        figures_digest=digest,
        format=kind,
    )
