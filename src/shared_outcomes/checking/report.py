"""The validation report: findings as data, one pydantic model shared by the CLI, pages and JSON.

A finding names a stable kebab-case code, a severity (an error blocks loading, a warning does
not), the column, the spreadsheet row numbers (header = row 1), the full count and a message
that tells the partner how to fix it. The worst severity decides whether the extract is accepted.
"""

from __future__ import annotations

import io
from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shared_outcomes.present.exports import to_safe_csv

Severity = Literal["error", "warning"]

#: At most this many row numbers and samples are listed in a finding; `count` is the full number.
MAX_ROWS_LISTED = 100
MAX_SAMPLES = 5
#: The longest piece of a partner's value a finding quotes (then "… (N characters)").
MAX_SAMPLE_CHARS = 200


def bounded(text: str, limit: int = MAX_SAMPLE_CHARS) -> str:
    """`text`, or its first `limit` characters and how long it is: a partner's text in a finding."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


#: The row-number column of a frame as read (spreadsheet rows, header = 1); = reading.ROW_COLUMN.
ROW_COLUMN = "__row__"


class Finding(BaseModel):
    """One problem found in an extract, with everything a partner needs to fix it."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    severity: Severity
    column: str | None = None
    rows: list[int] = Field(default_factory=list)
    count: int = 0
    samples: list[str] = Field(default_factory=list)
    message: str
    fix: str | None = None

    @field_validator("samples")
    @classmethod
    def _bounded_samples(cls, samples: list[str]) -> list[str]:
        """Wherever a finding is made, it keeps a bounded sample, never a 5 MB copy."""
        # A sample `bounded` already cut (its "… (N characters)" tail included) is kept as is.
        longest = MAX_SAMPLE_CHARS + len("… (999,999,999,999 characters)")
        return [s if len(s) <= longest else bounded(s) for s in samples[:MAX_SAMPLES]]


class Report(BaseModel):
    """The outcome of checking one extract against its contract."""

    model_config = ConfigDict(extra="forbid")

    accepted: bool
    dataset: str
    partner: str | None = None
    period: str | None = None
    rows: int = 0
    file_name: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    contract_version: str | None = None
    sha256: str | None = None
    findings: list[Finding] = Field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


# --- renderings --------------------------------------------------------------------------------

#: Columns added to the failing-rows CSV before the partner's own columns.
ROW_HEADER = "spreadsheet_row"
PROBLEMS_HEADER = "problems"


def report_json(report: Report) -> str:
    """The JSON report of docs/interfaces.md (`--json`, the file written beside an extract)."""
    return report.model_dump_json(indent=2)


def verdict(report: Report) -> str:
    """One line a data lead reads first: accepted or rejected, with the counts."""
    state = "ACCEPTED" if report.accepted else "REJECTED"
    whose = ", ".join(x for x in (report.partner, report.period) if x)
    errors, warnings = len(report.errors), len(report.warnings)
    return (
        f"{state}: {report.file_name or 'extract'} for {report.dataset}"
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


def failing_rows_csv(
    report: Report, extract: pl.DataFrame | None, problems: pl.DataFrame | None = None
) -> bytes:
    """The failing rows as the partner sent them, each with its problems, as CSV for download.

    `extract` is the frame as read (text cells plus the row-number column `row_column`);
    `problems` has one line per failing cell (`row`, `code`, `column`). Without it, the rows
    listed in the findings are used (capped at MAX_ROWS_LISTED per finding).
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
