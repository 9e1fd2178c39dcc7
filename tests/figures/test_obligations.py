"""Obligations: each partner × dataset × month it owes, with its due date and state, from the
partnership's deadlines and the register (no database: register rows built here)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from small_partnership import PARTNERS

from shared_outcomes.figures.obligations import (
    State,
    obligation_months,
    obligations,
    obligations_frame,
    summary_frame,
)
from shared_outcomes.warehouse.store import Submission

# council_a submits `cases` by the 10th of the next month; council_b by the 12th; nhs
# `admissions` by the 15th.
_ids = iter(range(1, 1000))


def sent(partner: str, dataset: str, period: str, day: str, status: str) -> Submission:
    return Submission(
        submission_id=next(_ids), partner_id=partner, dataset=dataset, period=period,
        contract_version="1.0.0", sha256="0" * 64, file_name="f.csv", rows=10,
        submitted_by="someone", submitted_at=datetime.fromisoformat(day).replace(tzinfo=UTC),
        status=status, supersedes=None,
    )  # fmt: skip


def by_key(found: list) -> dict:  # type: ignore[type-arg]
    return {(o.partner_id, o.dataset, o.period): o for o in found}


def test_every_state_from_the_register_and_the_deadlines() -> None:
    on_time = sent("council_a", "cases", "2017-09", "2017-10-09", "accepted")
    rejected = sent("council_b", "cases", "2017-09", "2017-10-05", "rejected")
    first = sent("nhs", "admissions", "2017-09", "2017-10-20", "superseded")  # late
    corrected = sent("nhs", "admissions", "2017-09", "2017-10-25", "accepted")
    fixed_bad = sent("council_a", "cases", "2017-08", "2017-09-08", "rejected")
    fixed_good = sent("council_a", "cases", "2017-08", "2017-09-09", "accepted")
    register = [on_time, rejected, first, corrected, fixed_bad, fixed_good]
    found = by_key(
        obligations(
            PARTNERS,
            register,
            ["2017-08", "2017-09", "2017-10"],
            date(2017, 11, 8),
            warnings={corrected.submission_id: 2},
        )
    )
    assert len(found) == 3 * 3  # three partners, one dataset each, three months
    a = found[("council_a", "cases", "2017-09")]
    assert (a.state, a.on_time, a.submission_id, a.due) == (
        State.ACCEPTED,
        True,
        on_time.submission_id,
        date(2017, 10, 10),
    )
    b = found[("council_b", "cases", "2017-09")]
    assert (b.state, b.submission_id, b.on_time) == (State.REJECTED, rejected.submission_id, None)
    nhs = found[("nhs", "admissions", "2017-09")]
    # Late (the first accepted version came after the 15th), corrected, with warnings.
    assert (nhs.state, nhs.on_time, nhs.submission_id) == (
        State.ACCEPTED_WITH_WARNINGS,
        False,
        corrected.submission_id,
    )
    again = found[("council_a", "cases", "2017-08")]
    assert (again.state, again.on_time) == (State.ACCEPTED, True)  # rejected, then corrected
    assert found[("council_b", "cases", "2017-08")].state == State.OVERDUE
    # October's returns: due 10, 12 and 15 November, seen on 8 November, due-soon within 7 days.
    assert found[("council_a", "cases", "2017-10")].state == State.DUE_SOON
    assert found[("nhs", "admissions", "2017-10")].state == State.DUE_SOON
    later = obligations(PARTNERS, register, ["2017-10"], date(2017, 11, 1))
    assert {o.state for o in later} == {State.NOT_YET_DUE}
    on_the_day = obligations(PARTNERS, [], ["2017-10"], date(2017, 11, 10))
    assert by_key(on_the_day)[("council_a", "cases", "2017-10")].state == State.DUE_SOON
    after = obligations(PARTNERS, [], ["2017-10"], date(2017, 11, 11))
    assert by_key(after)[("council_a", "cases", "2017-10")].state == State.OVERDUE


def test_the_list_puts_what_needs_doing_first_and_the_summary_counts_each_state() -> None:
    register = [sent("council_a", "cases", "2017-09", "2017-10-01", "accepted")]
    found = obligations(PARTNERS, register, ["2017-09", "2017-10"], date(2017, 11, 11))
    table = obligations_frame(found, PARTNERS, {"cases": "Case records"})
    council_a = table.filter(table["Partner"] == "Council A")
    assert council_a["State"].to_list() == ["overdue", "accepted"]
    assert council_a["Dataset"].to_list() == ["Case records", "Case records"]
    assert council_a["Month"].to_list() == ["Oct 2017", "Sep 2017"]
    summary = {r["Partner"]: r for r in summary_frame(found, PARTNERS).iter_rows(named=True)}
    assert summary["Council A"]["overdue"] == 1 and summary["Council A"]["accepted"] == 1
    assert summary["Council A"]["On time"] == "1 of 1"
    assert summary["NHS"]["overdue"] == 1 and summary["NHS"]["due soon"] == 1  # due 15 Nov
    assert summary["NHS"]["On time"] == "—"


@pytest.mark.parametrize(
    ("last", "count", "months"),
    [("2017-03", 3, ["2017-01", "2017-02", "2017-03"]), ("2018-01", 2, ["2017-12", "2018-01"])],
)
def test_obligation_months_end_with_the_month_given(last: str, count: int, months: list) -> None:  # type: ignore[type-arg]
    assert obligation_months(last, count) == months
