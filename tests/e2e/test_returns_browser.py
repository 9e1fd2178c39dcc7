"""Your returns in Chromium: a partner's submitter opens /returns, reads its task list, declares
nothing to report for the first return that needs doing, and the page passes axe; the return's
link opens the Submit page with it chosen."""

from __future__ import annotations

import re
from pathlib import Path

from e2e_support import App, blocking_violations, choose, screenshot, wait_for_app
from playwright.sync_api import Page, expect

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Identity("demo-admin", "Demo: administrator (the centre)", Role.ADMIN)
REASON = "Service closed for refurbishment: no cases this month."


def test_a_submitter_reads_its_returns_and_declares_nothing_to_report(app: App, page: Page) -> None:
    page.goto(app.page_url("returns"))
    wait_for_app(page)
    choose(page, "Act as demo user", "Demo: submitter at Tameside Council")
    page.wait_for_function("() => document.title.startsWith('Your returns')")
    wait_for_app(page)
    assert page.url == app.page_url("returns")
    main = page.locator("[data-testid='stMain']")
    expect(main.get_by_role("heading", name="Your returns", level=1)).to_be_visible()
    expect(main.get_by_role("heading", name=re.compile(r"^Needs doing \(\d+\)"))).to_be_visible()
    expect(main.get_by_text("⚠ overdue").first).to_be_visible()  # a symbol beside the words
    expect(main.get_by_text("Returns of Tameside Council.")).to_be_visible()
    assert page.get_by_role("combobox", name="Partner").count() == 0  # its own partner only
    screenshot(page, "returns-1-task-list")
    violations = blocking_violations(page)
    assert not violations, "axe-core found:\n" + "\n".join(violations)

    main.get_by_role("textbox", name="Why there is nothing to report (optional)").fill(REASON)
    main.get_by_text("I confirm that Tameside Council has nothing to report", exact=False).click()
    main.get_by_role("button", name="Declare nothing to report").click()
    done = page.get_by_text(re.compile(r"^Recorded nil return #\d+: Tameside Council"))
    expect(done).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(main.get_by_text(f"nil return: {REASON}")).to_be_visible()
    screenshot(page, "returns-2-nil-return")
    violations = blocking_violations(page)
    assert not violations, "axe-core found:\n" + "\n".join(violations)

    ws = Workspace.open(load_settings(db=app.db_path, root=ROOT))
    newest = ws.partner_submissions(ADMIN, "tameside_council")[0]
    assert (
        newest.is_nil and newest.note == REASON and newest.submitted_by == ("demo-tameside_council")
    )

    # The return's link opens the Submit page with its dataset and month chosen.
    link = main.get_by_role("link", name="Send a corrected extract on the Submit page")
    link.click()
    page.wait_for_function("() => document.title.startsWith('Submit an extract')")
    wait_for_app(page)
    assert "dataset=" + newest.dataset in page.url and "period=" + newest.period in page.url
    month = page.locator("[data-testid='stSelectbox']").filter(has_text="Month the extract is")
    expect(month.locator("input")).to_have_value(newest.period)
    dataset = page.locator("[data-testid='stSelectbox']").filter(has_text="Dataset")
    expect(dataset.locator("input")).to_have_value(ws.contracts[newest.dataset].title)
