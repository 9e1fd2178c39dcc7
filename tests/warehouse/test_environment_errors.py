"""A full disk or a read-only disk is an environment error that says what to do.

Never "Unexpected error ... This is a bug", never a traceback, and nothing half-stored. The full
disk is real: a 3 MB tmpfs mounted for the test (the test suite runs as root in CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import mounted_tmpfs

from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

PROJECT = Path(__file__).parents[2]
ROOT = Path(__file__).parents[1] / "fixtures" / "service"
ENV = {**os.environ, "SHARED_OUTCOMES_HOME": str(PROJECT)}
BIG = PROJECT / "sample_data" / "extracts" / "bolton_council" / "homelessness_cases_2016-03.csv"


def cli(*args: str, env: dict[str, str] = ENV) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared_outcomes.cli", *args],
        capture_output=True, text=True, env=env, check=False, timeout=180,
    )  # fmt: skip


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 3 MB file system, so writes end with 'No space left on device'."""
    with mounted_tmpfs(tmp_path, "3m") as mount_point:
        yield mount_point


@pytest.mark.slow
def test_a_full_disk_during_the_demo_build_is_an_environment_error(small_disk: Path) -> None:
    result = cli("demo", "--db", str(small_disk / "demo.duckdb"))
    assert result.returncode == 2
    assert "The disk is full" in result.stderr
    assert "Free some space" in result.stderr
    assert "Unexpected error" not in result.stderr and "bug" not in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.slow
def test_a_full_disk_during_a_submission_stores_nothing_half(small_disk: Path) -> None:
    db = small_disk / "w.duckdb"
    Workspace.open(load_settings(db=db, root=PROJECT))  # the empty database fits
    filler = small_disk / "filler"
    with filler.open("wb") as out:  # fill the disk to the last few kilobytes
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    result = cli(
        "submit", str(BIG), "--dataset", "homelessness_cases", "--partner", "bolton_council",
        "--period", "2016-03", "--db", str(db),
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "disk is full" in result.stderr.lower()
    assert "Unexpected error" not in result.stderr and "Traceback" not in result.stderr
    filler.unlink()
    workspace = Workspace.open(load_settings(db=db, root=PROJECT))
    assert workspace.warehouse.submissions(status="accepted") == []  # nothing half-stored
    again = cli(
        "submit", str(BIG), "--dataset", "homelessness_cases", "--partner", "bolton_council",
        "--period", "2016-03", "--db", str(db),
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr  # once there is room, it loads


@pytest.mark.slow
def test_a_read_only_disk_is_an_environment_error(small_disk: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = cli(
        "submit", str(BIG), "--dataset", "homelessness_cases", "--partner", "bolton_council",
        "--period", "2016-03", "--db", str(small_disk / "var" / "w.duckdb"),
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "mounted read-only" in result.stderr
    assert "Unexpected error" not in result.stderr and "Traceback" not in result.stderr
