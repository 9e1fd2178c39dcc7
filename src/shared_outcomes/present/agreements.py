"""The data sharing agreements as people read them on the Agreements page: who shares what with
whom, on which basis, until when; which shared outcomes depend on each; which are due for
review."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from shared_outcomes.config.agreements import Agreement, Agreements
    from shared_outcomes.config.definitions import OutcomeDefinition
    from shared_outcomes.config.partnership import Partnership

ROLE_WORDS = {
    "controller": "controller",
    "joint_controller": "joint controller",
    "processor": "processor",
}
#: How far ahead the page lists agreements due for review.
REVIEW_WITHIN_DAYS = 60


def dependent_outcomes(
    agreement: Agreement, definitions: Mapping[str, OutcomeDefinition]
) -> list[OutcomeDefinition]:
    """The shared outcomes whose numerator or denominator reads a dataset the agreement
    covers, by title."""
    covered = {d.dataset for d in agreement.datasets}
    found = [
        d
        for d in definitions.values()
        if any(
            m is not None and m.source == "dataset" and m.name in covered
            for m in (d.numerator, d.denominator)
        )
    ]
    return sorted(found, key=lambda d: d.title)


def agreements_table(agreements: Agreements, partnership: Partnership, today: date) -> pl.DataFrame:
    """One row per agreement: what, who, in force when, review, and whether in force today."""
    names = {pid: p.name for pid, p in partnership.partners.items()}
    rows = [
        {
            "Agreement": f"{a.title} ({a.id})",
            "Datasets (kept for)": "; ".join(
                f"{d.dataset} ({_months(d.retention_months)})" for d in a.datasets
            ),
            "Parties": "; ".join(
                f"{names.get(p.partner, p.partner)} ({ROLE_WORDS[p.role]})" for p in a.parties
            ),
            "In force": f"{a.start:%d %b %Y} to {a.end:%d %b %Y}",
            "Review by": f"{a.review:%d %b %Y}",
            "Today": _state(a, today),
        }
        for a in sorted(agreements.agreements, key=lambda a: a.title)
    ]
    columns = ("Agreement", "Datasets (kept for)", "Parties", "In force", "Review by", "Today")
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))


def parties_table(agreement: Agreement, partnership: Partnership) -> pl.DataFrame:
    """One row per party: its role, lawful basis and legal gateway."""
    names = {pid: p.name for pid, p in partnership.partners.items()}
    return pl.DataFrame(
        {
            "Partner": [names.get(p.partner, p.partner) for p in agreement.parties],
            "Role": [ROLE_WORDS[p.role] for p in agreement.parties],
            "Lawful basis (UK GDPR)": [p.basis_words for p in agreement.parties],
            "Legal gateway": [p.legal_gateway for p in agreement.parties],
        },
        schema=dict.fromkeys(
            ("Partner", "Role", "Lawful basis (UK GDPR)", "Legal gateway"), pl.String
        ),
    )


def datasets_table(agreement: Agreement) -> pl.DataFrame:
    """One row per dataset shared: its columns and how long it is kept."""
    return pl.DataFrame(
        {
            "Dataset": [d.dataset for d in agreement.datasets],
            "Columns shared": [", ".join(d.columns) for d in agreement.datasets],
            "Kept for": [_months(d.retention_months) for d in agreement.datasets],
        },
        schema=dict.fromkeys(("Dataset", "Columns shared", "Kept for"), pl.String),
    )


def review_words(agreement: Agreement, today: date) -> str:
    """'… is due for review on 20 December 2026 (in 18 days).'"""
    days = (agreement.review - today).days
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return (
        f"{agreement.title} ({agreement.id}) is due for review on "
        f"{agreement.review:%d %B %Y} ({when})."
    )


def _state(agreement: Agreement, today: date) -> str:
    if today < agreement.start:
        return "not yet in force"
    if today > agreement.end:
        return "ended"
    return "in force"


def _months(months: int) -> str:
    years, rest = divmod(months, 12)
    if rest == 0:
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{months} months"
