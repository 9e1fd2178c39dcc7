"""The board pack's HTML in Chromium: axe-core finds no WCAG 2.2 A/AA violation at all (no
allow-list: the document is ours alone), with commentary in it that looks like HTML."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from e2e_support import WCAG_TAGS
from playwright.sync_api import Page
from support import copy_database

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
LEADER = Identity("demo-leadership", "Lena Leader", Role.LEADERSHIP)


def test_the_html_board_pack_passes_axe_with_no_violation(
    demo_db: Path, tmp_path: Path, page: Page
) -> None:
    ws = Workspace.open(load_settings(db=copy_database(demo_db, tmp_path), root=ROOT))
    period = ws.board_pack(LEADER, file_format="html").pack.period
    ws.add_comment(
        LEADER, "<script>alert(1)</script> Staff **shortage**.\nSecond line.",
        outcome="homelessness_preventions_per_1000", period=period,
    )  # fmt: skip
    made = ws.board_pack(LEADER, file_format="html")
    target = tmp_path / made.file_name
    target.write_bytes(made.content)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(target.as_uri())
    assert page.title() == made.pack.title
    assert page.get_attribute("html", "lang") == "en-GB"
    assert page.get_by_text("<script>alert(1)</script> Staff **shortage**.").count() == 2
    assert not dialogs  # the comment's text is shown, never run
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert not violations, "axe-core found:\n" + "\n".join(violations)
    # Every chart is an image whose alternative text is its one-sentence summary.
    alts = page.locator("figure img").evaluate_all("els => els.map(e => e.alt)")
    assert alts == [chart.summary for chart in made.pack.charts]
