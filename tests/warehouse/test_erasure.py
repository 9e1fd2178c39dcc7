"""`Warehouse.erase`: one transaction per submission that either completes or leaves no trace,
the tombstone kept, a raw file another submission still has kept, and the files a crash after
the commit left behind removed by the next writing open."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import polars as pl
import pytest

from shared_outcomes.config.contracts import Contract
from shared_outcomes.errors import UsageError
from shared_outcomes.warehouse.audit_log import AuditRow
from shared_outcomes.warehouse.erasure import Erasure
from shared_outcomes.warehouse.store import NewSubmission, Submission, Warehouse


def visits_frame() -> pl.DataFrame:
    """Three checked rows of the fixture contract."""
    return pl.DataFrame(
        {
            "month": ["2016-03"] * 3,
            "area_code": ["E08000001", "E08000001", "E08000002"],
            "channel": ["phone", "visit", "phone"],
            "visits": [5, 7, 3],
            "minutes": [1.5, None, 2.0],
            "first_visit": [date(2016, 3, 2), None, None],
            "online": [True, False, None],
        }
    )


def _store(wh: Warehouse, raw: bytes, partner: str) -> Submission:
    return wh.store(
        NewSubmission(
            "visits", partner=partner, period="2016-03", source=raw,
            sha256=hashlib.sha256(raw).hexdigest(), file_name=f"{partner}.csv",
            contract_version="1.0.0", rows=3, submitted_by="ann", report_json='{"x": 1}',
            frame=visits_frame(),
        )
    ).submission  # fmt: skip


def _erasure(sid: int) -> Erasure:
    return Erasure(sid, datetime.now(UTC), "admin", "retention", "agreement x keeps visits")


def _agg(wh: Warehouse, sid: int) -> int:
    return int(wh.query("SELECT count(*) FROM agg_visits WHERE submission_id = ?", [sid]).item())


def test_a_raw_file_another_submission_still_has_is_kept(warehouse: Warehouse) -> None:
    same = b"month,area_code\n2016-03,E08000001\n"
    one, two = _store(warehouse, same, "p1"), _store(warehouse, same, "p2")
    archived = warehouse.archived_file(one.sha256 or "")
    tomb = warehouse.erase(_erasure(one.submission_id))
    assert tomb.status == "erased" and archived.is_file()  # p2 sent the same bytes
    assert _agg(warehouse, one.submission_id) == 0 and _agg(warehouse, two.submission_id) > 0
    assert warehouse.query("SELECT count(*) FROM current_visits").item() == 3  # p2's rows
    warehouse.erase(_erasure(two.submission_id))
    assert not archived.exists()
    assert warehouse.query("SELECT count(*) FROM ds_visits").item() == 0
    with pytest.raises(UsageError, match="already erased"):
        warehouse.erase(_erasure(two.submission_id))
    with pytest.raises(UsageError, match="no submission #404"):
        warehouse.erase(_erasure(404))


def test_a_failure_inside_the_transaction_leaves_no_trace(warehouse: Warehouse) -> None:
    sub = _store(warehouse, b"the file", "p1")
    row_file = warehouse.row_files.absolute(f"visits/{sub.submission_id}.parquet")

    def broken(_: Submission) -> AuditRow:
        raise RuntimeError("the disk went away")

    with pytest.raises(RuntimeError):
        warehouse.erase(_erasure(sub.submission_id), audit=broken)
    assert warehouse.submission(sub.submission_id) == sub
    assert warehouse.report_json(sub.submission_id) == '{"x": 1}'
    assert warehouse.erasures() == [] and _agg(warehouse, sub.submission_id) > 0
    assert row_file.is_file() and warehouse.archived_file(sub.sha256 or "").is_file()


def test_files_a_crash_after_the_commit_left_are_removed_by_the_next_open(
    warehouse: Warehouse, contract: Contract
) -> None:
    sub = _store(warehouse, b"the file", "p1")
    row_file = warehouse.row_files.absolute(f"visits/{sub.submission_id}.parquet")
    archived = warehouse.archived_file(sub.sha256 or "")
    kept = {path: path.read_bytes() for path in (row_file, archived)}
    warehouse.erase(_erasure(sub.submission_id))
    for path, content in kept.items():  # as if the process died before removing them
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    Warehouse.open(
        warehouse.db_path, {"visits": contract}, create=False, catalog=warehouse.catalog
    )  # a reader deletes nothing
    assert row_file.exists() and archived.exists()
    Warehouse.open(warehouse.db_path, {"visits": contract}, catalog=warehouse.catalog)
    assert not row_file.exists() and not archived.exists()
