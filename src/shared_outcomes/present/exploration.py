"""Explore, as the page shows it: the frames behind its charts, their summaries, downloads, SQL.

From the figures frame of `outcomes.compute_outcomes`: one outcome's trend by area, the areas
compared for a month, each partner's share, each with its one-sentence summary and a table for
people; the figures as a flat export; and the SQL the outcome is computed with. Pure Polars.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.figures.figure_rules import COVERAGE_LISTS
from shared_outcomes.present.charts import WHOLE_PARTNERSHIP
from shared_outcomes.present.picture import month_label
from shared_outcomes.present.states import figure_state, trend_points, with_states
from shared_outcomes.present.views import (
    COUNT_DECIMALS,
    EXPORT_DECIMALS,
    format_value,
    hidden_style,
    rag_style,
)


def area_options(areas: Mapping[str, str]) -> dict[str, str]:
    """Choices for the area filter: 'all' for the whole partnership, then ONS code → name."""
    return {"all": WHOLE_PARTNERSHIP, **dict(sorted(areas.items(), key=lambda item: item[1]))}


def trend_frame(
    figures: pl.DataFrame,
    outcome: str,
    area_codes: Sequence[str],
    areas: Mapping[str, str],
    partner_names: Mapping[str, str],
) -> pl.DataFrame:
    """One point per chosen area ('all' = the whole partnership) and month: `area`, `period`,
    `value` (null where hidden) and the state columns of `states.trend_points`."""
    mine = figures.filter(pl.col("outcome") == outcome).sort("period")
    series = []
    for code in area_codes:
        rows = mine.filter(
            pl.col("area_code").is_null() if code == "all" else pl.col("area_code") == code
        )
        if rows.height:
            name = WHOLE_PARTNERSHIP if code == "all" else areas.get(code, code)
            series.append(trend_points(rows, rows["unit"][0], partner_names, area=name))
    if not series:
        return trend_points(mine.head(0), "count", partner_names, area="")
    return pl.concat(series).sort("area", "period")


def areas_frame(
    figures: pl.DataFrame,
    outcome: str,
    period: str,
    areas: Mapping[str, str],
    partner_names: Mapping[str, str],
) -> pl.DataFrame:
    """One row per area for a month, hidden ones included: `area`, `value` (null where hidden),
    `shown`, `status_label`, `status_colour`, `mark`, `state_note`; highest first, hidden last."""
    rows = figures.filter(
        (pl.col("outcome") == outcome)
        & (pl.col("period") == period)
        & pl.col("area_code").is_not_null()
    )
    states = [figure_state(row, row["unit"], partner_names) for row in rows.iter_rows(named=True)]
    styles = [
        hidden_style(s.state)
        if s.hidden
        else hidden_style("missing")
        if value is None
        else rag_style(status)
        for s, status, value in zip(
            states, rows["status"].to_list(), rows["value"].to_list(), strict=True
        )
    ]
    return pl.DataFrame(
        {
            "area": [areas.get(c, c) for c in rows["area_code"].to_list()],
            "value": [None if s.hidden else v for s, v in zip(states, rows["value"], strict=True)],
            "shown": [s.shown for s in states],
            "status_label": [s.label for s in styles],
            "status_colour": [s.colour for s in styles],
            "mark": [s.mark for s in states],
            "state_note": [s.note for s in states],
        },
        schema={
            "area": pl.String,
            "value": pl.Float64,
            "shown": pl.String,
            "status_label": pl.String,
            "status_colour": pl.String,
            "mark": pl.String,
            "state_note": pl.String,
        },
    ).sort("value", "area", descending=[True, False], nulls_last=True)


def contributions_frame(
    figures: pl.DataFrame, outcome: str, period: str, partner_names: Mapping[str, str]
) -> pl.DataFrame:
    """Each partner's share of the partnership-wide numerator for a month (suppressed ones out)."""
    row = figures.filter(
        (pl.col("outcome") == outcome)
        & (pl.col("period") == period)
        & pl.col("area_code").is_null()
    )
    empty = pl.DataFrame(schema={"partner": pl.String, "share": pl.Float64})
    if row.height == 0 or row["contributions"][0] is None:
        return empty
    parts = [c for c in row["contributions"][0] if not c["suppressed"] and c["share"] is not None]
    if not parts:
        return empty
    return pl.DataFrame(
        {
            "partner": [partner_names.get(c["partner_id"], c["partner_id"]) for c in parts],
            "share": [c["share"] for c in parts],
        }
    ).sort("share", descending=True)


