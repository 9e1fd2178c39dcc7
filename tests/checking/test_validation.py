"""Validation: every rule gives one finding with its code, column, spreadsheet rows and samples."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_outcomes.checking.report import MAX_ROWS_LISTED, Finding
from shared_outcomes.checking.validation import Validation, validate_extract
from shared_outcomes.config.contracts import Contract, load_contract
from shared_outcomes.errors import UsageError
from shared_outcomes.present.report_text import failing_rows_csv, render_report_text

FULL = Path(__file__).parents[1] / "fixtures" / "contracts" / "full"
HEADER = [
    "case_id",
    "month",
    "area_code",
    "team",
    "referral_date",
    "households",
    "cost",
    "duty_type",
    "verified",
]
GOOD = {
    "case_id": "C0001",
    "month": "2016-03-01",
    "area_code": "E08000001",
    "team": "T1",
    "referral_date": "15/02/2016",
    "households": "3",
    "cost": "125.50",
    "duty_type": "prevention",
    "verified": "true",
}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract(FULL / "cases.odcs.yaml")


def good_row(n: int, **changes: str) -> dict[str, str]:
    """A valid row, distinct from every other `n` (case id and team make the key unique)."""
    row = dict(GOOD, case_id=f"C{n:04d}", team=f"T{n}")
    row.update(changes)
    return row


def to_csv(rows: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def check(contract: Contract, rows: list[dict[str, str]], **kw: str) -> Validation:
    return validate_extract(to_csv(rows), contract, file_name="cases_2016-03.csv", **kw)


def flat(findings: list[Finding]) -> list[tuple[str, str, str | None, list[int]]]:
    return [(f.code, f.severity, f.column, f.rows) for f in findings]


def with_fault(contract: Contract, field: str, value: str, at: int = 3) -> Validation:
    """Five valid rows with one cell replaced in data row `at` (spreadsheet row at + 2)."""
    rows = [good_row(n) for n in range(1, 6)]
    rows[at][field] = value
    return check(contract, rows, period="2016-03")


def test_a_clean_extract_is_accepted_with_a_typed_frame(contract: Contract) -> None:
    result = check(contract, [good_row(1), good_row(2, verified="No", cost="")], period="2016-03")
    assert result.report.accepted, flat(result.report.findings)
    assert result.report.findings == []
    assert result.report.rows == 2
    assert result.report.contract_version == "2.1.0"
    assert result.report.sha256 and len(result.report.sha256) == 64
    frame = result.frame
    assert frame is not None
    assert frame.columns == contract.column_names
    assert frame.schema["month"] == pl.Date
    assert frame.schema["households"] == pl.Int64
    assert frame.schema["cost"] == pl.Float64
    assert frame.schema["verified"] == pl.Boolean
    assert frame.row(0, named=True)["referral_date"] == date(2016, 2, 15)
    assert frame.get_column("verified").to_list() == [True, False]
    assert frame.get_column("cost").to_list() == [125.5, None]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("households", "", "required-missing"),  # households is optional: see below
        ("case_id", "", "required-missing"),
        ("case_id", "N/A", "required-missing"),
        ("households", "2.5", "not-an-integer"),
        ("households", "1,000", "not-an-integer"),
        ("cost", "£12", "not-a-number"),
        ("cost", "nan", "not-a-number"),
        ("referral_date", "2016-02-15", "not-a-date"),
        ("referral_date", "31/02/2016", "not-a-date"),
        ("referral_date", "15/02/16", "not-a-date"),
        ("month", "03/2016", "not-a-date"),
        ("verified", "maybe", "not-a-boolean"),
        ("case_id", "X0001", "pattern-mismatch"),
        ("area_code", "E38000016", "pattern-mismatch"),
        ("area_code", "E08000099", "unknown-reference"),
        ("households", "-1", "below-minimum"),
        ("households", "51", "above-maximum"),
        ("cost", "10000.01", "above-maximum"),
        ("team", "T", "too-short"),
        ("team", "TEAM007", "too-long"),
        ("duty_type", "Prevention", "not-allowed-value"),
        ("case_id", "C0002", "duplicate-value"),
        ("month", "2016-04-01", "wrong-period"),
    ],
)
def test_one_bad_cell_gives_one_finding_at_its_row(
    contract: Contract, field: str, value: str, code: str
) -> None:
    result = with_fault(contract, field, value)
    if field == "households" and value == "":
        assert result.report.accepted and result.report.findings == []  # optional: no finding
        return
    assert flat(result.report.findings) == [(code, "error", field, [5])]
    finding = result.report.findings[0]
    assert finding.count == 1
    assert finding.samples == [value]
    assert finding.message and finding.fix and "row 5" in finding.fix
    assert not result.report.accepted
    assert result.frame is None


def test_scientific_notation_in_an_integer_is_a_warning_and_read_as_the_number(
    contract: Contract,
) -> None:
    result = with_fault(contract, "households", "4e1")
    assert flat(result.report.findings) == [
        ("integer-in-scientific-notation", "warning", "households", [5])
    ]
    assert result.report.accepted
    assert result.frame is not None
    assert result.frame.get_column("households")[3] == 40


def test_scientific_notation_is_still_range_checked(contract: Contract) -> None:
    result = with_fault(contract, "households", "4e3")
    codes = [f.code for f in result.report.findings]
    assert codes == ["integer-in-scientific-notation", "above-maximum"]


def test_a_repeated_composite_key_is_one_finding_on_the_later_row(contract: Contract) -> None:
    rows = [good_row(n) for n in range(1, 5)]
    rows[3].update(team=rows[1]["team"])  # same month, area and team as data row 2 (row 3)
    result = check(contract, rows)
    assert flat(result.report.findings) == [
        ("duplicate-key", "error", "month, area_code, team", [5])
    ]
    assert result.report.findings[0].samples == ["2016-03-01 / E08000001 / T2"]


def test_an_empty_key_part_is_required_missing_not_a_duplicate(contract: Contract) -> None:
    rows = [good_row(n, team="") for n in range(1, 4)]
    result = check(contract, rows)
    assert flat(result.report.findings) == [("required-missing", "error", "team", [2, 3, 4])]


def test_header_case_and_spacing_differences_are_matched_with_a_warning(
    contract: Contract,
) -> None:
    header = [" Case ID" if h == "case_id" else h.upper() if h == "month" else h for h in HEADER]
    rows = [{header[i]: v for i, v in enumerate(good_row(1).values())}]
    result = validate_extract(to_csv(rows, header), contract)
    assert flat(result.report.findings) == [
        ("column-name-differs", "warning", "case_id", []),
        ("column-name-differs", "warning", "month", []),
    ]
    assert result.report.accepted
    assert result.frame is not None and result.frame.columns == contract.column_names


def test_missing_and_unexpected_columns(contract: Contract) -> None:
    header = [h for h in HEADER if h not in ("team", "verified")] + ["teem"]
    row = {**{h: GOOD[h] for h in header if h in GOOD}, "teem": "T1"}
    result = validate_extract(to_csv([row], header), contract)
    assert flat(result.report.findings) == [
        ("missing-column", "error", "team", []),
        ("missing-column", "warning", "verified", []),
        ("unexpected-column", "warning", "teem", []),
    ]
    assert "Did you mean 'teem'?" in result.report.findings[0].message


def test_an_optional_missing_column_loads_as_nulls(contract: Contract) -> None:
    header = [h for h in HEADER if h != "verified"]
    result = validate_extract(to_csv([{h: GOOD[h] for h in header}], header), contract)
    assert result.report.accepted
    assert result.frame is not None
    assert result.frame.get_column("verified").to_list() == [None]


def test_many_failures_list_capped_rows_full_count_and_five_samples(contract: Contract) -> None:
    rows = [good_row(n, households=f"x{n % 7}") for n in range(1, 151)]
    result = check(contract, rows)
    (finding,) = result.report.findings
    assert finding.code == "not-an-integer"
    assert finding.count == 150
    assert finding.rows == list(range(2, 2 + MAX_ROWS_LISTED))
    assert finding.samples == ["x1", "x2", "x3", "x4", "x5"]
    assert "150 values" in finding.message


def test_every_problem_is_reported_not_just_the_first(contract: Contract) -> None:
    rows = [
        good_row(1, households="many"),
        good_row(2, area_code="E08000099", duty_type="relif"),
        good_row(3, referral_date="2016/02/01"),
    ]
    result = check(contract, rows)
    assert sorted((f.code, f.rows[0]) for f in result.report.findings) == [
        ("not-a-date", 4),
        ("not-allowed-value", 3),
        ("not-an-integer", 2),
        ("unknown-reference", 3),
    ]


def test_failing_rows_csv_holds_each_failing_row_with_its_problems(contract: Contract) -> None:
    rows = [good_row(1), good_row(2, households="x", duty_type="none"), good_row(3)]
    result = check(contract, rows)
    text = failing_rows_csv(result.report, result.extract, result.problems).decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert len(lines) == 1
    assert lines[0]["spreadsheet_row"] == "3"
    assert lines[0]["problems"] == "not-an-integer (households); not-allowed-value (duty_type)"
    assert lines[0]["case_id"] == "C0002"
    without_problems = failing_rows_csv(result.report, result.extract)
    assert without_problems.decode("utf-8-sig").splitlines()[1].startswith("3,")


def test_the_text_report_names_verdict_codes_and_rows(contract: Contract) -> None:
    result = with_fault(contract, "area_code", "E08000099")
    text = render_report_text(result.report)
    assert text.startswith("REJECTED: cases_2016-03.csv for cases (2016-03), 5 rows, 1 error")
    assert "unknown-reference" in text
    assert "area_code" in text


def test_a_malformed_period_is_a_usage_error(contract: Contract) -> None:
    with pytest.raises(UsageError):
        check(contract, [good_row(1)], period="March")


def test_an_unreadable_file_is_a_rejected_report(contract: Contract) -> None:
    result = validate_extract(b"PK\x03\x04" + bytes(200), contract, file_name="cases.csv")
    assert not result.report.accepted
    assert result.report.findings[0].severity == "error"
    assert result.frame is None


# --- property tests: data generated from the contract --------------------------------------

AREAS = [f"E080000{n:02d}" for n in range(1, 11)]


@st.composite
def valid_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    n = draw(st.integers(min_value=1, max_value=25))
    rows = []
    for i in range(n):
        day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
        rows.append(
            {
                "case_id": f"C{i:04d}",
                "month": f"2016-03-{draw(st.integers(1, 31)):02d}",
                "area_code": draw(st.sampled_from(AREAS)),
                "team": f"T{i}",
                "referral_date": day.strftime("%d/%m/%Y"),
                "households": str(draw(st.integers(0, 50))),
                "cost": draw(
                    st.one_of(
                        st.just(""),
                        st.floats(0, 10000, allow_nan=False).map(lambda x: f"{x:.2f}"),
                    )
                ),
                "duty_type": draw(st.sampled_from(["prevention", "relief", "", "N/A"])),
                "verified": draw(st.sampled_from(["true", "FALSE", "yes", "0", "", "-"])),
            }
        )
    return rows


FAULTS = [
    ("households", "lots", "not-an-integer"),
    ("households", "999", "above-maximum"),
    ("cost", "-5", "below-minimum"),
    ("referral_date", "2016-13-01", "not-a-date"),
    ("verified", "perhaps", "not-a-boolean"),
    ("area_code", "E06000999", "unknown-reference"),
    ("area_code", "X", "pattern-mismatch"),
    ("duty_type", "main", "not-allowed-value"),
    ("team", "TOOLONGTEAM", "too-long"),
    ("case_id", "", "required-missing"),
    ("month", "2016-02-01", "wrong-period"),
]


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=valid_rows())
def test_data_generated_from_the_contract_validates_clean(rows: list[dict[str, str]]) -> None:
    contract = load_contract(FULL / "cases.odcs.yaml")
    result = check(contract, rows, period="2016-03")
    assert result.report.findings == []
    assert result.report.accepted
    assert result.frame is not None and result.frame.height == len(rows)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=valid_rows(), fault=st.sampled_from(FAULTS), data=st.data())
def test_one_injected_fault_gives_exactly_one_finding_at_its_row(
    rows: list[dict[str, str]], fault: tuple[str, str, str], data: st.DataObject
) -> None:
    contract = load_contract(FULL / "cases.odcs.yaml")
    field, value, code = fault
    at = data.draw(st.integers(0, len(rows) - 1))
    rows[at][field] = value
    result = check(contract, rows, period="2016-03")
    assert flat(result.report.findings) == [(code, "error", field, [at + 2])]


def test_a_null_marker_that_looks_like_a_number_means_no_value(tmp_path: Path) -> None:
    shutil.copytree(FULL / "reference", tmp_path / "reference")
    text = (FULL / "cases.odcs.yaml").read_text(encoding="utf-8")
    path = tmp_path / "cases.odcs.yaml"
    path.write_text(text.replace('["", "NULL", "N/A", "-"]', '["", "-999"]'), encoding="utf-8")
    contract = load_contract(path)
    rows = [good_row(1, households="-999"), good_row(2, households="N/A")]
    result = check(contract, rows)
    assert flat(result.report.findings) == [("not-an-integer", "error", "households", [3])]
    accepted = check(contract, [good_row(1, households="-999", verified="YES")])
    assert accepted.report.accepted
    assert accepted.frame is not None
    assert accepted.frame.row(0, named=True)["households"] is None
    assert accepted.frame.row(0, named=True)["verified"] is True
