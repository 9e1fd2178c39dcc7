"""Your returns: a partner's obligations for twelve months as a task list, what needs doing first,
each with its submission and report, the way to send or correct it, "nothing to report" and the
centre's excuse; reminder pauses (and, for the centre, who is paused); and below, every version
the partner sent.

The rows, their order and their words are `shared_outcomes.present.returns`; who may do what is
the core's (`decide` only chooses what to offer; the facade refuses regardless, audited). A
change (a nil return, an excuse) is confirmed after a rerun, with the list updated; a refusal
shows the core's message, and nothing is stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import streamlit as st

from app_pages._shell import (
    acting_identity,
    guarded,
    page_header,
    partner_record_choice,
    show_refusal,
    show_table,
    workspace,
)
from shared_outcomes.access.roles import Action, decide
from shared_outcomes.errors import SharedOutcomesError, UsageError
from shared_outcomes.figures.obligations import obligation_months
from shared_outcomes.meeting.commentary import MAX_COMMENT_CHARS
from shared_outcomes.present import returns, views
from shared_outcomes.present.views import literal

if TYPE_CHECKING:
    from shared_outcomes.access.roles import Identity
    from shared_outcomes.warehouse.store import Submission
    from shared_outcomes.workspace import Workspace

TITLE = "Your returns"
SUBMIT_PAGE = "app_pages/submit_extract.py"
#: The session key holding the confirmation of the last change, shown on the next run.
DONE = "returns_done"

page_header(
    TITLE,
    "The returns your partner owes for twelve months, what needs doing first: each one's due "
    "date, state and report, with the way to send or correct it or to declare nothing to "
    "report; and every version your partner has sent.",
)


def _show_done() -> None:
    done = st.session_state.pop(DONE, None)
    if done:
        st.success(literal(done), icon=":material/check_circle:")


def _finished(message: str, round_key: str) -> None:
    """A change made: fresh forms next time, and the confirmation shown after the rerun."""
    st.session_state[round_key] = int(st.session_state.get(round_key, 0)) + 1
    st.session_state[DONE] = message
    st.rerun()


def _report(ws: Workspace, me: Identity, row: returns.ReturnRow) -> None:
    """The chosen return's report, as Your submissions shows it (a nil return has none)."""
    sid = row.obligation.submission_id
    if sid is None:
        return
    report = ws.submission_report(me, sid)
    if report is None:
        st.info("No report was stored with this submission.")
        return
    headline = literal(views.report_headline(report))
    if report.accepted:
        st.success(headline, icon=":material/check_circle:")
    else:
        st.error(headline, icon=":material/error:")
    if report.findings:
        show_table(views.findings_table(report))


def _nil_form(ws: Workspace, me: Identity, row: returns.ReturnRow, partner_name: str) -> None:
    """'Nothing to report' for a return not yet received: a reason and a confirmation."""
    o = row.obligation
    round_ = int(st.session_state.get("returns_nil_round", 0))
    key = f"nil-{row.key}-{round_}"
    with st.form(f"{key}-form"):
        st.markdown("**Nothing to report**")
        st.caption(
            "If there really was nothing to report this month, declare it instead of sending "
            "an empty file. It is recorded in the register like a submission (who, when, why), "
            "on time when made by the due date, and the figures count your part as zero. "
            "Some datasets do not accept it; sending an extract later replaces it."
        )
        reason = st.text_area(
            "Why there is nothing to report (optional)", max_chars=MAX_COMMENT_CHARS,
            key=f"{key}-reason",
            help="Plain text, shown exactly as written to everyone who sees your returns.",
        )  # fmt: skip
        confirmed = st.checkbox(
            literal(returns.nil_confirmation(partner_name, row.dataset, o)), key=f"{key}-confirm"
        )
        sent = st.form_submit_button("Declare nothing to report", type="primary")
    if not sent:
        return
    if not confirmed:
        st.warning(
            "Tick the box to confirm there is nothing to report. Nothing was recorded.",
            icon=":material/warning:",
        )
        return
    try:
        stored = ws.nil_return(
            me, dataset=o.dataset, partner=o.partner_id, period=o.period,
            reason=reason if reason.strip() else None,
        )  # fmt: skip
    except SharedOutcomesError as refused:
        show_refusal(refused)
        return
    message = returns.nil_done(partner_name, row.dataset, o, stored.submission_id)
    _finished(message, "returns_nil_round")