def trend_summary(trend: pl.DataFrame, unit: str, target: float | None) -> str:
    """'Whole partnership: 1.10 per 1,000 in Apr 2015 to 1.23 per 1,000 in Mar 2016
    (provisional); 2 months suppressed: small numbers. Target …'."""
    if trend.height == 0:
        return "No figures to show for this choice."
    parts = []
    for (area,), rows in trend.sort("period").group_by("area", maintain_order=True):
        visible = rows.filter(pl.col("value").is_not_null())
        if visible.height == 0:
            parts.append(f"{area}: every month hidden ({_hidden_counts(rows)})")
            continue
        first, last = visible.row(0, named=True), visible.row(-1, named=True)
        latest = rows.row(-1, named=True)
        tail = "" if latest["state"] == "complete" else f" ({latest['mark'].lower()})"
        hidden = _hidden_counts(rows)
        parts.append(
            f"{area}: {format_value(first['value'], unit)} in {month_label(first['period'])} to "
            f"{format_value(last['value'], unit)} in {month_label(last['period'])}{tail}"
            + (f"; {hidden}" if hidden else "")
        )
    tail = f" Target: {format_value(target, unit)}." if target is not None else ""
    return "; ".join(parts) + "." + tail


def _hidden_counts(rows: pl.DataFrame) -> str:
    """'2 months suppressed: small number, 1 withheld' for the hidden points of a series."""
    words = []
    for state, word in (("suppressed", "suppressed: small number"), ("withheld", "withheld")):
        n = rows.filter(pl.col("state") == state).height
        if n:
            words.append(f"{n} month{'s' if n > 1 else ''} {word}")
    return ", ".join(words)


def areas_summary(frame: pl.DataFrame, unit: str, period: str) -> str:
    """Highest, lowest, 'n of N areas on track', and which areas are hidden and why."""
    if frame.height == 0:
        return f"No area figures for {month_label(period)}: not yet submitted."
    visible = frame.filter(pl.col("value").is_not_null())
    on_track = sum(1 for label in frame["status_label"] if "On track" in label)
    parts = []
    if visible.height == 1:
        only = visible.row(0, named=True)
        parts.append(
            f"In {month_label(period)}, {only['area']}: {format_value(only['value'], unit)}"
        )
    elif visible.height:
        top, bottom = visible.row(0, named=True), visible.row(-1, named=True)
        parts.append(
            f"In {month_label(period)}, {top['area']} was highest "
            f"({format_value(top['value'], unit)}) and {bottom['area']} lowest "
            f"({format_value(bottom['value'], unit)})"
        )
    else:
        parts.append(f"In {month_label(period)}, no area's figure can be shown")
    parts.append(f"{on_track} of {frame.height} areas on track")
    for state, word in (("suppressed", "suppressed: small number"), ("withheld", "withheld")):
        names = [
            r["area"] for r in frame.iter_rows(named=True) if r["mark"].lower().startswith(state)
        ]
        if names:
            parts.append(f"{_and(names)} {word}")
    provisional = frame.filter(pl.col("mark").str.starts_with("Provisional")).height
    if provisional:
        parts.append(f"{provisional} of {frame.height} areas provisional")
    return "; ".join(parts) + "."


def month_status(
    figures: pl.DataFrame, outcome: str, period: str, partner_names: Mapping[str, str]
) -> str:
    """The whole partnership's figure for a month and its state: 'Whole partnership, Oct 2017:
    1.23 per 1,000. Provisional: waiting for Tameside Council (due 10 Nov 2017).'"""
    rows = figures.filter(
        (pl.col("outcome") == outcome)
        & (pl.col("period") == period)
        & pl.col("area_code").is_null()
    )
    if rows.height == 0:
        return f"{WHOLE_PARTNERSHIP}, {month_label(period)}: no figure yet."
    row = rows.row(0, named=True)
    state = figure_state(row, row["unit"], partner_names)
    return f"{WHOLE_PARTNERSHIP}, {month_label(period)}: {state.shown}. {state.note}"


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def contributions_summary(
    frame: pl.DataFrame, period: str, contributors: Sequence[str] = ()
) -> str:
    """One sentence on who contributed most; `contributors` names the partners feeding it."""
    if frame.height == 0:
        if len(contributors) == 1:
            return (
                f"Only {contributors[0]}'s data feeds this outcome, so there is nothing to split."
            )
        return (
            f"No partner contributions to show for {month_label(period)} (not yet submitted, "
            "or suppressed because the numbers are small)."
        )
    top = frame.row(0, named=True)
    return (
        f"In {month_label(period)}, {frame.height} partners contributed; {top['partner']} the "
        f"largest share ({top['share']:.0%})."
    )


