"""A figure's state in words: the one place that says provisional, withheld, suppressed, revised.

Every surface that shows a figure (the common picture's cards, Explore's charts and tables, the
CLI's table, the downloads) words its state through `figure_state`, so one number means the same
thing everywhere. A hidden number is marked, never dropped: a suppressed or withheld figure keeps
its row, with its state in place of the value.

The states, strongest first: *suppressed* (a small number hidden by disclosure control),
*withheld* (hidden until every partner needed has submitted), *erased* (a partner's data for
the month was erased, under an agreement's retention rule or on request: what is left is shown,
or nothing if nothing is left, and the figure says so), *provisional* (shown, but partners are
still missing), *complete*. A figure can also be *revised* (a resubmission changed it since it
was first published); that is said beside whichever of the others holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from shared_outcomes.period import Period
from shared_outcomes.present.views import format_value
from shared_outcomes.warehouse.erasure import RULE_WORDS, Erasure

SUPPRESSED = "suppressed: small number"
WITHHELD = "withheld until every partner has submitted"

#: The short mark of each state, as a chart legend and a table's "State" column show it.
MARKS = {
    "suppressed": "Suppressed: small number",
    "withheld": "Withheld: partners missing",
    "erased": "Data erased",
    "provisional": "Provisional",
    "complete": "Complete",
}
#: How an erased figure's mark says why, by the erasure's rule.
ERASED_MARKS = {rule: f"Data erased {words}" for rule, words in RULE_WORDS.items()}


@dataclass(frozen=True)
class FigureState:
    """How one figure stands: its state, its value as shown, and the words around it."""

    state: str  # suppressed | withheld | erased | provisional | complete
    shown: str  # the value with its unit, or what hides it
    coverage: str  # "Provisional: waiting for …" / "Complete: …"
    revised: str | None  # "Revised from 1.20 to 1.25 by a resubmission." when it was
    hidden: bool
    #: Why the data was erased when it was ('retention' or 'request'), else None.
    erased_under: str | None = None

    @property
    def mark(self) -> str:
        """The short mark ('Provisional', 'Suppressed: small number', …), '· revised' added."""
        base = MARKS[self.state]
        if self.state == "erased" and self.erased_under in ERASED_MARKS:
            base = ERASED_MARKS[self.erased_under]
        return base + (" · revised" if self.revised else "")

    @property
    def note(self) -> str:
        """Everything said about the figure beyond its value, in one line."""
        parts = [self.coverage]
        if self.state == "suppressed":
            parts.insert(0, "Suppressed: the number is small enough to identify people.")
        elif self.state == "withheld":
            parts.insert(0, "Withheld until every partner needed has submitted.")
        elif self.state == "erased":
            parts.insert(0, "The data for this month was erased." if self.hidden else
                         "Part of the data for this month was erased; the figure covers what "
                         "remains.")  # fmt: skip
        if self.revised:
            parts.append(self.revised)
        return " ".join(parts)


def _day_label(iso_day: str) -> str:
    year, month, day = iso_day.split("-")
    return f"{int(day)} {Period(int(year), int(month)).label}"


def erased_words(
    erased: Sequence[str] | None,
    erased_under: Sequence[str] | None,
    partner_names: Mapping[str, str],
) -> str:
    """'Data erased under retention: Tameside Council.' (and '… on request: …'), or ''."""
    groups: dict[str, list[str]] = {}
    for partner, rule in zip(erased or [], erased_under or [], strict=False):
        groups.setdefault(rule, []).append(partner_names.get(partner, partner))
    return " ".join(
        f"{ERASED_MARKS.get(rule, 'Data erased')}: {', '.join(names)}."
        for rule, names in sorted(groups.items(), reverse=True)
    )


def coverage_words(
    missing: Sequence[str] | None,
    missing_due: Sequence[str] | None,
    expected: Sequence[str] | None,
    partner_names: Mapping[str, str],
    nil_returns: Sequence[str] | None = None,
    erased: Sequence[str] | None = None,
    erased_under: Sequence[str] | None = None,
) -> str:
    """'Provisional: waiting for Tameside Council (due 10 Nov 2017).' or 'Complete: …', with
    ' Nil return (nothing to report): Tameside Council.' where partners declared one; where a
    partner's data was erased, 'Incomplete: …' and ' Data erased under retention: …'."""
    names = [partner_names.get(p, p) for p in (missing or [])]
    nil = [partner_names.get(p, p) for p in (nil_returns or [])]
    declared = f" Nil return (nothing to report): {', '.join(nil)}." if nil else ""
    gone = erased_words(erased, erased_under, partner_names)
    declared += f" {gone}" if gone else ""
    if names:
        dues = list(missing_due or [])
        due = f" (due {_day_label(dues[0])})" if dues and len(set(dues)) == 1 else ""
        return f"Provisional: waiting for {', '.join(names)}{due}.{declared}"
    if gone:
        left = len(expected or []) - len(erased or [])
        return f"Incomplete: {left} of {len(expected or [])} partners' data remain.{declared}"
    needed = len(expected or [])
    if needed == 1:
        return f"Complete: the one partner needed has submitted.{declared}"
    return f"Complete: all {needed} partners needed have submitted.{declared}"


