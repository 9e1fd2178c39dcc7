"""A DuckLake catalog's faults in use: PostgreSQL going down under a watching ingest worker, a
wrong password, a data folder that cannot be written. Each is a message saying what to do,
nothing is half-stored, and the work carries on once the fault is mended."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres import Server
from support import mounted_tmpfs
from test_warehouse import visits_frame

from shared_outcomes.config.contracts import Contract
from shared_outcomes.errors import StorageError, WarehouseError
from shared_outcomes.settings import Catalog, load_settings
from shared_outcomes.warehouse.store import NewSubmission, Warehouse
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
EXTRACTS = ROOT / "sample_data" / "extracts" / "bolton_council"


@pytest.fixture
def own_server() -> Iterator[Server]:
    """A server of this test's own, to take down and bring back."""
    server = Server.start()
    try:
        yield server
    finally:
        server.stop()


def _wait_for(what: str, check: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.slow
def test_a_watching_worker_outlives_postgresql_going_down_and_loads_once_it_is_back(
    own_server: Server, tmp_path: Path
) -> None:
    catalog = own_server.catalog(tmp_path / "shared")
    drop, log = tmp_path / "drop", tmp_path / "worker.log"
    (drop / "bolton_council").mkdir(parents=True)
    env = {
        **os.environ, "SHARED_OUTCOMES_HOME": str(ROOT),
        "SHARED_OUTCOMES_USERS": str(tmp_path / "no-users.yaml"),
        "SHARED_OUTCOMES_CATALOG": own_server.url(catalog.dbname),
        "SHARED_OUTCOMES_DATA": str(catalog.data_dir), "SHARED_OUTCOMES_BUSY_TIMEOUT": "5",
    }  # fmt: skip
    first, second = sorted(EXTRACTS.glob("homelessness_cases_*.csv"))[:2]
    processed = drop / "processed" / "bolton_council"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "shared_outcomes.cli", "ingest", str(drop), "--watch",
             "--settle", "0"],
            env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        shutil.copyfile(first, drop / "bolton_council" / first.name)
        _wait_for("the first file", lambda: (processed / first.name).is_file())

        shutil.copyfile(second, drop / "bolton_council" / second.name)
        time.sleep(random.uniform(0.0, 0.6))  # before or during its load
        own_server.go_down()
        _wait_for("the worker to notice", lambda: "Trying again" in log.read_text())
        assert worker.poll() is None, log.read_text()  # still watching
        said = log.read_text()
        assert "Catalog unavailable" in said or "busy" in said, said
        assert "Traceback" not in said
        time.sleep(1)
        assert (drop / "bolton_council" / second.name).is_file() or (
            processed / second.name
        ).is_file()  # left to load again, or loaded before the server went

        own_server.come_back()
        _wait_for("the second file", lambda: (processed / second.name).is_file(), timeout=180)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    assert "Traceback" not in log.read_text()
    workspace = Workspace.open(load_settings(root=ROOT, catalog=catalog), create=False)
    try:
        stored = workspace.warehouse.submissions()
    finally:
        workspace.warehouse.close()
    assert sorted(s.file_name or "" for s in stored) == [first.name, second.name]  # each once


def test_a_wrong_password_is_refused_without_showing_it(
    postgres_server: Server, tmp_path: Path, contract: Contract
) -> None:
    dbname = postgres_server.add_password_user("so_partnership", "right-pw-9")
    host = f"{postgres_server.host}:{postgres_server.port}"
    wrong = Catalog.parse(f"postgresql://so_partnership:wrong-pw-1@{host}/{dbname}", tmp_path)
    with pytest.raises(WarehouseError) as refused:
        Warehouse.open(wrong.anchor, {"visits": contract}, catalog=wrong)
    assert refused.value.title == "Catalog refused the password"
    assert "so_partnership" in refused.value.message and "PGPASSWORD" in refused.value.message
    assert "wrong-pw-1" not in refused.value.message
    right = Catalog.parse(f"postgresql://so_partnership:right-pw-9@{host}/{dbname}", tmp_path)
    opened = Warehouse.open(right.anchor, {"visits": contract}, catalog=right)
    try:
        assert opened.submissions() == []
    finally:
        opened.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system of its own, to remount read-only."""
    with mounted_tmpfs(tmp_path, "64m") as mount_point:
        yield mount_point


def test_a_data_folder_that_cannot_be_written_stores_nothing_and_says_so(
    postgres_server: Server, small_disk: Path, contract: Contract
) -> None:
    catalog = postgres_server.catalog(small_disk / "shared")
    warehouse = Warehouse.open(catalog.anchor, {"visits": contract}, catalog=catalog)

    def submission(period: str) -> NewSubmission:
        raw = f"visits of {period}".encode()
        return NewSubmission(
            "visits", partner="p1", period=period, source=raw,
            sha256=hashlib.sha256(raw).hexdigest(), file_name=f"visits_{period}.csv",
            contract_version="1.0.0", rows=3, submitted_by="tester", report_json="{}",
            frame=visits_frame(month=period),
        )  # fmt: skip

    try:
        warehouse.store(submission("2016-03"))
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
        with pytest.raises(StorageError) as refused:
            warehouse.store(submission("2016-04"))
        assert "read-only" in refused.value.message
        assert [s.period for s in warehouse.submissions()] == ["2016-03"]  # nothing half-stored
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
        warehouse.store(submission("2016-04"))
        assert sorted(s.period for s in warehouse.submissions()) == ["2016-03", "2016-04"]
    finally:
        warehouse.close()
