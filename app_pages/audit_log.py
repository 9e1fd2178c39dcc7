"""Audit log (administrators): who signed in, submitted, downloaded or was refused, and when."""

from __future__ import annotations

from datetime import UTC, datetime, time

import streamlit as st

from app_pages._shell import acting_identity, guarded, page_header, show_table, workspace
from shared_outcomes.access import audit
from shared_outcomes.access.roles import ROLE_TITLES, Action

page_header(
    "Audit log",
    "Every sign-in, submission, download and refusal, newest first. Only administrators see it.",
)

ACTIONS = [
    audit.SIGN_IN,
    audit.SIGN_OUT,
    audit.DOWNLOAD,
    audit.BUILD_DEMO,
    audit.MIGRATE,
    *list(Action),
]

with guarded():
    ws = workspace()
    me = acting_identity()
    # Refused (and audited) before any filter shows, whatever the navigation offered.
    ws.require(me, Action.VIEW_AUDIT_LOG)
    left, middle, right = st.columns(3)
    user_id = left.text_input("User id", key="audit_user", help="Exactly as in the users file.")
    action = middle.selectbox(
        "Action", options=["any", *ACTIONS], key="audit_action", format_func=str
    )
    outcome = right.selectbox("Outcome", options=["any", "allowed", "denied"], key="audit_outcome")
    left, right = st.columns(2)
    since = left.date_input(
        "From (date)", value=None, key="audit_since", format="DD/MM/YYYY", help="Optional."
    )
    limit = right.number_input(
        "Entries to show", min_value=10, max_value=audit.MAX_ENTRIES, value=200, step=50
    )
    entries = ws.audit_entries(
        me,
        limit=int(limit),
        user_id=user_id.strip() or None,
        action=None if action == "any" else str(action),
        outcome=None if outcome == "any" else outcome,  # type: ignore[arg-type]
        since=datetime.combine(since, time.min, tzinfo=UTC) if since else None,
    )
    st.header("Entries")
    if entries.height == 0:
        st.info("No entries match these filters.")
    else:
        st.markdown(f"The newest {entries.height:,} matching entries (times in UTC).")
        show_table(  # user ids as typed at sign-in, file names as sent: shown as written
            entries.select(
                entries["at"].dt.strftime("%Y-%m-%d %H:%M:%S").alias("When (UTC)"),
                entries["user_id"].alias("User"),
                entries["role"].alias("Role"),
                entries["action"].alias("Action"),
                entries["outcome"].alias("Outcome"),
                entries["partner"].alias("Partner"),
                entries["dataset"].alias("Dataset"),
                entries["detail"].alias("Detail"),
            )
        )

    st.header("Users")
    st.caption("The people who can sign in, from the users file (demo users in demo mode).")
    show_table(
        [
            {
                "User": u.id,
                "Name": u.name,
                "Role": ROLE_TITLES[u.role],
                "Partner": u.partner or "",
                "E-mail": u.email or "",
                "Row-level datasets": ", ".join(u.datasets),
                "Status": "disabled" if u.disabled else "active",
            }
            for u in ws.users(me)
        ]
    )
