"""Every page's address as the first request after a server start, in Chromium.

Each test starts its own `streamlit run app.py` and opens one address before anything else has
been asked of that server (a link shared in an e-mail, opened after a restart). The demo
sign-in is the sidebar's picker; local accounts sign in with the password form first. Either
way the address is kept and, once signed in, opens its page for someone who may use it, or
says plainly that it is not open to them (and the refusal is in the audit log).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from e2e_support import App, choose, wait_for_app
from playwright.sync_api import Page, expect

from shared_outcomes.access.accounts import Directory, UserRecord
from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.settings import companion_dir, load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Identity("demo-admin", "Demo: administrator (the centre)", Role.ADMIN)
#: Every address app.py declares, and `/`, with the page each opens.
ADDRESSES = {
    "": "Common picture",
    "common-picture": "Common picture",
    "explore": "Explore",
    "submit": "Submit an extract",
    "data-quality": "Data quality and timeliness",
    "returns": "Your returns",
    "my-submissions": "Your submissions",
    "standards": "Standards",
    "agreements": "Agreements",
    "audit-log": "Audit log",
}
SIDEBAR_PAGES = [
    "Common picture",
    "Explore",
    "Submit an extract",
    "Data quality and timeliness",
    "Your returns",  # the analysis team, administrators and the centre pick any partner
    "Your submissions",  # the analysis team and administrators see every partner's
    "Standards",
    "Agreements",
]
PASSWORDS = {"ana": "correct horse 1", "ada": "correct horse 2"}

Fresh = Callable[..., AbstractContextManager[App]]


@pytest.fixture
def fresh_app(
    request: pytest.FixtureRequest,
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Fresh:
    """Start a new server over a copy of the sample database (`with fresh_app() as app:`).

    With `users=True` a users file (an analyst, ana, and an administrator, ada) makes the app
    sign people in with a password instead of the demo picker. The server is stopped when the
    block ends, so the database can then be read here.
    """
    conftest = request.config.pluginmanager.get_plugin(str(Path(__file__).with_name("conftest.py")))
    streamlit_server = conftest.streamlit_server  # the module's own way of starting the app

    @contextmanager
    def start(*, users: bool = False) -> Iterator[App]:
        db = tmp_path / demo_db.name
        shutil.copy2(demo_db, db)
        for kind in ("archive", "rows"):
            extra = companion_dir(demo_db, kind)
            if extra.is_dir():
                shutil.copytree(extra, tmp_path / extra.name)
        if users:
            path = tmp_path / "users.yaml"
            directory = Directory(path, [])
            directory.add(
                UserRecord(id="ana", name="Ana Lyst", role=Role.ANALYST), PASSWORDS["ana"]
            )
            directory.add(UserRecord(id="ada", name="Ada Min", role=Role.ADMIN), PASSWORDS["ada"])
            monkeypatch.setenv("SHARED_OUTCOMES_USERS", str(path))
        with streamlit_server(ROOT, db, tmp_path) as (url, _process):
            yield App(url=url, db_path=db)

    return start


def _nav_links(page: Page) -> list[str]:
    return [
        link.split("\n")[-1].strip()
        for link in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    ]


def _wait_for_page(page: Page, title: str) -> None:
    page.wait_for_function("(t) => document.title.startsWith(t)", arg=title, timeout=60_000)
    wait_for_app(page)


def _assert_on(page: Page, app: App, address: str, title: str) -> None:
    assert page.url == app.page_url(address)  # the address is kept
    assert page.title() == f"{title} · Shared Outcomes"
    expect(page.locator("[data-testid='stMain'] h1")).to_have_text(title)
    expect(page.get_by_text("Page not found")).to_have_count(0)


def _denied(db: Path) -> list[dict[str, Any]]:
    ws = Workspace.open(load_settings(db=db, root=ROOT))
    frame = ws.audit_entries(ADMIN, action="view_audit_log", outcome="denied")
    return list(frame.iter_rows(named=True))


@pytest.mark.parametrize("address", list(ADDRESSES))
def test_each_address_opens_its_page_as_a_fresh_servers_first_request(
    fresh_app: Fresh, page: Page, address: str
) -> None:
    title = ADDRESSES[address]
    with fresh_app() as app:
        page.goto(app.page_url(address))
        wait_for_app(page)  # the demo sign-in: the picker, with its first demo user chosen
        assert page.url == app.page_url(address)
        user = "Demo: administrator" if address == "audit-log" else "Demo: joint analysis team"
        choose(page, "Act as demo user", user)
        _wait_for_page(page, title)
        _assert_on(page, app, address, title)
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text(f"Signed in as {user}")).to_be_visible()
        expected_nav = SIDEBAR_PAGES + (["Audit log"] if address == "audit-log" else [])
        assert _nav_links(page) == expected_nav


def test_a_non_admin_opening_the_audit_log_is_refused_and_it_is_audited(
    fresh_app: Fresh, page: Page
) -> None:
    with fresh_app() as app:
        page.goto(app.page_url("audit-log"))
        wait_for_app(page)
        choose(page, "Act as demo user", "Demo: joint analysis team")
        _wait_for_page(page, "Not allowed")
        assert page.url == app.page_url("audit-log")
        main = page.locator("[data-testid='stMain']")
        expect(main.locator("h1")).to_have_text("Not allowed")
        refusal = (
            "Not allowed. Demo: joint analysis team (Joint analysis team) cannot see the audit log."
        )
        expect(main.get_by_role("alert").filter(has_text="cannot")).to_contain_text(refusal)
        expect(main.get_by_text("Entries")).to_have_count(0)  # the page did not run
        expect(main.locator("[data-testid='stTable']")).to_have_count(0)
        assert "Audit log" not in _nav_links(page)
    # The leadership member picked by default was refused first, then the analyst.
    denied = [(e["user_id"], e["detail"]) for e in _denied(app.db_path)]
    assert [user for user, _ in denied] == ["demo-analyst", "demo-leadership"]
    assert all('"page": "Audit log"' in detail for _, detail in denied)


def _sign_in(page: Page, user: str) -> None:
    page.get_by_role("textbox", name="User name").fill(user)
    page.get_by_role("textbox", name="Password").fill(PASSWORDS[user])
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize(
    ("address", "user", "title"),
    [
        ("explore", "ana", "Explore"),
        ("common-picture", "ana", "Common picture"),
        ("audit-log", "ada", "Audit log"),
        ("audit-log", "ana", "Not allowed"),
    ],
)
def test_an_address_is_kept_through_the_password_sign_in(
    fresh_app: Fresh, page: Page, address: str, user: str, title: str
) -> None:
    with fresh_app(users=True) as app:
        page.goto(app.page_url(address))
        page.wait_for_function("() => document.title.startsWith('Sign in')", timeout=60_000)
        expect(page.locator("[data-testid='stMain'] h1")).to_have_text("Sign in to Shared Outcomes")
        assert page.url == app.page_url(address)  # kept while the sign-in shows
        assert _nav_links(page) == []  # nothing offered before signing in
        _sign_in(page, user)
        page.wait_for_function("(t) => document.title.startsWith(t)", arg=title, timeout=60_000)
        page.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
        _assert_on(page, app, address, title)
        name = "Ada Min" if user == "ada" else "Ana Lyst"
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text(f"Signed in as {name}")).to_be_visible()
        assert ("Audit log" in _nav_links(page)) == (user == "ada")
    if title == "Not allowed":
        (denied,) = _denied(app.db_path)
        assert denied["user_id"] == "ana"
