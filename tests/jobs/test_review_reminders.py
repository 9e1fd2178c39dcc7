"""The agreement review reminders of the reminder run (`jobs.reminders`): which (pure: within 60
days of the review, once per agreement, review date and party, parties with no address apart),
the message (plain text and escaped HTML), and runs over the sample partnership through a real
SMTP server on localhost (never twice, not held back by a pause, a dry run, a server that is
down, fails half-way or refuses an address)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from smtp_server import MailServer, Received, closed_port, smtp_env
from support import ROOT, copy_database

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.config.agreements import Agreement, Agreements, CoveredDataset, Party
from shared_outcomes.config.partnership import Partner
from shared_outcomes.jobs.reminders import (
    Letterhead,
    ReviewReminder,
    compose_review,
    plan_reviews,
    remind,
)
from shared_outcomes.settings import load_settings
from shared_outcomes.warehouse.reminders import SentReview
from shared_outcomes.workspace import Workspace

TODAY = date(2026, 11, 1)


def partner(pid: str, *, contacts: list[str] | None = None, name: str | None = None) -> Partner:
    return Partner(
        id=pid, name=name or pid.replace("_", " ").title(), sector="local_authority",
        datasets=["homelessness_cases"], deadline_day=10, areas=["E08000001"],
        contacts=[f"data@{pid}.example"] if contacts is None else contacts,
    )  # fmt: skip


def agreement(
    aid: str, review: date, parties: list[str], *, title: str = "Homelessness sharing"
) -> Agreement:
    return Agreement(
        aid, title,
        tuple(Party(p, "controller" if i == 0 else "processor", "public_task", "An Act")
              for i, p in enumerate(parties)),
        ("Prevent homelessness",), (CoveredDataset("homelessness_cases", ("a",), 24),),
        date(2015, 1, 1), review, date(2029, 3, 31),
    )  # fmt: skip


def sent(aid: str, review: date, pid: str) -> SentReview:
    return SentReview(aid, review, pid, ("x@y.example",), datetime(2026, 10, 1, tzinfo=UTC))


# -- which review reminders (pure) ---------------------------------------------------------------


def test_each_party_is_reminded_once_per_review_date_within_60_days() -> None:
    partners = {p.id: p for p in (partner("wigan"), partner("bury"), partner("alliance",
                                  contacts=[]))}  # fmt: skip
    soon = agreement("soon", TODAY + timedelta(days=60), ["wigan", "bury", "alliance"])
    later = agreement("later", TODAY + timedelta(days=61), ["wigan", "bury"])
    today = agreement("today", TODAY, ["bury"])
    agreements = Agreements((later, soon, today), enforced=True)
    plan = plan_reviews(agreements, partners, sent=[], today=TODAY)
    # The soonest review first, each agreement's parties by name; nothing 61 days away.
    assert [(r.agreement.id, r.partner.id) for r in plan.reviews] == [
        ("today", "bury"), ("soon", "bury"), ("soon", "wigan")]  # fmt: skip
    assert plan.reviews[1].recipients == ("data@bury.example",)
    assert plan.reviews[1].parties == ("Wigan, controller", "Bury, processor",
                                       "Alliance, processor")  # fmt: skip
    assert [(r.agreement.id, r.partner.id, r.recipients) for r in plan.no_address] == [
        ("soon", "alliance", ())]  # fmt: skip
    # Sent once for a review date, never again for that date; a new review date afresh.
    done = [sent("soon", soon.review, "wigan"), sent("today", TODAY, "bury")]
    again = plan_reviews(agreements, partners, sent=done, today=TODAY)
    assert [(r.agreement.id, r.partner.id) for r in again.reviews] == [("soon", "bury")]
    moved = agreement("soon", soon.review + timedelta(days=-30), ["wigan"])
    afresh = plan_reviews(Agreements((moved,), enforced=True), partners, sent=done, today=TODAY)
    assert [(r.agreement.id, r.partner.id) for r in afresh.reviews] == [("soon", "wigan")]
    # A review already past, or an agreement not in force, is not reminded; nor without a file.
    past = agreement("past", TODAY - timedelta(days=1), ["wigan"])
    assert not plan_reviews(Agreements((past,), enforced=True), partners, sent=[],
                            today=TODAY).reviews  # fmt: skip
    assert not plan_reviews(Agreements((), enforced=False), partners, sent=[], today=TODAY).reviews


# -- the message ---------------------------------------------------------------------------------


def test_the_review_message_names_the_agreement_date_and_parties_and_escapes_the_html() -> None:
    sly = partner("sly", name='Sly <b>"Council"</b> & Co', contacts=["a@sly.example",
                  "b@sly.example"])  # fmt: skip
    other = partner("other", name="Other <i>Trust</i>")
    nasty = agreement("sly-2015", date(2026, 12, 20), ["sly", "other"],
                      title="Sharing <script>alert(1)</script> & more")  # fmt: skip
    plan = plan_reviews(Agreements((nasty,), enforced=True), {"sly": sly, "other": other},
                        sent=[], today=TODAY)  # fmt: skip
    review = next(r for r in plan.reviews if r.partner.id == "sly")
    head = Letterhead(
        partnership="The <i>Partnership</i>", titles={}, app_url="https://outcomes.example/app",
        sender="Shared Outcomes <reminders@partnership.example>",
    )  # fmt: skip
    made = compose_review(review, head, TODAY)
    message = made.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["To"] == "a@sly.example, b@sly.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert made.subject == ("Agreement review due 20 December 2026: "
                            "Sharing <script>alert(1)</script> & more (sly-2015)")  # fmt: skip
    text = " ".join(made.text.split())
    assert "is a party, as controller, is due for review on 20 December 2026 (in 49 days)" in text
    assert "Sharing <script>alert(1)</script> & more (sly-2015)" in text
    assert 'Sly <b>"Council"</b> & Co, controller' in text
    assert "Other <i>Trust</i>, processor" in text
    assert "review the agreement with the other parties" in text
    assert "data_contracts/agreements.yaml with the new review date" in text
    assert "https://outcomes.example/app/agreements" in text
    assert "/submit" not in text  # not about returns
    html = made.html
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "Sharing &lt;script&gt;alert(1)&lt;/script&gt; &amp; more (sly-2015)" in html
    assert "Sly &lt;b&gt;&quot;Council&quot;&lt;/b&gt; &amp; Co, controller" in html
    assert '<a href="https://outcomes.example/app/agreements">' in html


def test_without_the_app_s_address_the_review_message_has_no_link() -> None:
    bury = partner("bury")
    review = ReviewReminder(agreement("a-1", TODAY + timedelta(days=1), ["bury"]), bury,
                            ("Bury, controller",), ("data@bury.example",))  # fmt: skip
    made = compose_review(review, Letterhead("P", {}), TODAY)
    assert "Agreements page" not in made.text and "<a href" not in made.html
    assert "(tomorrow)" in made.text


# -- runs over the sample partnership, through a real SMTP server --------------------------------

DIGITAL = "gm-digital-inclusion-2015"  # review 20 December 2026: Northern Rivers Housing and
# the voluntary alliance, which has no contact address
HOMELESSNESS = "gm-homelessness-2015"  # review 15 January 2027: eleven parties, each with one
NRH = "northern_rivers_housing"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.startswith("SHARED_OUTCOMES_SMTP_") or key == "SHARED_OUTCOMES_APP_URL":
            monkeypatch.delenv(key)
    return monkeypatch


def use(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def workspace(demo_db: Path, tmp_path: Path) -> Workspace:
    ws = Workspace.open(load_settings(db=copy_database(demo_db, tmp_path), root=ROOT))
    ws._today = lambda: date(2026, 10, 30)  # pauses are made "today", before the runs below
    return ws


def reviews_recorded(workspace: Workspace) -> set[tuple[str, date, str]]:
    return {(s.agreement_id, s.review_date, s.partner_id)
            for s in workspace.review_reminders_sent(SYSTEM)}  # fmt: skip


def review_mail(server: MailServer) -> list[Received]:
    return [m for m in server.received if m.subject.startswith("Agreement review due")]


@pytest.mark.slow
def test_a_review_within_60_days_goes_once_to_each_party_even_while_paused(
    workspace: Workspace, clean_env: pytest.MonkeyPatch
) -> None:
    # Northern Rivers Housing's return reminders are paused: its review reminder still goes.
    workspace.pause_reminders(SYSTEM, partner=NRH, until=date(2026, 11, 30), reason="Leave")
    with MailServer() as server:
        use(clean_env, server.env())
        first = remind(workspace, today=TODAY)
        assert first.exit_code == 0
        assert NRH in {w.partner.id for w in first.paused}  # its returns are held back
        # The digital inclusion review is 49 days away; homelessness's (75 days) is not yet.
        assert [(c.review.agreement.id, c.review.partner.id) for c in first.reviews_sent] == [
            (DIGITAL, NRH)]  # fmt: skip
        assert [(r.agreement.id, r.partner.id) for r in first.reviews_no_address] == [
            (DIGITAL, "gm_voluntary_alliance")]  # fmt: skip
        (mail,) = review_mail(server)
        assert mail.recipients == ["tenant.data@northern-rivers-housing.example"]
        assert mail.subject == (
            "Agreement review due 20 December 2026: Digital inclusion support data sharing "
            "agreement (gm-digital-inclusion-2015)"
        )
        text = " ".join(mail.part("plain").split())
        assert "due for review on 20 December 2026 (in 49 days)" in text
        assert reviews_recorded(workspace) == {(DIGITAL, date(2026, 12, 20), NRH)}
        # The same day again, and the next: nothing more about that review.
        assert not remind(workspace, today=TODAY).reviews_sent
        assert not remind(workspace, today=TODAY + timedelta(days=1)).reviews_sent
        assert len(review_mail(server)) == 1
        # Once homelessness's review is within 60 days, each of its eleven parties, once.
        later = remind(workspace, today=date(2026, 11, 16))
        assert {c.review.agreement.id for c in later.reviews_sent} == {HOMELESSNESS}
        assert len(later.reviews_sent) == 11 and len(review_mail(server)) == 12
        # Nothing was recorded for the alliance: each run warns about it until it has an address.
        assert [r.partner.id for r in later.reviews_no_address] == ["gm_voluntary_alliance"]
    recorded = reviews_recorded(workspace)
    assert len(recorded) == 12 and ("gm_voluntary_alliance" not in {p for *_, p in recorded})
    audited = workspace.audit_entries(SYSTEM, action="send_review_reminder")
    assert audited.height == 12


@pytest.mark.slow
def test_a_dry_run_composes_the_review_reminders_and_records_nothing(
    workspace: Workspace, clean_env: pytest.MonkeyPatch
) -> None:
    use(clean_env, smtp_env(closed_port()))  # nothing is sent: no connection is tried
    dry = remind(workspace, today=TODAY, dry_run=True)
    assert dry.exit_code == 0 and not dry.failure
    assert [c.review.partner.id for c in dry.reviews_sent] == [NRH]
    assert "Digital inclusion support data sharing agreement" in dry.reviews_sent[0].text
    assert [r.partner.id for r in dry.reviews_no_address] == ["gm_voluntary_alliance"]
    assert not reviews_recorded(workspace)


@pytest.mark.slow
def test_a_server_down_or_failing_half_way_leaves_recorded_only_the_reviews_it_accepted(
    workspace: Workspace, clean_env: pytest.MonkeyPatch
) -> None:
    day = date(2026, 12, 1)  # both reviews within 60 days: 1 + 11 review reminders
    use(clean_env, smtp_env(closed_port()))
    down = remind(workspace, today=day)
    assert down.exit_code == 1 and "could not be reached" in (down.failure or "")
    assert len(down.reviews_unsent) == 12 and not down.reviews_sent
    assert not reviews_recorded(workspace)
    returns = len(down.unsent)  # the return reminders go first
    with MailServer(fail_after=returns + 5) as flaky:
        use(clean_env, flaky.env())
        half = remind(workspace, today=day)
    assert half.exit_code == 1 and "451 4.3.0 Try again later" in (half.failure or "")
    assert len(half.reviews_sent) == 5 and len(half.reviews_unsent) == 7
    assert len(reviews_recorded(workspace)) == 5 and len(review_mail(flaky)) == 5
    with MailServer() as server:
        use(clean_env, server.env())
        rest = remind(workspace, today=day)
    assert rest.exit_code == 0 and len(rest.reviews_sent) == 7 and not rest.sent
    first = {tuple(m.recipients) for m in review_mail(flaky)}
    assert not first & {tuple(m.recipients) for m in review_mail(server)}
    assert len(reviews_recorded(workspace)) == 12


@pytest.mark.slow
def test_a_review_reminder_whose_addresses_are_refused_is_not_recorded(
    workspace: Workspace, clean_env: pytest.MonkeyPatch
) -> None:
    refused = "tenant.data@northern-rivers-housing.example"
    # Its return reminders paused, the review reminder is the only message to that address.
    workspace.pause_reminders(SYSTEM, partner=NRH, until=date(2026, 11, 30))

    async def refuse(_server: Any, _session: Any, envelope: Any, address: str, _opts: Any) -> str:
        if address == refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    with MailServer() as strict:
        strict.handler.handle_RCPT = refuse  # type: ignore[attr-defined]  # for the next connection
        use(clean_env, strict.env())
        result = remind(workspace, today=TODAY)
    assert result.exit_code == 1 and not result.reviews_sent
    ((item, why),) = result.reviews_refused
    assert item.review.partner.id == NRH and "550 5.1.1 No such mailbox" in why
    assert not reviews_recorded(workspace)
    assert result.sent and not result.refused  # the return reminders went
    with MailServer() as server:
        use(clean_env, server.env())
        again = remind(workspace, today=TODAY)
    assert [c.review.partner.id for c in again.reviews_sent] == [NRH] and not again.sent
    assert reviews_recorded(workspace) == {(DIGITAL, date(2026, 12, 20), NRH)}
