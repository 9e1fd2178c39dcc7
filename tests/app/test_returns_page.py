"""The "Your returns" page in AppTest: a partner's obligations as a task list (what needs doing
first, newest month first), each one's report and what can be done about it (a nil return, the
centre's excuse, a reminder pause), every refusal the core's message with nothing stored, and
the partner's own submission history below.

The app computes states as of today, and the sample's submissions end in October 2017, so the
last twelve months are all owed and none received; earlier twelve-month spans hold the sample's
returns (Tameside's October 2017 returns never arrived)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest
from support import shown

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.figures.obligations import Obligation, State
from shared_outcomes.period import Period
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = "Your returns"
ADMIN = Identity("demo-admin", "Demo: administrator (the centre)", Role.ADMIN)
TAMESIDE = "tameside_council"
HOSTILE_REASON = "[no cases](https://evil.invalid) **at all** <b>this month</b>"

Open = Callable[..., AppTest]


def _workspace(db: Path) -> Workspace:
    return Workspace.open(load_settings(db=db, root=ROOT))


def _text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success]
    return "\n".join(shown(str(p.value)) for p in parts)


def _task_rows(at: AppTest) -> list[dict[str, str]]:
    """The task list's rows in the order shown, over its groups' tables, as the browser shows
    them."""
    rows = []
    for table in at.table:
        frame = table.value
        if "What to do" not in [shown(c) for c in frame.columns]:
            continue
        for record in frame.to_dict("records"):
            rows.append({shown(k): shown(str(v)) for k, v in record.items()})
    return rows


def _history_ids(at: AppTest) -> set[int]:
    (table,) = [t.value for t in at.table if "Submitted by" in [shown(c) for c in t.value.columns]]
    return {int(i) for i in table["Submission"]}


def _click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click()
    at.run()


def _widget(widgets: Any, starts: str) -> Any:
    return next(w for w in widgets if shown(w.label).startswith(starts))


def _expected(owed: list[Obligation], titles: dict[str, str]) -> set[tuple[str, str, str]]:
    return {(titles[o.dataset], o.month, str(o.state)) for o in owed}


def test_a_submitter_sees_its_own_returns_newest_first_what_needs_doing_first(
    app_db: Path, open_page: Open
) -> None:
    at = open_page(PAGE, "demo-tameside_council")
    assert not at.exception and not at.error
    assert at.title[0].value == PAGE
    assert "Partner" not in [s.label for s in at.selectbox]  # a submitter has no partner picker
    ws = _workspace(app_db)
    titles = {d: c.title for d, c in ws.contracts.items()}

    # The last twelve months: nothing of them was ever sent, so each is owed.
    owed = ws.obligations(ADMIN, partner=TAMESIDE)
    rows = _task_rows(at)
    assert len(rows) == len(owed) == 24
    shown_rows = {(r["Dataset"], r["Month"], r["State"].split(" ", 1)[1]) for r in rows}
    assert shown_rows == _expected(owed, titles)
    assert {o.state for o in owed} <= {State.OVERDUE, State.DUE_SOON, State.NOT_YET_DUE}
    assert State.OVERDUE in {o.state for o in owed}
    assert all(r["State"][0] in "⚠◔○" for r in rows)  # a symbol beside the words
    needs = [r for r in rows if not r["State"].endswith("not yet due")]
    assert rows[: len(needs)] == needs  # what needs doing first
    month_of = {o.month: Period.parse(o.period) for o in owed}
    for group in (needs, rows[len(needs) :]):
        months = [month_of[r["Month"]] for r in group]
        assert months == sorted(months, reverse=True)  # newest month first within each group

    # Every version Tameside sent, and nothing of another partner's.
    sent = {s.submission_id for s in ws.partner_submissions(ADMIN, TAMESIDE)}
    assert _history_ids(at) == sent

    # The twelve months to October 2017: its two October returns never arrived.
    at.selectbox(key="returns_ending").set_value("2017-10")
    at.run()
    assert not at.exception and not at.error
    rows = _task_rows(at)
    assert [(r["Month"], r["State"]) for r in rows[:2]] == [("Oct 2017", "⚠ overdue")] * 2
    earlier = {str(Period.parse("2016-11").shifted(i)) for i in range(11)}
    assert {r["Month"] for r in rows[2:]} == {Period.parse(m).label for m in earlier}
    assert all(r["State"].startswith("✓ accepted") for r in rows[2:])
    assert all(r["On time"] in ("on time", "late") and r["Submission"] for r in rows[2:])
    summary = "24 returns for Nov 2016 to Oct 2017: 2 need doing (2 overdue), 0 not yet due"
    assert any(shown(m.value).startswith(summary) for m in at.markdown)

    # A received return's report, as Your submissions shows it; the way to correct it.
    chosen = at.selectbox(key="returns_chosen")
    assert chosen.value == "homelessness_cases/2017-10"  # the first thing to do
    assert "Nothing has been received for Oct 2017." in _text(at)
    chosen.set_value("workforce_vacancies/2017-09")
    at.run()
    assert not at.exception
    assert shown(at.success[0].value).startswith("Accepted:")
    (link,) = at.get("page_link")
    assert link.proto.label == "Send a corrected extract on the Submit page"
    assert link.proto.page == "submit"
    assert link.proto.query_string == (
        "partner=tameside_council&dataset=workforce_vacancies&period=2017-09"
    )


def test_a_nil_return_from_the_page_is_recorded_and_shown_as_written(
    app_db: Path, open_page: Open
) -> None:
    at = open_page(PAGE, "demo-tameside_council")
    at.selectbox(key="returns_ending").set_value("2017-10")
    at.run()
    assert at.selectbox(key="returns_chosen").value == "homelessness_cases/2017-10"
    ws = _workspace(app_db)
    before = len(ws.partner_submissions(ADMIN, TAMESIDE))

    _widget(at.text_area, "Why there is nothing to report").input(HOSTILE_REASON)
    _click(at, "Declare nothing to report")  # not confirmed
    assert "Tick the box to confirm" in _text(at)
    assert len(ws.partner_submissions(ADMIN, TAMESIDE)) == before  # nothing recorded

    _widget(at.checkbox, "I confirm that Tameside Council has nothing to report").check()
    _click(at, "Declare nothing to report")
    assert not at.exception and not at.error
    current = ws.warehouse.current(TAMESIDE, "homelessness_cases", "2017-10")
    assert current is not None and current.is_nil and current.note == HOSTILE_REASON
    assert shown(at.success[0].value).startswith(
        f"Recorded nil return #{current.submission_id}: Tameside Council has nothing to report"
    )
    row = next(r for r in _task_rows(at) if r["Month"] == "Oct 2017" and "nil" in r["State"])
    assert row["State"] == "∅ nil return" and row["On time"] == "late"
    assert row["Note"] == f"nil return: {HOSTILE_REASON}"  # exactly as written
    cells = [str(v) for t in at.table for c in t.value.columns for v in t.value[c].tolist()]
    sources = cells + [str(e.value) for kind in ("markdown", "caption") for e in at.get(kind)]
    assert not any(HOSTILE_REASON in s for s in sources)  # never rendered as Markdown
    assert current.submission_id in _history_ids(at)
    (owed,) = [o for o in ws.obligations(ADMIN, partner=TAMESIDE, months=["2017-10"])
               if o.dataset == "homelessness_cases"]  # fmt: skip
    assert owed.state == State.NIL_RETURN


def test_a_refused_nil_return_shows_the_cores_message_and_stores_nothing(
    app_db: Path, open_page: Open
) -> None:
    at = open_page(PAGE, "demo-dwp_jobcentre_plus")
    chosen = at.selectbox(key="returns_chosen").value
    assert chosen is not None and chosen.startswith("claimant_count/")
    ws = _workspace(app_db)
    before = len(ws.partner_submissions(ADMIN, "dwp_jobcentre_plus"))
    _widget(at.checkbox, "I confirm that").check()
    _click(at, "Declare nothing to report")
    assert not at.exception
    (error,) = at.error
    assert "a nil return is not accepted for claimant_count" in shown(error.value)
    assert not at.success
    assert len(ws.partner_submissions(ADMIN, "dwp_jobcentre_plus")) == before
    assert "nil return" not in {r["State"][2:] for r in _task_rows(at)}


def test_the_data_standards_team_excuses_an_overdue_return_and_pauses_reminders(
    app_db: Path, open_page: Open
) -> None:
    at = open_page(PAGE, "demo-oversight")
    assert not at.exception and not at.error
    at.selectbox(key="returns_partner").set_value(TAMESIDE)
    at.run()
    at.selectbox(key="returns_ending").set_value("2017-10")
    at.run()
    assert at.selectbox(key="returns_chosen").value == "homelessness_cases/2017-10"
    labels = [b.label for b in at.button]
    assert "Declare nothing to report" not in labels  # the centre does not submit
    assert not at.get("page_link")
    ws = _workspace(app_db)

    _click(at, "Excuse this return")  # no reason
    assert "the reason is empty" in shown(at.error[0].value)
    assert not ws.warehouse.excusals(TAMESIDE)

    _widget(at.text_input, "Why it is excused").input("records system migration")
    _click(at, "Excuse this return")
    assert not at.exception and not at.error
    assert shown(at.success[0].value).startswith("Excused Tameside Council's")
    row = next(r for r in _task_rows(at) if r["State"] == "– excused")
    assert row["Month"] == "Oct 2017"
    assert row["Note"] == "excused: records system migration (demo-oversight)"

    _widget(at.text_input, "Why (optional)").input("office move")
    _click(at, "Pause reminders")
    assert not at.exception and not at.error
    assert "Reminders to Tameside Council are paused until" in _text(at)
    paused = next(
        t.value for t in at.table if "Paused until" in [shown(c) for c in t.value.columns]
    )
    assert [shown(p) for p in paused["Partner"]] == ["Tameside Council"]
    assert [shown(r) for r in paused["Reason"]] == ["office move"]
    (pause,) = ws.reminder_pauses(ADMIN)
    assert (pause.partner_id, pause.paused_by) == (TAMESIDE, "demo-oversight")


def test_leadership_is_refused_and_the_refusal_audited(app_db: Path, open_page: Open) -> None:
    at = open_page(PAGE, "demo-leadership")
    assert not at.exception
    assert at.title[0].value == "Not allowed"
    assert "cannot see partners' submission reports" in shown(at.error[0].value)
    assert not _task_rows(at)
    denied = _workspace(app_db).audit_entries(
        ADMIN, action="view_submission_history", outcome="denied"
    )
    assert [r["user_id"] for r in denied.iter_rows(named=True)] == ["demo-leadership"]
    assert '"page": "Your returns"' in denied["detail"][0]
