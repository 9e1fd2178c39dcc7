"""Excel workbooks on the command line, over the sample partnership: `validate` (with `--sheet`
and `--errors-workbook`), `submit` (a workbook loaded as a new version, an identical one
recognised) and `ingest` (a drop folder's `<dataset>_<YYYY-MM>.xlsx`)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from support import ROOT, demo_cli_env
from typer.testing import CliRunner, Result
from workbooks import APPROACH, workbook
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.cli import app
from shared_outcomes.present.errors_workbook import DATA_SHEET, ERRORS_SHEET
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

pytestmark = pytest.mark.slow

BURY = ["--dataset", "homelessness_cases", "--partner", "bury_council", "--period", "2016-04"]


@pytest.fixture
def env(demo_db: Path, tmp_path: Path) -> dict[str, str]:
    return demo_cli_env(demo_db, tmp_path)


def run(env: dict[str, str], *args: str | Path) -> Result:
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output + result.stderr
    return result


def flat(text: str) -> str:
    return " ".join(text.split())


def _bad_dates(_book: Workbook, ws: Worksheet) -> None:
    ws.write_string(5, APPROACH, "01/26/2015")  # worksheet row 6: month first


def test_validate_reads_a_workbook_and_its_sheet_as_chosen(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "bury.xlsx"
    workbook(path, sheet="April", other_sheets=("Notes",))
    unsure = run(env, "validate", path, *BURY)
    assert unsure.exit_code == 1
    assert "2 worksheets ('Notes', 'April')" in flat(unsure.stdout)
    assert "--sheet NAME" in flat(unsure.stdout)
    chosen = run(env, "validate", path, *BURY, "--sheet", "April", "--json")
    assert chosen.exit_code == 0, chosen.stdout
    report = json.loads(chosen.stdout)
    assert report["accepted"] and report["sheet"] == "April" and report["rows"] == 93


def test_validate_writes_the_errors_workbook_of_a_rejected_workbook(
    env: dict[str, str], tmp_path: Path
) -> None:
    path, marked = tmp_path / "bury.xlsx", tmp_path / "marked.xlsx"
    workbook(path, dates="text", extra=_bad_dates)
    result = run(env, "validate", path, *BURY, "--errors-workbook", marked)
    assert result.exit_code == 1
    assert f"to {marked}" in flat(result.stderr)
    book = openpyxl.load_workbook(marked)
    assert book.sheetnames == [ERRORS_SHEET, DATA_SHEET]
    cell = book[DATA_SHEET].cell(row=6, column=APPROACH + 1)
    assert cell.value == "01/26/2015"  # as sent, on its own row
    assert cell.comment is not None and "look like US dates" in cell.comment.text

    clean = run(env, "validate", path.with_name("clean.xlsx"), *BURY)
    assert clean.exit_code == 2  # no such file: a usage error, nothing written
    workbook(tmp_path / "clean.xlsx")
    none = run(env, "validate", tmp_path / "clean.xlsx", *BURY, "--errors-workbook",
               tmp_path / "none.xlsx")  # fmt: skip
    assert none.exit_code == 0 and not (tmp_path / "none.xlsx").exists()
    assert "Nothing was found to mark" in flat(none.stderr)
    folder = run(env, "validate", path, *BURY, "--errors-workbook", tmp_path)
    assert folder.exit_code == 2 and "--errors-workbook" in flat(folder.stderr)


def test_submit_loads_a_workbook_and_recognises_the_same_workbook_again(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "homelessness_cases_2016-04.xlsx"
    workbook(path)
    first = run(env, "submit", path, *BURY, "--json")
    assert first.exit_code == 0, first.stdout
    loaded = json.loads(first.stdout)
    assert loaded["status"] == "loaded" and loaded["supersedes"] is not None
    again = run(env, "submit", path, *BURY, "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["status"] == "unchanged"
    ws = Workspace.open(load_settings(db=Path(env["SHARED_OUTCOMES_DB"]), root=ROOT))
    current = ws.warehouse.current("bury_council", "homelessness_cases", "2016-04")
    assert current is not None and current.submission_id == loaded["submission_id"]
    assert current.rows == 93 and current.file_name == path.name
    assert ws.warehouse.archive.path_for(str(current.sha256)).read_bytes() == path.read_bytes()
    assert current.submission_id in {s.submission_id for s in ws.submissions(SYSTEM)}


def test_a_drop_folder_takes_workbooks_named_like_its_csv_files(
    env: dict[str, str], tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    (drop / "bury_council").mkdir(parents=True)
    workbook(drop / "bury_council" / "homelessness_cases_2016-04.xlsx")
    workbook(drop / "bury_council" / "homelessness_cases_2016-05.XLSX", dates="text",
             extra=_bad_dates)  # fmt: skip
    result = run(env, "ingest", drop, "--settle", "0")
    assert result.exit_code == 1  # one was rejected
    assert (drop / "processed" / "bury_council" / "homelessness_cases_2016-04.xlsx").is_file()
    rejected = drop / "rejected" / "bury_council" / "homelessness_cases_2016-05.XLSX"
    report = json.loads(rejected.with_name(rejected.name + ".report.json").read_text())
    assert report["sheet"] == "homelessness_cases"
    assert {f["code"] for f in report["findings"]} >= {"not-a-date"}
