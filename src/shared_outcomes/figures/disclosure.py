"""Disclosure control: which counts in a table of parts and totals must be suppressed.

A shared view must not let anyone learn a small count (a handful of people in one district), so:

- **primary** suppression hides every count from 1 to `threshold - 1` (zero is shown: it names
  nobody, and hiding zeros would hide that a service had no cases at all);
- **secondary** suppression stops a hidden count being recovered by subtraction: when exactly one
  part of a published total is hidden, the next-smallest part is hidden too (the smallest
  non-zero one where there is one, since a hidden zero protects little), so that the total minus
  the visible parts gives only the sum of two unknowns;
- a small total hides all its parts (the parts would add up to it); a total hidden for another
  reason (withheld as incomplete) needs no secondary suppression, since nothing is subtracted
  from it, and its caller decides about its parts.

The functions work on a Polars frame of cells grouped into tables, each table holding its parts
and at most one total row; they return the mask of cells to hide. The rules are applied along
one dimension at a time (areas within a month; partners within an area), which is what the
shared views publish. Whether a viewer sees unsuppressed figures is decided by the caller, from
`access.Identity.sees_unsuppressed`.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

DEFAULT_THRESHOLD = 5


def is_small(value: pl.Expr, threshold: pl.Expr | int) -> pl.Expr:
    """Primary suppression: a count from 1 to threshold - 1 (null is never small)."""
    return ((value > 0) & (value < threshold)).fill_null(False)


def suppression_mask(
    frame: pl.DataFrame,
    *,
    value: str,
    group_by: Sequence[str],
    is_total: str,
    threshold: str | int,
    order_by: str,
    hidden: str | None = None,
    in_total: str | None = None,
) -> pl.Series:
    """Which cells of `frame` to suppress (a boolean Series aligned with its rows).

    `value` holds the counts; `group_by` names the columns that identify one table (its parts
    and its total); `is_total` marks the total row of each table (parts are summed into it);
    `threshold` is a number or a column of per-row thresholds; `order_by` breaks ties between
    equally small parts deterministically; `hidden` optionally marks cells already hidden for
    another reason (withheld), which count as unknowns for secondary suppression; `in_total`
    optionally marks the parts the total actually sums (the others get primary suppression only).
    """
    groups = list(group_by)
    limit = pl.col(threshold) if isinstance(threshold, str) else pl.lit(threshold)
    already = pl.col(hidden).fill_null(False) if hidden else pl.lit(False)
    total = pl.col(is_total)
    present = pl.col(value).is_not_null() & (
        pl.col(in_total).fill_null(False) if in_total else True
    )
    flagged = frame.with_row_index("__row").with_columns(
        __primary=is_small(pl.col(value), limit),
        __already=already,
    )
    primary = flagged.get_column("__primary").alias(f"{value}_suppressed")
    # Only tables holding a small count need more than primary suppression: work on those.
    small_tables = flagged.filter(pl.col("__primary")).select(groups).unique()
    if small_tables.height == 0:
        return primary
    marked = flagged.join(small_tables, on=groups, how="semi").with_columns(
        __total_small=(total & pl.col("__primary")).any().over(groups),
        __total_hidden=(total & (pl.col("__primary") | pl.col("__already"))).any().over(groups),
        __hidden_parts=((~total) & present & (pl.col("__primary") | pl.col("__already")))
        .sum()
        .over(groups),
        __small_parts=((~total) & pl.col("__primary")).sum().over(groups),
        __has_total=total.any().over(groups),
    )
    need_second = (
        pl.col("__has_total")
        & ~pl.col("__total_hidden")
        & (pl.col("__small_parts") >= 1)
        & (pl.col("__hidden_parts") == 1)
    )
    candidate = (~total) & present & ~pl.col("__primary") & ~pl.col("__already")
    ordered = marked.with_columns(__candidate=candidate, __zero=pl.col(value) == 0).sort(
        [*groups, "__candidate", "__zero", value, order_by],
        descending=[False] * len(groups) + [True, False, False, False],
        nulls_last=True,
    )
    ordered = ordered.with_columns(
        __first=pl.col("__candidate")
        & (pl.col("__candidate").cast(pl.Int32).cum_sum().over(groups) == 1)
    )
    extra = ordered.filter(
        (need_second & pl.col("__first")) | ((~total) & present & pl.col("__total_small"))
    ).get_column("__row")
    return primary.scatter(extra, True) if extra.len() else primary
