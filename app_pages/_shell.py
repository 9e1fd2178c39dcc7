"""The app shell every page shares: the cached workspace, the acting identity, the error boundary.

Pages stay thin: they call `page_header`, `workspace()` and `acting_identity()` from here, then the
core, then render. Anything the pages need to *decide* lives in `shared_outcomes.views` (pure and
tested without Streamlit); this module only holds what must touch Streamlit: caching, session
state, the sidebar and the translation of errors into messages.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import streamlit as st

from shared_outcomes import views
from shared_outcomes.errors import SharedOutcomesError
from shared_outcomes.settings import Settings, load_settings

if TYPE_CHECKING:
    from shared_outcomes.access import Identity

APP_NAME = "Shared Outcomes"

# One demo build at a time per server process: two sessions opening a fresh checkout together must
# not both build the sample database.
_BUILD_LOCK = threading.Lock()


# Outcome cards keep their titles as headings (for screen-reader navigation) at a card's size.
_APP_CSS = """<style>
[class*="st-key-card-"] h3 { font-size: 1.3rem; line-height: 1.3; padding-top: 0.25rem; }
</style>"""


def page_header(title: str, purpose: str) -> None:
    """A unique, descriptive browser title (WCAG 2.4.2), the page heading and its purpose."""
    st.set_page_config(page_title=f"{title} · {APP_NAME}", layout="wide")
    st.html(_APP_CSS)
    st.title(title)
    st.caption(purpose)


@contextmanager
def guarded() -> Iterator[None]:
    """Show any error as a message that says what to do; never a traceback.

    `st.error` renders with role="alert", so screen readers announce the message. Streamlit's
    own stop/rerun signals derive from BaseException and pass through untouched.
    """
    try:
        yield
    except SharedOutcomesError as error:
        st.error(f"**{error.title}.** {error.message}", icon=":material/error:")
    except Exception as error:  # the last line of defence for a page
        st.error(
            f"**Unexpected error.** {type(error).__name__}: {error}. This is a bug in "
            f"{APP_NAME}; please report it with what you were doing. Nothing was changed.",
            icon=":material/error:",
        )


# Streamlit sizes text in rem, so a larger root font scales every heading, number and label.
_PROJECTOR_CSS = """<style>
html { font-size: 26px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
</style>"""


def projector_mode() -> bool:
    """A large-type mode for reading the page from the back of a room; kept in the URL."""
    on = st.toggle(
        "Projector mode (large type)",
        key="projector",
        bind="query-params",
        help="Larger text and fewer cards per row, for a projector or a shared screen.",
    )
    if on:
        st.html(_PROJECTOR_CSS)
    return bool(on)


def show_chart(
    chart: Any, *, summary: str, table: Any, legend: str | None = None, key: str | None = None
) -> None:
    """A chart with its text alternative: a one-sentence summary and the table one click away."""
    st.altair_chart(chart, width="stretch", key=key)
    st.markdown(summary)
    if legend:
        st.caption(legend)
    with st.expander("Show the table behind this chart"):
        st.table(table, hide_index=True)


def current_settings() -> Settings:
    """The same settings the CLI uses (so both look at the same database)."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def _open_workspace(db_path: str, root: str) -> Any:
    """One workspace per database for the whole server; it opens DuckDB per unit of work."""
    from shared_outcomes.service import Workspace

    return Workspace.open(load_settings(db=db_path, root=root))


def workspace() -> Any:
    """The shared workspace; on a fresh checkout, build the sample partnership first, visibly."""
    settings = current_settings()
    if not settings.db_path.exists():
        _build_demo_database(settings)
    return _open_workspace(str(settings.db_path), str(settings.root))


def _build_demo_database(settings: Settings) -> None:
    with _BUILD_LOCK:
        if settings.db_path.exists():
            return
        from shared_outcomes.service import Workspace

        with st.status(
            "First start: building the sample partnership's database…", expanded=True
        ) as status:
            st.markdown(
                f"There is no database at `{settings.db_path}` yet, so the app is loading the "
                "sample partnership into it, once. Its figures are **synthetic demo data**."
            )
            bar = st.progress(0.0, text="Starting")

            def report_progress(done: int, total: int, label: str) -> None:
                bar.progress(done / max(total, 1), text=f"{label} ({done} of {total})")

            Workspace.build_demo(settings, progress=report_progress)
            status.update(label="Sample database built.", state="complete", expanded=False)
        _open_workspace.clear()


def show_demo_banner() -> None:
    """Say plainly, on every page, that the sample partnership's figures are synthetic."""
    if not views.is_sample_partnership(workspace().partnership):
        return  # a real partnership's own data
    st.info(
        "**Demo data.** You are looking at the sample partnership (Greater Manchester's ten "
        "districts). Its figures are synthetic, apart from the DWP claimant count, which is real "
        "(Open Government Licence).",
        icon=":material/science:",
    )


def choose_identity() -> None:
    """Until sign-in exists: a demo user picked in the sidebar, clearly labelled as such.

    Called from app.py on every run (widgets in the entry script are shared by all pages), so the
    choice holds while one moves between pages.
    """
    from shared_outcomes.views import demo_identities

    identities = {
        identity.user_id: identity for identity in demo_identities(workspace().partnership)
    }
    with st.sidebar:
        st.markdown("**Demo sign-in** (sample partnership only)")
        chosen = st.selectbox(
            "Act as demo user",
            options=list(identities),
            format_func=lambda user_id: identities[user_id].display_name,
            key="demo_user",
            help="Demo mode: pick who you are. A real deployment signs people in instead.",
        )
    st.session_state["identity"] = identities[chosen]


def acting_identity() -> Identity:
    """The person acting in this session (see `choose_identity`)."""
    identity: Identity = st.session_state["identity"]
    return identity