def _excuse_form(ws: Workspace, me: Identity, row: returns.ReturnRow, partner_name: str) -> None:
    """The centre's excuse for an overdue return, with its reason."""
    o = row.obligation
    round_ = int(st.session_state.get("returns_excuse_round", 0))
    key = f"excuse-{row.key}-{round_}"
    with st.form(f"{key}-form"):
        st.markdown("**Excuse this return**")
        st.caption(
            "For the centre: the return then reads excused instead of overdue, with your reason "
            "and your name, until an extract or a nil return is accepted."
        )
        reason = st.text_input(
            "Why it is excused (required)", max_chars=MAX_COMMENT_CHARS, key=f"{key}-reason"
        )
        sent = st.form_submit_button("Excuse this return")
    if not sent:
        return
    try:
        ws.excuse(me, partner=o.partner_id, dataset=o.dataset, period=o.period, reason=reason)
    except SharedOutcomesError as refused:
        show_refusal(refused)
        return
    _finished(returns.excuse_done(partner_name, row.dataset, o), "returns_excuse_round")


def _reminders(
    ws: Workspace, me: Identity, partner_id: str, partner_name: str, today: date
) -> None:
    """Whether the partner's reminders are paused, the form to pause them until a day, and for
    the centre every partner whose reminders are paused."""
    st.header("Reminders")
    pauses = ws.reminder_pauses(me)
    current = next((p for p in pauses if p.partner_id == partner_id), None)
    st.markdown(literal(returns.pause_words(current, partner_name, today)))
    round_ = int(st.session_state.get("returns_pause_round", 0))
    key = f"pause-{partner_id}-{round_}"
    with st.form(f"{key}-form"):
        st.markdown("**Pause reminders**")
        st.caption(
            "No reminder e-mails about this partner's returns until the day you give (they go "
            "again from the day after). A new pause replaces the last one. Returns still fall "
            "due and show as overdue."
        )
        until = st.date_input(
            "Pause reminders until", value=today + timedelta(days=14), min_value=today,
            format="YYYY-MM-DD", key=f"{key}-until",
        )  # fmt: skip
        reason = st.text_input(
            "Why (optional)", max_chars=MAX_COMMENT_CHARS, key=f"{key}-reason",
            help="Plain text, shown exactly as written to the centre.",
        )  # fmt: skip
        sent = st.form_submit_button("Pause reminders")
    if sent:
        try:
            if not isinstance(until, date):
                raise UsageError("give the last day reminders should stay paused.")
            ws.pause_reminders(
                me, partner=partner_id, until=until, reason=reason if reason.strip() else None
            )
        except SharedOutcomesError as refused:
            show_refusal(refused)
        else:
            message = f"Reminders to {partner_name} are paused until {returns.day_words(until)}."
            _finished(message, "returns_pause_round")
    if decide(me, Action.PAUSE_REMINDERS).allowed:  # the centre: every partner's pauses
        st.subheader("Partners whose reminders are paused")
        names = {pid: p.name for pid, p in ws.partnership.partners.items()}
        paused = returns.pauses_table(pauses, names, today)
        if paused.height:
            show_table(paused)  # reasons as written
        else:
            st.caption("No partner's reminders are paused.")


