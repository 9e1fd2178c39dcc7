"""The role × action table run through the facade: refusals are raised, store nothing, are audited.

The partnership is the service fixture (north_council and south_council submit `visits`), with
one shared outcome added (total visits, small counts below 20 suppressed) so that suppression
is visible in the figures.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from shared_outcomes.access.roles import Action, Identity, Role
from shared_outcomes.errors import AccessDenied, UsageError
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

SERVICE = Path(__file__).parents[1] / "fixtures" / "service"
HEADER = b"month,area_code,channel,visits,minutes,first_visit,online\n"
GOOD = HEADER + b"2016-03,E08000001,phone,5,1.5,2016-03-02,true\n2016-03,E08000001,visit,7,,,no\n"
SOUTH_GOOD = GOOD.replace(b"E08000001", b"E08000002").replace(b",5,", b",30,")
BROKEN = HEADER + b"2016-03,E08000001,phone,five,1.5,2016-03-02,true\n"
OUTCOME = """\
id: visits_total
title: Advice visits
problem: homelessness
question: How many advice visits were there this month?
accountable: [north_council, south_council]
unit: count
direction: higher_is_better
target: {value: 10, from: 2016-01}
tolerance: 0.1
disclosure: {threshold: 20}
incomplete: provisional
numerator:
  dataset: visits
  measure: sum
  column: visits
