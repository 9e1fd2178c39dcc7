"""The real DWP claimant count file (fixtures/claimant_count/SOURCE.md) against its contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_outcomes.checking.validation import validate_extract
from shared_outcomes.config.contracts import Contract, load_contract

ROOT = Path(__file__).resolve().parents[2]
REAL = (
    Path(__file__).parents[1]
    / "fixtures"
    / "claimant_count"
    / "claimant_count_local_authorities.csv"
)
ROCHDALE_MAY_2016 = 166  # spreadsheet row of the count written `4e3`


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract(ROOT / "data_contracts" / "claimant_count.odcs.yaml")


def test_the_real_file_is_accepted_and_names_the_4e3_row(contract: Contract) -> None:
    result = validate_extract(REAL, contract)
    report = result.report
    assert report.accepted
    assert report.rows == 340
    assert [(f.code, f.severity, f.column, f.rows, f.samples) for f in report.findings] == [
        ("integer-in-scientific-notation", "warning", "count", [ROCHDALE_MAY_2016], ["4e3"])
    ]
    assert "row 166" in (report.findings[0].fix or "")


def test_the_4e3_row_is_loaded_as_4000(contract: Contract) -> None:
    frame = validate_extract(REAL, contract).frame
    assert frame is not None
    row = frame.row(ROCHDALE_MAY_2016 - 2, named=True)
    assert (str(row["date"]), row["lad15nm"], row["count"]) == ("2016-05-01", "Rochdale", 4000)


def test_as_a_may_2016_submission_every_other_month_is_the_wrong_period(
    contract: Contract,
) -> None:
    report = validate_extract(REAL, contract, period="2016-05").report
    assert not report.accepted
    wrong = next(f for f in report.findings if f.code == "wrong-period")
    assert wrong.count == 330  # 34 months x 10 districts, less May 2016's 10 rows
    assert 166 not in wrong.rows
