"""Which version of the data a board saw: the newest submission and a digest of the figures.

A board pack's cover and a sign-off both print a `RegisterState`, so that two documents made
from the same register (the same `--as-at`) can be told to show the same figures, and a later
resubmission can be told apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import polars as pl

#: The columns that make a figure what it is; nothing that varies with the time it was computed.
DIGEST_COLUMNS = (
    "outcome", "area_code", "period", "value", "numerator", "denominator", "status",
    "provisional", "withheld", "suppressed", "revised", "revised_from", "revised_to", "missing",
)  # fmt: skip
#: The hex digits of the digest people see (enough to tell two versions apart in a meeting).
SHOWN_DIGITS = 12


@dataclass(frozen=True)
class RegisterState:
    """The register a document was made from: its newest submission by `as_at`, and the
    digest of the figures shown."""

    as_at: datetime
    newest_submission_id: int | None
    figures_digest: str

    @property
    def short_digest(self) -> str:
        return self.figures_digest[:SHOWN_DIGITS]

    @property
    def words(self) -> str:
        """'register at submission #41, figures digest 3f2a9c0d1e2b'."""
        newest = (
            "no submissions"
            if self.newest_submission_id is None
            else f"submission #{self.newest_submission_id}"
        )
        return f"register at {newest}, figures digest {self.short_digest}"


def figures_digest(figures: pl.DataFrame) -> str:
    """SHA-256 of the figures as shown, independent of row order and of when they were computed.

    Values are rounded to nine decimal places, so the digest does not depend on the order in
    which floating-point sums were taken.
    """
    present = [c for c in DIGEST_COLUMNS if c in figures.columns]
    frame = figures.select(present).with_columns(
        pl.col(c).round(9) for c in ("value", "numerator", "denominator", "revised_from",
                                     "revised_to") if c in present
    )  # fmt: skip
    if "missing" in present:
        frame = frame.with_columns(pl.col("missing").list.sort().list.join("|"))
    keys = [c for c in ("outcome", "area_code", "period") if c in present]
    frame = frame.sort(keys, nulls_last=False) if keys else frame
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()
