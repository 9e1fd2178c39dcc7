"""The impact of a proposed contract change on this partnership, before it is made.

Three readings of one proposed contract file against the current one (`contract_changes`):

- **outcomes**: each shared outcome definition that reads a changed column (its measure, its
  filters, its area column) is listed; it becomes *invalid* when a column it reads is removed or
  a value it filters on is no longer allowed, and *may change meaning* otherwise;
- **partners**: every partner that submits the dataset (partners.yaml);
- **re-checks**: the archived raw files of the current submissions (the accepted version of each
  partner and month) checked again against the proposed contract, a dry run that stores
  nothing: how many of each partner's would have been rejected, with the finding codes.

The Workspace gathers the files (`Workspace.contract_impact`); this module only reads them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from shared_outcomes.checking.validation import validate_extract
from shared_outcomes.config.contract_changes import (
    ALLOWED_VALUE_REMOVED,
    COLUMN_REMOVED,
    ContractDiff,
)
from shared_outcomes.config.contracts import Contract
from shared_outcomes.config.definitions import Measure, OutcomeDefinition
from shared_outcomes.config.partnership import Partner

Effect = Literal["invalid", "may change meaning"]


@dataclass(frozen=True)
class OutcomeImpact:
    """A shared outcome that reads what the change touches."""

    outcome: str
    title: str
    columns: tuple[str, ...]  # the changed columns it reads
    effect: Effect
    words: str


@dataclass(frozen=True)
class Recheck:
    """One current submission to check again: whose, which month, its archived raw file (None
    when the archive no longer has it)."""

    partner_id: str
    period: str
    submission_id: int
    file: Path | None
    file_name: str | None = None


@dataclass
class PartnerImpact:
    """How one partner's current submissions fare under the proposed contract."""

    partner_id: str
    name: str
    checked: int = 0
    rejected: int = 0
    missing_files: int = 0
    #: Error finding code -> in how many of its submissions it appears.
    codes: Counter[str] = field(default_factory=Counter)
    rejected_months: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ContractImpact:
    diff: ContractDiff
    outcomes: tuple[OutcomeImpact, ...]
    partners: tuple[PartnerImpact, ...]
    months: tuple[str, ...]  # the months re-checked, oldest first

    @property
    def rejected(self) -> int:
        return sum(p.rejected for p in self.partners)

    def as_json(self) -> dict[str, object]:
        return {
            "changes": self.diff.as_json(),
            "outcomes": [
                {"outcome": o.outcome, "title": o.title, "columns": list(o.columns),
                 "effect": o.effect, "words": o.words}
                for o in self.outcomes
            ],
            "months": list(self.months),
            "partners": [
                {"partner": p.partner_id, "name": p.name, "checked": p.checked,
                 "rejected": p.rejected, "missing_files": p.missing_files,
                 "codes": dict(sorted(p.codes.items())), "rejected_months": p.rejected_months}
                for p in self.partners
            ],
        }  # fmt: skip


def outcome_impacts(
    diff: ContractDiff, definitions: Mapping[str, OutcomeDefinition]
) -> list[OutcomeImpact]:
    """The outcome definitions reading a changed column of the dataset, invalid ones first."""
    removed = {c.column for c in diff.changes if c.code == COLUMN_REMOVED and c.column}
    no_longer = {
        (c.column, value)
        for c in diff.changes
        if c.code == ALLOWED_VALUE_REMOVED and c.column
        for value in c.values
    }
    found = []
    for definition in definitions.values():
        measures = [m for m in (definition.numerator, definition.denominator) if m is not None]
        reads = {col for m in measures if _reads_dataset(m, diff.dataset) for col in _columns(m)}
        touched = tuple(sorted(reads & diff.changed_columns))
        if not touched:
            continue
        gone = sorted(reads & removed)
        filtered = sorted(
            f"{f.column} = {value}"
            for m in measures
            if _reads_dataset(m, diff.dataset)
            for f in m.filters
            for value in f.values
            if (f.column, value) in no_longer
        )
        if gone or filtered:
            why = "; ".join(
                [*(f"it reads {c}, which the new version removes" for c in gone),
                 *(f"it counts {v}, which the new version no longer allows" for v in filtered)]
            )  # fmt: skip
            effect: Effect = "invalid"
            words = f"{definition.title} would no longer be valid: {why}."
        else:
            effect = "may change meaning"
            words = (
                f"{definition.title} reads {', '.join(touched)}, which the new version changes: "
                "check that it still counts what it says."
            )
        found.append(OutcomeImpact(definition.id, definition.title, touched, effect, words))
    return sorted(found, key=lambda o: (o.effect != "invalid", o.title))


def _reads_dataset(measure: Measure, dataset: str) -> bool:
    return measure.source == "dataset" and measure.name == dataset


def _columns(measure: Measure) -> set[str]:
    columns = {measure.area_column, *(f.column for f in measure.filters)}
    if measure.column:
        columns.add(measure.column)
    return columns


def recheck(
    proposed: Contract,
    rechecks: Sequence[Recheck],
    partners: Mapping[str, Partner],
    *,
    areas: Callable[[str], Collection[str] | None],
    progress: Callable[[int, int], None] | None = None,
) -> list[PartnerImpact]:
    """Check each archived file again against `proposed` (two at a time; nothing is stored):
    every partner that submits the dataset, by name, with its counts."""
    impacts = {
        pid: PartnerImpact(pid, p.name)
        for pid, p in sorted(partners.items(), key=lambda item: item[1].name)
        if proposed.dataset in p.datasets
    }

    def one(item: Recheck) -> tuple[Recheck, list[str] | None]:
        if item.file is None or not item.file.is_file():
            return item, None
        checked = validate_extract(
            item.file, proposed, partner=item.partner_id, period=item.period,
            file_name=item.file_name, areas=areas(item.partner_id),
        )  # fmt: skip
        return item, [f.code for f in checked.report.errors]

    done = 0
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="recheck") as pool:
        for item, errors in pool.map(one, rechecks):
            done += 1
            if progress is not None:
                progress(done, len(rechecks))
            impact = impacts.setdefault(
                item.partner_id, PartnerImpact(item.partner_id, item.partner_id)
            )
            if errors is None:
                impact.missing_files += 1
                continue
            impact.checked += 1
            if errors:
                impact.rejected += 1
                impact.rejected_months.append(item.period)
                impact.codes.update(set(errors))
    for impact in impacts.values():
        impact.rejected_months.sort()
    return list(impacts.values())
