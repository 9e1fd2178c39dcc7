"""The drop folder reads only its own settled files, and two runs at once never trip each other.

Links and special files are refused without being read; a file name must match as a whole; a file
still being written (real writer process) is not loaded until it has stopped changing; a file that
changes while it is loaded is never filed as loaded; two ingest processes on one folder load every
file exactly once; a file named `rejected` in the way is a clear message while the other files are
still processed; a killed run's temporary files are cleaned up by the next run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.jobs.drop_folder import drop_files, ingest_folder
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).parents[1] / "fixtures" / "service"
GOOD = ROOT / "sample_data" / "extracts" / "north_council" / "visits_2016-03.csv"
HEADER = GOOD.read_bytes().splitlines(keepends=True)[0]
ENV = {**os.environ, "SHARED_OUTCOMES_HOME": str(ROOT)}


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.open(load_settings(db=tmp_path / "w.duckdb", root=ROOT))


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    (folder / "north_council").mkdir(parents=True)
    return folder


def visits(month: str, rows: int | None = None) -> bytes:
    """North Council's visits for `month` (the first `rows` data rows of the fixture's file)."""
    lines = GOOD.read_bytes().replace(b"2016-03", month.encode()).splitlines(keepends=True)
    return b"".join(lines if rows is None else lines[: rows + 1])


def cli(*args: str, db: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "shared_outcomes.cli", *args, "--db", str(db)]
    return subprocess.run(
        command, capture_output=True, text=True, env=ENV, check=False, timeout=timeout
    )


def loaded_rows(workspace: Workspace) -> dict[str, int]:
    return {
        s.period: s.rows
        for s in workspace.warehouse.submissions(status="accepted")
        if s.partner_id == "north_council"
    }


def report_of(path: Path) -> dict[str, object]:
    return dict(json.loads(path.with_name(path.name + ".report.json").read_text()))


# -- nothing outside the drop folder is read ---------------------------------------------------


def test_symlinks_are_refused_without_reading_their_targets(
    workspace: Workspace, drop: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "visits_2016-04.csv").write_bytes(visits("2016-04"))
    secret = outside / "secret.txt"
    secret.write_text("the-secret-first-line,x\nmore\n")
    (drop / "north_council" / "visits_2016-04.csv").symlink_to(outside / "visits_2016-04.csv")
    (drop / "north_council" / "visits_2016-05.csv").symlink_to(secret)
    (drop / "south_council").symlink_to(outside, target_is_directory=True)  # a linked folder

    outcomes = ingest_folder(workspace, SYSTEM, drop, settle=0)

    assert sorted(o.status for o in outcomes) == ["refused"] * 3
    assert workspace.warehouse.submissions() == []  # nothing loaded, nothing registered
    rejected = drop / "rejected"
    for name in ("north_council/visits_2016-04.csv", "north_council/visits_2016-05.csv"):
        kept = rejected / name
        assert kept.is_symlink()  # the link itself was moved, its target untouched
        [finding] = report_of(kept)["findings"]  # type: ignore[misc]
        assert "symbolic link" in finding["message"]
    assert (rejected / "south_council").is_symlink()
    everything = "".join(p.read_text() for p in rejected.rglob("*.report.json"))
    assert "the-secret-first-line" not in everything
    archive = workspace.warehouse.archive.root
    assert not archive.exists() or not any(p.is_file() for p in archive.rglob("*"))
    assert secret.read_text().startswith("the-secret-first-line")  # the target is untouched
    assert (outside / "visits_2016-04.csv").is_file()


def test_a_pipe_in_the_drop_folder_is_refused_not_read(workspace: Workspace, drop: Path) -> None:
    pipe = drop / "north_council" / "visits_2016-04.csv"
    os.mkfifo(pipe)  # reading it would block the run forever
    [outcome] = ingest_folder(workspace, SYSTEM, drop, settle=0)
    assert outcome.status == "refused"
    assert "not a regular file" in outcome.message


@pytest.mark.parametrize(
    "name", ["visits_2016-04.csv\n", "visits_2016-04.csv\nx", "visits_2016-04.csv.bak"]
)
def test_a_file_name_must_match_the_pattern_as_a_whole(
    workspace: Workspace, drop: Path, name: str
) -> None:
    (drop / "north_council" / name).write_bytes(visits("2016-04"))
    [outcome] = ingest_folder(workspace, SYSTEM, drop, settle=0)
    assert outcome.status == "refused"
    assert workspace.warehouse.submissions() == []


# -- a file is taken only once it has stopped changing ----------------------------------------

WRITER = """
import sys, time
from pathlib import Path
path, first, rest, go = Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4])
with path.open("wb") as out:
    out.write(Path(first).read_bytes())
    out.flush()
    while not go.exists():
        time.sleep(0.05)
    out.write(Path(rest).read_bytes())
