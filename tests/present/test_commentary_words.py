"""A comment as the pages word it (no Streamlit): its place and byline, the newest first, its
text as Markdown that shows exactly what was written, who may comment on which figures and
change which comments, and the month's sign-off in words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support import shown

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.config.contracts import load_contracts
from shared_outcomes.config.definitions import OutcomeDefinition, load_definitions
from shared_outcomes.config.partnership import Partnership, load_partnership
from shared_outcomes.present import commentary
from shared_outcomes.warehouse.commentary import Comment, CommentVersion

ROOT = Path(__file__).resolve().parents[2]
BOLTON_AREA = "E08000001"
AREAS = {BOLTON_AREA: "Bolton", "E08000002": "Bury"}
AMIRA = Identity("amira", "Amira Khan", Role.PARTNER_SUBMITTER, partner_id="bolton_council")
LI = Identity("li", "Li Wei", Role.ANALYST)
JO = Identity("jo", "Jo Brennan", Role.LEADERSHIP)
SAM = Identity("sam", "Sam Okafor", Role.ADMIN)


def comment(comment_id: int = 1, *texts: str, **changes: Any) -> Comment:
    written = texts or ("Bolton's data is late this month.",)
    at = datetime(2017, 11, 3, 9, 30, tzinfo=UTC) + timedelta(days=comment_id - 1)
    versions = tuple(CommentVersion(t, "Jo Brennan", at) for t in written)
    values: dict[str, Any] = {
        "comment_id": comment_id, "outcome": "preventions", "area_code": None,
        "period": "2017-10", "submission_id": None, "author_id": "jo",
        "author_name": "Jo Brennan", "author_role": "leadership", "created_at": at,
        "text": written[-1], "versions": versions,
        "hidden": False, "hidden_by": None, "hidden_reason": None,
    } | changes  # fmt: skip
    return Comment(**values)


@pytest.fixture(scope="module")
def sample() -> tuple[Partnership, dict[str, OutcomeDefinition]]:
    contracts = load_contracts(ROOT / "data_contracts")
    partnership = load_partnership(ROOT / "data_contracts" / "partners.yaml", contracts)
    return partnership, load_definitions(
        ROOT / "data_contracts" / "outcomes", contracts, partnership
    )


# -- a comment beside its figure --------------------------------------------------------------


def test_a_comment_says_where_it_is_beside_a_figure_already_named() -> None:
    assert commentary.comment_place(comment(), AREAS) == "Whole partnership"
    assert commentary.comment_place(comment(area_code=BOLTON_AREA), AREAS) == "Bolton"
    assert commentary.comment_place(comment(area_code="E0800009X"), AREAS) == "E0800009X"
    on_file = comment(outcome=None, period=None, submission_id=12)
    assert commentary.comment_place(on_file, AREAS) == "Submission #12"


def test_the_byline_names_the_place_author_day_and_an_edit() -> None:
    (line,) = commentary.comment_lines([comment(1, "first", "second")], {}, AREAS)
    assert commentary.byline(line, "Bolton") == (
        "Bolton · Jo Brennan (Leadership) · 3 November 2017 (edited)"
    )
    (plain,) = commentary.comment_lines([comment()], {}, AREAS)
    assert commentary.byline(plain) == "Jo Brennan (Leadership) · 3 November 2017"


def test_the_newest_comments_come_first_and_the_earlier_ones_aside() -> None:
    lines = commentary.comment_lines([comment(i, f"c{i}") for i in (3, 1, 2, 4)], {}, AREAS)
    newest, earlier = commentary.newest_first(lines)
    assert [line.text for line in newest] == ["c4", "c3"]
    assert [line.text for line in earlier] == ["c2", "c1"]
    assert commentary.newest_first(lines[:1]) == (lines[:1], [])
    assert commentary.earlier_label(1) == "1 earlier comment"
    assert commentary.earlier_label(3) == "3 earlier comments"


def test_a_cards_comments_are_its_outcomes_for_its_month_every_area_included() -> None:
    found = [
        comment(1),
        comment(2, area_code=BOLTON_AREA),
        comment(3, period="2017-09"),
        comment(4, outcome="admissions"),
    ]
    assert [c.comment_id for c in commentary.on_figure(found, "preventions", "2017-10")] == [1, 2]
    assert commentary.on_figure(found, "preventions", None) == []


@pytest.mark.parametrize(
    "text",
    [
        "**bold** <b>x</b> [a](http://x)",
        "# not a heading\n- not a list\n1. nor this",
        "    not code\n\n\tnor this",
        "a line\nand `another` ![p](https://evil.invalid/p.png)",
        "trailing backslash \\",
    ],
)
def test_a_comments_text_shows_exactly_as_written_its_line_breaks_kept(text: str) -> None:
    markdown = commentary.text_markdown(text)
    lines = markdown.split("  \n")
    assert len(lines) == text.count("\n") + 1  # one hard line break per line break
    for source, written in zip(lines, text.split("\n"), strict=True):
        assert "\n" not in source
        assert shown(source).replace("\u00a0", " ") == written.replace("\t", "    ")
        assert not re.match(r"[ \t]", source)  # never an indented code block
        assert not re.search(r"(?<!\\)[*_`<>\[\]#!]", source)  # nothing left to render


# -- who may do what ---------------------------------------------------------------------------


def test_everyone_but_a_partners_submitter_may_comment_on_any_area(
    sample: tuple[Partnership, dict[str, OutcomeDefinition]],
) -> None:
    partnership, definitions = sample
    for who in (LI, JO, SAM):
        offered = commentary.figure_commenting(who, definitions["claimants_per_1000_households"],
                                               partnership)  # fmt: skip
        assert offered.refusal is None
        assert offered.areas == {commentary.WHOLE: "Whole partnership"} | partnership.areas


def test_a_partners_submitter_may_comment_only_where_its_data_feeds_the_figure(
    sample: tuple[Partnership, dict[str, OutcomeDefinition]],
) -> None:
    partnership, definitions = sample
    fed = commentary.figure_commenting(
        AMIRA, definitions["homelessness_preventions_per_1000"], partnership
    )
    assert fed.refusal is None
    assert fed.areas == {commentary.WHOLE: "Whole partnership", BOLTON_AREA: "Bolton"}
    other = commentary.figure_commenting(
        AMIRA, definitions["claimants_per_1000_households"], partnership
    )
    assert other.areas == {}
    assert other.refusal and "may comment only on the figures" in other.refusal


def test_only_the_author_or_an_admin_is_offered_to_change_a_shown_comment() -> None:
    mine = comment(author_id="jo")
    assert commentary.may_change(JO, mine) and commentary.may_change(SAM, mine)
    assert not commentary.may_change(LI, mine)
    hidden = comment(hidden=True, hidden_by="Sam Okafor", hidden_reason="wrong month")
    assert not commentary.may_change(JO, hidden) and not commentary.may_change(SAM, hidden)
    assert commentary.done_words(mine, "edited") == "Comment #1 edited."


# -- the month's sign-off ----------------------------------------------------------------------


def test_the_sign_off_in_words() -> None:
    words = "Reviewed by Jo Brennan on 3 November 2017, as at register at submission #41"
    assert commentary.sign_off_headline(words, "2017-10") == f"October 2017: {words}."
    assert commentary.sign_off_headline(None, "2017-10").startswith("Not signed off yet: ")
    assert "October 2017" in commentary.sign_off_headline(None, "2017-10")
    assert commentary.changed_words(1, "2017-10").startswith("1 figure of October 2017 shows ")
    assert commentary.changed_words(1200, "2017-10").startswith(
        "1,200 figures of October 2017 show "
    )
    confirm = commentary.sign_off_confirmation("2017-10")
    assert confirm.startswith("I have reviewed the picture for October 2017.")
    assert "newest submission" in confirm and "digest" in confirm
    assert commentary.signed_off_words("2017-10") == "The picture for October 2017 is signed off."
