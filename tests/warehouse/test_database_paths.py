"""Each database keeps its own folders, and a command that only reads never makes a database.

`partnership.duckdb` and `partnership.db` in one folder once shared `partnership_rows/`, so
opening the second deleted the first's row files.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.errors import UsageError, WarehouseError
from shared_outcomes.figures.cache import figures_folder, keep_figures
from shared_outcomes.figures.measures import clear_cache
from shared_outcomes.settings import companion_dir, load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).parents[1] / "fixtures" / "service"
GOOD = ROOT / "sample_data" / "extracts" / "north_council" / "visits_2016-03.csv"
ENV = {**os.environ, "SHARED_OUTCOMES_HOME": str(ROOT)}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared_outcomes.cli", *args],
        capture_output=True, text=True, env=ENV, check=False, timeout=120,
    )  # fmt: skip


def submit(db: Path) -> None:
    result = cli(
        "submit", str(GOOD), "--dataset", "visits", "--partner", "north_council",
        "--period", "2016-03", "--db", str(db),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_two_databases_in_one_folder_keep_their_own_rows(tmp_path: Path) -> None:
    first, second = tmp_path / "partnership.duckdb", tmp_path / "partnership.db"
    submit(first)
    rows = companion_dir(first, "rows") / "visits" / "1.parquet"
    assert rows.is_file()
    submit(second)  # another database beside it, written to
    assert rows.is_file()  # the first one's rows are untouched
    assert companion_dir(second, "rows") != companion_dir(first, "rows")
    outcomes = cli("outcomes", "--db", str(first), "--format", "json")
    assert outcomes.returncode == 0, outcomes.stderr
    history = cli(
        "history", "--partner", "north_council", "--dataset", "visits", "--db", str(first)
    )
    assert history.returncode == 0 and "visits_2016-03.csv" in history.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["history", "--partner", "north_council", "--dataset", "visits"],
        ["outcomes"],
    ],
)
def test_a_read_only_command_with_a_mistyped_db_is_an_error_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    submit(tmp_path / "partnership.duckdb")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli(*command, "--db", str(tmp_path / "partnership.db"))
    assert result.returncode == 2
    assert "No such database" in result.stderr
    assert str(tmp_path / "partnership.db") in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing created


def test_a_read_only_open_neither_migrates_nor_sweeps(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    Workspace.open(load_settings(db=db, root=ROOT)).submit(
        SYSTEM, GOOD, dataset="visits", partner="north_council", period="2016-03"
    )
    stray = companion_dir(db, "rows") / "visits" / "99.parquet"  # a load that never committed
    stray.write_bytes(b"not yet committed")
    opened = Workspace.open(load_settings(db=db, root=ROOT), create=False)
    assert len(opened.history(SYSTEM, "north_council", "visits")) == 1
    assert stray.exists()  # a reader deletes nothing
    with pytest.raises(UsageError, match="no database at"):
        Workspace.open(load_settings(db=tmp_path / "other.duckdb", root=ROOT), create=False)
    assert not (tmp_path / "other.duckdb").exists()


def test_a_folder_that_belongs_to_another_database_is_never_swept(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    Workspace.open(load_settings(db=db, root=ROOT)).submit(
        SYSTEM, GOOD, dataset="visits", partner="north_council", period="2016-03"
    )
    rows = companion_dir(db, "rows") / "visits" / "1.parquet"
    db.unlink()  # someone deletes the database file, and a new one is made at the same path
    with pytest.raises(WarehouseError, match="belongs to another database"):
        Workspace.open(load_settings(db=db, root=ROOT))
    assert rows.is_file()  # the old rows were not deleted


def test_kept_figures_are_private_and_a_killed_writers_temporaries_are_removed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    Workspace.open(load_settings(db=db, root=ROOT))
    folder = figures_folder(db)
    folder.mkdir(mode=0o700)
    debris = folder / ".tmp-abc.1234.5678"  # a process killed while writing figures
    debris.write_bytes(b"half")
    os.utime(debris, (time.time() - 600, time.time() - 600))
    keep_figures("k" * 64, pl.DataFrame({"value": [1.0]}), folder)
    clear_cache()
    assert not debris.exists()
    kept = folder / f"{'k' * 64}.parquet"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # unsuppressed figures: owner only
    assert stat.S_IMODE(db.parent.joinpath("w.duckdb.rows").stat().st_mode) == 0o700


def test_a_new_databases_folders_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "var" / "w.duckdb"
    Workspace.open(load_settings(db=db, root=ROOT)).submit(
        SYSTEM, GOOD, dataset="visits", partner="north_council", period="2016-03"
    )
    for folder in (db.parent, companion_dir(db, "rows"), companion_dir(db, "archive")):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
