"""The drop folder: every file submitted, moved to processed/ or rejected/ with its JSON report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.jobs.drop_folder import drop_files, ingest_folder, watch_folder
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).parents[1] / "fixtures" / "service"
EXTRACTS = ROOT / "sample_data" / "extracts"
BROKEN = b"month,area_code,channel,visits\n2016-05,E08000001,phone,lots\n"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.open(load_settings(db=tmp_path / "w.duckdb", root=ROOT))


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    shutil.copytree(EXTRACTS, folder)
    (folder / "north_council" / "visits_2016-05.csv").write_bytes(BROKEN)
    (folder / "north_council" / "notes.txt").write_text("not an extract")
    (folder / "east_trust").mkdir()
    shutil.copy(EXTRACTS / "south_council" / "visits_2016-03.csv", folder / "east_trust")
    return folder


def report_beside(path: Path) -> dict[str, object]:
    return dict(json.loads(path.with_name(path.name + ".report.json").read_text()))


@pytest.mark.slow
def test_each_file_is_loaded_or_rejected_and_moved_with_its_report(
    workspace: Workspace, drop: Path
):
    waiting = drop_files(drop)
    seen: list[tuple[int, int, str]] = []
    outcomes = ingest_folder(workspace, SYSTEM, drop, progress=lambda *step: seen.append(step))
    assert len(outcomes) == len(waiting) == 6
    assert seen[-1][:2] == (6, 6)
    by_name = {f"{o.source.parent.name}/{o.source.name}": o for o in outcomes}
    assert {k: o.status for k, o in by_name.items()} == {
        "north_council/visits_2016-03.csv": "loaded",
        "north_council/visits_2016-04.csv": "loaded",
        "south_council/visits_2016-03.csv": "loaded",
        "north_council/visits_2016-05.csv": "rejected",
        "north_council/notes.txt": "refused",
        "east_trust/visits_2016-03.csv": "refused",
    }
    assert drop_files(drop) == []  # nothing left waiting
    loaded = drop / "processed" / "north_council" / "visits_2016-03.csv"
    assert loaded.read_bytes() == (EXTRACTS / "north_council" / "visits_2016-03.csv").read_bytes()
    report = report_beside(loaded)
    assert (report["status"], report["accepted"]) == ("loaded", True)
    assert report["submission_id"] == by_name["north_council/visits_2016-03.csv"].submission_id
    rejected = report_beside(drop / "rejected" / "north_council" / "visits_2016-05.csv")
    assert rejected["status"] == "rejected"
    assert isinstance(rejected["submission_id"], int)  # recorded in the register
    refused = report_beside(drop / "rejected" / "east_trust" / "visits_2016-03.csv")
    [finding] = refused["findings"]  # type: ignore[misc]
    assert finding["code"] == "submission-refused"
    assert "does not submit visits" in finding["message"]
    misnamed = report_beside(drop / "rejected" / "north_council" / "notes.txt")
    assert "<dataset>_<YYYY-MM>.csv" in misnamed["findings"][0]["message"]  # type: ignore[index]


@pytest.mark.slow
def test_a_rerun_after_a_crash_between_load_and_move_is_safe(workspace: Workspace, drop: Path):
    # the crash: the file was loaded, but the process died before moving it
    path = drop / "north_council" / "visits_2016-03.csv"
    first = workspace.submit(
        SYSTEM, path, dataset="visits", partner="north_council", period="2016-03"
    )
    outcomes = ingest_folder(workspace, SYSTEM, drop)
    [again] = [o for o in outcomes if o.source == path]
    assert (again.status, again.submission_id) == ("unchanged", first.submission_id)
    march = [
        v for v in workspace.warehouse.history("north_council", "visits") if v.period == "2016-03"
    ]
    assert len(march) == 1  # loaded once
    assert (drop / "processed" / "north_council" / "visits_2016-03.csv").is_file()


@pytest.mark.slow
def test_a_corrected_file_with_the_same_name_keeps_the_first_beside_it(
    workspace: Workspace, drop: Path
):
    ingest_folder(workspace, SYSTEM, drop)
    original = EXTRACTS / "north_council" / "visits_2016-03.csv"
    corrected = original.read_bytes().replace(b"phone,5,", b"phone,50,")
    (drop / "north_council" / "visits_2016-03.csv").write_bytes(corrected)
    [outcome] = ingest_folder(workspace, SYSTEM, drop)
    assert outcome.status == "loaded"
    kept = drop / "processed" / "north_council"
    assert (kept / "visits_2016-03.csv").read_bytes() == original.read_bytes()
    assert (kept / "visits_2016-03.2.csv").read_bytes() == corrected
    assert report_beside(kept / "visits_2016-03.2.csv")["supersedes"] is not None


@pytest.mark.slow
def test_watching_ingests_files_once_they_have_settled(workspace: Workspace, drop: Path):
    rounds = iter([True, False])
    seen: list[str] = []
    watch_folder(
        workspace,
        SYSTEM,
        drop,
        on_outcome=lambda outcome: seen.append(outcome.status),
        interval=0,
        settle=0,
        keep_going=lambda: next(rounds),
    )
    assert sorted(seen) == sorted(["loaded"] * 3 + ["rejected"] + ["refused"] * 2)


@pytest.mark.slow
def test_cli_ingest_exit_code_and_summary(tmp_path: Path, drop: Path):
    env = {**os.environ, "SHARED_OUTCOMES_HOME": str(ROOT)}
    command = [sys.executable, "-m", "shared_outcomes.cli", "ingest", str(drop)]
    db = ["--db", str(tmp_path / "cli.duckdb")]
    first = subprocess.run([*command, *db], capture_output=True, text=True, env=env, check=False)
    assert first.returncode == 1, first.stderr  # some files were rejected
    assert "3 of 6 files loaded or unchanged" in first.stdout
    assert "Traceback" not in first.stderr
    again = subprocess.run([*command, *db], capture_output=True, text=True, env=env, check=False)
    assert again.returncode == 0
    assert "0 of 0 files" in again.stdout