"""

NORTH = Identity("ann", "Ann North", Role.PARTNER_SUBMITTER, partner_id="north_council")
SOUTH = Identity("sam", "Sam South", Role.PARTNER_SUBMITTER, partner_id="south_council")
ANALYST = Identity("ada", "Ada Analyst", Role.ANALYST, row_level_datasets=frozenset({"visits"}))
CALLS_ANALYST = Identity(
    "cal", "Cal Analyst", Role.ANALYST, row_level_datasets=frozenset({"calls"})
)
LEADER = Identity("lee", "Lee Leader", Role.LEADERSHIP)
ADMIN = Identity("adm", "Adam Admin", Role.ADMIN)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("access") / "root"
    shutil.copytree(SERVICE / "data_contracts", folder / "data_contracts")
    (folder / "data_contracts" / "outcomes").mkdir()
    (folder / "data_contracts" / "outcomes" / "visits_total.yaml").write_text(OUTCOME)
    return folder


@pytest.fixture
def workspace(root: Path, tmp_path: Path) -> Workspace:
    ws = Workspace.open(load_settings(db=tmp_path / "w.duckdb", root=root))
    for who, data, partner in (
        (NORTH, GOOD, "north_council"),
        (SOUTH, SOUTH_GOOD, "south_council"),
    ):
        ws.submit(who, data, dataset="visits", partner=partner, period="2016-03")
    return ws


def submit_as(partner: str) -> Callable[[Workspace, Identity], Any]:
    def call(ws: Workspace, who: Identity) -> Any:
        data = GOOD.replace(b",7,", b",8,") if partner == "north_council" else SOUTH_GOOD + b""
        return ws.submit(who, data, dataset="visits", partner=partner, period="2016-02")

    return call


def report_of(partner: str) -> Callable[[Workspace, Identity], Any]:
    def call(ws: Workspace, who: Identity) -> Any:
        [latest] = [s for s in ws.warehouse.submissions() if s.partner_id == partner]
        return ws.submission_report(who, latest.submission_id)

    return call


CALLS: dict[str, Callable[[Workspace, Identity], Any]] = {
    "submit for north": submit_as("north_council"),
    "submit for south": submit_as("south_council"),
    "north's history": lambda ws, who: ws.history(who, "north_council", "visits"),
    "north's report": report_of("north_council"),
    "shared figures": lambda ws, who: ws.figures(who),
    "unsuppressed figures": lambda ws, who: ws.figures(who, unsuppressed=True),
    "audit log": lambda ws, who: ws.audit_entries(who),
    "timeliness register": lambda ws, who: ws.submissions(who),
}

# (who, call, action it is checked as, allowed)
TABLE: list[tuple[Identity, str, Action, bool]] = [
    (NORTH, "submit for north", Action.SUBMIT_EXTRACT, True),
    (SOUTH, "submit for north", Action.SUBMIT_EXTRACT, False),
    (ANALYST, "submit for north", Action.SUBMIT_EXTRACT, False),
    (LEADER, "submit for south", Action.SUBMIT_EXTRACT, False),
    (ADMIN, "submit for south", Action.SUBMIT_EXTRACT, True),
    (NORTH, "north's history", Action.VIEW_SUBMISSION_REPORTS, True),
    (SOUTH, "north's history", Action.VIEW_SUBMISSION_REPORTS, False),
    (LEADER, "north's history", Action.VIEW_SUBMISSION_REPORTS, False),
    (ANALYST, "north's history", Action.VIEW_SUBMISSION_REPORTS, True),
    (NORTH, "north's report", Action.VIEW_SUBMISSION_REPORTS, True),
    (SOUTH, "north's report", Action.VIEW_SUBMISSION_REPORTS, False),
    (ADMIN, "north's report", Action.VIEW_SUBMISSION_REPORTS, True),
    (NORTH, "shared figures", Action.VIEW_SHARED_FIGURES, True),
    (LEADER, "shared figures", Action.VIEW_SHARED_FIGURES, True),
    (NORTH, "unsuppressed figures", Action.VIEW_UNSUPPRESSED_FIGURES, False),
    (LEADER, "unsuppressed figures", Action.VIEW_UNSUPPRESSED_FIGURES, False),
    (ANALYST, "unsuppressed figures", Action.VIEW_UNSUPPRESSED_FIGURES, True),
    (ADMIN, "unsuppressed figures", Action.VIEW_UNSUPPRESSED_FIGURES, True),
    (ADMIN, "audit log", Action.VIEW_AUDIT_LOG, True),
    (ANALYST, "audit log", Action.VIEW_AUDIT_LOG, False),
    (LEADER, "audit log", Action.VIEW_AUDIT_LOG, False),
    (NORTH, "audit log", Action.VIEW_AUDIT_LOG, False),
    (LEADER, "timeliness register", Action.VIEW_TIMELINESS, True),
]


def denied_entries(ws: Workspace) -> pl.DataFrame:
    return ws.audit_entries(ADMIN, outcome="denied")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("who", "call", "action", "allowed"),
    TABLE,
    ids=[f"{w.role}-{c}-{'allow' if ok else 'deny'}" for w, c, _, ok in TABLE],
)
def test_role_action_table_through_the_facade(
    workspace: Workspace, who: Identity, call: str, action: Action, allowed: bool
) -> None:
    register_before = workspace.warehouse.submissions()
    denied_before = denied_entries(workspace).height
    if allowed:
        CALLS[call](workspace, who)
        assert denied_entries(workspace).height == denied_before
        return
    with pytest.raises(AccessDenied) as refused:
        CALLS[call](workspace, who)
    assert refused.value.message, "a refusal says why"
    assert workspace.warehouse.submissions() == register_before, "a refusal stores nothing"
    denied = denied_entries(workspace)
    assert denied.height == denied_before + 1
    entry = denied.row(0, named=True)
    assert (entry["user_id"], entry["role"], entry["action"]) == (who.user_id, who.role, action)
    assert refused.value.message in entry["detail"]


def test_every_facade_guarded_action_is_exercised() -> None:
    guarded = {action for _, _, action, _ in TABLE}
    assert guarded >= {
        Action.SUBMIT_EXTRACT,
        Action.VIEW_SUBMISSION_REPORTS,
        Action.VIEW_SHARED_FIGURES,
        Action.VIEW_UNSUPPRESSED_FIGURES,
        Action.VIEW_AUDIT_LOG,
    }


def test_a_partner_submitting_for_another_partner_is_refused_and_nothing_is_stored(
    workspace: Workspace,
) -> None:
    before = workspace.warehouse.submissions()
    rows_before = workspace.warehouse.query("SELECT count(*) AS n FROM ds_visits")["n"][0]
    with pytest.raises(AccessDenied, match="submits for south_council, not for north_council"):
        workspace.submit(SOUTH, BROKEN, dataset="visits", partner="north_council", period="2016-01")
    assert workspace.warehouse.submissions() == before
    assert workspace.warehouse.query("SELECT count(*) AS n FROM ds_visits")["n"][0] == rows_before
    [entry] = denied_entries(workspace).to_dicts()
    assert (entry["user_id"], entry["partner"], entry["dataset"]) == (
        "sam",
        "north_council",
        "visits",
    )


def figure(frame: pl.DataFrame, area: str | None) -> dict[str, Any]:
    rows = frame.filter(
        (pl.col("period") == "2016-03")
        & (pl.col("area_code").is_null() if area is None else pl.col("area_code") == area)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


@pytest.mark.slow
def test_leadership_asking_for_unsuppressed_figures_is_refused_not_silently_suppressed(
    workspace: Workspace,
) -> None:
    with pytest.raises(AccessDenied, match="unsuppressed"):
        workspace.figures(LEADER, unsuppressed=True)
    shared = figure(workspace.figures(LEADER), "E08000001")
    assert shared["suppressed"] is True and shared["numerator"] is None
    # north's 12 visits are below the threshold of 20: shown to the analyst who asks for them
    analyst = figure(workspace.figures(ANALYST, unsuppressed=True), "E08000001")
    assert (analyst["numerator"], analyst["suppressed"]) == (12, False)
    # ... and suppressed for the analyst too when the shared view is asked for (an export)
    exported = figure(workspace.figures(ANALYST, unsuppressed=False), "E08000001")
    assert exported["suppressed"] is True and exported["numerator"] is None
    [entry] = denied_entries(workspace).to_dicts()
    assert (entry["user_id"], entry["action"]) == ("lee", Action.VIEW_UNSUPPRESSED_FIGURES)


@pytest.mark.slow
def test_every_submission_attempt_is_audited_with_what_happened(workspace: Workspace) -> None:
    def attempt(data: bytes, period: str = "2016-02") -> None:
        workspace.submit(NORTH, data, dataset="visits", partner="north_council", period=period)

    attempt(GOOD.replace(b"2016-03", b"2016-02"))
    attempt(GOOD.replace(b"2016-03", b"2016-02"))
    attempt(BROKEN.replace(b"2016-03", b"2016-02"))
    with pytest.raises(UsageError):
        attempt(GOOD, period="2999-01")
    with pytest.raises(AccessDenied):
        workspace.submit(NORTH, GOOD, dataset="visits", partner="south_council", period="2016-02")
    entries = workspace.audit.entries(action=Action.SUBMIT_EXTRACT, limit=5)
    got = [(e.outcome, e.detail.get("status"), e.partner) for e in reversed(entries)]
    assert got == [
        ("allowed", "loaded", "north_council"),
        ("allowed", "unchanged", "north_council"),
        ("allowed", "rejected", "north_council"),
        ("allowed", "refused", "north_council"),
        ("denied", None, "south_council"),
    ]
    assert entries[2].detail["period"] == "2016-02"


def test_downloads_are_recorded_and_the_log_reads_newest_first(workspace: Workspace) -> None:
    workspace.record_download(LEADER, "figures.csv", detail={"rows": 3})
    workspace.record_download(ANALYST, "rows.csv", dataset="visits")
    downloads = workspace.audit.entries(action="download")
    assert [(e.user_id, e.detail["what"]) for e in downloads] == [
        ("ada", "rows.csv"),
        ("lee", "figures.csv"),
    ]
    assert downloads[1].detail["rows"] == 3
    assert downloads[0].id > downloads[1].id
    assert downloads[0].at.tzinfo is not None
    assert workspace.audit_entries(ADMIN, limit=1).height == 1
    older = workspace.audit_entries(ADMIN, before=downloads[0].id, action="download")
    assert older["user_id"].to_list() == ["lee"]
