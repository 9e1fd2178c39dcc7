"""Exports never carry a formula into a spreadsheet, and file names never become paths."""

from __future__ import annotations

import polars as pl
import pytest

from shared_outcomes.exports import escape_cell, safe_file_name, to_safe_csv


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
