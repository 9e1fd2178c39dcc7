"""Two processes at once: a CLI-like writer in a child, a Streamlit-like server with threads here.

DuckDB lets one process write a file at a time. The warehouse opens short connections, retries
lock conflicts within a bounded wait and serialises its own threads; so both processes finish
every load and every read without a lock error, and no reader ever sees half a submission.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from shared_outcomes.config.contracts import Contract
from shared_outcomes.errors import WarehouseBusy
from shared_outcomes.warehouse.store import NewSubmission, Warehouse

FIXTURE = Path(__file__).parents[1] / "fixtures" / "warehouse" / "visits.odcs.yaml"
LOADS = 12

WRITER = """
import hashlib, sys, datetime as dt
from pathlib import Path
import polars as pl
from shared_outcomes.config.contracts import load_contract
from shared_outcomes.warehouse.store import NewSubmission, Warehouse

db, fixture, loads = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
warehouse = Warehouse.open(db, {"visits": load_contract(fixture)}, busy_timeout=60)
for i in range(loads):
    rows = 20_000 + i
    frame = pl.DataFrame({
        "month": ["2016-03"] * rows, "area_code": ["E08000001"] * rows,
        "channel": ["phone"] * rows, "visits": [i] * rows, "minutes": [1.0] * rows,
        "first_visit": [dt.date(2016, 3, 1)] * rows, "online": [False] * rows,
    })
    raw = f"child {i}".encode()
    warehouse.store(NewSubmission(
        "visits", partner="cli_partner", period=f"2016-{1 + i % 4:02d}", source=raw,
        sha256=hashlib.sha256(raw).hexdigest(), file_name=f"{i}.csv", contract_version="1.0.0",
        rows=rows, submitted_by="cli", report_json="{}", frame=frame,
    ))
    print("committed", i, flush=True)
"""


def frame_of(rows: int, value: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "month": ["2016-03"] * rows,
            "area_code": ["E08000002"] * rows,
            "channel": ["visit"] * rows,
            "visits": [value] * rows,
            "minutes": [2.0] * rows,
            "first_visit": [date(2016, 3, 2)] * rows,
            "online": [True] * rows,
        }
    )


def check_whole_submissions(warehouse: Warehouse) -> None:
    """In one read: every current submission shows exactly its registered number of rows."""
    with warehouse.reading() as con:
        registered = dict(
            con.execute(
                "SELECT submission_id, rows FROM submissions WHERE status = 'accepted'"
            ).fetchall()
        )
        visible = dict(
            con.execute("SELECT submission_id, count(*) FROM current_visits GROUP BY 1").fetchall()
        )
        aggregated = dict(
            con.execute(
                "SELECT submission_id, sum(n_rows) FROM current_agg_visits GROUP BY 1"
            ).fetchall()
        )
    assert visible == registered
    assert aggregated == registered


@pytest.mark.slow
def test_a_writer_process_and_a_threaded_server_work_at_the_same_time(
    tmp_path: Path, contract: Contract
):
    db = tmp_path / "shared.duckdb"
    server = Warehouse.open(db, {"visits": contract}, busy_timeout=60)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(FIXTURE), str(LOADS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    errors: list[BaseException] = []
    reads = [0]
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            try:
                check_whole_submissions(server)
                reads[0] += 1
            except BaseException as error:  # collected and reported by the test
                errors.append(error)
                return

    def uploader() -> None:
        try:
            for i in range(LOADS):
                raw = f"server {i}".encode()
                server.store(NewSubmission(
                    "visits", partner="web_partner", period=f"2016-{1 + i % 4:02d}",
                    source=raw, sha256=hashlib.sha256(raw).hexdigest(), file_name=f"{i}.csv",
                    contract_version="1.0.0", rows=5_000, submitted_by="web",
                    report_json="{}", frame=frame_of(5_000, i),
                ))  # fmt: skip
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    writer = threading.Thread(target=uploader)
    assert child.stdout is not None
    first = child.stdout.readline()  # the child is writing: start the server's work now
    for thread in [*threads, writer]:
        thread.start()
    rest, err = child.communicate(timeout=240)
    out = first + rest
    writer.join(timeout=240)
    done.set()
    for thread in threads:
        thread.join(timeout=60)
    assert child.returncode == 0, err
    assert out.count("committed") == LOADS
    assert errors == []
    assert reads[0] > 0
    check_whole_submissions(server)
    register = server.submissions()
    assert len(register) == 2 * LOADS
    assert {s.partner_id for s in register if s.status == "accepted"} == {
        "cli_partner",
        "web_partner",
    }
    assert sum(s.status == "accepted" for s in register) == 2 * 4  # one per partner and month


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    return holder


@pytest.mark.slow
def test_a_writer_gives_up_after_the_bounded_wait_with_a_clear_message(
    tmp_path: Path, contract: Contract
):
    db = tmp_path / "busy.duckdb"
    Warehouse.open(db, {"visits": contract})
    holder = hold_lock(db, 5)
    try:
        impatient = Warehouse(
            db, {}, archive_dir=tmp_path / "archive", busy_timeout=0.5
        )  # no open: it would wait too
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="in use by another program"):
            impatient.history("p1", "visits")
        assert time.monotonic() - started < 4
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_a_writer_waits_for_the_lock_and_then_succeeds(tmp_path: Path, contract: Contract):
    db = tmp_path / "wait.duckdb"
    Warehouse.open(db, {"visits": contract})
    holder = hold_lock(db, 1.5)
    try:
        patient = Warehouse.open(db, {"visits": contract}, busy_timeout=30)
        raw = b"after waiting"
        result = patient.store(NewSubmission(
            "visits", partner="p1", period="2016-03", source=raw,
            sha256=hashlib.sha256(raw).hexdigest(), file_name="x.csv", contract_version="1.0.0",
            rows=3, submitted_by="t", report_json="{}", frame=frame_of(3, 1),
        ))  # fmt: skip
        assert result.status == "loaded"
    finally:
        holder.wait(timeout=30)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM submissions").fetchone() == (1,)


def test_threads_of_one_process_also_wait_a_bounded_time(tmp_path: Path, contract: Contract):
    db = tmp_path / "threads.duckdb"
    holder = Warehouse.open(db, {"visits": contract})
    impatient = Warehouse(db.resolve(), {}, archive_dir=tmp_path / "a", busy_timeout=0.3)
    busy, release = threading.Event(), threading.Event()

    def long_build() -> None:
        with holder.bulk():
            busy.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=long_build)
    thread.start()
    try:
        assert busy.wait(timeout=30)
        with pytest.raises(WarehouseBusy, match="busy with other work in this program"):
            impatient.history("p1", "visits")
    finally:
        release.set()
        thread.join(timeout=30)
    assert impatient.history("p1", "visits") == []
