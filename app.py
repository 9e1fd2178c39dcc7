"""The Streamlit app: sign-in, navigation over app_pages/, the shared workspace and the demo banner.

Run with `streamlit run app.py`. Every page is a thin script in `app_pages/` over the core
(`shared_outcomes.workspace.Workspace` and the pure builders in `views` and `charts`). Who the
session is comes from `_shell.sign_in` on every run; the admin pages are offered in the
navigation only to administrators, and the core refuses everyone else regardless.
"""

from __future__ import annotations

import streamlit as st

from app_pages._shell import guarded, is_admin, show_demo_banner, sign_in, workspace

# Why `app_pages/` and not `pages/`: Streamlit treats a folder called `pages/` beside the entry
# script as an old-style multipage app until st.navigation has run once in the server process,
# so the first request after a start, if it is a shared link such as /explore, would run that
# page on its own (without this shell) or show "Page not found".
PAGES = [
    st.Page(
        "app_pages/common_picture.py",
        title="Common picture",
        icon=":material/dashboard:",
        url_path="common-picture",
        default=True,
    ),
    st.Page(
        "app_pages/explore_outcomes.py",
        title="Explore",
        icon=":material/query_stats:",
        url_path="explore",
    ),
    st.Page(
        "app_pages/submit_extract.py",
        title="Submit an extract",
        icon=":material/upload_file:",
        url_path="submit",
    ),
    st.Page(
        "app_pages/data_quality.py",
        title="Data quality and timeliness",
        icon=":material/fact_check:",
        url_path="data-quality",
    ),
    st.Page(
        "app_pages/standards_catalogue.py",
        title="Standards",
        icon=":material/menu_book:",
        url_path="standards",
    ),
]

ADMIN_PAGES = [
    st.Page(
        "app_pages/audit_log.py",
        title="Audit log",
        icon=":material/policy:",
        url_path="audit-log",
    ),
]

me = None
with guarded():
    me = sign_in(workspace())
# Until someone signs in, the navigation is hidden and no page runs, but the address is kept:
# a shared link such as /explore opens on that page once signed in.
navigation = st.navigation(
    PAGES + (ADMIN_PAGES if is_admin(me) else []),
    position="sidebar" if me is not None else "hidden",
)
if me is not None:
    show_demo_banner()
    navigation.run()
