"""Access control in the real browser: the admin's audit page, and no way in for anyone else."""

from __future__ import annotations

from e2e_support import App, blocking_violations, choose, go_to, screenshot, wait_for_app
from playwright.sync_api import Page, expect


def _nav_links(page: Page) -> list[str]:
    return page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()


def test_the_admin_reads_the_audit_log_and_it_passes_axe(app: App, page: Page) -> None:
    page.goto(app.page_url(""))
    wait_for_app(page)
    assert not any("Audit log" in link for link in _nav_links(page))  # leadership, by default
    choose(page, "Act as demo user", "Demo: administrator")
    go_to(page, "Audit log")
    assert page.title() == "Audit log · Shared Outcomes"
    main = page.locator("[data-testid='stMain']")
    expect(main.get_by_text("demo-admin").first).to_be_visible()  # this very sign-in
    screenshot(page, "a11y-audit-log")
    violations = blocking_violations(page)
    assert not violations, "axe-core found:\n" + "\n".join(violations)


def test_the_audit_log_address_and_a_crafted_user_parameter_let_no_one_in(
    app: App, page: Page
) -> None:
    page.goto(app.page_url("audit-log", "user=demo-admin&user_id=demo-admin"))
    wait_for_app(page)
    assert page.title() != "Audit log · Shared Outcomes"
    assert not any("Audit log" in link for link in _nav_links(page))
    main = page.locator("[data-testid='stMain']")
    expect(main.locator("h1")).not_to_have_text("Audit log")
    expect(page.get_by_text("Signed in as Demo: leadership board member")).to_be_visible()
