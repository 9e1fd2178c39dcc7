"""Helpers shared by the browser tests: the running app, page paths, screenshots, waiting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

# The app's page paths (url_path in app.py) and the title each must carry.
PAGES = {
    "": "Common picture",  # the default page lives at the root
    "explore": "Explore",
    "submit": "Submit an extract",
    "data-quality": "Data quality and timeliness",
    "standards": "Standards",
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


@dataclass(frozen=True)
class Extracts:
    """A partner's latest sample extract, made into a corrected (good) and a broken (bad) file."""

    partner: str
    partner_name: str
    dataset: str
    period: str
    good: bytes
    bad: bytes


def make_extracts(
    partner: str = "bolton_council",
    partner_name: str = "Bolton Council",
    dataset: str = "homelessness_cases",
) -> Extracts:
    """Build both files from the sample partnership (so they follow its contract as it is).

    The good file keeps the first half of the records of the partner's latest month, so loading
    it as a resubmission changes that month's figures; the bad file also breaks an area code
    and an age, which the report must name by row and column.
    """
    latest = sorted((ROOT / "sample_data" / "extracts" / partner).glob(f"{dataset}_*.csv"))[-1]
    period = latest.stem.rsplit("_", 1)[1]
    lines = latest.read_text(encoding="utf-8-sig").splitlines()
    header, records = lines[0], lines[1:]
    kept = records[: max(2, len(records) // 2)]
    good = "\n".join([header, *kept]) + "\n"
    columns = header.split(",")
    broken = [line.split(",") for line in kept]
    broken[1][columns.index("area_code")] = "E0800000X"
    broken[2][columns.index("applicant_age")] = "forty"
    bad = "\n".join([header, *(",".join(cells) for cells in broken)]) + "\n"
    return Extracts(partner, partner_name, dataset, period, good.encode(), bad.encode())


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


def build_sample(db: Path) -> None:
    """A new database holding the whole sample partnership (as `shared-outcomes demo` builds it)."""
    from shared_outcomes.jobs.demo import build_demo
    from shared_outcomes.settings import load_settings

    build_demo(load_settings(db=db, root=ROOT))


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


# --- a partner's text that looks like Markdown ------------------------------------------------

#: A rejected Bolton submission as an attacker would send it: its file name, a header cell and a
#: cell are Markdown (links, bold, a tracking image) that must be shown as written, never rendered.
HOSTILE_FILE_NAME = "[Open the corrected file](https://evil.invalid) **urgent**.csv"
HOSTILE_HEADER = (
    "[Verify your account](https://evil.invalid/login) ![p](https://evil.invalid/pixel.png)"
)
HOSTILE_CELL = "**bold** [here](https://evil.invalid/cell)"


def make_hostile_extract(header: str = HOSTILE_HEADER, cell: str = HOSTILE_CELL) -> Extracts:
    """Bolton's extract with one more column headed `header` (an unexpected column) and `cell`
    as the first row's duty type (not an allowed value), so the report quotes both."""
    files = make_extracts()
    lines = files.good.decode().splitlines()
    columns = lines[0].split(",")
    first = lines[1].split(",")
    first[columns.index("duty_type")] = cell
    rows = [",".join([*columns, header]), ",".join([*first, "x"])]
    rows += [line + ",x" for line in lines[2:]]
    bad = ("\n".join(rows) + "\n").encode()
    return Extracts(files.partner, files.partner_name, files.dataset, files.period, files.good, bad)


def shown(markdown: str) -> str:
    """What a Markdown source renders as when it only holds escaped text: the backslashes before
    punctuation and the invisible word joiners that break autolinks go."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")
