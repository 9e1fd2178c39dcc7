"""The register state a document prints: a digest of the figures that ignores row order and
float noise, but not a changed figure or state."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from shared_outcomes.meeting.register_state import RegisterState, figures_digest


def _frame(value: float = 1.25, suppressed: bool = False) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "outcome": ["preventions"] * 3,
            "area_code": [None, None, "E08000001"],
            "period": ["2017-09", "2017-10", "2017-10"],
            "value": [1.1, value, None if suppressed else 0.9],
            "suppressed": [False, False, suppressed],
            "missing": [[], ["bury", "bolton"], []],
            "as_at": ["now", "now", "now"],  # not a figure: never in the digest
        }
    )


def test_the_digest_ignores_row_order_and_float_noise() -> None:
    frame = _frame()
    noisy = _frame(1.25 + 1e-12).with_columns(pl.col("missing").list.reverse())
    assert figures_digest(frame) == figures_digest(frame.reverse())
    assert figures_digest(frame) == figures_digest(noisy)
    assert figures_digest(frame) == figures_digest(frame.with_columns(as_at=pl.lit("later")))


def test_a_changed_figure_or_state_changes_the_digest() -> None:
    assert figures_digest(_frame()) != figures_digest(_frame(1.30))
    assert figures_digest(_frame()) != figures_digest(_frame(suppressed=True))


def test_the_state_in_words_names_the_newest_submission_and_a_short_digest() -> None:
    state = RegisterState(datetime(2026, 12, 1, tzinfo=UTC), 41, "3f2a9c0d1e2b" + "0" * 52)
    assert state.words == "register at submission #41, figures digest 3f2a9c0d1e2b"
    empty = RegisterState(datetime(2026, 12, 1, tzinfo=UTC), None, "a" * 64)
    assert empty.words.startswith("register at no submissions")
