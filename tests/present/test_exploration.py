"""Explore's view model: the frames behind its charts, readable tables, export and SQL."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from test_picture import AREAS, FIGURES, NAMES

from shared_outcomes.present import exploration


def test_explore_frames_name_areas_and_partners() -> None:
    trend = exploration.trend_frame(FIGURES, "preventions", ["all", "E08000002"], AREAS)
    assert set(trend["area"]) == {"Whole partnership", "Bury"}
    by_area = exploration.areas_frame(FIGURES, "preventions", "2016-02", AREAS)
    assert by_area["area"].to_list() == ["Bolton", "Bury"]
    assert by_area["status_label"].to_list() == ["✔ On track", "▲ Near target"]
    shares = exploration.contributions_frame(FIGURES, "preventions", "2016-02", NAMES)
    assert shares.rows() == [("Bolton Council", 0.75)]  # Bury's share is suppressed
    assert "Bolton Council the largest share (75%)" in exploration.contributions_summary(
        shares, "2016-02"
    )
    assert exploration.areas_summary(by_area, "per_1000", "2016-02") == (
        "In Feb 2016, Bolton was highest (1.30 per 1,000) and Bury lowest (1.15 per 1,000); "
        "1 of 2 areas on track."
    )


def test_export_is_flat_with_coverage_as_text() -> None:
    export = exploration.export_frame(FIGURES, "preventions", AREAS)
    assert "contributions" not in export.columns
    assert export.schema["missing"] == pl.String
    assert "Whole partnership" in export["area_name"].to_list()


def test_definition_sql_binds_filter_values_as_parameters() -> None:
    from shared_outcomes.config.contracts import load_contracts
    from shared_outcomes.config.definitions import load_definitions
    from shared_outcomes.config.partnership import load_partnership
    from shared_outcomes.settings import load_settings

    root = Path(__file__).resolve().parents[2]
    settings = load_settings(db=root / "var" / "unused.duckdb", root=root)

    contracts = load_contracts(settings.contracts_dir)
    loaded = load_definitions(
        settings.outcomes_dir,
        contracts,
        load_partnership(settings.partners_file, contracts),
        reference_dir=settings.reference_dir,
    )
    filtered = next(d for d in loaded.values() if d.numerator.filters)
    sql = exploration.definition_sql(filtered)
    assert "FROM submissions" in sql and "-- numerator" in sql
    assert f'"agg_{filtered.numerator.name}"' in sql
    for condition in filtered.numerator.filters:
        assert f'"{condition.column}" IN (?' in sql  # a placeholder: values are bound
        assert repr(condition.values[0]) in sql  # and listed for the reader


def test_tables_behind_charts_are_readable() -> None:
    by_area = exploration.areas_frame(FIGURES, "preventions", "2016-02", AREAS)
    table = exploration.readable(by_area, "per_1000")
    assert table.columns == ["Area", "Figure", "Status"]  # the colour is not a column for people
    assert table.row(0) == ("Bolton", "1.30 per 1,000", "✔ On track")
    shares = exploration.readable(pl.DataFrame({"partner": ["A"], "share": [0.25]}), "count")
    assert shares.rows() == [("A", "25.0%")]


def test_a_single_partner_outcome_says_why_there_are_no_shares() -> None:
    empty = pl.DataFrame(schema={"partner": pl.String, "share": pl.Float64})
    assert "Only DWP's data feeds" in exploration.contributions_summary(empty, "2016-02", ["DWP"])
    assert "suppressed" in exploration.contributions_summary(empty, "2016-02", ["A", "B"])
