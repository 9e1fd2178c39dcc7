"""Figures: area measures turned into the shared figures a viewer may see.

Input: one row per area and month with the numerator and denominator (current, and before the
latest revision) and the coverage lists. This module adds the partnership-wide row (summed
numerators and denominators over the areas that have both: never an average of rates), withholds
incomplete figures where the definition says so, applies disclosure control for viewers who may
not see small counts, scales the value per unit, sets the target and RAG status, the changes
since the previous month and a year earlier, the revision (from, to) and each partner's
contribution to the numerator. Everything is vectorised Polars; the order of the steps matters
(changes and revisions are computed from what the viewer sees, so hidden numbers cannot leak
through a difference).
"""

from __future__ import annotations

import polars as pl

from shared_outcomes.definitions import OutcomeDefinition, PartnershipLike
from shared_outcomes.disclosure import is_small, suppression_mask

ALL_AREAS = "\x00all"  # the partnership-wide row's key inside the computation (null outside)
WHOLE_PARTNERSHIP = "Whole partnership"

CONTRIBUTION = pl.Struct(
    {
        "partner_id": pl.String,
        "numerator": pl.Float64,
        "share": pl.Float64,
        "suppressed": pl.Boolean,
    }
)
FIGURE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "outcome": pl.String,
    "title": pl.String,
    "unit": pl.String,
    "direction": pl.String,
    "area_code": pl.String,
    "area_name": pl.String,
    "period": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "target": pl.Float64,
    "status": pl.String,
    "change_month": pl.Float64,
    "change_year": pl.Float64,
    "expected": pl.List(pl.String),
    "submitted": pl.List(pl.String),
    "missing": pl.List(pl.String),
    "missing_due": pl.List(pl.String),
    "provisional": pl.Boolean,
    "withheld": pl.Boolean,
    "suppressed": pl.Boolean,
    "revised": pl.Boolean,
    "revised_from": pl.Float64,
    "revised_to": pl.Float64,
    "contributions": pl.List(CONTRIBUTION),
}
_LISTS = ("expected", "submitted", "missing", "missing_due")


def finish_figures(
    d: OutcomeDefinition,
    areas: pl.DataFrame,
    total_coverage: pl.DataFrame,
    parts: pl.DataFrame | None,
    partnership: PartnershipLike,
    *,
    private: bool,
) -> pl.DataFrame:
    """From per-area measures and coverage to the figures (see the module docstring)."""
    uses_den = d.denominator is not None and d.unit != "count"
    frame = _with_totals(areas, total_coverage, uses_den)
    frame = frame.with_columns(
        [pl.col(c).fill_null(pl.lit([], pl.List(pl.String))) for c in _LISTS]
    ).with_columns(provisional=pl.col("missing").list.len() > 0)
    frame = frame.with_columns(
        withheld=pl.col("provisional") & (d.incomplete == "withhold"),
        __key=pl.col("area_code").fill_null(ALL_AREAS),
    )
    frame = frame.with_columns(
        num_supp=_mask(frame, "num", d.threshold) if private and d.numerator.is_count else False,
        den_supp=_mask(frame, "den", d.threshold) if private and _counted_den(d) else False,
    )
    hidden_num = pl.col("withheld") | pl.col("num_supp")
    raw_value = _scaled(d, pl.col("num"), pl.col("den"), uses_den)
    frame = frame.with_columns(
        numerator=pl.when(hidden_num).then(None).otherwise(pl.col("num")),
        denominator=pl.when(pl.col("den_supp")).then(None).otherwise(pl.col("den")),
        value=pl.when(hidden_num | pl.col("den_supp")).then(None).otherwise(raw_value),
        suppressed=pl.col("num_supp") | pl.col("den_supp"),
        __prev_value=_scaled(d, pl.col("num_prev"), pl.col("den_prev"), uses_den),
    )
    frame = _targets_and_changes(d, frame)
    frame = _revisions(d, frame, private, uses_den)
    frame = _contributions(frame, parts, d.threshold, private)
    names = partnership.areas
    return (
        frame.with_columns(
            outcome=pl.lit(d.id),
            title=pl.lit(d.title),
            unit=pl.lit(d.unit),
            direction=pl.lit(d.direction),
            area_code=pl.when(pl.col("__key") == ALL_AREAS).then(None).otherwise(pl.col("__key")),
            area_name=pl.col("__key").replace_strict(
                {**names, ALL_AREAS: WHOLE_PARTNERSHIP},
                default=pl.col("__key"),
                return_dtype=pl.String,
            ),
        )
        .sort("period", pl.col("__key") == ALL_AREAS, "__key")
        .select(list(FIGURE_SCHEMA))
    )


def _counted_den(d: OutcomeDefinition) -> bool:
    return (
        d.denominator is not None and d.denominator.source == "dataset" and d.denominator.is_count
    )


def _scaled(d: OutcomeDefinition, num: pl.Expr, den: pl.Expr, uses_den: bool) -> pl.Expr:
    if not uses_den:
        return num
    return pl.when(den > 0).then(num * d.scale / den).otherwise(None)


