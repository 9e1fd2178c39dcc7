"""`migrate --to`: the sample partnership's database file moved into a real DuckLake catalog.

Everything arrives (every table row for row, the row files, the raw files, an erasure's
tombstone, the audit log), the figures are the same, the file is left as it was; a catalog
that is not empty, a second move at once, a file another process is writing, and a failure
half-way are refused or rolled back with nothing stored.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import psycopg
import pytest
from postgres import Server
from support import ROOT, copy_database, demo_cli_env, flat, run_cli

import shared_outcomes.jobs.migrate as migrate_job
from shared_outcomes.access.audit import MIGRATE
from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.errors import UsageError, WarehouseBusy, WarehouseError
from shared_outcomes.jobs.migrate import migrate_to_catalog
from shared_outcomes.settings import Catalog, Settings, load_settings
from shared_outcomes.warehouse.erasure import Erasure
from shared_outcomes.warehouse.lake import _AUDIT_IDS
from shared_outcomes.warehouse.store import Warehouse
from shared_outcomes.workspace import BUSY_TIMEOUT_ENV_VAR, Workspace

pytestmark = pytest.mark.slow
_OWN = ("schema_version", "warehouse_meta")


@pytest.fixture
def source(demo_db: Path, tmp_path: Path) -> Settings:
    """A copy of the sample's database with an erasure, a comment and a board pack in it."""
    (tmp_path / "file").mkdir()
    settings = load_settings(db=copy_database(demo_db, tmp_path / "file"), root=ROOT)
    workspace = Workspace.open(settings)
    warehouse = workspace.warehouse
    first = warehouse.submissions()[0]
    warehouse.erase(
        Erasure(first.submission_id, datetime(2026, 11, 1, tzinfo=UTC), "admin", "request",
                "the partner asked for it to be taken down"),
    )  # fmt: skip
    warehouse.add_comment(
        outcome=None, area_code=None, period="2017-10", submission_id=None, author_id="a1",
        author_name="Analyst One", author_role="analyst", text="Bolton's dip is a system change.",
    )  # fmt: skip
    warehouse.record_board_pack(
        made_at=datetime(2017, 11, 20, 9, tzinfo=UTC), made_by="lead", period="2017-10",
        as_at=datetime(2017, 11, 20, 9, tzinfo=UTC), since=date(2017, 10, 1),
        newest_submission_id=None, figures_digest="x", file_format="pdf",
    )  # fmt: skip
    return settings


@pytest.fixture
def catalog(postgres_server: Server, tmp_path: Path) -> Catalog:
    return postgres_server.catalog(tmp_path / "shared")


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows if r[0] not in _OWN]


def _file_tables(db: Path) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.sql(f'SELECT * FROM "{t}" ORDER BY ALL').pl() for t in _tables(con)}


def _catalog_tables(warehouse: Warehouse, names: list[str]) -> dict[str, pl.DataFrame]:
    return {t: warehouse.query(f'SELECT * FROM "{t}" ORDER BY ALL') for t in names}


def _open(settings: Settings, catalog: Catalog) -> Workspace:
    return Workspace.open(
        Settings(root=settings.root, db_path=catalog.anchor, catalog=catalog), create=False
    )


def test_everything_arrives_and_the_figures_are_the_same(
    source: Settings, catalog: Catalog
) -> None:
    before = _file_tables(source.db_path)
    figures_before = Workspace.open(source).figures(SYSTEM, unsuppressed=True)
    # The sequence that numbers a catalog's audit entries, left by a move that failed.
    with psycopg.connect(host=catalog.host, port=catalog.port, dbname=catalog.dbname,
                         user=catalog.user, autocommit=True) as pg:  # fmt: skip
        pg.execute(f"CREATE SEQUENCE {_AUDIT_IDS}")

    done = migrate_to_catalog(source, catalog)

    moved = _open(source, catalog)
    try:
        after = _catalog_tables(moved.warehouse, list(before))
        audit = after.pop("audit_log")
        for table, rows in before.items():
            if table != "audit_log":
                assert after[table].equals(rows), table
        # The move's own audit entry comes on top of every entry the file had.
        assert audit.filter(pl.col("action") != MIGRATE).equals(before["audit_log"])
        [entry] = audit.filter(pl.col("action") == MIGRATE).iter_rows(named=True)
        assert str(source.db_path) in entry["detail"]
        # Numbered after the entries moved in (a catalog numbers entries by a sequence).
        assert entry["id"] == (before["audit_log"]["id"].max() or 0) + 1
        assert done.moved.submissions == before["submissions"].height == 985
        assert done.moved.row_files == before["row_files"].height
        assert done.figures_compared > 4000
        left = _file_tables(source.db_path)  # the file is left as it was
        assert all(left[t].equals(rows) for t, rows in before.items())

        # The erased submission is a tombstone there too; every other raw file is retrievable.
        tomb = moved.warehouse.submission(before["erasures"]["submission_id"][0])
        assert tomb is not None and tomb.status == "erased"
        kept = [s for s in moved.warehouse.submissions() if s.sha256 and s.status != "erased"]
        assert kept and all(moved.warehouse.archived_file(s.sha256).is_file() for s in kept)
        assert done.moved.archived_files == len({s.sha256 for s in kept})
        for path in moved.warehouse.query("SELECT path FROM row_files")["path"]:
            assert (catalog.data_dir / "warehouse.rows" / path).is_file()

        after_figures = moved.figures(SYSTEM, unsuppressed=True)
        key = ["outcome", "area_code", "period"]
        joined = figures_before.join(after_figures, on=key, how="full", nulls_equal=True)
        assert joined.height == figures_before.height == after_figures.height
        assert (joined["value"] - joined["value_right"]).abs().max() < 1e-9  # type: ignore[operator]
        assert joined["status"].equals(joined["status_right"])
    finally:
        moved.warehouse.close()


