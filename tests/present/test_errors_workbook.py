"""The errors workbook: the Errors sheet lists every finding with links to the cells at fault,
and "Your data" holds the rows as sent, at their own row numbers, the cells at fault marked.

The inputs come from the real checker over the sample partnership's rejected extracts and
files made from its good ones; the workbook is read back with openpyxl.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook as OpenedWorkbook
from openpyxl.worksheet.worksheet import Worksheet as OpenedSheet
from support import make_extracts

from shared_outcomes.checking.header import column_letter
from shared_outcomes.checking.report import ROW_COLUMN, Report
from shared_outcomes.checking.validation import Validation, validate_extract
from shared_outcomes.config.contracts import Contract, find_contract
from shared_outcomes.present import errors_workbook as module
from shared_outcomes.present.errors_workbook import (
    DATA_SHEET,
    ERROR_FILL,
    ERRORS_SHEET,
    MAX_MARKED_CELLS,
    WARNING_FILL,
    errors_workbook,
    has_errors_workbook,
    write_errors_workbook,
)
from shared_outcomes.present.report_text import verdict
from shared_outcomes.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "sample_data" / "rejected_examples"
#: 158 dates written month first, in two columns (106 in approach_date: more than 100 listed).
WIGAN = EXAMPLES / "wigan_council" / "homelessness_cases_2016-05.csv"
#: The household_type column was deleted: a problem with the file as a whole.
MISSING_COLUMN = EXAMPLES / "bury_council" / "homelessness_cases_2016-07.csv"
#: Rows 18-21 hold one value too many (an unquoted comma): not in the extract as read.
RAGGED = EXAMPLES / "gm_voluntary_alliance" / "digital_inclusion_2017-01.csv"
#: A Windows-1252 file (a warning for the whole file) with one bad number on row 14.
CP1252 = EXAMPLES / "gm_combined_authority" / "flood_protection_2016-09.csv"
FILLS = {"FF" + ERROR_FILL.lstrip("#"): "error", "FF" + WARNING_FILL.lstrip("#"): "warning"}


def contract(dataset: str) -> Contract:
    return find_contract(load_settings(root=ROOT).contracts_dir, dataset)


def check(source: Path | bytes, dataset: str, **kw: str) -> Validation:
    return validate_extract(source, contract(dataset), file_name=kw.pop("file_name", None), **kw)


def sample(path: Path) -> Validation:
    return check(path, path.stem.rsplit("_", 1)[0])


def opened(data: bytes) -> OpenedWorkbook:
    return load_workbook(io.BytesIO(data))


def book_of(checked: Validation, **kw: int) -> OpenedWorkbook:
    return opened(errors_workbook(checked.report, checked.extract, checked.problems, **kw))


def marked(sheet: OpenedSheet) -> dict[str, str]:
    """Each highlighted cell's coordinate and its severity, by its fill."""
    return {
        cell.coordinate: FILLS[cell.fill.fgColor.rgb]
        for row in sheet.iter_rows()
        for cell in row
        if cell.fill.fgColor.rgb in FILLS
    }


def cells_at_fault(checked: Validation) -> list[str]:
    """The coordinates the problems name (their column's header, else column A), in row order."""
    assert checked.extract is not None
    headers = [c for c in checked.extract.columns if c != ROW_COLUMN]
    cells = {
        (row, headers.index(column) if column in headers else 0)
        for row, _, column in checked.problems.iter_rows()
    }
    return [f"{column_letter(col)}{row}" for row, col in sorted(cells)]


def errors_rows(book: OpenedWorkbook) -> list[list[object]]:
    return [list(row) for row in book[ERRORS_SHEET].iter_rows(values_only=True)]


def table(book: OpenedWorkbook) -> tuple[int, list[tuple[object, ...]]]:
    """The findings table: its header's row number (1-based) and its rows."""
    rows = errors_rows(book)
    header = next(i for i, row in enumerate(rows) if row[:2] == ["Severity", "Code"])
    return header + 1, [tuple(row) for row in rows[header + 1 :] if any(row)]


def csv_records(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding=encoding))))


