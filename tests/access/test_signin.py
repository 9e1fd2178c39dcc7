"""Sign-in: the mode chosen from the files on the server, each mode's checks, demo never beside a
real configuration, identities resolved on the server, sign-ins audited."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared_outcomes.access.accounts import Directory, UserRecord
from shared_outcomes.access.audit import AuditLog
from shared_outcomes.access.roles import Role
from shared_outcomes.access.signin import LOCKOUT_POLICY, Mode, SignIn, client_id
from shared_outcomes.config.contracts import load_contracts
from shared_outcomes.config.partnership import load_partnership
from shared_outcomes.errors import AccessDenied, ConfigError, UsageError
from shared_outcomes.settings import USERS_ENV_VAR, load_settings
from shared_outcomes.warehouse.store import Warehouse

PROJECT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
DEMO_USERS = """\
users:
  - {id: demo-leadership, name: 'Demo: leader', role: leadership}
  - {id: demo-north, name: 'Demo: north', role: partner_submitter, partner: north}
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(USERS_ENV_VAR, raising=False)
    folder = tmp_path / "root"
    (folder / "sample_data").mkdir(parents=True)
    (folder / "sample_data" / "demo_users.yaml").write_text(DEMO_USERS)
    return folder


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(Warehouse.open(tmp_path / "audit.duckdb", {}))


def gate(root: Path, log: AuditLog | None = None, *, auth: bool | None = None) -> SignIn:
    """A sign-in over `root`; `auth` writes a secrets file with (True) or without an [auth]."""
    secrets = root / ".streamlit" / "secrets.toml"
    if auth is not None:
        secrets.parent.mkdir(exist_ok=True)
        body = '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n' if auth else ""
        secrets.write_text(body + '[other]\nkey = "value"\n')
    settings = load_settings(db=root / "x.duckdb", root=root)
    return SignIn.configure(settings, audit=log, secrets=[secrets])


def add_users(root: Path) -> Directory:
    directory = Directory.load(root / "config" / "users.yaml")
    directory.add(
        UserRecord(id="amira", name="Amira", role=Role.PARTNER_SUBMITTER, partner="north"),
        password=PASSWORD,
    )
    directory.add(UserRecord(id="li", name="Li", role=Role.ANALYST, email="Li.Wei@Example.gov.uk"))
    return directory


def test_no_users_file_and_no_sign_on_is_the_labelled_demo(root: Path) -> None:
    demo = gate(root, auth=False)
    assert demo.mode == Mode.DEMO
    assert demo.notice and "Demo mode" in demo.notice
    assert [p.user_id for p in demo.demo_users()] == ["demo-leadership", "demo-north"]
    assert demo.as_demo_user("demo-north").partner_id == "north"


def test_a_users_file_means_local_accounts_and_never_the_demo(root: Path) -> None:
    add_users(root)
    local = gate(root)
    assert local.mode == Mode.LOCAL
    assert local.notice is None
    assert local.demo_users() == []
    with pytest.raises(AccessDenied, match="local sign-in, not demo"):
        local.as_demo_user("demo-leadership")
    assert local.with_password("amira", PASSWORD).user_id == "amira"
    assert local.session_identity("demo-leadership") is None  # demo ids mean nothing here


def test_an_oidc_configuration_means_sign_on_and_never_the_demo_even_without_users(
    root: Path,
) -> None:
    oidc = gate(root, auth=True)
    assert oidc.mode == Mode.OIDC
    assert oidc.demo_users() == []
    with pytest.raises(AccessDenied):
        oidc.as_demo_user("demo-leadership")
    with pytest.raises(AccessDenied):
        oidc.with_password("amira", PASSWORD)
    with pytest.raises(AccessDenied, match="ask an administrator to add you"):
        oidc.with_oidc(logged_in=True, email="someone@example.gov.uk")


def test_creating_a_users_file_ends_demo_mode_without_a_restart(root: Path) -> None:
    running = gate(root)
    assert running.mode == Mode.DEMO
    add_users(root)
    assert running.mode == Mode.LOCAL
    assert running.demo_users() == []
    with pytest.raises(AccessDenied):
        running.as_demo_user("demo-north")


def test_a_broken_secrets_file_is_a_configuration_error_naming_it(root: Path) -> None:
    secrets = root / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text("[auth\n")
    with pytest.raises(ConfigError, match=r"secrets\.toml"):
        _ = gate(root).mode


@pytest.mark.slow
def test_password_sign_ins_are_audited_allowed_and_denied(root: Path, log: AuditLog) -> None:
    add_users(root)
    local = gate(root, log)
    local.with_password("amira", PASSWORD)
    with pytest.raises(AccessDenied, match="Unknown user or wrong password"):
        local.with_password("amira", "not the password at all")
    with pytest.raises(AccessDenied, match="Unknown user or wrong password"):
        local.with_password("nobody", PASSWORD)
    got = [(e.user_id, e.action, e.outcome, e.detail["mode"]) for e in reversed(log.entries())]
    assert got == [
        ("amira", "sign_in", "allowed", "local"),
        ("amira", "sign_in", "denied", "local"),
        ("nobody", "sign_in", "denied", "local"),
    ]


