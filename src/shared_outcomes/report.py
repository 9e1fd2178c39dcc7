"""The validation report: findings as data, one pydantic model shared by the CLI, pages and JSON.

A finding names a stable kebab-case code, a severity (an error blocks loading, a warning does
not), the column, the spreadsheet row numbers (header = row 1), the full count and a message
that tells the partner how to fix it. The worst severity decides whether the extract is accepted.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning"]

#: At most this many row numbers and samples are listed in a finding; `count` is the full number.
MAX_ROWS_LISTED = 100
MAX_SAMPLES = 5


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
