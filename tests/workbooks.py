"""Real Excel workbooks for the tests, written with xlsxwriter from a sample CSV extract: dates
as Excel dates (with a display format the contract does not use) or as typed text, numbers as
numbers, and whatever a test adds (formulas, error cells, merged cells, hidden rows, a title
above the header, other sheets)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "extracts" / "bury_council" / "homelessness_cases_2016-04.csv"
DATE_COLUMNS = ("approach_date", "outcome_date")
NUMBER_COLUMNS = ("applicant_age",)

#: Called with the workbook, the extract's sheet and its formats, to add to either.
Extra = Callable[[xlsxwriter.Workbook, Worksheet], None]


def sample_rows(path: Path = SAMPLE) -> tuple[list[str], list[list[str]]]:
    """The CSV's header and rows, as text."""
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def workbook(
    target: Path | None = None,
    *,
    csv_path: Path = SAMPLE,
    sheet: str = "homelessness_cases",
    dates: str = "excel",
    title_rows: int = 0,
    rows: int | None = None,
    extra: Extra | None = None,
    other_sheets: tuple[str, ...] = (),
) -> bytes:
    """The CSV as a workbook (its bytes; also written to `target` when given).

    `dates`: "excel" writes the contract's dd/MM/yyyy dates as real dates shown as "d mmm yyyy";
    "text" writes them as the text in the CSV. `title_rows` puts a title and a blank row (or
    more) above the header. `rows` keeps the first N records only.
    """
    header, records = sample_rows(csv_path)
    records = records[:rows] if rows is not None else records
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    shown = book.add_format({"num_format": "d mmm yyyy"})
    for name in other_sheets:
        book.add_worksheet(name).write_string(0, 0, f"Notes on {name}")
    ws = book.add_worksheet(sheet)
    top = 0
    if title_rows:
        ws.write_string(0, 0, "Bury Council: homelessness cases, April 2016")
        top = title_rows
    ws.write_row(top, 0, header)
    for r, record in enumerate(records, start=top + 1):
        for c, (name, value) in enumerate(zip(header, record, strict=True)):
            if name in DATE_COLUMNS and dates == "excel" and value:
                ws.write_datetime(r, c, datetime.strptime(value, "%d/%m/%Y"), shown)
            elif name in NUMBER_COLUMNS and value.isdigit():
                ws.write_number(r, c, int(value))
            else:
                ws.write_string(r, c, value)
    if extra is not None:
        extra(book, ws)
    book.close()
    data = out.getvalue()
    if target is not None:
        target.write_bytes(data)
    return data


def column_of(name: str, csv_path: Path = SAMPLE) -> int:
    """The 0-based column of `name` in the sample's header."""
    return sample_rows(csv_path)[0].index(name)


#: The 0-based columns tests write into.
APPROACH = column_of("approach_date")
AGE = column_of("applicant_age")
