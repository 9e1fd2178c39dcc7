"""The app shell every page shares: the cached workspace, sign-in, the acting identity, errors.

Pages stay thin: they call `page_header`, `workspace()` and `acting_identity()` from here, then the
core, then render. Anything the pages need to *decide* lives in `shared_outcomes.present.views`
(pure and tested without Streamlit); this module only holds what must touch Streamlit: caching,
session state, the sidebar and the translation of errors into messages.

Text a page did not write itself (file names, header cells, values, partner and user names, and
messages that may quote them) is rendered through `views.literal` (imported here as `literal`),
and every table through `show_table`, because Streamlit renders Markdown in all of them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
import streamlit as st

from shared_outcomes.access.roles import ROLE_TITLES, Action, decide
from shared_outcomes.access.signin import Mode, client_id
from shared_outcomes.errors import AccessDenied, SharedOutcomesError
from shared_outcomes.present import charts, views
from shared_outcomes.present.views import literal
from shared_outcomes.settings import Settings, load_settings

if TYPE_CHECKING:
    from shared_outcomes.access.roles import Identity
    from shared_outcomes.access.signin import SignIn
    from shared_outcomes.workspace import Workspace

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
        show_refusal(error, icon=":material/error:")
    except Exception as error:  # the last line of defence for a page
        st.error(
            f"**Unexpected error.** {literal(f'{type(error).__name__}: {error}')}. This is a bug "
            f"in {APP_NAME}; please report it with what you were doing. Nothing was changed.",
            icon=":material/error:",
        )


def show_refusal(error: SharedOutcomesError, *, icon: str = ":material/block:") -> None:
    """An error's title and message as an alert; the message may quote a partner's text."""
    st.error(f"**{literal(error.title)}.** {literal(error.message)}", icon=icon)


def show_table(data: Any) -> None:
    """Every table of the app: a real HTML table (st.table) with each text cell and column name
    shown as written (`views.literal_table`), since st.table renders Markdown in all of them."""
    frame = data if isinstance(data, pl.DataFrame) else pl.DataFrame(data)
    st.table(views.literal_table(frame), hide_index=True)


# Streamlit sizes text in rem, so a larger root font scales every heading, number and label.
_PROJECTOR_CSS = """<style>
html { font-size: 26px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
</style>"""


def asked_index(name: str, options: list[str], default: int = 0) -> int:
    """Where the page address's `?name=` value is among `options` (a link chose it), else
    `default`; an unknown value is ignored (`views.pick`)."""
    if not options:
        return 0
    fallback = options[min(default, len(options) - 1)]
    return options.index(views.pick(st.query_params.get(name), options, fallback) or fallback)


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
    """A chart with its text alternative: a one-sentence summary and the table one click away.
    In projector mode the chart's text is enlarged with the page's."""
    st.altair_chart(
        charts.enlarge(chart) if st.session_state.get("projector") else chart,
        width="stretch",
        key=key,
    )
    st.markdown(literal(summary))  # names partners and areas
    if legend:
        st.caption(legend)  # written by the page
    with st.expander("Show the table behind this chart"):
        show_table(table)


def current_settings() -> Settings:
    """The same settings the CLI uses (so both look at the same database)."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def _open_workspace(db_path: str, root: str, catalog: str | None) -> Any:
    """One workspace per database (or catalog: `catalog` names it, without its password) for
    the whole server; it opens DuckDB per unit of work."""
    from shared_outcomes.workspace import Workspace

    settings = current_settings() if catalog else load_settings(db=db_path, root=root)
    return Workspace.open(settings)


def workspace() -> Workspace:
    """The shared workspace; on a fresh checkout, build the sample partnership first, visibly
    (never into a shared catalog: an empty one shows that nothing is submitted yet)."""
    settings = current_settings()
    catalog = settings.catalog
    if catalog is None and not settings.db_path.exists():
        _build_demo_database(settings)
    where = None if catalog is None else f"{catalog.where} {catalog.data_dir}"
    opened: Workspace = _open_workspace(str(settings.db_path), str(settings.root), where)
    return opened


def _build_demo_database(settings: Settings) -> None:
    with _BUILD_LOCK:
        if settings.db_path.exists():
            return
        from shared_outcomes.jobs.demo import build_demo

        with st.status(
            "First start: building the sample partnership's database…", expanded=True
        ) as status:
            st.markdown(
                f"There is no database at {literal(settings.db_path)} yet, so the app is loading "
                "the sample partnership into it, once. Its figures are **synthetic demo data**."
            )
            bar = st.progress(0.0, text="Starting")

            def report_progress(done: int, total: int, label: str) -> None:
                bar.progress(done / max(total, 1), text=literal(f"{label} ({done} of {total})"))

            build_demo(settings, progress=report_progress)
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


# The only thing a session keeps about who it is: the user id, resolved on the server each run.
USER_KEY = "user_id"


def sign_in(ws: Workspace) -> Identity | None:
    """Who this session is, resolved on the server on every run; None until someone signs in.

    Shows the way to sign in for the deployment's mode (`ws.signin.mode`, re-read each run):
    the organisation's single sign-on, a local account's form, or the labelled demo picker.
    Only the user id is kept in the session; the identity is re-read from the users file each
    run (so a disabled account stops at once), never from the URL.
    """
    signin = ws.signin
    mode = signin.mode
    if mode == Mode.OIDC:
        if not _oidc_sign_in(signin):
            return None
    elif mode == Mode.DEMO:
        _demo_picker(signin)
    try:
        me = signin.session_identity(st.session_state.get(USER_KEY))
    except AccessDenied:
        st.session_state.pop(USER_KEY, None)  # a disabled account signs in again (and is refused)
        raise
    if me is None:
        st.session_state.pop(USER_KEY, None)
        if mode == Mode.LOCAL:
            _password_form(signin)
        elif mode == Mode.DEMO:
            st.warning("There are no demo users to act as.", icon=":material/block:")
        return None
    _signed_in_panel(ws, me, mode)
    return me


def _oidc_sign_in(signin: SignIn) -> bool:
    """Single sign-on: the identity provider says who this is, the users file what they may do."""
    try:
        me = signin.with_oidc(
            logged_in=bool(st.user.is_logged_in),
            email=_text(st.user.get("email")),
            session_user_id=st.session_state.get(USER_KEY),
        )
    except AccessDenied as refused:
        st.session_state.pop(USER_KEY, None)
        _sign_in_heading()
        show_refusal(refused)
        st.button("Sign out of single sign-on", on_click=st.logout)
        return False
    if me is None:
        st.session_state.pop(USER_KEY, None)
        _sign_in_heading()
        st.markdown("Sign in with your organisation's account to see the shared outcomes.")
        st.button("Sign in with your organisation's account", type="primary", on_click=st.login)
        return False
    st.session_state[USER_KEY] = me.user_id
    return True


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _sign_in_heading() -> None:
    st.set_page_config(page_title=f"Sign in · {APP_NAME}", layout="wide")
    st.title(f"Sign in to {APP_NAME}")


def _password_form(signin: SignIn) -> None:
    """A local account's sign-in: one message for a wrong name or a wrong password."""
    _sign_in_heading()
    with st.form("sign-in", clear_on_submit=True):
        user_id = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        me = signin.with_password(user_id.strip(), password, client=_client())
    except AccessDenied as refused:
        show_refusal(refused)
        return
    st.session_state[USER_KEY] = me.user_id
    st.rerun()


def _client() -> str:
    """Who is asking, for the sign-in's per-client lockout (`signin.client_id` decides)."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For")
        return client_id(st.context.ip_address, forwarded if isinstance(forwarded, str) else None)
    except Exception:  # no request context (e.g. a test harness): one shared local client
        return client_id(None)


def _demo_picker(signin: SignIn) -> None:
    """Demo mode only: pick a demo user in the sidebar, clearly labelled as a demo.

    Called from app.py on every run (widgets in the entry script are shared by all pages), so the
    choice holds while one moves between pages. The picker is not bound to the URL.
    """
    people = {person.user_id: person for person in signin.demo_users()}
    if not people:
        return
    with st.sidebar:
        st.markdown("**Demo sign-in** (sample partnership only)")
        chosen = st.selectbox(
            "Act as demo user",
            options=list(people),
            format_func=lambda user_id: people[user_id].display_name,
            key="demo_user",
            help="Demo mode: pick who you are. A real deployment signs people in instead.",
        )
        if signin.notice:
            st.warning(signin.notice, icon=":material/science:")
    if chosen is not None and chosen != st.session_state.get(USER_KEY):
        signin.as_demo_user(chosen)  # audited as a sign-in
        st.session_state[USER_KEY] = chosen


def _signed_in_panel(ws: Workspace, me: Identity, mode: Mode) -> None:
    """Who is signed in, with their role, and (outside the demo) a way to sign out."""
    with st.sidebar:
        st.markdown(f"Signed in as **{literal(me.display_name)}** ({ROLE_TITLES[me.role]})")
        if mode != Mode.DEMO and st.button("Sign out", key="sign-out"):
            ws.signin.sign_out(me)
            st.session_state.clear()
            if mode == Mode.OIDC:
                st.logout()
            st.rerun()


def acting_identity() -> Identity:
    """The person acting in this run, re-read on the server from the session's user id.

    A page run without a signed-in session (e.g. on its own) says so and stops.
    """
    me: Identity | None = workspace().signin.session_identity(st.session_state.get(USER_KEY))
    if me is None:
        st.info("Sign in to see this page.", icon=":material/login:")
        st.stop()
    return me


def visible_to(me: Identity | None, needs: Action | None) -> Literal["visible", "hidden"]:
    """Whether the sidebar offers a page that needs `needs` (the core enforces it regardless)."""
    if needs is None or (me is not None and decide(me, needs).allowed):
        return "visible"
    return "hidden"


def may_open(ws: Workspace, me: Identity, needs: Action | None, *, title: str) -> bool:
    """Whether `me` may open the page `title`, which needs `needs` (None: only a sign-in).

    Every page is registered, so that its address works as a shared link; a person who may not
    use one is refused by the core (`Workspace.require`, which writes the refusal to the audit
    log) and shown why, and the page does not run.
    """
    if needs is None:
        return True
    try:
        ws.require(me, needs, detail={"page": title})
    except AccessDenied as refused:
        st.set_page_config(page_title=f"Not allowed · {APP_NAME}", layout="wide")
        st.title("Not allowed")
        show_refusal(refused)
        st.markdown(
            f"The {literal(title)} page is not open to **{literal(me.display_name)}**: "
            "the pages you may use are in the sidebar."
        )
        return False
    return True


def partner_record_choice(
    ws: Workspace, me: Identity, *, page: str, key: str, what: str
) -> tuple[str, views.PartnerChoice]:
    """The partner whose own record a page shows (Your submissions, Your returns): refused and
    audited before anything shows; a partner's submitter gets its own partner, the joint
    analysis team, administrators and the data-standards team pick one. `what` names the
    record ('Submissions', 'Returns') in the line shown when there is nothing to pick."""
    ws.require(me, Action.VIEW_SUBMISSION_HISTORY, detail={"page": page})
    choice = views.history_choices(me, ws.partnership, ws.contracts)
    if choice.refusal:
        st.warning(literal(choice.refusal), icon=":material/block:")
        st.stop()
    names = choice.partners
    if len(names) > 1:
        partner_id: str = st.selectbox(
            "Partner", options=list(names), format_func=lambda p: names[p], key=key
        )
    else:
        partner_id = next(iter(names))
        st.markdown(f"{what} of **{literal(names[partner_id])}**.")
    return partner_id, choice
