"""Other projects' CSV parsing suites, read by read_extract exactly as their expected JSON says.

The cases are copied under tests/fixtures/reading/ (see each SOURCE.md) so that CI on a fresh
machine runs them too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared_outcomes.checking.reading import ROW_COLUMN, read_extract

FIXTURES = Path(__file__).parents[1] / "fixtures" / "reading"
SPECTRUM = FIXTURES / "csv-spectrum"
W3C = FIXTURES / "w3c-csvw"

BROKEN_UPSTREAM = {
    "location_coordinates": (
        "broken upstream (csv-spectrum SOURCE.md): its JSON is a single object, not an array, "
        "its phone number differs from the CSV's, and both hold U+FFFD where a degree sign was lost"
    )
}


def records(path: Path) -> list[dict[str, Any]]:
    """The frame as csv-spectrum writes it: one dict per data row, header -> text."""
    result = read_extract(path)
    assert result.frame is not None, [f.message for f in result.findings]
    return [
        {k: v for k, v in row.items() if k != ROW_COLUMN}
        for row in result.frame.iter_rows(named=True)
    ]


def spectrum_cases() -> list[Any]:
    names = sorted(p.stem for p in (SPECTRUM / "csvs").glob("*.csv"))
    assert len(names) == 12, names
    return [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(reason=BROKEN_UPSTREAM[name], strict=True)]
            if name in BROKEN_UPSTREAM
            else [],
            id=name,
        )
        for name in names
    ]


@pytest.mark.parametrize("name", spectrum_cases())
def test_csv_spectrum_case_is_parsed_exactly(name: str) -> None:
    expected = json.loads((SPECTRUM / "json" / f"{name}.json").read_text(encoding="utf-8"))
    result = read_extract(SPECTRUM / "csvs" / f"{name}.csv")
    assert [f.code for f in result.findings] == []
    assert records(SPECTRUM / "csvs" / f"{name}.csv") == expected


W3C_TO_JSON = ["test001", "test005", "test006", "test007", "test008", "test009", "test010"]


@pytest.mark.parametrize("name", W3C_TO_JSON)
def test_w3c_csvw_plain_csv_is_read_with_its_row_numbers(name: str) -> None:
    expected = json.loads((W3C / f"{name}.json").read_text(encoding="utf-8"))
    (table,) = expected["tables"]
    result = read_extract(W3C / f"{name}.csv")
    assert result.findings == []
    assert result.frame is not None
    rows = list(result.frame.iter_rows(named=True))
    assert [row[ROW_COLUMN] for row in rows] == [r["rownum"] + 1 for r in table["row"]]
    # CSVW's default null is the empty string, and null cells are left out of its JSON.
    assert [{k: v for k, v in row.items() if k != ROW_COLUMN and v != ""} for row in rows] == [
        r["describes"][0] for r in table["row"]
    ]


def test_w3c_csvw_countries_example_in_standard_and_minimal_form() -> None:
    standard = json.loads((W3C / "test028.json").read_text(encoding="utf-8"))
    minimal = json.loads((W3C / "test029.json").read_text(encoding="utf-8"))
    got = records(W3C / "countries.csv")
    assert got == minimal
    assert got == [r["describes"][0] for r in standard["tables"][0]["row"]]
