"""A submission's two stages as values: checked and ready to store, then what the store did.

The facade (`workspace`, which re-exports both names) builds a `PreparedSubmission` in
`Workspace.prepare`, hands the warehouse its `for_store` value, and returns a `SubmitResult`
from `Workspace.submit`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from shared_outcomes.checking.report import Report, report_json
from shared_outcomes.config.contracts import Contract
from shared_outcomes.warehouse.store import LoadStatus, NewSubmission


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
                f"{name} was rejected ({_errors(len(self.report.errors))}) and recorded as "
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

    def for_store(self, submitted_by: str, submitted_at: datetime | None) -> NewSubmission:
        """What the warehouse stores: the rows when accepted, else the rejection's record."""
        return NewSubmission(
            dataset=self.contract.dataset,
            partner=self.partner,
            period=self.period,
            source=self.source,
            sha256=self.sha256,
            file_name=self.file_name,
            contract_version=self.contract.version,
            rows=self.report.rows,
            submitted_by=submitted_by,
            report_json=report_json(self.report),
            frame=self.frame if self.report.accepted else None,
            submitted_at=submitted_at,
        )


def _errors(count: int) -> str:
    return "1 error" if count == 1 else f"{count:,} errors"
