"""The data-quality page's recent submissions: one dataset, newest first by time, in words."""

from __future__ import annotations

from datetime import datetime

from small_partnership import partner

from shared_outcomes.figures import timeliness
from shared_outcomes.warehouse.store import Submission

PARTNERS = {
    "bury": partner("bury", "Bury Council", ["cases", "other"], 10, ["A1"]),
    "bolton": partner("bolton", "Bolton Council", ["cases"], 5, ["A2"]),
}
TITLES = {"cases": "Homelessness cases", "other": "Workforce vacancies"}


def _submission(sid: int, partner_id: str, dataset: str, period: str, at: datetime) -> Submission:
    return Submission(
        submission_id=sid,
        partner_id=partner_id,
        dataset=dataset,
        period=period,
        contract_version="1.0.0",
        sha256=None,
        file_name=f"{dataset}_{period}.csv",
        rows=sid,
        submitted_by="u",
        submitted_at=at,
        status="accepted",
        supersedes=None,
    )


# Ids in loading order (a bulk load, then a restatement), times in sending order.
REGISTER = timeliness.register_frame(
    [
        _submission(1, "bury", "cases", "2016-02", datetime(2016, 3, 8, 9)),
        _submission(2, "bury", "cases", "2016-03", datetime(2016, 4, 7, 9)),
        _submission(3, "bolton", "cases", "2016-03", datetime(2016, 4, 2, 9)),
        _submission(4, "bury", "other", "2016-03", datetime(2016, 4, 30, 9)),
        _submission(5, "bolton", "cases", "2016-01", datetime(2016, 2, 3, 9)),
    ]
)


def test_the_register_is_newest_first_by_time_not_by_id() -> None:
    assert REGISTER["submission_id"].to_list() == [4, 2, 3, 1, 5]


def test_recent_submissions_are_of_the_chosen_dataset_newest_first_in_words() -> None:
    table = timeliness.recent_submissions_table(REGISTER, PARTNERS, dataset="cases", titles=TITLES)
    assert table["Submission"].to_list() == [2, 3, 1, 5]  # no "other"; by time
    assert table.row(0, named=True) == {
        "Submission": 2,
        "Partner": "Bury Council",
        "Dataset": "Homelessness cases",
        "Month": "Mar 2016",
        "File": "cases_2016-03.csv",
        "Rows": 2,
        "Status": "accepted",
        "Submitted (UTC)": "2016-04-07 09:00",
        "Submitted by": "u",
    }
    assert table["Month"].to_list() == ["Mar 2016", "Mar 2016", "Feb 2016", "Jan 2016"]


def test_the_order_is_by_time_whatever_order_the_register_comes_in() -> None:
    shuffled = REGISTER.sort("submission_id")
    table = timeliness.recent_submissions_table(shuffled, PARTNERS, limit=2, titles=TITLES)
    assert table["Submission"].to_list() == [4, 2]
    assert table["Dataset"].to_list() == ["Workforce vacancies", "Homelessness cases"]


def test_without_titles_a_dataset_keeps_its_id_and_an_unknown_partner_its_id() -> None:
    register = timeliness.register_frame(
        [_submission(9, "gone", "cases", "2016-03", datetime(2016, 4, 1))]
    )
    table = timeliness.recent_submissions_table(register, PARTNERS, dataset="cases")
    assert table.row(0, named=True)["Dataset"] == "cases"
    assert table.row(0, named=True)["Partner"] == "gone"
    empty = timeliness.recent_submissions_table(register, PARTNERS, dataset="other")
    assert empty.height == 0 and "Month" in empty.columns
