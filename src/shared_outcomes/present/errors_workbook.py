"""The errors workbook: an Excel file a partner's data officer opens to fix a rejected extract.

Two sheets. "Errors" comes first: the verdict, the problems with the file as a whole, then a
table of every finding whose row numbers link to the cell at fault. "Your data" holds the rows
as the partner sent them, each on its own spreadsheet row number (header = row 1), so "row 17"
in the report is row 17 here. Every value is written as text, never converted: leading zeros,
dates as typed and text that starts with `=`, `+`, `-` or `@` stay exactly what was sent
(a cell written as text is never run as a formula). The cells at fault are filled (red with a
solid border for errors, yellow with a dashed border for warnings) and hold a note saying what
is wrong and how to fix it, so the colour is never the only sign. At most MAX_MARKED_CELLS cells
are marked, the first by row order; the Errors sheet says when there are more.

The workbook is written by xlsxwriter in constant_memory mode: each row goes to disk as soon as
it is complete, so a 100,000-row extract never sits in memory twice. Writing a cell through
xlsxwriter costs about 8 µs of Python (10 s for 100,000 rows of 12 columns on the two-core
development machine), so the rows that hold nothing special (no mark, no character Excel needs
escaped) are rendered by Polars as the very XML xlsxwriter would write for them and handed to
the sheet in blocks (`_DataSheet`); marked rows and the rare rows with control characters or
very long values go through xlsxwriter's own `write_string`. The 100,000-row workbook takes
about 2 s (bench/bench_errors_workbook.py).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import polars as pl

# xlsxwriter ships no type information (no py.typed): its objects are Any to mypy.
from xlsxwriter import Workbook  # type: ignore[import-untyped]
from xlsxwriter.format import Format  # type: ignore[import-untyped]
from xlsxwriter.utility import xl_col_to_name  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from shared_outcomes.checking.findings import describe
from shared_outcomes.checking.header import normal_name
from shared_outcomes.checking.report import ROW_COLUMN, Finding, Report, Severity, bounded
from shared_outcomes.present.report_text import verdict

#: The sheets, first to last.
ERRORS_SHEET = "Errors"
DATA_SHEET = "Your data"
#: Cells highlighted and noted in the data sheet unless the caller asks for another number.
MAX_MARKED_CELLS = 1_000
#: Links in the Errors sheet (Excel refuses more than 65,530 in one sheet); each finding links
#: the rows it lists (at most MAX_ROWS_LISTED), and past this many the numbers are plain.
MAX_LINKS = 10_000
#: The rows an Excel sheet holds: a record on a later row cannot be shown.
EXCEL_ROWS = 1_048_576
#: The fills of a cell at fault (and of the severity in the Errors sheet).
ERROR_FILL = "#FFC7CE"
WARNING_FILL = "#FFEB9C"
#: How much of a finding's message and fix a cell's note quotes, and the whole note at most.
NOTE_PART_CHARS = 300
NOTE_CHARS = 1_500

_SEVERITY_WORD: dict[Severity, str] = {"error": "Error", "warning": "Warning"}
_PROBLEM_SCHEMA = {"row": pl.Int64, "code": pl.String, "column": pl.String}
#: Values xlsxwriter writes with escapes of its own (control characters, its `_xHHHH_` escape
#: itself, the two non-characters) or cuts (longer than 32,767 UTF-16 units: checked from half).
_NEEDS_XLSXWRITER = r"[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]|_x[0-9a-fA-F]{4}_"
_LONG_VALUE = 16_383
#: Records rendered by Polars at a time (a few MB of XML), and the shortest run of plain rows
#: worth a Polars call (shorter runs between marked rows go through xlsxwriter).
_BLOCK_ROWS = 10_000
_SHORTEST_RUN = 16
#: The Errors sheet freezes the table's header only when this many rows or fewer are above it
#: (otherwise many whole-file findings would freeze most of the screen): then the title alone.
_MAX_FROZEN_ROWS = 12
#: Errors-sheet columns: severity, code, column, rows at fault, what is wrong, how to fix; the
#: listed rows follow, one link per cell.
_TABLE_HEADER = ("Severity", "Code", "Column", "Rows at fault", "What is wrong", "How to fix")
_TABLE_WIDTHS = (10, 24, 20, 10, 60, 50)
_ROWS_COLUMN = len(_TABLE_HEADER)
_ROW_LINK_WIDTH = 8


def has_errors_workbook(report: Report) -> bool:
    """Whether there is anything to put in an errors workbook: any finding, error or warning."""
    return bool(report.findings)


def errors_workbook(
    report: Report,
    extract: pl.DataFrame | None,
    problems: pl.DataFrame | None = None,
    *,
    max_marked: int = MAX_MARKED_CELLS,
) -> bytes:
    """The errors workbook as .xlsx bytes (for a download button).

    `extract` is the frame as read: the partner's cells as text under their own header names,
    plus ROW_COLUMN, the spreadsheet row of each record; None when the file could not be read
    (the workbook then holds the Errors sheet alone). `problems` has one line per failing cell
    (`row`, `code`, `column`, the contract's column name), as `validate_extract` gives it;
    without it, the rows the findings list are used. At most `max_marked` cells are marked.
    """
    buffer = io.BytesIO()
    _write_workbook(buffer, report, extract, problems, max_marked)
    return buffer.getvalue()


def write_errors_workbook(
    target: Path,
    report: Report,
    extract: pl.DataFrame | None,
    problems: pl.DataFrame | None = None,
    *,
    max_marked: int = MAX_MARKED_CELLS,
) -> None:
    """Write the errors workbook (see `errors_workbook`) to `target`, whole or not at all.

    It is written to a temporary file beside `target` and renamed onto it, so a crash or an
    error leaves no half-written workbook, and the temporary file is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=".errors-", suffix=".xlsx", dir=target.parent)
    os.close(descriptor)
    temp = Path(name)
    try:
        _write_workbook(str(temp), report, extract, problems, max_marked)
        with temp.open("rb") as written:
            os.fsync(written.fileno())  # on disk before it takes the name
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# --- the workbook ---------------------------------------------------------------------------


