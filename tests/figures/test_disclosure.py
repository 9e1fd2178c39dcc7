"""Disclosure control: primary and secondary suppression on small hand-made tables."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_outcomes.figures.disclosure import suppression_mask


def table(parts: dict[str, int | None], *, month: str = "2020-01") -> pl.DataFrame:
    """One month's area counts plus their total row (area None)."""
    total = sum(v for v in parts.values() if v is not None)
    rows = [{"month": month, "area": a, "n": v, "total": False} for a, v in parts.items()]
    rows.append({"month": month, "area": None, "n": total, "total": True})
    return pl.DataFrame(
        rows, schema={"month": pl.String, "area": pl.String, "n": pl.Int64, "total": pl.Boolean}
    )


def hidden(frame: pl.DataFrame, threshold: int = 5, **options: str) -> list[str | None]:
    mask = suppression_mask(
        frame,
        value="n",
        group_by=["month"],
        is_total="total",
        threshold=threshold,
        order_by="area",
        **options,
    )
    return frame.filter(mask).get_column("area").to_list()


def test_nothing_small_nothing_hidden() -> None:
    assert hidden(table({"A": 10, "B": 20, "C": 7})) == []


def test_one_small_area_hides_the_next_smallest_too() -> None:
    # A=3 is small; the total 40 minus B and C would give it back, so C (7, next smallest) goes.
    assert hidden(table({"A": 3, "B": 30, "C": 7})) == ["A", "C"]


def test_two_small_areas_need_no_secondary() -> None:
    # The total minus C gives only A + B = 6, not either one.
    assert hidden(table({"A": 2, "B": 4, "C": 50})) == ["A", "B"]


def test_zero_is_shown_and_not_chosen_as_the_secondary_when_a_count_is_available() -> None:
    assert hidden(table({"A": 1, "B": 0, "C": 9, "D": 12})) == ["A", "C"]


def test_a_lone_small_count_beside_zeros_makes_a_small_total_and_all_is_hidden() -> None:
    assert hidden(table({"A": 2, "B": 0, "C": 0})) == ["A", "B", "C", None]


def test_a_small_total_hides_every_part() -> None:
    # Total 4 is small; its parts (and the zero beside them) would add up to it.
    assert hidden(table({"A": 4, "B": 0})) == ["A", "B", None]


def test_threshold_is_per_table() -> None:
    assert hidden(table({"A": 3, "B": 30, "C": 7}), threshold=3) == []
    assert hidden(table({"A": 3, "B": 30, "C": 7}), threshold=8) == ["A", "C"]


def test_ties_are_broken_by_the_order_column() -> None:
    assert hidden(table({"A": 3, "C": 7, "B": 7, "D": 40})) == ["A", "B"]


def test_a_withheld_part_counts_as_an_unknown() -> None:
    frame = table({"A": 3, "B": 30, "C": 7}).with_columns(withheld=pl.col("area") == "B")
    # A is small and B is already hidden: the total minus C gives A + B only.
    assert hidden(frame, hidden="withheld") == ["A"]


def test_parts_outside_the_total_get_primary_suppression_only() -> None:
    frame = table({"A": 3, "B": 30, "C": 7}).with_columns(in_total=pl.col("area") != "A")
    assert hidden(frame, in_total="in_total") == ["A"]


def test_tables_are_independent() -> None:
    frame = pl.concat(
        [table({"A": 3, "B": 30, "C": 7}), table({"A": 30, "B": 30}, month="2020-02")]
    )
    mask = suppression_mask(
        frame, value="n", group_by=["month"], is_total="total", threshold=5, order_by="area"
    )
    assert frame.filter(mask).select("month", "area").rows() == [
        ("2020-01", "A"),
        ("2020-01", "C"),
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=2, max_size=8))
def test_no_hidden_part_can_be_recovered_by_subtraction(counts: list[int]) -> None:
    parts = {f"A{i}": n for i, n in enumerate(counts)}
    frame = table(parts)
    mask = suppression_mask(
        frame, value="n", group_by=["month"], is_total="total", threshold=5, order_by="area"
    )
    shown = frame.with_columns(hide=mask)
    total_hidden = shown.filter(pl.col("total")).get_column("hide").item()
    hidden_parts = shown.filter(~pl.col("total") & pl.col("hide"))
    small = [n for n in counts if 0 < n < 5]
    assert all(shown.filter(pl.col("n").is_between(1, 4)).get_column("hide"))
    if small and not total_hidden:
        # Never exactly one unknown behind a published total.
        assert hidden_parts.height != 1
