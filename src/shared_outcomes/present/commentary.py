"""A comment as people read it, the same on every page and in the board pack: what it is about,
who wrote it (name and role), when, whether it was edited, and its text exactly as written
(shown literally, never as Markdown or HTML).

For the pages, no Streamlit here: where a comment sits beside a figure (`comment_place`), its
byline, the newest comments first with the earlier ones kept aside (`newest_first`), its text as
Markdown that shows exactly what was written (`text_markdown`), which figures a person may
comment on (`figure_commenting`) and whose comments they may change (`may_change`), and the
month's sign-off in words."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from shared_outcomes.access.roles import ROLE_TITLES, Action, Identity, Role, decide
from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.config.partnership import Partnership
from shared_outcomes.period import Period
from shared_outcomes.present.charts import WHOLE_PARTNERSHIP
from shared_outcomes.present.views import literal
from shared_outcomes.warehouse.commentary import Comment

_ROLES = {r.value: ROLE_TITLES[r] for r in Role}


@dataclass(frozen=True)
class CommentLine:
    """One comment, worded: `about` ('Preventions · Bolton · Oct 2017' or 'Submission #12'),
    `author` ('Ann Leader (Leadership)'), `written` ('1 December 2026'), `text`, `edited`."""

    comment_id: int
    about: str
    author: str
    written: str
    text: str
    edited: bool


def day_words(day: date) -> str:
    """'1 December 2026'."""
    return f"{day.day} {day:%B %Y}"


def comment_about(comment: Comment, titles: Mapping[str, str], areas: Mapping[str, str]) -> str:
    if comment.submission_id is not None:
        return f"Submission #{comment.submission_id}"
    title = titles.get(comment.outcome or "", comment.outcome or "")
    code = comment.area_code
    place = WHOLE_PARTNERSHIP if code is None else areas.get(code, code)
    month = Period.parse(comment.period).label if comment.period else ""
    return f"{title} · {place} · {month}"


def author_words(comment: Comment) -> str:
    """'Ann Leader (Leadership)'."""
    return f"{comment.author_name} ({_ROLES.get(comment.author_role, comment.author_role)})"


def comment_lines(
    comments: Sequence[Comment], titles: Mapping[str, str], areas: Mapping[str, str]
) -> list[CommentLine]:
    """The visible comments, oldest first, worded (`titles`: outcome id → title)."""
    shown = sorted((c for c in comments if not c.hidden), key=lambda c: (c.created_at,
                                                                         c.comment_id))  # fmt: skip
    return [
        CommentLine(
            comment_id=c.comment_id,
            about=comment_about(c, titles, areas),
            author=author_words(c),
            written=day_words(c.created_at.date()),
            text=c.text,
            edited=c.edited,
        )
        for c in shown
    ]


# -- the pages: comments beside a figure, who may write them, the month's sign-off -------------

#: How many comments a card shows at once; the earlier ones are one click away.
SHOWN_AT_ONCE = 2
#: The area choice of a comment form that means the whole partnership's figure.
WHOLE = ""

_LEADING_BLANKS = re.compile(r"^[ \t]+", re.MULTILINE)


def comment_place(comment: Comment, areas: Mapping[str, str]) -> str:
    """Where a comment is, beside a figure already named: 'Bolton', 'Whole partnership', or
    'Submission #12'."""
    if comment.submission_id is not None:
        return f"Submission #{comment.submission_id}"
    code = comment.area_code
    return WHOLE_PARTNERSHIP if code is None else areas.get(code, code)


def byline(line: CommentLine, place: str | None = None) -> str:
    """'Bolton · Ann Leader (Leadership) · 1 December 2026 (edited)' (`place` first if given)."""
    parts = [place] if place else []
    parts += [line.author, line.written]
    return " · ".join(parts) + (" (edited)" if line.edited else "")


def newest_first(
    lines: Sequence[CommentLine], at_once: int = SHOWN_AT_ONCE
) -> tuple[list[CommentLine], list[CommentLine]]:
    """`lines` (oldest first, as `comment_lines` gives them) newest first, split into the
    `at_once` newest, shown, and the earlier ones, kept one click away."""
    ordered = list(reversed(lines))
    return ordered[:at_once], ordered[at_once:]


def earlier_label(count: int) -> str:
    """The label of the earlier comments' expander: '1 earlier comment', '3 earlier comments'."""
    return f"{count} earlier comment" + ("" if count == 1 else "s")


