"""A load is atomic: a process killed (SIGKILL) at random points leaves no partial submission.

A child process loads large submissions one after another (new versions superseding old ones)
and prints each id once its transaction has committed. The test kills it with SIGKILL at a
random moment, many times, then reopens the warehouse and checks that the register, the row
files, the views, the aggregates and the archive agree, that every committed submission is
there, and that the next load works.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from shared_outcomes.config.contracts import load_contract
from shared_outcomes.warehouse.store import NewSubmission, Warehouse

FIXTURE = Path(__file__).parents[1] / "fixtures" / "warehouse" / "visits.odcs.yaml"
KILLS = 15
ROWS = 150_000

CHILD = """
import hashlib, sys, datetime as dt
from pathlib import Path
import polars as pl
from shared_outcomes.config.contracts import load_contract
from shared_outcomes.warehouse.store import NewSubmission, Warehouse

db, fixture, rows, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
contract = load_contract(fixture)
warehouse = Warehouse.open(db, {"visits": contract}, busy_timeout=30)
base = pl.DataFrame({
    "month": ["2016-03"] * rows,
    "area_code": ["E08000001", "E08000002"] * (rows // 2),
    "channel": ["phone", "visit", "visit", "phone"] * (rows // 4),
    "visits": list(range(rows)),
    "minutes": [1.5] * rows,
    "first_visit": [dt.date(2016, 3, 2)] * rows,
    "online": [True] * rows,
})
print("ready", flush=True)
for i in range(1000):
    frame = base.with_columns(pl.col("visits") + i)
    raw = f"{seed}-{i}".encode() * 5000
    partner = f"p{i % 3}"
    result = warehouse.store(NewSubmission(
        "visits", partner=partner, period="2016-03", source=raw,
        sha256=hashlib.sha256(raw).hexdigest(), file_name=f"{seed}-{i}.csv",
        contract_version="1.0.0", rows=rows, submitted_by="crash-test",
        report_json="{}", frame=frame,
    ))
    print("committed", result.submission.submission_id, flush=True)
"""


def _run_and_kill(db: Path, seed: int, rng: random.Random) -> list[int]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(FIXTURE), str(ROWS), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "ready", (line, child.stderr.read() if child.stderr else "")
    time.sleep(rng.uniform(0.0, 1.2))
    os.kill(child.pid, signal.SIGKILL)
    out, _ = child.communicate(timeout=30)
    return [int(part.split()[1]) for part in out.splitlines() if part.startswith("committed")]


def assert_consistent(warehouse: Warehouse, committed: list[int]) -> None:
    register = warehouse.submissions()
    kept = {s.submission_id: s for s in register if s.status in ("accepted", "superseded")}
    assert set(committed) <= set(kept), "a committed submission is missing"
    rows = dict(warehouse.query("SELECT submission_id, count(*) FROM ds_visits GROUP BY 1").rows())
    assert rows == {sid: s.rows for sid, s in kept.items()}
    agg = dict(
        warehouse.query("SELECT submission_id, sum(n_rows) FROM agg_visits GROUP BY 1").rows()
    )
    assert agg == rows
    current = warehouse.query(
        "SELECT partner_id, count(*) AS n FROM submissions WHERE status = 'accepted' GROUP BY 1"
    )
    assert current["n"].to_list() == [1] * current.height  # one current version per key
    files = warehouse.query("SELECT path FROM row_files")["path"].to_list()
    root = warehouse.row_files.root
    on_disk = sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != ".owner"
    )
    assert on_disk == sorted(files)  # no stray or half-written file
    for s in kept.values():
        assert warehouse.archived_file(s.sha256 or "").is_file()


@pytest.mark.slow
def test_kill_minus_nine_at_random_points_leaves_no_partial_submission(tmp_path: Path):
    contract = load_contract(FIXTURE)
    db = tmp_path / "crash.duckdb"
    rng = random.Random(20160301)
    committed: list[int] = []
    for kill in range(KILLS):
        committed += _run_and_kill(db, kill, rng)
        print(f"kill {kill + 1}: {len(committed)} committed so far")
        warehouse = Warehouse.open(db, {"visits": contract})
        assert_consistent(warehouse, committed)
    assert committed, "no load committed before the kills: make the child faster or kill later"
    frame = pl.DataFrame(
        {"month": ["2016-03"], "area_code": ["E08000001"], "channel": ["phone"], "visits": [1],
         "minutes": [None], "first_visit": [None], "online": [None]},
        schema_overrides={"minutes": pl.Float64, "first_visit": pl.Date, "online": pl.Boolean},
    )  # fmt: skip
    after = warehouse.store(NewSubmission(
        "visits", partner="after", period="2016-03", source=b"after the kills",
        sha256="0" * 64, file_name="after.csv", contract_version="1.0.0", rows=1,
        submitted_by="crash-test", report_json="{}", frame=frame,
    ))  # fmt: skip
    assert after.status == "loaded"
    assert_consistent(warehouse, [*committed, after.submission.submission_id])
