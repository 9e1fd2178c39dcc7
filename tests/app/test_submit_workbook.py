"""An Excel workbook on the Submit page (AppTest): a workbook of several sheets asks which one
holds the extract and then loads it; a rejected workbook offers the errors workbook, the
partner's rows with each cell at fault marked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest
from support import ROOT, shown
from workbooks import APPROACH, workbook
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.checking.report import Report
from shared_outcomes.present.errors_workbook import DATA_SHEET
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

pytestmark = pytest.mark.slow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LOAD = "Load into the shared warehouse"
MARKED = "Download your rows with the problems marked (Excel)"


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.selectbox(key="dataset").set_value("homelessness_cases")
    at.selectbox(key="period").set_value("2016-04")
    at.run()
    at.file_uploader(key="file").set_value((name, data, XLSX))
    at.run()


def test_a_workbook_of_several_sheets_is_loaded_from_the_sheet_chosen(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    at = open_page("Submit an extract", "demo-bury_council")
    assert "CSV file or an Excel workbook" in " ".join(shown(m.value) for m in at.markdown)
    _upload(at, "bury april.xlsx", workbook(sheet="April", other_sheets=("Notes",)))
    assert not at.exception
    assert shown(at.error[0].value).startswith("Rejected")
    assert "2 worksheets ('Notes', 'April')" in " ".join(
        shown(str(c)) for c in at.table[0].value["What is wrong"]
    )
    picker = at.selectbox(key="sheet")
    assert picker.options == ["Notes", "April"] and picker.value is None
    picker.set_value("April")
    at.run()
    assert not at.exception and not at.error
    assert shown(at.success[0].value).startswith("Accepted:")
    at.checkbox(key="confirm").check()
    at.run()
    next(b for b in at.button if b.label == LOAD).click()
    at.run()
    assert any("loaded as submission" in s.value for s in at.success)
    ws = Workspace.open(load_settings(db=app_db, root=ROOT))
    newest = ws.submissions(SYSTEM)[0]
    assert (newest.status, newest.file_name, newest.rows) == ("accepted", "bury april.xlsx", 93)
    stored = ws.warehouse.report_json(newest.submission_id)
    assert stored is not None and Report.model_validate_json(stored).sheet == "April"


def test_a_rejected_workbook_offers_its_rows_with_the_problems_marked(
    open_page: Callable[..., AppTest],
) -> None:
    def us_date(_book: Workbook, ws: Worksheet) -> None:
        ws.write_string(5, APPROACH, "01/26/2015")

    at = open_page("Submit an extract", "demo-bury_council")
    _upload(at, "bury.xlsx", workbook(dates="text", extra=us_date))
    assert not at.exception
    assert shown(at.error[0].value).startswith("Rejected")
    labels = [b.proto.label for b in at.get("download_button")]
    assert MARKED in labels and "Download the failing rows (CSV)" in labels
    marked = at.session_state["checked_upload"].errors_workbook
    assert marked is not None and marked.exists()
    cell = openpyxl.load_workbook(marked)[DATA_SHEET].cell(row=6, column=APPROACH + 1)
    assert cell.value == "01/26/2015" and cell.comment is not None
    at.button(key="remove-file").click()
    at.run()
    assert not marked.exists()  # removed with the upload
