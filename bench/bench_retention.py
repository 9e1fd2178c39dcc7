"""Benchmark: `retention --apply` over the sample partnership.

Run as `.venv/bin/python bench/bench_retention.py DB RUNS TODAY` (`bench/run.py --only retention`
builds the sample database and runs it). Each run erases what is past retention on TODAY in a
fresh copy of the database (an erasure cannot be undone, so every run starts from the same
state; the copy is not timed), through `jobs.retention.apply_retention`: one transaction per
submission, its tombstone, audit entry and view rebuild, then its files. It prints one JSON
line: the seconds of each run and how many submissions were erased. Target: 0.5 s a submission
at most, so a nightly run over a year of a large partnership's expired returns takes minutes.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS_EACH = 0.5


def copy(db: Path, folder: Path) -> Path:
    """A private copy of the database with the folders beside it (archive, row files)."""
    target = folder / db.name
    shutil.copy2(db, target)
    for extra in db.parent.glob(db.name + ".*"):
        if extra.is_dir() and extra.name.rsplit(".", 1)[-1] in ("archive", "rows"):
            shutil.copytree(extra, folder / extra.name)
    return target


def main() -> None:
    from shared_outcomes.access.roles import SYSTEM
    from shared_outcomes.jobs.retention import apply_retention
    from shared_outcomes.settings import load_settings
    from shared_outcomes.workspace import Workspace

    db, runs, today = Path(sys.argv[1]), int(sys.argv[2]), date.fromisoformat(sys.argv[3])
    seconds, erased = [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            ws = Workspace.open(load_settings(db=copy(db, Path(folder)), root=ROOT))
            start = time.perf_counter()
            done = apply_retention(ws, SYSTEM, today=today)
            seconds.append(time.perf_counter() - start)
            erased = len(done.erased)
    print(json.dumps({"seconds": seconds, "erased": erased}))


if __name__ == "__main__":
    main()
