"""Contract change control as people read it on the Standards page: a changelog's changes, and
a proposed contract's impact (its outcomes and partners), as tables in plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from shared_outcomes.checking.impact import ContractImpact
    from shared_outcomes.config.contract_changes import ContractDiff
    from shared_outcomes.config.contracts import Contract


def diff_heading(diff: ContractDiff) -> str:
    """'Version 1.0.0 → 2.0.0: 3 changes, 1 breaking (a major version).'"""
    count = len(diff.changes)
    return (
        f"Version {diff.old_version} → {diff.new_version}: {count} change"
        f"{'' if count == 1 else 's'}, {len(diff.breaking)} breaking"
        + (f" (a {diff.needed_bump} version)." if diff.needed_bump else ".")
    )


def changes_table(diff: ContractDiff) -> pl.DataFrame:
    """One row per change: breaking or not, the column, what changes."""
    return pl.DataFrame(
        {
            "Breaking?": [
                "yes: partners must change" if c.breaking else "no" for c in diff.changes
            ],
            "Column": [c.column or "(the contract)" for c in diff.changes],
            "What changes": [c.words for c in diff.changes],
            "Code": [c.code for c in diff.changes],
        },
        schema=dict.fromkeys(("Breaking?", "Column", "What changes", "Code"), pl.String),
    )


def transition_words(contract: Contract) -> str | None:
    """The contract's transition window in a sentence, or None."""
    if contract.previous_version is None or contract.accept_previous_until is None:
        return None
    return (
        f"Extracts that pass version {contract.previous_version} are still accepted until "
        f"{contract.accept_previous_until:%d %B %Y}; after that, only version "
        f"{contract.version}."
    )


def impact_summary(impact: ContractImpact) -> str:
    """The re-check in one sentence."""
    checked = sum(p.checked for p in impact.partners)
    months = f"{impact.months[0]} to {impact.months[-1]}" if impact.months else "no months"
    return (
        f"{checked} current submissions ({months}) re-checked against the proposed version: "
        f"{impact.rejected} would have been rejected. Nothing was stored."
    )


def impact_partners_table(impact: ContractImpact) -> pl.DataFrame:
    """One row per partner that submits the dataset."""
    return pl.DataFrame(
        {
            "Partner": [p.name for p in impact.partners],
            "Checked": [p.checked for p in impact.partners],
            "Would be rejected": [p.rejected for p in impact.partners],
            "Finding codes": [
                ", ".join(f"{code} ({n})" for code, n in sorted(p.codes.items())) or "–"
                for p in impact.partners
            ],
            "Not in the archive": [p.missing_files for p in impact.partners],
        },
        schema={
            "Partner": pl.String, "Checked": pl.Int64, "Would be rejected": pl.Int64,
            "Finding codes": pl.String, "Not in the archive": pl.Int64,
        },
    )  # fmt: skip


def impact_outcomes_table(impact: ContractImpact) -> pl.DataFrame:
    """One row per shared outcome that reads what changes."""
    return pl.DataFrame(
        {
            "Outcome": [o.title for o in impact.outcomes],
            "Effect": [o.effect for o in impact.outcomes],
            "Why": [o.words for o in impact.outcomes],
        },
        schema=dict.fromkeys(("Outcome", "Effect", "Why"), pl.String),
    )
