"""Role × action through the app (AppTest): what each role's pages let them do, and the sign-in.

The core refuses on its own (tests/access/); these check that the pages ask
it as the signed-in person, offer nothing a role may not use, and cannot be talked into another
identity by the URL or by running an admin page directly.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from support import shown

from shared_outcomes.access.accounts import Directory, UserRecord
from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
AUDIT_PAGE = "app_pages/audit_log.py"
ADMIN = Identity("demo-admin", "Demo: administrator (the centre)", Role.ADMIN)
SUBMITTER = "demo-bolton_council"


def _audit(db: Path, **filters: Any) -> list[dict[str, Any]]:
    ws = Workspace.open(load_settings(db=db, root=ROOT))
    return list(ws.audit_entries(ADMIN, **filters).iter_rows(named=True))


def _labels(widgets: Any) -> list[str]:
    return [w.label for w in widgets]


def _text(at: AppTest) -> str:
    """The page's text as the browser shows it (partner and user text arrives escaped)."""
    parts = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success]
    return "\n".join(shown(str(p.value)) for p in parts)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every file the page offers for download, by file name, as the browser would get it."""
    offered: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: Any = None) -> str:
        if filename and isinstance(path_or_data, bytes):
            offered[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def defer(self: Any, data_callable: Callable[[], Any], *args: Any, **kwargs: Any) -> str:
        name = kwargs.get("file_name") or (args[2] if len(args) > 2 else None)
        if name:  # made when the button is pressed: make it now, as the server would then
            offered[name] = data_callable()
        return original_deferred(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    original_deferred = MediaFileManager.add_deferred
    monkeypatch.setattr(MediaFileManager, "add_deferred", defer)
    return offered


# -- submitting ------------------------------------------------------------------------------


def test_a_submitter_submits_only_for_their_own_partner(
    open_page: Callable[..., AppTest],
) -> None:
    at = open_page("Submit an extract", SUBMITTER)
    assert not at.exception and not at.error
    assert "Partner" not in _labels(at.selectbox)  # no way to choose another partner
    assert "**Submitting for:** Bolton Council (from your sign-in)" in _text(at)
    assert len(at.get("file_uploader")) == 1


def test_an_admin_may_choose_the_partner(open_page: Callable[..., AppTest]) -> None:
    at = open_page("Submit an extract", "demo-admin")
    assert not at.exception and not at.error
    assert len(at.selectbox(key="partner").options) > 1


def test_a_link_from_your_returns_opens_the_submit_page_with_that_return_chosen(
    open_page: Callable[..., AppTest],
) -> None:
    at = open_page(
        "Submit an extract", "demo-admin",
        query={"partner": "tameside_council", "dataset": "workforce_vacancies",
               "period": "2026-10"},
    )  # fmt: skip
    assert not at.exception and not at.error
    assert at.selectbox(key="partner").value == "tameside_council"
    assert at.selectbox(key="dataset").value == "workforce_vacancies"
    period = at.selectbox(key="period")
    # A month long after the register's newest (Oct 2017) is offered when a link asks for it.
    assert period.value == "2026-10" and "2017-11" in period.options


def test_a_submit_address_naming_what_may_not_be_chosen_is_ignored(
    open_page: Callable[..., AppTest],
) -> None:
    at = open_page(
        "Submit an extract", SUBMITTER,  # Bolton's submitter
        query={"partner": "tameside_council", "dataset": "no_such", "period": "x"},
    )  # fmt: skip
    assert not at.exception and not at.error
    assert "**Submitting for:** Bolton Council (from your sign-in)" in _text(at)
    period = at.selectbox(key="period")
    assert period.value == period.options[1] == "2017-10"  # the usual: the month before the next


@pytest.mark.parametrize("user", ["demo-analyst", "demo-leadership"])
def test_analysts_and_leadership_cannot_submit(
    open_page: Callable[..., AppTest], user: str
) -> None:
    at = open_page("Submit an extract", user)
    assert not at.exception
    assert "cannot submit extracts" in at.warning[0].value
    assert not at.get("file_uploader")


# -- figures and downloads -------------------------------------------------------------------


def _explore_csv(at: AppTest, downloads: dict[str, bytes]) -> list[dict[str, str]]:
    outcome = at.selectbox(key="outcome").value
    return list(csv.DictReader(io.StringIO(downloads[f"{outcome}.csv"].decode("utf-8-sig"))))


def _outcome_with_small_numbers(db: Path) -> str:
    ws = Workspace.open(load_settings(db=db, root=ROOT))
    leadership = Identity("demo-leadership", "Demo: leadership", Role.LEADERSHIP)
    figures = ws.figures(leadership)
    hidden = figures.filter(figures["suppressed"])["outcome"].unique().sort().to_list()
    assert hidden, "the sample has small numbers that leadership must not see"
    return str(hidden[0])


def test_explore_downloads_are_suppressed_for_leadership_not_for_analysts(
    open_page: Callable[..., AppTest], app_db: Path, downloads: dict[str, bytes]
) -> None:
    outcome = _outcome_with_small_numbers(app_db)
    rows = {}
    for user in ("demo-leadership", "demo-analyst"):
        downloads.clear()
        at = open_page("Explore", user)
        at.selectbox(key="outcome").set_value(outcome)
        at.run()
        assert not at.exception and not at.error
        rows[user] = _explore_csv(at, downloads)
    hidden = [r for r in rows["demo-leadership"] if r["suppressed"] == "true"]
    assert hidden and all(r["numerator"] == "" and r["value"] == "" for r in hidden)
    assert not [r for r in rows["demo-analyst"] if r["suppressed"] == "true"]


def test_a_download_is_written_to_the_audit_log(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    at = open_page("Explore", "demo-leadership")
    outcome = at.selectbox(key="outcome").value
    next(b for b in at.download_button if b.label == "Download as CSV").click()
    at.run()
    assert not at.exception
    (entry,) = _audit(app_db, action="download", user_id="demo-leadership")
    assert f'"what": "{outcome}.csv"' in entry["detail"]
    assert entry["outcome"] == "allowed"


def test_the_figures_for_papers_are_suppressed_even_for_the_analysis_team(
    open_page: Callable[..., AppTest], app_db: Path, downloads: dict[str, bytes]
) -> None:
    at = open_page("Common picture", "demo-analyst")
    assert not at.exception and not at.error
    rows = list(csv.DictReader(io.StringIO(downloads["shared_figures.csv"].decode("utf-8-sig"))))
    assert {r["outcome"] for r in rows} == set(
        Workspace.open(load_settings(db=app_db, root=ROOT)).definitions
    )
    hidden = [r for r in rows if r["suppressed"] == "true"]
    assert hidden and all(r["value"] == "" for r in hidden)  # as leadership sees them

    next(b for b in at.download_button if "figures (CSV" in b.label).click()
    at.run()
    (entry,) = _audit(app_db, action="download", user_id="demo-analyst")
    assert '"what": "shared_figures.csv"' in entry["detail"]


def test_the_button_makes_the_board_pack_the_command_line_makes(
    open_page: Callable[..., AppTest], app_db: Path, downloads: dict[str, bytes]
) -> None:
    """The same document for the view on screen: its month, the meeting date chosen, the
    figures suppressed for the analysis team too; recorded like the command's."""
    at = open_page("Common picture", "demo-analyst")
    at.radio(key="pack_format").set_value("html")
    next(b for b in at.button if b.label == "Make the board pack").click()
    at.run()
    assert not at.exception and not at.error
    made = downloads[next(name for name in downloads if name.startswith("board_pack_"))]
    html = made.decode("utf-8")
    meeting = at.date_input(key="meeting").value
    ws = Workspace.open(load_settings(db=app_db, root=ROOT))
    digest = re.search(r"full digest ([0-9a-f]{64})", html)
    as_at = re.search(r"board-pack --as-at (\S+)</code>", html)
    assert digest and as_at
    leader = Identity("demo-leadership", "Leader", Role.LEADERSHIP)
    cli = ws.board_pack(
        leader, file_format="html", since=meeting, as_at=datetime.fromisoformat(as_at.group(1))
    )  # the command line's document for the same moment
    assert cli.pack.state.figures_digest == digest.group(1)
    assert f"What changed since {meeting.day} {meeting:%B %Y}" in html
    assert "Suppressed: small number" in html
    (entry, *_) = _audit(app_db, action="download", user_id="demo-analyst")
    assert '"suppressed": true' in entry["detail"] and "board_pack_" in entry["detail"]


