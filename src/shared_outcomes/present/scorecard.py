"""Scorecard: the figures frame rendered for people and programs (JSON, CSV, a terminal table).

The JSON is the fixed interface of docs/interfaces.md (`outcomes --format json`): a list of
figures, each with `outcome`, `area_code` (null for the whole partnership), `period`,
`numerator`, `denominator`, `value`, `target`, `status`, `coverage` ({expected, submitted,
missing, deadlines}), `provisional` and `suppressed`, plus the title, unit, direction, changes,
the revision and each partner's contribution. The CSV flattens the same fields (lists joined
with "; ") and escapes the names and text cells a spreadsheet would run as a formula
(`exports.safe_csv_text`). Suppressed and withheld numbers are null/empty in both, never the
hidden value.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from rich.table import Table
from rich.text import Text

from shared_outcomes.present.exports import safe_csv_text
from shared_outcomes.present.views import format_change, format_value, rag_style

_DECIMALS = 6  # enough for any rate shown; keeps the JSON stable across platforms


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, _DECIMALS)


def figure_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """One JSON-ready dict per figure, in the frame's order."""
    records = []
    for row in frame.iter_rows(named=True):
        revised = None
        if row["revised"]:
            revised = {"from": _number(row["revised_from"]), "to": _number(row["revised_to"])}
        contributions = row["contributions"]
        records.append(
            {
                "outcome": row["outcome"],
                "title": row["title"],
                "area_code": row["area_code"],
                "area_name": row["area_name"],
                "period": row["period"],
                "unit": row["unit"],
                "direction": row["direction"],
                "numerator": _number(row["numerator"]),
                "denominator": _number(row["denominator"]),
                "value": _number(row["value"]),
                "target": _number(row["target"]),
                "status": row["status"],
                "change_month": _number(row["change_month"]),
                "change_year": _number(row["change_year"]),
                "coverage": {
                    "expected": row["expected"],
                    "submitted": row["submitted"],
                    "missing": row["missing"],
                    "deadlines": dict(zip(row["missing"], row["missing_due"], strict=True)),
                },
                "provisional": row["provisional"],
                "withheld": row["withheld"],
                "suppressed": row["suppressed"],
                "revised": revised,
                "contributions": None
                if contributions is None
                else [
                    {
                        "partner": c["partner_id"],
                        "numerator": _number(c["numerator"]),
                        "share": _number(c["share"]),
                        "suppressed": c["suppressed"],
                    }
                    for c in contributions
                ],
            }
        )
    return records


def figures_json(frame: pl.DataFrame) -> str:
    return json.dumps(figure_records(frame), indent=2, ensure_ascii=False)


def figures_csv(frame: pl.DataFrame) -> str:
    """The figures as CSV text, one row per figure, formula-escaped."""
    flat = frame.select(
        "outcome",
        "title",
        "area_code",
        "area_name",
        "period",
        "unit",
        "numerator",
        "denominator",
        "value",
        "target",
        "status",
        "change_month",
        "change_year",
        *(pl.col(c).list.join("; ").alias(c) for c in ("expected", "submitted", "missing")),
        pl.col("missing_due").list.join("; ").alias("missing_deadlines"),
        "provisional",
        "withheld",
        "suppressed",
        "revised_from",
        "revised_to",
    )
    return safe_csv_text(flat)


def figures_table(frame: pl.DataFrame, *, title: str) -> Table:
    """A terminal table: value with unit, target and RAG in words, change, coverage, notes.

    Every cell and the title are `Text`, never Rich markup: titles, area names and partner ids
    come from configuration, and "[link=…]" or "[bold]" in them is shown as written.
    """
    table = Table(title=Text(title), title_justify="left")
    for heading in ("Outcome", "Area", "Month", "Value", "Target", "Status", "Since last month"):
        table.add_column(heading)
    table.add_column("Coverage")
    for row in frame.iter_rows(named=True):
        unit = row["unit"]
        notes = []
        if row["provisional"]:
            notes.append("provisional")
        if row["withheld"]:
            notes.append("withheld until complete")
        if row["revised"] and row["revised_from"] is not None and row["revised_to"] is not None:
            notes.append(
                f"revised from {format_value(row['revised_from'], unit)}"
                f" to {format_value(row['revised_to'], unit)}"
            )
        missing = ", ".join(
            f"{p} (due {d})" for p, d in zip(row["missing"], row["missing_due"], strict=True)
        )
        coverage = f"{len(row['submitted'])}/{len(row['expected'])} partners"
        cells = (
            row["title"],
            row["area_name"],
            row["period"],
            format_value(row["value"], unit, suppressed=row["suppressed"]),
            "" if row["target"] is None else format_value(row["target"], unit),
            rag_style(row["status"]).label if row["status"] else "–",
            format_change(row["change_month"], unit),
            coverage
            + (f"; missing {missing}" if missing else "")
            + "".join(f"; {n}" for n in notes),
        )
        table.add_row(*(Text(cell or "") for cell in cells))
    return table
