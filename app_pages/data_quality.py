"""Data quality and timeliness: who submitted what, when, and how clean it was."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app_pages._shell import (
    acting_identity,
    guarded,
    page_header,
    show_chart,
    show_table,
    workspace,
)
from shared_outcomes.access.roles import Action, decide
from shared_outcomes.figures import timeliness
from shared_outcomes.figures.obligations import State, obligations_frame
from shared_outcomes.present import charts, views
from shared_outcomes.present.views import literal

#: What the "still owed" table lists: what needs doing, most urgent first.
OUTSTANDING = (State.OVERDUE, State.REJECTED, State.DUE_SOON)

page_header(
    "Data quality and timeliness",
    "For each dataset: which partners' extracts arrived on time, late, rejected or not at all, "
    "the latest submissions with their reports, and each partner's record.",
)

with guarded():
    ws = workspace()
    me = acting_identity()
    partners = ws.partnership.partners
    register = timeliness.register_frame(ws.submissions(me))
    today = datetime.now(UTC).date()
    months = timeliness.latest_months(register, count=12)
    owed = ws.timeliness(me, months, today=today)

    dataset = st.selectbox(
        "Dataset",
        options=timeliness.busiest_first(partners, list(ws.contracts)),
        format_func=lambda d: ws.contracts[d].title,
        key="dq_dataset",
    )
    title = ws.contracts[dataset].title
    titles = {d: c.title for d, c in ws.contracts.items()}
    grid = timeliness.timeliness_grid(owed, partners, dataset)
    summary = timeliness.timeliness_summary(grid, title)
    st.header("Extracts by partner and month")
    show_chart(
        charts.timeliness_chart(
            grid, title=f"{title}: submissions by partner and month", description=summary
        ),
        summary=summary,
        table=grid.pivot(on="period", index="partner", values="state"),
        legend="✔ on time · ◷ late · ↻ resubmitted (corrected) · 0 nil return (nothing to "
        "report) · ✖ rejected · – excused · ? missing · blank: not yet due",
    )

    st.header("Returns still owed")
    outstanding = [o for o in owed if o.state in OUTSTANDING]
    st.caption(
        f"Every partner's returns in the {len(months)} months shown that are overdue, rejected "
        "and not yet corrected, or due soon, what needs doing first."
    )
    if outstanding:
        show_table(obligations_frame(outstanding, partners, titles))
    else:
        st.success("Nothing is overdue, rejected or due soon.", icon=":material/task_alt:")

    st.header("Each partner's record")
    st.caption(
        f"Every dataset a partner submits, over the {len(months)} months shown, counting the "
        "returns whose due date has passed."
    )
    show_table(timeliness.partner_record(owed, partners))

    st.header("Recent submissions")
    st.caption(f"The latest attempts for {literal(title)}, newest first (times in UTC).")
    recent = timeliness.recent_submissions_table(register, partners, dataset=dataset, titles=titles)
    show_table(recent)  # file names as the partners sent them
    # Reports are offered only where the role may read them (a partner: its own submissions);
    # `submission_report` refuses the rest regardless.
    readable = [
        pid for pid in partners if decide(me, Action.VIEW_SUBMISSION_REPORTS, partner=pid).allowed
    ]
    mine = register.filter(
        register["partner_id"].is_in(readable) & (register["dataset"] == dataset)
    ).head(25)
    ids = mine["submission_id"].to_list()
    if not ids and register.height:
        st.info(
            f"Your partner has no submissions of {literal(title)} whose report you could "
            "read: each partner sees only its own submissions' reports."
            if me.partner_id
            else literal(decide(me, Action.VIEW_SUBMISSION_REPORTS).reason),
            icon=":material/lock:",
        )
    if ids:
        if me.partner_id:
            st.caption("You can read the reports of your own partner's submissions only.")
        chosen = st.selectbox("Show the report of submission", options=ids, key="dq_report")
        if chosen is not None:
            report = ws.submission_report(me, chosen)
            if report is None:
                st.info("No report was stored with this submission.")
            else:
                st.markdown(literal(views.report_headline(report)))
                if report.findings:
                    show_table(views.findings_table(report))
