"""Excel workbooks checked like CSV (workbook.py through validate_extract): over real workbooks
made by xlsxwriter (and openpyxl, and msoffcrypto for a password) from a sample extract.

A workbook of the sample's CSV is accepted with the very same typed rows, its Excel dates
shown in any display format; every cell a CSV cannot hold (error cells, formulas with no saved
value, numbers stored as text, merged cells, hidden rows and columns, a title above the header)
is a finding naming the worksheet's own rows; bad files (old .xls, a password, corruption, no
sheets, a huge sheet) are one clear finding each, never an exception."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from workbooks import AGE, APPROACH, SAMPLE, column_of, sample_rows, workbook
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from shared_outcomes.checking import workbook as reader
from shared_outcomes.checking.reading import ROW_COLUMN
from shared_outcomes.checking.report import Finding
from shared_outcomes.checking.validation import Validation, validate_extract
from shared_outcomes.config.contracts import Contract, load_contracts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contracts(ROOT / "data_contracts")["homelessness_cases"]


def check(data: bytes, contract: Contract, name: str = "cases.xlsx", **kw: str) -> Validation:
    return validate_extract(data, contract, file_name=name, **kw)


def found(result: Validation, code: str) -> Finding:
    (finding,) = [f for f in result.report.findings if f.code == code]
    return finding


def codes(result: Validation) -> set[str]:
    return {f.code for f in result.report.findings}


def test_the_sample_as_a_workbook_is_accepted_with_the_same_rows_as_its_csv(
    contract: Contract,
) -> None:
    from_csv = validate_extract(SAMPLE, contract)
    from_excel = check(workbook(), contract)
    assert from_csv.report.accepted and from_excel.report.accepted
    assert from_excel.report.findings == []
    assert from_excel.report.sheet == "homelessness_cases"
    assert from_excel.frame is not None and from_csv.frame is not None
    # Excel dates shown as "26 Jan 2015" read as the dates they are; ages as whole numbers.
    assert from_excel.frame.equals(from_csv.frame)
    assert from_excel.extract is not None
    assert from_excel.extract[ROW_COLUMN].to_list()[:2] == [2, 3]


def test_dates_typed_as_text_are_checked_against_the_contracts_format(
    contract: Contract,
) -> None:
    def us_dates(_book: Workbook, ws: Worksheet) -> None:
        ws.write_string(5, APPROACH, "01/26/2015")  # month first: worksheet row 6
        ws.write_string(9, APPROACH, "2015-02-12")  # worksheet row 10

    assert check(workbook(dates="text"), contract).report.accepted  # as typed: dd/MM/yyyy
    result = check(workbook(dates="text", extra=us_dates), contract)
    assert not result.report.accepted
    bad = [f for f in result.report.findings if f.column == "approach_date"]
    assert [(f.code, f.rows) for f in bad] == [("not-a-date", [6, 10])]


def test_formulas_are_read_by_their_saved_value_and_one_without_is_a_finding(
    contract: Contract, tmp_path: Path
) -> None:
    def formulas(_book: Workbook, ws: Worksheet) -> None:
        ws.write_formula(2, AGE, "=20+11", None, 31)  # row 3: its saved value is read

    result = check(workbook(extra=formulas), contract)
    assert result.report.accepted and result.extract is not None
    assert result.extract.filter(pl.col(ROW_COLUMN) == 3)["applicant_age"].item() == "31"

    # openpyxl saves formulas without calculating them: no value to read.
    path = tmp_path / "cases.xlsx"
    workbook(path)
    book = openpyxl.load_workbook(path)
    book["homelessness_cases"].cell(row=4, column=AGE + 1, value="=SUM(1,2)")
    book.save(path)
    result = validate_extract(path, contract)
    finding = found(result, "formula-without-value")
    assert (finding.severity, finding.column, finding.rows) == ("error", "applicant_age", [4])
    assert "Paste Special > Values" in (finding.fix or "")


def test_error_cells_are_findings_with_excels_own_words(contract: Contract) -> None:
    def errors(_book: Workbook, ws: Worksheet) -> None:
        ws.write_formula(3, AGE, "=NA()", None, "#N/A")  # row 4
        ws.write_formula(6, AGE, "=A1/0", None, "#DIV/0!")  # row 7
        ws.write_formula(7, APPROACH, "=#REF!", None, "#REF!")  # row 8

    result = check(workbook(extra=errors), contract)
    assert not result.report.accepted
    age = next(
        f
        for f in result.report.findings
        if f.code == "excel-error-cell" and f.column == "applicant_age"
    )
    assert age.rows == [4, 7] and age.samples == ["#N/A", "#DIV/0!"]
    dated = [f for f in result.report.findings if f.column == "approach_date"]
    assert [(f.code, f.rows, f.samples) for f in dated if f.code == "excel-error-cell"] == [
        ("excel-error-cell", [8], ["#REF!"])
    ]
    assert result.extract is not None  # the cell shows what Excel shows, for the errors workbook
    assert result.extract.filter(pl.col(ROW_COLUMN) == 4)["applicant_age"].item() == "#N/A"


def test_numbers_stored_as_text_are_a_warning_and_read_as_numbers(contract: Contract) -> None:
    def text_numbers(_book: Workbook, ws: Worksheet) -> None:
        ws.write_string(2, AGE, "31")
        ws.write_string(11, AGE, "44")

    result = check(workbook(extra=text_numbers), contract)
    finding = found(result, "number-stored-as-text")
    assert (finding.severity, finding.rows) == ("warning", [3, 12])
    assert result.report.accepted and result.frame is not None
    assert result.frame["applicant_age"][1] == 31


def test_merged_cells_hidden_rows_and_hidden_columns(contract: Contract) -> None:
    records = sample_rows()[1]

    def structure(_book: Workbook, ws: Worksheet) -> None:
        area = column_of("area_code")
        ws.merge_range(4, area, 6, area, records[3][area])  # rows 5 to 7 share one value
        ws.set_row(9, None, None, {"hidden": True})  # row 10
        ws.set_row(12, None, None, {"hidden": True})  # row 13
        ws.set_column(column_of("household_type"), column_of("household_type"), None, None,
                      {"hidden": True})  # fmt: skip

    result = check(workbook(extra=structure), contract)
    merged = found(result, "merged-cells")
    assert merged.severity == "error" and merged.rows == [5, 6, 7] and merged.samples == ["B5:B7"]
    hidden = found(result, "hidden-rows")
    assert (hidden.severity, hidden.rows) == ("warning", [10, 13])
    columns = found(result, "hidden-columns")
    assert columns.severity == "warning" and "'household_type'" in columns.message
    assert not result.report.accepted  # rows 6 and 7 arrive with no area


def test_a_title_above_the_header_is_a_finding_and_rows_keep_their_numbers(
    contract: Contract,
) -> None:
    result = check(workbook(title_rows=3), contract)
    finding = found(result, "header-not-in-row-1")
    assert finding.severity == "error" and finding.rows == [4]
    assert "Delete rows 1 to 3" in (finding.fix or "")
    assert "'Bury Council: homelessness cases, April 2016'" in finding.message
    assert codes(result) == {"header-not-in-row-1"}  # the columns themselves are all found
    assert result.extract is not None and result.extract[ROW_COLUMN][0] == 5


def test_the_sheet_named_like_the_dataset_else_the_only_one_else_a_choice(
    contract: Contract,
) -> None:
    named = check(workbook(other_sheets=("Notes", "Lookup")), contract)
    assert named.report.accepted and named.report.sheet == "homelessness_cases"
    only = check(workbook(sheet="Sheet1"), contract)
    assert only.report.accepted and only.report.sheet == "Sheet1"

    several = check(workbook(sheet="April", other_sheets=("Notes",)), contract)
    finding = found(several, "choose-sheet")
    assert finding.severity == "error" and several.report.sheet is None
    assert "2 worksheets ('Notes', 'April')" in finding.message
    assert "--sheet NAME" in (finding.fix or "") and several.sheets == ["Notes", "April"]
    chosen = check(workbook(sheet="April", other_sheets=("Notes",)), contract, sheet="April")
    assert chosen.report.accepted and chosen.report.sheet == "April"
    missing = check(workbook(), contract, sheet="Aprl")
    assert (
        "no worksheet named 'Aprl'; its worksheets are 'homelessness_cases'"
        in found(missing, "choose-sheet").message
    )


def test_an_xlsm_renamed_csv_and_a_workbook_as_bytes_read_alike(
    contract: Contract, tmp_path: Path
) -> None:
    data = workbook()
    (tmp_path / "cases.csv").write_bytes(data)  # the content decides, not the name
    assert validate_extract(tmp_path / "cases.csv", contract).report.accepted
    assert check(data, contract, name="cases.xlsm").report.sha256 == reader.digest(data)


# --- bad workbooks ------------------------------------------------------------------------------


def test_an_old_xls_and_a_password_protected_workbook(contract: Contract, tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    workbook(plain)
    locked = io.BytesIO()
    with plain.open("rb") as handle:
        office = OOXMLFile(handle)
        office.encrypt("secret", locked)
    result = check(locked.getvalue(), contract)
    assert [f.code for f in result.report.findings] == ["workbook-password-protected"]
    assert "remove the password" in (result.report.findings[0].fix or "")

    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)  # an OLE2 file: Excel 97-2003
    (finding,) = check(xls, contract, name="cases.xls").report.findings
    assert finding.code == "excel-workbook" and ".xlsx" in (finding.fix or "")


def test_a_corrupt_workbook_and_one_with_no_sheets(contract: Contract) -> None:
    data = workbook()
    (finding,) = check(data[: len(data) // 2], contract).report.findings
    assert finding.code == "unreadable-workbook" and "save it again" in (finding.fix or "")

    emptied = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(emptied, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/workbook.xml":
                start, end = content.index(b"<sheets>"), content.index(b"</sheets>") + 9
                content = content[:start] + content[end:]
            target.writestr(item, content)
    (finding,) = check(emptied.getvalue(), contract).report.findings
    assert finding.code == "workbook-no-sheets"


def test_a_sheet_too_large_is_refused_before_it_is_parsed(
    contract: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = workbook()
    monkeypatch.setattr(reader, "MAX_PART_BYTES", 10_000)
    (finding,) = check(data, contract).report.findings
    assert finding.code == "workbook-too-large" and "homelessness_cases" in finding.message


@pytest.mark.slow
def test_a_million_empty_styled_rows_cost_nothing(contract: Contract) -> None:
    def styled(book: Workbook, ws: Worksheet) -> None:
        yellow = book.add_format({"bg_color": "#FFFF00"})
        for row in range(200, 1_048_576):
            ws.write_blank(row, 0, None, yellow)

    result = check(workbook(extra=styled), contract)
    assert result.report.accepted and result.report.rows == len(sample_rows()[1])


def test_reading_the_xml_in_blocks_finds_what_spans_a_block_boundary(
    monkeypatch: pytest.MonkeyPatch, contract: Contract
) -> None:
    """Small blocks, so that hidden rows and merged cells fall across block boundaries."""

    def structure(_book: Workbook, ws: Worksheet) -> None:
        for row in range(10, 300, 7):
            ws.set_row(row, None, None, {"hidden": True})

    monkeypatch.setattr(reader, "_BLOCK", 4096)
    monkeypatch.setattr(reader, "_OVERLAP", 1024)
    hidden = found(check(workbook(extra=structure), contract), "hidden-rows")
    expected = [r + 1 for r in range(10, 300, 7) if r + 1 <= len(sample_rows()[1]) + 1]
    assert hidden.rows == expected


def test_a_workbook_date_shown_with_a_time_of_day_is_not_a_date(contract: Contract) -> None:
    def timed(book: Workbook, ws: Worksheet) -> None:
        stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        ws.write_datetime(2, APPROACH, datetime(2015, 1, 26, 14, 30), stamp)

    result = check(workbook(extra=timed), contract)
    bad = [f for f in result.report.findings if f.column == "approach_date"]
    assert [f.rows for f in bad] == [[3]] and "2015-01-26 14:30:00" in bad[0].samples
