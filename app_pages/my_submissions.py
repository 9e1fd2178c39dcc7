"""Your submissions: every version a partner sent, with its report and the file as it was sent."""

from __future__ import annotations

import streamlit as st

from app_pages._commentary import comment_form, show_comments, show_done
from app_pages._shell import (
    acting_identity,
    guarded,
    page_header,
    partner_record_choice,
    show_table,
    workspace,
)
from shared_outcomes.access.roles import Action, decide
from shared_outcomes.errors import WarehouseError
from shared_outcomes.present import views
from shared_outcomes.present.exports import safe_file_name
from shared_outcomes.present.views import literal

TITLE = "Your submissions"
ALL_DATASETS = ""

page_header(
    TITLE,
    "Every extract your partner has sent, newest first: accepted, superseded and rejected "
    "ones, each with its report and the file exactly as it was sent.",
)

with guarded():
    ws = workspace()
    me = acting_identity()
    # Refused (and audited) before anything shows, whatever the navigation offered.
    partner_id, choice = partner_record_choice(
        ws, me, page=TITLE, key="history_partner", what="Submissions"
    )
    datasets = choice.datasets[partner_id]
    dataset = st.selectbox(
        "Dataset",
        options=[ALL_DATASETS, *datasets],
        format_func=lambda d: datasets[d] if d else "All datasets",
        key="history_dataset",
    )
    history = ws.partner_submissions(me, partner_id, dataset=dataset or None)
    titles = {d: c.title for d, c in ws.contracts.items()}
    table = views.submission_history_table(
        history, titles, ws.warning_counts(me, history), ws.erasures(me, history)
    )

    st.header("Submissions")
    if not history:
        st.info("No extracts have been sent for this choice yet.", icon=":material/inbox:")
        st.stop()
    st.caption(f"{len(history):,} submissions, newest first (times in UTC).")
    show_table(table)  # file names as the partners sent them

    st.header("Report and file")
    labels = views.history_labels(table)
    chosen = st.selectbox(
        "Submission", options=list(labels), format_func=lambda i: labels[i], key="history_chosen"
    )
    if chosen is not None:
        picked = next(s for s in history if s.submission_id == chosen)
        st.markdown(literal(labels[chosen]))
        report = ws.submission_report(me, chosen)
        if picked.status == "erased":
            st.info(
                "This submission was erased: its report, rows and file no longer exist; only "
                "the record that it was sent remains.",
                icon=":material/delete_forever:",
            )
        elif report is None:
            st.info("No report was stored with this submission.")
        else:
            headline = literal(views.report_headline(report))
            if report.accepted:
                st.success(headline, icon=":material/check_circle:")
            else:
                st.error(headline, icon=":material/error:")
            if report.findings:
                show_table(views.findings_table(report))
        # The file is offered only where the role may download it; `submitted_file` refuses
        # the rest regardless (audited).
        may = decide(
            me, Action.DOWNLOAD_SUBMITTED_FILE, partner=picked.partner_id, dataset=picked.dataset
        )
        if not may.allowed:
            st.info(literal(may.reason), icon=":material/lock:")
        elif picked.status != "erased":
            try:
                found, path = ws.submitted_file(me, chosen)
            except WarehouseError as missing:
                st.warning(literal(missing.message), icon=":material/warning:")
            else:
                default = f"{found.dataset}_{found.period}.csv"
                st.download_button(
                    "Download the file as it was sent",
                    data=path.read_bytes,  # read from the archive only when asked for
                    file_name=safe_file_name(found.file_name or default, default=default),
                    mime="text/csv",
                    on_click=ws.record_download,
                    args=(me, "submitted_file"),
                    kwargs={
                        "partner": found.partner_id,
                        "dataset": found.dataset,
                        "detail": {
                            "submission_id": found.submission_id,
                            "period": found.period,
                            "sha256": found.sha256,
                        },
                    },
                    key="history_download",
                )

        st.subheader(f"Comments on submission #{chosen}")
        show_done()
        show_comments(
            me, ws.comments(me, submission_ids=[chosen]), places=False, key="submission-comment"
        )
        may_comment = decide(
            me, Action.COMMENT_ON_SUBMISSIONS, partner=picked.partner_id, dataset=picked.dataset
        )
        if not may_comment.allowed:
            st.info(literal(may_comment.reason), icon=":material/lock:")
        else:
            comment_form(
                "submission-new-comment",
                lambda text, _area: ws.add_comment(me, text, submission_id=chosen),
                heading=f"Comment on submission #{chosen}",
            )
