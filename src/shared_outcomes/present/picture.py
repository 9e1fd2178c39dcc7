"""The common picture as the page shows it: outcome cards and what changed since a meeting.

Takes the figures frame of `outcomes.compute_outcomes` (one row per outcome, area or the whole
partnership (area_code null), and month) and shapes it for reading: a card per outcome with its
value, target, RAG word, change and coverage, and what changed since a date. The Explore page's
frames are in `exploration`. Pure Polars, no UI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.period import Period
from shared_outcomes.present.states import figure_state, trend_points
from shared_outcomes.present.views import (
    RagStyle,
    format_change,
    format_value,
    problem_title,
    rag_style,
    sorted_definitions,
)

TREND_MONTHS = 12


def month_label(period: str) -> str:
    """'2016-03' → 'Mar 2016' (`Period.label`)."""
    return Period.parse(period).label


def day_label(iso_day: str) -> str:
    """'2017-11-10' → '10 Nov 2017'."""
    year, month, day = iso_day.split("-")
    return f"{int(day)} {month_label(f'{year}-{month}')}"


def _partnership_rows(figures: pl.DataFrame) -> pl.DataFrame:
    return figures.filter(pl.col("area_code").is_null())


def _names(ids: Sequence[str] | None, names: Mapping[str, str]) -> list[str]:
    return [names.get(i, i) for i in (ids or [])]


@dataclass(frozen=True)
class Card:
    """One shared outcome on the common picture."""

    outcome: str
    title: str
    unit: str
    period: str | None
    value: str
    target: str
    rag: RagStyle
    change: str
    coverage: str
    complete: bool
    revised: str | None
    trend: pl.DataFrame  # the partnership-wide figure by month (`states.trend_points`)
    target_value: float | None

    @property
    def trend_table(self) -> pl.DataFrame:
        """The sparkline's figures as people read them: month, value with its unit, state."""
        return pl.DataFrame(
            {
                "Month": [month_label(p) for p in self.trend["period"].to_list()],
                "Figure": self.trend["shown"].to_list(),
                "State": self.trend["mark"].to_list(),
            },
            schema={"Month": pl.String, "Figure": pl.String, "State": pl.String},
        )

    summary: str


def _card(
    d: OutcomeDefinition, rows: pl.DataFrame, period: str | None, names: Mapping[str, str]
) -> Card:
    mine = rows.filter((pl.col("outcome") == d.id) & pl.col("period").is_not_null()).sort("period")
    if period is not None:
        mine = mine.filter(pl.col("period") <= period)
    target = format_value(d.target.value, d.unit) if d.target else "no target set"
    if mine.height == 0:
        return Card(
            d.id,
            d.title,
            d.unit,
            None,
            "no data yet",
            target,
            rag_style(None),
            "—",
            "No partner has submitted data for this outcome yet.",
            False,
            None,
            trend_points(mine, d.unit, names),
            d.target.value if d.target else None,
            f"{d.title}: no data yet.",
        )
    row: dict[str, Any] = mine.row(-1, named=True)
    state = figure_state(row, d.unit, names)
    hidden = state.hidden
    value, coverage, revised = state.shown, state.coverage, state.revised
    missing = row["missing"]
    rag = rag_style(None if hidden else row["status"])
    trend = trend_points(mine.tail(TREND_MONTHS), d.unit, names)
    change = format_change(None if hidden else row["change_month"], d.unit)
    summary = (
        f"{d.title}, {month_label(row['period'])}: {value}; target {target}; {rag.word.lower()}; "
        f"change since the month before: {change}."
    )
    return Card(
        outcome=d.id,
        title=d.title,
        unit=d.unit,
        period=row["period"],
        value=value,
        target=target,
        rag=rag,
        change=change,
        coverage=coverage,
        complete=not missing,
        revised=revised,
        trend=trend,
        target_value=d.target.value if d.target else None,
        summary=summary,
    )


def outcome_cards(
    figures: pl.DataFrame,
    definitions: Mapping[str, OutcomeDefinition],
    partner_names: Mapping[str, str],
    period: str | None = None,
) -> dict[str, list[Card]]:
    """Cards grouped by shared problem (standard order), each at its latest month ≤ period."""
    rows = _partnership_rows(figures)
    groups: dict[str, list[Card]] = {}
    for d in sorted_definitions(definitions):
        groups.setdefault(problem_title(d.problem), []).append(
            _card(d, rows, period, partner_names)
        )
    return groups


def latest_period(figures: pl.DataFrame) -> str | None:
    periods = figures["period"].drop_nulls()
    return None if periods.is_empty() else str(periods.max())


def changes_since(
    before: pl.DataFrame,
    now: pl.DataFrame,
    definitions: Mapping[str, OutcomeDefinition],
) -> pl.DataFrame:
    """What changed between two states of the picture: new months, revisions, newly off track.

    `before` is the picture as it stood at the meeting (`compute_outcomes(..., as_at=...)`),
    `now` the current one; both partnership-wide rows are compared.
    """
    out: list[dict[str, str]] = []
    old, new = _partnership_rows(before), _partnership_rows(now)
    for d in sorted_definitions(definitions):
        o = old.filter(pl.col("outcome") == d.id).select("period", "value", "status", "suppressed")
        n = new.filter(pl.col("outcome") == d.id).select("period", "value", "status", "suppressed")
        both = n.join(o, on="period", how="left", suffix="_before").sort("period")
        for row in both.iter_rows(named=True):
            if row["suppressed"] or row["value"] is None:
                continue
            label = month_label(row["period"])
            if row["value_before"] is None:
                out.append(_change(d, label, "New figure", format_value(row["value"], d.unit)))
            elif abs(row["value"] - row["value_before"]) > 1e-9:
                text = (
                    f"{format_value(row['value_before'], d.unit)} → "
                    f"{format_value(row['value'], d.unit)}"
                )
                out.append(_change(d, label, "Revised", text))
        if both.height:
            # Newly off track: off track now, and not in the latest figure known at the meeting.
            last = both.row(-1, named=True)
            known = o.filter(pl.col("status").is_not_null()).sort("period")
            was = known["status"][-1] if known.height else None
            if rag_style(last["status"]).word == "Off track" and (
                rag_style(was).word != "Off track"
            ):
                out.append(
                    _change(
                        d,
                        month_label(last["period"]),
                        "✖ Newly off track",
                        format_value(last["value"], d.unit),
                    )
                )
    return pl.DataFrame(
        out,
        schema={"Outcome": pl.String, "Month": pl.String, "Change": pl.String, "Figure": pl.String},
    )


def _change(d: OutcomeDefinition, month: str, change: str, figure: str) -> dict[str, str]:
    return {"Outcome": d.title, "Month": month, "Change": change, "Figure": figure}


def changes_summary(changes: pl.DataFrame, since: str) -> str:
    if changes.height == 0:
        return f"Nothing has changed since {since}."
    counts = dict(changes.group_by("Change").len().iter_rows())
    words = {
        "New figure": "new figures",
        "Revised": "revised",
        "✖ Newly off track": "newly off track",
    }
    parts = [f"{n} {words.get(kind, kind.lower())}" for kind, n in sorted(counts.items())]
    return f"Since {since}: " + ", ".join(parts) + "."
