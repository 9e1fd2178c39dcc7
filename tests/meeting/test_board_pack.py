"""The board pack made from the sample partnership: what it says, that it says the same for the
same `--as-at`, its tagged PDF, commentary and sign-off in it, and its refusals."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader
from support import copy_database, make_extracts

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.errors import UsageError
from shared_outcomes.meeting.pack_document import PackFile, month_before
from shared_outcomes.present.picture import month_label
from shared_outcomes.present.views import sorted_definitions
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LEADER = Identity("demo-leadership", "Lena Leader", Role.LEADERSHIP)
ANALYST = Identity("demo-analyst", "Ana Lyst", Role.ANALYST)
BOLTON = Identity("bolton-submitter", "Bo Submitter", Role.PARTNER_SUBMITTER, "bolton_council")


@pytest.fixture
def ws(demo_db: Path, tmp_path: Path) -> Workspace:
    db = copy_database(demo_db, tmp_path)
    return Workspace.open(load_settings(db=db, root=ROOT))


def _html(made: PackFile) -> str:
    return made.content.decode("utf-8")


def _cells(html: str, caption: str) -> list[list[str]]:
    """The body cells of the table with `caption`, as text."""
    table = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S) for row in rows]


def _resubmit_bolton(ws: Workspace) -> None:
    """Bolton's latest homelessness month sent again with half its records: figures revised."""
    extracts = make_extracts()
    result = ws.submit(
        BOLTON, extracts.good, dataset=extracts.dataset, partner=extracts.partner,
        period=extracts.period, file_name="corrected.csv",
    )  # fmt: skip
    assert result.status == "loaded"


def test_the_pack_names_every_outcome_and_marks_every_hidden_cell(ws: Workspace) -> None:
    made = ws.board_pack(LEADER, file_format="html")
    html = _html(made)
    for d in ws.definitions.values():
        assert html.count(f">{d.title}<") >= 2, d.title  # summary row and its own section
    assert f"<h1>Board pack: {made.pack.month}</h1>" in html
    assert "Figures as at" in html and made.pack.state.figures_digest in html
    month = month_label(made.pack.period)
    matrix = _cells(html, f"Shared outcomes by area, {month}")
    assert len(matrix) == 1 + len(ws.partnership.areas)  # the whole partnership, then each area
    assert all(cell.strip() for row in matrix for cell in row), "a blank cell in the matrix"
    assert any("Suppressed: small number" in cell for row in matrix for cell in row)
    summary = _cells(html, f"Every shared outcome against its target, {month}")
    assert [row[0] for row in summary] == [d.title for d in sorted_definitions(ws.definitions)]
    assert all(row[3] and row[4] for row in summary)  # RAG and direction of travel, always


def test_small_numbers_are_suppressed_whoever_makes_the_pack(ws: Workspace) -> None:
    by_analyst = ws.board_pack(ANALYST, file_format="html")
    by_leader = ws.board_pack(LEADER, file_format="html", as_at=by_analyst.pack.state.as_at)
    assert by_analyst.pack.matrix == by_leader.pack.matrix
    assert by_analyst.pack.state.figures_digest == by_leader.pack.state.figures_digest
    # The analyst sees small counts on the pages; the pack hides them all the same.
    shown = ws.figures(ANALYST)
    assert not shown["suppressed"].any()
    assert "Suppressed: small number" in _html(by_analyst)


def test_the_same_as_at_gives_the_same_figures_after_a_resubmission(ws: Workspace) -> None:
    first = ws.board_pack(LEADER, file_format="html")
    _resubmit_bolton(ws)
    again = ws.board_pack(LEADER, file_format="html", as_at=first.pack.state.as_at)
    now = ws.board_pack(LEADER, file_format="html")
    assert again.pack.state == first.pack.state
    assert again.pack.summary == first.pack.summary and again.pack.matrix == first.pack.matrix
    assert now.pack.state.figures_digest != first.pack.state.figures_digest
    assert (now.pack.state.newest_submission_id or 0) > (first.pack.state.newest_submission_id or 0)