@dataclass
class _Formats:
    """The workbook's cell formats, made once."""

    title: Format
    bold: Format
    table_header: Format
    wrap: Format
    top: Format
    more: Format
    severity: dict[Severity, Format]
    text: Format
    data_header: Format
    marked: dict[Severity, Format]


def _formats(book: Workbook) -> _Formats:
    def fmt(**properties: Any) -> Format:
        return book.add_format(properties)

    marked = {"bold": False, "num_format": "@", "border": 2, "valign": "top"}
    return _Formats(
        title=fmt(bold=True, font_size=14),
        bold=fmt(bold=True),
        table_header=fmt(bold=True, bg_color="#D9D9D9", border=1, text_wrap=True, valign="top"),
        wrap=fmt(text_wrap=True, valign="top"),
        top=fmt(valign="top"),
        more=fmt(italic=True, valign="top"),
        severity={
            "error": fmt(bold=True, bg_color=ERROR_FILL, border=2, valign="top"),
            "warning": fmt(bold=True, bg_color=WARNING_FILL, border=8, valign="top"),
        },
        text=fmt(num_format="@"),
        data_header=fmt(bold=True, bg_color="#D9D9D9", bottom=1, num_format="@"),
        marked={
            # A solid border for an error, a dashed one for a warning: not only the colour.
            "error": fmt(**marked, bg_color=ERROR_FILL, border_color="#9C0006"),
            "warning": fmt(
                **{**marked, "border": 8}, bg_color=WARNING_FILL, border_color="#7F6000"
            ),
        },
    )


