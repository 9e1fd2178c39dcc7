"""`shared-outcomes remind` and the agreement review reminders, over the sample partnership with
a real SMTP server on localhost: what the output lists (sent, would be sent, a party with no
address), the link to the Agreements page, never twice, and a mail server that is down."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from smtp_server import MailServer, Received, closed_port, smtp_env
from support import ROOT, demo_cli_env, flat
from support import run_cli as run

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

pytestmark = pytest.mark.slow

#: 49 days before the digital inclusion agreement's review (20 December 2026), 75 before the
#: homelessness one's: only the first is reminded, to Northern Rivers Housing (the voluntary
#: alliance, its other party, has no contact address).
REVIEW_DAY = "2026-11-01"
APP_URL = "https://outcomes.partnership.example"
NRH = "Northern Rivers Housing (fictional housing association)"
NRH_MAIL = "tenant.data@northern-rivers-housing.example"
ALLIANCE_WARNING = (
    "Warning: Greater Manchester Voluntary Sector Alliance (gm_voluntary_alliance) is a party to "
    "the agreement gm-digital-inclusion-2015 (Digital inclusion support data sharing agreement), "
    "due for review on 20 December 2026, but has no contact address to remind"
)


@pytest.fixture
def env(demo_db: Path, tmp_path: Path) -> dict[str, str]:
    return demo_cli_env(demo_db, tmp_path) | {"SHARED_OUTCOMES_APP_URL": APP_URL}


@pytest.fixture
def server() -> Iterator[MailServer]:
    with MailServer() as running:
        yield running


def reviews_received(server: MailServer) -> list[Received]:
    return [m for m in server.received if m.subject.startswith("Agreement review due")]


def reviews_recorded(env: dict[str, str]) -> list[tuple[str, str]]:
    ws = Workspace.open(load_settings(db=Path(env["SHARED_OUTCOMES_DB"]), root=ROOT))
    return [(s.agreement_id, s.partner_id) for s in ws.review_reminders_sent(SYSTEM)]


def test_remind_lists_the_review_reminders_sent_and_the_party_with_no_address(
    env: dict[str, str], server: MailServer
) -> None:
    mail = {**env, **server.env()}
    result = run(mail, "remind", "--today", REVIEW_DAY)
    assert result.exit_code == 0, result.output + result.stderr
    out = flat(result.stdout)
    assert "Sent 1 agreement review reminder for 1 November 2026:" in out
    assert (f"review due 20 December 2026: gm-digital-inclusion-2015, {NRH}, to "
            f"{NRH_MAIL}") in out  # fmt: skip
    assert ALLIANCE_WARNING in out
    assert "gm-homelessness-2015" not in out  # 75 days away
    (review,) = reviews_received(server)
    assert review.recipients == [NRH_MAIL]
    text, html = flat(review.part("plain")), review.part("html")
    assert "Digital inclusion support data sharing agreement (gm-digital-inclusion-2015)" in text
    assert "due for review on 20 December 2026 (in 49 days)" in text
    assert f"{APP_URL}/agreements" in text and f'<a href="{APP_URL}/agreements">' in html
    assert reviews_recorded(env) == [("gm-digital-inclusion-2015", "northern_rivers_housing")]
    again = run(mail, "remind", "--today", "2026-11-02")
    assert again.exit_code == 0 and "agreement review reminder" not in again.stdout
    assert ALLIANCE_WARNING in flat(again.stdout)  # still no address: still warned about
    assert len(reviews_received(server)) == 1 and len(reviews_recorded(env)) == 1


def test_a_dry_run_shows_the_review_reminder_and_sends_and_records_nothing(
    env: dict[str, str], server: MailServer
) -> None:
    dry = run({**env, **server.env()}, "remind", "--today", REVIEW_DAY, "--dry-run")
    assert dry.exit_code == 0, dry.output + dry.stderr
    out = flat(dry.stdout)
    assert re.search(
        r"Dry run for 1 November 2026: \d+ reminders and 1 agreement review reminder would be "
        r"sent; nothing was sent or recorded\.",
        out,
    )
    assert f"To: {NRH_MAIL} From: shared-outcomes@partnership.example" in out
    assert ("Subject: Agreement review due 20 December 2026: Digital inclusion support data "
            "sharing agreement (gm-digital-inclusion-2015)") in out  # fmt: skip
    assert ALLIANCE_WARNING in out
    assert not server.received and not reviews_recorded(env)


def test_a_server_that_is_down_names_the_review_reminders_not_sent_and_records_none(
    env: dict[str, str],
) -> None:
    down = run({**env, **smtp_env(closed_port())}, "remind", "--today", REVIEW_DAY)
    assert down.exit_code == 1
    message = flat(down.stderr)
    assert "Could not send the reminders: the mail server 127.0.0.1:" in message
    assert f"{NRH} (review of gm-digital-inclusion-2015)" in message
    assert not reviews_recorded(env)
    with MailServer() as back:
        rest = run({**env, **back.env()}, "remind", "--today", REVIEW_DAY)
    assert rest.exit_code == 0 and "Sent 1 agreement review reminder" in rest.stdout
    assert len(reviews_recorded(env)) == 1
