"""The common picture as the page shows it: outcome cards and what changed since a meeting.

Takes the figures frame of `outcomes.compute_outcomes` (one row per outcome, area or the whole
partnership (area_code null), and month) and shapes it for reading: a card per outcome with its
value, target, RAG word, change and coverage, and what changed since a date. The Explore page's
frames are in `exploration`. Pure Polars, no UI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.period import Period
from shared_outcomes.present.states import figure_state, hidden_expr, trend_points
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


#: What changed since a meeting, in the order a board reads it.
CHANGE_ORDER = (
    "✖ Newly off track",
    "✔ Back on track",
    "Revised",
    "Data now in",
    "Data still missing",
    "New figures",
)


def default_meeting_day(figures: pl.DataFrame) -> date | None:
    """The day to compare with when no meeting date is given: the last day of the latest
    figures' month, before any of that month's data were due. It follows the figures, not the
    newest upload, so a late or test upload never moves it."""
    latest = latest_period(figures)
    if latest is None:
        return None
    return Period.parse(latest).next().first_day - timedelta(days=1)


def changes_since(
    before: pl.DataFrame,
    now: pl.DataFrame,
    definitions: Mapping[str, OutcomeDefinition],
    partner_names: Mapping[str, str],
) -> pl.DataFrame:
    """What changed in the partnership-wide figures since a meeting, board-first, one line
    per change: newly off track, back on track, revised (from what to what), data now in, data
    still missing (and whose), then the new months of figures grouped per outcome.

    `before` is the picture as it stood at the meeting (`compute_outcomes(..., as_at=...)`),
    `now` the current one. A figure is listed once: a new month that is off track is listed as
    newly off track, not also as a new figure.
    """
    old = _partnership_rows(before).sort("outcome", "period")
    new = _partnership_rows(now).sort("outcome", "period")
    changed = _changed_months(old, new).partition_by("outcome", as_dict=True)
    last_rows = {r["outcome"]: r for r in new.group_by("outcome").last().iter_rows(named=True)}
    shown_then = old.drop_nulls("status").group_by("outcome").agg(pl.col("status").last())
    status_then = dict(shown_then.iter_rows())
    out: list[dict[str, str]] = []
    for d in sorted_definitions(definitions):
        if d.id in last_rows:
            months = changed.get((d.id,))
            rows = [] if months is None else months.to_dicts()
            out.extend(
                _outcome_changes(d, last_rows[d.id], status_then.get(d.id), rows, partner_names)
            )
    rank = {kind: i for i, kind in enumerate(CHANGE_ORDER)}
    out.sort(key=lambda c: rank[c["Change"]])
    return pl.DataFrame(
        out,
        schema={"Outcome": pl.String, "Month": pl.String, "Change": pl.String, "Figure": pl.String},
    )


def _changed_months(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """The months of every outcome that changed since the meeting, in one join, with
    `__change`: Revised (`__old_value` the number then), Data now in, or New figures."""
    waiting = pl.col("missing").list.len().fill_null(0) > 0
    months = new.with_columns(__hidden=hidden_expr(new), __waiting=waiting).join(
        old.select(
            "outcome", "period", __old_value="value", __old_hidden=hidden_expr(old),
            __old_waiting=waiting, __was=pl.lit(True),
        ),
        on=["outcome", "period"], how="left", maintain_order="left",
    )  # fmt: skip
    shown = pl.col("__was").fill_null(False) & ~pl.col("__hidden") & ~pl.col("__old_hidden")
    both = pl.col("value").is_not_null() & pl.col("__old_value").is_not_null()
    revised = both & ((pl.col("value") - pl.col("__old_value")).abs() > 1e-9)
    now_in = pl.col("__old_waiting") & ~pl.col("__waiting")
    # New: a month that had no figure at the meeting (not a month yet, or not submitted then).
    fresh = (pl.col("__was").is_null() & ~pl.col("__hidden")) | (
        shown & pl.col("__old_value").is_null() & pl.col("value").is_not_null()
    )
    return months.with_columns(
        __change=pl.when(shown & revised)
        .then(pl.lit("Revised"))
        .when(shown & now_in)
        .then(pl.lit("Data now in"))
        .when(fresh)
        .then(pl.lit("New figures"))
    ).filter(pl.col("__change").is_not_null())


def _outcome_changes(
    d: OutcomeDefinition,
    last: dict[str, Any],
    status_then: str | None,
    months: list[dict[str, Any]],
    names: Mapping[str, str],
) -> list[dict[str, str]]:
    """One outcome's lines, from its latest figure, its last status shown at the meeting and
    its months that changed (`_changed_months`, in month order)."""
    out: list[dict[str, str]] = []
    last_state = figure_state(last, d.unit, names)
    was = rag_style(status_then).word
    now_word = rag_style(None if last_state.hidden else last["status"]).word
    listed: set[str] = set()
    if now_word == "Off track" and was != "Off track":
        out.append(_change(d, last["period"], "✖ Newly off track", last_state.shown))
        listed.add(last["period"])
    elif now_word == "On track" and was in ("Off track", "Near target"):
        out.append(_change(d, last["period"], "✔ Back on track", last_state.shown))
        listed.add(last["period"])
    new_months: list[str] = []
    for row in months:
        period, change = row["period"], row["__change"]
        if change == "New figures":
            if period not in listed:
                new_months.append(period)
            continue
        state = figure_state(row, d.unit, names)
        if change == "Revised":  # both shown as numbers: the earlier one as `figure_state` would
            was_shown = format_value(row["__old_value"], d.unit)
            out.append(_change(d, period, "Revised", f"{was_shown} → {state.shown}"))
        else:
            out.append(_change(d, period, "Data now in", state.coverage))
    if last["missing"]:
        out.append(_change(d, last["period"], "Data still missing", last_state.coverage))
    if new_months:
        first, end = new_months[0], new_months[-1]
        span = month_label(first) + ("" if first == end else f" to {month_label(end)}")
        count = f"{len(new_months)} month{'s' if len(new_months) > 1 else ''}"
        out.append({"Outcome": d.title, "Month": span, "Change": "New figures", "Figure": count})
    return out


def _change(d: OutcomeDefinition, period: str, change: str, figure: str) -> dict[str, str]:
    return {"Outcome": d.title, "Month": month_label(period), "Change": change, "Figure": figure}


def changes_summary(changes: pl.DataFrame, since: str) -> str:
    """'Since 31 October 2017: 1 newly off track, 2 revised, …' in the board's order."""
    if changes.height == 0:
        return f"Nothing has changed since {since}."
    counts = dict(changes.group_by("Change").len().iter_rows())
    words = {
        "✖ Newly off track": "newly off track",
        "✔ Back on track": "back on track",
        "Revised": "revised",
        "Data now in": "now complete",
        "Data still missing": "still waiting for data",
        "New figures": "with new months of figures",
    }
    parts = [f"{counts[kind]} {words[kind]}" for kind in CHANGE_ORDER if kind in counts]
    return f"Since {since}: " + ", ".join(parts) + "."
