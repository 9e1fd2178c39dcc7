"""The failing-rows CSV: a ragged row as the partner wrote it; no rows for whole-file problems."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from shared_outcomes.checking.census import MAX_RAW_CHARS
from shared_outcomes.checking.reading import read_extract
from shared_outcomes.checking.report import MAX_ROWS_LISTED, Finding, Report
from shared_outcomes.checking.validation import validate_extract
from shared_outcomes.config.contracts import find_contract
from shared_outcomes.present.report_text import (
    NO_FAILING_ROWS,
    RAW_LINE_HEADER,
    failing_rows_csv,
    has_failing_rows,
)
from shared_outcomes.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "sample_data" / "rejected_examples"
#: Four rows lost the quotes round "Central Library, St Peter’s Square": one value too many.
RAGGED = EXAMPLES / "gm_voluntary_alliance" / "digital_inclusion_2017-01.csv"
#: The household_type column was deleted: a problem with the file as a whole.
MISSING_COLUMN = EXAMPLES / "bury_council" / "homelessness_cases_2016-07.csv"


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _header(data: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _read(data: bytes) -> tuple[Report, bytes]:
    """What reading `data` reports, as a rejected report, and its failing-rows CSV."""
    read = read_extract(data, file_name="extract.csv")
    report = Report(
        accepted=False,
        dataset="x",
        findings=read.findings,
        encoding=read.encoding,
        delimiter=read.delimiter,
    )
    return report, failing_rows_csv(report, read.frame, source=data)


def test_a_ragged_row_holds_the_line_as_the_partner_wrote_it() -> None:
    contract = find_contract(load_settings(root=ROOT).contracts_dir, "digital_inclusion")
    checked = validate_extract(RAGGED, contract)
    data = failing_rows_csv(checked.report, checked.extract, checked.problems, source=RAGGED)

    assert _header(data)[:3] == ["spreadsheet_row", "problems", RAW_LINE_HEADER]
    rows = _rows(data)
    lines = RAGGED.read_text(encoding="utf-8-sig").splitlines()
    assert [r["spreadsheet_row"] for r in rows] == ["18", "19", "20", "21"]
    for row in rows:
        assert row["problems"] == "ragged-row"
        assert row[RAW_LINE_HEADER] == lines[int(row["spreadsheet_row"]) - 1]
    assert rows[0][RAW_LINE_HEADER] == (
        "2017-01,E08000003,Central Library, St Peter’s Square,16-24,3,1"
    )
    assert rows[0]["venue"] == ""  # its values cannot be put under the header


def test_without_the_file_there_is_no_raw_line_column() -> None:
    contract = find_contract(load_settings(root=ROOT).contracts_dir, "digital_inclusion")
    checked = validate_extract(RAGGED, contract)
    data = failing_rows_csv(checked.report, checked.extract, checked.problems)
    assert RAW_LINE_HEADER not in _header(data)


def test_rows_are_numbered_as_the_report_numbers_them() -> None:
    """Blank lines above the header count, a quoted value's line breaks stay inside one row,
    and Windows line ends are not part of the line."""
    data = b'\r\n\r\nid,name\r\n1,"two\r\nlines"\r\n2,x,extra\r\n3,"a,b"\r\n4\r\n'
    report, csv_bytes = _read(data)
    (ragged,) = [f for f in report.findings if f.code == "ragged-row"]
    assert ragged.rows == [5, 7]  # the header is row 3
    rows = {r["spreadsheet_row"]: r for r in _rows(csv_bytes)}
    assert rows["5"][RAW_LINE_HEADER] == "2,x,extra"
    assert rows["7"][RAW_LINE_HEADER] == "4"


def test_a_quoted_line_break_is_kept_in_the_raw_line() -> None:
    data = b'id,name\n1,"two\nlines",extra\n2,x\n'
    _, csv_bytes = _read(data)
    (row,) = _rows(csv_bytes)
    assert (row["spreadsheet_row"], row[RAW_LINE_HEADER]) == ("2", '1,"two\nlines",extra')


def test_a_windows_1252_line_is_decoded_as_the_report_read_it() -> None:
    data = "id,price\n1,£5,extra\n2,£6\n".encode("cp1252")
    report, csv_bytes = _read(data)
    assert report.encoding == "cp1252"
    (row,) = _rows(csv_bytes)
    assert row[RAW_LINE_HEADER] == "1,£5,extra"


def test_a_semicolon_file_is_split_as_it_was_read() -> None:
    data = b"id;name\n1;a;b\n2;c\n"
    report, csv_bytes = _read(data)
    assert report.delimiter == ";"
    (row,) = _rows(csv_bytes)
    assert row[RAW_LINE_HEADER] == "1;a;b"


def test_a_long_raw_line_is_cut_and_says_how_long_it_was() -> None:
    long_value = "x" * (3 * MAX_RAW_CHARS)
    data = f"id,name\n1,{long_value},extra\n2,y\n".encode()
    _, csv_bytes = _read(data)
    (row,) = _rows(csv_bytes)
    line = f"1,{long_value},extra"
    assert row[RAW_LINE_HEADER] == f"{line[:MAX_RAW_CHARS]}… ({len(line):,} characters)"


def test_only_the_listed_rows_are_quoted() -> None:
    many = MAX_ROWS_LISTED + 50
    data = ("id,name\n" + "".join(f"{i},a,b\n" for i in range(many)) + "x,y\n").encode()
    report, csv_bytes = _read(data)
    (ragged,) = [f for f in report.findings if f.code == "ragged-row"]
    assert ragged.count == many and len(ragged.rows) == MAX_ROWS_LISTED
    rows = _rows(csv_bytes)
    assert len(rows) == MAX_ROWS_LISTED
    assert rows[-1][RAW_LINE_HEADER] == f"{MAX_ROWS_LISTED - 1},a,b"


def test_a_raw_line_that_looks_like_a_formula_is_escaped() -> None:
    data = b'id,name\n=HYPERLINK("http://x"),a,b\n2,c\n'
    _, csv_bytes = _read(data)
    (row,) = _rows(csv_bytes)
    assert row[RAW_LINE_HEADER] == '\'=HYPERLINK("http://x"),a,b'


def test_whole_file_problems_have_no_failing_rows() -> None:
    contract = find_contract(load_settings(root=ROOT).contracts_dir, "homelessness_cases")
    checked = validate_extract(MISSING_COLUMN, contract)
    assert {f.code for f in checked.report.errors} == {"missing-column"}
    assert not has_failing_rows(checked.report)
    data = failing_rows_csv(checked.report, checked.extract, checked.problems)
    assert _rows(data) == []  # the header alone: why the page and the CLI offer none
    assert NO_FAILING_ROWS.startswith("No single rows are at fault")


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([], False),
        ([Finding(code="missing-column", severity="error", message="m")], False),
        (  # a warning's rows are no failing rows
            [
                Finding(code="missing-column", severity="error", message="m"),
                Finding(code="blank-rows-ignored", severity="warning", message="m", rows=[4]),
            ],
            False,
        ),
        ([Finding(code="ragged-row", severity="error", message="m", rows=[3])], True),
    ],
)
def test_failing_rows_are_rows_an_error_names(findings: list[Finding], expected: bool) -> None:
    report = Report(accepted=False, dataset="x", findings=findings)
    assert has_failing_rows(report) is expected
