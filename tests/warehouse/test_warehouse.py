"""The warehouse: register, typed rows, current views, aggregates, archive, versions, atomicity."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import psycopg
import pytest

from shared_outcomes.config.contracts import Contract
from shared_outcomes.errors import WarehouseError
from shared_outcomes.warehouse.lake import extension_file
from shared_outcomes.warehouse.schema import SCHEMA_VERSION, DatasetLayout
from shared_outcomes.warehouse.store import NewSubmission, StoreResult, Warehouse


def visits_frame(*, phone: int = 5, month: str = "2016-03") -> pl.DataFrame:
    """An already-checked extract of the fixture contract (typed as validation returns it)."""
    return pl.DataFrame(
        {
            "month": [month] * 3,
            "area_code": ["E08000001", "E08000001", "E08000002"],
            "channel": ["phone", "visit", "phone"],
            "visits": [phone, 7, 3],
            "minutes": [1.5, None, 2.0],
            "first_visit": [date(2016, 3, 2), None, None],
            "online": [True, False, None],
        }
    )


def store(
    warehouse: Warehouse,
    raw: bytes,
    frame: pl.DataFrame | None,
    *,
    partner: str = "p1",
    period: str = "2016-03",
    at: datetime | None = None,
) -> StoreResult:
    return warehouse.store(
        NewSubmission(
            "visits",
            partner=partner,
            period=period,
            source=raw,
            sha256=hashlib.sha256(raw).hexdigest(),
            file_name=f"visits_{period}.csv",
            contract_version="1.0.0",
            rows=3,
            submitted_by="tester",
            report_json='{"accepted": %s}' % ("true" if frame is not None else "false"),
            frame=frame,
            submitted_at=at,
        )
    )


def test_open_creates_the_schema_once_and_is_idempotent(tmp_path: Path, contract: Contract):
    db = tmp_path / "w.duckdb"
    Warehouse.open(db, {"visits": contract})
    again = Warehouse.open(db, {"visits": contract})
    versions = again.query("SELECT version FROM schema_version")
    assert versions["version"].to_list() == list(range(1, SCHEMA_VERSION + 1))
    names = set(again.query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert {"submissions", "agg_visits", "ds_visits", "current_visits"} <= names


def test_an_accepted_load_stores_typed_rows_with_their_submission(warehouse: Warehouse):
    frame = visits_frame()
    result = store(warehouse, b"file one", frame)
    assert result.status == "loaded"
    sid = result.submission.submission_id
    rows = warehouse.query("SELECT * FROM current_visits ORDER BY area_code, channel")
    assert rows.drop("submission_id").equals(frame.sort("area_code", "channel"))
    assert rows["submission_id"].unique().to_list() == [sid]
    types = dict(warehouse.query("DESCRIBE ds_visits").select("column_name", "column_type").rows())
    assert types == {
        "month": "VARCHAR",
        "area_code": "VARCHAR",
        "channel": "VARCHAR",
        "visits": "BIGINT",
        "minutes": "DOUBLE",
        "first_visit": "DATE",
        "online": "BOOLEAN",
        "submission_id": "BIGINT",
    }
    [registered] = warehouse.history("p1", "visits")
    assert (registered.status, registered.rows, registered.submitted_by) == (
        "accepted",
        3,
        "tester",
    )


def test_aggregates_match_the_rows_per_area_month_and_enum(warehouse: Warehouse):
    frame = visits_frame()
    sid = store(warehouse, b"file one", frame).submission.submission_id
    expected = (
        frame.group_by("month", "area_code", "channel")
        .agg(
            pl.len().cast(pl.Int64).alias("n_rows"),
            pl.col("visits").sum().alias("sum_visits"),
            pl.col("minutes").sum().alias("sum_minutes"),
            pl.col("minutes").count().alias("with_minutes"),
        )
        # SQL semantics: the sum of no values is NULL, not 0
        .with_columns(pl.when(pl.col("with_minutes") > 0).then(pl.col("sum_minutes")))
        .drop("with_minutes")
        .sort("area_code", "channel")
    )
    agg = warehouse.query(
        "SELECT month, area_code, channel, n_rows, sum_visits, sum_minutes FROM agg_visits "
        "WHERE submission_id = ? ORDER BY area_code, channel",
        [sid],
    )
    assert agg.to_dicts() == expected.to_dicts()


def test_a_resubmission_supersedes_and_the_earlier_version_stays_queryable(
    warehouse: Warehouse,
):
    first = store(warehouse, b"v1", visits_frame(phone=5))
    second = store(warehouse, b"v2", visits_frame(phone=9))
    assert second.status == "loaded"
    assert second.supersedes == first.submission.submission_id
    statuses = {s.submission_id: s.status for s in warehouse.history("p1", "visits")}
    assert statuses == {
        first.submission.submission_id: "superseded",
        second.submission.submission_id: "accepted",
    }
    current = warehouse.query("SELECT DISTINCT submission_id FROM current_visits")
    assert current["submission_id"].to_list() == [second.submission.submission_id]
    every = warehouse.query("SELECT submission_id, sum(visits) AS v FROM ds_visits GROUP BY 1")
    assert dict(every.rows()) == {
        first.submission.submission_id: 15,
        second.submission.submission_id: 19,
    }
    current_agg = warehouse.query("SELECT DISTINCT submission_id FROM current_agg_visits")
    assert current_agg["submission_id"].to_list() == [second.submission.submission_id]


def test_what_we_knew_at_a_moment(warehouse: Warehouse):
    march = datetime(2016, 4, 3, 9, 0, tzinfo=UTC)
    april = march + timedelta(days=30)
    first = store(warehouse, b"v1", visits_frame(phone=5), at=march)
    second = store(warehouse, b"v2", visits_frame(phone=9), at=april)
    between = march + timedelta(days=1)
    assert [s.submission_id for s in warehouse.submissions_as_at(between)] == [
        first.submission.submission_id
    ]
    assert [s.submission_id for s in warehouse.submissions_as_at(april)] == [
        second.submission.submission_id
    ]
    assert warehouse.submissions_as_at(march - timedelta(seconds=1)) == []
    total = warehouse.query(
        "SELECT sum(sum_visits) AS v FROM agg_visits WHERE submission_id IN "
        "(SELECT submission_id FROM submissions_as_at(?))",
        [between.replace(tzinfo=None)],
    )
    assert total["v"][0] == visits_frame(phone=5)["visits"].sum()


def test_an_identical_file_is_unchanged_and_loaded_once(warehouse: Warehouse):
    first = store(warehouse, b"same bytes", visits_frame())
    again = store(warehouse, b"same bytes", visits_frame())
    assert again.status == "unchanged"
    assert again.submission.submission_id == first.submission.submission_id
    assert len(warehouse.history("p1", "visits")) == 1
    count = warehouse.query("SELECT count(*) AS n FROM ds_visits")["n"][0]
    assert count == visits_frame().height


def test_the_same_file_for_another_month_or_partner_is_a_new_submission(warehouse: Warehouse):
    store(warehouse, b"same bytes", visits_frame())
    other = store(warehouse, b"same bytes", visits_frame(), partner="p2")
    assert other.status == "loaded"
    assert other.supersedes is None


def test_a_rejected_submission_is_recorded_with_its_report_and_no_rows(warehouse: Warehouse):
    result = store(warehouse, b"broken", None)
    assert result.status == "rejected"
    [registered] = warehouse.history("p1", "visits")
    assert registered.status == "rejected"
    assert warehouse.report_json(registered.submission_id) == '{"accepted": false}'
    assert warehouse.query("SELECT count(*) AS n FROM ds_visits")["n"][0] == 0
    assert warehouse.current("p1", "visits", "2016-03") is None


def test_the_raw_file_is_archived_by_its_hash(warehouse: Warehouse):
    raw = b"month,area_code\n2016-03,E08000001\n"
    result = store(warehouse, raw, visits_frame())
    sha = hashlib.sha256(raw).hexdigest()
    assert result.submission.sha256 == sha
    kept = warehouse.archived_file(sha)
    assert kept.parent.name == sha[:2]
    assert kept.read_bytes() == raw


def test_an_exception_mid_load_leaves_no_trace_and_the_next_load_works(
    warehouse: Warehouse, contract: Contract, monkeypatch: pytest.MonkeyPatch
):
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(DatasetLayout, "append_aggregates", explode)
    with pytest.raises(RuntimeError):
        store(warehouse, b"v1", visits_frame())
    monkeypatch.undo()
    assert warehouse.history("p1", "visits") == []
    assert warehouse.query("SELECT count(*) AS n FROM agg_visits")["n"][0] == 0
    reopened = Warehouse.open(warehouse.db_path, {"visits": contract}, catalog=warehouse.catalog)
    assert list(reopened.row_files.root.rglob("*.parquet")) == []
    assert store(reopened, b"v1", visits_frame()).status == "loaded"


def test_a_contract_that_gains_a_column_migrates_the_tables(tmp_path: Path, contract: Contract):
    db = tmp_path / "w.duckdb"
    old = Warehouse.open(db, {"visits": contract})
    store(old, b"v1", visits_frame())
    extra = dataclasses.replace(contract.columns[3], name="callbacks")
    newer = dataclasses.replace(contract, version="1.1.0", columns=(*contract.columns, extra))
    new = Warehouse.open(db, {"visits": newer})
    rows = new.query("SELECT callbacks FROM ds_visits")
    assert rows["callbacks"].null_count() == rows.height == 3
    assert "sum_callbacks" in new.query("SELECT * FROM agg_visits").columns


def test_a_database_that_is_not_duckdb_is_a_clear_error(tmp_path: Path, contract: Contract):
    bad = tmp_path / "not.duckdb"
    bad.write_text("hello")
    with pytest.raises(WarehouseError, match="cannot open the database"):
        Warehouse.open(bad, {"visits": contract})


def plain_duckdb(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """A notebook's read-only connection: to the file, or attaching the catalog as docs say."""
    if warehouse.catalog is None:
        return duckdb.connect(str(warehouse.db_path), read_only=True)
    c = warehouse.catalog
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    for package, name in (("postgres_scanner", "postgres_scanner"), ("ducklake", "ducklake")):
        con.execute(f"LOAD '{extension_file('duckdb_extension_' + package, name)}'")
    con.execute(
        f"ATTACH 'ducklake:postgres:dbname={c.dbname} host={c.host} port={c.port} "
        f"user={c.user}' AS lake (READ_ONLY)"
    )
    con.execute("USE lake")
    return con