def export_frame(
    figures: pl.DataFrame, outcome: str, areas: Mapping[str, str], partner_names: Mapping[str, str]
) -> pl.DataFrame:
    """The figures of one outcome for download: flat columns, coverage as text, each figure's
    state in words (`state`, `state_note`), numbers rounded to the unit's precision
    (`views.EXPORT_DECIMALS`), hidden numbers empty."""
    mine = figures.filter(pl.col("outcome") == outcome)
    if mine.height == 0:
        return mine.drop("contributions")
    decimals = EXPORT_DECIMALS.get(mine["unit"][0], 3)
    return (
        with_states(mine, partner_names)
        .with_columns(
            pl.col("area_code")
            .replace_strict(areas, default=pl.col("area_code"))
            .fill_null(WHOLE_PARTNERSHIP)
            .alias("area_name"),
            *(pl.col(c).list.join("; ") for c in COVERAGE_LISTS if c in mine.columns),
            *(pl.col(c).round(decimals) for c in _VALUES),
            *(pl.col(c).round(COUNT_DECIMALS) for c in _COUNTS),
        )
        .drop("contributions", "shown", "mark")
        .sort("period", "area_code", nulls_last=False)
    )


#: Columns in the unit of the outcome, and the sums behind them.
_VALUES = ("value", "target", "change_month", "change_year", "revised_from", "revised_to")
_COUNTS = ("numerator", "denominator")


def definition_sql(definition: OutcomeDefinition) -> str:
    """The SQL behind an outcome: which submissions count, then each measure over the aggregates.

    These are the statements `outcomes.compute_outcomes` runs (from `measures`); the values it
    binds as parameters are listed under each, so an analyst can rerun them in a notebook.
    """
    from shared_outcomes.warehouse.measure_queries import measures_sql, versions_sql

    sql, params = versions_sql(list(definition.datasets), None)
    parts = [
        "-- the current and the previous version of each partner's extract per month\n"
        f"{sql};\n-- bound parameters, in order: {', '.join(repr(p) for p in params)}"
    ]
    for role, measure in (
        ("numerator", definition.numerator),
        ("denominator", definition.denominator),
    ):
        if measure is None:
            continue
        if measure.source == "reference":
            parts.append(
                f"-- {role}: column {measure.column} of the reference table {measure.name}, "
                f"by {measure.area_column}"
            )
            continue
        sql, params = measures_sql(measure.name, measure.area_column, [measure], [0])
        filters = ", ".join(repr(p) for p in params[:-3]) or "none"
        parts.append(
            f"-- {role}, per submission and area\n{sql};\n-- bound parameters: the filter "
            f"values ({filters}), then the lowest, highest and list of the submission ids above"
        )
    return "\n\n".join(parts)


def readable(frame: pl.DataFrame, unit: str) -> pl.DataFrame:
    """A chart's frame as a table for people: months named, values with units (or what hides
    them), shares in %, each figure's state and what is said about it."""
    columns: dict[str, list[str]] = {}
    names = {"period": "Month", "area": "Area", "partner": "Partner", "value": "Figure"}
    names |= {"status_label": "Status", "share": "Share of the numerator", "mark": "State"}
    names |= {"state_note": "Coverage and notes"}
    for name in frame.columns:
        values = frame[name].to_list()
        if name == "period":
            columns[names[name]] = [month_label(v) for v in values]
        elif name == "value":
            shown = frame["shown"].to_list() if "shown" in frame.columns else None
            columns[names[name]] = shown or [format_value(v, unit) for v in values]
        elif name == "share":
            columns[names[name]] = [f"{v:.1%}" for v in values]
        elif name in names:
            columns[names[name]] = [str(v) for v in values]
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
