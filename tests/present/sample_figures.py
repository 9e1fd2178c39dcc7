"""A small figures frame (two areas, the whole partnership, two months) as `compute_outcomes`
gives it, shared by the tests of the common picture, Explore and the figure states."""

from __future__ import annotations

from typing import Any

import polars as pl

AREAS = {"E08000001": "Bolton", "E08000002": "Bury"}
NAMES = {"bolton": "Bolton Council", "bury": "Bury Council"}


def figure_row(period: str, area: str | None, value: float | None, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "outcome": "preventions",
        "title": "Preventions per 1,000 households",
        "unit": "per_1000",
        "direction": "higher_is_better",
        "area_name": None,
        "numerator": None,
        "denominator": None,
        "change_year": None,
        "area_code": area,
        "period": period,
        "value": value,
        "target": 1.2,
        "status": "green",
        "change_month": None,
        "expected": ["bolton", "bury"],
        "submitted": ["bolton", "bury"],
        "nil_returns": [],
        "missing": [],
        "missing_due": [],
        "provisional": False,
        "withheld": False,
        "suppressed": False,
        "revised": False,
        "revised_from": None,
        "revised_to": None,
        "contributions": None,
    }
    row.update(extra)
    return row


def figures_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema_overrides={
            "area_code": pl.String,
            "value": pl.Float64,
            "change_month": pl.Float64,
            "change_year": pl.Float64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "area_name": pl.String,
            "revised_from": pl.Float64,
            "revised_to": pl.Float64,
            "expected": pl.List(pl.String),
            "submitted": pl.List(pl.String),
            "nil_returns": pl.List(pl.String),
            "missing": pl.List(pl.String),
            "missing_due": pl.List(pl.String),
            "contributions": pl.List(
                pl.Struct(
                    {
                        "partner_id": pl.String,
                        "numerator": pl.Float64,
                        "share": pl.Float64,
                        "suppressed": pl.Boolean,
                    }
                )
            ),
        },
    )


FIGURES = figures_frame(
    [
        figure_row("2016-01", None, 1.0, status="red"),
        figure_row(
            "2016-02",
            None,
            1.25,
            change_month=0.25,
            missing=["bury"],
            missing_due=["2016-03-10"],
            submitted=["bolton"],
            revised=True,
            revised_from=1.1,
            revised_to=1.25,
            contributions=[
                {"partner_id": "bolton", "numerator": 30.0, "share": 0.75, "suppressed": False},
                {"partner_id": "bury", "numerator": 3.0, "share": 0.25, "suppressed": True},
            ],
        ),
        figure_row("2016-01", "E08000001", 0.9, status="red"),
        figure_row("2016-02", "E08000001", 1.3),
        figure_row("2016-02", "E08000002", 1.15, status="amber"),
    ]
)
