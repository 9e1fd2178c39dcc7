"""The monthly cycle on the sample partnership. Nil returns: a partner with nothing to report
says so; the register keeps it like a submission, figures count its part as zero and stop
waiting for it, the obligation reads "nil return". Excusals: the centre excuses a return, which
then reads "excused" until something is accepted. Every refusal stores nothing and is audited."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from support import ROOT, copy_database

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.config.partnership import ReminderSettings
from shared_outcomes.errors import AccessDenied, UsageError
from shared_outcomes.figures.obligations import State
from shared_outcomes.present.states import figure_state
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

pytestmark = pytest.mark.slow

TAMESIDE = Identity("demo-tameside_council", "Tam", Role.PARTNER_SUBMITTER, "tameside_council")
BOLTON = Identity("demo-bolton_council", "Bo", Role.PARTNER_SUBMITTER, "bolton_council")
ADMIN = Identity("demo-admin", "Ad", Role.ADMIN)
OVERSIGHT = Identity("demo-oversight", "Pat", Role.OVERSIGHT)
ANALYST = Identity("demo-analyst", "Ana", Role.ANALYST)
CASES, MONTH = "homelessness_cases", "2017-10"  # Tameside's October cases never arrived
BY_THE_DEADLINE = datetime(2017, 11, 9, 16, 0, tzinfo=UTC)


@pytest.fixture
def ws(demo_db: Path, tmp_path: Path) -> Workspace:
    return Workspace.open(load_settings(db=copy_database(demo_db, tmp_path), root=ROOT))


def _figure(ws: Workspace, area: str | None) -> dict[str, object]:
    figures = ws.figures(ADMIN, period=MONTH, outcomes=["homelessness_preventions_per_1000"])
    rows = figures.filter(
        figures["area_code"].is_null() if area is None else figures["area_code"] == area
    )
    return rows.row(0, named=True)


def test_a_nil_return_is_recorded_and_the_figures_stop_waiting(ws: Workspace) -> None:
    before = _figure(ws, None)
    assert before["provisional"] and before["missing"] == ["tameside_council"]
    stored = ws.nil_return(
        TAMESIDE, dataset=CASES, partner="tameside_council", period=MONTH,
        reason="Case system down all month: no cases recorded.", submitted_at=BY_THE_DEADLINE,
    )  # fmt: skip
    assert (stored.kind, stored.rows, stored.status) == ("nil", 0, "accepted")
    assert stored.note == "Case system down all month: no cases recorded."
    assert stored.submitted_by == "demo-tameside_council"
    after = _figure(ws, None)
    assert not after["provisional"] and after["missing"] == []
    assert "tameside_council" in after["submitted"]  # type: ignore[operator]
    assert after["numerator"] == before["numerator"]  # Tameside's part is zero
    tameside = _figure(ws, "E08000008")
    assert tameside["numerator"] == 0 and tameside["value"] == 0 and not tameside["provisional"]
    assert after["nil_returns"] == ["tameside_council"] == tameside["nil_returns"]
    names = {pid: p.name for pid, p in ws.partnership.partners.items()}
    words = figure_state(after, "per_1000", names).coverage
    assert words == (
        "Complete: all 10 partners needed have submitted. "
        "Nil return (nothing to report): Tameside Council."
    )
    owed = ws.obligations(ADMIN, months=[MONTH], partner="tameside_council",
                          today=date(2017, 11, 20))  # fmt: skip
    cases = next(o for o in owed if o.dataset == CASES)
    assert (cases.state, cases.on_time, cases.submission_id) == (
        State.NIL_RETURN,
        True,
        stored.submission_id,
    )
    (entry, *_) = ws.audit_entries(ADMIN, user_id="demo-tameside_council").iter_rows(named=True)
    assert '"kind": "nil return"' in entry["detail"] and entry["outcome"] == "allowed"


def test_an_extract_sent_later_supersedes_the_nil_return(ws: Workspace) -> None:
    nil = ws.nil_return(TAMESIDE, dataset=CASES, partner="tameside_council", period=MONTH)
    extract = ROOT / "sample_data" / "extracts" / "tameside_council" / f"{CASES}_2017-09.csv"
    text = extract.read_text("utf-8-sig").replace("2017-09", MONTH)
    result = ws.submit(TAMESIDE, text.encode(), dataset=CASES, partner="tameside_council",
                       period=MONTH, file_name="late.csv")  # fmt: skip
    assert result.status == "loaded" and result.supersedes == nil.submission_id
    history = ws.history(ADMIN, "tameside_council", CASES)
    assert [(s.kind, s.status) for s in history[:2]] == [("extract", "accepted"),
                                                         ("nil", "superseded")]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "dataset", "partner", "period", "reason", "error", "message"),
    [
        (BOLTON, CASES, "bolton_council", MONTH, None, UsageError, "already been received"),
        (BOLTON, CASES, "tameside_council", MONTH, None, AccessDenied, "not for tameside"),
        (TAMESIDE, CASES, "tameside_council", "2099-01", None, UsageError, "in the future"),
        (TAMESIDE, CASES, "tameside_council", MONTH, "bell\x07", UsageError, r"U\+0007"),
        (TAMESIDE, "flood_incidents", "tameside_council", MONTH, None, UsageError,
         "does not submit"),
    ],
)  # fmt: skip
def test_a_nil_return_that_cannot_be_is_refused_audited_and_not_stored(
    ws: Workspace,
    who: Identity,
    dataset: str,
    partner: str,
    period: str,
    reason: str | None,
    error: type[Exception],
    message: str,
) -> None:
    count = len(ws.warehouse.submissions())
    with pytest.raises(error, match=message):
        ws.nil_return(who, dataset=dataset, partner=partner, period=period, reason=reason)
    assert len(ws.warehouse.submissions()) == count
    denied = ws.audit_entries(ADMIN, user_id=who.user_id).row(0, named=True)
    assert denied["action"] == "submit_extract"
    assert '"refused"' in denied["detail"] or denied["outcome"] == "denied"


def test_a_second_nil_return_and_a_forbidden_dataset_are_refused(ws: Workspace) -> None:
    ws.nil_return(TAMESIDE, dataset=CASES, partner="tameside_council", period=MONTH)
    with pytest.raises(UsageError, match="already declared nothing to report"):
        ws.nil_return(TAMESIDE, dataset=CASES, partner="tameside_council", period=MONTH)
    dwp = Identity("demo-dwp_jobcentre_plus", "D", Role.PARTNER_SUBMITTER, "dwp_jobcentre_plus")
    with pytest.raises(UsageError, match="Benefit claimants per 1,000 households"):
        ws.nil_return(dwp, dataset="claimant_count", partner="dwp_jobcentre_plus", period="2017-11")


def test_the_centre_excuses_a_return_until_one_is_accepted(ws: Workspace) -> None:
    made = ws.excuse(OVERSIGHT, partner="tameside_council", dataset=CASES, period=MONTH,
                     reason="Flooded offices: agreed with the board.")  # fmt: skip
    owed = ws.obligations(ADMIN, months=[MONTH], partner="tameside_council")
    cases = next(o for o in owed if o.dataset == CASES)
    assert cases.state == State.EXCUSED
    assert cases.excused == "Flooded offices: agreed with the board. (demo-oversight)"
    assert next(o for o in owed if o.dataset != CASES).state == State.OVERDUE
    entry = ws.audit_entries(ADMIN, user_id="demo-oversight").row(0, named=True)
    assert entry["action"] == "excuse_obligation" and str(made.excusal_id) in entry["detail"]
    ws.nil_return(TAMESIDE, dataset=CASES, partner="tameside_council", period=MONTH)
    owed = ws.obligations(ADMIN, months=[MONTH], partner="tameside_council")
    assert next(o for o in owed if o.dataset == CASES).state == State.NIL_RETURN


def test_due_soon_follows_the_partnerships_setting(ws: Workspace) -> None:
    """Bury's October 2017 returns are due on 10 November; on the 5th they are due soon with
    the sample's 7 days, and not yet due with 3, on the returns, the timeliness and the
    reminders alike."""
    fifth = date(2017, 11, 5)
    bury = {
        o.dataset: o.state
        for o in ws.obligations(ADMIN, months=[MONTH], partner="bury_council", today=fifth)
    }
    assert set(bury.values()) == {State.DUE_SOON}
    ws.partnership = ws.partnership.model_copy(
        update={"reminders": ReminderSettings(due_soon_days=3)}
    )
    owed = ws.obligations(ADMIN, months=[MONTH], partner="bury_council", today=fifth)
    assert {o.state for o in owed} == {State.NOT_YET_DUE}
    shared = [
        o for o in ws.timeliness(BOLTON, [MONTH], today=fifth) if o.partner_id == "bury_council"
    ]
    assert {o.state for o in shared} == {State.NOT_YET_DUE}


def test_timeliness_shows_every_partner_to_whoever_may_see_it(ws: Workspace) -> None:
    # A partner sees the shared timeliness of all (not only its own returns, as on its page).
    shared = ws.timeliness(BOLTON, [MONTH], today=date(2017, 11, 30))
    assert {o.partner_id for o in shared} == set(ws.partnership.partners)
    tameside = {o.dataset: o.state for o in shared if o.partner_id == "tameside_council"}
    assert tameside == {CASES: State.OVERDUE, "workforce_vacancies": State.OVERDUE}
    own = ws.obligations(BOLTON, months=[MONTH], today=date(2017, 11, 30))
    assert {o.partner_id for o in own} == {"bolton_council"}


@pytest.mark.parametrize(
    ("who", "partner", "dataset", "reason", "error", "message"),
    [
        (ANALYST, "tameside_council", CASES, "x", AccessDenied, "data-standards team"),
        (TAMESIDE, "tameside_council", CASES, "x", AccessDenied, "data-standards team"),
        (OVERSIGHT, "bolton_council", CASES, "x", UsageError, "has been received"),
        (OVERSIGHT, "tameside_council", "claimant_count", "x", UsageError, "does not submit"),
        (OVERSIGHT, "tameside_council", CASES, "   ", UsageError, "empty"),
    ],
)
def test_an_excusal_that_cannot_be_is_refused_and_audited(
    ws: Workspace,
    who: Identity,
    partner: str,
    dataset: str,
    reason: str,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        ws.excuse(who, partner=partner, dataset=dataset, period=MONTH, reason=reason)
    assert ws.warehouse.excusals() == []
    entry = ws.audit_entries(ADMIN, user_id=who.user_id).row(0, named=True)
    assert (entry["action"], entry["outcome"]) == ("excuse_obligation", "denied")
