"""Agreements: the partnership's data sharing agreements, who shares what with whom, on which
basis, until when, the outcomes that depend on each, and those due for review."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app_pages._shell import guarded, page_header, show_table, workspace
from shared_outcomes.present import agreements as words
from shared_outcomes.present.views import literal

page_header(
    "Agreements",
    "The data sharing agreements the partnership shares data under: who shares what with "
    "whom, for which purposes, on which lawful basis and legal gateway, and for how long. A "
    "partner's extract is accepted only while an agreement in force covers it.",
)

with guarded():
    ws = workspace()
    today = datetime.now(UTC).date()
    agreements = ws.agreements
    if not agreements.enforced:
        st.warning(
            "This partnership has no data_contracts/agreements.yaml, so no agreement is "
            "enforced: extracts are accepted without one. Ask the information governance lead "
            "to record the partnership's agreements.",
            icon=":material/gpp_maybe:",
        )
        st.stop()
    due = agreements.due_for_review(today, words.REVIEW_WITHIN_DAYS)
    st.header(f"Due for review in the next {words.REVIEW_WITHIN_DAYS} days")
    if due:
        for agreement in due:
            st.warning(literal(words.review_words(agreement, today)), icon=":material/event:")
    else:
        st.success("No agreement is due for review.", icon=":material/task_alt:")
    st.header("Who shares what")
    show_table(words.agreements_table(agreements, ws.partnership, today))
    for agreement in sorted(agreements.agreements, key=lambda a: a.title):
        with st.expander(literal(f"{agreement.title} ({agreement.id})")):
            st.markdown("**Purposes:** " + literal("; ".join(agreement.purposes)))
            show_table(words.parties_table(agreement, ws.partnership))
            show_table(words.datasets_table(agreement))
            outcomes = words.dependent_outcomes(agreement, ws.definitions)
            st.markdown(
                "**Shared outcomes that depend on it:** "
                + (literal(", ".join(d.title for d in outcomes)) if outcomes else "none")
            )
