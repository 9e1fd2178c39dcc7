"""The facade: submit (loaded, unchanged, superseding, rejected), refusals, history, demo, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from shared_outcomes.access.roles import SYSTEM, Identity, Role
from shared_outcomes.errors import AccessDenied, UsageError
from shared_outcomes.jobs.demo import build_demo, sample_files
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).parent / "fixtures" / "service"
HEADER = b"month,area_code,channel,visits,minutes,first_visit,online\n"
GOOD = HEADER + b"2016-03,E08000001,phone,5,1.5,2016-03-02,true\n2016-03,E08000001,visit,7,,,no\n"
CORRECTED = GOOD.replace(b"phone,5,", b"phone,6,")
BROKEN = HEADER + b"2016-03,E08000001,phone,five,1.5,2016-03-02,true\n"

NORTH = Identity("ann", "Ann North", Role.PARTNER_SUBMITTER, partner_id="north_council")
SOUTH = Identity("sam", "Sam South", Role.PARTNER_SUBMITTER, partner_id="south_council")
ANALYST = Identity("ada", "Ada Analyst", Role.ANALYST)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.open(load_settings(db=tmp_path / "w.duckdb", root=ROOT))


def submit(workspace: Workspace, data: bytes, **options: str):  # type: ignore[no-untyped-def]
    args = {"dataset": "visits", "partner": "north_council", "period": "2016-03"} | options
    return workspace.submit(NORTH, data, file_name="visits_2016-03.csv", **args)


def test_an_accepted_extract_is_loaded_and_reported_with_its_submission(workspace: Workspace):
    result = submit(workspace, GOOD)
    assert result.status == "loaded"
    data = result.as_dict()
    assert data["accepted"] is True
    assert (data["dataset"], data["partner"], data["period"]) == (
        "visits",
        "north_council",
        "2016-03",
    )
    assert data["rows"] == 2
    assert data["submission_id"] == result.submission_id
    assert data["supersedes"] is None
    assert data["status"] == "loaded"
    [version] = workspace.history(NORTH, "north_council", "visits")
    assert (version.submission_id, version.submitted_by) == (result.submission_id, "ann")
    assert workspace.warehouse.archived_file(version.sha256 or "").read_bytes() == GOOD
    rows = workspace.warehouse.query("SELECT sum(visits) AS v FROM current_visits")
    assert rows["v"][0] == 12


def test_the_same_file_again_is_unchanged_and_a_correction_supersedes(workspace: Workspace):
    first = submit(workspace, GOOD)
    again = submit(workspace, GOOD)
    assert again.status == "unchanged"
    assert again.submission_id == first.submission_id
    assert again.report.accepted
    corrected = submit(workspace, CORRECTED)
    assert corrected.status == "loaded"
    assert corrected.supersedes == first.submission_id
    statuses = [v.status for v in workspace.history(NORTH, "north_council", "visits")]
    assert statuses == ["accepted", "superseded"]


def test_a_rejected_extract_is_recorded_with_its_report(workspace: Workspace):
    result = submit(workspace, BROKEN)
    assert result.status == "rejected"
    assert result.as_dict()["status"] == "rejected"
    assert "not-an-integer" in {f.code for f in result.report.findings}
    [version] = workspace.history(NORTH, "north_council", "visits")
    assert version.status == "rejected"
    stored = json.loads(workspace.warehouse.report_json(version.submission_id) or "{}")
    assert stored["findings"][0]["code"] == "not-an-integer"
    assert workspace.warehouse.archived_file(version.sha256 or "").read_bytes() == BROKEN


def test_rows_for_another_partners_area_are_rejected_and_not_loaded(workspace: Workspace):
    # South Council covers E08000002 only: North's rows in its file would count twice.
    south_file = GOOD + b"2016-03,E08000002,phone,4,1.0,2016-03-03,true\n"
    result = workspace.submit(
        SOUTH, south_file, dataset="visits", partner="south_council", period="2016-03"
    )
    assert result.status == "rejected"
    [finding] = result.report.errors
    assert (finding.code, finding.column, finding.rows) == ("area-not-covered", "area_code", [2, 3])
    assert "submits for South only" in (finding.fix or "")  # the area by its name, not a code
    assert workspace.warehouse.query("SELECT count(*) AS n FROM current_visits")["n"][0] == 0
    # Checked for North Council (E08000001 only), only the South row is named.
    checked = workspace.validate(south_file, dataset="visits", partner="north_council")
    assert [(f.code, f.rows) for f in checked.report.errors] == [("area-not-covered", [4])]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("who", "options", "error", "words"),
    [
        (SOUTH, {}, AccessDenied, "not for north_council"),
        (NORTH, {"dataset": "calls"}, UsageError, "does not submit calls"),
        (NORTH, {"period": "2016-13"}, UsageError, "not a month"),
        (NORTH, {"period": "March"}, UsageError, "not a month"),
        (NORTH, {"period": "2999-01"}, UsageError, "in the future"),
        (NORTH, {"dataset": "nothing"}, UsageError, "no dataset 'nothing'"),
        (SYSTEM, {"partner": "west_council"}, UsageError, "no partner 'west_council'"),
    ],
)
def test_refusals_say_why_and_record_nothing(
    workspace: Workspace,
    who: Identity,
    options: dict[str, str],
    error: type[Exception],
    words: str,
):
    args = {"dataset": "visits", "partner": "north_council", "period": "2016-03"} | options
    with pytest.raises(error, match=words):
        workspace.submit(who, GOOD, **args)
    assert workspace.warehouse.submissions() == []


def test_this_month_may_be_submitted_but_not_next_month(workspace: Workspace):
    workspace._today = lambda: date(2016, 3, 15)
    assert submit(workspace, GOOD).status == "loaded"
    with pytest.raises(UsageError, match="future"):
        submit(workspace, GOOD, period="2016-04")


def test_history_is_for_the_partner_itself_and_the_analysts(workspace: Workspace):
    submit(workspace, GOOD)
    assert len(workspace.history(ANALYST, "north_council", "visits")) == 1
    with pytest.raises(AccessDenied):
        workspace.history(SOUTH, "north_council", "visits")


def test_a_submission_report_is_shown_to_whom_it_concerns(workspace: Workspace):
    result = submit(workspace, BROKEN)
    assert result.submission_id is not None
    report = workspace.submission_report(NORTH, result.submission_id)
    assert report == result.report
    assert workspace.submission_report(ANALYST, result.submission_id) == result.report
    with pytest.raises(AccessDenied):
        workspace.submission_report(SOUTH, result.submission_id)
    assert workspace.submission_report(ANALYST, 999) is None


@pytest.mark.slow
def test_the_demo_is_a_fresh_database_with_every_sample_file(tmp_path: Path):
    settings = load_settings(db=tmp_path / "demo.duckdb", root=ROOT)
    seen: list[tuple[int, int]] = []
    build_demo(settings, progress=lambda done, total, _label: seen.append((done, total)))
    files = sample_files(ROOT / "sample_data")
    rebuilt = build_demo(settings)
    register = rebuilt.warehouse.submissions()
    assert len(register) == len(files)
    restated = [s for s in register if s.supersedes is not None]
    assert len(restated) == sum(1 for _, again in files if again)
    assert seen[-1] == (len(files), len(files))
    # dated near each deadline, a restatement after the version it replaces
    first = {s.submission_id: s for s in register}
    for s in restated:
        assert s.submitted_at > first[s.supersedes or 0].submitted_at


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHARED_OUTCOMES_HOME": str(ROOT), "SHARED_OUTCOMES_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "shared_outcomes.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.slow
def test_cli_submit_json_exit_codes_and_history(tmp_path: Path):
    db = tmp_path / "cli.duckdb"
    good, broken = tmp_path / "good.csv", tmp_path / "broken.csv"
    good.write_bytes(GOOD)
    broken.write_bytes(BROKEN)
    base = ("--dataset", "visits", "--partner", "north_council", "--period", "2016-03")
    loaded = run_cli("submit", str(good), *base, "--json", db=db)
    assert loaded.returncode == 0, loaded.stderr
    first = json.loads(loaded.stdout)
    assert (first["status"], first["supersedes"]) == ("loaded", None)
    again = run_cli("submit", str(good), *base, "--json", db=db)
    assert json.loads(again.stdout)["status"] == "unchanged"
    assert again.returncode == 0
    rejected = run_cli("submit", str(broken), *base, "--json", db=db)
    assert rejected.returncode == 1
    assert json.loads(rejected.stdout)["status"] == "rejected"
    refused = run_cli("submit", str(good), *base[:2], "--partner", "east_trust", *base[4:], db=db)
    assert refused.returncode == 2
    assert "does not submit visits" in refused.stderr
    assert "Traceback" not in refused.stderr
    shown = run_cli("history", "--partner", "north_council", "--dataset", "visits", db=db)
    assert shown.returncode == 0, shown.stderr
    assert "rejected" in shown.stdout and "accepted" in shown.stdout


@pytest.mark.slow
def test_cli_demo_builds_the_database_at_db(tmp_path: Path):
    db = tmp_path / "elsewhere" / "demo.duckdb"
    result = run_cli("demo", "--db", str(db), db=tmp_path / "not-this.duckdb")
    assert result.returncode == 0, result.stderr
    assert db.is_file()
    assert not (tmp_path / "not-this.duckdb").exists()
    files = sample_files(ROOT / "sample_data")
    assert f"{len(files)} submissions" in result.stdout