"""


@pytest.mark.slow
def test_a_file_still_being_written_by_another_process_is_not_loaded_half(tmp_path: Path) -> None:
    # The sample partnership's Bolton extract, written in two goes by another process that
    # keeps the file open in between (as a slow export or a copy over the network does).
    project = Path(__file__).parents[2]
    good = (
        project / "sample_data" / "extracts" / "bolton_council" / "homelessness_cases_2016-03.csv"
    )
    lines = good.read_bytes().splitlines(keepends=True)
    (tmp_path / "first").write_bytes(b"".join(lines[:90]))
    (tmp_path / "rest").write_bytes(b"".join(lines[90:]))
    target = tmp_path / "drop" / "bolton_council" / good.name
    target.parent.mkdir(parents=True)
    go = tmp_path / "go"
    db = tmp_path / "w.duckdb"
    env = {**os.environ, "SHARED_OUTCOMES_HOME": str(project)}
    ingest = [sys.executable, "-m", "shared_outcomes.cli", "ingest", str(tmp_path / "drop"),
              "--settle", "1", "--db", str(db)]  # fmt: skip
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target), str(tmp_path / "first"),
         str(tmp_path / "rest"), str(go)],
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (target.exists() and target.stat().st_size == len(b"".join(lines[:90]))):
            assert time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.02)
        time.sleep(1.2)  # longer than the settle interval: only the open writer holds it back
        during = subprocess.run(ingest, capture_output=True, text=True, env=env, timeout=120)
        assert during.returncode == 0, during.stdout + during.stderr
        assert "open for writing" in during.stdout
        assert target.is_file()  # left where the writer is still writing it
        assert not (tmp_path / "drop" / "processed").exists()
    finally:
        go.touch()
        writer.wait(timeout=30)
    assert target.read_bytes() == good.read_bytes()
    time.sleep(1.1)
    after = subprocess.run(ingest, capture_output=True, text=True, env=env, timeout=120)
    assert after.returncode == 0, after.stdout + after.stderr
    processed = tmp_path / "drop" / "processed" / "bolton_council" / good.name
    assert processed.read_bytes() == good.read_bytes()
    assert report_of(processed)["rows"] == len(lines) - 1  # every row, not the 89 of the first go


@pytest.mark.slow
def test_a_one_off_run_waits_for_a_file_written_just_before_it(
    workspace: Workspace, drop: Path
) -> None:
    path = drop / "north_council" / "visits_2016-04.csv"
    path.write_bytes(visits("2016-04"))
    started = time.monotonic()
    [outcome] = ingest_folder(workspace, SYSTEM, drop, settle=0.5)
    assert time.monotonic() - started >= 0.4  # it waited for the file to settle
    assert outcome.status == "loaded"


def test_a_file_that_changes_while_it_is_loaded_is_not_filed_as_loaded(
    workspace: Workspace, drop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop / "north_council" / "visits_2016-04.csv"
    path.write_bytes(visits("2016-04", 1))
    os.utime(path, (time.time() - 10, time.time() - 10))
    submit = workspace.submit

    def submit_while_the_writer_appends(*args: object, **kwargs: object) -> object:
        result = submit(*args, **kwargs)  # type: ignore[arg-type]
        path.write_bytes(visits("2016-04"))  # the writer carries on meanwhile
        return result

    monkeypatch.setattr(workspace, "submit", submit_while_the_writer_appends)
    [outcome] = ingest_folder(workspace, SYSTEM, drop, settle=0)
    assert outcome.status == "waiting"
    assert path.is_file() and not (drop / "processed").exists()
    monkeypatch.undo()
    os.utime(path, (time.time() - 10, time.time() - 10))
    [again] = ingest_folder(workspace, SYSTEM, drop, settle=0)
    assert again.status == "loaded"  # the completed file supersedes the partial one
    assert loaded_rows(workspace) == {"2016-04": len(visits("2016-04").splitlines()) - 1}


def test_files_being_written_under_a_temporary_name_are_ignored(drop: Path) -> None:
    for name in ("visits_2016-04.csv.part", ".visits_2016-04.csv", "visits_2016-04.csv.tmp"):
        (drop / "north_council" / name).write_bytes(b"partial")
    assert drop_files(drop) == []


# -- several runs, clashes and leftovers -------------------------------------------------------


@pytest.mark.slow
def test_two_ingest_processes_at_once_load_every_file_exactly_once(
    drop: Path, tmp_path: Path
) -> None:
    months = [f"{year}-{month:02d}" for year in (2015, 2016) for month in range(1, 13)]
    for month in months:
        path = drop / "north_council" / f"visits_{month}.csv"
        path.write_bytes(visits(month))
        os.utime(path, (time.time() - 10, time.time() - 10))
    db = tmp_path / "w.duckdb"
    Workspace.open(load_settings(db=db, root=ROOT))  # made once, so both runs start alike
    command = [sys.executable, "-m", "shared_outcomes.cli", "ingest", str(drop), "--db", str(db)]
    runs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
        )
        for _ in range(2)
    ]
    results = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, out + err
        assert "Traceback" not in err and "Unexpected error" not in err
    processed = sorted(p.name for p in (drop / "processed" / "north_council").glob("*.csv"))
    assert processed == sorted(f"visits_{m}.csv" for m in months)  # each filed once, no .2
    assert drop_files(drop) == []
    ws = Workspace.open(load_settings(db=db, root=ROOT))
    register = ws.warehouse.submissions()
    assert sorted(s.period for s in register) == months  # each loaded exactly once
    for path in (drop / "processed" / "north_council").glob("*.csv"):
        assert report_of(path)["status"] in ("loaded", "unchanged")


def test_a_file_named_rejected_is_a_clear_message_and_good_files_still_load(
    workspace: Workspace, drop: Path
) -> None:
    (drop / "rejected").write_text("someone's notes")
    good = drop / "north_council" / "visits_2016-03.csv"
    shutil.copy2(GOOD, good)
    bad = drop / "north_council" / "visits_2016-04.csv"
    bad.write_bytes(HEADER + b"2016-04,E08000001,phone,lots,1.5,2016-04-02,true\n")
    os.utime(bad, (time.time() - 10, time.time() - 10))
    outcomes = {o.source.name: o for o in ingest_folder(workspace, SYSTEM, drop, settle=0)}
    assert outcomes["visits_2016-03.csv"].status == "loaded"
    assert (drop / "processed" / "north_council" / "visits_2016-03.csv").is_file()
    stuck = outcomes["visits_2016-04.csv"]
    assert stuck.status == "error" and stuck.failed
    assert "is in the way" in stuck.message and "Rename or move 'rejected'" in stuck.message
    assert bad.is_file()  # left where it was
    assert (drop / "rejected").read_text() == "someone's notes"


@pytest.mark.slow
def test_the_cli_names_the_clash_and_exits_1_without_a_traceback(
    drop: Path, tmp_path: Path
) -> None:
    (drop / "rejected").write_text("in the way")
    (drop / "north_council" / "notes.txt").write_text("not an extract")
    os.utime(drop / "north_council" / "notes.txt", (time.time() - 10, time.time() - 10))
    result = cli("ingest", str(drop), db=tmp_path / "w.duckdb")
    assert result.returncode == 1
    assert "is in the way" in result.stdout
    assert "Traceback" not in result.stderr and "Unexpected error" not in result.stderr


def test_a_killed_runs_temporary_reports_are_removed_by_the_next_run(
    workspace: Workspace, drop: Path
) -> None:
    debris = drop / "processed" / "north_council" / ".tmp-abc123"
    debris.parent.mkdir(parents=True)
    debris.write_text("{half a report")
    os.utime(debris, (time.time() - 3600, time.time() - 3600))
    fresh = drop / "rejected" / ".tmp-being-written"
    fresh.parent.mkdir(parents=True)
    fresh.write_text("{")  # another run may be writing this one right now: kept
    ingest_folder(workspace, SYSTEM, drop, settle=0)
    assert not debris.exists()
    assert fresh.exists()
