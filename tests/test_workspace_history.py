"""The facade's submission history: a partner's versions newest first by time, warning counts,
and the raw file as it was archived, each with its access check (refusals audited)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared_outcomes.access.roles import Action, Identity, Role
from shared_outcomes.errors import AccessDenied, UsageError, WarehouseError
from shared_outcomes.settings import companion_dir, load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).parent / "fixtures" / "service"
HEADER = b"month,area_code,channel,visits,minutes,first_visit,online\n"
GOOD = HEADER + b"2016-03,E08000001,phone,5,1.5,2016-03-02,true\n2016-03,E08000001,visit,7,,,no\n"
CORRECTED = GOOD.replace(b"phone,5,", b"phone,6,")
BROKEN = HEADER + b"2016-03,E08000001,phone,five,1.5,2016-03-02,true\n"
# An extra column is a warning: accepted, with a warning.
WARNED = (
    b"month,area_code,channel,visits,minutes,first_visit,online,note\n"
    b"2016-04,E08000001,phone,5,1.5,2016-04-02,true,x\n"
)
SOUTH_FILE = HEADER.replace(b"E08000001", b"E08000002") + b"2016-03,E08000002,phone,4,,,\n"

NORTH = Identity("ann", "Ann North", Role.PARTNER_SUBMITTER, partner_id="north_council")
SOUTH = Identity("sam", "Sam South", Role.PARTNER_SUBMITTER, partner_id="south_council")
ANALYST = Identity("ada", "Ada Analyst", Role.ANALYST, row_level_datasets=frozenset({"calls"}))
COVERED = Identity("cy", "Cy Analyst", Role.ANALYST, row_level_datasets=frozenset({"visits"}))
ADMIN = Identity("root", "Root Admin", Role.ADMIN)
LEADER = Identity("lee", "Lee Leader", Role.LEADERSHIP)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """North's versions (superseded, accepted, rejected, with a warning) and one of South's,
    submitted once for the module."""
    db = tmp_path_factory.mktemp("history") / "w.duckdb"
    ws = Workspace.open(load_settings(db=db, root=ROOT))

    def send(who: Identity, data: bytes, partner: str, period: str, day: int) -> None:
        ws.submit(
            who, data, dataset="visits", partner=partner, period=period,
            file_name=f"visits_{period}.csv", submitted_at=datetime(2016, 5, day, tzinfo=UTC),
        )  # fmt: skip

    # Sent out of id order: the correction (#2) is sent on 20 May, the April file (#4) on 9 May.
    send(NORTH, GOOD, "north_council", "2016-03", 1)  # 1, superseded by 2
    send(NORTH, CORRECTED, "north_council", "2016-03", 20)  # 2
    send(NORTH, BROKEN, "north_council", "2016-03", 3)  # 3, rejected
    send(NORTH, WARNED, "north_council", "2016-04", 9)  # 4, accepted with a warning
    send(SOUTH, SOUTH_FILE, "south_council", "2016-03", 25)  # 5, another partner's
    return db


@pytest.fixture
def workspace(built: Path, tmp_path: Path) -> Workspace:
    """A private copy of the module's database (with its archive), opened afresh."""
    db = tmp_path / built.name
    shutil.copy2(built, db)
    for kind in ("archive", "rows"):
        folder = companion_dir(built, kind)
        if folder.is_dir():
            shutil.copytree(folder, companion_dir(db, kind))
    return Workspace.open(load_settings(db=db, root=ROOT))


def _denied(ws: Workspace, user_id: str, action: Action) -> list[object]:
    entries = ws.audit.entries(user_id=user_id, outcome="denied")
    return [e for e in entries if e.action == action]


def test_a_partner_lists_its_own_versions_newest_first_by_time(workspace: Workspace) -> None:
    versions = workspace.partner_submissions(NORTH, "north_council")
    assert [v.submission_id for v in versions] == [2, 4, 3, 1]
    assert {v.status for v in versions} == {"accepted", "superseded", "rejected"}
    assert [v.submission_id for v in workspace.partner_submissions(ADMIN, "south_council")] == [5]
    only = workspace.partner_submissions(ANALYST, "north_council", dataset="visits")
    assert [v.submission_id for v in only] == [2, 4, 3, 1]


def test_another_partners_history_is_refused_and_audited(workspace: Workspace) -> None:
    with pytest.raises(AccessDenied, match="only north_council's"):
        workspace.partner_submissions(NORTH, "south_council")
    with pytest.raises(AccessDenied, match="Leadership"):
        workspace.partner_submissions(LEADER, "north_council")
    assert _denied(workspace, "ann", Action.VIEW_SUBMISSION_HISTORY)
    assert _denied(workspace, "lee", Action.VIEW_SUBMISSION_HISTORY)


def test_an_unknown_partner_or_dataset_is_a_usage_error(workspace: Workspace) -> None:
    with pytest.raises(UsageError, match="no partner 'nowhere'"):
        workspace.partner_submissions(ADMIN, "nowhere")
    with pytest.raises(UsageError, match="no dataset 'nope'"):
        workspace.partner_submissions(ADMIN, "north_council", dataset="nope")


def test_warning_counts_of_the_accepted_versions_match_their_reports(
    workspace: Workspace,
) -> None:
    versions = workspace.partner_submissions(NORTH, "north_council")
    counts = workspace.warning_counts(NORTH, versions)
    assert counts == {2: 0, 4: 1}
    for sid, count in counts.items():  # the one query agrees with each stored report
        report = workspace.submission_report(NORTH, sid)
        assert report is not None and len(report.warnings) == count
    south = workspace.partner_submissions(ADMIN, "south_council")
    with pytest.raises(AccessDenied):
        workspace.warning_counts(NORTH, south)


def test_the_raw_file_is_the_archived_bytes_for_those_who_may_have_it(
    workspace: Workspace,
) -> None:
    for who in (NORTH, ADMIN, COVERED):
        found, path = workspace.submitted_file(who, 3)
        assert (found.submission_id, found.status) == (3, "rejected")
        assert path.read_bytes() == BROKEN  # a rejected file is kept too, byte for byte
    assert workspace.submitted_file(NORTH, 1)[1].read_bytes() == GOOD  # and a superseded one


@pytest.mark.parametrize(
    ("who", "why"),
    [
        (SOUTH, "may download only south_council's submitted files"),
        (ANALYST, "data-sharing agreement does not cover row-level data of visits"),
        (LEADER, "cannot see row-level data"),
    ],
)
def test_the_raw_file_is_refused_to_anyone_else_and_audited(
    workspace: Workspace, who: Identity, why: str
) -> None:
    with pytest.raises(AccessDenied, match=why):
        workspace.submitted_file(who, 1)
    (denied,) = _denied(workspace, who.user_id, Action.DOWNLOAD_SUBMITTED_FILE)
    assert denied.detail["submission_id"] == 1  # type: ignore[attr-defined]


def test_a_missing_submission_or_archived_file_says_so(workspace: Workspace) -> None:
    with pytest.raises(UsageError, match="no submission #99"):
        workspace.submitted_file(ADMIN, 99)
    _, path = workspace.submitted_file(ADMIN, 4)
    path.unlink()
    with pytest.raises(WarehouseError, match="not in the archive"):
        workspace.submitted_file(ADMIN, 4)
