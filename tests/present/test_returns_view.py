"""A partner's returns as a task list (`present.returns`): what needs doing first, newest month
first within each group, every state in words with a symbol, and the sentences the page says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from shared_outcomes.figures.obligations import Obligation, State
from shared_outcomes.present import returns
from shared_outcomes.warehouse.store import Submission

TODAY = date(2026, 12, 2)
TITLES = {"cases": "Homelessness cases", "vacancies": "Workforce vacancies"}


def _owed(
    period: str,
    state: State,
    *,
    dataset: str = "cases",
    due: date | None = None,
    submission_id: int | None = None,
    on_time: bool | None = None,
    excused: str | None = None,
) -> Obligation:
    year, month = map(int, period.split("-"))
    following = date(year + month // 12, month % 12 + 1, 10)
    return Obligation(
        "bury_council", dataset, period, due or following, state, submission_id,
        None if submission_id is None else datetime(2026, 1, 1, tzinfo=UTC), on_time, excused,
    )  # fmt: skip


def _nil(sid: int, note: str | None) -> Submission:
    return Submission(
        submission_id=sid, partner_id="bury_council", dataset="cases", period="2026-08",
        contract_version=None, sha256=None, file_name=None, rows=0, submitted_by="amira",
        submitted_at=datetime(2026, 9, 3, 9, 30, tzinfo=UTC), status="accepted", supersedes=None,
        kind="nil", note=note,
    )  # fmt: skip


FOUND = [
    _owed("2026-09", State.ACCEPTED, submission_id=7, on_time=True),
    _owed("2026-10", State.OVERDUE),
    _owed("2026-10", State.REJECTED, dataset="vacancies", submission_id=9),
    _owed("2026-11", State.NOT_YET_DUE),
    _owed("2026-09", State.OVERDUE, dataset="vacancies"),
    _owed("2026-08", State.NIL_RETURN, submission_id=5, on_time=False),
    _owed("2026-07", State.EXCUSED, excused="system migration (demo-oversight)"),
    _owed("2026-11", State.DUE_SOON, dataset="vacancies", due=date(2026, 12, 5)),
]


def test_what_needs_doing_comes_first_then_newest_month_first_within_each_group() -> None:
    rows = returns.task_rows(FOUND, TITLES, TODAY, {5: _nil(5, "service closed")})
    assert [(r.group, r.month, r.state) for r in rows] == [
        (returns.NEEDS_DOING, "Nov 2026", "◔ due soon"),
        (returns.NEEDS_DOING, "Oct 2026", "⚠ overdue"),
        (returns.NEEDS_DOING, "Oct 2026", "✗ rejected, not yet corrected"),
        (returns.NEEDS_DOING, "Sep 2026", "⚠ overdue"),
        (returns.NOT_YET_DUE, "Nov 2026", "○ not yet due"),
        (returns.DONE, "Sep 2026", "✓ accepted"),
        (returns.DONE, "Aug 2026", "∅ nil return"),
        (returns.DONE, "Jul 2026", "– excused"),
    ]
    assert [name for name, _ in returns.grouped(rows)] == list(returns.GROUPS)


def test_every_state_has_a_symbol_and_words_and_a_group() -> None:
    for state in State:
        words = returns.state_words(state)
        assert words.endswith(str(state)) and words != str(state)  # never the colour alone
        assert returns.group_of(state) in returns.GROUPS


def test_each_row_in_words_due_dates_on_time_submissions_and_notes() -> None:
    rows = returns.task_rows(FOUND, TITLES, TODAY, {5: _nil(5, "service closed")})
    by = {(r.obligation.dataset, r.obligation.period, r.obligation.state): r for r in rows}
    overdue = by[("cases", "2026-10", State.OVERDUE)]
    assert overdue.due == "10 Nov 2026 (22 days ago)"
    assert (overdue.on_time, overdue.submission, overdue.note) == ("—", "", "")
    assert overdue.to_do.startswith("Send the extract now")
    assert by[("vacancies", "2026-11", State.DUE_SOON)].due == "5 Dec 2026 (in 3 days)"
    accepted = by[("cases", "2026-09", State.ACCEPTED)]
    assert (accepted.due, accepted.on_time, accepted.submission) == ("10 Oct 2026", "on time", "#7")
    nil = by[("cases", "2026-08", State.NIL_RETURN)]
    assert (nil.on_time, nil.note) == ("late", "nil return: service closed")
    excused = by[("cases", "2026-07", State.EXCUSED)]
    assert excused.note == "excused: system migration (demo-oversight)"
    assert by[("vacancies", "2026-10", State.REJECTED)].to_do == (
        "Correct the file and send it again"
    )
    assert overdue.key == "cases/2026-10"
    assert (
        overdue.label == "⚠ overdue · Homelessness cases · Oct 2026 · due 10 Nov 2026 (22 days ago)"
    )


def test_a_nil_return_without_a_reason_and_a_due_date_today() -> None:
    (nil,) = returns.task_rows([FOUND[5]], TITLES, TODAY, {5: _nil(5, None)})
    assert nil.note == "nil return (no reason given)"
    today = _owed("2026-11", State.DUE_SOON, due=TODAY)
    assert returns.due_words(today, TODAY) == "2 Dec 2026 (today)"
    one = _owed("2026-11", State.OVERDUE, due=date(2026, 12, 1))
    assert returns.due_words(one, TODAY) == "1 Dec 2026 (1 day ago)"


def test_the_table_and_the_summary() -> None:
    rows = returns.task_rows(FOUND, TITLES, TODAY)
    table = returns.task_table(rows)
    assert table.columns == list(returns.COLUMNS)
    assert table.height == len(FOUND)
    assert table["Dataset"][0] == "Workforce vacancies"  # titles, not ids
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    assert returns.summary_words(rows, months) == (
        "8 returns for Jan 2026 to Dec 2026: 4 need doing (2 overdue, 1 rejected, not yet "
        "corrected, 1 due soon), 1 not yet due, 3 received or excused."
    )
    assert returns.summary_words([], months) == "No returns are owed for Jan 2026 to Dec 2026."
    one = returns.task_rows([FOUND[1]], TITLES, TODAY)
    assert returns.summary_words(one, ["2026-10"]).startswith(
        "1 return for Oct 2026: 1 needs doing"
    )
    assert returns.task_table([]).columns == list(returns.COLUMNS)


def test_the_months_a_list_may_end_with() -> None:
    assert returns.ending_options(TODAY) == ["2026-12"]
    options = returns.ending_options(TODAY, "2025-06")
    assert options[0] == "2026-12" and options[-1] == "2026-05" and len(options) == 8
    assert returns.ending_options(TODAY, "2026-11") == ["2026-12"]
    assert returns.ending_label("2026-12", TODAY) == "the last 12 months (Jan 2026 to Dec 2026)"
    assert returns.ending_label("2017-10", TODAY) == "Nov 2016 to Oct 2017"


def test_what_the_chosen_return_offers() -> None:
    overdue, rejected, accepted = FOUND[1], FOUND[2], FOUND[0]
    assert returns.submit_label(overdue) == "Send the extract on the Submit page"
    assert returns.submit_label(rejected) == "Send the corrected file on the Submit page"
    assert returns.submit_label(accepted) == "Send a corrected extract on the Submit page"
    assert returns.submit_hint(overdue, "Homelessness cases") == (
        "The link opens the Submit page with the dataset Homelessness cases and the month "
        "2026-10 chosen; from the command line: shared-outcomes submit FILE --dataset cases "
        "--partner bury_council --period 2026-10."
    )
    assert returns.submit_hint(accepted, "Homelessness cases", "Bury Council").startswith(
        "The link opens the Submit page with the partner Bury Council, the dataset "
        "Homelessness cases and the month 2026-09 chosen"
    )
    assert returns.submit_hint(accepted, "Homelessness cases").endswith(
        "It replaces the current version, which is kept."
    )
    assert returns.submit_address(overdue) == {
        "partner": "bury_council", "dataset": "cases", "period": "2026-10",
    }  # fmt: skip
    assert returns.may_excuse(overdue, TODAY) and returns.may_excuse(rejected, TODAY)
    assert not returns.may_excuse(accepted, TODAY)
    not_yet = _owed("2026-11", State.REJECTED, submission_id=3)
    assert not returns.may_excuse(not_yet, TODAY)  # rejected, but not yet due
    not_received = {State.DUE_SOON, State.OVERDUE, State.NOT_YET_DUE, State.REJECTED}
    assert not_received == returns.NIL_RETURN_STATES


def test_what_came_in_words() -> None:
    overdue = FOUND[1]
    assert returns.received_words(overdue, None) == "Nothing has been received for Oct 2026."
    nil = FOUND[5]
    assert returns.received_words(nil, _nil(5, "service closed")) == (
        "Nil return #5, declared by amira on 2026-09-03 09:30 UTC: service closed."
    )
    ended = _nil(5, "Closed all month.")
    assert returns.received_words(nil, ended).endswith("UTC: Closed all month.")  # one stop
    assert returns.nil_confirmation("Bury Council", "Homelessness cases", overdue) == (
        "I confirm that Bury Council has nothing to report for Homelessness cases for Oct "
        "2026. The figures will count its part as zero."
    )
    assert returns.nil_done("Bury Council", "Homelessness cases", overdue, 12).startswith(
        "Recorded nil return #12"
    )


@dataclass(frozen=True)
class _Pause:
    partner_id: str
    paused_until: date
    paused_by: str
    paused_at: datetime
    reason: str | None


def test_reminder_pauses_in_words_and_the_paused_partners() -> None:
    at = datetime(2026, 11, 20, 8, tzinfo=UTC)
    bury = _Pause("bury_council", date(2026, 12, 31), "amira", at, "system migration")
    ended = _Pause("wigan_council", date(2026, 12, 1), "sam", at, None)
    bolton = _Pause("bolton_council", date(2026, 12, 2), "sam", at, None)
    assert returns.pause_words(bury, "Bury Council", TODAY) == (
        "Reminders to Bury Council are paused until 31 Dec 2026 (by amira on 20 Nov 2026): "
        "system migration."
    )
    assert returns.pause_words(ended, "Wigan Council", TODAY) == (
        "Reminders to Wigan Council are not paused."
    )
    assert returns.pause_words(None, "Bury Council", TODAY).endswith("not paused.")
    names = {"bury_council": "Bury Council", "bolton_council": "Bolton Council"}
    table = returns.pauses_table([bury, ended, bolton], names, TODAY)
    assert table["Partner"].to_list() == ["Bolton Council", "Bury Council"]  # ended: left out
    assert table["Paused until"].to_list() == ["2 Dec 2026", "31 Dec 2026"]
    assert table["Reason"].to_list() == ["", "system migration"]
