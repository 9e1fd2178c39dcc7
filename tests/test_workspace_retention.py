"""Retention and erasure through the Workspace: what is past an agreement's retention period is
listed (a dry run erases nothing) and, applied, erased with its tombstone (rows, aggregates,
row file, raw file and report gone; id, partner, dataset, month, hash, when, by whom and under
which rule kept); figures mark the month, `as_at` reproductions say they are no longer exact,
history shows the tombstone; an erasure on request needs two different administrators."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from support import ROOT

from shared_outcomes.access.roles import SYSTEM, Identity, Role
from shared_outcomes.errors import AccessDenied, UsageError
from shared_outcomes.figures.obligations import State
from shared_outcomes.jobs.retention import apply_retention, retention_plan
from shared_outcomes.present import views
from shared_outcomes.present.states import figure_state
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import ERASE_SUBMISSION, Workspace

EXTRACTS = ROOT / "sample_data" / "extracts" / "bolton_council"
CASES = "homelessness_cases"
BOLTON = "bolton_council"
TODAY = date(2026, 6, 15)  # 2015's months are past the 120 months; 2017's are not
SENT = date(2017, 4, 20)
ADMIN = Identity("admin-a", "Ada Admin", Role.ADMIN)
OTHER_ADMIN = Identity("admin-b", "Bea Admin", Role.ADMIN)
ANALYST = Identity("analyst", "Ann Analyst", Role.ANALYST)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """Bolton's homelessness returns: March 2015 sent twice (a correction) after a rejected
    attempt, and March 2017 once."""
    home = tmp_path / "home"
    shutil.copytree(ROOT / "data_contracts", home / "data_contracts")
    workspace = Workspace.open(load_settings(db=tmp_path / "w.duckdb", root=home))
    today = workspace._today
    workspace._today = lambda: SENT  # sent in 2017, when 2015 was well within retention
    march = (EXTRACTS / f"{CASES}_2015-03.csv").read_bytes()
    rejected = workspace.submit(
        SYSTEM, b"not,the,columns\n1,2,3\n", dataset=CASES, partner=BOLTON, period="2015-03",
        file_name="wrong.csv",
    )  # fmt: skip
    assert rejected.status == "rejected"
    for version in (march, march.replace(b"\n", b"\r\n")):
        stored = workspace.submit(SYSTEM, version, dataset=CASES, partner=BOLTON,
                                  period="2015-03", file_name="march.csv")  # fmt: skip
        assert stored.status == "loaded"
    later = EXTRACTS / f"{CASES}_2017-03.csv"
    assert workspace.submit(SYSTEM, later, dataset=CASES, partner=BOLTON, period="2017-03").accepted
    workspace._today = today
    return workspace


def _count(ws: Workspace, sql: str, *params: object) -> int:
    return int(ws.warehouse.query(sql, list(params)).row(0)[0])


def test_a_dry_run_lists_every_version_past_retention_and_erases_nothing(ws: Workspace) -> None:
    plan = retention_plan(ws, ADMIN, today=TODAY)
    assert [(e.submission.period, e.submission.status) for e in plan.expired] == [
        ("2015-03", "rejected"), ("2015-03", "superseded"), ("2015-03", "accepted"),
    ]  # fmt: skip
    first = plan.expired[0]
    assert (first.agreement_id, first.retention_months) == ("gm-homelessness-2015", 120)
    assert first.expired_on == date(2025, 4, 1)  # 120 months after the end of March 2015
    assert plan.no_rule == [] and plan.enforced
    assert [s.status for s in ws.warehouse.submissions()].count("erased") == 0
    # The last day kept, and the first past it.
    assert not retention_plan(ws, ADMIN, today=date(2025, 3, 31)).expired
    assert len(retention_plan(ws, ADMIN, today=date(2025, 4, 1)).expired) == 3


def test_applied_it_erases_content_and_keeps_a_tombstone(ws: Workspace) -> None:
    before = {s.submission_id: s for s in ws.warehouse.submissions()}
    march = [s for s in before.values() if s.period == "2015-03"]
    files = [ws.warehouse.archived_file(s.sha256 or "") for s in march]
    rows = [ws.warehouse.row_files.absolute(p) for p in
            ws.warehouse.query("SELECT path FROM row_files")["path"]]  # fmt: skip
    assert all(f.is_file() for f in files) and len(rows) == 3

    result = apply_retention(ws, ADMIN, today=TODAY)

    assert sorted(t.submission_id for t in result.erased) == sorted(s.submission_id for s in march)
    for tomb in result.erased:
        was = before[tomb.submission_id]
        assert tomb.status == "erased"
        assert (tomb.partner_id, tomb.dataset, tomb.period, tomb.sha256, tomb.rows) == (
            was.partner_id, was.dataset, was.period, was.sha256, was.rows,
        )  # fmt: skip
        assert tomb.file_name is None and ws.warehouse.report_json(tomb.submission_id) is None
    (kept,) = [s for s in ws.warehouse.submissions() if s.status != "erased"]
    assert kept.period == "2017-03" and kept.status == "accepted"
    assert not any(f.exists() for f in files)
    assert [p.exists() for p in rows] == [False, False, True]  # 2017's row file stays
    erased_ids = [t.submission_id for t in result.erased]
    assert _count(ws, f"SELECT count(*) FROM agg_{CASES} WHERE submission_id IN "
                      "(SELECT unnest(?))", erased_ids) == 0  # fmt: skip
    assert _count(ws, f"SELECT count(*) FROM agg_{CASES}") > 0
    assert _count(ws, f"SELECT count(DISTINCT submission_id) FROM ds_{CASES}") == 1
    records = ws.warehouse.erasures()
    assert {r.rule for r in records} == {"retention"} and {r.erased_by for r in records} == {
        "admin-a"
    }
    assert "gm-homelessness-2015 keeps homelessness_cases for 120 months" in records[0].detail
    audited = ws.audit_entries(SYSTEM, action=ERASE_SUBMISSION).iter_rows(named=True)
    assert sorted(int(e["detail"].split('"submission_id": ')[1].split(",")[0].rstrip("}"))
                  for e in audited) == sorted(erased_ids)  # fmt: skip
    # A second run finds nothing more; a new run of the same day erases nothing twice.
    assert apply_retention(ws, ADMIN, today=TODAY).erased == []


def test_after_retention_figures_history_and_obligations_say_the_data_was_erased(
    ws: Workspace,
) -> None:
    known_then = datetime.now(UTC)
    apply_retention(ws, ADMIN, today=TODAY)
    figures = ws.figures(ADMIN, period="2015-03")
    names = {pid: p.name for pid, p in ws.partnership.partners.items()}
    bolton = figures.filter(
        (figures["area_code"] == "E08000001")
        & (figures["outcome"] == "homelessness_preventions_per_1000")
    )
    assert bolton.height == 1
    row = bolton.row(0, named=True)
    assert row["erased"] == [BOLTON] and row["erased_under"] == ["retention"]
    state = figure_state(row, row["unit"], names)
    assert state.state == "erased" and state.hidden
    assert state.mark == "Data erased under retention"
    assert state.shown == "data erased under retention"
    assert "Data erased under retention: Bolton Council." in state.coverage
    # Figures as at a moment before the erasure can no longer be made exactly as they were.
    caveat = ws.reproduction_caveat(ADMIN, known_then)
    assert caveat is not None and "can no longer be reproduced exactly" in caveat
    assert "3 submissions" in caveat and "under retention" in caveat
    assert ws.reproduction_caveat(ADMIN, datetime.now(UTC)) is None
    # History shows the tombstone in place of each version; its file cannot be had.
    history = ws.partner_submissions(ADMIN, BOLTON, dataset=CASES)
    table = views.submission_history_table(history, {}, None, ws.erasures(ADMIN, history))
    statuses = [s for s in table["Status"] if s.startswith("erased")]
    assert len(statuses) == 3
    assert statuses[0].startswith("erased under retention on ") and "(by admin-a)" in statuses[0]
    erased_id = next(s.submission_id for s in history if s.status == "erased")
    with pytest.raises(UsageError, match="was erased") as gone:
        ws.submitted_file(ADMIN, erased_id)
    assert gone.value.title == "Erased"
    # The return was made: it is not owed again.
    now = datetime.now(UTC).date()  # the returns were sent today
    (owed,) = [o for o in ws.obligations(ADMIN, months=["2015-03"], today=now)
               if o.partner_id == BOLTON and o.dataset == CASES]  # fmt: skip
    assert owed.state == State.ERASED


def test_only_administrators_apply_retention_and_refusals_are_audited(ws: Workspace) -> None:
    with pytest.raises(AccessDenied, match="administrator"):
        retention_plan(ws, ANALYST, today=TODAY)
    with pytest.raises(AccessDenied):
        apply_retention(ws, ANALYST, today=TODAY)
    denied = ws.audit_entries(SYSTEM, outcome="denied").iter_rows(named=True)
    assert {e["action"] for e in denied} == {"apply_retention"}
    assert not ws.warehouse.erasures()


def test_an_erasure_on_request_needs_a_second_different_administrator(ws: Workspace) -> None:
    (current,) = ws.warehouse.submissions(period="2017-03")
    sid = current.submission_id
    asked = ws.request_erasure(ADMIN, sid, "Data subject's erasure request, ref. DSR-2026-014")
    assert asked.requested_by == "admin-a"
    assert ws.warehouse.submission(sid).status == "accepted"  # type: ignore[union-attr]
    assert ws.erasure_requests(OTHER_ADMIN) == [asked]
    with pytest.raises(UsageError, match="already asked for by admin-a"):
        ws.request_erasure(OTHER_ADMIN, sid, "The same request again, twice")
    with pytest.raises(AccessDenied, match="cannot also confirm it"):
        ws.confirm_erasure(ADMIN, sid)
    denied = ws.audit_entries(SYSTEM, action="confirm_erasure").iter_rows(named=True)
    assert [e["outcome"] for e in denied] == ["denied"]
    assert ws.warehouse.submission(sid).status == "accepted"  # type: ignore[union-attr]

    tomb = ws.confirm_erasure(OTHER_ADMIN, sid)

    assert tomb.status == "erased" and ws.erasure_requests(ADMIN) == []
    (record,) = ws.warehouse.erasures([sid])
    assert (record.rule, record.requested_by, record.erased_by) == ("request", "admin-a", "admin-b")
    assert record.detail == "Data subject's erasure request, ref. DSR-2026-014"
    actions = [e["action"] for e in ws.audit_entries(SYSTEM).iter_rows(named=True)]
    assert "request_erasure" in actions and ERASE_SUBMISSION in actions
    words = views.submission_status(tomb, erasure=record)
    assert words.startswith("erased on request on ") and "confirmed by admin-b" in words
    figures = ws.figures(ADMIN, period="2017-03")
    marks = {
        figure_state(r, r["unit"], {}).mark for r in figures.iter_rows(named=True) if r["erased"]
    }
    assert marks == {"Data erased on request"}


def test_erasure_bad_input_is_refused_with_a_reason(ws: Workspace) -> None:
    (current,) = ws.warehouse.submissions(period="2017-03")
    sid = current.submission_id
    with pytest.raises(UsageError) as unknown:
        ws.request_erasure(ADMIN, 99_999, "Data subject's erasure request")
    assert unknown.value.title == "No such submission"
    with pytest.raises(UsageError) as short:
        ws.request_erasure(ADMIN, sid, "  ")
    assert short.value.title == "No reason given"
    with pytest.raises(UsageError) as nothing:
        ws.confirm_erasure(OTHER_ADMIN, sid)
    assert nothing.value.title == "Nothing to confirm"
    with pytest.raises(AccessDenied):
        ws.request_erasure(ANALYST, sid, "Data subject's erasure request")
    ws.request_erasure(ADMIN, sid, "Data subject's erasure request")
    ws.confirm_erasure(OTHER_ADMIN, sid)
    with pytest.raises(UsageError, match="already erased") as again:
        ws.request_erasure(ADMIN, sid, "Data subject's erasure request")
    assert again.value.title == "Already erased"
    assert len(ws.warehouse.erasures()) == 1


def test_values_cached_before_another_process_erased_them_are_dropped(ws: Workspace) -> None:
    """This process computed figures (its cache holds March 2015's values, in memory and on
    disk); another process erases the month: the next computation drops them from both."""
    import polars as pl

    from shared_outcomes.warehouse.erasure import Erasure

    before = ws.figures(ADMIN, period="2015-03")
    assert before.filter(pl.col("erased").list.len() > 0).height == 0
    kept = sorted(ws.warehouse.db_path.parent.glob("*.measures/*.parquet"))
    (march,) = ws.warehouse.submissions(period="2015-03", status="accepted")
    assert any(march.submission_id in pl.read_parquet(f)["submission_id"] for f in kept)
    ws.warehouse.erase(Erasure(march.submission_id, datetime.now(UTC), "elsewhere", "request",
                               "erased by another process"))  # fmt: skip

    after = ws.figures(ADMIN, period="2015-03")

    assert after.filter(pl.col("erased").list.len() > 0).height > 0
    for file in sorted(ws.warehouse.db_path.parent.glob("*.measures/*.parquet")):
        assert march.submission_id not in pl.read_parquet(file)["submission_id"]


def test_retention_overtaking_a_request_closes_it(ws: Workspace) -> None:
    (march,) = ws.warehouse.submissions(period="2015-03", status="accepted")
    ws.request_erasure(ADMIN, march.submission_id, "Data subject's erasure request")
    apply_retention(ws, ADMIN, today=TODAY)
    assert ws.erasure_requests(ADMIN) == []
    (record,) = ws.warehouse.erasures([march.submission_id])
    assert record.rule == "retention"
    with pytest.raises(UsageError, match="already erased"):
        ws.confirm_erasure(OTHER_ADMIN, march.submission_id)
