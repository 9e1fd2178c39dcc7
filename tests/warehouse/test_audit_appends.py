"""Audit entries appended at once (`Warehouse.append_audit`): each gets an id of its own on
either backend; on a catalog an entry does not wait for another process's writer (a sign-in is
recorded while a worker loads), and its ids come from a sequence that starts after the entries
already in the log."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
import pytest

from shared_outcomes.config.contracts import Contract
from shared_outcomes.errors import WarehouseBusy
from shared_outcomes.warehouse.audit_log import AuditFilter, AuditRow
from shared_outcomes.warehouse.lake import _AUDIT_IDS, _WRITER, _lock_key
from shared_outcomes.warehouse.store import Warehouse

AT = datetime(2017, 11, 1, 9, 0)


def entry(user: str) -> AuditRow:
    return AuditRow(AT, user, "leadership", "sign_in", None, None, "{}", "allowed")


def ids(warehouse: Warehouse) -> list[int]:
    return sorted(warehouse.audit_rows(AuditFilter(limit=10_000))["id"].to_list())


def session(warehouse: Warehouse) -> psycopg.Connection:
    catalog = warehouse.catalog
    assert catalog is not None
    return psycopg.connect(host=catalog.host, port=catalog.port, dbname=catalog.dbname,
                           user=catalog.user, autocommit=True)  # fmt: skip


def test_entries_appended_from_many_threads_at_once_each_get_their_own_id(
    warehouse: Warehouse,
) -> None:
    problems: list[BaseException] = []

    def append(n: int) -> None:
        try:
            for i in range(4):
                warehouse.append_audit(entry(f"user-{n}-{i}"))
        except BaseException as error:  # reported by the assertion below
            problems.append(error)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert problems == []
    rows = warehouse.audit_rows(AuditFilter(limit=100))
    assert rows.height == 24
    assert rows["id"].n_unique() == 24
    assert sorted(rows["user_id"].to_list()) == sorted(
        f"user-{n}-{i}" for n in range(6) for i in range(4)
    )


@pytest.mark.parametrize("backend", ["lake"], indirect=True)
def test_on_a_catalog_an_entry_is_recorded_while_another_process_has_the_writers_turn(
    new_warehouse: Callable[..., Warehouse], contract: Contract
) -> None:
    warehouse = new_warehouse({"visits": contract}, busy_timeout=0.5)
    holder = session(warehouse)  # another process's writer, in the middle of its load
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", [_lock_key(_WRITER)])
        warehouse.append_audit(entry("ann"))  # does not wait for the turn
        assert warehouse.audit_rows(AuditFilter(limit=10))["user_id"].to_list() == ["ann"]
        with pytest.raises(WarehouseBusy):  # whereas a write that needs the turn waits for it
            warehouse.add_sign_off(period="2016-03", signed_by="jo", signed_name="Jo",
                                   role="leadership", signed_at=datetime.now(UTC),
                                   newest_submission_id=None, figures_digest="d" * 64)  # fmt: skip
    finally:
        holder.close()


@pytest.mark.parametrize("backend", ["lake"], indirect=True)
def test_on_a_catalog_the_ids_follow_the_entries_made_before_the_sequence(
    new_warehouse: Callable[..., Warehouse], contract: Contract
) -> None:
    warehouse = new_warehouse({"visits": contract})
    for user in ("ann", "bo", "cy"):
        warehouse.append_audit(entry(user))
    with session(warehouse) as pg:  # a catalog from before the sequence, or restored without it
        pg.execute(f"DROP SEQUENCE {_AUDIT_IDS}")
    warehouse.append_audit(entry("dee"))  # this process knew the sequence: it makes it again
    assert ids(warehouse) == [1, 2, 3, 4]
    with session(warehouse) as pg:
        pg.execute(f"DROP SEQUENCE {_AUDIT_IDS}")
    catalog = warehouse.catalog
    assert catalog is not None
    fresh = Warehouse.open(catalog.anchor, {"visits": contract}, catalog=catalog)
    try:
        fresh.append_audit(entry("eve"))  # a process that never met it
    finally:
        fresh.close()
    assert ids(warehouse) == [1, 2, 3, 4, 5]