def _with_totals(areas: pl.DataFrame, coverage: pl.DataFrame, uses_den: bool) -> pl.DataFrame:
    """Append one partnership-wide row per month, summed over the areas that have the data."""

    def in_total(suffix: str) -> pl.Expr:
        has = pl.col("num" + suffix).is_not_null()
        return has & pl.col("den" + suffix).is_not_null() if uses_den else has

    areas = areas.with_columns(in_total=in_total(""), __in_prev=in_total("_prev"))

    def summed(name: str, inside: str) -> pl.Expr:
        kept = pl.col(name).filter(pl.col(inside))
        return pl.when(kept.count() > 0).then(kept.sum()).otherwise(None).alias(name)

    totals = areas.group_by("period").agg(
        summed("num", "in_total"),
        summed("den", "in_total"),
        summed("num_prev", "__in_prev"),
        summed("den_prev", "__in_prev"),
    )
    totals = totals.join(coverage, on="period", how="left").with_columns(
        area_code=pl.lit(None, pl.String), in_total=pl.lit(True), __in_prev=pl.lit(True)
    )
    areas = areas.with_columns(is_total=pl.lit(False))
    return pl.concat(
        [areas, totals.with_columns(is_total=pl.lit(True))], how="diagonal_relaxed"
    ).drop("__in_prev")


def _mask(frame: pl.DataFrame, column: str, threshold: int) -> pl.Series:
    return suppression_mask(
        frame,
        value=column,
        group_by=["period"],
        is_total="is_total",
        threshold=threshold,
        order_by="__key",
        hidden="withheld",
        in_total="in_total",
    )


def _targets_and_changes(d: OutcomeDefinition, frame: pl.DataFrame) -> pl.DataFrame:
    target = d.target
    if target is None:
        frame = frame.with_columns(target=pl.lit(None, pl.Float64))
    else:
        frame = frame.with_columns(
            target=pl.when(pl.col("period") >= target.from_period)
            .then(pl.lit(target.value))
            .otherwise(None)
        )
    band = pl.col("target").abs() * d.tolerance
    value, goal = pl.col("value"), pl.col("target")
    if d.direction == "higher_is_better":
        green, amber = value >= goal, value >= goal - band
    else:
        green, amber = value <= goal, value <= goal + band
    status = (
        pl.when(green)
        .then(pl.lit("green"))
        .when(amber)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )
    # The grid holds every month for every area, so a shift within an area is a month back.
    frame = frame.sort("__key", "period")
    return frame.with_columns(
        status=pl.when(value.is_null() | goal.is_null()).then(None).otherwise(status),
        change_month=value - value.shift(1).over("__key"),
        change_year=value - value.shift(12).over("__key"),
    )


def _revisions(
    d: OutcomeDefinition, frame: pl.DataFrame, private: bool, uses_den: bool
) -> pl.DataFrame:
    revised = pl.col("num_prev").ne_missing(pl.col("num"))
    if uses_den:
        revised = revised | pl.col("den_prev").ne_missing(pl.col("den"))
    small_before = pl.lit(False)
    if private and d.numerator.is_count:
        small_before = small_before | is_small(pl.col("num_prev"), d.threshold)
    if private and _counted_den(d):
        small_before = small_before | is_small(pl.col("den_prev"), d.threshold)
    shown = pl.col("value").is_not_null() & ~small_before
    return frame.with_columns(
        revised=revised,
        revised_from=pl.when(revised & shown).then(pl.col("__prev_value")).otherwise(None),
        revised_to=pl.when(revised).then(pl.col("value")).otherwise(None),
    )


def _contributions(
    frame: pl.DataFrame, parts: pl.DataFrame | None, threshold: int, private: bool
) -> pl.DataFrame:
    """Each partner's part of the numerator, suppressed like any other table of counts."""
    if parts is None:
        return frame.with_columns(contributions=pl.lit(None, pl.List(CONTRIBUTION)))
    by_area = parts.group_by("partner_id", "area_code", "period").agg(pl.col("value").sum())
    whole = by_area.group_by("partner_id", "period").agg(pl.col("value").sum())
    cells = pl.concat(
        [by_area.rename({"area_code": "__key"}), whole.with_columns(__key=pl.lit(ALL_AREAS))],
        how="diagonal_relaxed",
    ).join(frame.select("__key", "period", "num"), on=["__key", "period"], how="inner")
    totals = frame.select(
        "__key",
        "period",
        partner_id=pl.lit(None, pl.String),
        value=pl.col("num"),
        num=pl.col("num"),
        is_total=pl.lit(True),
        hidden=pl.col("withheld") | pl.col("num_supp") | pl.col("num").is_null(),
    )
    table = pl.concat(
        [cells.with_columns(is_total=pl.lit(False), hidden=pl.lit(False)), totals],
        how="diagonal_relaxed",
    )
    mask = (
        suppression_mask(
            table,
            value="value",
            group_by=["__key", "period"],
            is_total="is_total",
            threshold=threshold,
            order_by="partner_id",
            hidden="hidden",
        )
        if private
        else pl.Series([False] * table.height)
    )
    hide = mask | (table.get_column("is_total").not_() & _parent_hidden(table))
    table = table.with_columns(__hide=hide).filter(~pl.col("is_total"))
    listed = (
        table.sort("partner_id")
        .group_by("__key", "period")
        .agg(
            contributions=pl.struct(
                "partner_id",
                numerator=pl.when(pl.col("__hide")).then(None).otherwise(pl.col("value")),
                share=pl.when(pl.col("__hide") | (pl.col("num") <= 0))
                .then(None)
                .otherwise(pl.col("value") / pl.col("num")),
                suppressed=pl.col("__hide"),
            )
        )
    )
    return frame.join(listed, on=["__key", "period"], how="left")


def _parent_hidden(table: pl.DataFrame) -> pl.Series:
    """Parts of a figure whose numerator is hidden are hidden too (for every viewer)."""
    flag = (pl.col("is_total") & pl.col("hidden")).any().over("__key", "period")
    return table.select(flag.alias("h")).get_column("h")
