"""The catalogue of finding codes: severity, message and fix, in a data lead's words.

Codes are stable (partners, tests and tools rely on them; docs/findings.md lists them). Each
entry is a message saying what is wrong and a fix saying what to do, both templates filled from
the finding's column, count, sample values, row numbers and details such as the file's name or
a rule's limit. It holds every code the product raises: reading the file (`sniffing`, `reading`,
`header`, `census`), its limits, validation, and the drop folder's `submission-refused`. Every
finding is made by `describe`, from here: no other module words one. A code whose cases need
different words has one main wording and named `variants` (`blank-column-name` has three, one
of them a warning); the code a partner sees is the same for all of them.

Whatever a partner's file puts in a finding (sample values, a header as written) is cut to
MAX_SAMPLE_CHARS characters by `bounded`, so a 5 MB cell never lands whole in a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared_outcomes.checking.report import Finding, Severity, bounded


@dataclass(frozen=True)
class Wording:
    """Another wording of a code, for a case its main one does not fit (`describe(variant=)`)."""

    message: str
    fix: str
    severity: Severity | None = None  # None: the code's own severity


@dataclass(frozen=True)
class Entry:
    """One code of the catalogue: its severity and main wording, and any other wordings."""

    severity: Severity
    message: str
    fix: str
    variants: Mapping[str, Wording] = field(default_factory=dict)


#: The fix for a file saved as something other than CSV text.
_SAVE_AS_CSV = (
    "In Excel choose File > Save As > 'CSV UTF-8 (Comma delimited)', then send that file."
)


CATALOGUE: dict[str, Entry] = {
    # Reading the file itself (sniffing.py, reading.py, header.py, census.py).
    "empty-file": Entry(
        "error",
        "{name} is empty.",
        "Export the extract again: it should start with a header row naming the columns.",
    ),
    "excel-workbook": Entry(
        "error",
        "{name} is an Excel 97-2003 workbook (.xls), an old format that is not read here.",
        "Open it in Excel and choose File > Save As > 'Excel Workbook (*.xlsx)' (or 'CSV UTF-8 "
        "(Comma delimited)'), then send that file.",
        variants={
            "ods": Wording(
                "{name} is an OpenDocument spreadsheet (.ods), which is not read here.",
                "In LibreOffice choose File > Save As > 'Excel 2007-365 (.xlsx)' (or 'Text CSV "
                "(.csv)' with UTF-8 and commas), then send that file.",
            ),
        },
    ),
    # Reading a workbook (workbook.py).
    "workbook-password-protected": Entry(
        "error",
        "{name} is protected by a password, so it cannot be opened to check it.",
        "Open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with "
        "Password, then clear the password), save it and send it again.",
    ),
    "unreadable-workbook": Entry(
        "error",
        "{name} could not be read as an Excel workbook ({error}).",
        "Check that it opens in Excel; if it does, save it again as 'Excel Workbook (*.xlsx)' "
        "and send that copy. If it does not, export the extract from your system again.",
    ),
    "workbook-no-sheets": Entry(
        "error",
        "{name} has no worksheet holding data.",
        "Put the extract on a worksheet, with the column names in row 1, and send it again.",
    ),
    "choose-sheet": Entry(
        "error",
        "{name} has {count} worksheets ({sheets}) and none is named '{dataset}', so which one "
        "holds the extract is not clear.",
        "Choose the sheet: the Sheet list on the Submit page, or --sheet NAME on the command "
        "line. Or rename the sheet holding the extract to '{dataset}', or delete the others.",
        variants={
            "not-found": Wording(
                "{name} has no worksheet named '{sheet}'; its worksheets are {sheets}.",
                "Choose one of the worksheets listed (check the spelling), or rename the sheet "
                "holding the extract.",
            ),
        },
    ),
    "workbook-too-large": Entry(
        "error",
        "The worksheet '{sheet}' of {name} holds {size} of cell data, more than the {limit} a "
        "workbook may hold here.",
        "Delete any unused rows and columns below and beside the data (select them, right-click "
        "> Delete) and save again; or send the extract as CSV UTF-8 instead.",
    ),
    "header-not-in-row-1": Entry(
        "error",
        "The column names are in row {row} of the worksheet '{sheet}', not in row 1: the rows "
        "above them hold other text (such as {above}).",
        "Delete rows 1 to {last_above} (titles, notes, logos) so that the column names are in "
        "row 1, then send the workbook again.",
    ),
    "number-stored-as-text": Entry(
        "warning",
        "{count} {vals} in '{column}' {are} numbers stored as text (Excel marks such a cell with "
        "a green triangle), on {where}. They were read as the numbers they show.",
        "Nothing has to change. To clear the warning, select the column, click the warning sign "
        "beside it and choose 'Convert to Number'.",
    ),
    "formula-without-value": Entry(
        "error",
        "'{column}' holds formulas with no calculated value saved in the workbook ({count} on "
        "{where}), so there is nothing to read: a program saved the formulas without working "
        "them out.",
        "Open the workbook in Excel, let it calculate (press F9), save it and send it again; "
        "or copy the column and Paste Special > Values.",
    ),
    "excel-error-cell": Entry(
        "error",
        "{count} {vals} in '{column}' show an Excel error instead of a value ({values}), on "
        "{where}.",
        "Correct the formulas in those cells (#REF! points at cells that were deleted, #N/A is "
        "a lookup that found nothing, #DIV/0! a division by zero), or type the value, then "
        "send the workbook again.",
    ),
    "merged-cells": Entry(
        "error",
        "The worksheet has merged cells ({values}): a merged cell keeps its value in its first "
        "cell only, so the other cells of it arrive empty.",
        "Select the cells, choose Home > Merge & Center > Unmerge Cells, type the value into "
        "every cell that needs it, and send the workbook again.",
    ),
    "hidden-rows": Entry(
        "warning",
        "{count} {rows} hidden in Excel ({where}) {are} sent and checked like the others.",
        "Check that they should be sent: select the rows around them, right-click > Unhide. "
        "Delete any that should not be part of the extract.",
    ),
    "hidden-columns": Entry(
        "warning",
        "Columns hidden in Excel ({values}) are sent and checked like the others.",
        "Check that they should be sent: select the columns around them, right-click > Unhide. "
        "Delete any that should not be part of the extract.",
    ),
    "utf16-encoding": Entry(
        "error",
        "{name} is saved as UTF-16 ('Unicode Text'), not as a CSV in UTF-8.",
        _SAVE_AS_CSV,
    ),
    "binary-file": Entry(
        "error",
        "{name} is {kind}, not a CSV text file.",
        "Export the extract from your system as CSV, or open it in Excel and choose File > "
        "Save As > 'CSV UTF-8 (Comma delimited)', then send that file.",
    ),
    "not-utf8": Entry(
        "warning",
        "{name} is not saved as UTF-8; it was read as {encoding} (what Excel's plain 'CSV' "
        "writes on Windows). Check that £, é and curly quotes look right.",
        "Next time choose 'CSV UTF-8 (Comma delimited)' in Excel's Save As.",
        variants={
            "stray-bytes": Wording(
                "The file is UTF-8 except for a few characters on {total} row(s) (rows {listed}); "
                "they could not be read and show as \ufffd.",
                "Retype those characters in Excel and save as 'CSV UTF-8 (Comma delimited)'.",
            ),
        },
    ),
    "unreadable-csv": Entry(
        "error",
        "{name} could not be read as a CSV file ({error_type}: {error}).",
        "Open it in Excel and save it again as 'CSV UTF-8 (Comma delimited)'.",
        variants={
            "unclosed-quote": Wording(
                'Row {row} starts a quoted value that is never closed: a double quote (") opens '
                "it and the rest of the file is swallowed into it, so the rows cannot be told "
                "apart.",
                "Find the stray double quote on row {row} and remove it or close it, then save "
                "again.",
            ),
            "value-too-long": Wording(
                'Row {row} starts a value longer than 128 KB: a double quote (") opens it and the '
                "rest of the file is swallowed into it, so the rows cannot be told apart.",
                "Find the stray double quote on row {row} and remove it or close it, then save "
                "again.",
            ),
            "unsplittable-row": Wording(
                "Row {row} cannot be split into values ({error}).",
                "Open the file in Excel, check that row, and save as 'CSV UTF-8'.",
            ),
        },
    ),
    "delimiter-not-comma": Entry(
        "warning",
        "The values in {name} are separated by {separators}, not commas; it was read with "
        "{separators}.",
        "Nothing to do now; saving as 'CSV UTF-8 (Comma delimited)' avoids it.",
    ),
    "ragged-row": Entry(
        "error",
        "{total} row(s) do not have the {width} values the header names ({examples}); they were "
        "left out of the other checks.",
        "Usually a value holds a comma but is not in double quotes: quote it (Excel does when it "
        "saves as CSV) or remove the extra or missing separators on those rows.",
    ),
    "blank-rows-ignored": Entry(
        "warning",
        "{total} empty row(s) were ignored (rows {listed}).",
        "Nothing to do; delete empty rows before saving to keep the file tidy.",
    ),
    "no-data-rows": Entry(
        "error",
        "{name} has a header row but no data rows.",
        "Check that the export included this month's records, then send it again.",
    ),
    "duplicate-column": Entry(
        "error",
        "The header names column '{column}' {times} times (columns {letters}).",
        "Rename or delete the extra columns so that every column name is unique.",
    ),
    "blank-column-name": Entry(
        "error",
        "Column {letter} holds values but has no name in the header row (row {row}).",
        "Type the column's name in cell {letter}{row}, or delete the column.",
        variants={
            "empty-column": Wording(
                "Column {letter} has no name in the header row and no values; it was ignored.",
                "Nothing to do; delete the empty column before saving to keep the file tidy.",
                severity="warning",
            ),
            "empty-header": Wording(
                "The header row (row {row}) is empty: it should name the columns.",
                "Type the column names in row {row}, as the data contract names them.",
            ),
        },
    ),
    # Limits of the file itself (reading.py): beyond them the file is not read at all.
    "header-too-long": Entry(
        "error",
        "The header row (row {row}) is longer than {limit}; an extract's header names its "
        "columns in a few hundred characters, so the file was not read.",
        "Check that row {row} holds only the column names: a file whose line breaks were lost, "
        "or one that is not a CSV extract, looks like this. Export the extract again as "
        "'CSV UTF-8 (Comma delimited)'.",
    ),
    "too-many-columns": Entry(
        "error",
        "The header row (row {row}) names {width} columns; at most {limit} are accepted, so "
        "the file was not read.",
        "An extract holds its data contract's columns (about a dozen): check that this is the "
        "right file and that its values are separated by commas, and delete the extra columns "
        "before saving.",
    ),
    "line-too-long": Entry(
        "error",
        "Line {line} of the file is longer than {limit}; no row of an extract comes near "
        "that, so the file was not read.",
        "Open the file in a text editor at line {line}: usually the line breaks were lost in "
        "the export, or a double quote opened there is never closed. Export the extract again "
        "as 'CSV UTF-8 (Comma delimited)'.",
    ),
    # The cells against the contract (validation.py, rules.py).
    "missing-column": Entry(
        "error",
        "The column {column} is missing.{hint}",
        "Add a column headed {column}; the contract's columns are: {columns}.",
    ),
    # The data sharing agreement (Workspace: data minimisation).
    "column-not-in-agreement": Entry(
        "error",
        "The column {column} is not shared under the data sharing agreement {agreement} "
        "({title}), which covers only: {columns}.",
        "Remove the column {column} from the extract (share only what the agreement covers), "
        "or ask the centre's information governance lead to add it to the agreement.",
    ),
    # A contract's transition window (Workspace: the previous version still accepted).
    "passed-previous-version": Entry(
        "warning",
        "This extract does not pass version {current} of the contract but passes version "
        "{previous}, which is accepted until {until}; it was checked, and is loaded, under "
        "{previous}.",
        "Before {until}, change your export for version {current}: {changes}",
    ),
    "previous-version-ended": Entry(
        "error",
        "This extract passes version {previous} of the contract, which was accepted only until "
        "{until}; it does not pass version {current}, the one in force.",
        "Change your export for version {current}: {changes}",
    ),
    "unexpected-column": Entry(
        "warning",
        "The column {column} is not in the contract and is ignored.{hint}",
        "Remove it, or ask the data standards team to add it to the contract.",
    ),
    "column-name-differs": Entry(
        "warning",
        "The column headed {header!r} was taken as {column} (its case or spacing differs).",
        "Rename the header to exactly {column}.",
    ),
    "required-missing": Entry(
        "error",
        "{count} {rows} {have} no value in {column}, which is required.",
        "Fill in {column} on {where}.",
    ),
    "not-an-integer": Entry(
        "error",
        "{count} {vals} in {column} {are} not {a_whole_number}: {values}.",
        "Write whole numbers only, without decimals, spaces or thousands separators; "
        "check {where}.",
    ),
    "integer-in-scientific-notation": Entry(
        "warning",
        "{count} {vals} in {column} {are} written in scientific notation ({values}); "
        "each was read as the whole number it stands for (4e3 = 4000).",
        "Format {column} as a plain number in your spreadsheet before saving; check {where}.",
    ),
    "not-a-number": Entry(
        "error",
        "{count} {vals} in {column} {are} not numbers: {values}.",
        "Use digits with a decimal point (such as 2.5), without %, spaces or thousands "
        "separators; check {where}.",
    ),
    "not-a-date": Entry(
        "error",
        "{count} {vals} in {column} {are} not dates written {format}: {values}.{hint}",
        "Write every date in {column} as {format} (a real calendar date); check {where}.",
    ),
    "not-a-boolean": Entry(
        "error",
        "{count} {vals} in {column} {are} not yes/no values: {values}.",
        "Use true or false (yes/no, y/n and 1/0 are also accepted); check {where}.",
    ),
    "pattern-mismatch": Entry(
        "error",
        "{count} {vals} in {column} {are} not in the expected form{such_as}: {values}.",
        "Correct {where}: values must match the pattern {pattern}.",
    ),
    "below-minimum": Entry(
        "error",
        "{count} {vals} in {column} {are} below the minimum of {limit}: {values}.",
        "Check {where}: {column} must be at least {limit}.",
    ),
    "above-maximum": Entry(
        "error",
        "{count} {vals} in {column} {are} above the maximum of {limit}: {values}.",
        "Check {where}: {column} must be at most {limit}.",
    ),
    "too-short": Entry(
        "error",
        "{count} {vals} in {column} {are} shorter than {limit} characters: {values}.",
        "Check {where}: {column} needs at least {limit} characters.",
    ),
    "too-long": Entry(
        "error",
        "{count} {vals} in {column} {are} longer than {limit} characters: {values}.",
        "Check {where}: {column} allows at most {limit} characters.",
    ),
    "not-allowed-value": Entry(
        "error",
        "{count} {vals} in {column} {are} not among the allowed values: {values}.",
        "Use one of {allowed} (spelled exactly so); check {where}.",
    ),
    "unknown-reference": Entry(
        "error",
        "{count} {vals} in {column} {are} not codes listed in {table}, such as "
        "{example}: {values}.",
        "Check {where}: use a current code from {target}; old or mistyped codes are the "
        "usual cause.",
    ),
    "duplicate-value": Entry(
        "error",
        "{count} {rows} repeat{s} a value of {column} already used on an earlier row: {values}.",
        "{column} must be unique: remove the repeated rows or correct the values on {where}.",
    ),
    "duplicate-key": Entry(
        "error",
        "{count} {rows} repeat{s} the key ({key}) of an earlier row: {values}.",
        "Each combination of {key} may appear once: remove or correct {where}.",
    ),
    "area-not-covered": Entry(
        "error",
        "{count} {rows} {are} for areas this partner does not cover ({column}: {values}).",
        "This partner submits for {areas} only: remove the rows for other areas, which their "
        "own partner submits, or ask the data standards team to add the area to your "
        "partnership's list; check {where}.",
    ),
    "cell-too-long": Entry(
        "error",
        "{count} {vals} in {column} {are} longer than {limit}, more than a spreadsheet cell "
        "can hold, and {are} left out of the other checks: {values}.",
        "Check {where}: such a value is usually text pasted in by mistake or several rows run "
        "together by a stray double quote; shorten it or export the extract again.",
    ),
    "wrong-period": Entry(
        "error",
        "{count} {rows} {are} not in the submission month {period} ({column}: {values}).",
        "This extract is for {period}: remove rows for other months or submit them under their "
        "own month; check {where}.",
    ),
    # The drop folder (jobs/drop_folder.py): a file refused before it is checked.
    "submission-refused": Entry(
        "error",
        "{reason}",
        "Move the file to the right partner folder and name, then drop it again.",
    ),
}


def describe(
    code: str,
    column: str | None = None,
    *,
    variant: str | None = None,
    severity: Severity | None = None,
    rows: Sequence[int] = (),
    count: int | None = None,
    samples: Sequence[str] = (),
    **detail: Any,
) -> Finding:
    """A finding of `code` with its message and fix filled in from the catalogue.

    The only maker of findings. `variant` picks one of the code's other wordings; `severity`
    overrides the wording's (validation makes a missing optional column a warning). `detail`
    fills the template's own fields (`name`, `row`, `limit` ...).
    """
    entry = CATALOGUE[code]
    wording: Entry | Wording = entry if variant is None else entry.variants[variant]
    n = len(rows) if count is None else count
    column = None if column is None else bounded(column)
    samples = [bounded(s) for s in samples]
    words: dict[str, Any] = {
        "column": column or "",
        "count": f"{n:,}",
        "rows": "row" if n == 1 else "rows",
        "vals": "value" if n == 1 else "values",
        "are": "is" if n == 1 else "are",
        "have": "has" if n == 1 else "have",
        "a_whole_number": "a whole number" if n == 1 else "whole numbers",
        "s": "s" if n == 1 else "",
        "values": quote_values(samples),
        "where": rows_text(rows, n),
        "hint": "",
        "example": "",
    }
    words.update({k: v for k, v in detail.items() if v is not None})
    if "header" in words:  # the header as written: the partner's text
        words["header"] = bounded(str(words["header"]))
    words["such_as"] = f" (such as {words['example']})" if words["example"] else ""
    return Finding(
        code=code,
        severity=severity or wording.severity or entry.severity,
        column=column,
        rows=list(rows),
        count=n,
        samples=list(samples),
        message=wording.message.format(**words),
        fix=wording.fix.format(**words),
    )


def rows_text(rows: Sequence[int], count: int, shown: int = 5) -> str:
    """`row 17`, `rows 17, 250 and 3 more`: the rows a partner should look at."""
    if not rows:
        return "the file"
    listed = ", ".join(str(r) for r in rows[:shown])
    rest = count - min(len(rows), shown)
    word = "row" if count == 1 else "rows"
    return f"{word} {listed}" + (f" and {rest:,} more" if rest > 0 else "")


def quote_values(values: Sequence[str | None]) -> str:
    """Sample values quoted so that blanks and spaces show."""
    return ", ".join(repr(v if v is not None else "") for v in values)