def _write_workbook(
    output: str | IO[bytes],
    report: Report,
    extract: pl.DataFrame | None,
    problems: pl.DataFrame | None,
    max_marked: int,
) -> None:
    book = Workbook(
        output,
        {
            "constant_memory": True,
            # A partner's text is only ever written with write_string; these make sure that
            # nothing written through `write` could become a formula or a link either.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        book.set_properties(
            {
                "title": f"Problems found in {report.file_name or 'the extract'}",
                "subject": report.dataset,
                "comments": "Made by Shared Outcomes from the validation report.",
            }
        )
        formats = _formats(book)
        errors = book.add_worksheet(ERRORS_SHEET)
        data = _Data.of(report, extract, problems, max_marked)
        _write_errors_sheet(errors, report, data, formats)
        if data is not None:
            sheet = book.add_worksheet(DATA_SHEET, worksheet_class=_DataSheet)
            assert isinstance(sheet, _DataSheet)
            _write_data_sheet(sheet, data, formats)
        errors.activate()
    finally:
        book.close()


# --- where the problems are -----------------------------------------------------------------


@dataclass
class _Mark:
    """A cell at fault that is marked: its worst severity and its note."""

    severity: Severity
    note: str


@dataclass
class _Data:
    """The partner's rows and the cells to mark, ready for the two sheets."""

    headers: list[str]
    frame: pl.DataFrame  # ROW_COLUMN (Int64, ascending, unique) and the partner's text
    places: dict[str, int]  # contract column -> the index of its header
    marks: dict[tuple[int, int], _Mark]  # (spreadsheet row, column index) -> its mark
    at_fault: int  # every cell at fault, marked or not
    beyond_excel: int  # records below Excel's last row, left out
    rows_marked: dict[int, list[int]] = field(init=False)  # row -> its marked columns

    def __post_init__(self) -> None:
        self.rows_marked = {}
        for row, index in sorted(self.marks):
            self.rows_marked.setdefault(row, []).append(index)

    @classmethod
    def of(
        cls,
        report: Report,
        extract: pl.DataFrame | None,
        problems: pl.DataFrame | None,
        max_marked: int,
    ) -> _Data | None:
        if extract is None:
            return None
        headers = [name for name in extract.columns if name != ROW_COLUMN]
        numbers = (
            pl.col(ROW_COLUMN).cast(pl.Int64)
            if ROW_COLUMN in extract.columns
            else pl.int_range(2, pl.len() + 2, dtype=pl.Int64)  # no row numbers: in order
        )
        frame = extract.select(
            numbers.alias(ROW_COLUMN),
            *(pl.col(name).cast(pl.String).fill_null("") for name in headers),
        )
        if not frame.get_column(ROW_COLUMN).is_sorted():
            frame = frame.sort(ROW_COLUMN, maintain_order=True)
        if frame.get_column(ROW_COLUMN).is_duplicated().any():  # never from `read_extract`
            frame = frame.unique(ROW_COLUMN, keep="first", maintain_order=True)
        beyond = int((frame.get_column(ROW_COLUMN) > EXCEL_ROWS).sum())
        frame = frame.filter(pl.col(ROW_COLUMN).is_between(2, EXCEL_ROWS))  # 1 is the header
        problems = _problems(report, problems)
        columns = problems.get_column("column").drop_nulls().unique().to_list()
        places = _column_places(report, headers, columns)
        marks, at_fault = _marks(report, problems, places, max_marked)
        return cls(headers, frame, places, marks, at_fault, beyond)

    @property
    def last_row(self) -> int:
        """The last spreadsheet row written (1 when there are no records)."""
        last = self.frame.get_column(ROW_COLUMN).max()
        return max([1, int(last) if isinstance(last, int) else 1, *self.rows_marked])


def _problems(report: Report, problems: pl.DataFrame | None) -> pl.DataFrame:
    """The failing cells, or when not given the rows the findings list."""
    if problems is None:
        lines = [(row, f.code, f.column) for f in report.findings for row in f.rows]
        return pl.DataFrame(lines, schema=_PROBLEM_SCHEMA, orient="row")
    return problems.select(pl.col(name).cast(dtype) for name, dtype in _PROBLEM_SCHEMA.items())


def _column_places(report: Report, headers: list[str], columns: Iterable[str]) -> dict[str, int]:
    """The header index of each contract column a problem names, where it can be found.

    A column is under its own name, or under the header a `column-name-differs` finding names
    (the header whose finding, worded again, is that finding), or else under the one header
    alike ignoring case and spacing. A column found nowhere is left out: its problems are
    marked on the row's first cell, and the note names the column.
    """
    position: dict[str, int] = {}
    alike: dict[str, list[str]] = {}
    for index, name in enumerate(headers):
        position.setdefault(name, index)
        alike.setdefault(normal_name(name), []).append(name)
    renamed: dict[str, str] = {}
    for finding in report.findings:
        if finding.code != "column-name-differs" or finding.column is None:
            continue
        for header in alike.get(normal_name(finding.column), []):
            if describe(finding.code, finding.column, header=header).message == finding.message:
                renamed[finding.column] = header
                break
    places: dict[str, int] = {}
    for column in columns:
        if column in position:
            places[column] = position[column]
        elif bounded(column) in renamed:
            places[column] = position[renamed[bounded(column)]]
        elif len(alike.get(normal_name(column), [])) == 1:
            places[column] = position[alike[normal_name(column)][0]]
    return places


def _marks(
    report: Report, problems: pl.DataFrame, places: dict[str, int], max_marked: int
) -> tuple[dict[tuple[int, int], _Mark], int]:
    """The cells to mark (the first `max_marked` by row order), and how many are at fault."""
    lookup = pl.DataFrame(
        {"column": list(places), "cell": list(places.values())},
        schema={"column": pl.String, "cell": pl.Int64},
    )
    placed = (
        problems.join(lookup, on="column", how="left")  # a null column matches no header
        .with_columns(
            (pl.col("cell").is_null() & pl.col("column").is_not_null()).alias("unplaced"),
            pl.col("cell").fill_null(0),
        )
        .filter(pl.col("row") >= 1)
    )
    cells = placed.select("row", "cell").unique()
    kept = cells.filter(pl.col("row") <= EXCEL_ROWS).sort("row", "cell").head(max(max_marked, 0))
    lines = (
        placed.join(kept, on=["row", "cell"], how="semi")
        .unique(maintain_order=True)
        .sort("row", "cell", maintain_order=True)
    )
    findings = _FindingIndex(report.findings)
    marks: dict[tuple[int, int], _Mark] = {}
    for cell, group in _grouped(lines.iter_rows(named=True)):
        about = [
            (finding, line["column"] if line["unplaced"] else None)
            for line in group
            for finding in findings.of(line["code"], line["column"])
        ]
        if about:
            marks[cell] = _mark(about)
    return marks, cells.height


def _grouped(
    lines: Iterator[dict[str, Any]],
) -> Iterator[tuple[tuple[int, int], list[dict[str, Any]]]]:
    """Consecutive problem lines of one cell, grouped (the lines are sorted by cell)."""
    key: tuple[int, int] | None = None
    group: list[dict[str, Any]] = []
    for line in lines:
        here = (int(line["row"]), int(line["cell"]))
        if here != key and group and key is not None:
            yield key, group
            group = []
        key = here
        group.append(line)
    if group and key is not None:
        yield key, group


@dataclass
class _FindingIndex:
    """The findings a problem line belongs to, by code and column."""

    findings: Sequence[Finding]
    _by_key: dict[tuple[str, str | None], list[Finding]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for finding in self.findings:
            self._by_key.setdefault((finding.code, finding.column), []).append(finding)

    def of(self, code: str, column: str | None) -> list[Finding]:
        # A finding's column is bounded (`describe`); the problem's is the contract's name.
        key = (code, None if column is None else bounded(column))
        # Every problem line comes from a finding of the report, so one matches.
        return self._by_key.get(key) or [f for f in self.findings if f.code == code]


def _mark(about: list[tuple[Finding, str | None]]) -> _Mark:
    """One cell's mark: its worst severity, and a note joining what each finding says."""
    seen: set[tuple[str, str, str | None]] = set()
    parts: list[tuple[Severity, str]] = []
    for finding, unplaced in sorted(about, key=lambda fc: fc[0].severity != "error"):
        if (finding.code, finding.message, unplaced) in seen:
            continue
        seen.add((finding.code, finding.message, unplaced))
        where = f"About column {unplaced} (not found in this sheet's header): " if unplaced else ""
        text = f"{_SEVERITY_WORD[finding.severity]}: {where}{_shorten(finding.message)}"
        if finding.fix:
            text += f"\nHow to fix: {_shorten(finding.fix)}"
        parts.append((finding.severity, text))
    severity: Severity = "error" if any(s == "error" for s, _ in parts) else "warning"
    note, shown = "", 0
    for _, text in parts:
        if note and len(note) + len(text) > NOTE_CHARS:
            break
        note += ("\n\n" if note else "") + text
        shown += 1
    if shown < len(parts):
        note += f"\n\n…and {len(parts) - shown} more: see the sheet {ERRORS_SHEET}."
    return _Mark(severity, note)


def _shorten(text: str, limit: int = NOTE_PART_CHARS) -> str:
    """`text`, or its first words up to `limit` characters and an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def _note_options(note: str) -> dict[str, Any]:
    """A note box sized to its text (about 55 characters a line at 360 pixels)."""
    lines = sum(1 + len(line) // 55 for line in note.split("\n"))
    return {"author": "Shared Outcomes", "width": 360, "height": min(600, 20 + 15 * lines)}


# --- the Errors sheet -----------------------------------------------------------------------


def _write_errors_sheet(
    sheet: Worksheet, report: Report, data: _Data | None, formats: _Formats
) -> None:
    """The verdict and notices, the whole-file findings, then the table of every finding."""
    for index, width in enumerate(_TABLE_WIDTHS):
        sheet.set_column(index, index, width)
    sheet.set_column(_ROWS_COLUMN, _ROWS_COLUMN + 100, _ROW_LINK_WIDTH)
    row = 0
    sheet.write_string(row, 0, verdict(report), formats.title)
    for line in _notices(report, data):
        row += 1
        sheet.write_string(row, 0, line)
    findings = sorted(report.findings, key=lambda f: f.severity != "error")
    whole_file = [f for f in findings if not f.rows]
    if whole_file:
        row += 2
        sheet.write_string(row, 0, "Problems with the file as a whole", formats.bold)
        for finding in whole_file:
            row += 1
            _write_finding(sheet, row, finding, formats)
    row += 2
    sheet.write_string(row, 0, "Every problem found", formats.bold)
    row += 1
    header_row = row
    for index, title in enumerate(_TABLE_HEADER):
        sheet.write_string(row, index, title, formats.table_header)
    if any(f.rows for f in findings):
        rows_title = "Rows listed (click one to go to the cell)" if data else "Rows listed"
        sheet.write_string(row, _ROWS_COLUMN, rows_title, formats.bold)
    links = 0
    for finding in findings:
        row += 1
        _write_finding(sheet, row, finding, formats)
        if finding.count:
            sheet.write_number(row, 3, finding.count, formats.top)
        for offset, listed in enumerate(finding.rows):
            target = _link_target(data, finding, listed)
            if target is not None and links < MAX_LINKS:
                sheet.write_url(row, _ROWS_COLUMN + offset, target, string=str(listed))
                links += 1
            else:
                sheet.write_number(row, _ROWS_COLUMN + offset, listed, formats.top)
        more = finding.count - len(finding.rows)
        if finding.rows and more > 0:
            sheet.write_string(
                row, _ROWS_COLUMN + len(finding.rows), f"and {more:,} more", formats.more
            )
    sheet.autofilter(header_row, 0, row, len(_TABLE_HEADER) - 1)
    sheet.freeze_panes(header_row + 1 if header_row < _MAX_FROZEN_ROWS else 1, 0)


def _notices(report: Report, data: _Data | None) -> list[str]:
    """The lines under the title: how to read the workbook, and what it leaves out."""
    if data is None:
        return [
            "The file could not be read, so this workbook holds no copy of your data: fix the "
            "problems below and send the file again."
        ]
    lines = [
        f"Your rows are in the sheet '{DATA_SHEET}', each on the row number this report gives "
        "(the header is row 1). Cells at fault are filled red with a solid border (errors) or "
        "yellow with a dashed border (warnings), and hold a note saying what is wrong.",
    ]
    marked = len(data.marks)
    if marked < data.at_fault:
        lines.append(
            f"Only the first {marked:,} of {data.at_fault:,} cells at fault are highlighted in "
            f"'{DATA_SHEET}' (in row order); the full list is in the report and the "
            "failing-rows CSV."
        )
    if data.beyond_excel:
        lines.append(
            f"{data.beyond_excel:,} rows after row {EXCEL_ROWS:,}, the last row an Excel sheet "
            f"holds, are left out of '{DATA_SHEET}'."
        )
    if report.accepted:
        lines.append("The extract was accepted: correct the warnings in your next extract.")
    else:
        lines.append("The extract was not loaded: correct the errors and send it again.")
    return lines


def _write_finding(sheet: Worksheet, row: int, finding: Finding, formats: _Formats) -> None:
    """A finding's severity (in words, on its colour), code, column, message and fix."""
    sheet.write_string(row, 0, _SEVERITY_WORD[finding.severity], formats.severity[finding.severity])
    sheet.write_string(row, 1, finding.code, formats.top)
    if finding.column is not None:
        sheet.write_string(row, 2, finding.column, formats.wrap)
    sheet.write_string(row, 4, finding.message, formats.wrap)
    if finding.fix:
        sheet.write_string(row, 5, finding.fix, formats.wrap)


def _link_target(data: _Data | None, finding: Finding, row: int) -> str | None:
    """The internal link to the cell at fault (`internal:'Your data'!C17`), if it is shown."""
    if data is None or not 1 <= row <= EXCEL_ROWS:
        return None
    column = data.places.get(finding.column, 0) if finding.column is not None else 0
    return f"internal:'{DATA_SHEET}'!{xl_col_to_name(column)}{row}"


# --- the data sheet -------------------------------------------------------------------------


class _DataSheet(Worksheet):  # type: ignore[misc]
    """xlsxwriter's worksheet with one more way in: rows already rendered as sheet XML.

    In constant_memory mode xlsxwriter keeps one row at a time and writes each finished row's
    XML to a file (`fh`); `write_rendered` flushes the row it holds and appends whole rows
    rendered the same way (`_render_rows`), keeping its dimensions and current row up to date.
    This leans on xlsxwriter's internals (3.3): tests/present/test_errors_workbook.py checks
    that the rendered rows are byte for byte what `write_string` writes.
    """

    previous_row: int  # xlsxwriter's: the row it holds (set in its __init__)

    def write_rendered(self, first: int, last: int, last_col: int, xml: str) -> None:
        """Append rows `first`..`last` (0-based), each a `<row>` element, to the sheet."""
        if not self.constant_memory or first <= self.previous_row:
            raise ValueError("rendered rows need constant_memory mode and come after the rest")
        self._check_dimensions(first, 0)
        self._check_dimensions(last, last_col)
        self._write_single_row(first)  # the row xlsxwriter holds, if any
        self.fh.write(xml)
        self.previous_row = last


def _write_data_sheet(sheet: _DataSheet, data: _Data, formats: _Formats) -> None:
    """The header on row 1 and every record on its own row, in row order (constant_memory
    writes each row once): runs of plain records rendered, the others cell by cell, and the
    marked rows that are not records (ragged or empty rows) in their places between them."""
    headers, frame = data.headers, data.frame
    last_col = max(len(headers) - 1, 0)
    for index, width in enumerate(_widths(frame, headers)):
        sheet.set_column(index, index, width, formats.text)
    sheet.freeze_panes(1, 0)
    if headers:
        sheet.autofilter(0, 0, data.last_row - 1, last_col)
    _write_record(sheet, data, 1, headers, formats, formats.data_header)
    numbers = frame.get_column(ROW_COLUMN)
    special = frame.filter(
        pl.any_horizontal(
            pl.lit(False),
            *(
                pl.col(name).str.contains(_NEEDS_XLSXWRITER)
                | (pl.col(name).str.len_chars() > _LONG_VALUE)
                for name in headers
            ),
        )
    )
    marked = pl.Series(sorted(row for row in data.rows_marked if row > 1), dtype=pl.Int64)
    slow = set(special.get_column(ROW_COLUMN).to_list()) | set(marked.to_list())
    extras = marked.filter(~marked.is_in(numbers.implode())).to_list()  # rows not in the frame
    waiting = 0  # the next of `extras` to write
    style = f' s="{formats.text._get_xf_index()}"'
    for start in range(0, frame.height, _BLOCK_ROWS):
        block = frame.slice(start, _BLOCK_ROWS)
        rows = block.get_column(ROW_COLUMN).to_list()
        plain = sum(1 for number in rows if number not in slow)
        xml = _render_rows(block, headers, style) if plain >= _SHORTEST_RUN else None
        run = 0  # the first record of the block not yet written
        for k, number in enumerate(rows):
            before = waiting < len(extras) and extras[waiting] < number
            if not before and number not in slow:
                continue
            _write_run(sheet, data, block, xml, run, k, formats)
            while waiting < len(extras) and extras[waiting] < number:
                _write_record(sheet, data, extras[waiting], None, formats)
                waiting += 1
            run = k
            if number in slow:
                _write_record(sheet, data, number, block.row(k)[1:], formats)
                run = k + 1
        _write_run(sheet, data, block, xml, run, len(rows), formats)
    for row in extras[waiting:]:
        _write_record(sheet, data, row, None, formats)


def _write_run(
    sheet: _DataSheet,
    data: _Data,
    block: pl.DataFrame,
    xml: list[str] | None,
    start: int,
    stop: int,
    formats: _Formats,
) -> None:
    """Records `start`..`stop` (exclusive) of `block`, none of them marked or special."""
    if start >= stop:
        return
    rows = block.get_column(ROW_COLUMN)
    if xml is None or stop - start < _SHORTEST_RUN:
        for k in range(start, stop):
            _write_record(sheet, data, int(rows[k]), block.row(k)[1:], formats)
        return
    last_col = max(len(data.headers) - 1, 0)
    sheet.write_rendered(
        int(rows[start]) - 1, int(rows[stop - 1]) - 1, last_col, "".join(xml[start:stop])
    )


def _write_record(
    sheet: Worksheet,
    data: _Data,
    row: int,
    values: Sequence[str] | None,
    formats: _Formats,
    plain: Format | None = None,
) -> None:
    """One row through xlsxwriter (the header, or a record), its marks and notes with it.

    `values` None is a row that is not in the frame (a ragged row, or an empty one that was
    dropped): only its marks show, and their notes say why its values do not.
    """
    cells = list(values or ())
    for index in data.rows_marked.get(row, ()):
        cells.extend("" for _ in range(len(cells), index + 1))
    for index, value in enumerate(cells):
        mark = data.marks.get((row, index))
        if mark is None:
            if value:
                sheet.write_string(row - 1, index, value, plain)
            continue
        if value:
            sheet.write_string(row - 1, index, value, formats.marked[mark.severity])
        else:
            sheet.write_blank(row - 1, index, None, formats.marked[mark.severity])
        note = mark.note
        if values is None:
            note += (
                f"\n\nRow {row}'s values are not shown here: the check could not take it as a "
                "record under the header."
            )
        sheet.write_comment(row - 1, index, note, _note_options(note))


def _render_rows(block: pl.DataFrame, headers: list[str], style: str) -> list[str]:
    """Each record of `block` as the `<row>` element xlsxwriter writes for it in constant_memory
    mode: inline strings, the column's text format, empty cells left out."""
    number = pl.col(ROW_COLUMN).cast(pl.String)
    cells = []
    for index, name in enumerate(headers):
        value = pl.col(name)
        escaped = value.str.replace_many(["&", "<", ">"], ["&amp;", "&lt;", "&gt;"])
        preserve = (
            pl.when(value.str.contains(r"^\s|\s$"))
            .then(pl.lit(' xml:space="preserve"'))
            .otherwise(pl.lit(""))
        )
        cells.append(
            pl.when(value != "")
            .then(
                pl.concat_str(
                    pl.lit(f'<c r="{xl_col_to_name(index)}'),
                    number,
                    pl.lit(f'"{style} t="inlineStr"><is><t'),
                    preserve,
                    pl.lit(">"),
                    escaped,
                    pl.lit("</t></is></c>"),
                )
            )
            .otherwise(pl.lit(""))
        )
    rendered = block.select(
        pl.concat_str(pl.lit('<row r="'), number, pl.lit('">'), *cells, pl.lit("</row>")).alias(
            "xml"
        )
    )
    return rendered.get_column("xml").to_list()


def _widths(frame: pl.DataFrame, headers: list[str], sample: int = 1_000) -> list[float]:
    """Column widths from the header and the first rows' values, between 8 and 40 characters."""
    if not headers:
        return []
    longest = (
        frame.head(sample)
        .select(pl.col(name).str.len_chars().max().fill_null(0) for name in headers)
        .row(0)
    )
    return [
        float(min(40, max(8, len(name) + 2, int(most or 0) + 1)))
        for name, most in zip(headers, longest, strict=True)
    ]
