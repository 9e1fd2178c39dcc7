"""Every page's address works as a shared link, before and after signing in (AppTest).

AppTest cannot send a first request by address (the browser sends the page's name from the URL;
AppTest only switches by script), so these check what makes an address work: every page is
registered with st.navigation on every run, signed in or not, under its declared address; a
page someone may not use is refused (and audited) without running. The browser test
(tests/e2e/test_deep_links_browser.py) opens each address as a fresh server's first request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
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
#: Every address app.py declares (st.Page url_path), and `/` (the default page).
ADDRESSES = {
    "",
    "common-picture",
    "explore",
    "submit",
    "data-quality",
    "returns",
    "my-submissions",
    "standards",
    "agreements",
    "audit-log",
}


def _audit(db: Path, **filters: Any) -> list[dict[str, Any]]:
    ws = Workspace.open(load_settings(db=db, root=ROOT))
    return list(ws.audit_entries(ADMIN, **filters).iter_rows(named=True))


def _addresses(at: AppTest) -> set[str]:
    """The addresses the last run registered with st.navigation (what a URL is resolved against;
    AppTest keeps the registry st.navigation gave the session's pages manager)."""
    return {str(info.get("url_pathname")) for info in at._registered_pages.values()}


@pytest.fixture
def local_users(app_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Directory:  # noqa: ARG001 - after the app's database
    """A users file (so local sign-in with a password form), with an analyst and an admin."""
    path = tmp_path / "users.yaml"
    directory = Directory(path, [])
    directory.add(UserRecord(id="ana", name="Ana Lyst", role=Role.ANALYST), "correct horse 1")
    directory.add(UserRecord(id="ada", name="Ada Min", role=Role.ADMIN), "correct horse 2")
    monkeypatch.setenv("SHARED_OUTCOMES_USERS", str(path))
    return directory


def _sign_in(at: AppTest, user: str, password: str) -> None:
    at.text_input[0].input(user)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()


@pytest.mark.usefixtures("local_users")
def test_every_address_is_registered_before_anyone_signs_in() -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Sign in to Shared Outcomes"
    assert _addresses(at) == ADDRESSES


@pytest.mark.parametrize("user", ["demo-leadership", "demo-admin"])
def test_every_address_is_registered_whoever_is_signed_in(
    open_page: Callable[..., AppTest], user: str
) -> None:
    at = open_page("Common picture", user)
    assert not at.exception
    assert _addresses(at) == ADDRESSES


@pytest.mark.parametrize(("user", "name"), [("ada", "Ada Min"), ("ana", "Ana Lyst")])
def test_the_audit_address_keeps_through_the_sign_in(
    local_users: Directory,  # noqa: ARG001 - local sign-in
    app_db: Path,
    user: str,
    name: str,
) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(AUDIT_PAGE)  # the shared link, before signing in
    at.run()
    assert not at.exception
    assert at.title[0].value == "Sign in to Shared Outcomes"  # the sign-in, and nothing else
    assert not at.table and len(at.text_input) == 2

    _sign_in(at, user, f"correct horse {1 if user == 'ana' else 2}")
    assert not at.exception
    if user == "ada":  # an administrator: the audit log itself
        assert not at.error
        assert at.title[0].value == "Audit log"
        assert at.table
        return
    assert at.title[0].value == "Not allowed"
    reason = "Ana Lyst (Joint analysis team) cannot see the audit log."
    assert shown(at.error[0].value) == f"**Not allowed.** {reason}"
    said = f"The Audit log page is not open to **{name}**: the pages you may use are in"
    assert any(shown(m.value).startswith(said) for m in at.markdown)
    assert not at.table and not at.text_input  # the page did not run
    (denied,) = _audit(app_db, action="view_audit_log", outcome="denied")
    assert denied["user_id"] == "ana"
    assert json.loads(denied["detail"]) == {"page": "Audit log", "reason": reason}


def test_a_non_admin_is_refused_the_audit_page_then_an_admin_opens_it(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    at = open_page("Common picture", "demo-analyst")
    at.switch_page(AUDIT_PAGE)
    at.run()
    assert at.title[0].value == "Not allowed"
    entries = _audit(app_db, action="view_audit_log", outcome="denied")
    assert [e["user_id"] for e in entries] == ["demo-analyst"]

    at.selectbox(key="demo_user").set_value("demo-admin").run()  # the demo picker
    assert not at.exception and not at.error
    assert at.title[0].value == "Audit log"
