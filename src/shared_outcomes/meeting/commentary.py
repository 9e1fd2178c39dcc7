"""Commentary's rules: what a comment's text may hold, and what it may be attached to.

A comment is plain text: stored and returned exactly as written (after trimming the blank
space around it), never rendered as Markdown or HTML by any surface. It is refused when it is
empty, longer than `MAX_COMMENT_CHARS`, or holds a control character (Unicode category Cc other
than newline and tab) or a bidirectional override or isolate (U+202A to U+202E, U+2066 to
U+2069), which could make a comment read differently from what it holds. Windows line endings
are made plain newlines first.

A comment is attached to a figure (an outcome, an area or the whole partnership, a month) or to
a submission (`CommentTarget`); `CommentTarget.check` refuses an outcome, area or month that does
not exist, saying what there is. Who may comment on what is the permission table's
(`access.roles`); the facade (`Workspace.add_comment`) applies both.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.errors import UsageError
from shared_outcomes.period import Period

#: The longest comment (and hide reason), in characters, after trimming.
MAX_COMMENT_CHARS = 2000
#: Bidirectional embedding, override and isolate characters: they reorder what is shown.
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_ALLOWED_CONTROLS = frozenset("\n\t")
#: Names of the control characters people meet (Cc characters have no Unicode name).
_CONTROL_NAMES = {
    0x00: "NUL", 0x07: "BEL", 0x08: "BACKSPACE", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE",
}  # fmt: skip
#: How many area codes an "unknown area" message lists.
_LISTED_AREAS = 5


def _character_name(char: str) -> str:
    code = ord(char)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(char, "")
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def clean_text(text: str, *, what: str = "the comment") -> str:
    """`text` trimmed and checked: a `UsageError` saying what is wrong and what to do when it
    is empty, too long or holds a control character; otherwise the text exactly as written.

    `what` names the text in the message ("the comment", "the reason").
    """
    if not isinstance(text, str):
        raise UsageError(f"{what} must be text.")
    text = text.replace("\r\n", "\n")
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        if category == "Cs":
            raise UsageError(
                f"{what} is not valid text: character {position} is U+{ord(char):04X}, half "
                "of a character that was not encoded properly. Save it as UTF-8 and try again."
            )
        if (category == "Cc" and char not in _ALLOWED_CONTROLS) or char in BIDI_CONTROLS:
            line = text.count("\n", 0, position - 1) + 1
            where = f"character {position}" + (f" (line {line})" if "\n" in text else "")
            raise UsageError(
                f"{what} holds the control character {_character_name(char)} at {where}. "
                f"Remove it and try again: {what} is plain text (newlines and tabs are fine)."
            )
    cleaned = text.strip()
    if not cleaned:
        raise UsageError(f"{what} is empty: write some text.")
    if len(cleaned) > MAX_COMMENT_CHARS:
        over = len(cleaned) - MAX_COMMENT_CHARS
        raise UsageError(
            f"{what} is {len(cleaned):,} characters long, {over:,} over the limit of "
            f"{MAX_COMMENT_CHARS:,}. Shorten it and try again."
        )
    return cleaned


TargetKind = Literal["figure", "submission"]


@dataclass(frozen=True)
class CommentTarget:
    """What a comment is attached to: a figure (`outcome`, `area_code` or None for the whole
    partnership, `period`) or a submission (`submission_id`), never both."""

    outcome: str | None = None
    area_code: str | None = None
    period: str | None = None
    submission_id: int | None = None

    @classmethod
    def of(
        cls,
        *,
        outcome: str | None = None,
        area_code: str | None = None,
        period: str | None = None,
        submission_id: int | None = None,
    ) -> CommentTarget:
        """The target asked for, refused (`UsageError`) unless it is one figure or one
        submission."""
        given = {"outcome": outcome, "area": area_code, "month": period}
        figure_parts = [name for name, value in given.items() if value is not None]
        if submission_id is not None:
            if figure_parts:
                raise UsageError(
                    "a comment is on a figure (outcome, area, month) or on a submission, not "
                    f"both: leave out the {' and '.join(figure_parts)}, or the submission."
                )
            if isinstance(submission_id, bool) or submission_id < 1:
                raise UsageError(
                    f"{submission_id!r} is not a submission number: use the number the "
                    "submission history shows (#12 is 12)."
                )
            return cls(submission_id=submission_id)
        if outcome is None or period is None:
            missing = " and ".join(
                n for n, v in (("outcome", outcome), ("month", period)) if v is None
            )
            raise UsageError(
                f"say which figure the comment is on: give its {missing} (an area is optional; "
                "without one the comment is on the whole partnership's figure), or a submission."
            )
        return cls(outcome=outcome, area_code=area_code, period=period)

    @property
    def kind(self) -> TargetKind:
        return "submission" if self.submission_id is not None else "figure"

    def check(
        self,
        definitions: Mapping[str, OutcomeDefinition],
        areas: Mapping[str, str],
        today: date,
    ) -> None:
        """Refuse (`UsageError`) an outcome, area or month that does not exist: the month must
        be written YYYY-MM and not be after this one. A submission's existence is the facade's
        to check."""
        if self.kind == "submission":
            return
        if self.outcome not in definitions:
            raise UsageError(unknown_outcome(str(self.outcome), definitions))
        if self.area_code is not None and self.area_code not in areas:
            raise UsageError(unknown_area(self.area_code, areas))
        month = Period.parse(self.period or "", what="the month")
        if month > Period.of(today):
            raise UsageError(
                f"{month} is after this month ({Period.of(today)}): a comment is on the figures "
                "of this month or an earlier one. Check the month."
            )

    def as_detail(self) -> dict[str, Any]:
        """The target as the audit log records it."""
        if self.submission_id is not None:
            return {"submission_id": self.submission_id}
        return {"outcome": self.outcome, "area_code": self.area_code, "period": self.period}


def unknown_outcome(outcome: str, definitions: Mapping[str, OutcomeDefinition]) -> str:
    """'there is no shared outcome 'x'. Did you mean …? The outcomes are: …'."""
    close = difflib.get_close_matches(outcome, list(definitions), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"there is no shared outcome {outcome!r}.{hint} The outcomes are: "
        f"{', '.join(sorted(definitions))}."
    )


def unknown_area(code: str, areas: Mapping[str, str]) -> str:
    """'there is no area 'E0800001'; did you mean E08000001 (Bolton)? The areas include …'."""
    codes = sorted(areas)
    by_name = {name.lower(): c for c, name in areas.items()}
    close = difflib.get_close_matches(code, codes, n=1) or [
        by_name[n] for n in difflib.get_close_matches(code.lower(), list(by_name), n=1)
    ]
    hint = f"; did you mean {close[0]} ({areas[close[0]]})?" if close else "."
    listed = ", ".join(f"{c} ({areas[c]})" for c in codes[:_LISTED_AREAS])
    more = f" and {len(codes) - _LISTED_AREAS} more" if len(codes) > _LISTED_AREAS else ""
    return (
        f"there is no area {code!r}{hint} Use an area's ONS code from partners.yaml: "
        f"{listed}{more}; or leave the area out for the whole partnership."
    )
