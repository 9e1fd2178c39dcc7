"""A partner's text is shown as written, never rendered as Markdown, in a real Chromium.

A rejected Bolton submission whose file name, header cell and a cell are Markdown (links, bold,
a tracking image): on the submit page as it is uploaded, and on the data-quality page for the
partner (its report) and for the board (the list of recent submissions), the page must hold no
link to the attacker's site and no image from it, the browser must never ask that site for
anything, and the text must be readable exactly as the partner wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from e2e_support import (
    HOSTILE_CELL,
    HOSTILE_FILE_NAME,
    HOSTILE_HEADER,
    ROOT,
    App,
    blocking_violations,
    choose,
    go_to,
    make_hostile_extract,
    screenshot,
    wait_for_app,
)
from playwright.sync_api import Page, Request, expect

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

HOSTILE_TEXTS = (HOSTILE_FILE_NAME, HOSTILE_HEADER, HOSTILE_CELL)


@dataclass(frozen=True)
class Stored:
    submission_id: int


@pytest.fixture(scope="module")
def stored(app: App) -> Stored:
    """The hostile extract, submitted (and rejected) before any page of this module is opened,
    so the server has not opened the database yet."""
    files = make_hostile_extract()
    ws = Workspace.open(load_settings(db=app.db_path, root=ROOT))
    result = ws.submit(
        SYSTEM,
        files.bad,
        dataset=files.dataset,
        partner=files.partner,
        period=files.period,
        file_name=HOSTILE_FILE_NAME,
    )
    assert result.status == "rejected"
    assert result.submission_id is not None
    return Stored(result.submission_id)


@pytest.fixture
def watched(page: Page) -> tuple[Page, list[str]]:
    """The tab, and every request it made to the attacker's site (images included)."""
    asked: list[str] = []

    def note(request: Request) -> None:
        if "evil.invalid" in request.url:
            asked.append(request.url)

    page.on("request", note)
    return page, asked


def _dataset_title() -> str:
    """The hostile extract's dataset as the page names it (its contract's title)."""
    from shared_outcomes.config.contracts import load_contracts

    return load_contracts(ROOT / "data_contracts")[make_hostile_extract().dataset].title


def _assert_shown_as_written(page: Page, asked: list[str], *texts: str) -> None:
    page.wait_for_timeout(1000)  # give any image a moment to be fetched
    links = page.locator("a[href*='evil.invalid']")
    assert links.count() == 0, links.evaluate_all("(found) => found.map((a) => a.outerHTML)")
    images = page.locator("img[src*='evil.invalid']")
    assert images.count() == 0, images.evaluate_all("(found) => found.map((i) => i.outerHTML)")
    assert asked == []
    # Nothing became bold (the partner's ** and the file name's **urgent**).
    assert page.locator("[data-testid='stMain'] strong", has_text="urgent").count() == 0
    assert page.locator("[data-testid='stMain'] strong", has_text="bold").count() == 0
    # Word joiners (invisible) break URLs so no autolink is made; the text reads as written.
    main = page.locator("[data-testid='stMain']").inner_text().replace("\u2060", "")
    for text in texts:
        assert text in main, f"not shown as written: {text!r}"


@pytest.mark.usefixtures("stored")
def test_an_uploaded_extract_with_markdown_in_its_name_header_and_cells_is_shown_as_written(
    app: App,
    watched: tuple[Page, list[str]],
) -> None:
    page, asked = watched
    files = make_hostile_extract()
    page.goto(app.page_url(""))
    wait_for_app(page)
    choose(page, "Act as demo user", f"Demo: submitter at {files.partner_name}")
    go_to(page, "Submit an extract")
    choose(page, "Dataset", files.dataset.replace("_", " "))
    choose(page, "Month the extract is for", files.period)
    upload = page.locator("[data-testid='stFileUploader'] input[type='file']")
    upload.set_input_files(
        files=[{"name": HOSTILE_FILE_NAME, "mimeType": "text/csv", "buffer": files.bad}]
    )
    expect(page.get_by_role("alert").filter(has_text="Rejected")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    screenshot(page, "partner-text-submit")
    _assert_shown_as_written(page, asked, *HOSTILE_TEXTS)
    assert blocking_violations(page) == []


def test_the_partner_reads_the_stored_report_as_written(
    app: App, watched: tuple[Page, list[str]], stored: Stored
) -> None:
    page, asked = watched
    page.goto(app.page_url(""))
    wait_for_app(page)
    choose(page, "Act as demo user", "Demo: submitter at Bolton Council")
    go_to(page, "Data quality and timeliness")
    choose(page, "Dataset", _dataset_title())  # recent submissions and reports are per dataset
    # The web upload of the test before is recorded too (a newer rejected attempt): pick ours.
    choose(page, "Show the report of", str(stored.submission_id))
    report = page.locator("[data-testid='stSelectbox']").filter(has_text="Show the report of")
    expect(report.locator("input")).to_have_value(str(stored.submission_id))
    expect(page.get_by_text("Rejected:", exact=False).first).to_be_visible()
    screenshot(page, "partner-text-data-quality-partner")
    _assert_shown_as_written(page, asked, *HOSTILE_TEXTS)
    assert blocking_violations(page) == []


@pytest.mark.usefixtures("stored")
def test_the_board_sees_the_file_name_as_written(
    app: App,
    watched: tuple[Page, list[str]],
) -> None:
    page, asked = watched
    page.goto(app.page_url("data-quality"))
    wait_for_app(page)
    expect(page.get_by_text("Signed in as Demo: leadership board member")).to_be_visible()
    choose(page, "Dataset", _dataset_title())
    screenshot(page, "partner-text-data-quality-board")
    _assert_shown_as_written(page, asked, HOSTILE_FILE_NAME)
