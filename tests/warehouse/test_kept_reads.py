"""Reads a catalog keeps while nothing changes them (`warehouse.lake.KeptReads`): what another
process writes is seen at the next read on either backend; on a catalog a read is made again
only once a snapshot has changed one of its tables, and nothing read inside a writing unit is
kept."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest

from shared_outcomes.config.contracts import Contract
from shared_outcomes.warehouse import commentary
from shared_outcomes.warehouse.erasure import Erasure
from shared_outcomes.warehouse.lake import LakeConnections
from shared_outcomes.warehouse.store import NewSubmission, Warehouse

VISITS = Path(__file__).parents[1] / "fixtures" / "warehouse" / "visits.odcs.yaml"
T0 = datetime(2017, 11, 1, 9, 0, tzinfo=UTC)

#: Another process writing to the same warehouse, one command per line of its input.
WRITER = """
import hashlib, sys
from datetime import UTC, date, datetime
from pathlib import Path
import polars as pl
import psycopg
from shared_outcomes.config.contracts import load_contract
from shared_outcomes.settings import Catalog
from shared_outcomes.warehouse.erasure import Erasure
from shared_outcomes.warehouse.store import NewSubmission, Warehouse

where, data, contract = sys.argv[1], sys.argv[2], load_contract(Path(sys.argv[3]))
if where.startswith("postgresql://"):
    catalog = Catalog.parse(where, data)
    wh = Warehouse.open(catalog.anchor, {"visits": contract}, catalog=catalog)
else:
    wh = Warehouse.open(Path(where), {"visits": contract})
now = datetime(2017, 11, 1, 9, 0, tzinfo=UTC)
print("ready", flush=True)
for line in sys.stdin:
    command, *rest = line.split()
    if command == "sign_off":
        wh.add_sign_off(period="2016-03", signed_by="jo", signed_name="Jo", role="leadership",
                        signed_at=now, newest_submission_id=None, figures_digest="d" * 64)
        print("signed", flush=True)
    elif command == "comment":
        made = wh.add_comment(outcome="o", area_code=None, period="2016-03", submission_id=None,
                              author_id="jo", author_name="Jo", author_role="analyst",
                              text="first", at=now)
        print(made.comment_id, flush=True)
    elif command == "edit":
        wh.comment_event(int(rest[0]), "edited", "second", None, "jo", "Jo", now)
        print("edited", flush=True)
    elif command == "store":
        raw = ("visits " + rest[0]).encode()
        frame = pl.DataFrame({"month": ["2016-03"], "area_code": ["E08000001"],
                              "channel": ["phone"], "visits": [4], "minutes": [1.0],
                              "first_visit": [date(2016, 3, 2)], "online": [True]})
        stored = wh.store(NewSubmission(
            "visits", partner="p1", period="2016-03", source=raw,
            sha256=hashlib.sha256(raw).hexdigest(), file_name="v.csv", contract_version="1.0.0",
            rows=1, submitted_by="ann", report_json="{}", frame=frame))
        print(stored.submission.submission_id, flush=True)
    elif command == "erase":
        wh.erase(Erasure(int(rest[0]), now, "admin", "retention", "kept two years"))
        print("erased", flush=True)
"""


class Writer:
    """The writing process: `send` a command, get its answer line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def send(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if not answer:
            self.process.kill()
            raise AssertionError(f"the writer stopped: {self.process.communicate()[1]}")
        return answer


@pytest.fixture
def reader(new_warehouse: Callable[..., Warehouse], contract: Contract) -> Warehouse:
    return new_warehouse({"visits": contract})


@pytest.fixture
def writer(reader: Warehouse) -> Iterator[Writer]:
    catalog = reader.catalog
    if catalog is None:
        where, data = str(reader.db_path), ""
    else:
        where = f"postgresql://{catalog.user}@{catalog.host}:{catalog.port}/{catalog.dbname}"
        data = str(catalog.data_dir)
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, where, data, str(VISITS)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    found = Writer(process)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise AssertionError(f"the writer did not start: {process.communicate()[1]}")
    yield found
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=60)


def erased_ids(warehouse: Warehouse) -> list[int]:
    with warehouse.measure_queries() as queries:
        return queries.erased_ids()


def test_what_another_process_writes_is_seen_at_the_next_read(
    reader: Warehouse, writer: Writer
) -> None:
    assert reader.sign_offs("2016-03") == [] and reader.comments() == []
    empty = reader.register_stamp()
    assert erased_ids(reader) == []

    writer.send("sign_off")
    [signed] = reader.sign_offs("2016-03")
    assert (signed.period, signed.signed_by) == ("2016-03", "jo")
    assert reader.sign_offs("2016-04") == []

    comment_id = writer.send("comment")
    [comment] = reader.comments(period="2016-03")
    assert (comment.comment_id, comment.text) == (int(comment_id), "first")
    writer.send(f"edit {comment_id}")  # only comment_events changes
    [edited] = reader.comments(period="2016-03")
    assert edited.text == "second" and edited.edited

    submission_id = int(writer.send("store 1"))
    loaded = reader.register_stamp()
    assert loaded == (submission_id, 1) != empty
    assert reader.sign_offs("2016-03") == [signed]  # kept or read, the same answer

    writer.send(f"erase {submission_id}")
    assert reader.register_stamp() == (submission_id, 2)
    assert erased_ids(reader) == [submission_id]


