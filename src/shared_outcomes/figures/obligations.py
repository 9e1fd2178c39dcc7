"""The monthly cycle as obligations: every partner × dataset × month it must submit, with its
due date and its state, computed in one place from `partners.yaml` and the register.

An obligation for month M is due on the partner's `deadline_day` of month M+1
(`Partner.due_date`). Its state, first match wins:

- **nil return**: the current version is a declaration that there was nothing to report;
- **accepted** / **accepted with warnings**: the current version was accepted (its report's
  warnings decide which); `on_time` says whether the first accepted version (a nil return
  included) arrived by the due date;
- **rejected, not yet corrected**: attempts were made, none accepted;
- **excused**: nothing accepted, and the centre excused it (an admin or the data-standards
  team, with a reason);
- **overdue**: nothing received and the due date has passed;
- **due soon**: nothing received, due within `due_soon_days` (default 7) days or today;
- **not yet due**: nothing received, due later.

The Data quality page's timeliness grid and partner record (`timeliness`), the `obligations`
command, a partner's returns and the reminders all read these states.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

import polars as pl

from shared_outcomes.config.partnership import Partner
from shared_outcomes.period import Period
from shared_outcomes.warehouse.store import Excusal, Submission

#: Days before its due date from which an obligation is "due soon".
DUE_SOON_DAYS = 7


class State(StrEnum):
    NOT_YET_DUE = "not yet due"
    DUE_SOON = "due soon"
    OVERDUE = "overdue"
    ACCEPTED = "accepted"
    ACCEPTED_WITH_WARNINGS = "accepted with warnings"
    REJECTED = "rejected, not yet corrected"
    NIL_RETURN = "nil return"
    EXCUSED = "excused"
    #: Received and accepted, its data since erased (retention or a recorded erasure).
    ERASED = "received, data since erased"


#: The states in the order a list reads them: what needs doing first.
ORDER = (
    State.OVERDUE,
    State.REJECTED,
    State.DUE_SOON,
    State.NOT_YET_DUE,
    State.ACCEPTED_WITH_WARNINGS,
    State.ACCEPTED,
    State.NIL_RETURN,
    State.EXCUSED,
    State.ERASED,
)


_ACCEPTED = frozenset(
    {State.ACCEPTED, State.ACCEPTED_WITH_WARNINGS, State.NIL_RETURN, State.ERASED}
)


@dataclass(frozen=True)
class Obligation:
    """One return a partner owes: which, when due, how it stands."""

    partner_id: str
    dataset: str
    period: str
    due: date
    state: State
    #: The current accepted version, else the latest rejected attempt; None when nothing came.
    submission_id: int | None
    received_at: datetime | None
    #: Whether the first accepted version arrived by the due date (None until one is accepted).
    on_time: bool | None
    #: Why it was excused, and by whom ("reason (user)"); None unless excused.
    excused: str | None = None
    #: How many versions were accepted (the current one and those it replaced).
    versions: int = 0
    #: Whether the first attempt was accepted (None until something was received).
    clean_first_time: bool | None = None

    @property
    def month(self) -> str:
        return Period.parse(self.period).label


def obligation_months(last: str, count: int = 12) -> list[str]:
    """The `count` months ending with `last` (YYYY-MM), oldest first."""
    end = Period.parse(last)
    return [str(end.shifted(-i)) for i in range(count - 1, -1, -1)]


def obligations(
    partners: Mapping[str, Partner],
    register: Iterable[Submission],
    months: Sequence[str],
    today: date,
    *,
    warnings: Mapping[int, int] | None = None,
    excusals: Iterable[Excusal] = (),
    due_soon_days: int = DUE_SOON_DAYS,
) -> list[Obligation]:
    """Every obligation of `partners` for `months`, partner by partner (by name), then dataset
    and month; `warnings` counts each accepted submission's warnings (by id); `excusals` are
    the returns the centre excused (the latest of each counts)."""
    excused = {
        (e.partner_id, e.dataset, e.period): f"{e.reason} ({e.excused_by})" for e in excusals
    }
    attempts: dict[tuple[str, str, str], list[Submission]] = {}
    for s in register:
        attempts.setdefault((s.partner_id, s.dataset, s.period), []).append(s)
    found = []
    for pid, partner in sorted(partners.items(), key=lambda item: item[1].name):
        for dataset in partner.datasets:
            for period in months:
                key = (pid, dataset, period)
                owed = _obligation(
                    partner, dataset, period, attempts.get(key, []), today, warnings or {},
                    due_soon_days,
                )  # fmt: skip
                if key in excused and owed.state not in _ACCEPTED:
                    owed = replace(owed, state=State.EXCUSED, excused=excused[key])
                found.append(owed)
    return found


def _obligation(
    partner: Partner,
    dataset: str,
    period: str,
    attempts: list[Submission],
    today: date,
    warnings: Mapping[int, int],
    due_soon_days: int,
) -> Obligation:
    due = partner.due_date(period)
    ordered = sorted(attempts, key=lambda s: (s.submitted_at, s.submission_id))
    loaded = [s for s in ordered if s.status in ("accepted", "superseded", "erased")]
    # The latest version that was loaded: the current one, or a current one since erased.
    current = next((s for s in reversed(ordered) if s.status in ("accepted", "erased")), None)
    if current is not None:
        if current.status == "erased":
            state = State.ERASED
        elif current.is_nil:
            state = State.NIL_RETURN
        elif warnings.get(current.submission_id):
            state = State.ACCEPTED_WITH_WARNINGS
        else:
            state = State.ACCEPTED
        on_time = loaded[0].submitted_at.date() <= due
        return Obligation(partner.id, dataset, period, due, state, current.submission_id,
                          current.submitted_at, on_time, versions=len(loaded),
                          clean_first_time=ordered[0].status != "rejected")  # fmt: skip
    if ordered:
        last = ordered[-1]
        return Obligation(partner.id, dataset, period, due, State.REJECTED, last.submission_id,
                          last.submitted_at, None, clean_first_time=False)  # fmt: skip
    if today > due:
        state = State.OVERDUE
    elif (due - today).days <= due_soon_days:
        state = State.DUE_SOON
    else:
        state = State.NOT_YET_DUE
    return Obligation(partner.id, dataset, period, due, state, None, None, None)


def obligations_frame(
    found: Sequence[Obligation], partners: Mapping[str, Partner], titles: Mapping[str, str]
) -> pl.DataFrame:
    """The obligations as people read them, what needs doing first: partner, dataset (its
    title), month, due date, state, on time, submission."""
    rank = {state: i for i, state in enumerate(ORDER)}
    ordered = sorted(found, key=lambda o: (partners[o.partner_id].name, rank[o.state],
                                           o.due, o.dataset))  # fmt: skip
    return pl.DataFrame(
        {
            "Partner": [partners[o.partner_id].name for o in ordered],
            "Dataset": [titles.get(o.dataset, o.dataset) for o in ordered],
            "Month": [o.month for o in ordered],
            "Due": [o.due.isoformat() for o in ordered],
            "State": [str(o.state) for o in ordered],
            "On time": [
                "" if o.on_time is None else ("yes" if o.on_time else "late") for o in ordered
            ],
            "Submission": [
                "" if o.submission_id is None else f"#{o.submission_id}" for o in ordered
            ],
        },
        schema=dict.fromkeys(
            ("Partner", "Dataset", "Month", "Due", "State", "On time", "Submission"), pl.String
        ),
    )


def summary_frame(found: Sequence[Obligation], partners: Mapping[str, Partner]) -> pl.DataFrame:
    """One row per partner: how many of its obligations are in each state, and how many of
    those received were on time."""
    rows = []
    for pid in sorted({o.partner_id for o in found}, key=lambda p: partners[p].name):
        mine = [o for o in found if o.partner_id == pid]
        counts = {str(state): sum(o.state == state for o in mine) for state in ORDER}
        accepted = [o for o in mine if o.on_time is not None]
        on_time = sum(bool(o.on_time) for o in accepted)
        rows.append(
            {
                "Partner": partners[pid].name,
                "Obligations": len(mine),
                **counts,
                "On time": f"{on_time} of {len(accepted)}" if accepted else "—",
            }
        )
    columns = ["Partner", "Obligations", *(str(s) for s in ORDER), "On time"]
    schema = {c: (pl.Int64 if c not in ("Partner", "On time") else pl.String) for c in columns}
    return pl.DataFrame(rows, schema=schema)
