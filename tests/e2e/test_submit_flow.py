"""The journey in Chromium: every page opens; a bad then a good extract; the picture changes."""

from __future__ import annotations

import re

import pytest
from e2e_support import (
    PAGES,
    App,
    blocking_violations,
    choose,
    go_to,
    make_extracts,
    screenshot,
    wait_for_app,
)
from playwright.sync_api import Browser, Page, expect


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens_without_an_error(app: App, page: Page, path: str) -> None:
    page.goto(app.page_url(path))
    wait_for_app(page)
    expect(page.get_by_role("heading", name=PAGES[path], level=1)).to_be_visible()
    expect(page.get_by_text("synthetic", exact=False).first).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    errors = page.locator("[data-testid='stAlertContentError']").all_inner_texts()
    assert errors == []
    screenshot(page, f"page-{path or 'common-picture'}")


def test_submit_bad_then_good_extract_and_see_the_common_picture_change(
    app: App, page: Page
) -> None:
    files = make_extracts()
    page.goto(app.page_url(""))
    wait_for_app(page)
    before = page.locator("[data-testid='stMain']").inner_text()
    assert "Revised from" not in before

    choose(page, "Act as demo user", f"Demo: submitter at {files.partner_name}")
    go_to(page, "Submit an extract")
    choose(page, "Dataset", files.dataset.replace("_", " "))
    choose(page, "Month the extract is for", files.period)
    expect(page.get_by_text("200 MB", exact=False).first).to_be_visible()

    upload = page.locator("[data-testid='stFileUploader'] input[type='file']")
    upload.set_input_files(
        files=[{"name": "bad_extract.csv", "mimeType": "text/csv", "buffer": files.bad}]
    )
    alert = page.get_by_role("alert").filter(has_text="Rejected")
    expect(alert).to_be_visible(timeout=60_000)
    wait_for_app(page)
    report = page.locator("[data-testid='stMain']").inner_text()
    assert "area_code" in report and "applicant_age" in report
    expect(page.get_by_role("button", name="Load into the shared warehouse")).to_have_count(0)
    expect(page.get_by_text("Download the failing rows (CSV)")).to_be_visible()
    screenshot(page, "flow-1-bad-extract-report")
    assert blocking_violations(page) == []  # the report, its table and alert pass axe too

    upload.set_input_files(
        files=[{"name": "good_extract.csv", "mimeType": "text/csv", "buffer": files.good}]
    )
    expect(page.get_by_text(re.compile(r"^Accepted: "))).to_be_visible(timeout=60_000)
    wait_for_app(page)
    load = page.get_by_role("button", name="Load into the shared warehouse")
    expect(load).to_be_disabled()
    page.get_by_text("I confirm this is", exact=False).click()
    expect(load).to_be_enabled()
    load.click()
    expect(page.get_by_text(re.compile(r"loaded as submission \d+"))).to_be_visible(timeout=60_000)
    screenshot(page, "flow-2-good-extract-loaded")
    assert blocking_violations(page) == []

    go_to(page, "Common picture")
    after = page.locator("[data-testid='stMain']").inner_text()
    screenshot(page, "flow-3-common-picture-after")
    assert after != before
    assert "Revised from" in after


def test_explore_filters_live_in_the_url_so_a_view_can_be_shared(
    app: App, page: Page, browser: Browser
) -> None:
    page.goto(app.page_url("explore"))
    wait_for_app(page)
    choose(page, "Shared outcome", "Benefit claimants per 1,000 households")
    choose(page, "Month for the area comparison", "Sep 2017")
    page.wait_for_url(re.compile(r"month=Sep"))
    link = page.url
    assert "outcome=Benefit" in link

    # Someone else opens the link in their own browser session: they see the same view.
    other = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    other.goto(link)
    wait_for_app(other)
    expect(other.get_by_role("combobox", name="Shared outcome")).to_have_value(
        "Benefit claimants per 1,000 households"
    )
    expect(other.get_by_role("heading", name="Areas compared, Sep 2017")).to_be_visible()
    screenshot(other, "explore-shared-link")
    other.context.close()


def test_every_card_draws_its_trend_in_the_browser(app: App, page: Page) -> None:
    """The cards' sparklines are Vega-Lite specifications built once and kept
    (`charts.card_spec`): each card with months behind it draws a line of them, with the
    card's one-sentence summary as the chart's accessible description."""
    page.goto(app.page_url(""))
    wait_for_app(page)
    cards = page.locator("[class*='st-key-card-']").filter(has_text="Figures by month")
    expect(cards.first.locator(".vega-embed svg")).to_be_visible(timeout=30_000)
    assert cards.count() >= 5
    for card in cards.all():
        line = card.locator(".vega-embed g.mark-line path").first
        expect(line).to_have_attribute("d", re.compile(r"^M[\d.\-]+,[\d.\-]+L"))
        title = card.locator("h3").first.inner_text().strip()
        label = card.locator(".vega-embed").first.get_attribute("aria-label") or ""
        assert label.startswith(f"{title}, ") and "target" in label, (title, label)
