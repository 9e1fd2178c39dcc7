"""What a partner's data officer reads is plain words: dates as day/month/year with an example
and a US-dates hint, areas by name, no file paths, singular where there is one, no regular
expressions unless asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import make_extracts

from shared_outcomes.checking.report import Finding, Report
from shared_outcomes.config.contracts import date_format_words, load_contracts
from shared_outcomes.present import views
from shared_outcomes.present.patterns import pattern_words
from shared_outcomes.settings import load_settings
from shared_outcomes.submission import SubmitResult
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
WIGAN = (
    ROOT / "sample_data" / "rejected_examples" / "wigan_council" / "homelessness_cases_2016-05.csv"
)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    db = tmp_path_factory.mktemp("words") / "w.duckdb"
    return Workspace.open(load_settings(db=db, root=ROOT))


def test_a_date_format_is_worded_with_an_example() -> None:
    assert date_format_words("dd/MM/yyyy") == "day/month/year, e.g. 28/03/2016"
    assert date_format_words("yyyy-MM-dd") == "year-month-day, e.g. 2016-03-28"


def test_us_dates_are_named_as_us_dates(ws: Workspace) -> None:
    report = ws.validate(
        WIGAN, dataset="homelessness_cases", partner="wigan_council", period="2016-05"
    ).report
    dates = [f for f in report.errors if f.code == "not-a-date"]
    assert dates
    for finding in dates:
        assert "dd/MM/yyyy" not in finding.message + (finding.fix or "")
        assert "written day/month/year, e.g. 28/03/2016" in finding.message
        assert "They look like US dates, month first" in finding.message


def test_a_date_that_is_simply_wrong_is_not_called_a_us_date(ws: Workspace) -> None:
    files = make_extracts("wigan_council", "Wigan Council")
    lines = files.good.decode().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("approach_date")] = "31/31/2016"
    data = "\n".join([lines[0], ",".join(cells), *lines[2:]]).encode()
    report = ws.validate(data, dataset=files.dataset, partner=files.partner, period=files.period)
    (finding,) = [f for f in report.report.errors if f.code == "not-a-date"]
    assert "US dates" not in finding.message


def test_rows_for_other_areas_name_the_areas_and_no_file(ws: Workspace) -> None:
    files = make_extracts("wigan_council", "Wigan Council")
    lines = files.good.decode().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("area_code")] = "E08000001"  # Bolton's, not Wigan's
    data = "\n".join([lines[0], ",".join(cells), *lines[2:]]).encode()
    report = ws.validate(data, dataset=files.dataset, partner=files.partner, period=files.period)
    (finding,) = [f for f in report.report.errors if f.code == "area-not-covered"]
    text = finding.message + (finding.fix or "")
    assert "submits for Wigan only" in text
    assert "E08000010" not in text and "partners.yaml" not in text


def test_one_value_is_a_whole_number_and_one_error_is_one_error(ws: Workspace) -> None:
    files = make_extracts("wigan_council", "Wigan Council")
    report = ws.validate(
        files.bad, dataset=files.dataset, partner=files.partner, period=files.period
    ).report
    (age,) = [f for f in report.errors if f.code == "not-an-integer"]
    assert age.message.startswith("1 value in applicant_age is not a whole number:")
    one = report.model_copy(update={"findings": [age]})
    assert "(1 error)" in SubmitResult(one, "rejected", 7, None).summary


def test_a_whole_file_finding_has_no_count_of_zero() -> None:
    whole = Finding(code="missing-column", severity="error", message="m", fix="f", count=0)
    table = views.findings_table(Report(accepted=False, dataset="d", findings=[whole]))
    assert table["Column"].to_list() == ["(whole file)"]
    assert table["Count"].to_list() == [""]


def test_the_standards_page_words_patterns_and_keeps_the_regex_for_those_who_ask() -> None:
    contracts = load_contracts(ROOT / "data_contracts")
    cases = contracts["homelessness_cases"]
    rules = " ".join(views.contract_table(cases)["Rules"].to_list())
    assert "^" not in rules and "[0-9]" not in rules  # no regular expression by default
    assert "the text 'E0', then a digit from 6 to 9, then 6 digits" in rules
    assert "day/month/year, e.g. 28/03/2016" in rules
    exact = views.contract_patterns(cases)
    assert "^E0[6-9][0-9]{6}$" in exact["Exactly"].to_list()
    assert pattern_words("^(a|b)+$") == "a set form (see the exact pattern)"