def _lake(warehouse: Warehouse) -> LakeConnections:
    store = warehouse._store
    assert isinstance(store, LakeConnections)
    return store


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Every sign-off read the warehouse makes (the SQL run), by month."""
    made: list[str | None] = []
    real = commentary.select_sign_offs

    def counting(con: Any, period: str | None) -> list[commentary.SignOffRecord]:
        made.append(period)
        return real(con, period)

    monkeypatch.setattr(commentary, "select_sign_offs", counting)
    return made


def _store(warehouse: Warehouse, name: str) -> int:
    raw = name.encode()
    frame = pl.DataFrame({
        "month": ["2016-03"], "area_code": ["E08000001"], "channel": ["phone"], "visits": [4],
        "minutes": [1.0], "first_visit": [date(2016, 3, 2)], "online": [True],
    })  # fmt: skip
    stored = warehouse.store(NewSubmission(
        "visits", partner="p1", period="2016-03", source=raw,
        sha256=hashlib.sha256(raw).hexdigest(), file_name="v.csv", contract_version="1.0.0",
        rows=1, submitted_by="ann", report_json="{}", frame=frame,
    ))  # fmt: skip
    return stored.submission.submission_id


def _sign(warehouse: Warehouse) -> commentary.SignOffRecord:
    return warehouse.add_sign_off(
        period="2016-03", signed_by="jo", signed_name="Jo", role="leadership", signed_at=T0,
        newest_submission_id=None, figures_digest="d" * 64,
    )  # fmt: skip


@pytest.mark.parametrize("backend", ["lake"], indirect=True)
def test_on_a_catalog_a_read_is_made_again_only_once_its_tables_changed(
    reader: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _counted(monkeypatch)
    assert reader.sign_offs("2016-03") == reader.sign_offs("2016-03") == []
    assert made == ["2016-03"]  # the second came from what was kept

    submission_id = _store(reader, "a")  # submissions, rows, aggregates and views: no sign-off
    assert reader.register_stamp() == (submission_id, 1)
    assert reader.sign_offs("2016-03") == []
    assert made == ["2016-03"]

    signed = _sign(reader)
    assert reader.sign_offs("2016-03") == [signed]
    assert made == ["2016-03", "2016-03"]

    with _lake(reader).connect(write=True) as con:  # a table made: any table may have changed
        con.execute("CREATE TABLE scratch (x INTEGER)")
    assert reader.sign_offs("2016-03") == [signed]
    assert made == ["2016-03"] * 3


@pytest.mark.parametrize("backend", ["lake"], indirect=True)
def test_nothing_read_inside_a_writing_unit_is_kept(
    reader: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _counted(monkeypatch)
    assert reader.sign_offs("2016-03") == []
    with _lake(reader).hold() as con:
        con.begin()
        uncommitted = _sign(reader)
        assert reader.sign_offs("2016-03") == [uncommitted]  # its own change, not committed
        con.rollback()
    # Read afresh inside, kept from before outside: the rolled-back sign-off was never kept.
    assert reader.sign_offs("2016-03") == []
    assert made == ["2016-03"] * 2


@pytest.mark.parametrize("backend", ["lake"], indirect=True)
def test_a_snapshot_the_catalog_no_longer_has_counts_as_any_change(reader: Warehouse) -> None:
    lake = _lake(reader)
    latest, _ = lake.changed_tables(None)
    assert lake.changed_tables(latest) == (latest, frozenset())
    _sign(reader)
    newer, changed = lake.changed_tables(latest)
    assert newer[0] > latest[0] and changed == frozenset({"sign_offs"})
    # The same id with another time: the catalog was replaced (restored from a backup, say).
    assert lake.changed_tables((newer[0], newer[1] + 1)) == (newer, None)
    assert lake.changed_tables((newer[0] + 1, newer[1])) == (newer, None)


def test_an_erasure_is_seen_by_the_figures_reads_of_the_same_process(reader: Warehouse) -> None:
    assert erased_ids(reader) == []
    first = _store(reader, "a")
    reader.erase(Erasure(first, T0, "admin", "retention", "kept two years"))
    assert erased_ids(reader) == [first]


@pytest.mark.parametrize("backend", ["lake"], indirect=True)
def test_a_dropped_session_for_the_changes_is_replaced_without_a_failure(
    reader: Warehouse,
) -> None:
    signed = _sign(reader)
    assert reader.sign_offs("2016-03") == [signed]  # the session for the changes is open now
    catalog = reader.catalog
    assert catalog is not None
    with psycopg.connect(
        host=catalog.host, port=catalog.port, dbname=catalog.dbname, user=catalog.user,
        password=catalog.password, autocommit=True,
    ) as admin:  # fmt: skip
        ended = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'shared-outcomes' "
            "AND pid <> pg_backend_pid()"
        ).fetchone()
    assert ended is not None and ended[0] >= 1
    second = _sign(reader)
    assert reader.sign_offs("2016-03") == [second, signed]