def on_figure(comments: Sequence[Comment], outcome: str, period: str | None) -> list[Comment]:
    """The comments on `outcome`'s figures for `period`, the whole partnership's and every
    area's (none when `period` is None)."""
    if period is None:
        return []
    return [c for c in comments if c.outcome == outcome and c.period == period]


def text_markdown(text: str) -> str:
    """A comment's text as Markdown that Streamlit shows as exactly these characters, its line
    breaks kept: each line through `views.literal`, joined by hard line breaks, and the blank
    space that starts a line made non-breaking (so it can never start a code block)."""

    def keep_blanks(found: re.Match[str]) -> str:
        return found.group(0).replace("\t", "    ").replace(" ", "\u00a0")

    plain = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = _LEADING_BLANKS.sub(keep_blanks, plain).split("\n")
    return "  \n".join(literal(line) for line in lines)


@dataclass(frozen=True)
class FigureCommenting:
    """What a comment form on an outcome's figures offers a person: the areas they may comment
    on (`WHOLE` for the whole partnership, else an area code → its words), or why none."""

    areas: dict[str, str]
    refusal: str | None = None


def figure_commenting(
    identity: Identity, definition: OutcomeDefinition, partnership: Partnership
) -> FigureCommenting:
    """The figures of `definition` that `identity` may comment on, as the facade decides
    (`Workspace.add_comment` refuses the rest regardless): the joint analysis team, leadership
    and admins any; a partner's submitters those their data feeds (the whole partnership's and
    the areas their partner covers, when the outcome reads their partner's data); else none,
    with the permission table's reason."""
    mine = partnership.partners.get(identity.partner_id or "")
    feeds = mine is not None and mine.id in definition.partners
    decision = decide(
        identity, Action.COMMENT_ON_FIGURES, partner=identity.partner_id if feeds else None
    )
    if not decision.allowed:
        return FigureCommenting({}, decision.reason)
    codes = [
        code
        for code in partnership.areas
        if identity.role != Role.PARTNER_SUBMITTER or (mine is not None and code in mine.areas)
    ]
    choices = {WHOLE: WHOLE_PARTNERSHIP} | {code: partnership.areas[code] for code in codes}
    return FigureCommenting(choices)


def may_change(identity: Identity, comment: Comment) -> bool:
    """Whether the page offers `identity` to edit or hide `comment`: its author or an
    administrator, while it is shown (the facade decides again when asked)."""
    return not comment.hidden and (
        identity.role == Role.ADMIN or identity.user_id == comment.author_id
    )


def done_words(comment: Comment, kind: str) -> str:
    """The confirmation after a change: 'Comment #12 added.' ('edited', 'hidden')."""
    return f"Comment #{comment.comment_id} {kind}."


def sign_off_headline(words: str | None, period: str) -> str:
    """The month's sign-off state: 'October 2017: Reviewed by Jo Brennan on …, as at register …'
    (`SignOff.words` of its latest sign-off), or 'Not signed off yet: …'."""
    month = Period.parse(period).long_label
    if words is None:
        return f"Not signed off yet: no one has recorded a review of the picture for {month}."
    return f"{month}: {words}."


def changed_words(count: int, period: str) -> str:
    """The warning when `count` figures of the month changed after its sign-off."""
    month = Period.parse(period).long_label
    figures = "1 figure" if count == 1 else f"{count:,} figures"
    shows = "shows" if count == 1 else "show"
    return (
        f"{figures} of {month} {shows} something different from what was reviewed: data "
        "arrived or was resubmitted after the sign-off. The table says what each showed then "
        "and shows now; sign off again once they have been reviewed."
    )


def sign_off_confirmation(period: str) -> str:
    """What the person confirms before signing the month off: what is recorded."""
    month = Period.parse(period).long_label
    return (
        f"I have reviewed the picture for {month}. Record my name, the time, and the register "
        "it was made from (the newest submission and a digest of the month's figures as "
        "shared); a later change to those figures will show as changed since sign-off."
    )


def signed_off_words(period: str) -> str:
    """The confirmation after signing the month off."""
    return f"The picture for {Period.parse(period).long_label} is signed off."
