"""The submit flow by keyboard alone (WCAG 2.1.1): no mouse, only Tab, typing, Space and Enter.

Every step moves the focus with Tab until it reaches the control a person would want next, and
fails if Tab never gets there: a control a keyboard cannot reach fails the test.
"""

from __future__ import annotations

import re

from e2e_support import App, make_extracts, screenshot, wait_for_app
from playwright.sync_api import FileChooser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

MAX_TABS = 150


def tab_to(page: Page, description: str, predicate: str, *, back: bool = False) -> None:
    """Press Tab (Shift+Tab if `back`) until `predicate(document.activeElement)` holds."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"
        ):
            return
    raise AssertionError(f"Tab never reached {description} in {MAX_TABS} presses")


def in_widget(testid: str, label: str) -> str:
    return (
        f"el && el.closest('[data-testid=\"{testid}\"]') && "
        f"el.closest('[data-testid=\"{testid}\"]').innerText.includes({label!r})"
    )


def choose_by_keyboard(page: Page, label: str, option: str) -> None:
    tab_to(
        page, f"the {label!r} list", in_widget("stSelectbox", label) + " && el.tagName === 'INPUT'"
    )
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    wait_for_app(page)


FILE_BUTTON = "el && el.tagName === 'BUTTON' && el.closest('[data-testid=\"stFileUploader\"]')"


def open_file_chooser(page: Page) -> FileChooser:
    """Press Enter (then Space) on the file button, tabbing back to it first if a rerun of the
    page after the last choice re-drew the uploader and so moved the focus away."""
    for key in ("Enter", "Space", "Enter"):
        wait_for_app(page)
        if not page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!({FILE_BUTTON}); }})()"
        ):
            tab_to(page, "the file picker's button", FILE_BUTTON)
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press(key)
            return chooser.value
        except PlaywrightTimeoutError:
            continue
    raise AssertionError("neither Enter nor Space on the file button opened the file picker")


def test_submit_an_extract_with_the_keyboard_only(app: App, page: Page) -> None:
    files = make_extracts()
    page.goto(app.url)
    wait_for_app(page)

    choose_by_keyboard(page, "Act as demo user", f"submitter at {files.partner_name}")
    tab_to(
        page,
        "the 'Submit an extract' link",
        "el && el.tagName === 'A' && el.innerText.includes('Submit an extract')",
        back=True,  # the navigation is above the sign-in in the sidebar
    )
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.title.startsWith('Submit an extract')")
    wait_for_app(page)

    choose_by_keyboard(page, "Dataset", "Homelessness case records")
    choose_by_keyboard(page, "Month the extract is for", files.period)

    tab_to(page, "the file picker's button", FILE_BUTTON)
    chooser = open_file_chooser(page)
    chooser.set_files(files=[{"name": "extract.csv", "mimeType": "text/csv", "buffer": files.good}])
    # The verdict is announced: a success is a polite live region (role="status"), an error
    # an assertive one (role="alert", checked in test_submit_flow).
    expect(page.get_by_role("status").filter(has_text=re.compile("Accepted: "))).to_be_visible(
        timeout=60_000
    )
    wait_for_app(page)

    tab_to(
        page,
        "the confirmation",
        in_widget("stCheckbox", "I confirm") + " && el.tagName === 'INPUT'",
    )
    page.keyboard.press("Space")
    wait_for_app(page)
    tab_to(
        page,
        "the load button",
        "el && el.tagName === 'BUTTON' && el.innerText.includes('Load into the shared warehouse')",
    )
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(has_text=re.compile(r"loaded as submission \d+"))
    ).to_be_visible(timeout=60_000)
    screenshot(page, "keyboard-submit-loaded")
