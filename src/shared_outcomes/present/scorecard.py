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
from collections.abc import Mapping
from typing import Any

import polars as pl
from rich.table import Table
from rich.text import Text

from shared_outcomes.period import month_label
from shared_outcomes.present.exports import safe_csv_text
from shared_outcomes.present.states import figure_state, with_states
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
                    "nil_returns": row["nil_returns"],
                    "missing": row["missing"],
                    "deadlines": dict(zip(row["missing"], row["missing_due"], strict=True)),
                    # Partners whose data for the month was erased: 'retention' or 'request'.
                    "erased": dict(
                        zip(row["erased"] or [], row["erased_under"] or [], strict=True)
                    ),
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


def figures_csv(frame: pl.DataFrame, partner_names: Mapping[str, str]) -> str:
    """The figures as CSV text, one row per figure, formula-escaped, with each figure's state
    in words (`state`, `state_note`, as every other surface words it)."""
    flat = with_states(frame, partner_names).select(
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
        *(
            pl.col(c).list.join("; ").alias(c)
            for c in ("expected", "submitted", "nil_returns", "missing")
        ),
        pl.col("missing_due").list.join("; ").alias("missing_deadlines"),
        pl.col("erased").list.join("; ").alias("erased"),
        "provisional",
        "withheld",
        "suppressed",
        "revised_from",
        "revised_to",
        "state",
        "state_note",
    )
    return safe_csv_text(flat)


def figures_table(frame: pl.DataFrame, *, title: str, partner_names: Mapping[str, str]) -> Table:
    """A terminal table: value with unit (or what hides it), target and RAG in words, change,
    coverage and notes worded by `states.figure_state`, partners by name.

    Every cell and the title are `Text`, never Rich markup: titles, area names and partner names
    come from configuration, and "[link=…]" or "[bold]" in them is shown as written.
    """
    table = Table(title=Text(title), title_justify="left")
    for heading in ("Outcome", "Area", "Month", "Value", "Target", "Status", "Since last month"):
        table.add_column(heading)
    table.add_column("Coverage and notes")
    for row in frame.iter_rows(named=True):
        unit = row["unit"]
        state = figure_state(row, unit, partner_names)
        cells = (
            row["title"],
            row["area_name"],
            month_label(row["period"]),
            state.shown,
            "" if row["target"] is None else format_value(row["target"], unit),
            "–" if state.hidden or not row["status"] else rag_style(row["status"]).label,
            format_change(None if state.hidden else row["change_month"], unit),
            f"{len(row['submitted'])} of {len(row['expected'])} partners. {state.note}",
        )
        table.add_row(*(Text(cell or "") for cell in cells))
    return table