def test_oidc_maps_the_email_to_a_user_and_audits_the_sign_in_once(
    root: Path, log: AuditLog
) -> None:
    add_users(root)
    oidc = gate(root, log, auth=True)
    assert oidc.with_oidc(logged_in=False, email=None) is None
    first = oidc.with_oidc(logged_in=True, email="li.wei@example.gov.uk")
    assert first is not None and (first.user_id, first.role) == ("li", Role.ANALYST)
    again = oidc.with_oidc(logged_in=True, email="li.wei@example.gov.uk", session_user_id="li")
    assert again == first
    with pytest.raises(AccessDenied, match="ask an administrator to add you"):
        oidc.with_oidc(logged_in=True, email="stranger@example.org")
    got = [(e.user_id, e.outcome) for e in reversed(log.entries())]
    assert got == [("li", "allowed"), ("stranger@example.org", "denied")]


def test_the_session_identity_is_read_again_from_the_file(root: Path) -> None:
    directory = add_users(root)
    local = gate(root)
    assert local.session_identity(None) is None
    amira = local.session_identity("amira")
    assert amira is not None and amira.partner_id == "north"
    directory.set_disabled("amira")
    with pytest.raises(AccessDenied, match="disabled"):
        local.session_identity("amira")
    assert local.session_identity("gone") is None


def test_the_command_line_acts_as_a_named_user(root: Path) -> None:
    demo = gate(root)
    assert demo.cli_identity(None) is None  # the command keeps its demo default
    assert demo.cli_identity("demo-leadership").role == Role.LEADERSHIP  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="no user 'demo-nobody'"):
        demo.cli_identity("demo-nobody")
    add_users(root)
    with pytest.raises(UsageError, match="--as USER"):
        demo.cli_identity(None)
    assert demo.cli_identity("amira").partner_id == "north"  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="no user 'demo-leadership'"):
        demo.cli_identity("demo-leadership")


def test_the_sample_demo_users_cover_every_partner_and_role() -> None:
    directory = Directory.load(PROJECT / "sample_data" / "demo_users.yaml")
    contracts = load_contracts(PROJECT / "data_contracts")
    partners = load_partnership(PROJECT / "data_contracts" / "partners.yaml", contracts).partners
    directory.check_partners(set(partners))
    submitters = [u.partner for u in directory.users if u.role == Role.PARTNER_SUBMITTER]
    assert sorted(p for p in submitters if p) == sorted(partners)
    assert {u.role for u in directory.users} == set(Role)
    analysts = [u for u in directory.users if u.role == Role.ANALYST]
    assert analysts and all(
        set(u.datasets) and set(u.datasets) < set(contracts) for u in analysts
    ), "an analyst's agreement covers some datasets, not all"
    assert all(u.password_hash is None for u in directory.users)


# -- lockout: wrong passwords, per account and per client ---------------------------------------

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def locking_gate(root: Path, log: AuditLog | None = None) -> tuple[SignIn, Clock]:
    add_users(root)
    clock = Clock()
    settings = load_settings(db=root / "x.duckdb", root=root)
    return SignIn.configure(settings, audit=log, secrets=[], clock=clock), clock


def _fail(gate_: SignIn, user: str = "amira", client: str = "203.0.113.7") -> str:
    with pytest.raises(AccessDenied) as refused:
        gate_.with_password(user, "not the password at all", client=client)
    return f"{refused.value.title}. {refused.value.message}"


def test_the_policy_is_five_failures_in_fifteen_minutes_locking_for_fifteen_minutes() -> None:
    assert LOCKOUT_POLICY.max_failures == 5
    assert LOCKOUT_POLICY.window == timedelta(minutes=15)
    assert LOCKOUT_POLICY.duration == timedelta(minutes=15)


@pytest.mark.slow
def test_five_wrong_passwords_lock_the_account_and_say_when_to_try_again(root: Path) -> None:
    local, clock = locking_gate(root)
    for attempt in range(4):
        assert _fail(local, client=f"198.51.100.{attempt}") == (
            "Sign-in failed. Unknown user or wrong password."
        )
    fifth = _fail(local, client="198.51.100.9")  # each from elsewhere: the account's count
    assert fifth.startswith("Sign-in failed. Unknown user or wrong password.")
    assert "Try again after 09:15 UTC (in 15 minutes)" in fifth

    clock.advance(minutes=5)
    with pytest.raises(AccessDenied) as refused:  # the right password, from a new client
        local.with_password("amira", PASSWORD, client="192.0.2.1")
    assert refused.value.title == "Too many failed sign-ins"
    assert "for this account" in refused.value.message
    assert "Try again after 09:15 UTC (in 10 minutes)" in refused.value.message

    clock.advance(minutes=9, seconds=59)
    with pytest.raises(AccessDenied, match="in 1 minute\\)"):
        local.with_password("amira", PASSWORD, client="192.0.2.1")
    clock.advance(seconds=1)
    assert local.with_password("amira", PASSWORD, client="192.0.2.1").user_id == "amira"