def test_notebooks_can_read_the_views_with_plain_duckdb(warehouse: Warehouse):
    store(warehouse, b"v1", visits_frame())
    con = plain_duckdb(warehouse)
    try:
        row = con.execute("SELECT count(*) FROM current_visits").fetchone()
    finally:
        con.close()
    assert row == (3,)


@pytest.mark.parametrize("backend", ["lake"], indirect=True)
def test_on_a_catalog_a_load_leaves_the_schema_alone_once_the_dataset_has_rows(
    warehouse: Warehouse,
):
    """The rows views name no file there: only the first file (and the last one erased, or a
    new set of columns) makes them again, so other processes need not read the schema again."""
    catalog = warehouse.catalog
    assert catalog is not None

    def schema_changes_since(snapshot: int) -> list[str]:
        with psycopg.connect(host=catalog.host, port=catalog.port, dbname=catalog.dbname,
                             user=catalog.user) as pg:  # fmt: skip
            found = pg.execute(
                "SELECT changes_made FROM ducklake_snapshot_changes WHERE snapshot_id > %s",
                [snapshot],
            ).fetchall()
        return [c for (made,) in found for c in made.split(",") if "view" in c or "table:" in c]

    def latest() -> int:
        return int(
            warehouse.query("SELECT max(snapshot_id) FROM ducklake_snapshots('lake')").item()
        )

    first = store(warehouse, b"v1", visits_frame(phone=5))
    since = latest()
    store(warehouse, b"v2", visits_frame(phone=9))  # supersedes the first
    store(warehouse, b"v3", visits_frame(phone=2), partner="p2")
    warehouse.store_nil(partner="p3", dataset="visits", period="2016-03", submitted_by="t",
                        note="none", report_json="{}")  # fmt: skip
    assert schema_changes_since(since) == []
    every = warehouse.query("SELECT submission_id, sum(visits) AS v FROM ds_visits GROUP BY 1")
    assert dict(every.rows()) == {first.submission.submission_id: 15, 2: 19, 3: 12}
    current = warehouse.query("SELECT DISTINCT submission_id FROM current_visits ORDER BY 1")
    assert current["submission_id"].to_list() == [2, 3]