# -- reports on the data-quality page ----------------------------------------------------------


def _report_choices(at: AppTest) -> list[int]:
    found = [s for s in at.selectbox if s.key == "dq_report"]
    return [int(o) for o in found[0].options] if found else []


def test_a_partner_is_offered_only_its_own_submissions_reports(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    ws = Workspace.open(load_settings(db=app_db, root=ROOT))
    partner_of = {s.submission_id: s.partner_id for s in ws.submissions(ADMIN)}

    at = open_page("Data quality and timeliness", SUBMITTER)
    assert not at.exception and not at.error
    mine = _report_choices(at)
    assert mine and {partner_of[i] for i in mine} == {"bolton_council"}
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")  # the grid is shown

    at = open_page("Data quality and timeliness", "demo-analyst")
    assert len({partner_of[i] for i in _report_choices(at)}) > 1

    at = open_page("Data quality and timeliness", "demo-leadership")
    assert not at.exception and not at.error
    assert _report_choices(at) == []
    assert "cannot see partners' submission reports" in _text(at)


# -- the admin pages -------------------------------------------------------------------------


def test_an_admin_sees_the_audit_log_and_the_users(open_page: Callable[..., AppTest]) -> None:
    at = open_page("Common picture", "demo-admin")
    at.switch_page(AUDIT_PAGE)
    at.run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Audit log"
    entries, users = (t.value for t in at.table)
    assert "sign_in" in {shown(a) for a in entries["Action"]}  # this very session's sign-in
    assert "demo-admin" in {shown(u) for u in users["User"]}


@pytest.mark.parametrize("user", ["demo-analyst", "demo-leadership", SUBMITTER])
def test_the_audit_log_is_refused_to_anyone_else(
    open_page: Callable[..., AppTest], user: str
) -> None:
    at = open_page("Common picture", user)
    assert not at.exception
    # Registered for them too (hidden), so that its address works as a shared link; the shell
    # refuses it before the page runs. The browser test checks the sidebar and the address.
    at.switch_page(AUDIT_PAGE)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Not allowed"
    assert "cannot see the audit log" in shown(at.error[0].value)
    assert not at.table and not at.text_input


@pytest.mark.parametrize("user", ["demo-analyst", SUBMITTER])
def test_running_the_audit_page_directly_is_refused_by_the_core(app_db: Path, user: str) -> None:
    at = AppTest.from_file(str(ROOT / AUDIT_PAGE), default_timeout=60)
    at.session_state["user_id"] = user
    at.run()
    assert not at.exception
    assert at.error and "Not allowed" in shown(at.error[0].value)
    assert not at.table
    (denied,) = _audit(app_db, action="view_audit_log", outcome="denied")
    assert denied["user_id"] == user


@pytest.mark.usefixtures("app_db")
def test_a_page_run_without_a_signed_in_session_shows_nothing() -> None:
    at = AppTest.from_file(str(ROOT / AUDIT_PAGE), default_timeout=60)
    at.run()
    assert not at.exception and not at.table
    assert "Sign in" in at.info[0].value


# -- the session cannot be switched from the URL ---------------------------------------------


@pytest.mark.parametrize("param", ["user", "user_id", "demo_user", "identity"])
def test_a_crafted_query_parameter_does_not_switch_the_user(
    open_page: Callable[..., AppTest], param: str
) -> None:
    at = open_page("Submit an extract", SUBMITTER)
    at.query_params[param] = "demo-admin"
    at.run()
    assert not at.exception and not at.error
    assert "Partner" not in _labels(at.selectbox)  # still Bolton's submitter, not the admin
    assert "Signed in as **Demo: submitter at Bolton Council**" in _text(at)
    assert at.session_state["user_id"] == SUBMITTER
    assert "Audit log" not in _text(at)


# -- local accounts ----------------------------------------------------------------------------


@pytest.fixture
def local_users(app_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Directory:  # noqa: ARG001 - after the app's database
    """A users file (so local sign-in, and no demo), with an analyst and an admin."""
    path = tmp_path / "users.yaml"
    directory = Directory(path, [])
    directory.add(UserRecord(id="ana", name="Ana Lyst", role=Role.ANALYST), "correct horse 1")
    monkeypatch.setenv("SHARED_OUTCOMES_USERS", str(path))
    return directory


def _sign_in(at: AppTest, user: str, password: str) -> None:
    at.text_input[0].input(user)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()


def test_local_accounts_sign_in_with_a_password_and_never_offer_the_demo(
    local_users: Directory, app_db: Path
) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["demo_user"] = "demo-admin"  # a leftover demo choice counts for nothing
    at.run()
    assert not at.exception
    assert at.title[0].value == "Sign in to Shared Outcomes"
    assert "Act as demo user" not in _labels(at.selectbox)

    _sign_in(at, "ana", "wrong password")
    assert shown(at.error[0].value) == "**Sign-in failed.** Unknown user or wrong password."
    _sign_in(at, "nobody", "correct horse 1")
    assert shown(at.error[0].value) == "**Sign-in failed.** Unknown user or wrong password."

    _sign_in(at, "ana", "correct horse 1")
    assert not at.exception and not at.error
    assert at.title[0].value == "Common picture"
    assert "Signed in as **Ana Lyst** (Joint analysis team)" in _text(at)
    outcomes = [(e["user_id"], e["outcome"]) for e in _audit(app_db, action="sign_in")]
    assert outcomes[:3] == [("ana", "allowed"), ("nobody", "denied"), ("ana", "denied")]

    local_users.set_disabled("ana")  # disabled while signed in: refused at the next run
    at.run()
    assert "disabled" in shown(at.error[0].value)
    at.run()
    assert at.title[0].value == "Sign in to Shared Outcomes"


@pytest.mark.usefixtures("local_users")
def test_five_wrong_passwords_lock_the_account_with_a_message_saying_when_to_try_again(
    app_db: Path,
) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    for _ in range(4):
        _sign_in(at, "ana", "wrong password")
        assert shown(at.error[0].value) == "**Sign-in failed.** Unknown user or wrong password."
    _sign_in(at, "ana", "wrong password")
    assert "Try again after" in shown(at.error[0].value) and "UTC" in at.error[0].value

    _sign_in(at, "ana", "correct horse 1")  # the right password, while locked
    assert not at.exception
    assert shown(at.error[0].value).startswith("**Too many failed sign-ins.**")
    assert "Try again after" in shown(at.error[0].value)
    assert at.title[0].value == "Sign in to Shared Outcomes"
    assert "user_id" not in at.session_state
    denied = _audit(app_db, action="sign_in", outcome="denied")
    reasons = [json.loads(e["detail"])["reason"] for e in denied]
    assert reasons == ["locked"] + ["password"] * 5  # newest first
    assert {json.loads(e["detail"])["client"] for e in denied} == {"local"}


@pytest.mark.usefixtures("local_users")
def test_signing_out_ends_the_session(app_db: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    _sign_in(at, "ana", "correct horse 1")
    at.button(key="sign-out").click()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Sign in to Shared Outcomes"
    assert "user_id" not in at.session_state
    assert _audit(app_db, action="sign_out")[0]["user_id"] == "ana"


@pytest.mark.usefixtures("local_users")
def test_single_sign_on_shows_only_its_sign_in_button(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With [auth] in the user's .streamlit/secrets.toml: no page, no form, no demo until the
    identity provider has signed the person in (st.login)."""
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
    )
    monkeypatch.setenv("HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Sign in to Shared Outcomes"
    assert [b.label for b in at.button] == ["Sign in with your organisation's account"]
    assert not at.text_input and "Act as demo user" not in _labels(at.selectbox)