def test_a_catalog_that_is_not_empty_is_refused_and_left_alone(
    source: Settings, catalog: Catalog
) -> None:
    migrate_to_catalog(source, catalog)
    with pytest.raises(UsageError, match="already holds a warehouse") as refused:
        migrate_to_catalog(source, catalog)
    assert refused.value.title == "The catalog is not empty"
    moved = _open(source, catalog)
    try:
        assert len(moved.warehouse.submissions()) == 985  # nothing doubled
    finally:
        moved.warehouse.close()


def test_two_moves_at_once_the_second_stops_at_once(source: Settings, catalog: Catalog) -> None:
    other = Warehouse.open(catalog.anchor, {}, catalog=catalog)
    try:
        with other.only_run("migrate"), pytest.raises(WarehouseBusy, match="`migrate` run"):
            migrate_to_catalog(source, catalog)
        assert other.register_stamp() == (0, 0)
    finally:
        other.close()


def test_a_failure_before_the_commit_stores_nothing(
    source: Settings, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def differ(*_: object) -> None:
        raise WarehouseError("the figures differ", title="The figures differ")

    monkeypatch.setattr(migrate_job, "_same_figures", differ)
    with pytest.raises(WarehouseError, match="the figures differ"):
        migrate_to_catalog(source, catalog)
    monkeypatch.undo()
    empty = Warehouse.open(catalog.anchor, {}, catalog=catalog)
    try:
        assert empty.register_stamp() == (0, 0)
        assert empty.query("SELECT count(*) AS n FROM audit_log")["n"][0] == 0
    finally:
        empty.close()
    # The files it copied are gone too: no raw file or row file is left behind.
    assert not list(catalog.data_dir.glob("warehouse.archive/*/*"))
    assert not list(catalog.data_dir.glob("warehouse.rows/*/*.parquet"))
    assert migrate_to_catalog(source, catalog).moved.submissions == 985  # and it can go again


def test_figures_that_differ_are_named() -> None:
    same = pl.DataFrame({"outcome": ["a", "b"], "value": [1.0, 2.0]})
    migrate_job._same_figures(same, same.with_columns(pl.col("value") + 1e-12), None)
    with pytest.raises(WarehouseError, match="1 not alike") as differ:
        migrate_job._same_figures(same, same.with_columns(value=pl.Series([1.0, 2.5])), None)
    assert "rolled back" in differ.value.message


def test_a_file_another_process_is_writing_is_refused(
    source: Settings, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BUSY_TIMEOUT_ENV_VAR, "0.5")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
         "time.sleep(60)", str(source.db_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(WarehouseError) as refused:
            migrate_to_catalog(source, catalog)
        assert refused.value.title == "The database is in use"
        assert "stop what uses it" in refused.value.message
    finally:
        holder.kill()
        holder.wait()
    assert migrate_to_catalog(source, catalog).moved.submissions == 985


def test_the_command_moves_the_file_and_says_where_to_point_the_servers(
    demo_db: Path, tmp_path: Path, postgres_server: Server
) -> None:
    env = demo_cli_env(demo_db, tmp_path)
    url = postgres_server.url(postgres_server.create_database())
    data = tmp_path / "shared"
    env["SHARED_OUTCOMES_CATALOG"] = url  # ignored: the file is the one moved
    result = run_cli(env, "migrate", "--to", url, "--data", str(data))
    assert result.exit_code == 0, result.output
    said = flat(result.stdout)
    assert "985 submissions" in said and "figures are the same in both" in said
    assert f"SHARED_OUTCOMES_DATA={data}" in said

    env["SHARED_OUTCOMES_DATA"] = str(data)
    shown = run_cli(env, "history", "--partner", "bolton_council", "--dataset",
                    "homelessness_cases", "--json")  # fmt: skip
    assert shown.exit_code == 0 and len(json.loads(shown.stdout)) == 34


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--to", "mysql://x@h/db", "--data", "d"], "Catalog address"),
        (["--to", "postgresql://x@127.0.0.1:1/db"], "No data folder"),
        (["--to", "postgresql://x@127.0.0.1:1/db", "--data", "d", "--db", "nowhere.duckdb"],
         "No such database"),
    ],
)  # fmt: skip
def test_bad_arguments_are_a_message(tmp_path: Path, arguments: list[str], said: str) -> None:
    env = {"SHARED_OUTCOMES_HOME": str(ROOT), "SHARED_OUTCOMES_DATA": "", "COLUMNS": "200"}
    result = run_cli(env, "migrate", *[str(tmp_path / a) if a in ("d", "nowhere.duckdb") else a
                                       for a in arguments])  # fmt: skip
    assert result.exit_code == 2
    assert said in result.stderr
