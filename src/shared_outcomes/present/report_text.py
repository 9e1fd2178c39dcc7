"""The report rendered for people: a terminal table, and the failing rows as a CSV to download.

The report itself (the pydantic model and its JSON) is `checking.report`; these renderings show
every partner's text as plain text (never Rich markup) and escape the CSV like every other.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shared_outcomes.checking.census import raw_records
from shared_outcomes.checking.report import ROW_COLUMN, Finding, Report
from shared_outcomes.present.exports import to_safe_csv

#: Columns added to the failing-rows CSV before the partner's own columns.
ROW_HEADER = "spreadsheet_row"
PROBLEMS_HEADER = "problems"
#: The line as the partner wrote it, for a row whose values cannot be put under the header.
RAW_LINE_HEADER = "raw_line"
#: The findings whose rows are shown by their raw line (their cells do not line up).
RAW_LINE_CODES = frozenset({"ragged-row"})

#: Said instead of offering the failing rows when no error names a row (`has_failing_rows`).
NO_FAILING_ROWS = "No single rows are at fault: the problems are with the file as a whole"


def verdict(report: Report) -> str:
    """One line a data lead reads first: accepted or rejected, with the counts."""
    state = "ACCEPTED" if report.accepted else "REJECTED"
    whose = ", ".join(x for x in (report.partner, report.period) if x)
    errors, warnings = len(report.errors), len(report.warnings)
    sheet = f" (worksheet '{report.sheet}')" if report.sheet else ""
    return (
        f"{state}: {report.file_name or 'extract'}{sheet} for {report.dataset}"
        + (f" ({whose})" if whose else "")
        + f", {report.rows:,} rows, {_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    )


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def render_report_text(report: Report, *, width: int = 120) -> str:
    """The report as a readable terminal table (plain text, no colour codes)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, no_color=True)
    console.print(verdict(report), markup=False, highlight=False)
    if not report.findings:
        console.print("No problems found.", markup=False, highlight=False)
        return buffer.getvalue()
    table = Table(show_lines=True, expand=False)
    for header, style in (("severity", None), ("code", None), ("column", None), ("rows", None)):
        table.add_column(header, style=style, no_wrap=header in ("severity", "code"))
    table.add_column("what is wrong, and how to fix it", ratio=1)
    for finding in sorted(report.findings, key=lambda f: f.severity != "error"):
        # Text cells, never markup: a partner's value such as "[/x]" is shown as written.
        table.add_row(
            *map(
                Text,
                (
                    finding.severity,
                    finding.code,
                    finding.column or "",
                    _rows_summary(finding),
                    finding.message + (f"\n{finding.fix}" if finding.fix else ""),
                ),
            )
        )
    console.print(table)
    return buffer.getvalue()


def _rows_summary(finding: Finding, shown: int = 5) -> str:
    if not finding.rows:
        return ""
    listed = ", ".join(str(r) for r in finding.rows[:shown])
    more = finding.count - min(shown, len(finding.rows))
    return listed + (f" (+{more:,} more)" if more > 0 else "")


def has_failing_rows(report: Report) -> bool:
    """Whether an error names rows; otherwise the problems are with the file as a whole (a
    missing column, say), and the failing-rows CSV would be its header alone."""
    return any(finding.rows for finding in report.errors)


def failing_rows_csv(
    report: Report,
    extract: pl.DataFrame | None,
    problems: pl.DataFrame | None = None,
    *,
    source: Path | bytes | None = None,
) -> bytes:
    """The failing rows as the partner sent them, each with its problems, as CSV for download.

    `extract` is the frame as read (text cells plus the row-number column `row_column`);
    `problems` has one line per failing cell (`row`, `code`, `column`). Without it, the rows
    listed in the findings are used (capped at MAX_ROWS_LISTED per finding).

    With `source` (the file that was checked), a row whose values cannot be put under the
    header (a ragged row: more or fewer values than the header names) is shown as the line
    the partner wrote, in a `raw_line` column beside the problems (`census.raw_records`); the
    column is there only when such rows are.
    """
    if problems is None:
        problems = pl.DataFrame(
            [
                {"row": row, "code": f.code, "column": f.column}
                for f in report.findings
                for row in f.rows
            ],
            schema={"row": pl.Int64, "code": pl.String, "column": pl.String},
        )
    described = (
        problems.with_columns(
            pl.when(pl.col("column").is_null())
            .then(pl.col("code"))
            .otherwise(pl.col("code") + pl.lit(" (") + pl.col("column") + pl.lit(")"))
            .alias(PROBLEMS_HEADER)
        )
        .group_by("row", maintain_order=True)
        .agg(pl.col(PROBLEMS_HEADER).unique(maintain_order=True).str.join("; "))
        .rename({"row": ROW_HEADER})
        .with_columns(pl.col(ROW_HEADER).cast(pl.Int64))
    )
    header = [ROW_HEADER, PROBLEMS_HEADER]
    raw = _raw_lines(report, source)
    if raw:
        lines = pl.DataFrame(
            {ROW_HEADER: list(raw), RAW_LINE_HEADER: list(raw.values())},
            schema={ROW_HEADER: pl.Int64, RAW_LINE_HEADER: pl.String},
        )
        described = described.join(lines, on=ROW_HEADER, how="left")
        header.append(RAW_LINE_HEADER)
    if extract is not None and ROW_COLUMN in extract.columns:
        # The partner's columns by position, so a header cell named like ours ("problems",
        # "spreadsheet_row") can neither clash with them nor be renamed; the header row is
        # written from the names as the partner wrote them.
        theirs = [name for name in extract.columns if name != ROW_COLUMN]
        cells = extract.select(
            pl.col(ROW_COLUMN).cast(pl.Int64).alias(ROW_HEADER),
            *(pl.col(name).alias(f"__column_{i}") for i, name in enumerate(theirs)),
        )
        described = described.join(cells, on=ROW_HEADER, how="left")
        header += theirs
    return to_safe_csv(described.sort(ROW_HEADER), header=header)


def _raw_lines(report: Report, source: Path | bytes | None) -> dict[int, str]:
    """The raw line of each row listed by a RAW_LINE_CODES finding (none without `source`)."""
    rows = {row for f in report.findings if f.code in RAW_LINE_CODES for row in f.rows}
    if source is None or not rows:
        return {}
    return raw_records(source, report.encoding or "utf-8", report.delimiter or ",", rows)
