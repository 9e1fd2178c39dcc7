"""A submission's two stages as values: checked and ready to store, then what the store did.

Split out of `service` (which re-exports both names): the facade builds a `PreparedSubmission`
in `Workspace.prepare` and returns a `SubmitResult` from `Workspace.submit`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from shared_outcomes.checking.report import Report, report_json
from shared_outcomes.config.contracts import Contract
from shared_outcomes.warehouse.store import LoadStatus


@dataclass(frozen=True)
class SubmitResult:
    """The report of a submission and what the warehouse did with it."""

    report: Report
    status: LoadStatus
    submission_id: int | None
    supersedes: int | None = None

    @property
    def accepted(self) -> bool:
        return self.status != "rejected"

    def as_dict(self) -> dict[str, Any]:
        """The JSON report (docs/interfaces.md) plus submission_id, status and supersedes."""
        data: dict[str, Any] = json.loads(report_json(self.report))
        data.update(
            submission_id=self.submission_id, status=self.status, supersedes=self.supersedes
        )
        return data

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    @property
    def summary(self) -> str:
        """One sentence for a person: what happened to the file."""
        name = self.report.file_name or "the extract"
        if self.status == "unchanged":
            return (
                f"{name} is identical to submission {self.submission_id}, already loaded: "
                "nothing changed."
            )
        if self.status == "rejected":
            return (
                f"{name} was rejected ({len(self.report.errors)} errors) and recorded as "
                f"submission {self.submission_id}; fix the errors and submit it again."
            )
        replaced = f", replacing submission {self.supersedes}" if self.supersedes else ""
        return (
            f"{name} loaded as submission {self.submission_id} ({self.report.rows:,} rows)"
            f"{replaced}."
        )


@dataclass(frozen=True)
class PreparedSubmission:
    """An extract checked against its contract and ready to store (or to record as rejected)."""

    source: Path | bytes
    contract: Contract
    partner: str
    period: str
    file_name: str | None
    sha256: str
    report: Report
    frame: pl.DataFrame | None
