"""An Excel workbook uploaded in Chromium: a workbook of two sheets is checked once its sheet is
chosen; a rejected one offers the errors workbook, which downloads and opens with the cell at
fault noted. The page passes axe at each step."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from e2e_support import App, blocking_violations, choose, go_to, screenshot, wait_for_app
from playwright.sync_api import Page, expect
from workbooks import APPROACH, workbook
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _us_date(_book: Workbook, ws: Worksheet) -> None:
    ws.write_string(5, APPROACH, "01/26/2015")


def test_a_partner_uploads_a_workbook_chooses_its_sheet_and_downloads_its_errors(
    app: App, page: Page, tmp_path: Path
) -> None:
    page.goto(app.page_url(""))
    wait_for_app(page)
    choose(page, "Act as demo user", "Demo: submitter at Bury Council")
    go_to(page, "Submit an extract")
    choose(page, "Dataset", "Homelessness case records")
    choose(page, "Month the extract is for", "2016-04")
    upload = page.locator("[data-testid='stFileUploader'] input[type='file']")
    upload.set_input_files(
        files=[{"name": "bury april.xlsx", "mimeType": XLSX,
                "buffer": workbook(sheet="April", other_sheets=("Notes",))}]
    )  # fmt: skip
    main = page.locator("[data-testid='stMain']")
    expect(main.get_by_text("2 worksheets ('Notes', 'April')", exact=False)).to_be_visible(
        timeout=60_000
    )
    wait_for_app(page)
    choose(page, "Worksheet holding the extract", "April")
    expect(main.get_by_text(re.compile(r"^Accepted: "))).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Load into the shared warehouse")).to_be_visible()
    screenshot(page, "workbook-1-sheet-chosen")
    violations = blocking_violations(page)
    assert not violations, "axe-core found:\n" + "\n".join(violations)

    upload.set_input_files(
        files=[{"name": "bury.xlsx", "mimeType": XLSX,
                "buffer": workbook(dates="text", extra=_us_date)}]
    )  # fmt: skip
    expect(page.get_by_role("alert").filter(has_text="Rejected")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    button = page.get_by_role("button", name="Download your rows with the problems marked (Excel)")
    with page.expect_download() as download:
        button.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "homelessness_cases_2016-04_errors.xlsx"
    cell = openpyxl.load_workbook(saved)["Your data"].cell(row=6, column=APPROACH + 1)
    assert cell.value == "01/26/2015" and cell.comment is not None
    screenshot(page, "workbook-2-errors-workbook")
    violations = blocking_violations(page)
    assert not violations, "axe-core found:\n" + "\n".join(violations)