def row_values(sheet: OpenedSheet, row: int, width: int) -> list[object]:
    """A row's values as read back: an empty cell as "", any other exactly as stored."""
    return ["" if (v := sheet.cell(row, col).value) is None else v for col in range(1, width + 1)]


def with_cells(lines: list[str], changes: dict[tuple[int, str], str]) -> bytes:
    """A CSV made from `lines` (header first) with cells changed: (data row index, column)."""
    header, *rows = list(csv.reader(lines))
    for (index, column), value in changes.items():
        rows[index][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


# --- the sheets and the Errors sheet ---------------------------------------------------------


def test_the_errors_sheet_comes_first_then_the_data() -> None:
    book = book_of(sample(WIGAN))
    assert book.sheetnames == [ERRORS_SHEET, DATA_SHEET] == ["Errors", "Your data"]
    assert book.active.title == ERRORS_SHEET


def test_the_title_names_the_file_the_dataset_the_verdict_and_the_counts() -> None:
    checked = sample(WIGAN)
    title = errors_rows(book_of(checked))[0][0]
    assert title == verdict(checked.report)
    assert isinstance(title, str)
    assert title.startswith("REJECTED: homelessness_cases_2016-05.csv for homelessness_cases")
    assert "2 errors, 0 warnings" in title


def test_whole_file_findings_come_first_with_severity_message_and_fix() -> None:
    checked = sample(MISSING_COLUMN)
    (missing,) = checked.report.findings
    rows = errors_rows(book_of(checked))
    heading = rows.index(["Problems with the file as a whole", *[None] * (len(rows[0]) - 1)])
    assert rows[heading + 1][:6] == [
        "Error",
        "missing-column",
        "household_type",
        None,
        missing.message,
        missing.fix,
    ]
    assert heading < next(i for i, row in enumerate(rows) if row[0] == "Every problem found")


def test_every_finding_is_in_the_table_errors_first() -> None:
    checked = sample(CP1252)
    assert [f.severity for f in checked.report.findings] == ["warning", "error"]
    _, rows = table(book_of(checked))
    listed = [row[:6] for row in rows]
    (bad_number,) = checked.report.errors
    (encoding,) = checked.report.warnings
    assert listed == [
        ("Error", "not-an-integer", "properties_protected", 1, bad_number.message, bad_number.fix),
        ("Warning", "not-utf8", None, None, encoding.message, encoding.fix),
    ]


def test_each_listed_row_links_to_the_cell_at_fault() -> None:
    checked = sample(WIGAN)
    book = book_of(checked)
    header_row, _ = table(book)
    sheet = book[ERRORS_SHEET]
    assert checked.extract is not None
    headers = [c for c in checked.extract.columns if c != ROW_COLUMN]
    for offset, finding in enumerate(checked.report.findings, start=1):
        assert finding.column is not None
        letter = column_letter(headers.index(finding.column))
        cells = [sheet.cell(header_row + offset, 7 + i) for i in range(len(finding.rows))]
        assert [c.hyperlink.location for c in cells] == [
            f"'{DATA_SHEET}'!{letter}{row}" for row in finding.rows
        ]
        assert [c.value for c in cells] == [str(row) for row in finding.rows]


def test_links_stop_at_the_rows_a_finding_lists_and_say_how_many_more() -> None:
    checked = sample(WIGAN)
    dates = next(f for f in checked.report.findings if f.column == "approach_date")
    assert (dates.count, len(dates.rows)) == (106, 100)
    book = book_of(checked)
    header_row, _ = table(book)
    lines = book[ERRORS_SHEET].iter_rows(min_row=header_row + 1)
    row = next(line for line in lines if line[2].value == dates.column)
    links = [cell for cell in row if cell.hyperlink is not None]
    assert len(links) == 100
    assert row[6 + 100].value == "and 6 more"


def test_the_errors_sheet_is_laid_out_for_reading() -> None:
    book = book_of(sample(WIGAN))
    sheet = book[ERRORS_SHEET]
    header_row, rows = table(book)
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.auto_filter.ref == f"A{header_row}:F{header_row + len(rows)}"
    assert all(sheet.cell(header_row, col).font.b for col in range(1, 7))
    assert sheet.cell(header_row + 1, 5).alignment.wrap_text
    assert sheet.column_dimensions["E"].width > 50


# --- the data sheet -------------------------------------------------------------------------


def test_the_data_sheet_holds_every_row_as_sent_at_its_row_number() -> None:
    checked = sample(WIGAN)
    records = csv_records(WIGAN)
    sheet = book_of(checked)[DATA_SHEET]
    assert sheet.max_row == len(records)
    for number, record in enumerate(records, start=1):
        assert row_values(sheet, number, len(records[0])) == record
    assert all(
        cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None
    )
    assert sheet.freeze_panes == "A2"


def test_a_windows_1252_file_shows_its_text_as_read() -> None:
    checked = sample(CP1252)
    records = csv_records(CP1252, encoding="cp1252")
    sheet = book_of(checked)[DATA_SHEET]
    for number, record in enumerate(records, start=1):
        assert row_values(sheet, number, len(records[0])) == record
    assert sheet["E14"].value == "1,250"  # the bad number, kept as written


def test_the_highlighted_cells_are_exactly_the_cells_at_fault() -> None:
    checked = sample(WIGAN)
    at_fault = cells_at_fault(checked)
    assert len(at_fault) == 158
    assert marked(book_of(checked)[DATA_SHEET]) == dict.fromkeys(at_fault, "error")


def test_each_note_says_what_is_wrong_and_how_to_fix_it() -> None:
    checked = sample(WIGAN)
    sheet = book_of(checked)[DATA_SHEET]
    by_column = {f.column: f for f in checked.report.findings}
    for coordinate in cells_at_fault(checked):
        note = sheet[coordinate].comment
        assert note is not None
        column = sheet.cell(1, sheet[coordinate].column).value
        finding = by_column[column]
        assert note.text.startswith("Error: " + finding.message[:120])
        assert "\nHow to fix: Write every date in" in note.text
        assert len(note.text) < 800  # the message and fix shortened, not the whole report


def test_several_findings_on_one_cell_share_one_note() -> None:
    files = make_extracts()
    lines = files.good.decode().splitlines()
    data = with_cells(lines, {(2, "case_id"): "bad id", (3, "case_id"): "bad id"})
    checked = check(data, "homelessness_cases", period=files.period)
    sheet = book_of(checked)[DATA_SHEET]
    note = sheet["A5"].comment
    assert note is not None
    first, second = note.text.split("\n\n")
    assert first.startswith("Error: 2 values in case_id are not in the expected form")
    assert second.startswith("Error: 1 row repeats a value of case_id")
    assert marked(sheet) == {"A4": "error", "A5": "error"}


def test_a_column_headed_in_other_case_is_marked_under_its_header() -> None:
    files = make_extracts()
    lines = files.good.decode().splitlines()
    lines[0] = lines[0].replace("area_code", "Area Code")
    data = with_cells(lines, {(4, "Area Code"): "E0800000X"})
    checked = check(data, "homelessness_cases", period=files.period)
    assert {f.code for f in checked.report.findings} == {"column-name-differs", "pattern-mismatch"}
    sheet = book_of(checked)[DATA_SHEET]
    assert sheet["B1"].value == "Area Code"
    assert marked(sheet) == {"B6": "error"}
    book = book_of(checked)
    header_row, _ = table(book)
    links = [
        cell.hyperlink.location
        for row in book[ERRORS_SHEET].iter_rows(min_row=header_row + 1)
        for cell in row
        if cell.hyperlink is not None
    ]
    assert links == [f"'{DATA_SHEET}'!B6"]


def test_a_problem_in_a_column_the_header_lacks_marks_the_rows_first_cell() -> None:
    checked = sample(WIGAN)
    problems = pl.DataFrame(
        {"row": [9], "code": ["not-a-date"], "column": ["no_such_column"]},
        schema={"row": pl.Int64, "code": pl.String, "column": pl.String},
    )
    sheet = opened(errors_workbook(checked.report, checked.extract, problems))[DATA_SHEET]
    assert marked(sheet) == {"A9": "error"}
    note = sheet["A9"].comment
    assert note is not None and note.text.startswith("Error: About column no_such_column")


def test_a_ragged_row_is_marked_on_its_first_cell_and_says_why_it_is_empty() -> None:
    checked = sample(RAGGED)
    sheet = book_of(checked)[DATA_SHEET]
    assert marked(sheet) == {f"A{row}": "error" for row in (18, 19, 20, 21)}
    assert sheet["A18"].value is None and sheet["A22"].value == "2017-01"
    note = sheet["A18"].comment
    assert note is not None
    assert note.text.startswith("Error: 4 row(s) do not have the 6 values the header names")
    assert "Row 18's values are not shown here" in note.text


def test_a_warned_extract_is_accepted_and_its_rows_keep_their_numbers() -> None:
    files = make_extracts()
    lines = files.good.decode().splitlines()
    width = len(lines[0].split(","))
    empty = "," * (width - 1)  # a row of empty cells is an empty row too
    data = "\n".join([*lines[:3], "", "", *lines[3:6], empty, *lines[6:]]) + "\n"
    checked = check(data.encode(), "homelessness_cases", period=files.period)
    assert checked.report.accepted
    (blank,) = checked.report.findings
    assert (blank.code, blank.severity, blank.rows) == ("blank-rows-ignored", "warning", [4, 5, 9])
    assert has_errors_workbook(checked.report)
    book = book_of(checked)
    assert str(errors_rows(book)[0][0]).startswith("ACCEPTED:")
    sheet = book[DATA_SHEET]
    sent = [*lines[:3], None, None, *lines[3:6], None, *lines[6:]]
    for number, line in enumerate(sent, start=1):
        expected = [""] * width if line is None else line.split(",")
        assert row_values(sheet, number, width) == expected
    assert marked(sheet) == {"A4": "warning", "A5": "warning", "A9": "warning"}
    note = sheet["A4"].comment
    assert note is not None and note.text.startswith("Warning: 3 empty row(s) were ignored")


def test_a_repeated_column_name_is_marked_in_the_header_row() -> None:
    data = (
        b"month,area_code,venue,venue,age_band,people_supported,devices_loaned\n"
        b"2017-01,E08000001,Bolton Library,Wigan Library,16-24,1,1\n"
    )
    checked = check(data, "digital_inclusion")
    assert [(f.code, f.rows) for f in checked.report.errors] == [("duplicate-column", [1])]
    book = book_of(checked)
    sheet = book[DATA_SHEET]
    assert marked(sheet) == {"C1": "error"}
    note = sheet["C1"].comment
    assert note is not None
    assert note.text.startswith("Error: The header names column 'venue' 2 times (columns C, D).")
    assert sheet["D1"].value == "venue (column D)"  # the reader's name for the second one
    links = [c.hyperlink.location for r in book[ERRORS_SHEET].iter_rows() for c in r if c.hyperlink]
    assert links == [f"'{DATA_SHEET}'!C1"]


def test_many_whole_file_findings_freeze_only_the_title() -> None:
    checked = check(b",,,\n1,2,3,4\n", "digital_inclusion")  # an empty header row
    assert len([f for f in checked.report.findings if not f.rows]) == 10
    assert book_of(checked)[ERRORS_SHEET].freeze_panes == "A2"


# --- caps, text and unreadable files ---------------------------------------------------------


def test_only_the_first_cells_by_row_order_are_marked_and_the_errors_sheet_says_so() -> None:
    checked = sample(WIGAN)
    book = book_of(checked, max_marked=10)
    sheet = book[DATA_SHEET]
    assert marked(sheet) == dict.fromkeys(cells_at_fault(checked)[:10], "error")
    assert sum(cell.comment is not None for row in sheet.iter_rows() for cell in row) == 10
    assert sheet.max_row == len(csv_records(WIGAN))  # every row is still there
    lines = [str(row[0]) for row in errors_rows(book)[:6]]
    assert any(
        line.startswith("Only the first 10 of 158 cells at fault are highlighted")
        and "failing-rows CSV" in line
        for line in lines
    )
    assert not any("Only the first" in str(row[0]) for row in errors_rows(book_of(checked)))
    assert MAX_MARKED_CELLS == 1_000


def test_past_the_link_cap_the_row_numbers_are_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "MAX_LINKS", 5)
    checked = sample(WIGAN)
    book = book_of(checked)
    header_row, _ = table(book)
    listed = checked.report.findings[0].rows[:10]
    cells = list(book[ERRORS_SHEET][header_row + 1])[6:16]
    assert [cell.hyperlink is not None for cell in cells] == [True] * 5 + [False] * 5
    assert [cell.value for cell in cells] == [*map(str, listed[:5]), *listed[5:]]


