"""Commentary: the text and target rules, and the facade's add, list, edit and hide on a real
database of the sample partnership (its configuration, one Bolton submission).

Bolton Council submits homelessness cases for Bolton (E08000001): its data feeds the
homelessness outcomes, for Bolton and the whole partnership, not Bury's figures, nor the NHS's
admissions outcomes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, make_extracts

from shared_outcomes.access.roles import SYSTEM, Action, Identity, Role
from shared_outcomes.errors import AccessDenied, UsageError
from shared_outcomes.meeting.commentary import MAX_COMMENT_CHARS, CommentTarget, clean_text
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

PREVENTIONS = "homelessness_preventions_per_1000"
ADMISSIONS = "nfa_admissions_per_1000_households"  # the NHS's data, not Bolton's
BOLTON_AREA, BURY_AREA = "E08000001", "E08000002"

AMIRA = Identity("amira", "Amira Khan", Role.PARTNER_SUBMITTER, partner_id="bolton_council")
BEN = Identity("ben", "Ben Bury", Role.PARTNER_SUBMITTER, partner_id="bury_council")
LI = Identity("li", "Li Wei", Role.ANALYST)
JO = Identity("jo", "Jo Brennan", Role.LEADERSHIP)
SAM = Identity("sam", "Sam Okafor", Role.ADMIN)

HOSTILE = "**Rose** [sharply](https://evil.invalid) <script>alert(1)</script> # heading"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    db = tmp_path_factory.mktemp("commentary") / "c.duckdb"
    ws = Workspace.open(load_settings(db=db, root=ROOT))
    files = make_extracts()
    ws.submit(AMIRA, files.good, dataset=files.dataset, partner=files.partner,
              period=files.period, file_name="homelessness_cases.csv")  # fmt: skip
    return ws


@pytest.fixture(scope="module")
def month() -> str:
    return make_extracts().period


@pytest.fixture(scope="module")
def bolton_submission(workspace: Workspace) -> int:
    [sub] = workspace.warehouse.submissions(partner="bolton_council")
    return sub.submission_id


def audit_tail(ws: Workspace, n: int = 1) -> list[Any]:
    return ws.audit.entries(limit=n)


# -- the text ---------------------------------------------------------------------------------


def test_text_is_kept_exactly_as_written_apart_from_the_space_around_it() -> None:
    assert clean_text(f"  {HOSTILE}\n") == HOSTILE
    assert clean_text("line one\n\tindented\r\nline three") == "line one\n\tindented\nline three"
    assert clean_text("é ✓ 漢字 🙂") == "é ✓ 漢字 🙂"


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="is empty"):
        clean_text(text)


def test_the_limit_is_two_thousand_characters_and_the_message_says_how_many_over() -> None:
    assert clean_text("x" * MAX_COMMENT_CHARS) == "x" * 2000
    with pytest.raises(UsageError, match=r"2,345 characters long, 345 over the limit of 2,000"):
        clean_text("y" * 2345)


@pytest.mark.parametrize(
    ("char", "code"),
    [("\x00", "U+0000"), ("\x07", "U+0007"), ("\x1b", "U+001B"), ("\x7f", "U+007F"),
     ("\x85", "U+0085"), ("\r", "U+000D"), ("\u202a", "U+202A"), ("\u202e", "U+202E"),
     ("\u2066", "U+2066"), ("\u2069", "U+2069")],
)  # fmt: skip
def test_control_and_bidirectional_characters_are_refused_by_code_and_position(
    char: str, code: str
) -> None:
    with pytest.raises(UsageError) as refused:
        clean_text(f"abc{char}def")
    assert code in refused.value.message
    assert "at character 4" in refused.value.message


def test_a_control_character_on_a_later_line_names_the_line() -> None:
    with pytest.raises(UsageError, match=r"U\+0007 \(BEL\) at character 7 \(line 2\)"):
        clean_text("first\n\x07")


def test_half_a_character_from_a_badly_encoded_argument_is_refused() -> None:
    with pytest.raises(UsageError, match="not valid text"):
        clean_text("caf\udce9")


# -- the target -------------------------------------------------------------------------------


def test_a_target_is_a_figure_or_a_submission_never_both_nor_neither() -> None:
    figure = CommentTarget.of(outcome="o", period="2017-10")
    assert (figure.kind, figure.area_code) == ("figure", None)
    assert CommentTarget.of(submission_id=12).kind == "submission"
    with pytest.raises(UsageError, match="not both"):
        CommentTarget.of(outcome="o", period="2017-10", submission_id=12)
    with pytest.raises(UsageError, match="give its month"):
        CommentTarget.of(outcome="o")
    with pytest.raises(UsageError, match="give its outcome and month"):
        CommentTarget.of(area_code=BOLTON_AREA)
    with pytest.raises(UsageError, match="not a submission number"):
        CommentTarget.of(submission_id=0)


def test_a_target_is_checked_against_the_outcomes_areas_and_months(workspace: Workspace) -> None:
    def check(**target: Any) -> None:
        CommentTarget.of(**target).check(
            workspace.definitions, workspace.partnership.areas, date(2017, 11, 5)
        )

    check(outcome=PREVENTIONS, area_code=BOLTON_AREA, period="2017-11")  # this month is fine
    with pytest.raises(UsageError, match=f"Did you mean '{PREVENTIONS}'"):
        check(outcome="homelessness_prevention_per_1000", period="2017-10")
    with pytest.raises(UsageError) as unknown:
        check(outcome=PREVENTIONS, area_code="E0800001X", period="2017-10")
    assert "no area 'E0800001X'" in unknown.value.message
    assert "E08000001 (Bolton)" in unknown.value.message  # a few codes to choose from
    with pytest.raises(UsageError, match="did you mean E08000003 \\(Manchester\\)"):
        check(outcome=PREVENTIONS, area_code="manchster", period="2017-10")
    with pytest.raises(UsageError, match="is not a month: write it as YYYY-MM"):
        check(outcome=PREVENTIONS, period="Oct 2017")
    with pytest.raises(UsageError, match="2017-12 is after this month"):
        check(outcome=PREVENTIONS, period="2017-12")


# -- the facade -------------------------------------------------------------------------------


def test_comments_are_added_listed_and_returned_verbatim(workspace: Workspace, month: str):
    made = workspace.add_comment(AMIRA, f"  {HOSTILE}  ", outcome=PREVENTIONS,
                                 area_code=BOLTON_AREA, period=month)  # fmt: skip
    assert made.text == HOSTILE
    author = (made.author_id, made.author_name, made.author_role)
    assert author == ("amira", "Amira Khan", "partner_submitter")
    assert (made.outcome, made.area_code, made.period) == (PREVENTIONS, BOLTON_AREA, month)
    listed = workspace.comments(JO, outcome=PREVENTIONS, area_code=BOLTON_AREA, period=month)
    assert listed == [made]
    [entry] = audit_tail(workspace)
    assert (entry.user_id, entry.action, entry.outcome) == ("amira", "comment_on_figures",
                                                            "allowed")  # fmt: skip
    assert entry.detail["comment_id"] == made.comment_id and entry.detail["kind"] == "added"
    assert entry.detail["target"] == {"outcome": PREVENTIONS, "area_code": BOLTON_AREA,
                                      "period": month}  # fmt: skip


def test_the_analysis_team_and_leadership_comment_on_any_figure(workspace: Workspace, month: str):
    for who in (LI, JO, SAM):
        made = workspace.add_comment(who, f"{who.user_id} on Bury", outcome=PREVENTIONS,
                                     area_code=BURY_AREA, period=month)  # fmt: skip
        assert made.author_role == str(who.role)
    whole = workspace.add_comment(LI, "the NHS figure", outcome=ADMISSIONS, period=month)
    assert whole.area_code is None


def test_an_edit_keeps_the_earlier_text_and_a_hide_keeps_the_comment(
    workspace: Workspace, month: str
):
    made = workspace.add_comment(LI, "first take", outcome=PREVENTIONS, period=month)
    edited = workspace.edit_comment(LI, made.comment_id, "second take")
    assert edited.text == "second take" and edited.edited
    assert [v.text for v in edited.versions] == ["first take", "second take"]
    [entry] = audit_tail(workspace)
    assert (entry.action, entry.detail["kind"], entry.detail["comment_id"]) == (
        "comment_on_figures", "edited", made.comment_id,
    )  # fmt: skip
    hidden = workspace.hide_comment(SAM, made.comment_id, "  posted on the wrong month  ")
    assert hidden.hidden and (hidden.hidden_by, hidden.hidden_reason) == (
        "Sam Okafor", "posted on the wrong month",
    )  # fmt: skip
    assert [e.detail["kind"] for e in audit_tail(workspace)] == ["hidden"]
    ids = [c.comment_id for c in workspace.comments(JO, period=month)]
    assert made.comment_id not in ids  # hidden from every surface …
    [kept] = [c for c in workspace.comments(SAM, include_hidden=True) if c == hidden]
    assert [v.text for v in kept.versions] == ["first take", "second take"]  # … but kept
    assert workspace.warehouse.comment(made.comment_id) == hidden


def test_only_the_author_or_an_admin_may_edit_or_hide(workspace: Workspace, month: str):
    made = workspace.add_comment(JO, "leadership's view", outcome=PREVENTIONS, period=month)
    for attempt in (
        lambda: workspace.edit_comment(LI, made.comment_id, "not mine"),
        lambda: workspace.hide_comment(AMIRA, made.comment_id, "not mine"),
    ):
        with pytest.raises(AccessDenied, match="only the author of comment"):
            attempt()
        [entry] = audit_tail(workspace)
        assert (entry.outcome, entry.detail["comment_id"]) == ("denied", made.comment_id)
    assert workspace.warehouse.comment(made.comment_id) == made  # nothing changed


def test_the_author_and_an_admin_may_edit_and_hide(workspace: Workspace, month: str):
    made = workspace.add_comment(JO, "leadership's viwe", outcome=PREVENTIONS, period=month)
    edited = workspace.edit_comment(SAM, made.comment_id, "leadership's view")
    assert [v.by for v in edited.versions] == ["Jo Brennan", "Sam Okafor"]
    assert workspace.hide_comment(JO, made.comment_id, "superseded").hidden_by == "Jo Brennan"


def test_a_partner_comments_only_on_the_figures_its_data_feeds(workspace: Workspace, month: str):
    workspace.add_comment(AMIRA, "whole partnership", outcome=PREVENTIONS, period=month)
    before = len(workspace.warehouse.comments())
    for target, words in (
        ({"outcome": ADMISSIONS}, ADMISSIONS),
        ({"outcome": PREVENTIONS, "area_code": BURY_AREA}, "for Bury"),
    ):
        with pytest.raises(AccessDenied) as refused:
            workspace.add_comment(AMIRA, "not our data", period=month, **target)
        assert words in refused.value.message
        [entry] = audit_tail(workspace)
        assert (entry.action, entry.outcome) == ("comment_on_figures", "denied")
        assert words in entry.detail["reason"]
    assert len(workspace.warehouse.comments()) == before


def test_a_partner_comments_on_its_own_submissions_and_leadership_on_none(
    workspace: Workspace, bolton_submission: int
):
    own = workspace.add_comment(AMIRA, "we resent it", submission_id=bolton_submission)
    assert (own.submission_id, own.outcome, own.period) == (bolton_submission, None, None)
    before = len(workspace.warehouse.comments())
    for who, words in ((BEN, "only on bury_council's own submissions"),
                       (JO, "comment on the figures instead")):  # fmt: skip
        with pytest.raises(AccessDenied, match=words):
            workspace.add_comment(who, "x", submission_id=bolton_submission)
        [entry] = audit_tail(workspace)
        assert (entry.action, entry.outcome, entry.partner) == (
            "comment_on_submissions", "denied", "bolton_council",
        )  # fmt: skip
    assert len(workspace.warehouse.comments()) == before


def test_comments_on_a_submission_are_listed_to_whom_its_report_is_shown(
    workspace: Workspace, bolton_submission: int
):
    made = workspace.add_comment(LI, "thanks, checked", submission_id=bolton_submission)
    for who, sees in ((AMIRA, True), (SAM, True), (BEN, False), (JO, False)):
        got = workspace.comments(who, submission_ids=[bolton_submission])
        assert (made in got) is sees
        assert {c.submission_id for c in got} <= {bolton_submission}


@pytest.mark.parametrize(
    ("text", "target", "error", "words"),
    [
        ("", {}, UsageError, "is empty"),
        (" \n\t ", {}, UsageError, "is empty"),
        ("x" * 2001, {}, UsageError, "1 over the limit"),
        ("ring\x07", {}, UsageError, "U+0007"),
        ("flip\u202eit", {}, UsageError, "U+202E"),
        ("ok", {"outcome": "no_such_outcome"}, UsageError, "no shared outcome 'no_such_outcome'"),
        ("ok", {"area_code": "E99999999"}, UsageError, "no area 'E99999999'"),
        ("ok", {"period": "2017-13"}, UsageError, "is not a month"),
        ("ok", {"period": "2999-01"}, UsageError, "after this month"),
        ("ok", {"outcome": None, "area_code": None, "period": None, "submission_id": 99999},
         UsageError,
         "no submission #99999"),
        ("ok", {"submission_id": 1}, UsageError, "not both"),
        ("ok", {"outcome": None}, UsageError, "give its outcome"),
        ("ok", {"outcome": ADMISSIONS}, AccessDenied, "does not feed"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_nothing_stored_and_the_refusal_audited(
    workspace: Workspace,
    month: str,
    text: str,
    target: dict[str, Any],
    error: type[Exception],
    words: str,
):
    before = workspace.warehouse.comments()
    asked = {"outcome": PREVENTIONS, "area_code": BOLTON_AREA, "period": month} | target
    with pytest.raises(error) as refused:
        workspace.add_comment(AMIRA, text, **asked)
    assert words in str(refused.value)
    assert workspace.warehouse.comments() == before
    [entry] = audit_tail(workspace)
    assert (entry.user_id, entry.outcome, entry.detail["kind"]) == ("amira", "denied", "added")
    assert words in entry.detail["reason"]
    assert entry.action in (Action.COMMENT_ON_FIGURES, Action.COMMENT_ON_SUBMISSIONS)


def test_a_month_after_this_one_is_refused_this_month_is_fine(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(workspace, "_today", lambda: date(2017, 11, 20))
    workspace.add_comment(LI, "early look", outcome=PREVENTIONS, period="2017-11")
    with pytest.raises(UsageError, match="2017-12 is after this month"):
        workspace.add_comment(LI, "too early", outcome=PREVENTIONS, period="2017-12")


def test_a_bad_edit_or_hide_is_refused_and_changes_nothing(workspace: Workspace, month: str):
    made = workspace.add_comment(LI, "as it was", outcome=PREVENTIONS, period=month)
    for attempt, words in (
        (lambda: workspace.edit_comment(LI, made.comment_id, " as it was "), "already says"),
        (lambda: workspace.hide_comment(LI, made.comment_id, "   "), "reason for hiding it"),
        (lambda: workspace.edit_comment(LI, made.comment_id, "bell\x07"), "U+0007"),
    ):
        with pytest.raises(UsageError) as refused:
            attempt()
        assert words in refused.value.message
        [entry] = audit_tail(workspace)
        assert entry.outcome == "denied" and words in entry.detail["reason"]
    assert workspace.warehouse.comment(made.comment_id) == made


def test_a_hidden_or_missing_comment_cannot_be_edited_or_hidden(workspace: Workspace, month: str):
    made = workspace.add_comment(LI, "to be hidden", outcome=PREVENTIONS, period=month)
    hidden = workspace.hide_comment(LI, made.comment_id, "no longer true")
    for attempt, words in (
        (lambda: workspace.edit_comment(LI, made.comment_id, "again"), "is hidden"),
        (lambda: workspace.hide_comment(SAM, made.comment_id, "again"), "is already hidden"),
        (lambda: workspace.edit_comment(SAM, 987654, "x"), "no comment #987654"),
    ):
        with pytest.raises(UsageError, match=words):
            attempt()
        [entry] = audit_tail(workspace)
        assert entry.outcome == "denied" and words in entry.detail["reason"]
    assert workspace.warehouse.comment(made.comment_id) == hidden  # no event was appended


def test_hidden_comments_are_for_administrators_only(workspace: Workspace):
    for who in (AMIRA, LI, JO):
        with pytest.raises(AccessDenied, match="cannot see hidden comments"):
            workspace.comments(who, include_hidden=True)
        [entry] = audit_tail(workspace)
        assert (entry.user_id, entry.outcome) == (who.user_id, "denied")
    workspace.comments(SAM, include_hidden=True)
    workspace.comments(SYSTEM, include_hidden=True)


def test_listing_checks_its_filters(workspace: Workspace):
    with pytest.raises(UsageError, match="no shared outcome"):
        workspace.comments(LI, outcome="nope")
    with pytest.raises(UsageError, match="no area"):
        workspace.comments(LI, area_code="nowhere")
    with pytest.raises(UsageError, match="is not a month"):
        workspace.comments(LI, periods=["2017-10", "October"])


def test_a_comment_survives_reopening_the_database(workspace: Workspace, month: str):
    made = workspace.add_comment(JO, "kept on disk", outcome=PREVENTIONS, period=month)
    again = Workspace.open(load_settings(db=Path(workspace.settings.db_path), root=ROOT))
    assert again.warehouse.comment(made.comment_id) == made
