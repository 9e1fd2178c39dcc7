"""Comments on the pages: a list of comments, the form to add one, and each one's Edit and Hide.

What a comment says and who may do what with it is worded and decided in the core
(`shared_outcomes.present.commentary`; the facade refuses regardless); this module only draws
it. A comment's text and its author's name are what people wrote, so they are rendered through
`present.commentary.text_markdown` and `views.literal`, never as Markdown or HTML.

A change (added, edited, hidden) is confirmed after a rerun, with the list updated: the message
waits in the session (`DONE`) until the next run shows it. A refusal (empty, too long, a control
character, a role that may not) shows the core's message, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import streamlit as st

from app_pages._shell import show_refusal, show_table, workspace
from shared_outcomes.access.roles import Action, decide
from shared_outcomes.errors import SharedOutcomesError
from shared_outcomes.meeting.commentary import MAX_COMMENT_CHARS
from shared_outcomes.present import commentary
from shared_outcomes.present.views import literal

if TYPE_CHECKING:
    from shared_outcomes.access.roles import Identity
    from shared_outcomes.warehouse.commentary import Comment

#: The session key holding the confirmation of the last change, shown on the next run.
DONE = "commentary_done"
_PLAIN_TEXT = (
    f"Plain text, up to {MAX_COMMENT_CHARS:,} characters, shown exactly as written (no "
    "formatting). Everyone who sees the figure sees the comment, with your name."
)

#: `add(text, area_code)`: the facade's call that stores a comment (area None: not asked).
AddComment = Callable[[str, str | None], "Comment"]


def show_done() -> None:
    """The confirmation of the change just made, once (after the rerun that shows it)."""
    done = st.session_state.pop(DONE, None)
    if done:
        st.success(literal(done), icon=":material/check_circle:")


def _changed(comment: Comment, kind: str) -> None:
    st.session_state[DONE] = commentary.done_words(comment, kind)
    st.rerun()


def show_comment(line: commentary.CommentLine, place: str | None = None) -> None:
    """One comment: its byline (where, who, when, edited) and its text exactly as written."""
    st.caption(literal(commentary.byline(line, place)))
    st.markdown(commentary.text_markdown(line.text))


def show_card_comments(comments: Sequence[Comment]) -> None:
    """A card's comments: the newest two, each with its place, and the earlier ones in an
    expander."""
    ws = workspace()
    lines = commentary.comment_lines(comments, _titles(), ws.partnership.areas)
    if not lines:
        return
    places = {c.comment_id: commentary.comment_place(c, ws.partnership.areas) for c in comments}
    newest, earlier = commentary.newest_first(lines)
    st.markdown("**Comments**")
    for line in newest:
        show_comment(line, places[line.comment_id])
    if earlier:
        with st.expander(commentary.earlier_label(len(earlier))):
            for line in earlier:
                show_comment(line, places[line.comment_id])


def show_comments(
    me: Identity, comments: Sequence[Comment], *, places: bool = True, key: str
) -> None:
    """Every comment, newest first, each in its own box; the author's and an administrator's
    with Edit and Hide. `places`: say where each is (an area or the whole partnership)."""
    ws = workspace()
    lines = commentary.comment_lines(comments, _titles(), ws.partnership.areas)
    if not lines:
        st.caption("No comments yet.")
        return
    found = {c.comment_id: c for c in comments}
    for line in reversed(lines):
        comment = found[line.comment_id]
        with st.container(border=True):
            place = commentary.comment_place(comment, ws.partnership.areas) if places else None
            show_comment(line, place)
            if commentary.may_change(me, comment):
                _change_forms(me, comment, key=f"{key}-{comment.comment_id}")


def _change_forms(me: Identity, comment: Comment, *, key: str) -> None:
    """Edit (a new text; the earlier ones are kept) and Hide (with a reason) for one comment."""
    ws = workspace()
    with st.expander(f"Edit or hide comment #{comment.comment_id}"):
        with st.form(f"{key}-edit"):
            text = st.text_area(
                "New text", value=comment.text, max_chars=MAX_COMMENT_CHARS, key=f"{key}-text",
                help=_PLAIN_TEXT + " The earlier text is kept in the comment's history.",
            )  # fmt: skip
            edit = st.form_submit_button("Save the new text")
        with st.form(f"{key}-hide"):
            reason = st.text_input(
                "Why hide it", max_chars=MAX_COMMENT_CHARS, key=f"{key}-reason",
                help="Recorded with your name. The comment is kept, with its history, for "
                "administrators, but no page or board pack shows it any more.",
            )  # fmt: skip
            hide = st.form_submit_button("Hide the comment")
    try:
        if edit:
            _changed(ws.edit_comment(me, comment.comment_id, text), "edited")
        if hide:
            _changed(ws.hide_comment(me, comment.comment_id, reason), "hidden")
    except SharedOutcomesError as refused:
        show_refusal(refused)


def comment_form(
    key: str, add: AddComment, *, areas: Mapping[str, str] | None = None, heading: str
) -> None:
    """The form to add a comment: an area to choose (`areas`: `commentary.WHOLE` or a code →
    its words) when given, and the text. `add(text, area_code)` stores it through the facade;
    a refusal shows the facade's message, and what was typed stays to be corrected."""
    # A new text box after each comment stored, so the next one starts empty.
    round_key = f"{key}-round"
    round_ = int(st.session_state.get(round_key, 0))
    with st.form(f"{key}-form-{round_}"):
        st.markdown(f"**{heading}**")  # written by the page
        area = None
        if areas is not None:
            choices = dict(areas)
            area = st.selectbox(
                "About the figure for", options=list(choices), format_func=choices.__getitem__,
                key=f"{key}-area",
            )  # fmt: skip
        text = st.text_area(
            "Your comment", max_chars=MAX_COMMENT_CHARS, key=f"{key}-text-{round_}",
            help=_PLAIN_TEXT,
        )  # fmt: skip
        sent = st.form_submit_button("Add the comment", type="primary")
    if not sent:
        return
    try:
        stored = add(text, area or None)
    except SharedOutcomesError as refused:
        show_refusal(refused)
        return
    st.session_state[round_key] = round_ + 1
    _changed(stored, "added")


