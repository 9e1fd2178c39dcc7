"""A partner's returns as a task list, worded for the "Your returns" page: every obligation
(`figures.obligations`) in words with a symbol beside its state (never colour alone), grouped
so that what needs doing comes first, newest month first within each group, with what to do
about it, and the sentences the page's forms and confirmations say.

No Streamlit here: the page draws these rows and calls the facade; every refusal is the core's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import polars as pl

from shared_outcomes.figures.obligations import ORDER, Obligation, State, obligation_months
from shared_outcomes.period import Period
from shared_outcomes.warehouse.store import Submission

#: A symbol for each state, shown before its words: the state never rests on colour alone.
SYMBOLS: dict[State, str] = {
    State.OVERDUE: "⚠",
    State.REJECTED: "✗",
    State.DUE_SOON: "◔",
    State.NOT_YET_DUE: "○",
    State.ACCEPTED_WITH_WARNINGS: "✓",
    State.ACCEPTED: "✓",
    State.NIL_RETURN: "∅",
    State.EXCUSED: "–",
    State.ERASED: "⌫",
}

#: The task list's groups, in reading order: what needs doing first.
NEEDS_DOING = "Needs doing"
NOT_YET_DUE = "Not yet due"
DONE = "Received or excused"
GROUPS: dict[str, frozenset[State]] = {
    NEEDS_DOING: frozenset({State.OVERDUE, State.REJECTED, State.DUE_SOON}),
    NOT_YET_DUE: frozenset({State.NOT_YET_DUE}),
    DONE: frozenset(
        {
            State.ACCEPTED_WITH_WARNINGS,
            State.ACCEPTED,
            State.NIL_RETURN,
            State.EXCUSED,
            State.ERASED,
        }
    ),
}
#: What a group with nothing in it says.
EMPTY_GROUP = {
    NEEDS_DOING: "Nothing needs doing in these months.",
    NOT_YET_DUE: "Nothing is waiting for a later due date.",
    DONE: "Nothing has been received or excused for these months yet.",
}

#: The states for which "nothing to report" may be declared: nothing has been accepted yet.
NIL_RETURN_STATES = frozenset({State.DUE_SOON, State.OVERDUE, State.NOT_YET_DUE, State.REJECTED})

#: How many months the list covers.
MONTHS_SHOWN = 12

_TO_DO = {
    State.OVERDUE: "Send the extract now: it is past its due date",
    State.REJECTED: "Correct the file and send it again",
    State.DUE_SOON: "Send the extract by the due date",
    State.NOT_YET_DUE: "Send the extract once the month's data is complete",
    State.ACCEPTED_WITH_WARNINGS: "Nothing required; read the report's warnings",
    State.ACCEPTED: "Nothing to do",
    State.NIL_RETURN: "Nothing to do",
    State.EXCUSED: "Nothing to do: the centre excused it",
    State.ERASED: "Nothing to do: it was received, and its data since erased",
}

COLUMNS = ("State", "Dataset", "Month", "Due", "On time", "Submission", "Note", "What to do")


class Pause(Protocol):
    """What the page reads of a reminder pause (`Workspace.reminder_pauses`)."""

    @property
    def partner_id(self) -> str: ...
    @property
    def paused_until(self) -> date: ...
    @property
    def paused_by(self) -> str: ...
    @property
    def paused_at(self) -> datetime: ...
    @property
    def reason(self) -> str | None: ...


@dataclass(frozen=True)
class ReturnRow:
    """One obligation as the task list reads it: every cell in words."""

    obligation: Obligation
    group: str
    state: str
    dataset: str
    month: str
    due: str
    on_time: str
    submission: str
    note: str
    to_do: str

    @property
    def key(self) -> str:
        return return_key(self.obligation)

    @property
    def label(self) -> str:
        """One line for a picker: '⚠ overdue · Homelessness cases · Oct 2017 · due 10 Nov 2017'."""
        submitted = f" · {self.submission}" if self.submission else ""
        return f"{self.state} · {self.dataset} · {self.month} · due {self.due}{submitted}"


def return_key(obligation: Obligation) -> str:
    """Which return it is, as one text ('homelessness_cases/2017-10'): a picker's option."""
    return f"{obligation.dataset}/{obligation.period}"


def state_words(state: State) -> str:
    """'⚠ overdue': the symbol, then the words."""
    return f"{SYMBOLS[state]} {state}"


def group_of(state: State) -> str:
    return next(name for name, states in GROUPS.items() if state in states)


def day_words(day: date) -> str:
    """'10 Nov 2017'."""
    return f"{day.day} {day:%b %Y}"


def due_words(obligation: Obligation, today: date) -> str:
    """The due date, and for a return not yet received how far it is: '10 Nov 2017 (3 days
    ago)', '10 Dec 2026 (in 8 days)', '(today)'."""
    words = day_words(obligation.due)
    if obligation.state not in NIL_RETURN_STATES:
        return words
    days = (obligation.due - today).days
    if days == 0:
        return f"{words} (today)"
    if days > 0:
        return f"{words} (in {days} day{'s' if days != 1 else ''})"
    return f"{words} ({-days:,} day{'s' if days != -1 else ''} ago)"


