"""WCAG 2.2 AA in a real browser: axe-core on every page, titles, and the allow-list kept honest.

Fails on any serious or critical violation of the WCAG 2.0/2.1/2.2 A and AA rules that is not
in `a11y_allowlist.yaml` (one entry per rule and element, each with its reason), and lists them.
"""

from __future__ import annotations

import pytest
from e2e_support import (
    PAGES,
    App,
    allowlist,
    allowlist_matched,
    blocking_violations,
    choose,
    screenshot,
    wait_for_app,
)
from playwright.sync_api import Page, expect


@pytest.mark.parametrize("path", list(PAGES))
def test_page_has_no_serious_accessibility_violations(app: App, page: Page, path: str) -> None:
    page.goto(app.page_url(path))
    wait_for_app(page)
    screenshot(page, f"a11y-{path or 'common-picture'}")
    violations = blocking_violations(page)
    assert not violations, "axe-core found:\n" + "\n".join(violations)


@pytest.mark.parametrize("path", list(PAGES))
def test_page_title_is_unique_and_descriptive(app: App, page: Page, path: str) -> None:
    page.goto(app.page_url(path))
    wait_for_app(page)
    assert page.title() == f"{PAGES[path]} · Shared Outcomes"


def test_projector_mode_passes_axe_too(app: App, page: Page) -> None:
    page.goto(app.page_url("", "projector=true"))
    wait_for_app(page)
    screenshot(page, "a11y-common-picture-projector")
    violations = blocking_violations(page)
    assert not violations, "axe-core found:\n" + "\n".join(violations)


def test_every_allowlist_entry_still_matches_something() -> None:
    """Run last: an entry that no page needed any more must be removed, not left to rot."""
    entries = allowlist()
    matched = allowlist_matched()
    stale = [e for i, e in enumerate(entries) if i not in matched]
    if entries and not matched:
        pytest.skip("no page was checked in this run (the page tests were deselected or skipped)")
    assert not stale, f"remove these allow-list entries, nothing needs them now: {stale}"


def test_your_submissions_passes_axe_for_the_analysis_team(app: App, page: Page) -> None:
    """The page leadership is refused: checked as a user who sees it (every partner's record)."""
    page.goto(app.page_url("my-submissions"))
    wait_for_app(page)
    choose(page, "Act as demo user", "Demo: joint analysis team")
    expect(page.get_by_role("heading", name="Your submissions", level=1)).to_be_visible()
    assert page.title() == "Your submissions · Shared Outcomes"
    screenshot(page, "a11y-my-submissions")
    violations = blocking_violations(page)
    assert not violations, "axe-core found:\n" + "\n".join(violations)