@pytest.mark.slow
def test_a_locked_account_does_not_lock_other_accounts(root: Path) -> None:
    local, _clock = locking_gate(root)
    for attempt in range(5):
        _fail(local, user="li", client=f"198.51.100.{attempt}")
    with pytest.raises(AccessDenied, match="for this account"):
        local.with_password("li", "anything at all here", client="192.0.2.1")
    assert local.with_password("amira", PASSWORD, client="192.0.2.1").user_id == "amira"


@pytest.mark.slow
def test_a_client_trying_many_accounts_is_locked_on_its_own(root: Path) -> None:
    local, clock = locking_gate(root)
    for user in ("amira", "li", "nobody", "root", "admin"):  # one failure per account
        _fail(local, user=user, client="203.0.113.7")
    with pytest.raises(AccessDenied) as refused:
        local.with_password("amira", PASSWORD, client="203.0.113.7")
    assert "from your device or network" in refused.value.message
    assert "for this account" not in refused.value.message
    # The accounts themselves are not locked: from elsewhere, amira signs in.
    assert local.with_password("amira", PASSWORD, client="192.0.2.1").user_id == "amira"
    clock.advance(minutes=15)
    assert local.with_password("amira", PASSWORD, client="203.0.113.7").user_id == "amira"


@pytest.mark.slow
def test_failures_older_than_the_window_do_not_count(root: Path) -> None:
    local, clock = locking_gate(root)
    for _ in range(4):
        _fail(local)
    clock.advance(minutes=15, seconds=1)
    for _ in range(4):
        assert _fail(local) == "Sign-in failed. Unknown user or wrong password."
    assert local.with_password("amira", PASSWORD, client="203.0.113.7").user_id == "amira"


@pytest.mark.slow
def test_a_successful_sign_in_clears_the_accounts_failures_but_not_the_clients(
    root: Path,
) -> None:
    local, _clock = locking_gate(root)
    for attempt in range(4):
        _fail(local, client=f"198.51.100.{attempt}")
    local.with_password("amira", PASSWORD, client="192.0.2.1")
    for attempt in range(4):
        assert _fail(local, client=f"198.51.100.{10 + attempt}") == (
            "Sign-in failed. Unknown user or wrong password."
        )
    # A client's own failures stay counted even if it signs in to some account in between.
    for _ in range(4):
        _fail(local, user="li", client="203.0.113.7")
    local.with_password("amira", PASSWORD, client="203.0.113.7")
    assert "from your device or network" in _fail(local, user="li", client="203.0.113.7")


@pytest.mark.slow
def test_every_failed_sign_in_and_every_lockout_refusal_is_audited(
    root: Path, log: AuditLog
) -> None:
    local, _clock = locking_gate(root, log)
    for _ in range(5):
        _fail(local)
    with pytest.raises(AccessDenied):
        local.with_password("amira", PASSWORD, client="203.0.113.7")
    entries = list(reversed(log.entries()))
    assert [(e.user_id, e.action, e.outcome) for e in entries] == [
        ("amira", "sign_in", "denied")
    ] * 6
    assert [e.detail["reason"] for e in entries] == ["password"] * 5 + ["locked"]
    assert all(e.detail["client"] == "203.0.113.7" for e in entries)
    assert entries[4].detail["locked"] == ["account", "client"]
    assert entries[5].detail["locked"] == ["account", "client"]
    assert entries[5].detail["until"] == "2026-03-02T09:15:00+00:00"


@pytest.mark.parametrize(
    ("remote_ip", "forwarded_for", "expected"),
    [
        ("203.0.113.7", None, "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # a remote client's header is ignored
        (None, "198.51.100.1, 192.0.2.5", "192.0.2.5"),  # behind a local proxy: its last hop
        (None, None, "local"),
        (object(), None, "local"),  # not an address at all (e.g. a test double)
    ],
)
def test_the_client_is_the_connections_address_or_a_local_proxys_last_hop(
    remote_ip: object, forwarded_for: str | None, expected: str
) -> None:
    assert client_id(remote_ip, forwarded_for) == expected


@pytest.mark.slow
def test_guesses_sent_all_at_once_are_checked_no_more_than_the_limit(root: Path) -> None:
    """Twenty wrong passwords at the same moment, from threads as Streamlit's sessions are:
    five are checked (and fail), the other fifteen are refused by the lock unchecked."""
    local, _clock = locking_gate(root)
    barrier = threading.Barrier(20)

    def guess(n: int) -> str:
        barrier.wait()
        with pytest.raises(AccessDenied) as refused:
            local.with_password("amira", f"guess number {n:04d}", client=f"198.51.100.{n}")
        return refused.value.title

    with ThreadPoolExecutor(max_workers=20) as pool:
        titles = list(pool.map(guess, range(20)))
    assert titles.count("Sign-in failed") == LOCKOUT_POLICY.max_failures
    assert titles.count("Too many failed sign-ins") == 20 - LOCKOUT_POLICY.max_failures