def _one_return(
    ws: Workspace,
    me: Identity,
    row: returns.ReturnRow,
    *,
    partner_name: str,
    sent: dict[int, Submission],
    today: date,
) -> None:
    """The chosen return: its state, what came and its report, and what can be done about it."""
    o = row.obligation
    st.markdown(
        f"**{literal(row.state)}** · {literal(row.dataset)} · {literal(row.month)} · due "
        f"{literal(row.due)} · {literal(row.to_do)}"
    )
    if o.excused:
        st.info(literal(f"Excused: {o.excused}"), icon=":material/event_busy:")
    submission = sent.get(o.submission_id) if o.submission_id is not None else None
    st.markdown(literal(returns.received_words(o, submission)))
    if submission is None or not submission.is_nil:
        _report(ws, me, row)

    may_submit = decide(me, Action.SUBMIT_EXTRACT, partner=o.partner_id).allowed
    if may_submit:
        picks_partner = me.partner_id != o.partner_id  # an administrator picks it there
        st.page_link(
            SUBMIT_PAGE, label=returns.submit_label(o), icon=":material/upload_file:",
            query_params=returns.submit_address(o),
        )  # fmt: skip
        hint = returns.submit_hint(o, row.dataset, partner_name if picks_partner else None)
        st.caption(literal(hint))
        if o.state in returns.NIL_RETURN_STATES:
            _nil_form(ws, me, row, partner_name)
    if decide(me, Action.EXCUSE_OBLIGATION, partner=o.partner_id).allowed and returns.may_excuse(
        o, today
    ):
        _excuse_form(ws, me, row, partner_name)


with guarded():
    ws = workspace()
    me = acting_identity()
    # Refused (and audited) before anything shows, whatever the navigation offered.
    partner_id, choice = partner_record_choice(
        ws, me, page=TITLE, key="returns_partner", what="Returns"
    )
    partner_name = choice.partners[partner_id]
    today = datetime.now(UTC).date()
    history = ws.partner_submissions(me, partner_id)
    sent = {s.submission_id: s for s in history}
    endings = returns.ending_options(today, min((s.period for s in history), default=None))
    ending = st.selectbox(
        "Months shown",
        options=endings,
        format_func=lambda e: returns.ending_label(e, today),
        key="returns_ending",
        help="Twelve months at a time, newest first; earlier twelve-month spans go back to the "
        "first month your partner sent anything for.",
    )
    months = obligation_months(ending or endings[0], returns.MONTHS_SHOWN)
    titles = {d: c.title for d, c in ws.contracts.items()}
    rows = returns.task_rows(ws.obligations(me, partner=partner_id, months=months), titles,
                             today, sent)  # fmt: skip

    _show_done()
    st.header("Returns")
    st.markdown(literal(returns.summary_words(rows, months)))
    for group, members in returns.grouped(rows):
        st.subheader(f"{group} ({len(members)})")
        if members:
            show_table(returns.task_table(members))  # reasons as written
        else:
            st.caption(returns.EMPTY_GROUP[group])

    if rows:
        st.header("One return: its report and what to do")
        by_key = {r.key: r for r in rows}
        chosen = st.selectbox(
            "Return", options=list(by_key), format_func=lambda k: by_key[k].label,
            key="returns_chosen",
            help="What needs doing comes first. Pick one to see its report and what you can do.",
        )  # fmt: skip
        if chosen is not None:
            _one_return(ws, me, by_key[chosen], partner_name=partner_name, sent=sent, today=today)

    if decide(me, Action.PAUSE_REMINDERS, partner=partner_id).allowed:
        _reminders(ws, me, partner_id, partner_name, today)

    st.header("Every version sent")
    if not history:
        st.info("No extracts have been sent yet.", icon=":material/inbox:")
    else:
        st.caption(
            f"{len(history):,} submissions of every dataset, newest first (times in UTC): "
            "accepted, superseded and rejected ones. Your submissions shows each one's report "
            "and file."
        )
        table = views.submission_history_table(
            history, titles, ws.warning_counts(me, history), ws.erasures(me, history)
        )
        show_table(table)  # file names as the partners sent them
