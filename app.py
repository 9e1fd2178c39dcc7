"""The Streamlit app: navigation over app_pages/, the shared workspace and the demo banner.

Run with `streamlit run app.py`. Every page is a thin script in `app_pages/` over the core
(`shared_outcomes.service.Workspace` and the pure builders in `views` and `charts`).
"""

from __future__ import annotations

import streamlit as st

from app_pages._shell import choose_identity, guarded, show_demo_banner, workspace

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

navigation = st.navigation(PAGES)
ready = False
with guarded():
    workspace()
    choose_identity()
    ready = True
if ready:
    show_demo_banner()
    navigation.run()
