"""`Period`: parsing with one message, arithmetic across years, labels, the deadline rule."""

from __future__ import annotations

from datetime import date

import pytest

from shared_outcomes.errors import UsageError
from shared_outcomes.period import Period, month_label


@pytest.mark.parametrize("text", ["2016-3", "2016-13", "2016-00", "16-03", "2016-03\n", "", "x"])
def test_anything_but_yyyy_mm_is_refused_with_one_wording(text: str) -> None:
    with pytest.raises(UsageError, match=r"is not a month: write it as YYYY-MM, e.g. 2016-03\."):
        Period.parse(text)
    assert not Period.is_valid(text)


def test_arithmetic_crosses_years_and_round_trips_through_text() -> None:
    december = Period.parse("2016-12")
    assert str(december.next()) == "2017-01"
    assert str(Period.parse("2017-01").previous()) == "2016-12"
    assert str(december.shifted(-24)) == "2014-12"
    assert Period.parse(str(december)) == december
    assert Period(2016, 3) < Period(2016, 11) < Period(2017, 1)
    assert [str(p) for p in Period.span("2016-11", "2017-02")] == [
        "2016-11", "2016-12", "2017-01", "2017-02",
    ]  # fmt: skip
    assert Period.span("2017-02", "2016-11") == []
    assert Period.of(date(2020, 2, 29)) == Period(2020, 2)


def test_labels_and_the_deadline_rule() -> None:
    march = Period.parse("2016-03")
    assert (march.label, march.long_label, month_label("2016-03")) == (
        "Mar 2016", "March 2016", "Mar 2016",
    )  # fmt: skip
    assert march.due_date(10) == date(2016, 4, 10)
    assert Period.parse("2016-12").due_date(31) == date(2017, 1, 28)  # every month has the 28th
    assert Period.parse("2016-01").due_date(28) == date(2016, 2, 28)
