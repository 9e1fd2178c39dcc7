"""A partner's submission history as people read it: newest first by time, statuses in words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from small_partnership import partner
from small_partnership import partnership as small_partnership

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.config.contracts import load_contracts
from shared_outcomes.present import views
from shared_outcomes.warehouse.store import Submission

ROOT = Path(__file__).resolve().parents[2]
TITLES = {"cases": "Homelessness cases", "vacancies": "Workforce vacancies"}

SUBMITTER = Identity("amira", "Amira", Role.PARTNER_SUBMITTER, partner_id="bury_council")
ANALYST = Identity("li", "Li", Role.ANALYST)
ADMIN = Identity("sam", "Sam", Role.ADMIN)
LEADER = Identity("jo", "Jo", Role.LEADERSHIP)


def _submission(
    sid: int,
    at: datetime,
    status: str = "accepted",
    *,
    dataset: str = "cases",
    period: str = "2016-03",
    supersedes: int | None = None,
) -> Submission:
    return Submission(
        submission_id=sid,
        partner_id="bury_council",
        dataset=dataset,
        period=period,
        contract_version="1.0.0",
        sha256="ab" * 32,
        file_name=f"file_{sid}.csv",
        rows=10 * sid,
        submitted_by="amira",
        submitted_at=at,
        status=status,
        supersedes=supersedes,
    )


# Ids in loading order, times in sending order: #3 was loaded last but sent first.
HISTORY = [
    _submission(1, datetime(2016, 4, 5, 9, tzinfo=UTC), "superseded"),
    _submission(2, datetime(2016, 4, 20, 14, 30, tzinfo=UTC), supersedes=1),
    _submission(3, datetime(2016, 4, 1, 8, tzinfo=UTC), "rejected", dataset="vacancies"),
    _submission(4, datetime(2016, 5, 6, 10, tzinfo=UTC), dataset="vacancies", period="2016-04"),
]


def test_statuses_are_in_words() -> None:
    accepted, superseded, rejected = HISTORY[1], HISTORY[0], HISTORY[2]
    assert views.submission_status(accepted) == "accepted"
    assert views.submission_status(accepted, warnings=2) == "accepted with warnings"
    assert views.submission_status(superseded, superseded_by=2) == "superseded by #2"
    assert views.submission_status(superseded) == "superseded"  # its successor not at hand
    assert views.submission_status(rejected, warnings=3) == "rejected"
    nil = replace(accepted, kind="nil", rows=0, file_name=None)
    assert views.submission_status(nil) == "nil return (nothing to report)"
    assert views.submission_status(replace(nil, status="superseded"), superseded_by=7) == (
        "nil return, superseded by #7"
    )


def test_the_history_is_newest_first_by_time_with_titles_months_and_statuses() -> None:
    table = views.submission_history_table(HISTORY, TITLES, {2: 0, 4: 1})
    assert table["Submission"].to_list() == [4, 2, 1, 3]  # by time, not by id
    assert table.row(0, named=True) == {
        "Submission": 4,
        "Dataset": "Workforce vacancies",
        "Month": "Apr 2016",
        "File": "file_4.csv",
        "Rows": 40,
        "Submitted by": "amira",
        "Submitted (UTC)": "2016-05-06 10:00",
        "Status": "accepted with warnings",
    }
    assert table["Status"].to_list() == [
        "accepted with warnings",
        "accepted",
        "superseded by #2",
        "rejected",
    ]
    assert set(table["Month"]) == {"Apr 2016", "Mar 2016"}


def test_an_unknown_dataset_keeps_its_id_and_an_empty_history_its_columns() -> None:
    table = views.submission_history_table(HISTORY[:1], {})
    assert table["Dataset"].to_list() == ["cases"]
    empty = views.submission_history_table([], TITLES)
    assert empty.height == 0 and "Status" in empty.columns


def test_each_submission_is_one_line_in_the_picker() -> None:
    table = views.submission_history_table(HISTORY, TITLES)
    labels = views.history_labels(table)
    assert list(labels) == [4, 2, 1, 3]
    assert labels[1] == "#1 · Homelessness cases · Mar 2016 · superseded by #2"


def test_a_submitter_may_list_only_its_own_partner_analysts_and_admins_any_leadership_none() -> (
    None
):
    partners = {
        "bury_council": partner("bury_council", "Bury Council", ["claimant_count"], 10, ["A1"]),
        "dwp": partner("dwp", "DWP Jobcentre Plus", ["claimant_count", "nope"], 10, ["A1"]),
    }
    partnership = small_partnership(partners, {"A1": "Area one"})
    contracts = load_contracts(ROOT / "data_contracts")
    title = contracts["claimant_count"].title

    mine = views.history_choices(SUBMITTER, partnership, contracts)
    assert mine.refusal is None
    assert mine.partners == {"bury_council": "Bury Council"}
    assert mine.datasets == {"bury_council": {"claimant_count": title}}

    for anyone in (ANALYST, ADMIN):
        every = views.history_choices(anyone, partnership, contracts)
        assert list(every.partners) == ["bury_council", "dwp"]  # by name
        # A dataset without a contract is left out.
        assert every.datasets["dwp"] == {"claimant_count": title}

    board = views.history_choices(LEADER, partnership, contracts)
    assert board.partners == {} and board.refusal
    assert "cannot see partners' submission reports" in board.refusal
