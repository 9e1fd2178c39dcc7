"""The reminder run (`jobs.reminders`): which reminders (pure), the message (plain text and
escaped HTML), the mail server's settings, and a run through a real SMTP server on localhost
over the sample partnership (paused partners, never twice, a server failing half-way)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from smtp_server import MailServer, closed_port, smtp_env
from support import ROOT, copy_database

from shared_outcomes.config.partnership import Partner
from shared_outcomes.errors import ConfigError, UsageError
from shared_outcomes.figures.obligations import Obligation, State
from shared_outcomes.jobs.reminders import (
    Letterhead,
    Reminder,
    compose,
    plan_reminders,
    remind,
    stage_of,
)
from shared_outcomes.settings import Settings, app_url, load_settings, smtp_settings
from shared_outcomes.warehouse.reminders import ReminderPause, SentReminder
from shared_outcomes.workspace import Workspace

TODAY = date(2017, 11, 5)


def partner(pid: str, *, contacts: list[str] | None = None, name: str | None = None) -> Partner:
    return Partner(
        id=pid, name=name or pid.replace("_", " ").title(), sector="local_authority",
        datasets=["homelessness_cases", "workforce_vacancies"], deadline_day=10,
        areas=["E08000001"],
        contacts=["data@council.example"] if contacts is None else contacts,
    )  # fmt: skip


def owed(pid: str, dataset: str, period: str, due: date, state: State) -> Obligation:
    return Obligation(pid, dataset, period, due, state, None, None, None)


def pause(pid: str, until: date) -> ReminderPause:
    return ReminderPause(pid, until, "someone", datetime(2017, 11, 1, tzinfo=UTC), "on leave")


# -- which reminders (pure) ----------------------------------------------------------------------


def test_the_stage_of_a_return_follows_its_state_and_due_date() -> None:
    due = date(2017, 11, 10)
    assert stage_of(owed("p", "d", "2017-10", due, State.DUE_SOON), TODAY) == "due_soon"
    assert stage_of(owed("p", "d", "2017-10", due, State.OVERDUE), TODAY) == "overdue"
    for received in (State.ACCEPTED, State.ACCEPTED_WITH_WARNINGS, State.NIL_RETURN,
                     State.EXCUSED, State.REJECTED):  # fmt: skip
        assert stage_of(owed("p", "d", "2017-10", due, received), TODAY) is None
    # N days before: 5 days left is not yet "due soon" with 3, and 9 days left is with 10.
    assert stage_of(owed("p", "d", "2017-10", due, State.DUE_SOON), TODAY, due_soon_days=3) is None
    later = owed("p", "d", "2017-10", date(2017, 11, 14), State.NOT_YET_DUE)
    assert stage_of(later, TODAY, due_soon_days=10) == "due_soon"
    assert stage_of(later, TODAY) is None
    # Due soon is for this month and the last only.
    old = owed("p", "d", "2017-08", date(2017, 11, 6), State.DUE_SOON)
    assert stage_of(old, TODAY) is None


def test_one_reminder_per_partner_and_stage_listing_all_its_returns_not_yet_sent() -> None:
    partners = {p.id: p for p in (partner("bury"), partner("wigan", contacts=[]),
                                  partner("oldham"))}  # fmt: skip
    found = [
        owed("bury", "homelessness_cases", "2017-10", date(2017, 11, 10), State.DUE_SOON),
        owed("bury", "workforce_vacancies", "2017-10", date(2017, 11, 10), State.DUE_SOON),
        owed("bury", "homelessness_cases", "2017-09", date(2017, 10, 10), State.OVERDUE),
        owed("bury", "workforce_vacancies", "2017-09", date(2017, 10, 10), State.OVERDUE),
        owed("bury", "workforce_vacancies", "2017-08", date(2017, 9, 10), State.ACCEPTED),
        owed("wigan", "homelessness_cases", "2017-10", date(2017, 11, 10), State.DUE_SOON),
        owed("oldham", "homelessness_cases", "2017-10", date(2017, 11, 10), State.DUE_SOON),
    ]
    sent = [SentReminder("bury", "workforce_vacancies", "2017-09", "overdue", ("x@y.example",),
                         datetime(2017, 10, 11, tzinfo=UTC))]  # fmt: skip
    plan = plan_reminders(found, partners, pauses=[pause("oldham", TODAY)], sent=sent, today=TODAY)
    assert [(r.partner.id, r.stage, len(r.obligations)) for r in plan.reminders] == [
        ("bury", "due_soon", 2),
        ("bury", "overdue", 1),
    ]
    assert plan.reminders[1].obligations[0].dataset == "homelessness_cases"
    assert plan.reminders[0].recipients == ("data@council.example",)
    assert [w.partner.id for w in plan.no_address] == ["wigan"]
    assert [(w.partner.id, w.pause) for w in plan.paused] == [("oldham", pause("oldham", TODAY))]
    # The day after the pause ends, Oldham is reminded.
    after = plan_reminders(found, partners, pauses=[pause("oldham", TODAY)], sent=sent,
                           today=date(2017, 11, 6))  # fmt: skip
    assert "oldham" in {r.partner.id for r in after.reminders} and not after.paused


# -- the message ---------------------------------------------------------------------------------


def test_the_message_has_both_parts_says_what_and_where_and_escapes_the_html() -> None:
    sly = partner("sly_council", name='Sly <b>"Council"</b> & Co',
                  contacts=["a@sly.example", "b@sly.example"])  # fmt: skip
    returns = (
        owed("sly_council", "claimant_count", "2017-10", date(2017, 11, 10), State.OVERDUE),
        owed("sly_council", "homelessness_cases", "2017-10", date(2017, 11, 10), State.OVERDUE),
    )
    head = Letterhead(
        partnership="The <i>Partnership</i>",
        titles={"homelessness_cases": "Homelessness <cases>", "claimant_count": "Claimant count"},
        app_url="https://outcomes.example/app",
        no_nil_returns=frozenset({"claimant_count"}),
        sender="Shared Outcomes <reminders@partnership.example>",
    )
    made = compose(Reminder(sly, "overdue", returns, tuple(sly.contacts)), head, date(2017, 11, 11))
    message = made.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["To"] == "a@sly.example, b@sly.example"
    assert made.subject == 'Overdue: 2 returns from Sly <b>"Council"</b> & Co, due 10 November 2017'
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["From"] == "Shared Outcomes <reminders@partnership.example>"
    assert str(message["Message-ID"]).endswith("@partnership.example>")
    text = " ".join(made.text.split())  # the prose wraps at 76 characters; commands never do
    assert "Homelessness <cases> (homelessness_cases), October 2017: due 10" in text
    assert "https://outcomes.example/app/submit" in text
    assert ("shared-outcomes submit FILE --dataset claimant_count --partner sly_council "
            "--period 2017-10 --as USER") in text  # fmt: skip
    assert "nil-return --partner sly_council --dataset homelessness_cases" in text
    assert "--dataset claimant_count --period 2017-10 --reason" not in text  # no nil return there
    assert "A nil return is not accepted for Claimant count." in text
    html = made.html
    assert "<b>" not in html and "<i>" not in html and "<cases>" not in html
    assert "Sly &lt;b&gt;&quot;Council&quot;&lt;/b&gt; &amp; Co" in html
    assert "Homelessness &lt;cases&gt;" in html
    assert '<a href="https://outcomes.example/app/submit">' in html


def test_without_the_app_s_address_the_message_gives_the_command_only() -> None:
    bury = partner("bury_council")
    one = (owed("bury_council", "homelessness_cases", "2017-10", date(2017, 11, 10),
                State.DUE_SOON),)  # fmt: skip
    made = compose(Reminder(bury, "due_soon", one, ("data@council.example",)),
                   Letterhead("P", {}), TODAY)  # fmt: skip
    assert made.subject == "Due soon: 1 return from Bury Council, due 10 November 2017"
    assert "/submit" not in made.text and "  - from the command line" in made.text
    assert "(in 5 days)" in made.text


# -- the mail server's settings ------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.startswith("SHARED_OUTCOMES_SMTP_") or key == "SHARED_OUTCOMES_APP_URL":
            monkeypatch.delenv(key)
    return monkeypatch


def use(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def settings_in(folder: Path, secrets: str | None = None) -> Settings:
    if secrets is not None:
        (folder / ".streamlit").mkdir()
        (folder / ".streamlit" / "secrets.toml").write_text(secrets, encoding="utf-8")
    return Settings(root=folder, db_path=folder / "x.duckdb")


def test_smtp_settings_from_the_environment_else_the_secrets_file(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = settings_in(tmp_path, '[smtp]\nhost = "mail.example"\nport = 2525\ntls = "ssl"\n'
                           'user = "u"\npassword = "secret"\nfrom = "so@partnership.example"\n'
                           'app_url = "https://outcomes.example/"\n')  # fmt: skip
    found = smtp_settings(settings)
    assert (found.host, found.port, found.tls, found.user, found.sender) == (
        "mail.example", 2525, "ssl", "u", "so@partnership.example")  # fmt: skip
    assert "secret" not in repr(found)
    assert app_url(settings) == "https://outcomes.example"
    clean_env.setenv("SHARED_OUTCOMES_SMTP_HOST", "relay.example")
    clean_env.setenv("SHARED_OUTCOMES_SMTP_TLS", "starttls")
    clean_env.setenv("SHARED_OUTCOMES_SMTP_PORT", "")  # empty: as if unset
    found = smtp_settings(settings)
    assert (found.host, found.tls, found.port) == ("relay.example", "starttls", 2525)


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        (None, "no mail server is configured"),
        ("[smtp]\nhost = 'm.example'\n", "sender address is missing"),
        ("[smtp]\nhost = 'm.example'\nfrom = 'a@b.example'\ntls = 'tls1.3'\n", "starttls, ssl"),
        ("[smtp]\nhost = 'm.example'\nfrom = 'a@b.example'\nport = 'x'\n", "1 to 65535"),
        ("[smtp]\nhost = 'm.example'\nfrom = 'a@b.example'\npassword = 'p'\n", "no user"),
        ("[smtp\nhost =", "not valid TOML"),
        ("[smtp]\nhost = 'm.example'\nfrom = 'a@b.example, c@d.example'\n", "sender address is"),
    ],
)
def test_unusable_smtp_settings_are_a_clear_message(
    tmp_path: Path, secrets: str | None, message: str
) -> None:
    with pytest.raises((UsageError, ConfigError)) as caught:
        smtp_settings(settings_in(tmp_path, secrets))
    assert message in str(caught.value)


def test_an_app_address_that_is_not_a_web_address_is_refused(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("SHARED_OUTCOMES_APP_URL", "javascript:alert(1)")
    with pytest.raises(UsageError, match="not a web address"):
        app_url(settings_in(tmp_path))


# -- a run over the sample partnership, through a real SMTP server -------------------------------


@pytest.fixture
def workspace(demo_db: Path, tmp_path: Path) -> Workspace:
    ws = Workspace.open(load_settings(db=copy_database(demo_db, tmp_path), root=ROOT))
    ws._today = lambda: date(2017, 11, 1)  # pauses are made "today", before the runs below
    return ws


@pytest.mark.slow
def test_a_paused_partner_is_skipped_until_the_day_after_its_pause_ends(
    workspace: Workspace, clean_env: pytest.MonkeyPatch
) -> None:
    from shared_outcomes.access.roles import SYSTEM

    bury = workspace.cli_identity("demo-bury_council")
    assert bury is not None
    workspace.pause_reminders(bury, partner="bury_council", until=date(2017, 11, 6),
                              reason="Team away")  # fmt: skip
    assert [p.partner_id for p in workspace.reminder_pauses(bury, today=TODAY)] == ["bury_council"]
    with MailServer() as server:
        use(clean_env, server.env())
        first = remind(workspace, today=TODAY)
        assert first.exit_code == 0 and len(first.sent) == 9
        assert [w.partner.id for w in first.paused] == ["bury_council"]
        assert [w.partner.id for w in first.no_address] == ["gm_voluntary_alliance"]
        assert "bury_council" not in {c.reminder.partner.id for c in first.sent}
        still = remind(workspace, today=date(2017, 11, 6))
        assert not still.sent and [w.partner.id for w in still.paused] == ["bury_council"]
        # The day after: Bury, and the combined authority (due on the 14th: now within 7 days).
        after = remind(workspace, today=date(2017, 11, 7))
        assert [c.reminder.partner.id for c in after.sent] == [
            "bury_council", "gm_combined_authority"]  # fmt: skip
        assert not after.paused and len(server.received) == 11
    recorded = workspace.reminders_sent(SYSTEM)
    assert len(recorded) == 19  # every return reminded, once
    assert {(r.partner_id, r.stage) for r in recorded if r.partner_id == "bury_council"} == {
        ("bury_council", "due_soon")
    }


@pytest.mark.slow
def test_a_server_failing_half_way_leaves_recorded_what_it_accepted(
    workspace: Workspace, clean_env: pytest.MonkeyPatch
) -> None:
    from shared_outcomes.access.roles import SYSTEM

    with MailServer(fail_after=3) as flaky:
        use(clean_env, flaky.env())
        broken = remind(workspace, today=TODAY)
    assert broken.exit_code == 1 and "451 4.3.0 Try again later" in (broken.failure or "")
    assert len(broken.sent) == 3 and len(broken.unsent) == 7 and len(flaky.received) == 3
    assert len({(r.partner_id, r.stage) for r in workspace.reminders_sent(SYSTEM)}) == 3
    with MailServer() as server:
        use(clean_env, server.env())
        rest = remind(workspace, today=TODAY)
    assert rest.exit_code == 0 and len(server.received) == 7
    first = {m.recipients[0] for m in flaky.received}
    assert not first & {m.recipients[0] for m in server.received}
    use(clean_env, smtp_env(closed_port()))
    nothing_left = remind(workspace, today=TODAY)  # nothing to send: no connection is tried
    assert nothing_left.exit_code == 0 and not nothing_left.sent