def test_rows_past_the_last_row_excel_holds_are_left_out_and_said_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(module, "EXCEL_ROWS", 50)
    checked = sample(WIGAN)
    book = book_of(checked)
    sheet = book[DATA_SHEET]
    assert sheet.max_row == 50
    assert marked(sheet) == dict.fromkeys(
        [cell for cell in cells_at_fault(checked) if int(cell[1:]) <= 50], "error"
    )
    lines = [str(row[0]) for row in errors_rows(book)[:6]]
    assert (
        f"117 rows after row 50, the last row an Excel sheet holds, are left out of '{DATA_SHEET}'."
        in lines
    )


def test_text_that_looks_like_a_formula_a_number_or_a_date_stays_text() -> None:
    tricky = ["=1+1", "+44 161 000", "-12", "@SUM(A1)", '=HYPERLINK("http://x")', "007"]
    lines = RAGGED.read_text(encoding="utf-8-sig").splitlines()[:17]
    changes = {(i, "venue"): value for i, value in enumerate(tricky)}
    changes[(len(tricky), "people_supported")] = "0042"
    changes[(len(tricky) + 1, "people_supported")] = "=2*3"
    data = with_cells(lines, changes)
    checked = check(data, "digital_inclusion")
    raw = errors_workbook(checked.report, checked.extract, checked.problems)
    sheet = opened(raw)[DATA_SHEET]
    assert [sheet.cell(row, 3).value for row in range(2, 2 + len(tricky))] == tricky
    assert sheet.cell(2 + len(tricky), 5).value == "0042"
    assert sheet.cell(3 + len(tricky), 5).value == "=2*3"
    assert all(sheet.cell(row, 3).data_type == "s" for row in range(2, 2 + len(tricky)))
    with zipfile.ZipFile(io.BytesIO(raw)) as parts:
        sheets = [parts.read(f"xl/worksheets/sheet{i}.xml").decode() for i in (1, 2)]
    assert all("<f>" not in xml for xml in sheets)  # no formula anywhere, in either sheet
    assert marked(sheet) == {f"E{3 + len(tricky)}": "error"}  # "=2*3" is not a whole number


