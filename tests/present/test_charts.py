"""Chart builders: every chart has a title, a text alternative, units on its axes, safe colours."""

from __future__ import annotations

from typing import Any

import polars as pl

from shared_outcomes.present import charts


def _spec(chart: Any) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    return spec


def _trend() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "period": ["2016-01", "2016-02", "2016-01", "2016-02"],
            "area": ["Bolton", "Bolton", "Bury", "Bury"],
            "value": [1.0, 1.5, 2.0, 1.2],
        }
    )


def test_trend_chart_has_title_summary_units_target_and_okabe_ito_palette() -> None:
    spec = _spec(
        charts.trend_chart(
            _trend(), title="Preventions", unit_title="per 1,000", target=1.2, description="S."
        )
    )
    assert spec["title"] == "Preventions"
    assert spec["description"] == "S."
    lines, rule = spec["layer"]
    assert lines["encoding"]["y"]["title"] == "per 1,000"
    assert lines["encoding"]["color"]["scale"]["range"] == charts.OKABE_ITO
    assert lines["encoding"]["strokeDash"]["field"] == "area"  # lines differ by dash, not only hue
    assert rule["mark"]["type"] == "rule"


def test_trend_chart_without_target_has_no_rule() -> None:
    spec = _spec(
        charts.trend_chart(_trend(), title="T", unit_title="%", target=None, description="S.")
    )
    assert "layer" not in spec and spec["mark"]["type"] == "line"


def test_areas_chart_labels_each_bar_with_its_status_word() -> None:
    frame = pl.DataFrame(
        {
            "area": ["Bolton", "Bury"],
            "value": [1.0, 2.0],
            "status_label": ["✔ On track", "✖ Off track"],
            "status_colour": ["#0072B2", "#D55E00"],
        }
    )
    spec = _spec(
        charts.areas_chart(frame, title="A", unit_title="per 1,000", target=1.5, description="S.")
    )
    bars, labels, rule = spec["layer"]
    assert bars["encoding"]["color"]["scale"]["domain"] == ["✔ On track", "✖ Off track"]
    assert labels["encoding"]["text"]["field"] == "status_label"
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


def test_sparkline_and_contributions_carry_descriptions() -> None:
    spark = _spec(
        charts.sparkline(
            _trend().filter(pl.col("area") == "Bury"), title="Trend", description="Up."
        )
    )
    assert spark["description"] == "Up."
    shares = pl.DataFrame({"partner": ["A", "B"], "share": [0.25, 0.75]})
    contrib = _spec(charts.contributions_chart(shares, title="C", description="S."))
    assert contrib["encoding"]["x"]["axis"]["format"] == "%"
