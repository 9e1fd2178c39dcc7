"""Explore's view model: the frames behind its charts, readable tables, export and SQL."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sample_figures import AREAS, FIGURES, NAMES, figure_row, figures_frame

from shared_outcomes.present import exploration


def test_explore_frames_name_areas_and_partners() -> None:
    trend = exploration.trend_frame(FIGURES, "preventions", ["all", "E08000002"], AREAS, NAMES)
    assert set(trend["area"]) == {"Whole partnership", "Bury"}
    by_area = exploration.areas_frame(FIGURES, "preventions", "2016-02", AREAS, NAMES)
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


# March: Bury's figure is suppressed, and the whole partnership waits for Bury's return.
MARCH = figures_frame(
    [
        figure_row("2016-03", "E08000001", 1.4),
        figure_row("2016-03", "E08000002", None, status=None, suppressed=True),
        figure_row(
            "2016-03",
            None,
            1.35,
            missing=["bury"],
            missing_due=["2016-04-10"],
            submitted=["bolton"],
            provisional=True,
        ),
        figure_row("2016-02", None, 1.2, revised=True, revised_from=1.1, revised_to=1.2),
    ]
)


def test_a_suppressed_area_is_shown_as_suppressed_and_counted_never_dropped() -> None:
    by_area = exploration.areas_frame(MARCH, "preventions", "2016-03", AREAS, NAMES)
    assert by_area["area"].to_list() == ["Bolton", "Bury"]
    bury = by_area.row(1, named=True)
    assert bury["value"] is None and bury["shown"] == "suppressed: small number"
    assert bury["status_label"] == "⊘ Suppressed: small number"
    assert exploration.areas_summary(by_area, "per_1000", "2016-03") == (
        "In Mar 2016, Bolton: 1.40 per 1,000; 1 of 2 areas on track; Bury suppressed: small number."
    )
    table = exploration.readable(by_area, "per_1000")
    assert table.row(1)[:3] == ("Bury", "suppressed: small number", "⊘ Suppressed: small number")


def test_every_trend_point_carries_its_state_provisional_and_revised() -> None:
    trend = exploration.trend_frame(MARCH, "preventions", ["all"], AREAS, NAMES)
    february, march = trend.rows(named=True)
    assert february["mark"] == "Complete · revised"
    assert "Revised from 1.10 per 1,000 to 1.20 per 1,000" in february["state_note"]
    assert march["mark"] == "Provisional"
    assert march["state_note"] == "Provisional: waiting for Bury Council (due 10 Apr 2016)."
    summary = exploration.trend_summary(trend, "per_1000", 1.2)
    assert summary == (
        "Whole partnership: 1.20 per 1,000 in Feb 2016 to 1.35 per 1,000 in Mar 2016 "
        "(provisional). Target: 1.20 per 1,000."
    )
    bury = exploration.trend_frame(MARCH, "preventions", ["E08000002"], AREAS, NAMES)
    assert bury.rows(named=True)[0]["value"] is None  # the point is kept, and marked
    assert "every month hidden (1 month suppressed: small number)" in (
        exploration.trend_summary(bury, "per_1000", None)
    )


def test_the_month_says_whether_the_partnership_figure_is_provisional() -> None:
    assert exploration.month_status(MARCH, "preventions", "2016-03", NAMES) == (
        "Whole partnership, Mar 2016: 1.35 per 1,000. "
        "Provisional: waiting for Bury Council (due 10 Apr 2016)."
    )
    assert exploration.month_status(MARCH, "preventions", "2016-02", NAMES) == (
        "Whole partnership, Feb 2016: 1.20 per 1,000. Complete: all 2 partners needed have "
        "submitted. Revised from 1.10 per 1,000 to 1.20 per 1,000 by a resubmission."
    )


def test_export_is_flat_with_coverage_states_and_rounded_numbers() -> None:
    noisy = figures_frame(
        [figure_row("2016-01", None, 0.172972051806407, numerator=256.09999999999997)]
    )
    export = exploration.export_frame(noisy, "preventions", AREAS, NAMES)
    assert "contributions" not in export.columns
    assert export.schema["missing"] == pl.String
    assert "Whole partnership" in export["area_name"].to_list()
    assert export["value"].to_list() == [0.173]  # a rate per 1,000: 3 decimal places
    assert export["numerator"].to_list() == [256.1]
    march = exploration.export_frame(MARCH, "preventions", AREAS, NAMES)
    states = dict(zip(march["area_name"], march["state"], strict=False))
    assert states["Bury"] == "suppressed"
    notes = march.filter(pl.col("period") == "2016-03")["state_note"].to_list()
    assert "Provisional: waiting for Bury Council (due 10 Apr 2016)." in notes


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
    by_area = exploration.areas_frame(FIGURES, "preventions", "2016-02", AREAS, NAMES)
    table = exploration.readable(by_area, "per_1000")
    # The colour is not a column for people; the state and its notes are.
    assert table.columns == ["Area", "Figure", "Status", "State", "Coverage and notes"]
    assert table.row(0)[:4] == ("Bolton", "1.30 per 1,000", "✔ On track", "Complete")
    shares = exploration.readable(pl.DataFrame({"partner": ["A"], "share": [0.25]}), "count")
    assert shares.rows() == [("A", "25.0%")]


def test_a_single_partner_outcome_says_why_there_are_no_shares() -> None:
    empty = pl.DataFrame(schema={"partner": pl.String, "share": pl.Float64})
    assert "Only DWP's data feeds" in exploration.contributions_summary(empty, "2016-02", ["DWP"])
    assert "suppressed" in exploration.contributions_summary(empty, "2016-02", ["A", "B"])


def test_an_area_not_yet_submitted_says_so_rather_than_no_target() -> None:
    waiting = figures_frame(
        [
            figure_row("2016-03", "E08000001", 1.4),
            figure_row(
                "2016-03", "E08000002", None, status=None, missing=["bury"],
                missing_due=["2016-04-10"], submitted=["bolton"],
            ),
        ]
    )  # fmt: skip
    by_area = exploration.areas_frame(waiting, "preventions", "2016-03", AREAS, NAMES)
    bury = by_area.row(1, named=True)
    assert (bury["area"], bury["shown"]) == ("Bury", "not yet submitted")
    assert bury["status_label"] == "… Not yet submitted"
    assert bury["state_note"] == "Provisional: waiting for Bury Council (due 10 Apr 2016)."