def test_a_file_that_cannot_be_read_gives_the_errors_sheet_alone() -> None:
    checked = check(b"", "homelessness_cases", file_name="homelessness_cases_2016-05.csv")
    assert checked.extract is None
    book = book_of(checked)
    assert book.sheetnames == [ERRORS_SHEET]
    rows = errors_rows(book)
    assert str(rows[1][0]).startswith("The file could not be read, so this workbook holds no")
    (empty,) = checked.report.findings
    whole_file = rows.index(["Problems with the file as a whole", *[None] * (len(rows[0]) - 1)])
    assert rows[whole_file + 1][:6] == ["Error", "empty-file", None, None, empty.message, empty.fix]
    _, listed = table(book)
    assert [row[1] for row in listed] == ["empty-file"]


def test_a_clean_extract_has_no_errors_workbook() -> None:
    files = make_extracts()
    checked = check(files.good, "homelessness_cases", period=files.period)
    assert checked.report.accepted and not checked.report.findings
    assert not has_errors_workbook(checked.report)
    assert has_errors_workbook(sample(WIGAN).report)


def test_without_the_problems_the_rows_the_findings_list_are_marked() -> None:
    checked = sample(WIGAN)
    sheet = opened(errors_workbook(checked.report, checked.extract))[DATA_SHEET]
    listed = {
        f"{'D' if f.column == 'approach_date' else 'K'}{row}"
        for f in checked.report.findings
        for row in f.rows
    }
    assert set(marked(sheet)) == listed
    assert len(listed) == 152  # 100 + 52: a finding lists at most 100 rows


