"""The Streamlit app: sign-in, navigation over app_pages/, the shared workspace and the demo banner.

Run with `streamlit run app.py`. Every page is a thin script in `app_pages/` over the core
(`shared_outcomes.workspace.Workspace` and the pure builders in `views` and `charts`). Who the
session is comes from `_shell.sign_in` on every run.

Every page's address works as the first request after a server start (a shared link): every page
is registered with st.navigation on every run, signed in or not, so the address is kept while
the sign-in shows. A page someone may not use (the audit log, for anyone but an administrator) is
registered hidden, so the sidebar offers only what they may use, and opening its address is
refused by the core (audited) before the page runs (`_shell.may_open`); the page asks the core
again itself.
"""

from __future__ import annotations

import streamlit as st

from app_pages._shell import guarded, may_open, show_demo_banner, sign_in, visible_to, workspace
from shared_outcomes.access.roles import Action

# Why `app_pages/` and not `pages/`: Streamlit treats a folder called `pages/` beside the entry
# script as an old-style multipage app until st.navigation has run once in the server process,
# so the first request after a start, if it is a shared link such as /explore, would run that
# page on its own (without this shell) or show "Page not found".
COMMON_PICTURE = "app_pages/common_picture.py"

#: Each page's script, title, icon and address, and what it needs beyond a sign-in (None: nothing).
PAGES: list[tuple[str, str, str, str, Action | None]] = [
    (COMMON_PICTURE, "Common picture", ":material/dashboard:", "common-picture", None),
    ("app_pages/explore_outcomes.py", "Explore", ":material/query_stats:", "explore", None),
    ("app_pages/submit_extract.py", "Submit an extract", ":material/upload_file:", "submit", None),
    (
        "app_pages/data_quality.py",
        "Data quality and timeliness",
        ":material/fact_check:",
        "data-quality",
        None,
    ),
    (
        "app_pages/returns.py",
        "Your returns",
        ":material/checklist:",
        "returns",
        Action.VIEW_SUBMISSION_HISTORY,
    ),
    (
        "app_pages/my_submissions.py",
        "Your submissions",
        ":material/history:",
        "my-submissions",
        Action.VIEW_SUBMISSION_HISTORY,
    ),
    ("app_pages/standards_catalogue.py", "Standards", ":material/menu_book:", "standards", None),
    ("app_pages/agreements.py", "Agreements", ":material/handshake:", "agreements", None),
    (
        "app_pages/audit_log.py",
        "Audit log",
        ":material/policy:",
        "audit-log",
        Action.VIEW_AUDIT_LOG,
    ),
]

me = None
with guarded():
    me = sign_in(workspace())

# Streamlit serves the default page at `/` and ignores its url_path, so the common picture is
# registered twice: as the default (at `/`, the sidebar's link) and, hidden, at /common-picture.
registered = [
    (
        st.Page(COMMON_PICTURE, title="Common picture", icon=":material/dashboard:", default=True),
        None,
    ),
    *(
        (
            st.Page(
                script,
                title=title,
                icon=icon,
                url_path=url_path,
                visibility="hidden" if script == COMMON_PICTURE else visible_to(me, needs),
            ),
            needs,
        )
        for script, title, icon, url_path, needs in PAGES
    ),
]
# Until someone signs in, the navigation is hidden and no page runs, but the address is kept:
# a shared link such as /explore opens on that page once signed in.
navigation = st.navigation(
    [page for page, _ in registered], position="sidebar" if me is not None else "hidden"
)
if me is not None:
    show_demo_banner()
    required = next(needs for page, needs in registered if page is navigation)
    if may_open(workspace(), me, required, title=navigation.title):
        navigation.run()