def on_time_words(obligation: Obligation) -> str:
    """'on time' or 'late' once accepted (a nil return included), else '—'."""
    if obligation.on_time is None:
        return "—"
    return "on time" if obligation.on_time else "late"


def note_words(obligation: Obligation, submission: Submission | None) -> str:
    """The excused reason, or 'nil return' and its reason; else nothing."""
    if obligation.state == State.EXCUSED:
        return f"excused: {obligation.excused}"
    if obligation.state == State.NIL_RETURN:
        why = submission.note if submission is not None else None
        return f"nil return: {why}" if why else "nil return (no reason given)"
    return ""


def task_rows(
    found: Sequence[Obligation],
    titles: Mapping[str, str],
    today: date,
    submissions: Mapping[int, Submission] | None = None,
) -> list[ReturnRow]:
    """The obligations as the task list reads them: the groups in order (`GROUPS`), within each
    the newest month first, then what needs doing first (`figures.obligations.ORDER`), then the
    dataset's title. `submissions` (by id) give a nil return's reason."""
    rank = {state: i for i, state in enumerate(ORDER)}
    group_rank = {name: i for i, name in enumerate(GROUPS)}
    known = submissions or {}

    def order(o: Obligation) -> tuple[int, int, int, str]:
        title = titles.get(o.dataset, o.dataset)
        return (group_rank[group_of(o.state)], -Period.parse(o.period).index, rank[o.state], title)

    rows = []
    for o in sorted(found, key=order):
        sent = known.get(o.submission_id) if o.submission_id is not None else None
        rows.append(
            ReturnRow(
                obligation=o,
                group=group_of(o.state),
                state=state_words(o.state),
                dataset=titles.get(o.dataset, o.dataset),
                month=o.month,
                due=due_words(o, today),
                on_time=on_time_words(o),
                submission="" if o.submission_id is None else f"#{o.submission_id}",
                note=note_words(o, sent),
                to_do=_TO_DO[o.state],
            )
        )
    return rows


def grouped(rows: Sequence[ReturnRow]) -> list[tuple[str, list[ReturnRow]]]:
    """Every group in reading order with its rows (an empty group kept, so it can say so)."""
    return [(name, [r for r in rows if r.group == name]) for name in GROUPS]


def task_table(rows: Sequence[ReturnRow]) -> pl.DataFrame:
    """The rows as a table, one column per cell, all text."""
    values = {
        "State": [r.state for r in rows],
        "Dataset": [r.dataset for r in rows],
        "Month": [r.month for r in rows],
        "Due": [r.due for r in rows],
        "On time": [r.on_time for r in rows],
        "Submission": [r.submission for r in rows],
        "Note": [r.note for r in rows],
        "What to do": [r.to_do for r in rows],
    }
    return pl.DataFrame(values, schema=dict.fromkeys(COLUMNS, pl.String))


def summary_words(rows: Sequence[ReturnRow], months: Sequence[str]) -> str:
    """'24 returns for Jan 2026 to Dec 2026: 21 need doing (20 overdue, 1 due soon), 3 not yet
    due, 0 received or excused.'"""
    span = window_words(months)
    if not rows:
        return f"No returns are owed for {span}."
    needs = [r for r in rows if r.group == NEEDS_DOING]
    detail = ", ".join(
        f"{n} {state}" for state in ORDER if (n := sum(r.obligation.state == state for r in needs))
    )
    later = sum(r.group == NOT_YET_DUE for r in rows)
    done = sum(r.group == DONE for r in rows)
    doing = f"{len(needs)} need{'s' if len(needs) == 1 else ''} doing" + (
        f" ({detail})" if detail else ""
    )
    total = len(rows)
    return (
        f"{total} return{'s' if total != 1 else ''} for {span}: {doing}, {later} not yet due, "
        f"{done} received or excused."
    )


def window_words(months: Sequence[str]) -> str:
    """'Jan 2026 to Dec 2026' for the months a list covers (any order)."""
    if not months:
        return "no months"
    ordered = sorted(months)
    first, last = Period.parse(ordered[0]).label, Period.parse(ordered[-1]).label
    return first if first == last else f"{first} to {last}"


def ending_options(today: date, earliest: str | None = None) -> list[str]:
    """The months a twelve-month list may end with, newest first: this month back to the
    twelfth month after `earliest` (the first month the partner sent anything for), so that
    every earlier list still holds a month of its own; just this month when nothing was sent."""
    newest = Period.of(today)
    if earliest is None:
        return [str(newest)]
    oldest = min(Period.parse(earliest).shifted(MONTHS_SHOWN - 1), newest)
    return [str(p) for p in reversed(Period.span(oldest, newest))]


def ending_label(ending: str, today: date) -> str:
    """'the last 12 months (Jan 2026 to Dec 2026)' for this month, else 'Nov 2016 to Oct 2017'."""
    span = window_words(obligation_months(ending, MONTHS_SHOWN))
    if ending == str(Period.of(today)):
        return f"the last {MONTHS_SHOWN} months ({span})"
    return span