def test_a_long_extract_is_written_whole_around_its_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows go out in blocks (small here) of rendered rows, with the marked rows and the rows
    Excel needs escaped written cell by cell between them: every row lands where it belongs."""
    monkeypatch.setattr(module, "_BLOCK_ROWS", 64)
    bands = ["16-24", "25-49", "50-64", "65+"]
    rows = [["2017-01", "E08000001", f"Venue {i}", bands[i % 4], "3", "1"] for i in range(1_000)]
    for i in range(5, 1_000, 37):
        rows[i][4] = "x"  # not a whole number: marked
    rows[100][2] = "Bell\x07 100"  # a control character: xlsxwriter escapes it
    rows[200][2] = "_x0041_ 200"  # looks like Excel's own escape: xlsxwriter escapes that too
    rows[300][2] = "  spaced & <tagged>  "
    out = io.StringIO()
    header = ["month", "area_code", "venue", "age_band", "people_supported", "devices_loaned"]
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    checked = check(out.getvalue().encode(), "digital_inclusion")
    assert {f.code for f in checked.report.findings} == {"not-an-integer"}
    sheet = book_of(checked)[DATA_SHEET]
    assert sheet.max_row == 1_001
    escaped = {102: "Bell_x0007_ 100", 202: "_x005F_x0041_ 200"}  # as Excel reads them back
    for number, record in enumerate([header, *rows], start=1):
        if number in escaped:
            record = [*record[:2], escaped[number], *record[3:]]
        assert row_values(sheet, number, 6) == record
    assert marked(sheet) == {f"E{i + 2}": "error" for i in range(5, 1_000, 37)}


def test_rendered_rows_are_what_xlsxwriter_writes_cell_by_cell(tmp_path: Path) -> None:
    """The fast path (rows rendered by Polars) gives byte for byte xlsxwriter's own XML."""
    values = [
        ["plain", "&<>\"'", " leading", "trailing ", "tab\tinside", "line\nbreak"],
        ["£ é 漢字 😀", "", "=1+1", "\u00a0nbsp", "\u3000", "a & b < c > d"],
        ["", "", "", "", "", "x"],
    ]
    headers = [f"c{i}" for i in range(6)]
    frame = pl.DataFrame(
        [pl.Series(ROW_COLUMN, [2, 3, 5], dtype=pl.Int64)]
        + [pl.Series(name, [row[i] for row in values]) for i, name in enumerate(headers)]
    )
    path = tmp_path / "reference.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet()
    sheet.set_column(0, 5, 10, text)
    for number, row in zip([2, 3, 5], values, strict=True):
        for col, value in enumerate(row):
            if value:
                sheet.write_string(number - 1, col, value)
    style = f' s="{text._get_xf_index()}"'
    book.close()
    with zipfile.ZipFile(path) as parts:
        xml = parts.read("xl/worksheets/sheet1.xml").decode()
    written = xml.split("<sheetData>", 1)[1].split("</sheetData>", 1)[0]
    assert "".join(module._render_rows(frame, headers, style)) == written


def test_write_errors_workbook_writes_the_whole_file(tmp_path: Path) -> None:
    checked = sample(WIGAN)
    target = tmp_path / "out" / "errors.xlsx"
    write_errors_workbook(target, checked.report, checked.extract, checked.problems)
    assert load_workbook(target).sheetnames == [ERRORS_SHEET, DATA_SHEET]
    assert [p.name for p in target.parent.iterdir()] == ["errors.xlsx"]


def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = sample(WIGAN)
    target = tmp_path / "errors.xlsx"
    target.write_bytes(b"the workbook of last time")

    def broken(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "_write_data_sheet", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_errors_workbook(target, checked.report, checked.extract, checked.problems)
    assert target.read_bytes() == b"the workbook of last time"
    assert [p.name for p in tmp_path.iterdir()] == ["errors.xlsx"]


def test_a_report_with_no_findings_and_nothing_read_still_makes_a_workbook() -> None:
    report = Report(accepted=False, dataset="homelessness_cases")
    book = opened(errors_workbook(report, None))
    assert book.sheetnames == [ERRORS_SHEET]
    assert str(errors_rows(book)[0][0]).startswith("REJECTED: extract for homelessness_cases")