def test_what_changed_lists_a_revision_from_what_to_what(ws: Workspace) -> None:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    _resubmit_bolton(ws)
    made = ws.board_pack(LEADER, file_format="html", since=yesterday)
    changes = made.pack.changes.rows
    revised = [row for row in changes if row[2] == "Revised"]
    assert revised, changes
    assert all(" → " in row[3] for row in revised)
    assert "revised" in made.pack.changes_sentence


def test_the_next_pack_compares_with_the_day_the_last_one_was_made(ws: Workspace) -> None:
    first = ws.board_pack(LEADER, file_format="html")
    assert first.pack.since == month_before(first.pack.made_at.date())
    second = ws.board_pack(LEADER, file_format="html")
    assert second.pack.since == first.pack.made_at.date()


def test_commentary_is_in_the_pack_as_it_was_written(ws: Workspace) -> None:
    period = ws.board_pack(LEADER, file_format="html").pack.period
    outcome = "homelessness_preventions_per_1000"
    text = "Preventions fell: <b>staff</b> **shortage** in #Bolton & [link](http://x)."
    ws.add_comment(LEADER, text, outcome=outcome, period=period)
    made = ws.board_pack(LEADER, file_format="html")
    html = _html(made)
    assert "Preventions fell: &lt;b&gt;staff&lt;/b&gt; **shortage** in #Bolton &amp; " in html
    assert "<b>staff</b>" not in html
    assert [c.text for c in made.pack.comments] == [text]
    section = next(s for p in made.pack.problems for s in p.outcomes if s.outcome == outcome)
    assert [c.text for c in section.comments] == [text]
    pdf = ws.board_pack(LEADER, file_format="pdf")
    assert "<b>staff</b> **shortage**" in _pdf_text(pdf.content)


def test_the_sign_off_and_what_changed_since_it_are_on_the_cover(ws: Workspace) -> None:
    period = ws.board_pack(LEADER, file_format="html").pack.period
    signed = ws.sign_off(LEADER, period)
    made = ws.board_pack(LEADER, file_format="html")
    assert made.pack.sign_off == signed.words and "Reviewed by Lena Leader" in _html(made)
    assert made.pack.changed_since_sign_off is None
    _resubmit_bolton(ws)
    changed = ws.board_pack(LEADER, file_format="html").pack.changed_since_sign_off
    assert changed is not None and changed.rows
    assert "Changed since sign-off" in _html(ws.board_pack(LEADER, file_format="html"))


def test_the_pdf_is_tagged_with_headings_table_headers_language_and_alt_text(
    ws: Workspace,
) -> None:
    made = ws.board_pack(LEADER, file_format="pdf", problems=["homelessness"])
    with pikepdf.open(io.BytesIO(made.content)) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
        assert bool(pdf.Root.MarkInfo.Marked)
        title = str(pdf.open_metadata().get("dc:title", ""))
        assert made.pack.title in title
        tags = _structure(pdf.Root.StructTreeRoot)
    kinds = [kind for kind, _ in tags]
    assert kinds.count("/H1") == 1 and "/H2" in kinds and "/H3" in kinds
    assert kinds.count("/TH") >= 6 and "/TD" in kinds
    alts = [alt for kind, alt in tags if kind == "/Figure"]
    assert alts == [chart.summary for chart in made.pack.charts]
    assert all(alts)
    titles = {d.title for d in ws.definitions.values() if d.problem == "homelessness"}
    assert titles == {row[0] for row in made.pack.summary.rows}


def _structure(node: object) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, pikepdf.Dictionary):
            if "/S" in item:
                alt = item.get("/Alt")
                found.append((str(item.S), None if alt is None else str(alt)))
            kids = item.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack.extend(reversed(list(kids)))
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    return found


def _pdf_text(content: bytes) -> str:
    """The PDF's text (pypdf's extraction)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_pack_for_a_month_without_figures_is_refused(ws: Workspace) -> None:
    with pytest.raises(UsageError, match="no figures for Jan 2009"):
        ws.board_pack(LEADER, period="2009-01")
    with pytest.raises(UsageError, match="no shared problem 'housing'"):
        ws.board_pack(LEADER, problems=["housing"])
    with pytest.raises(UsageError, match="use pdf or html"):
        ws.board_pack(LEADER, file_format="docx")