def figure_state(
    row: Mapping[str, Any], unit: str, partner_names: Mapping[str, str]
) -> FigureState:
    """The state of one row of the figures frame (`compute_outcomes`)."""
    suppressed, withheld = bool(row["suppressed"]), bool(row["withheld"])
    erased = row.get("erased") or []
    under = row.get("erased_under") or []
    coverage = coverage_words(
        row["missing"], row["missing_due"], row["expected"], partner_names,
        row.get("nil_returns"), erased, under,
    )  # fmt: skip
    rule = ("request" if "request" in under else "retention") if erased else None
    if suppressed:
        state, shown = "suppressed", SUPPRESSED
    elif withheld:
        state, shown = "withheld", WITHHELD
    elif erased:
        state = "erased"
        gone = ERASED_MARKS[rule or "retention"].lower()
        shown = gone if row["value"] is None else format_value(row["value"], unit)
    else:
        state = "provisional" if row["missing"] else "complete"
        waiting = row["value"] is None and row["missing"]
        shown = "not yet submitted" if waiting else format_value(row["value"], unit)
    revised = None
    # `hidden_expr` is this rule over a whole frame: change both together.
    hidden = suppressed or withheld or (bool(erased) and row["value"] is None)
    if row["revised"] and not hidden and row["revised_from"] is not None:
        revised = (
            f"Revised from {format_value(row['revised_from'], unit)} to "
            f"{format_value(row['revised_to'], unit)} by a resubmission."
        )
    return FigureState(state, shown, coverage, revised, hidden, rule)


def hidden_expr(figures: pl.DataFrame) -> pl.Expr:
    """`figure_state`'s `hidden` as a column expression over `figures`: suppressed, withheld,
    or erased with no value left (a frame without the `erased` list has none)."""
    hidden = pl.col("suppressed") | pl.col("withheld")
    if "erased" not in figures.columns:
        return hidden
    erased = pl.col("erased").list.len().fill_null(0) > 0
    return hidden | (erased & pl.col("value").is_null())


def with_states(figures: pl.DataFrame, partner_names: Mapping[str, str]) -> pl.DataFrame:
    """`figures` with `state`, `shown`, `mark` and `state_note` columns."""
    states = [
        figure_state(row, row["unit"], partner_names) for row in figures.iter_rows(named=True)
    ]
    return figures.with_columns(
        pl.Series("state", [s.state for s in states], dtype=pl.String),
        pl.Series("shown", [s.shown for s in states], dtype=pl.String),
        pl.Series("mark", [s.mark for s in states], dtype=pl.String),
        pl.Series("state_note", [s.note for s in states], dtype=pl.String),
    )


def trend_points(
    rows: pl.DataFrame, unit: str, partner_names: Mapping[str, str], *, area: str | None = None
) -> pl.DataFrame:
    """One point per month of one series: `period`, `value` (null where hidden), `state`,
    `mark`, `shown` and `state_note`; with `area` when it is given. A hidden month keeps its
    point, so a chart can mark it and its table say why."""
    states = [figure_state(row, unit, partner_names) for row in rows.iter_rows(named=True)]
    columns: dict[str, Any] = {
        "period": rows["period"].to_list(),
        "value": [None if s.hidden else v for s, v in zip(states, rows["value"], strict=True)],
        "state": [s.state for s in states],
        "mark": [s.mark for s in states],
        "shown": [s.shown for s in states],
        "state_note": [s.note for s in states],
    }
    schema: dict[str, Any] = dict.fromkeys(columns, pl.String) | {"value": pl.Float64}
    if area is not None:
        columns = {"area": [area] * rows.height, **columns}
        schema = {"area": pl.String, **schema}
    return pl.DataFrame(columns, schema=schema)


def reproduction_caveat(as_at: datetime, erased: Sequence[Erasure]) -> str | None:
    """Why figures as at `as_at` can no longer be made exactly as they were: the data of
    submissions known then was `erased` since (each an erasure made after `as_at`); None when
    nothing was."""
    if not erased:
        return None
    rules = sorted({e.under for e in erased}, reverse=True)
    count = f"{len(erased)} submission{'s' if len(erased) != 1 else ''}"
    return (
        f"These figures can no longer be reproduced exactly as they stood at "
        f"{as_at:%d %b %Y %H:%M} UTC: the data of {count} known then was erased since "
        f"({' and '.join(rules)}); the months concerned are marked 'data erased'."
    )
