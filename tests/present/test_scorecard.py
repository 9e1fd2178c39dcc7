"""Rendering figures (JSON per docs/interfaces.md, CSV, table) and `outcomes` end to end."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.cli import app
from shared_outcomes.figures.figure_rules import FIGURE_SCHEMA
from shared_outcomes.figures.outcomes import parse_as_at
from shared_outcomes.present.scorecard import figure_records, figures_csv, figures_table
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
EXTRACTS = ROOT / "sample_data" / "extracts"


def frame(**changes: object) -> pl.DataFrame:
    row: dict[str, object] = {
        "outcome": "o",
        "title": '=HYPERLINK("http://x")',
        "unit": "per_1000",
        "direction": "higher_is_better",
        "area_code": None,
        "area_name": "Whole partnership",
        "period": "2020-01",
        "numerator": 28.0,
        "denominator": 13000.0,
        "value": 28 / 13,
        "target": 2.0,
        "status": "green",
        "change_month": -0.5,
        "change_year": None,
        "expected": ["a", "b"],
        "submitted": ["a"],
        "nil_returns": [],
        "missing": ["b"],
        "missing_due": ["2020-02-12"],
        "provisional": True,
        "withheld": False,
        "suppressed": False,
        "revised": True,
        "revised_from": 2.0,
        "revised_to": 28 / 13,
        "contributions": [
            {"partner_id": "a", "numerator": 28.0, "share": 1.0, "suppressed": False}
        ],
    }
    row.update(changes)
    return pl.DataFrame([row], schema=FIGURE_SCHEMA)


def test_a_record_has_the_fields_design_md_fixes() -> None:
    (record,) = figure_records(frame())
    assert {
        "outcome", "area_code", "period", "numerator", "denominator", "value", "target",
        "status", "coverage", "provisional", "suppressed",
    } <= set(record)  # fmt: skip
    assert record["area_code"] is None and record["numerator"] == 28
    assert record["coverage"] == {
        "expected": ["a", "b"],
        "submitted": ["a"],
        "nil_returns": [],
        "missing": ["b"],
        "deadlines": {"b": "2020-02-12"},
        "erased": {},
    }
    assert record["revised"] == {"from": 2, "to": round(28 / 13, 6)}
    assert record["contributions"] == [
        {"partner": "a", "numerator": 28, "share": 1, "suppressed": False}
    ]
    json.dumps(record)  # serialisable as it stands


def test_suppressed_numbers_are_null_with_the_flag() -> None:
    (record,) = figure_records(
        frame(numerator=None, value=None, status=None, suppressed=True, revised=False)
    )
    assert record["numerator"] is None and record["value"] is None and record["suppressed"]
    assert record["revised"] is None


def test_csv_escapes_formulas_and_keeps_negative_numbers_numeric() -> None:
    rows = list(csv.DictReader(io.StringIO(figures_csv(frame(), {}))))
    assert rows[0]["title"].startswith("'=")
    assert rows[0]["change_month"] == "-0.5"
    assert rows[0]["missing"] == "b" and rows[0]["missing_deadlines"] == "2020-02-12"


def test_the_table_says_what_is_missing_and_that_the_figure_is_provisional() -> None:
    console = Console(width=200, record=True)
    console.print(figures_table(frame(), title="t", partner_names={"b": "Bury Council"}))
    text = " ".join(console.export_text().split())
    # The partner by name, the state worded as on every other surface.
    assert "Provisional: waiting for Bury Council (due 12 Feb 2020)." in " ".join(
        text.replace("│", " ").split()
    )
    assert "2.15 per 1,000" in text


def test_as_at_a_date_means_the_end_of_that_day() -> None:
    moment = parse_as_at("2017-03-01")
    assert moment is not None and moment.isoformat().startswith("2017-03-01T23:59:59")


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two councils' homelessness cases for one month, through the real submit path."""
    db = tmp_path_factory.mktemp("cli") / "w.duckdb"
    workspace = Workspace.open(load_settings(db=db))
    for partner in ("bolton_council", "bury_council"):
        path = EXTRACTS / partner / "homelessness_cases_2016-03.csv"
        result = workspace.submit(
            SYSTEM, path, dataset="homelessness_cases", partner=partner, period="2016-03"
        )
        assert result.accepted
    return db


@pytest.mark.slow
def test_the_outcomes_command_prints_json_figures_with_coverage(small_db: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["outcomes", "--db", str(small_db), "--format", "json", "--outcome",
         "homelessness_preventions_per_1000"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    whole = next(f for f in figures if f["area_code"] is None)
    assert whole["period"] == "2016-03" and whole["provisional"]
    assert whole["coverage"]["submitted"] == ["bolton_council", "bury_council"]
    assert len(whole["coverage"]["missing"]) == 8
    bolton = next(f for f in figures if f["area_code"] == "E08000001")
    assert not bolton["provisional"] and bolton["coverage"]["missing"] == []


def test_the_outcomes_command_refuses_a_bad_month_cleanly(small_db: Path) -> None:
    result = CliRunner().invoke(app, ["outcomes", "--db", str(small_db), "--period", "2016-3"])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output and "Traceback" not in result.output


def test_the_outcomes_table_shows_the_latest_month(small_db: Path) -> None:
    result = CliRunner().invoke(app, ["outcomes", "--db", str(small_db)])
    assert result.exit_code == 0, result.output
    assert "Shared outcomes, 2016-03" in result.output


def test_the_table_shows_names_from_configuration_as_written_never_as_markup() -> None:
    """Rich reads "[bold]…[/bold]" and "[link=…]" as markup; a title, an area name and a missing
    partner's id are configuration and must print exactly as written."""
    title = "[link=https://evil.invalid]Homelessness[/link] [bold]now[/bold]"
    console = Console(width=300, record=True)
    figures = frame(title=title, area_name="[red]Bolton[/red]", missing=["[b]x[/b]"])
    console.print(figures_table(figures, title="Outcomes [i]2020[/i]", partner_names={}))
    text = console.export_text()
    assert title in text and "[red]Bolton[/red]" in text and "[b]x[/b]" in text
    assert "Outcomes [i]2020[/i]" in text
