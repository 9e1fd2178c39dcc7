"""`retention --apply` killed (SIGKILL) at random moments leaves nothing half-deleted: every
submission is either whole (register row, row file, aggregates, raw file) or erased with its
tombstone and audit entry (no rows, no aggregates, no row file, no raw file), never deleted
without its tombstone; the next run carries on and erases the rest, each once.

The child is the real command over a copy of the sample partnership, as an administrator runs it
from cron; the kills land at random points of its run (before, during and between erasures).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import ROOT, copy_database

from shared_outcomes.jobs.retention import retention_plan
from shared_outcomes.settings import companion_dir, load_settings
from shared_outcomes.workspace import ERASE_SUBMISSION, Workspace

pytestmark = pytest.mark.slow

#: Past retention on this day: the digital inclusion returns (60 months) and the first months
#: of the workforce returns (84 months), 118 submissions of the sample.
TODAY = "2022-06-01"
KILLS = 6


def _command(db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "shared_outcomes.cli", "retention", "--db", str(db),
            "--as", "demo-admin", "--today", TODAY, *extra]  # fmt: skip


def _env(folder: Path) -> dict[str, str]:
    return os.environ | {
        "SHARED_OUTCOMES_HOME": str(ROOT),
        "SHARED_OUTCOMES_USERS": str(folder / "no-users.yaml"),  # demo mode
    }


def _run_and_kill(db: Path, rng: random.Random) -> None:
    child = subprocess.Popen(
        _command(db, "--apply"), env=_env(db.parent), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # From its first erasure on (a row file removed after its commit), not from its start: a
    # busy machine can take seconds to start the process and its imports.
    rows = companion_dir(db, "rows")
    before = len(list(rows.glob("*/*.parquet")))
    deadline = time.monotonic() + 120
    while len(list(rows.glob("*/*.parquet"))) == before and child.poll() is None:
        assert time.monotonic() < deadline, "the retention run erased nothing in two minutes"
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 1.5))
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)


def _open(db: Path) -> Workspace:
    """The database opened for writing, as the next command would (crash debris swept)."""
    return Workspace.open(load_settings(db=db, root=ROOT))


def assert_whole_or_erased(ws: Workspace) -> int:
    """Every submission is whole or erased with its tombstone; return how many are erased."""
    wh = ws.warehouse
    register = wh.submissions()
    erased = {s.submission_id for s in register if s.status == "erased"}
    records = {e.submission_id for e in wh.erasures()}
    assert records == erased, "an erasure without its tombstone record, or the reverse"
    audited = wh.query("SELECT count(*) AS n FROM audit_log WHERE action = ?", [ERASE_SUBMISSION])[
        "n"
    ][0]
    assert audited == len(erased), "an erasure without its audit entry"
    files = dict(wh.query("SELECT submission_id, path FROM row_files").rows())
    kept_hashes = {s.sha256 for s in register if s.status != "erased"}
    for s in register:
        layout = wh.layouts[s.dataset]
        aggregated = wh.query(
            f'SELECT coalesce(sum(n_rows), 0) AS n FROM "agg_{layout.dataset}" '
            "WHERE submission_id = ?",
            [s.submission_id],
        )["n"][0]
        row_file = wh.row_files.absolute(f"{s.dataset}/{s.submission_id}.parquet")
        if s.submission_id in erased:
            assert s.submission_id not in files and aggregated == 0 and not row_file.exists()
            assert wh.report_json(s.submission_id) is None and s.file_name is None
            if s.sha256 not in kept_hashes:
                assert not wh.archived_file(s.sha256 or "").exists()
        elif s.status in ("accepted", "superseded") and not s.is_nil:
            assert files.get(s.submission_id) == f"{s.dataset}/{s.submission_id}.parquet"
            assert row_file.is_file() and aggregated == s.rows
            assert wh.archived_file(s.sha256 or "").is_file()
    for dataset in wh.layouts:  # the views name only files that exist
        wh.query(f'SELECT count(*) FROM "ds_{dataset}"')
    return len(erased)


def test_retention_killed_at_random_moments_leaves_each_submission_whole_or_erased(
    demo_db: Path, tmp_path: Path
) -> None:
    db = copy_database(demo_db, tmp_path)
    from datetime import date

    from shared_outcomes.access.roles import SYSTEM

    due = len(retention_plan(_open(db), SYSTEM, today=date.fromisoformat(TODAY)).expired)
    assert due == 118
    rng = random.Random(20220601)
    counts = []
    for _ in range(KILLS):
        _run_and_kill(db, rng)
        counts.append(assert_whole_or_erased(_open(db)))
        if counts[-1] == due:
            break
    assert counts == sorted(counts), counts
    assert any(0 < n < due for n in counts), f"no kill landed part-way: {counts}"
    finished = subprocess.run(
        _command(db, "--apply"), env=_env(tmp_path), capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    left = due - counts[-1]
    said = " ".join(finished.stdout.split())
    assert f"Erased {left} submission{'' if left == 1 else 's'} under retention" in said
    ws = _open(db)
    assert assert_whole_or_erased(ws) == due
    assert retention_plan(ws, SYSTEM, today=date.fromisoformat(TODAY)).expired == []
