"""Helpers shared by the browser tests: the running app, page paths, screenshots, waiting."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from support import (  # re-exported: the browser tests import them from here too
    HOSTILE_CELL,
    HOSTILE_FILE_NAME,
    HOSTILE_HEADER,
    Extracts,
    make_extracts,
    make_hostile_extract,
    shown,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

# The app's page paths (url_path in app.py) and the title each must carry.
PAGES = {
    "": "Common picture",  # the default page lives at the root
    "explore": "Explore",
    "submit": "Submit an extract",
    "data-quality": "Data quality and timeliness",
    "standards": "Standards",
    "agreements": "Agreements",
}


@dataclass(frozen=True)
class App:
    """A running app: its base URL and the database it serves."""

    url: str
    db_path: Path

    def page_url(self, path: str, query: str = "") -> str:
        return f"{self.url}/{path}" + (f"?{query}" if query else "")


def screenshot(tab: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (gitignored; CI keeps it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # Streamlit scrolls inside its main area, so grow the viewport to the content for the shot.
    size = tab.viewport_size or {"width": 1366, "height": 900}
    height = tab.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    tab.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 8000)})
    tab.wait_for_timeout(1500)  # charts render once they are in view
    tab.screenshot(path=str(path), full_page=True)
    tab.set_viewport_size(size)
    return path


def wait_for_app(tab: Page) -> None:
    """Wait until Streamlit has finished running the page's script and drawn its heading.

    The "running" indicator appears a moment after a rerun starts, so wait a little first, then
    for it to go, then for the page's h1 and the sidebar's demo sign-in.
    """
    tab.wait_for_selector("[data-testid='stApp']")
    tab.wait_for_timeout(500)
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    tab.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
    tab.wait_for_selector("[data-testid='stSidebar'] [data-testid='stSelectbox']", timeout=60_000)
    tab.wait_for_timeout(300)


def choose(tab: Page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`, as a person would (click, type, Enter)."""
    box = tab.locator("[data-testid='stSelectbox']").filter(has_text=label)
    box.locator("input").click()
    tab.keyboard.type(option)
    tab.keyboard.press("Enter")
    wait_for_app(tab)


def go_to(tab: Page, title: str) -> None:
    """Follow the sidebar's navigation link (the session, and so the demo user, is kept)."""
    tab.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    tab.wait_for_function("(t) => document.title.startsWith(t)", arg=title)
    wait_for_app(tab)


# --- accessibility: axe-core and the allow-list ---------------------------------------------

ALLOWLIST = Path(__file__).with_name("a11y_allowlist.yaml")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
_matched: set[int] = set()  # allow-list entries that matched a violation in this run


def allowlist() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(ALLOWLIST.read_text())["entries"] or []
    for entry in entries:
        assert {"rule", "selector", "reason"} <= set(entry), f"incomplete entry: {entry}"
        assert entry["reason"].strip(), f"an allow-list entry needs its reason: {entry}"
    return entries


def _allowed(tab: Page, rule: str, target: str, entries: list[dict[str, Any]]) -> bool:
    """Whether the offending element is exactly one an entry names for this rule."""
    for index, entry in enumerate(entries):
        if entry["rule"] != rule:
            continue
        if tab.evaluate(
            "([target, selector]) => { const el = document.querySelector(target);"
            " return !!el && el.matches(selector); }",
            [target, entry["selector"]],
        ):
            _matched.add(index)
            return True
    return False


def blocking_violations(tab: Page) -> list[str]:
    """Serious/critical WCAG A/AA violations on the page, minus allow-listed elements."""
    results = Axe().run(
        tab,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    entries = allowlist()
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            target = node["target"][0] if node["target"] else ""
            if isinstance(target, str) and _allowed(tab, violation["id"], target, entries):
                continue
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} "
                f"at {node['target']} ({node.get('html', '')[:200]}): "
                f"{node.get('failureSummary', '').strip()[:300]}"
            )
    return found


def allowlist_matched() -> set[int]:
    """Indexes of the allow-list entries some page needed in this run."""
    return set(_matched)


__all__ = [
    "HOSTILE_CELL",
    "HOSTILE_FILE_NAME",
    "HOSTILE_HEADER",
    "App",
    "Extracts",
    "make_extracts",
    "make_hostile_extract",
    "shown",
]
