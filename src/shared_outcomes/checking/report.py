"""The validation report: findings as data, one pydantic model shared by the CLI, pages and JSON.

A finding names a stable kebab-case code, a severity (an error blocks loading, a warning does
not), the column, the spreadsheet row numbers (header = row 1), the full count and a message
that tells the partner how to fix it. The worst severity decides whether the extract is accepted.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    #: For an Excel workbook: the worksheet that was read.
    sheet: str | None = None
    contract_version: str | None = None
    sha256: str | None = None
    findings: list[Finding] = Field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


# --- the JSON report ------------------------------------------------------------------------


def report_json(report: Report) -> str:
    """The JSON report of docs/interfaces.md (`--json`, the file written beside an extract)."""
    return report.model_dump_json(indent=2)
