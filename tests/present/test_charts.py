"""Chart builders: every chart has a title, a text alternative, units on its axes, safe colours."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from shared_outcomes.present import charts


def _spec(chart: Any) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    return spec


def _trend() -> pl.DataFrame:
    """Two areas and the whole partnership; Bury's February is suppressed, Bolton's
    provisional: the frame `exploration.trend_frame` gives the chart."""
    rows = [
        ("Bolton", "2016-01", 1.0, "complete", "Complete"),
        ("Bolton", "2016-02", 1.5, "provisional", "Provisional"),
        ("Bury", "2016-01", 2.0, "complete", "Complete"),
        ("Bury", "2016-02", None, "suppressed", "Suppressed: small number"),
        ("Whole partnership", "2016-01", 1.4, "complete", "Complete"),
        ("Whole partnership", "2016-02", 1.3, "provisional", "Provisional"),
    ]
    return pl.DataFrame(
        {
            "area": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "state": [r[3] for r in rows],
            "mark": [r[4] for r in rows],
            "shown": ["suppressed: small number" if r[2] is None else f"{r[2]}" for r in rows],
            "state_note": ["note"] * len(rows),
        },
        schema_overrides={"value": pl.Float64},
    )


def _data(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = spec["datasets"][layer["data"]["name"]]
    return rows


def test_trend_chart_has_title_summary_units_target_and_okabe_ito_palette() -> None:
    spec = _spec(
        charts.trend_chart(
            _trend(), title="Preventions", unit_title="per 1,000", target=1.2, description="S."
        )
    )
    assert spec["title"] == "Preventions"
    assert spec["description"] == "S."
    lines, points, hidden, rule = spec["layer"]
    assert lines["encoding"]["y"]["title"] == "per 1,000"
    colour = lines["encoding"]["color"]["scale"]
    # The whole partnership comes first (the strongest colour) and is drawn thickest.
    assert colour["domain"][0] == "Whole partnership"
    assert colour["range"] == charts.OKABE_ITO[:3]
    assert lines["encoding"]["strokeWidth"]["condition"]["value"] == 4
    assert lines["encoding"]["strokeWidth"]["value"] == 2
    assert lines["encoding"]["strokeDash"]["field"] == "area"  # lines differ by dash, not only hue
    # Each point's shape says its state; a hidden month is a rule, with its reason.
    assert points["encoding"]["shape"]["field"] == "mark"
    assert "Provisional" in points["encoding"]["shape"]["scale"]["domain"]
    assert [r["period"] for r in _data(spec, hidden)] == ["2016-02"]
    assert _data(spec, hidden)[0]["shown"] == "suppressed: small number"
    assert rule["mark"]["type"] == "rule" and rule["encoding"]["y"]["field"] == "target"


def test_trend_chart_without_target_has_no_rule() -> None:
    spec = _spec(
        charts.trend_chart(_trend(), title="T", unit_title="%", target=None, description="S.")
    )
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point", "rule"]


def test_areas_chart_keeps_a_suppressed_area_and_labels_each_bar_with_its_value() -> None:
    frame = pl.DataFrame(
        {
            "area": ["Bolton", "Bury", "Trafford"],
            "value": [2.0, 1.0, None],
            "shown": ["2.00 per 1,000", "1.00 per 1,000", "suppressed: small number"],
            "status_label": ["✔ On track", "✖ Off track", "⊘ Suppressed: small number"],
            "status_colour": ["#0072B2", "#D55E00", "#BBBBBB"],
        },
        schema_overrides={"value": pl.Float64},
    )
    spec = _spec(
        charts.areas_chart(frame, title="A", unit_title="per 1,000", target=1.5, description="S.")
    )
    bars, labels, rule = spec["layer"]
    assert bars["encoding"]["color"]["scale"]["domain"] == [
        "✔ On track",
        "✖ Off track",
        "⊘ Suppressed: small number",
    ]
    # The legend sits below the chart, so it never covers the labels.
    assert bars["encoding"]["color"]["legend"]["orient"] == "bottom"
    assert labels["encoding"]["text"]["field"] == "bar_label"
    shown = {r["area"]: r["bar_label"] for r in _data(spec, labels)}
    assert shown == {
        "Bolton": "2.00 per 1,000",
        "Bury": "1.00 per 1,000",
        "Trafford": "⊘ suppressed: small number",
    }
    # Room to the right of the longest bar for its label.
    assert bars["encoding"]["x"]["scale"]["domain"][1] > 2.0 * 1.3
    assert rule["encoding"]["x"]["field"] == "target"


def test_timeliness_grid_shows_a_symbol_in_every_cell() -> None:
    frame = pl.DataFrame(
        {
            "partner": ["Bury", "Bury", "Bolton"],
            "period": ["2016-01", "2016-02", "2016-01"],
            "state": ["on time", "late", "missing"],
        }
    )
    spec = _spec(charts.timeliness_chart(frame, title="G", description="S."))
    cells, symbols = spec["layer"]
    assert cells["encoding"]["color"]["scale"]["domain"] == ["on time", "late", "missing"]
    assert symbols["encoding"]["text"]["field"] == "symbol"
    assert spec["description"] == "S."


def test_sparkline_has_its_target_and_marks_hidden_months() -> None:
    bury = _trend().filter(pl.col("area") == "Bury")
    spark = _spec(charts.sparkline(bury, title="Trend", description="Up.", target=1.5))
    assert spark["description"] == "Up."
    line, points, hidden, rule = spark["layer"]
    assert line["encoding"]["x"]["axis"]["labelOverlap"] == "greedy"
    assert points["encoding"]["shape"]["field"] == "mark"
    assert [r["period"] for r in _data(spark, hidden)] == ["2016-02"]
    assert rule["encoding"]["y"]["field"] == "target"
    assert [r["target"] for r in _data(spark, rule)] == [1.5]


def test_projector_mode_enlarges_the_chart_text() -> None:
    chart = charts.trend_chart(_trend(), title="T", unit_title="%", target=1.0, description="S.")
    config = _spec(charts.enlarge(chart))["config"]
    assert config["axis"]["labelFontSize"] > 11
    assert config["title"]["fontSize"] > 14


def test_contributions_carry_descriptions() -> None:
    shares = pl.DataFrame({"partner": ["A", "B"], "share": [0.25, 0.75]})
    contrib = _spec(charts.contributions_chart(shares, title="C", description="S."))
    assert contrib["encoding"]["x"]["axis"]["format"] == "%"


def test_a_chart_without_hidden_months_has_no_empty_layer() -> None:
    """An empty mark group has no text for a screen reader (axe: svg-img-alt)."""
    bolton = _trend().filter(pl.col("area") == "Bolton")
    spark = _spec(charts.sparkline(bolton, title="Trend", description="Up."))
    assert [layer["mark"]["type"] for layer in spark["layer"]] == ["line", "point"]


@pytest.mark.parametrize(
    ("area", "target", "large"),
    [("Bury", 1.5, False), ("Bolton", None, False), ("Bury", None, True), ("Bolton", 2.0, True)],
)
def test_a_card_spec_is_the_validated_sparkline_with_the_cards_own_data(
    area: str, target: float | None, large: bool
) -> None:
    """Bury has a hidden month, Bolton none; with and without a target, in both sizes."""
    frame = _trend().filter(pl.col("area") == area)
    chart = charts.sparkline(frame, title="Trend", description="Up.", target=target)
    validated = _spec(charts.enlarge(chart) if large else chart)
    validated["config"].pop("view")  # Altair's default theme; a page renders without it
    if not validated["config"]:
        del validated["config"]
    card = charts.card_spec(frame, title="Trend", description="Up.", target=target, large=large)
    assert _by_layer(card) == _by_layer(validated)
    assert card.keys() - {"datasets"} == validated.keys() - {"datasets", "data"}
    shared = {k: v for k, v in validated.items() if k not in ("datasets", "data", "layer")}
    assert {k: card[k] for k in shared} == shared


def test_a_card_spec_carries_each_calls_own_figures_and_summary() -> None:
    bury = _trend().filter(pl.col("area") == "Bury")
    first = charts.card_spec(bury, title="Trend", description="Up.", target=1.5)
    first["layer"].clear()  # a caller's copy is its own
    restated = bury.with_columns(pl.lit(9.0).alias("value"))
    changed = charts.card_spec(restated, title="Trend", description="Flat.", target=1.5)
    assert changed["description"] == "Flat."
    assert [layer["mark"]["type"] for layer in changed["layer"]] == ["line", "point", "rule"]
    assert _by_layer(changed)[0][1]["value"] == [9.0, 9.0]
    again = charts.card_spec(bury, title="Trend", description="Up.", target=1.5)
    assert _by_layer(again)[0][1]["value"] == [2.0, None]
    assert len(again["layer"]) == 4


def _by_layer(spec: dict[str, Any]) -> list[tuple[str, dict[str, list[Any]]]]:
    """Each layer (without its data's name) and its data as columns, months as dates, whether
    the data are rows (Altair's specification) or a frame (`card_spec`'s)."""
    layers = []
    for layer in spec["layer"]:
        rows = spec["datasets"][layer.get("data", spec.get("data", {}))["name"]]
        frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows)
        if "month" in frame.columns:
            frame = frame.with_columns(pl.col("month").cast(pl.String).str.slice(0, 10))
        rest = {k: v for k, v in layer.items() if k != "data"}
        layers.append((json.dumps(rest, sort_keys=True), frame.to_dict(as_series=False)))
    return layers
