"""A comment as people read it, the same on every page and in the board pack: what it is about,
who wrote it (name and role), when, whether it was edited, and its text exactly as written
(shown literally, never as Markdown or HTML)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from shared_outcomes.access.roles import ROLE_TITLES, Role
from shared_outcomes.period import Period
from shared_outcomes.present.charts import WHOLE_PARTNERSHIP
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
