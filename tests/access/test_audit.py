"""The audit log: entries written and read back, filters bound as values, old databases migrated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from shared_outcomes.access.audit import AuditLog
from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.warehouse.schema import SCHEMA_VERSION
from shared_outcomes.warehouse.store import Warehouse

AMIRA = Identity("amira", "Amira Khan", Role.PARTNER_SUBMITTER, partner_id="bolton")


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(Warehouse.open(tmp_path / "a.duckdb", {}))


def test_an_entry_keeps_who_what_when_and_the_decision(log: AuditLog) -> None:
    moment = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    log.record(AMIRA, "download", partner="bolton", detail={"what": "figures.csv"}, at=moment)
    [entry] = log.entries()
    assert (entry.user_id, entry.role, entry.action, entry.partner, entry.outcome) == (
        "amira",
        "partner_submitter",
        "download",
        "bolton",
        "allowed",
    )
    assert entry.at == moment
    assert entry.detail == {"what": "figures.csv"}


def test_a_failed_sign_in_without_an_identity_names_who_tried(log: AuditLog) -> None:
    log.record(None, "sign_in", outcome="denied", user_id="mallory")
    [entry] = log.entries()
    assert (entry.user_id, entry.role, entry.outcome) == ("mallory", None, "denied")


def test_filters_are_values_not_sql(log: AuditLog) -> None:
    log.record(AMIRA, "download")
    log.record(None, "sign_in", outcome="denied", user_id="x' OR '1'='1")
    assert log.entries(user_id="x' OR '1'='1")[0].action == "sign_in"
    assert log.entries(user_id="' OR 1=1 --") == []
    assert [e.action for e in log.entries(outcome="allowed")] == ["download"]
    later = datetime.now(UTC) + timedelta(hours=1)
    assert log.entries(since=later) == []
    assert log.frame(limit=0).height == 1  # at least one entry is always returned when asked


def test_a_version_one_database_gains_the_audit_log_once(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    Warehouse.open(db, {})
    with duckdb.connect(str(db)) as con:  # make it look like a database from before the log
        con.execute("DROP TABLE audit_log")
        con.execute("DROP SEQUENCE audit_ids")
        con.execute("DELETE FROM schema_version WHERE version > 1")
    warehouse = Warehouse.open(db, {})
    AuditLog(warehouse).record(AMIRA, "download")
    Warehouse.open(db, {})  # opening again changes nothing
    versions = warehouse.query("SELECT version FROM schema_version ORDER BY version")
    assert versions["version"].to_list() == list(range(1, SCHEMA_VERSION + 1))
    assert len(AuditLog(warehouse).entries()) == 1
