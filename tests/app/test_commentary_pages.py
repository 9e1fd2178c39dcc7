"""Comments and the month's sign-off on the pages (AppTest, as the sample's demo users).

A comment added on Explore shows there and beside the figure on the common picture's card,
exactly as written; a refused one shows the core's message and stores nothing; an edit keeps the
earlier text and a hide takes the comment off the pages; a partner's submitter comments on its
own submission on Your submissions, where the analysis team sees it; leadership signs the
month off on the common picture, which then says so, and says when a resubmission has changed
a reviewed figure. The core's rules are tested in tests/meeting/; these check the pages ask it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest
from support import make_extracts, shown

from shared_outcomes.access.roles import Identity
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
COMMON_PICTURE = "app_pages/common_picture.py"
HISTORY_PAGE = "app_pages/my_submissions.py"
LEADER = "demo-leadership"
BOLTON = "demo-bolton_council"
MARKUP = "**bold** <b>x</b> [a](http://x)"
SIGN_OFF = "Sign off this month's picture"


def _workspace(db: Path) -> Workspace:
    return Workspace.open(load_settings(db=db, root=ROOT))


def _person(ws: Workspace, user_id: str) -> Identity:
    return next(p for p in ws.signin.demo_users() if p.user_id == user_id)


def _sources(at: AppTest) -> Iterator[str]:
    """The Markdown source of every element that renders Markdown (tables' cells included)."""
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader"):
        for element in at.get(kind):
            yield str(element.value)
    for table in at.table:
        for column in table.value.columns:
            yield from (str(v) for v in table.value[column].tolist() if isinstance(v, str))
    for widgets in (at.checkbox, at.button, at.expander):
        yield from (str(widget.label) for widget in widgets)


def _text(at: AppTest) -> str:
    """The page's text as the browser shows it."""
    return "\n".join(shown(source) for source in _sources(at))


def _shown_as_written(at: AppTest, text: str) -> bool:
    """`text` is on the page, and only ever as escaped text (never rendered as Markdown)."""
    sources = list(_sources(at))
    assert not any(text in source for source in sources), f"rendered as Markdown: {text!r}"
    return any(text in shown(source) for source in sources)


def _widget(widgets: Any, label: str) -> Any:
    return next(w for w in widgets if w.label == label)


def _press(at: AppTest, label: str) -> None:
    _widget(at.button, label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _comment(at: AppTest, text: str) -> None:
    """Type `text` in the page's comment form and add it."""
    _widget(at.text_area, "Your comment").input(text)
    _press(at, "Add the comment")


def _as(at: AppTest, user: str, page: str | None = None) -> None:
    """Pick another demo user in the sidebar (and open `page`)."""
    at.selectbox(key="demo_user").set_value(user)
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_leaders_comment_on_explore_shows_as_written_there_and_on_the_common_picture_card(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    at = open_page("Explore", LEADER)
    outcome, month = at.selectbox(key="outcome").value, at.selectbox(key="month").value
    assert "No comments yet." in _text(at)
    _comment(at, MARKUP)
    assert not at.error
    ws = _workspace(app_db)
    (made,) = ws.comments(_person(ws, LEADER), outcome=outcome, period=month)
    assert (made.text, made.author_id, made.area_code) == (MARKUP, LEADER, None)
    assert f"Comment #{made.comment_id} added." in _text(at)  # confirmed, the list updated
    assert _shown_as_written(at, MARKUP)
    assert "Whole partnership · Demo: leadership board member (Leadership) · " in _text(at)
    assert not _widget(at.text_area, "Your comment").value  # the next comment starts empty

    # Two more on the same figure, an area's among them: the card shows the newest two, and
    # the first one click away.
    ws.add_comment(_person(ws, "demo-analyst"), "Bolton's first", outcome=outcome,
                   area_code="E08000001", period=month)  # fmt: skip
    ws.add_comment(_person(ws, "demo-analyst"), "the newest", outcome=outcome, period=month)
    _as(at, "demo-analyst", COMMON_PICTURE)
    assert not at.error
    assert "the newest" in _text(at) and "Bolton · Demo: joint analysis team" in _text(at)
    (earlier,) = (e for e in at.expander if e.label == "1 earlier comment")
    assert any(MARKUP in shown(str(m.value)) for m in earlier.markdown)
    assert _shown_as_written(at, MARKUP)
    # The analysis team and a partner's submitters see the sign-off's state, not its button.
    assert "Not signed off yet" in _text(at)
    assert SIGN_OFF not in [b.label for b in at.button] and not at.checkbox
    _as(at, BOLTON)
    assert not at.error and "the newest" in _text(at)
    assert SIGN_OFF not in [b.label for b in at.button] and not at.checkbox


def test_an_empty_comment_or_a_control_character_is_refused_and_nothing_is_stored(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    at = open_page("Explore", "demo-analyst")
    _press(at, "Add the comment")
    assert "the comment is empty: write some text." in shown(at.error[0].value)
    _comment(at, "ring the \x07 bell")
    (error,) = at.error
    assert "control character U+0007 (BEL) at character 10" in shown(error.value)
    assert "Traceback" not in error.value
    assert _widget(at.text_area, "Your comment").value == "ring the \x07 bell"  # to correct it
    ws = _workspace(app_db)
    assert ws.comments(_person(ws, "demo-analyst")) == []

    # A partner's submitter is offered no form on an outcome its data does not feed.
    _as(at, BOLTON)
    at.selectbox(key="outcome").set_value("claimants_per_1000_households")
    at.run()
    assert not at.exception and not at.error
    assert "Your comment" not in [t.label for t in at.text_area]
    assert "may comment only on the figures" in _text(at)


def test_an_edit_keeps_the_earlier_text_and_a_hide_takes_the_comment_off_the_page(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    ws = _workspace(app_db)
    at = open_page("Explore", "demo-analyst")
    outcome, month = at.selectbox(key="outcome").value, at.selectbox(key="month").value
    leader = _person(ws, LEADER)
    made = ws.add_comment(leader, "first take", outcome=outcome, period=month)
    at.run()
    assert "first take" in _text(at)
    change = f"Edit or hide comment #{made.comment_id}"
    assert change not in [e.label for e in at.expander]  # not the analyst's comment

    _as(at, LEADER)
    assert change in [e.label for e in at.expander]
    _widget(at.text_area, "New text").input("second **take**")
    _press(at, "Save the new text")
    assert not at.error
    assert f"Comment #{made.comment_id} edited." in _text(at)
    assert _shown_as_written(at, "second **take**") and "first take" not in _text(at)
    assert "(Leadership) · " in _text(at) and " (edited)" in _text(at)
    (now,) = ws.comments(leader, outcome=outcome, period=month)
    assert [v.text for v in now.versions] == ["first take", "second **take**"]

    _press(at, "Hide the comment")  # without a reason: refused, still shown
    assert "the reason for hiding it is empty" in shown(at.error[0].value)
    assert "second **take**" in _text(at)
    _widget(at.text_input, "Why hide it").input("posted on the wrong month")
    _press(at, "Hide the comment")
    assert not at.error
    assert f"Comment #{made.comment_id} hidden." in _text(at)
    assert "second **take**" not in _text(at) and "No comments yet." in _text(at)
    assert ws.comments(leader, outcome=outcome, period=month) == []


def test_a_partner_comments_on_its_own_submission_and_the_analysis_team_sees_it(
    app_db: Path,
) -> None:
    at = AppTest.from_file(str(ROOT / HISTORY_PAGE), default_timeout=60)
    at.session_state["user_id"] = BOLTON
    at.run()
    chosen = at.selectbox(key="history_chosen").value
    assert f"Comments on submission #{chosen}" in [s.value for s in at.subheader]
    _comment(at, f"Resent after fixing the ages {MARKUP}")
    assert not at.error
    assert _shown_as_written(at, f"Resent after fixing the ages {MARKUP}")
    ws = _workspace(app_db)
    (made,) = ws.comments(_person(ws, BOLTON), submission_ids=[chosen])
    assert made.author_id == BOLTON

    at = AppTest.from_file(str(ROOT / HISTORY_PAGE), default_timeout=60)
    at.session_state["user_id"] = "demo-analyst"
    at.run()
    at.selectbox(key="history_partner").set_value("bolton_council")
    at.run()
    at.selectbox(key="history_chosen").set_value(chosen)
    at.run()
    assert not at.exception and not at.error
    assert "Resent after fixing the ages" in _text(at)
    assert "Demo: submitter at Bolton Council (Partner submitter)" in _text(at)
    assert "Your comment" in [t.label for t in at.text_area]  # the analysis team may comment


def test_leadership_signs_the_month_off_and_a_resubmission_shows_as_changed_since(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    at = open_page("Common picture", LEADER)
    assert not at.error
    assert "Not signed off yet" in _text(at)
    button = _widget(at.button, SIGN_OFF)
    assert button.disabled  # confirmed first
    (confirm,) = at.checkbox
    assert "Record my name, the time, and the register" in shown(confirm.label)
    confirm.check()
    at.run()
    _press(at, SIGN_OFF)
    assert not at.error
    ws = _workspace(app_db)
    leader = _person(ws, LEADER)
    files = make_extracts()
    (signed,) = ws.sign_offs(leader, files.period)
    assert "is signed off." in _text(at)
    assert f"{signed.words}." in _text(at) and "Reviewed by Demo: leadership" in signed.words
    assert "Changed since sign-off" not in _text(at)
    assert not at.checkbox[0].value  # the next sign-off is confirmed afresh

    result = ws.submit(
        _person(ws, BOLTON), files.good, dataset=files.dataset, partner=files.partner,
        period=files.period, file_name="resubmitted.csv",
    )  # fmt: skip
    assert result.status == "loaded"
    at.run()
    assert not at.exception and not at.error
    (warning,) = (w for w in at.warning if "Changed since sign-off" in w.value)
    assert "resubmitted after the sign-off" in shown(warning.value)
    changed = ws.changed_since_sign_off(leader, files.period)
    assert changed.height
    table = next(t.value for t in at.table if "At sign-off" in map(shown, t.value.columns))
    assert len(table) == changed.height
    assert f"{signed.words}." in _text(at)  # the sign-off stands; it is not undone
