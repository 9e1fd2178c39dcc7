"""Timeliness: on time, late, resubmitted, rejected, missing and not yet due, from the register."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from small_partnership import partner

from shared_outcomes.figures import timeliness
from shared_outcomes.figures.obligations import Obligation, obligations
from shared_outcomes.warehouse.store import Excusal, Submission

PARTNERS = {
    "bury": partner("bury", "Bury", ["cases"], 10, ["A1"]),
    "bolton": partner("bolton", "Bolton", ["cases", "other"], 5, ["A2"]),
    "police": partner("police", "Police", ["other"], 5, ["A1", "A2"]),
}


def _submission(
    number: int, partner_id: str, dataset: str, period: str, at: datetime, status: str
) -> Submission:
    return Submission(
        submission_id=number, partner_id=partner_id, dataset=dataset, period=period,
        file_name=f"{dataset}_{period}.csv", rows=3, submitted_by="u", submitted_at=at,
        status=status, supersedes=None, contract_version="1.0.0", sha256=None,
    )  # fmt: skip


SUBMISSIONS = [
    _submission(1, "bury", "cases", "2016-01", datetime(2016, 2, 10, 17), "accepted"),  # deadline
    _submission(2, "bolton", "cases", "2016-01", datetime(2016, 2, 6, 9), "accepted"),  # day late
    _submission(3, "bury", "cases", "2016-02", datetime(2016, 3, 1), "superseded"),
    _submission(4, "bury", "cases", "2016-02", datetime(2016, 3, 20), "accepted"),  # a correction
    _submission(5, "bolton", "cases", "2016-02", datetime(2016, 3, 2), "rejected"),
]
REGISTER = timeliness.register_frame(SUBMISSIONS)
TODAY = date(2016, 4, 7)


def _owed(months: list[str], **extra: object) -> list[Obligation]:
    return obligations(PARTNERS, SUBMISSIONS, months, TODAY, **extra)  # type: ignore[arg-type]


def test_deadline_is_in_the_following_month() -> None:
    assert timeliness.deadline("2016-01", 10) == date(2016, 2, 10)
    assert timeliness.deadline("2016-12", 5) == date(2017, 1, 5)


def test_grid_gives_each_partner_month_its_state() -> None:
    grid = timeliness.timeliness_grid(_owed(["2016-01", "2016-02", "2016-03"]), PARTNERS, "cases")
    states = {(r["partner_id"], r["period"]): r["state"] for r in grid.iter_rows(named=True)}
    assert states == {
        ("bolton", "2016-01"): "late",
        ("bolton", "2016-02"): "rejected",
        ("bolton", "2016-03"): "missing",  # due 5 April, today is 7 April
        ("bury", "2016-01"): "on time",
        ("bury", "2016-02"): "resubmitted",
        ("bury", "2016-03"): "not due",  # due 10 April
    }


def test_partner_record_counts_on_time_and_first_time_clean() -> None:
    record = timeliness.partner_record(_owed(["2016-01", "2016-02", "2016-03"]), PARTNERS)
    rows = {r["Partner"]: r for r in record.iter_rows(named=True)}
    assert rows["Bury"]["Returns due"] == 2  # March is due on 10 April, not yet
    assert rows["Bury"]["On time"] == "2 (100%)"  # the first accepted version of Feb was on time
    assert rows["Bury"]["Accepted first time"] == 2
    assert rows["Bolton"]["Returns due"] == 6  # two datasets × three months, all past 5 April
    assert rows["Bolton"]["On time"] == "0 (0%)"
    assert rows["Bolton"]["Accepted first time"] == 1  # January (late); February was rejected
    assert rows["Bolton"]["Missing"] == 4
    assert rows["Police"]["Missing"] == 3


def test_the_grid_shows_nil_returns_and_excused_returns() -> None:
    nil = replace(
        _submission(6, "police", "other", "2016-01", datetime(2016, 2, 1), "accepted"),
        kind="nil",
    )
    excusal = Excusal(
        excusal_id=1, partner_id="police", dataset="other", period="2016-02",
        reason="system migration", excused_by="admin", excused_at=datetime(2016, 3, 1),
    )  # fmt: skip
    owed = obligations(PARTNERS, [*SUBMISSIONS, nil], ["2016-01", "2016-02", "2016-03"], TODAY,
                       excusals=[excusal])  # fmt: skip
    grid = timeliness.timeliness_grid(owed, PARTNERS, "other")
    police = {
        r["period"]: r["state"] for r in grid.iter_rows(named=True) if r["partner"] == "Police"
    }
    assert police == {"2016-01": "nil return", "2016-02": "excused", "2016-03": "missing"}
    record = {
        r["Partner"]: r for r in timeliness.partner_record(owed, PARTNERS).iter_rows(named=True)
    }
    assert record["Police"]["On time"] == "1 (33%)"  # the nil return was on time
    assert (record["Police"]["Excused"], record["Police"]["Missing"]) == (1, 1)


def test_latest_months_end_with_the_newest_month_in_the_register() -> None:
    assert timeliness.latest_months(REGISTER, count=3) == ["2015-12", "2016-01", "2016-02"]
    assert timeliness.latest_months(REGISTER.clear()) == []


def test_summary_sentence_counts_each_state() -> None:
    grid = timeliness.timeliness_grid(_owed(["2016-01", "2016-02", "2016-03"]), PARTNERS, "cases")
    assert timeliness.timeliness_summary(grid, "Cases") == (
        "Cases: of 5 extracts due in the months shown, 1 on time, 1 late, 1 resubmitted, "
        "1 rejected, 1 missing."
    )


def test_register_frame_and_recent_table_name_partners() -> None:
    rows = [
        Submission(
            submission_id=i,
            partner_id="bury",
            dataset="cases",
            period="2016-01",
            file_name="f.csv",
            rows=3,
            submitted_by="u",
            submitted_at=datetime(2016, 2, i),
            status="accepted",
            supersedes=None,
            contract_version="1.0.0",
            sha256=None,
        )
        for i in (1, 2)
    ]
    register = timeliness.register_frame(rows)
    assert register["submission_id"].to_list() == [2, 1]
    table = timeliness.recent_submissions_table(register, PARTNERS, limit=1)
    assert table.row(0, named=True)["Partner"] == "Bury"
    assert table.height == 1


def test_the_dataset_most_partners_submit_comes_first() -> None:
    assert timeliness.busiest_first(PARTNERS, ["other", "cases", "none"]) == [
        "cases",
        "other",
        "none",
    ]
