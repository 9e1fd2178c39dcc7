"""The common picture's view model: cards, changes since a meeting, and the Explore frames."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from sample_figures import FIGURES, NAMES, figure_row, figures_frame

from shared_outcomes.config.definitions import Target
from shared_outcomes.present import picture


def _definition(**changes: Any) -> Any:
    base = dict(
        id="preventions",
        title="Preventions per 1,000 households",
        problem="homelessness",
        unit="per_1000",
        direction="higher_is_better",
        target=Target(1.2, "2016-01"),
        tolerance=0.1,
    )
    base.update(changes)
    return SimpleNamespace(**base)


DEFINITIONS = {"preventions": _definition()}


def test_card_shows_latest_value_target_rag_word_change_coverage_and_revision() -> None:
    groups = picture.outcome_cards(FIGURES, DEFINITIONS, NAMES)
    (card,) = groups["Homelessness"]
    assert card.period == "2016-02"
    assert card.value == "1.25 per 1,000"
    assert card.target == "1.20 per 1,000"
    assert card.rag.word == "On track"
    assert card.change == "+0.25 per 1,000"
    assert card.coverage == "Provisional: waiting for Bury Council (due 10 Mar 2016)."
    assert not card.complete
    assert card.revised == "Revised from 1.10 per 1,000 to 1.25 per 1,000 by a resubmission."
    assert card.trend["value"].to_list() == [1.0, 1.25]
    assert card.trend_table.rows() == [
        ("Jan 2016", "1.00 per 1,000", "Complete"),
        ("Feb 2016", "1.25 per 1,000", "Provisional · revised"),
    ]
    assert "Feb 2016" in card.summary and "on track" in card.summary


def test_a_suppressed_figure_shows_no_number_rag_or_revision() -> None:
    hidden = FIGURES.with_columns(
        pl.when(pl.col("period") == "2016-02")
        .then(True)
        .otherwise(pl.col("suppressed"))
        .alias("suppressed")
    )
    (card,) = picture.outcome_cards(hidden, DEFINITIONS, NAMES)["Homelessness"]
    assert card.value.startswith("suppressed")
    assert card.rag.word == "No target"
    assert card.revised is None


def test_an_outcome_without_figures_says_so() -> None:
    groups = picture.outcome_cards(FIGURES.clear(), DEFINITIONS, NAMES)
    assert groups["Homelessness"][0].value == "no data yet"


def test_an_outcome_already_off_track_at_the_meeting_is_not_newly_off_track() -> None:
    before = FIGURES.filter(pl.col("period") == "2016-01")  # red then
    now = FIGURES.with_columns(pl.lit("red").alias("status"))
    changes = picture.changes_since(before, now, DEFINITIONS, NAMES)
    assert "✖ Newly off track" not in changes["Change"].to_list()


def test_changes_lead_with_off_track_and_list_each_figure_once() -> None:
    before = FIGURES.filter(pl.col("period") == "2016-01").with_columns(
        pl.lit(1.1).alias("value"), pl.lit("green").alias("status")
    )
    now = FIGURES.with_columns(
        pl.when(pl.col("period") == "2016-02")
        .then(pl.lit("red"))
        .otherwise("status")
        .alias("status")
    )
    changes = picture.changes_since(before, now, DEFINITIONS, NAMES)
    # February is new and off track: listed once, as newly off track, not also as new.
    assert changes.select("Month", "Change", "Figure").rows() == [
        ("Feb 2016", "✖ Newly off track", "1.25 per 1,000"),
        ("Jan 2016", "Revised", "1.10 per 1,000 → 1.00 per 1,000"),
        (
            "Feb 2016",
            "Data still missing",
            "Provisional: waiting for Bury Council (due 10 Mar 2016).",
        ),
    ]
    assert picture.changes_summary(changes, "1 March") == (
        "Since 1 March: 1 newly off track, 1 revised, 1 still waiting for data."
    )
    assert (
        picture.changes_summary(changes.clear(), "1 March") == "Nothing has changed since 1 March."
    )


def test_back_on_track_data_now_in_and_new_months_grouped() -> None:
    months = ["2016-01", "2016-02", "2016-03", "2016-04"]
    before = figures_frame(
        [
            figure_row("2016-01", None, 1.0, status="red"),
            figure_row(
                "2016-02", None, 1.1, status="red", missing=["bury"], missing_due=["2016-03-10"]
            ),
        ]
    )
    now = figures_frame(
        [
            figure_row("2016-01", None, 1.0, status="red"),
            figure_row("2016-02", None, 1.1, status="red"),
        ]
        + [figure_row(m, None, 1.3, status="amber") for m in months[2:3]]
        + [figure_row(months[3], None, 1.3)]
    )
    changes = picture.changes_since(before, now, DEFINITIONS, NAMES)
    assert changes.select("Month", "Change", "Figure").rows() == [
        ("Apr 2016", "✔ Back on track", "1.30 per 1,000"),
        ("Feb 2016", "Data now in", "Complete: all 2 partners needed have submitted."),
        ("Mar 2016", "New figures", "1 month"),
    ]


def test_the_default_meeting_day_follows_the_figures_not_the_newest_upload() -> None:
    from datetime import date

    assert picture.default_meeting_day(FIGURES) == date(2016, 2, 29)
    assert picture.default_meeting_day(FIGURES.clear()) is None


@pytest.mark.parametrize(("period", "label"), [("2016-01", "Jan 2016"), ("2017-12", "Dec 2017")])
def test_month_label(period: str, label: str) -> None:
    assert picture.month_label(period) == label


def test_a_month_not_yet_submitted_at_the_meeting_is_new_or_now_in_not_revised() -> None:
    waiting = {"missing": ["bury"], "missing_due": ["2016-03-10"], "provisional": True}
    before = figures_frame(
        [
            figure_row("2016-01", None, 1.0),
            figure_row("2016-02", None, None, status=None, **waiting),  # nothing in yet
            figure_row("2016-03", None, None, status=None, **waiting),
        ]
    )
    now = figures_frame(
        [
            figure_row("2016-01", None, 1.0),
            figure_row("2016-02", None, 1.1),  # all of it in since
            figure_row("2016-03", None, 1.3, **{**waiting, "missing": ["bolton"]}),  # some
        ]
    )
    changes = picture.changes_since(before, now, DEFINITIONS, NAMES)
    assert changes.select("Month", "Change", "Figure").rows() == [
        ("Feb 2016", "Data now in", "Complete: all 2 partners needed have submitted."),
        (
            "Mar 2016",
            "Data still missing",
            "Provisional: waiting for Bolton Council (due 10 Mar 2016).",
        ),
        ("Mar 2016", "New figures", "1 month"),
    ]