# --- what the chosen return offers ---------------------------------------------------------


def submit_label(obligation: Obligation) -> str:
    """The link's words: to send it, or to send a corrected version."""
    if obligation.state in (State.ACCEPTED, State.ACCEPTED_WITH_WARNINGS, State.NIL_RETURN):
        return "Send a corrected extract on the Submit page"
    if obligation.state == State.REJECTED:
        return "Send the corrected file on the Submit page"
    return "Send the extract on the Submit page"


def submit_hint(obligation: Obligation, title: str, partner_name: str | None = None) -> str:
    """What the link opens (the Submit page with this return chosen), and the command that
    sends it instead; `partner_name`: for someone who picks the partner there (an
    administrator)."""
    partner = f"the partner {partner_name}, " if partner_name else ""
    replaces = (
        " It replaces the current version, which is kept."
        if obligation.state in (State.ACCEPTED, State.ACCEPTED_WITH_WARNINGS, State.NIL_RETURN)
        else ""
    )
    return (
        f"The link opens the Submit page with {partner}the dataset {title} and the month "
        f"{obligation.period} chosen; from the command line: shared-outcomes submit FILE "
        f"--dataset {obligation.dataset} --partner {obligation.partner_id} --period "
        f"{obligation.period}." + replaces
    )


def submit_address(obligation: Obligation) -> dict[str, str]:
    """The Submit page's address parameters that choose this return there."""
    return {
        "partner": obligation.partner_id,
        "dataset": obligation.dataset,
        "period": obligation.period,
    }


def received_words(obligation: Obligation, submission: Submission | None) -> str:
    """The chosen return's submission in one sentence, or that nothing has come."""
    if obligation.submission_id is None:
        return f"Nothing has been received for {obligation.month}."
    sid = obligation.submission_id
    if submission is None:
        return f"Submission #{sid}."
    when = f"{submission.submitted_at:%Y-%m-%d %H:%M} UTC"
    if submission.is_nil:
        why = f": {submission.note}" if submission.note else " (no reason given)"
        return _sentence(f"Nil return #{sid}, declared by {submission.submitted_by} on {when}{why}")
    name = f" ({submission.file_name})" if submission.file_name else ""
    if obligation.state == State.REJECTED:
        return (
            f"The latest attempt, #{sid}{name}, sent by {submission.submitted_by} on {when}, "
            "was rejected; its report says what to fix."
        )
    return f"Submission #{sid}{name}, sent by {submission.submitted_by} on {when}."


def may_excuse(obligation: Obligation, today: date) -> bool:
    """Whether the centre is offered to excuse it: overdue, or rejected and past its due date
    (nothing accepted either way; the facade checks again)."""
    if obligation.state == State.OVERDUE:
        return True
    return obligation.state == State.REJECTED and obligation.due < today


def _sentence(text: str) -> str:
    """`text` ending with a full stop, unless what someone wrote at its end already has one."""
    return text if text.rstrip().endswith((".", "!", "?")) else f"{text}."


def nil_confirmation(partner_name: str, title: str, obligation: Obligation) -> str:
    """The box a person ticks before declaring nothing to report."""
    return (
        f"I confirm that {partner_name} has nothing to report for {title} for "
        f"{obligation.month}. The figures will count its part as zero."
    )


def nil_done(partner_name: str, title: str, obligation: Obligation, submission_id: int) -> str:
    return (
        f"Recorded nil return #{submission_id}: {partner_name} has nothing to report for "
        f"{title}, {obligation.month}."
    )


def excuse_done(partner_name: str, title: str, obligation: Obligation) -> str:
    return f"Excused {partner_name}'s {title} for {obligation.month}. It now reads excused."


# --- reminder pauses -------------------------------------------------------------------------


def pause_words(pause: Pause | None, partner_name: str, today: date) -> str:
    """Whether a partner's reminders are paused now, in one sentence."""
    if pause is None or pause.paused_until < today:
        return f"Reminders to {partner_name} are not paused."
    why = f": {pause.reason}" if pause.reason else ""
    return _sentence(
        f"Reminders to {partner_name} are paused until {day_words(pause.paused_until)} "
        f"(by {pause.paused_by} on {day_words(pause.paused_at.date())}){why}"
    )


def pauses_table(
    pauses: Sequence[Pause], partner_names: Mapping[str, str], today: date
) -> pl.DataFrame:
    """The partners whose reminders are paused now (a pause ended before today is left out),
    soonest to resume first."""
    current = sorted(
        (p for p in pauses if p.paused_until >= today),
        key=lambda p: (p.paused_until, partner_names.get(p.partner_id, p.partner_id)),
    )
    return pl.DataFrame(
        {
            "Partner": [partner_names.get(p.partner_id, p.partner_id) for p in current],
            "Paused until": [day_words(p.paused_until) for p in current],
            "Paused by": [p.paused_by for p in current],
            "On": [day_words(p.paused_at.date()) for p in current],
            "Reason": [p.reason or "" for p in current],
        },
        schema=dict.fromkeys(("Partner", "Paused until", "Paused by", "On", "Reason"), pl.String),
    )
