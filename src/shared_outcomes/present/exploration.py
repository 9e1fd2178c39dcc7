"""Explore, as the page shows it: the frames behind its charts, their summaries, downloads, SQL.

From the figures frame of `outcomes.compute_outcomes`: one outcome's trend by area, the areas
compared for a month, each partner's share, each with its one-sentence summary and a table for
people; the figures as a flat export; and the SQL the outcome is computed with. Pure Polars.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.present.picture import WHOLE_PARTNERSHIP, month_label
from shared_outcomes.present.views import format_value, rag_style


def area_options(areas: Mapping[str, str]) -> dict[str, str]:
    """Choices for the area filter: 'all' for the whole partnership, then ONS code → name."""
    return {"all": WHOLE_PARTNERSHIP, **dict(sorted(areas.items(), key=lambda item: item[1]))}


def trend_frame(
    figures: pl.DataFrame, outcome: str, area_codes: Sequence[str], areas: Mapping[str, str]
) -> pl.DataFrame:
    """`period`, `area` (name), `value` for the chosen areas ('all' = the whole partnership)."""
    mine = figures.filter(pl.col("outcome") == outcome)
    wanted = [c for c in area_codes if c != "all"]
    keep = pl.col("area_code").is_in(wanted)
    if "all" in area_codes:
        keep = keep | pl.col("area_code").is_null()
    return (
        mine.filter(keep & pl.col("value").is_not_null())
        .select(
            "period",
            pl.col("area_code")
            .replace_strict(areas, default=pl.col("area_code"))
            .fill_null(WHOLE_PARTNERSHIP)
            .alias("area"),
            "value",
        )
        .sort("area", "period")
    )


def areas_frame(
    figures: pl.DataFrame, outcome: str, period: str, areas: Mapping[str, str]
) -> pl.DataFrame:
    """One row per area for a month: `area`, `value`, `status_label`, `status_colour`."""
    rows = figures.filter(
        (pl.col("outcome") == outcome)
        & (pl.col("period") == period)
        & pl.col("area_code").is_not_null()
        & pl.col("value").is_not_null()
    )
    styles = [rag_style(s) for s in rows["status"].to_list()]
    return pl.DataFrame(
        {
            "area": [areas.get(c, c) for c in rows["area_code"].to_list()],
            "value": rows["value"].to_list(),
            "status_label": [s.label for s in styles],
            "status_colour": [s.colour for s in styles],
        },
        schema={
            "area": pl.String,
            "value": pl.Float64,
            "status_label": pl.String,
            "status_colour": pl.String,
        },
    ).sort("value", descending=True)


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
    """'Whole partnership: 1.10 per 1,000 in Apr 2015 to 1.23 per 1,000 in Mar 2016 (target …).'"""
    if trend.height == 0:
        return "No figures to show for this choice."
    parts = []
    for (area,), rows in trend.sort("period").group_by("area", maintain_order=True):
        first, last = rows.row(0, named=True), rows.row(-1, named=True)
        parts.append(
            f"{area}: {format_value(first['value'], unit)} in {month_label(first['period'])} to "
            f"{format_value(last['value'], unit)} in {month_label(last['period'])}"
        )
    tail = f" Target: {format_value(target, unit)}." if target is not None else ""
    return "; ".join(parts) + "." + tail


def areas_summary(frame: pl.DataFrame, unit: str, period: str) -> str:
    if frame.height == 0:
        return f"No area figures for {month_label(period)} (suppressed or not yet submitted)."
    top, bottom = frame.row(0, named=True), frame.row(-1, named=True)
    on_track = sum(1 for label in frame["status_label"] if "On track" in label)
    return (
        f"In {month_label(period)}, {top['area']} was highest ({format_value(top['value'], unit)}) "
        f"and {bottom['area']} lowest ({format_value(bottom['value'], unit)}); "
        f"{on_track} of {frame.height} areas on track."
    )


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


def export_frame(figures: pl.DataFrame, outcome: str, areas: Mapping[str, str]) -> pl.DataFrame:
    """The figures of one outcome for download: flat columns, coverage as text, as suppressed."""
    return (
        figures.filter(pl.col("outcome") == outcome)
        .with_columns(
            pl.col("area_code")
            .replace_strict(areas, default=pl.col("area_code"))
            .fill_null(WHOLE_PARTNERSHIP)
            .alias("area_name"),
            *(
                pl.col(c).list.join("; ")
                for c in ("expected", "submitted", "missing", "missing_due")
            ),
        )
        .drop("contributions")
        .sort("period", "area_code", nulls_last=False)
    )


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
    """A chart's frame as a table for people: months named, values with units, shares in %."""
    columns: dict[str, list[str]] = {}
    names = {"period": "Month", "area": "Area", "partner": "Partner", "value": "Figure"}
    names |= {"status_label": "Status", "share": "Share of the numerator"}
    for name in frame.columns:
        values = frame[name].to_list()
        if name == "period":
            columns[names[name]] = [month_label(v) for v in values]
        elif name == "value":
            columns[names[name]] = [format_value(v, unit) for v in values]
        elif name == "share":
            columns[names[name]] = [f"{v:.1%}" for v in values]
        elif name in names:
            columns[names[name]] = [str(v) for v in values]
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
