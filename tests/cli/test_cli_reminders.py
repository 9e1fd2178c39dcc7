"""`shared-outcomes remind`, `reminders pause|paused` and `excuse` over the sample partnership,
with a real SMTP server on localhost: the due-soon and overdue e-mails, never twice, nothing for
received, nil-return or excused returns, the dry run, pauses, a partner with no address, and a
mail server that is down or refuses the login (exit code 1, nothing lost, nothing twice)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from smtp_server import MailServer, Received, closed_port, smtp_env
from support import ROOT, demo_cli_env, flat
from support import run_cli as run
from support import workspace_of as workspace

from shared_outcomes.access.roles import SYSTEM

pytestmark = pytest.mark.slow

DUE_SOON_DAY = "2017-11-05"  # the October 2017 returns are due from the 7th to the 20th
OVERDUE_DAY = "2017-11-11"  # Tameside's October returns (due the 10th) never arrived
APP_URL = "https://outcomes.partnership.example"
#: The partners reminded on 5 November 2017: every one whose October returns had not arrived by
#: then and are due within 7 days, except the voluntary alliance, which has no address.
DUE_SOON_PARTNERS = {
    "bury_council", "gm_fire_rescue", "gm_police", "northern_rivers_housing", "oldham_council",
    "rochdale_council", "salford_council", "tameside_council", "trafford_council",
    "wigan_council",
}  # fmt: skip


@pytest.fixture
def env(demo_db: Path, tmp_path: Path) -> dict[str, str]:
    return demo_cli_env(demo_db, tmp_path) | {"SHARED_OUTCOMES_APP_URL": APP_URL}


@pytest.fixture
def server() -> Iterator[MailServer]:
    with MailServer() as running:
        yield running


def by_partner(received: list[Received]) -> dict[str, Received]:
    partners = workspace_partners()
    found = {}
    for message in received:
        pid = next(p for p, contacts in partners.items() if message.recipients == contacts)
        found[pid] = message
    return found


def workspace_partners() -> dict[str, list[str]]:
    from shared_outcomes.config.contracts import load_contracts
    from shared_outcomes.config.partnership import load_partnership

    contracts = load_contracts(ROOT / "data_contracts")
    partnership = load_partnership(ROOT / "data_contracts" / "partners.yaml", contracts)
    return {pid: list(p.contacts) for pid, p in partnership.partners.items()}


def test_due_soon_one_email_per_partner_listing_all_its_returns_never_twice(
    env: dict[str, str], server: MailServer
) -> None:
    mail = {**env, **server.env()}
    result = run(mail, "remind", "--today", DUE_SOON_DAY)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Sent 10 reminders (18 returns) for 5 November 2017" in result.stdout
    warning = flat(result.stdout)
    assert ("Warning: Greater Manchester Voluntary Sector Alliance (gm_voluntary_alliance) has 1 "
            "return to remind but no contact address") in warning  # fmt: skip
    received = by_partner(server.received)
    assert set(received) == DUE_SOON_PARTNERS and len(server.received) == 10
    bury = received["bury_council"]
    assert bury.subject == "Due soon: 2 returns from Bury Council, due 10 November 2017"
    assert bury.message.get_content_type() == "multipart/alternative"
    text, html = flat(bury.part("plain")), bury.part("html")
    assert "Homelessness case records (homelessness_cases), October 2017: due 10 November" in text
    assert "Workforce vacancies and establishment (workforce_vacancies), October 2017" in text
    assert f"{APP_URL}/submit" in text and f'<a href="{APP_URL}/submit">' in html
    assert ("shared-outcomes submit FILE --dataset homelessness_cases --partner bury_council "
            "--period 2017-10 --as USER") in text  # fmt: skip
    assert "nil-return --partner bury_council --dataset workforce_vacancies" in text
    assert "<li>Homelessness case records (homelessness_cases), October 2017" in html
    assert bury.message["From"] == "shared-outcomes@partnership.example"
    sent = workspace(env).reminders_sent(SYSTEM)
    assert len(sent) == 18 and {s.stage for s in sent} == {"due_soon"}
    # A second run (the next day's cron, or the same day's) sends none of them again.
    again = run(mail, "remind", "--today", "2017-11-06")
    assert again.exit_code == 0 and "No reminder to send for 6 November 2017." in again.stdout
    assert len(server.received) == 10


def test_a_second_run_while_one_is_sending_stops_and_sends_nothing(
    env: dict[str, str], server: MailServer
) -> None:
    """Two runs at once would both send what neither had recorded yet: the second stops."""
    mail = {**env, **server.env()}
    with workspace(env).warehouse.only_run("remind"):  # a run at work (its lock held)
        busy = run(mail, "remind", "--today", DUE_SOON_DAY)
        dry = run(mail, "remind", "--today", DUE_SOON_DAY, "--dry-run")  # sends nothing: free
    assert busy.exit_code == 2 and not server.received
    assert "another `remind` run is at work on the database" in flat(busy.stderr)
    assert "nothing is done twice" in flat(busy.stderr)
    assert not workspace(env).reminders_sent(SYSTEM)
    assert dry.exit_code == 0 and "10 reminders would be sent" in dry.stdout
    after = run(mail, "remind", "--today", DUE_SOON_DAY)  # the lock is free again
    assert after.exit_code == 0 and len(server.received) == 10


def test_overdue_on_the_day_after_the_due_date_once(
    env: dict[str, str], server: MailServer
) -> None:
    mail = {**env, **server.env()}
    result = run(mail, "remind", "--today", OVERDUE_DAY)
    assert result.exit_code == 0, result.output + result.stderr
    received = by_partner(server.received)
    # Tameside's overdue returns; the NHS's and the combined authority's are due soon; everyone
    # else's had arrived (received returns are never reminded).
    assert set(received) == {"tameside_council", "nhs_gm_icb", "gm_combined_authority"}
    tameside = received["tameside_council"]
    assert tameside.subject == "Overdue: 2 returns from Tameside Council, due 10 November 2017"
    assert tameside.recipients == ["housing.advice.data@tameside-council.example",
                                   "asc.returns@tameside-council.example"]  # fmt: skip
    assert "are overdue: nothing has been received" in flat(tameside.part("plain"))
    assert "(yesterday)" in tameside.part("html")
    later = run(mail, "remind", "--today", "2017-11-20")
    assert later.exit_code == 0
    assert "tameside_council" not in by_partner(server.received[3:])


def test_a_dry_run_sends_and_records_nothing_and_nil_or_excused_returns_are_not_reminded(
    env: dict[str, str], server: MailServer
) -> None:
    mail = {**env, **server.env()}
    dry = run(mail, "remind", "--today", OVERDUE_DAY, "--dry-run")
    assert dry.exit_code == 0, dry.output + dry.stderr
    assert "Dry run for 11 November 2017: 3 reminders would be sent; nothing was sent" in dry.stdout
    assert ("To: housing.advice.data@tameside-council.example, "
            "asc.returns@tameside-council.example") in dry.stdout  # fmt: skip
    assert "Subject: Overdue: 2 returns from Tameside Council" in dry.stdout
    assert not server.received and not workspace(env).reminders_sent(SYSTEM)
    # Tameside declares nothing to report for one, and the centre excuses the other.
    ws = workspace(env)
    tameside = ws.cli_identity("demo-tameside_council")
    assert tameside is not None
    evening = datetime(2017, 11, 10, 16, tzinfo=UTC)  # the day it was due
    ws.nil_return(tameside, dataset="homelessness_cases", partner="tameside_council",
                  period="2017-10", submitted_at=evening)  # fmt: skip
    excused = run(env, "excuse", "--partner", "tameside_council", "--dataset",
                  "workforce_vacancies", "--period", "2017-10", "--reason",
                  "System migration agreed with the centre.", "--as", "demo-oversight")  # fmt: skip
    assert excused.exit_code == 0, excused.output + excused.stderr
    assert "Excused Tameside Council's workforce_vacancies for 2017-10" in excused.stdout
    with duckdb.connect(env["SHARED_OUTCOMES_DB"]) as con:  # excused on the 10th, as it would be
        con.execute("UPDATE excusals SET excused_at = TIMESTAMP '2017-11-10 17:00:00'")
    result = run(mail, "remind", "--today", OVERDUE_DAY)
    assert result.exit_code == 0
    assert set(by_partner(server.received)) == {"nhs_gm_icb", "gm_combined_authority"}


def test_pauses_from_the_command_line_and_remind_skips_the_paused_partner(
    env: dict[str, str], server: MailServer
) -> None:
    until = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    pause = ["reminders", "pause", "--partner", "bury_council", "--until", until]
    made = run(env, *pause, "--reason", "Team away", "--as", "demo-bury_council")
    assert made.exit_code == 0, made.output + made.stderr
    assert "Reminders to Bury Council are paused until" in made.stdout
    past = run(env, "reminders", "pause", "--partner", "bury_council", "--until", "2017-11-20",
               "--as", "demo-bury_council")  # fmt: skip
    assert past.exit_code == 2 and "2017-11-20 is in the past" in flat(past.stderr)
    other = run(env, *pause, "--as", "demo-wigan_council")
    assert other.exit_code == 2 and "may pause only wigan_council's reminders" in flat(other.stderr)
    nowhere = run(env, *pause[:3], "nowhere", *pause[4:], "--as", "demo-admin")
    assert nowhere.exit_code == 2 and "there is no partner 'nowhere'" in flat(nowhere.stderr)
    anonymous = run(env, *pause)
    assert anonymous.exit_code == 2 and "--as demo-bury_council" in flat(anonymous.stderr)
    bad_day = run(env, *pause[:-1], "soon", "--as", "demo-bury_council")
    assert bad_day.exit_code == 2 and "--until 'soon' is not a date" in flat(bad_day.stderr)
    listed = run(env, "reminders", "paused", "--as", "demo-oversight")
    assert (
        listed.exit_code == 0 and "Bury Council" in listed.stdout and "Team away" in listed.stdout
    )
    own = run(env, "reminders", "paused", "--as", "demo-wigan_council")
    assert own.exit_code == 0 and "No partner's reminders are paused." in own.stdout
    refused = run(env, "reminders", "paused", "--as", "demo-leadership")
    assert refused.exit_code == 2 and "cannot pause partners' reminders" in flat(refused.stderr)
    reminded = run({**env, **server.env()}, "remind", "--today", DUE_SOON_DAY)
    assert reminded.exit_code == 0
    assert "Skipped Bury Council (2 returns): reminders paused until" in flat(reminded.stdout)
    assert set(by_partner(server.received)) == DUE_SOON_PARTNERS - {"bury_council"}
    ws = workspace(env)
    audited = ws.audit_entries(ws.cli_identity("demo-admin"), action="pause_reminders")  # type: ignore[arg-type]
    assert {row["outcome"] for row in audited.iter_rows(named=True)} == {"allowed", "denied"}


def test_a_server_that_is_down_exits_1_and_the_next_run_sends_what_was_not_sent(
    env: dict[str, str],
) -> None:
    down = run({**env, **smtp_env(closed_port())}, "remind", "--today", DUE_SOON_DAY)
    assert down.exit_code == 1
    message = flat(down.stderr)
    assert "Could not send the reminders: the mail server 127.0.0.1:" in message
    assert "could not be reached (Connection refused)" in message
    assert "Not sent: Bury Council (due soon)" in message
    assert not workspace(env).reminders_sent(SYSTEM)
    with MailServer(fail_after=4) as flaky:
        half = run({**env, **flaky.env()}, "remind", "--today", DUE_SOON_DAY)
    assert half.exit_code == 1 and "451 4.3.0 Try again later" in flat(half.stderr)
    assert "Sent 4 reminders" in half.stdout and len(flaky.received) == 4
    with MailServer() as back:
        rest = run({**env, **back.env()}, "remind", "--today", DUE_SOON_DAY)
    assert rest.exit_code == 0 and "Sent 6 reminders" in rest.stdout
    first, second = set(by_partner(flaky.received)), set(by_partner(back.received))
    assert not first & second and first | second == DUE_SOON_PARTNERS


def test_a_server_that_refuses_the_login_exits_1(env: dict[str, str]) -> None:
    with MailServer(reject_logins=True) as strict:
        result = run({**env, **strict.env(USER="reminders", PASSWORD="wrong")}, "remind",
                     "--today", DUE_SOON_DAY)  # fmt: skip
        assert not strict.received
    assert result.exit_code == 1
    assert "refused the login of 'reminders' (535" in flat(result.stderr)
    assert "check SHARED_OUTCOMES_SMTP_USER and _PASSWORD" in flat(result.stderr)
    assert not workspace(env).reminders_sent(SYSTEM)


def test_no_mail_server_configured_is_a_usage_error(env: dict[str, str]) -> None:
    secrets = ROOT / ".streamlit" / "secrets.toml"
    if secrets.is_file() and "smtp" in tomllib.loads(secrets.read_text(encoding="utf-8")):
        pytest.skip(f"{secrets} configures a mail server on this machine")
    result = run({**env, **smtp_env(25, HOST="")}, "remind", "--today", DUE_SOON_DAY)
    assert result.exit_code == 2
    assert "No mail server" in result.stderr and "SHARED_OUTCOMES_SMTP_HOST" in result.stderr
    bad = run(env, "remind", "--today", "5/11/2017", "--dry-run")
    assert bad.exit_code == 2 and "--today '5/11/2017' is not a date" in flat(bad.stderr)


def test_excuse_refusals_exit_2(env: dict[str, str]) -> None:
    excuse = ["excuse", "--partner", "tameside_council", "--dataset", "workforce_vacancies",
              "--period", "2017-10", "--reason", "Agreed."]  # fmt: skip
    anonymous = run(env, *excuse)
    assert anonymous.exit_code == 2 and "--as demo-oversight" in flat(anonymous.stderr)
    submitter = run(env, *excuse, "--as", "demo-tameside_council")
    assert submitter.exit_code == 2 and "excuse a partner's return" in flat(submitter.stderr)
    received = run(env, *excuse[:2], "bolton_council", *excuse[3:], "--as", "demo-admin")
    assert received.exit_code == 2 and "has been received" in flat(received.stderr)
    assert not workspace(env).warehouse.excusals()
