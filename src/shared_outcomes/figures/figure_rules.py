"""Figures: area measures turned into the shared figures a viewer may see.

Input: one row per outcome, area and month with the numerator and denominator (current, and
before the latest revision), and the coverage lists apart. This module adds the
partnership-wide row (summed numerators and denominators over the areas that have both: never an
average of rates), withholds incomplete figures where the definition says so, applies disclosure
control for viewers who may not see small counts, scales the value per unit, sets the target and
RAG status, the changes since the previous month and a year earlier, the revision (from, to) and
each partner's contribution to the numerator. Everything is vectorised Polars; the order of the
steps matters (changes and revisions are computed from what the viewer sees, so hidden numbers
cannot leak through a difference). The work runs on integer keys (outcome order, area index,
month number); names, titles and coverage lists are joined on at the end, so the sorts and
windows never move strings or lists around.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.config.partnership import Partnership
from shared_outcomes.figures.disclosure import is_small, suppression_mask
from shared_outcomes.period import Period

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
    "nil_returns": pl.List(pl.String),
    "missing": pl.List(pl.String),
    "missing_due": pl.List(pl.String),
    "erased": pl.List(pl.String),
    "erased_under": pl.List(pl.String),
    "provisional": pl.Boolean,
    "withheld": pl.Boolean,
    "suppressed": pl.Boolean,
    "revised": pl.Boolean,
    "revised_from": pl.Float64,
    "revised_to": pl.Float64,
    "contributions": pl.List(CONTRIBUTION),
}
#: The coverage lists of a figure (partner ids, and the due dates and erasure rules beside them).
COVERAGE_LISTS = (
    "expected",
    "submitted",
    "nil_returns",
    "missing",
    "missing_due",
    "erased",
    "erased_under",
)
_KEYS = ["order", "__k", "__p"]


def parameters(definitions: Sequence[OutcomeDefinition]) -> pl.DataFrame:
    """One row per outcome with what the figure rules need, so all outcomes run as one frame."""
    rows = [
        {
            "order": i,
            "scale": d.scale,
            "uses_den": d.denominator is not None and d.unit != "count",
            "threshold": d.threshold,
            "withhold": d.incomplete == "withhold",
            "num_counted": d.numerator.is_count,
            "den_counted": _counted_den(d),
            "target_value": d.target.value if d.target else None,
            "target_from": _month(d.target.from_period) if d.target else None,
            "tolerance": d.tolerance,
            "higher": d.direction == "higher_is_better",
        }
        for i, d in enumerate(definitions)
    ]
    return pl.DataFrame(rows, schema=_PARAMETERS)


_PARAMETERS: dict[str, pl.DataType | type[pl.DataType]] = {
    "order": pl.Int64,
    "scale": pl.Float64,
    "uses_den": pl.Boolean,
    "threshold": pl.Int64,
    "withhold": pl.Boolean,
    "num_counted": pl.Boolean,
    "den_counted": pl.Boolean,
    "target_value": pl.Float64,
    "target_from": pl.Int64,
    "tolerance": pl.Float64,
    "higher": pl.Boolean,
}


class _Keys:
    """Integer keys for outcome ids, area codes (the partnership after them all) and months."""

    def __init__(self, definitions: Sequence[OutcomeDefinition], partnership: Partnership):
        self.definitions = list(definitions)
        self.areas = {code: i for i, code in enumerate(partnership.areas)}
        self.whole = len(self.areas)
        self.names = dict(partnership.areas)
        self.partners = list(partnership.partners)

    def add(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Replace `area_code` and `period` by `__k` and `__p` (`order` is already there)."""
        return frame.with_columns(
            __k=pl.col("area_code")
            .replace_strict(self.areas, default=self.whole, return_dtype=pl.Int64)
            .fill_null(self.whole),
            __p=_month_number(pl.col("period")),
        ).drop("area_code", "period")

    def names_back(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Outcome id, title, unit, direction, area code and name, and month, from the keys."""
        ds = self.definitions
        codes = {i: c for c, i in self.areas.items()}

        def by_order(values: list[str]) -> pl.Expr:
            return pl.col("order").replace_strict(dict(enumerate(values)), return_dtype=pl.String)

        year, month = (pl.col("__p") - 1) // 12, (pl.col("__p") - 1) % 12 + 1
        return frame.with_columns(
            outcome=by_order([d.id for d in ds]),
            title=by_order([d.title for d in ds]),
            unit=by_order([d.unit for d in ds]),
            direction=by_order([d.direction for d in ds]),
            area_code=pl.col("__k").replace_strict(codes, default=None, return_dtype=pl.String),
            area_name=pl.col("__k").replace_strict(
                {i: self.names.get(c, c) for i, c in codes.items()},
                default=WHOLE_PARTNERSHIP,
                return_dtype=pl.String,
            ),
            period=pl.concat_str(
                year.cast(pl.String), pl.lit("-"), month.cast(pl.String).str.zfill(2)
            ),
        )


def finish_figures(
    definitions: Sequence[OutcomeDefinition],
    areas: pl.DataFrame,
    coverage: pl.DataFrame,
    parts: pl.DataFrame | None,
    partnership: Partnership,
    *,
    private: bool,
) -> pl.DataFrame:
    """From per-area measures and coverage to the figures (see the module docstring).

    `areas` has one row per outcome (`order`, its place in `definitions`), area and month
    (num, den, num_prev, den_prev, and `__missing`: partners not yet submitted); `coverage` the
    lists (expected, submitted, missing, missing_due) per outcome, area (null: the whole
    partnership) and month; `parts` the numerator per outcome, partner, area and month for
    outcomes fed by several partners, with `listed` true for areas that several of them cover
    (the others need no list of shares).
    """
    keys = _Keys(definitions, partnership)
    lists = keys.add(coverage)
    waiting = lists.filter(pl.col("__k") == keys.whole).select(
        "order", "__p", __missing=pl.col("missing").list.len()
    )
    frame = _with_totals(
        keys.add(areas).join(parameters(definitions), on="order"), keys.whole, waiting
    ).with_columns(provisional=pl.col("__missing").fill_null(0) > 0)
    frame = frame.with_columns(withheld=pl.col("provisional") & pl.col("withhold"))
    hide_none = pl.Series([False] * frame.height)
    num_mask = _mask(frame, "num") if private else hide_none
    den_mask = _mask(frame, "den") if private else hide_none
    frame = frame.with_columns(
        num_supp=num_mask & frame.get_column("num_counted"),
        den_supp=den_mask & frame.get_column("den_counted"),
    )
    hidden_num = pl.col("withheld") | pl.col("num_supp")
    frame = frame.with_columns(
        numerator=pl.when(hidden_num).then(None).otherwise(pl.col("num")),
        denominator=pl.when(pl.col("den_supp")).then(None).otherwise(pl.col("den")),
        value=pl.when(hidden_num | pl.col("den_supp")).then(None).otherwise(_scaled("")),
        suppressed=pl.col("num_supp") | pl.col("den_supp"),
        __prev_value=_scaled("_prev"),
    )
    frame = _revisions(_targets_and_changes(frame), private)
    listed = _contributions(frame, None if parts is None else keys.add(parts), private, keys)
    # Sorted by outcome, area (the partnership last) and month since `_targets_and_changes`.
    frame = frame.join(lists, on=_KEYS, how="left", maintain_order="left").join(
        listed, on=_KEYS, how="left", maintain_order="left"
    )
    frame = keys.names_back(frame).with_columns(
        pl.col(c).fill_null(pl.lit([], pl.List(pl.String))) for c in COVERAGE_LISTS
    )
    return frame.select(list(FIGURE_SCHEMA))


def _counted_den(d: OutcomeDefinition) -> bool:
    return (
        d.denominator is not None and d.denominator.source == "dataset" and d.denominator.is_count
    )


def _scaled(suffix: str) -> pl.Expr:
    num, den = pl.col("num" + suffix), pl.col("den" + suffix)
    rate = pl.when(den > 0).then(num * pl.col("scale") / den).otherwise(None)
    return pl.when(pl.col("uses_den")).then(rate).otherwise(num)


def _with_totals(areas: pl.DataFrame, whole: int, waiting: pl.DataFrame) -> pl.DataFrame:
    """Append one partnership-wide row per outcome and month, summed over the areas with data."""

    def in_total(suffix: str) -> pl.Expr:
        has = pl.col("num" + suffix).is_not_null()
        return has & (pl.col("den" + suffix).is_not_null() | ~pl.col("uses_den"))

    areas = areas.with_columns(in_total=in_total(""), __in_prev=in_total("_prev"))

    def summed(name: str, inside: str) -> pl.Expr:
        kept = pl.col(name).filter(pl.col(inside))
        return pl.when(kept.count() > 0).then(kept.sum()).otherwise(None).alias(name)

    params = [c for c in _PARAMETERS if c != "order"]
    totals = areas.group_by("order", "__p").agg(
        summed("num", "in_total"),
        summed("den", "in_total"),
        summed("num_prev", "__in_prev"),
        summed("den_prev", "__in_prev"),
        *(pl.col(c).first() for c in params),
    )
    totals = totals.join(waiting, on=["order", "__p"], how="left").with_columns(
        __k=pl.lit(whole, pl.Int64), in_total=pl.lit(True), is_total=pl.lit(True)
    )
    return pl.concat(
        [areas.with_columns(is_total=pl.lit(False)), totals], how="diagonal_relaxed"
    ).drop("__in_prev")


def _mask(frame: pl.DataFrame, column: str) -> pl.Series:
    return suppression_mask(
        frame,
        value=column,
        group_by=["order", "__p"],
        is_total="is_total",
        threshold="threshold",
        order_by="__k",
        hidden="withheld",
        in_total="in_total",
    )


def _targets_and_changes(frame: pl.DataFrame) -> pl.DataFrame:
    applies = pl.col("target_from").is_not_null() & (pl.col("__p") >= pl.col("target_from"))
    frame = frame.with_columns(target=pl.when(applies).then(pl.col("target_value")).otherwise(None))
    value, goal = pl.col("value"), pl.col("target")
    band = goal.abs() * pl.col("tolerance")
    higher = pl.col("higher")
    green = pl.when(higher).then(value >= goal).otherwise(value <= goal)
    amber = pl.when(higher).then(value >= goal - band).otherwise(value <= goal + band)
    status = (
        pl.when(green)
        .then(pl.lit("green"))
        .when(amber)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )
    # The grid holds every month for every area, so once sorted by outcome, area and month a
    # row n places up within the same outcome and area is n months back.
    frame = frame.sort("order", "__k", "__p")

    def back(n: int) -> pl.Expr:
        same = (pl.col("order").shift(n) == pl.col("order")) & (
            pl.col("__k").shift(n) == pl.col("__k")
        )
        return pl.when(same).then(value - value.shift(n)).otherwise(None)

    return frame.with_columns(
        status=pl.when(value.is_null() | goal.is_null()).then(None).otherwise(status),
        change_month=back(1),
        change_year=back(12),
    )


def _revisions(frame: pl.DataFrame, private: bool) -> pl.DataFrame:
    revised = pl.col("num_prev").ne_missing(pl.col("num")) | (
        pl.col("uses_den") & pl.col("den_prev").ne_missing(pl.col("den"))
    )
    small_before = pl.lit(False)
    if private:
        small_before = (
            pl.col("num_counted") & is_small(pl.col("num_prev"), pl.col("threshold"))
        ) | (pl.col("den_counted") & is_small(pl.col("den_prev"), pl.col("threshold")))
    shown = pl.col("value").is_not_null() & ~small_before
    return frame.with_columns(
        revised=revised,
        revised_from=pl.when(revised & shown).then(pl.col("__prev_value")).otherwise(None),
        revised_to=pl.when(revised).then(pl.col("value")).otherwise(None),
    )


def _contributions(
    frame: pl.DataFrame, parts: pl.DataFrame | None, private: bool, keys: _Keys
) -> pl.DataFrame:
    """Each partner's part of the numerator (suppressed like any table of counts), per figure."""
    if parts is None or parts.height == 0:
        return pl.DataFrame(
            schema={"order": pl.Int64, "__k": pl.Int64, "__p": pl.Int64,
                    "contributions": pl.List(CONTRIBUTION)}
        )  # fmt: skip
    # Partners in the partnership's order (any others after them).
    found = parts.get_column("partner_id").unique().sort().to_list()
    ids = list(dict.fromkeys([*(p for p in keys.partners if p in set(found)), *found]))
    ranks = {p: i for i, p in enumerate(ids)}
    # Measure rows are already one per partner, area and month.
    by_area = parts.select(
        "order", "__k", "__p", "listed", "value",
        __r=pl.col("partner_id").replace_strict(ranks, return_dtype=pl.Int64),
    )  # fmt: skip
    whole = by_area.group_by("order", "__r", "__p").agg(pl.col("value").sum())
    by_area = by_area.filter(pl.col("listed")).drop("listed")
    figures = frame.select(*_KEYS, "num", "threshold", "num_counted", parent=_hidden_total())
    cells = pl.concat(
        [by_area, whole.with_columns(__k=pl.lit(keys.whole, pl.Int64))], how="diagonal_relaxed"
    ).join(figures, on=_KEYS, how="inner")
    totals = figures.join(whole.select("order").unique(), on="order", how="semi")
    table = pl.concat(
        [cells.with_columns(is_total=pl.lit(False), hidden=pl.lit(False)),
         totals.with_columns(__r=pl.lit(None, pl.Int64), value=pl.col("num"),
                             is_total=pl.lit(True), hidden=pl.col("parent"))],
        how="diagonal_relaxed",
    )  # fmt: skip
    mask = (
        suppression_mask(
            table,
            value="value",
            group_by=_KEYS,
            is_total="is_total",
            threshold="threshold",
            order_by="__r",
            hidden="hidden",
        )
        & table.get_column("num_counted")
        if private
        else pl.Series([False] * table.height)
    )
    # Parts of a figure whose numerator is hidden are hidden too (for every viewer).
    hide = pl.col("__hide") | pl.col("parent")
    table = (
        table.with_columns(__hide=mask)
        .filter(~pl.col("is_total"))
        .select(
            *_KEYS,
            "__r",
            partner_id=pl.col("__r").replace_strict(dict(enumerate(ids)), return_dtype=pl.String),
            numerator=pl.when(hide).then(None).otherwise(pl.col("value")),
            share=pl.when(hide | (pl.col("num") <= 0))
            .then(None)
            .otherwise(pl.col("value") / pl.col("num")),
            suppressed=hide,
        )
    )
    # A group keeps the frame's row order, so sorting by partner alone orders every list.
    return (
        table.sort("__r")
        .group_by(_KEYS)
        .agg(contributions=pl.struct("partner_id", "numerator", "share", "suppressed"))
    )


def _hidden_total() -> pl.Expr:
    return pl.col("withheld") | pl.col("num_supp") | pl.col("num").is_null()


def _month(period: str) -> int:
    return Period.parse(period).index + 1


def _month_number(period: pl.Expr) -> pl.Expr:
    return period.str.slice(0, 4).cast(pl.Int64) * 12 + period.str.slice(5, 2).cast(pl.Int64)
