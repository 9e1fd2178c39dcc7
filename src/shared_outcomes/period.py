"""`Period`: one calendar month, the unit every extract, figure and deadline is counted in.

Months travel as text `YYYY-MM` (in file names, the register, the JSON report, the CLI); this
type is the one place that text is parsed, with one wording of the error, and the one place
month arithmetic and the deadline rule live. `Period.parse("2016-03")` gives March 2016;
`str(period)` gives the text back, so a Period can be used wherever the text was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Self

import polars as pl

from shared_outcomes.errors import UsageError

#: A month as text, anchored: the pattern the configuration models check a month against.
PATTERN = r"^(\d{4})-(0[1-9]|1[0-2])$"
_TEXT = re.compile(PATTERN.strip("^$"))
_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FULL_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
#: The latest day of the following month a deadline may fall on, so that every month has it.
LATEST_DEADLINE_DAY = 28


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month. Ordered, hashable; `str()` is `YYYY-MM`."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 1 <= self.year <= 9999):
            raise UsageError(f"{self.year}-{self.month} is not a month.")

    @classmethod
    def parse(cls, text: str, *, what: str | None = None) -> Self:
        """The month written `YYYY-MM`; anything else is a `UsageError` that says how to write it.

        `what` names where the text came from (e.g. "--period") for the message.
        """
        found = _TEXT.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            where = f"{what} " if what else ""
            raise UsageError(f"{where}{text!r} is not a month: write it as YYYY-MM, e.g. 2016-03.")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Whether `text` is a month written `YYYY-MM`."""
        return isinstance(text, str) and _TEXT.fullmatch(text) is not None

    @classmethod
    def of(cls, day: date) -> Self:
        """The month `day` falls in."""
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> Self:
        """The inverse of `index`."""
        year, month = divmod(index, 12)
        return cls(year, month + 1)

    @property
    def index(self) -> int:
        """Months since year 0: consecutive months differ by one (for arithmetic and charts)."""
        return self.year * 12 + self.month - 1

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shifted(self, months: int) -> Period:
        """The month `months` later (earlier when negative)."""
        return Period.from_index(self.index + months)

    def next(self) -> Period:
        return self.shifted(1)

    def previous(self) -> Period:
        return self.shifted(-1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def label(self) -> str:
        """'Mar 2016'."""
        return f"{_NAMES[self.month - 1]} {self.year}"

    @property
    def long_label(self) -> str:
        """'March 2016'."""
        return f"{_FULL_NAMES[self.month - 1]} {self.year}"

    def due_date(self, deadline_day: int) -> date:
        """The last day an extract for this month counts as on time: `deadline_day` of the next
        month (at most the 28th, so that every month has it)."""
        following = self.next()
        return date(following.year, following.month, min(deadline_day, LATEST_DEADLINE_DAY))

    @staticmethod
    def span(first: Period | str, last: Period | str) -> list[Period]:
        """Every month from `first` to `last` inclusive (none when `last` is earlier)."""
        start, end = _as_period(first), _as_period(last)
        return [Period.from_index(i) for i in range(start.index, end.index + 1)]


def _as_period(value: Period | str) -> Period:
    return value if isinstance(value, Period) else Period.parse(value)


def first_days(column: str) -> pl.Expr:
    """A frame's `YYYY-MM` text column as the first day of each month (a Polars date), for
    the frames that put months on a time axis."""
    return pl.concat_str(pl.col(column), pl.lit("-01")).str.to_date("%Y-%m-%d")


def month_label(text: str) -> str:
    """'2016-03' → 'Mar 2016' (for labels built from the register's text)."""
    return Period.parse(text).label