def sign_off_panel(me: Identity, period: str) -> None:
    """The month's sign-off: its state ('Reviewed by … on …, as at register …' or not signed off
    yet), a warning with the table when figures changed since, and for leadership and
    administrators the button, after a confirmation saying what is recorded."""
    ws = workspace()
    show_done()
    signed = ws.sign_offs(me, period)
    headline = literal(commentary.sign_off_headline(signed[0].words if signed else None, period))
    if not signed:
        st.info(headline, icon=":material/pending_actions:")
    else:
        st.success(headline, icon=":material/verified:")
        changed = ws.changed_since_sign_off(me, period)
        if changed.height:
            warning = literal(commentary.changed_words(changed.height, period))
            st.warning(f"**Changed since sign-off.** {warning}", icon=":material/warning:")
            show_table(changed)  # outcome titles and area names as configured
    if not decide(me, Action.SIGN_OFF).allowed:
        return
    # A new checkbox after each sign-off, so that the next one is confirmed afresh.
    round_ = int(st.session_state.get("sign_off_round", 0))
    confirmed = st.checkbox(
        literal(commentary.sign_off_confirmation(period)), key=f"sign_off_confirm-{round_}"
    )
    pressed = st.button(
        "Sign off this month's picture", icon=":material/task_alt:", disabled=not confirmed,
        key="sign_off", help="Tick the box above first: it says what is recorded.",
    )  # fmt: skip
    if not (pressed and confirmed):
        return
    try:
        ws.sign_off(me, period)
    except SharedOutcomesError as refused:
        show_refusal(refused)
        return
    st.session_state["sign_off_round"] = round_ + 1
    st.session_state[DONE] = commentary.signed_off_words(period)
    st.rerun()


def _titles() -> dict[str, str]:
    return {d.id: d.title for d in workspace().definitions.values()}
