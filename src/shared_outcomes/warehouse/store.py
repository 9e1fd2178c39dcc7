"""The warehouse: the only module that talks to DuckDB (register, dataset tables, views, archive).

Layout of one warehouse (a DuckDB file plus two folders beside it, see `archive`):

- `submissions`, the register: one row per submission attempt, accepted or rejected, with its
  hash, who sent it, when, under which contract version, its JSON report and the version it
  supersedes. Ids are the largest plus one (`schema.next_id`).
- `ds_<dataset>`: every accepted row (current and superseded), typed per the contract, with its
  `submission_id`; `current_<dataset>`: the rows of current submissions only (status
  'accepted': the latest accepted version per partner, dataset and month).
- `agg_<dataset>`: per submission, partner, area column, period column and enum column: `n_rows`
  and `sum_<col>` for every integer/number column, written in the load's transaction so that
  figures never scan raw rows; `current_agg_<dataset>` keeps the current submissions' part.
- the table macro `submissions_as_at(ts)`: what the partnership knew at a moment (the latest
  version per partner, dataset and month submitted by then), e.g.
  `SELECT * FROM agg_x WHERE submission_id IN (SELECT submission_id FROM submissions_as_at(?))`.

**Why rows live in Parquet.** The rows of a submission are written once, as one Parquet file,
and never change; `ds_<dataset>` and `current_<dataset>` are views over those files (typed with
casts per the contract), rebuilt in the transaction that registers the submission (on a catalog
they read the dataset's folder and name no file, so a load leaves them as they are:
`DatasetLayout._lake_views`). DuckDB's own
table insert measured four to eight times slower than reading the CSV; Parquet keeps a load
near the read (bench/bench_load.py). A load is still atomic: its files are written (temp file,
fsync, rename) before the transaction commits, and a file no committed submission names is
swept on the next open.

**Several servers.** With a `Catalog`, the same tables, views and macros live in a DuckLake
catalog in PostgreSQL instead of the file (`warehouse.lake.LakeConnections`), the row files and
the archive in its shared data folder; this module's SQL is the same on both backends.

**Concurrency** (see `warehouse_connections`): short connections per unit of work, a bounded
retry on another process's lock, then `WarehouseBusy`. Readers never see half a submission
because every load is one transaction.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import EllipsisType
from typing import Any, Literal, TypeVar

import duckdb
import polars as pl

from shared_outcomes.errors import UsageError, WarehouseError, storage_error
from shared_outcomes.settings import Catalog, companion_dir, private_dir
from shared_outcomes.warehouse import audit_log as warehouse_audit
from shared_outcomes.warehouse import commentary, erasure, migration, reminders
from shared_outcomes.warehouse.archive import Archive, RowFiles
from shared_outcomes.warehouse.audit_log import AuditFilter, AuditRow
from shared_outcomes.warehouse.commentary import (
    BoardPackRecord,
    Comment,
    CommentFilter,
    EventKind,
    SignOffRecord,
)
from shared_outcomes.warehouse.connections import Connections
from shared_outcomes.warehouse.erasure import Erasure, ErasureRequest
from shared_outcomes.warehouse.lake import LakeConnections
from shared_outcomes.warehouse.measure_queries import REGISTER_COPY_COLUMNS, MeasureQueries
from shared_outcomes.warehouse.migration import Moved, Progress
from shared_outcomes.warehouse.schema import (
    NOT_OURS,
    REGISTER_COLUMNS,
    SCHEMA_VERSION,
    ColumnLike,
    ContractLike,
    DatasetLayout,
    migrate,
    next_id,
    quote_ident,
    schema_problem,
    warehouse_id,
)

__all__ = [
    "ColumnLike",
    "ContractLike",
    "Erasure",
    "ErasureRequest",
    "Excusal",
    "LoadStatus",
    "Moved",
    "NewSubmission",
    "StoreResult",
    "Submission",
    "Warehouse",
]

DEFAULT_BUSY_TIMEOUT = 30.0
#: From this many rows a load writes its files in threads while it aggregates.
_OVERLAP_FROM_ROWS = 50_000
_T = TypeVar("_T")
LoadStatus = Literal["loaded", "unchanged", "rejected"]


@dataclass(frozen=True)
class Submission:
    """One row of the register (the report JSON is fetched separately: `report_json`)."""

    submission_id: int
    partner_id: str
    dataset: str
    period: str
    contract_version: str | None
    sha256: str | None
    file_name: str | None
    rows: int
    submitted_by: str
    submitted_at: datetime
    status: str
    supersedes: int | None
    #: 'extract', or 'nil' for a nil return (nothing to report: no rows, its reason in `note`).
    kind: str = "extract"
    note: str | None = None

    @property
    def is_nil(self) -> bool:
        return self.kind == "nil"


@dataclass(frozen=True)
class Excusal:
    """A return the centre excused: whose, which, why, by whom and when (UTC)."""

    excusal_id: int
    partner_id: str
    dataset: str
    period: str
    reason: str
    excused_by: str
    excused_at: datetime


def _excusal(row: Sequence[Any]) -> Excusal:
    values = list(row)
    values[-1] = values[-1].replace(tzinfo=UTC)
    return Excusal(*values)


@dataclass(frozen=True)
class StoreResult:
    """What a store did: `loaded`, `unchanged` (identical to the current version) or `rejected`."""

    status: LoadStatus
    submission: Submission

    @property
    def supersedes(self) -> int | None:
        return self.submission.supersedes if self.status == "loaded" else None


def _utc_naive(moment: datetime) -> datetime:
    """Timestamps are stored as naive UTC (TIMESTAMP), read back as aware UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _submission(row: Sequence[Any]) -> Submission:
    values = dict(zip(REGISTER_COLUMNS, row, strict=True))
    values["submitted_at"] = values["submitted_at"].replace(tzinfo=UTC)
    return Submission(**values)


_COLUMNS = ", ".join(REGISTER_COLUMNS)
_SELECT_REGISTER = "SELECT " + _COLUMNS + " FROM submissions"  # noqa: S608 - fixed names
_INSERT_NIL = (
    "INSERT INTO submissions (submission_id, partner_id, dataset, period, rows, submitted_by, "
    "submitted_at, status, report_json, supersedes, kind, note) VALUES "
    "(?, ?, ?, ?, 0, ?, ?, 'accepted', ?, ?, 'nil', ?)"
)


@dataclass(frozen=True)
class NewSubmission:
    """A checked submission on its way into the register (what `Warehouse.store` takes).

    `frame` holds the typed rows when the check accepted the file (it is then loaded), and is
    None for a rejected one (recorded with its report). `submitted_at` defaults to now.
    """

    dataset: str
    partner: str
    period: str
    source: Path | bytes
    sha256: str
    file_name: str | None
    contract_version: str | None
    rows: int
    submitted_by: str
    report_json: str
    frame: pl.DataFrame | None
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class _Incoming:
    """A `NewSubmission` with its dataset's layout and its moment resolved."""

    sub: NewSubmission
    layout: DatasetLayout
    moment: datetime


class _BulkFlag(threading.local):
    """This thread's bulk load, if any, with the aggregate rows it inserts at the end."""

    def __init__(self) -> None:
        self.active = False
        self.aggregates: dict[str, list[pl.DataFrame]] = {}


def _erased_only_hashes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Hashes of raw files that only erased submissions name (their files must go)."""
    rows = con.execute(
        "SELECT sha256 FROM submissions WHERE sha256 IS NOT NULL GROUP BY sha256 "
        "HAVING bool_and(status = 'erased')"
    ).fetchall()
    return [str(r[0]) for r in rows]


#: The tables of the register (`register_stamp`, `_register_copy`).
_REGISTER_TABLES = frozenset({"submissions", "erasures"})


@dataclass(frozen=True)
class _RegisterCopy:
    """The register as `measure_queries.versions_sql` reads it (`REGISTER_COPY_COLUMNS` of
    `submissions`; `erasures`' submission_id and rule), and its stamp."""

    submissions: pl.DataFrame
    erasures: pl.DataFrame

    @property
    def stamp(self) -> tuple[int, int]:
        """As `Warehouse.register_stamp` reads it from the tables."""
        newest = self.submissions.get_column("submission_id").max()
        return int(newest or 0), self.submissions.height + self.erasures.height  # type: ignore[arg-type]


#: The tables `commentary.select_comments` reads.
_COMMENT_TABLES = frozenset({"comments", "comment_events"})


def _frozen(values: Sequence[Any] | None) -> tuple[Any, ...] | None:
    return None if values is None else tuple(values)


def rows_dir_for(db_path: Path) -> Path:
    """The folder of row files that belongs to a database file (`<db file name>.rows`)."""
    return companion_dir(db_path, "rows")


class Warehouse:
    """The DuckDB store of one partnership. Open it once; each method is one short unit of work."""

    def __init__(
        self,
        db_path: Path,
        layouts: Mapping[str, DatasetLayout],
        *,
        archive_dir: Path,
        busy_timeout: float,
        catalog: Catalog | None = None,
    ) -> None:
        self.db_path = db_path
        self.catalog = catalog
        self.layouts = dict(layouts)
        #: The aggregate tables `_prepare` made sure of (None: not prepared, look them up).
        self._prepared_tables: frozenset[str] | None = None
        self.archive = Archive(archive_dir)
        self.row_files = RowFiles(rows_dir_for(db_path))
        self._store: Connections | LakeConnections = (
            Connections(db_path, busy_timeout)
            if catalog is None
            else LakeConnections(catalog, busy_timeout)
        )
        self._bulk = _BulkFlag()

    @property
    def where(self) -> str:
        """The database file, or the catalog's address (no password), as messages name it."""
        return self._store.where

    def close(self) -> None:
        """Let go of what this process keeps open (a catalog's instance; a file keeps none).

        Using the warehouse again afterwards opens what it needs afresh.
        """
        self._store.close()

    @classmethod
    def open(
        cls,
        db_path: Path,
        contracts: Mapping[str, ContractLike],
        *,
        archive_dir: Path | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        create: bool = True,
        catalog: Catalog | None = None,
    ) -> Warehouse:
        """Open the database at `db_path`, or the DuckLake `catalog` (then `db_path` is the
        catalog's anchor in its data folder, `Catalog.anchor`).

        With `create` (a command that writes), create or migrate it and every dataset's tables
        and sweep crashed loads' files. Without it (a command that only reads), nothing is
        created, migrated or deleted: a path with no database, or a database that needs an
        upgrade first, is an error naming the path.
        """
        db_path = db_path.resolve()
        layouts = {dataset: DatasetLayout.of(c) for dataset, c in contracts.items()}
        warehouse = cls(
            db_path,
            layouts,
            archive_dir=archive_dir or companion_dir(db_path, "archive"),
            busy_timeout=busy_timeout,
            catalog=catalog,
        )
        if create:
            try:
                private_dir(db_path.parent)
            except OSError as error:
                raise storage_error(error, where=db_path.parent) from error
            warehouse._prepare()
        else:
            warehouse._check_readable()
        return warehouse

    def _prepare(self) -> None:
        with self._store.connect(write=True) as con:
            con.begin()
            migrate(con, lake=self._store.lake)
            for layout in self.layouts.values():
                layout.ensure(con)
                self._rebuild_views(con, layout)
            con.commit()
            self._prepared_tables = frozenset("agg_" + dataset for dataset in self.layouts)
            owner = warehouse_id(con)
            known = [r[0] for r in con.execute("SELECT path FROM row_files").fetchall()]
            # Safe here: we hold the write lock, so no other load is between its writes and commit.
            self.row_files.sweep(owner, known)
            self.archive.sweep()
            # Raw files of erased submissions an erasure killed after its commit left behind.
            for sha256 in _erased_only_hashes(con):
                self.archive.path_for(sha256).unlink(missing_ok=True)

    def _check_readable(self) -> None:
        if self.catalog is None and not self.db_path.is_file():
            raise UsageError(
                f"there is no database at {self.db_path}: check --db (or $SHARED_OUTCOMES_DB). "
                "A database is made by `shared-outcomes demo`, `submit` or `ingest`.",
                title="No such database",
            )
        with self._store.connect(write=False) as con:
            problem = schema_problem(con)
            stale = [d for d, layout in self.layouts.items() if not layout.is_current(con)]
        if problem is None and stale:
            problem = (
                f"its tables for {', '.join(sorted(stale))} predate the contracts: run a "
                "command that writes to it (`submit` or `ingest`) once to bring them up to date"
            )
        if problem == NOT_OURS and self.catalog is not None:
            problem = (
                "it holds no Shared Outcomes warehouse yet: a command that writes (`submit`, "
                "`ingest`) makes one, and `migrate --to` moves a database file into it"
            )
        if problem is not None:
            raise WarehouseError(f"cannot read the database {self.where}: {problem}.")

    # -- reading -----------------------------------------------------------------------------

    def _kept(self, key: Hashable, tables: frozenset[str], read: Callable[[], _T]) -> _T:
        """`read()` (a read of exactly `tables`), or on a catalog its last result while no later
        snapshot has changed those tables (`warehouse.lake.KeptReads`). A file reads afresh:
        a query on it costs a millisecond."""
        if isinstance(self._store, LakeConnections):
            return self._store.kept.get(key, tables, read)
        return read()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short read-only connection (for the outcomes module and notebooks-like queries)."""
        with self._store.connect(write=False) as con:
            yield con

    @contextmanager
    def measure_queries(self) -> Iterator[MeasureQueries]:
        """The queries of one figure computation, on one short read-only connection (on a
        catalog, opened when a query first needs it: figures all kept need none)."""
        if not isinstance(self._store, LakeConnections):
            with self._store.connect(write=False) as con:
                yield MeasureQueries(con, self._prepared_tables)
            return
        with ExitStack() as stack:
            store = self._store

            def opened() -> duckdb.DuckDBPyConnection:
                return stack.enter_context(store.connect(write=False))

            yield MeasureQueries(opened, self._prepared_tables, self._register_copy)

    def _register_copy(self) -> _RegisterCopy:
        """The register's columns that figures read and the erasures, kept while unchanged
        (on a catalog: one query for the stamp and both sets of versions a page reads)."""

        def read() -> _RegisterCopy:
            # One statement (each costs its own catalog lookups): an erasure is of a registered
            # submission, at most one each (its primary key), so the join loses none.
            columns = ", ".join("s." + c for c in REGISTER_COPY_COLUMNS)
            with self.reading() as con:
                both = con.execute(
                    f"SELECT {columns}, e.rule AS erasure_rule FROM submissions s "  # noqa: S608 - fixed names
                    "LEFT JOIN erasures e USING (submission_id)"
                ).pl()
            erasures = both.filter(pl.col("erasure_rule").is_not_null()).select(
                "submission_id", rule="erasure_rule"
            )
            return _RegisterCopy(both.drop("erasure_rule"), erasures)

        return self._kept(("register_copy",), _REGISTER_TABLES, read)

    def _rebuild_views(self, con: duckdb.DuckDBPyConnection, layout: DatasetLayout) -> None:
        """Point the dataset's rows views at its row files, as this backend does it."""
        layout.rebuild_views(con, self.row_files.root, lake=self._store.lake)

    def append_audit(self, row: AuditRow) -> None:
        """Append one audit-log entry (its own short write; on a catalog it does not wait for
        a load, see `LakeConnections.appending`)."""
        with self._store.appending() as con:
            warehouse_audit.append(con, row, self._store.audit_id(con))

    def audit_rows(self, wanted: AuditFilter) -> pl.DataFrame:
        """Audit-log entries matching `wanted`, newest first."""
        with self.reading() as con:
            return warehouse_audit.select(con, wanted)

    # -- commentary, sign-offs and board packs (see `warehouse.commentary`) --------------------

    def add_comment(
        self,
        *,
        outcome: str | None,
        area_code: str | None,
        period: str | None,
        submission_id: int | None,
        author_id: str,
        author_name: str,
        author_role: str,
        text: str,
        at: datetime | None = None,
    ) -> Comment:
        """Store a new comment with its first text (one transaction) and return it."""
        with self._store.connect(write=True) as con:
            comment_id = commentary.insert_comment(
                con, outcome=outcome, area_code=area_code, period=period,
                submission_id=submission_id, author_id=author_id, author_name=author_name,
                author_role=author_role, text=text, at=at or datetime.now(UTC),
            )  # fmt: skip
            [stored] = commentary.select_comments(con, CommentFilter(comment_id=comment_id))
        return stored

    def comment(self, comment_id: int) -> Comment | None:
        """One comment by id, with its history (hidden ones included)."""
        with self.reading() as con:
            found = commentary.select_comments(con, CommentFilter(comment_id=comment_id))
        return found[0] if found else None

    def comment_event(
        self,
        comment_id: int,
        kind: EventKind,
        text: str | None,
        reason: str | None,
        user_id: str,
        user_name: str,
        at: datetime | None = None,
    ) -> Comment:
        """Append an event ('edited' with the new text, 'hidden' with its reason) to a comment's
        history and return the comment as it now stands. Nothing is updated or deleted."""
        with self._store.connect(write=True) as con:
            commentary.append_event(
                con, comment_id, kind, text, reason, user_id, user_name, at or datetime.now(UTC)
            )
            [stored] = commentary.select_comments(con, CommentFilter(comment_id=comment_id))
        return stored

    def comments(
        self,
        *,
        outcome: str | None = None,
        area_code: str | EllipsisType | None = ...,
        period: str | None = None,
        periods: Sequence[str] | None = None,
        submission_ids: Sequence[int] | None = None,
    ) -> list[Comment]:
        """Comments matching every given filter (hidden ones included), oldest first.

        `area_code`: left out, any area; None, the whole partnership's figures only.
        """
        wanted = CommentFilter(
            outcome=outcome, area_code=area_code, period=period, periods=periods,
            submission_ids=submission_ids,
        )  # fmt: skip

        def read() -> tuple[Comment, ...]:
            with self.reading() as con:
                return tuple(commentary.select_comments(con, wanted))

        key = ("comments", outcome, area_code, period, _frozen(periods), _frozen(submission_ids))
        return list(self._kept(key, _COMMENT_TABLES, read))

    def add_sign_off(
        self,
        *,
        period: str,
        signed_by: str,
        signed_name: str,
        role: str,
        signed_at: datetime,
        newest_submission_id: int | None,
        figures_digest: str,
    ) -> SignOffRecord:
        """Record that a month's picture was reviewed, as of a register state."""
        with self._store.connect(write=True) as con:
            return commentary.insert_sign_off(
                con, period=period, signed_by=signed_by, signed_name=signed_name, role=role,
                signed_at=signed_at, newest_submission_id=newest_submission_id,
                figures_digest=figures_digest,
            )  # fmt: skip

    def sign_offs(self, period: str | None = None) -> list[SignOffRecord]:
        """Sign-offs of `period` (of every month without it), newest first."""

        def read() -> tuple[SignOffRecord, ...]:
            with self.reading() as con:
                return tuple(commentary.select_sign_offs(con, period))

        return list(self._kept(("sign_offs", period), frozenset({"sign_offs"}), read))

    def record_board_pack(
        self,
        *,
        made_at: datetime,
        made_by: str,
        period: str,
        as_at: datetime,
        since: date,
        newest_submission_id: int | None,
        figures_digest: str,
        file_format: str,
    ) -> BoardPackRecord:
        """Record that a board pack was made (its `file_format`: pdf or html), of which month
        and register state."""
        with self._store.connect(write=True) as con:
            return commentary.insert_board_pack(
                con, made_at=made_at, made_by=made_by, period=period, as_at=as_at, since=since,
                newest_submission_id=newest_submission_id, figures_digest=figures_digest,
                file_format=file_format,
            )  # fmt: skip

    def last_board_pack(self) -> BoardPackRecord | None:
        """The board pack made most recently, if any."""
        with self.reading() as con:
            return commentary.select_last_board_pack(con)

    def query(self, sql: str, params: Sequence[object] | None = None) -> pl.DataFrame:
        """Run one read-only query with bound parameters and return a Polars frame."""
        with self.reading() as con:
            return con.execute(sql, params or []).pl()

    def history(self, partner: str, dataset: str) -> list[Submission]:
        """Every version a partner sent for a dataset, newest first (rejected ones included)."""
        return self.submissions(partner=partner, dataset=dataset)

    def submissions(
        self,
        *,
        partner: str | None = None,
        dataset: str | None = None,
        period: str | None = None,
        status: str | None = None,
    ) -> list[Submission]:
        """Register rows matching every given filter, newest first."""
        filters = {"partner_id": partner, "dataset": dataset, "period": period, "status": status}
        where = [f"{name} = ?" for name, value in filters.items() if value is not None]
        params = [value for value in filters.values() if value is not None]
        sql = _SELECT_REGISTER + (" WHERE " + " AND ".join(where) if where else "")
        with self.reading() as con:
            rows = con.execute(sql + " ORDER BY submission_id DESC", params).fetchall()
        return [_submission(row) for row in rows]

    def submission(self, submission_id: int) -> Submission | None:
        """One register row by id."""
        with self.reading() as con:
            row = con.execute(
                _SELECT_REGISTER + " WHERE submission_id = ?", [submission_id]
            ).fetchone()
        return None if row is None else _submission(row)

    def current(self, partner: str, dataset: str, period: str) -> Submission | None:
        """The current accepted version for a partner, dataset and month, if any."""
        found = self.submissions(partner=partner, dataset=dataset, period=period, status="accepted")
        return found[0] if found else None

    def register_stamp(self) -> tuple[int, int]:
        """(newest submission id, number of submissions and erasures): changes whenever
        figures can.

        Every submission adds a row (a correction supersedes by adding one), every erasure a
        tombstone record; one SELECT.
        """
        if isinstance(self._store, LakeConnections):  # from the copy the figures read too
            return self._register_copy().stamp
        with self.reading() as con:
            row = con.execute(
                "SELECT coalesce(max(submission_id), 0), count(*) + "
                "(SELECT count(*) FROM erasures) FROM submissions"
            ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def newest_submission_id(self, as_at: datetime | None = None) -> int | None:
        """The newest submission (of any status) made by `as_at` (by now without it)."""
        with self.reading() as con:
            row = con.execute(
                "SELECT max(submission_id) FROM submissions WHERE ? IS NULL OR submitted_at <= ?",
                [None if as_at is None else _utc_naive(as_at)] * 2,
            ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def latest_submission_time(self) -> datetime | None:
        """When the newest submission (of any status) was made, UTC; None if there is none."""
        with self.reading() as con:
            row = con.execute("SELECT max(submitted_at) FROM submissions").fetchone()
        moment = row[0] if row else None
        return moment.replace(tzinfo=UTC) if isinstance(moment, datetime) else None

    def submissions_as_at(self, as_at: datetime, dataset: str | None = None) -> list[Submission]:
        """What we knew at `as_at`: the latest version per partner, dataset and month by then."""
        sql = "SELECT " + _COLUMNS + " FROM submissions_as_at(?)"  # noqa: S608 - fixed names
        params: list[object] = [_utc_naive(as_at)]
        if dataset is not None:
            sql += " WHERE dataset = ?"
            params.append(dataset)
        with self.reading() as con:
            rows = con.execute(sql + " ORDER BY submission_id", params).fetchall()
        return [_submission(row) for row in rows]

    def report_json(self, submission_id: int) -> str | None:
        """The validation report stored with a submission, as JSON text."""
        with self.reading() as con:
            row = con.execute(
                "SELECT report_json FROM submissions WHERE submission_id = ?", [submission_id]
            ).fetchone()
        return None if row is None else row[0]

    def warning_counts(self, submission_ids: Sequence[int]) -> dict[int, int]:
        """How many warnings each submission's stored report has, in one query (by id; a
        submission without a report counts none)."""
        if not submission_ids:
            return {}
        with self.reading() as con:
            rows = con.execute(
                "SELECT submission_id, coalesce(len(list_filter(json_extract_string("
                "report_json, '$.findings[*].severity'), s -> s = 'warning')), 0) "
                "FROM submissions WHERE submission_id IN (SELECT unnest(?))",
                [list(submission_ids)],
            ).fetchall()
        return {int(sid): int(count) for sid, count in rows}

    def add_excusal(
        self, *, partner: str, dataset: str, period: str, reason: str, excused_by: str
    ) -> Excusal:
        """Record that a return is excused (an admin's or the data-standards team's decision)."""
        moment = _utc_naive(datetime.now(UTC))
        with self._store.connect(write=True) as con:
            row = (
                next_id(con, "excusals", "excusal_id"), partner, dataset, period, reason,
                excused_by, moment,
            )  # fmt: skip
            con.execute(
                "INSERT INTO excusals (excusal_id, partner_id, dataset, period, reason, "
                "excused_by, excused_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        return _excusal(row)

    def excusals(self, partner: str | None = None) -> list[Excusal]:
        """Every excusal (of one partner), oldest first."""
        with self.reading() as con:
            rows = con.execute(
                "SELECT excusal_id, partner_id, dataset, period, reason, excused_by, excused_at "
                "FROM excusals WHERE ? IS NULL OR partner_id = ? ORDER BY excusal_id",
                [partner, partner],
            ).fetchall()
        return [_excusal(row) for row in rows]

    def archived_file(self, sha256: str) -> Path:
        """Where the raw file with this hash is kept."""
        return self.archive.path_for(sha256)

    # -- writing -----------------------------------------------------------------------------

    def store(self, new: NewSubmission) -> StoreResult:
        """Register a submission in one transaction: accepted with its rows when `frame` is given
        (superseding the current version, or `unchanged` if it is the same file), else rejected.

        The raw file is archived and the rows written before the commit; an exception or a crash
        before the commit leaves no trace in the register or the tables.
        """
        incoming = _Incoming(
            new, self._layout(new.dataset), _utc_naive(new.submitted_at or datetime.now(UTC)),
        )  # fmt: skip
        with self._store.connect(write=True) as con:
            if self._bulk.active:
                return self._store_in(con, incoming)
            con.begin()
            try:
                result = self._store_in(con, incoming)
                self._rebuild_views(con, incoming.layout)
            except BaseException:
                con.rollback()
                raise
            con.commit()
        return result

    @contextmanager
    def only_run(self, job: str) -> Iterator[None]:
        """Hold the database's lock for `job` (say, "remind") while the block runs, so two runs
        of it never overlap: another run holding it is `WarehouseBusy`, at once.

        A lock released when the block ends or its process dies, however it dies: an
        operating-system lock on `<database>.<job>.lock` beside a database file, a PostgreSQL
        advisory lock for a catalog.
        """
        with self._store.exclusive(job):
            yield

    @contextmanager
    def moving_in(self, source: Warehouse, progress: Progress | None = None) -> Iterator[Moved]:
        """Move the file warehouse `source` into this empty catalog (`warehouse.migration`).

        The block runs with everything copied and checked but not yet committed (this thread's
        reads see it, no other process does): an exception in it rolls the whole move back.
        """
        if self.catalog is None or source.catalog is not None:
            raise UsageError("a warehouse is moved from a database file into a catalog only.")
        with self._store.exclusive("migrate"), self._store.hold() as con:
            migration.check_empty(con, self.where)
            migration.attach_source(con, source.db_path)
            copied: list[Path] = []
            try:
                con.begin()
                try:
                    files = migration.copy_files(
                        con, (source.row_files, source.archive), (self.row_files, self.archive),
                        progress, copied,
                    )  # fmt: skip
                    tables = migration.copy_tables(con, SCHEMA_VERSION, progress)
                    if isinstance(self._store, LakeConnections):  # the entries keep their ids
                        self._store.audit_ids_after(con)
                    for layout in self.layouts.values():
                        self._rebuild_views(con, layout)
                    yield Moved(tables, *files)
                except BaseException:
                    con.rollback()
                    for path in copied:  # none named by a committed row: ours to remove
                        path.unlink(missing_ok=True)
                    raise
                con.commit()
            finally:
                migration.detach_source(con)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Many stores as one transaction, views rebuilt once at the end: all or nothing.

        For building a fresh database (the demo), where a partial build is worth nothing and
        the per-load commit and view rebuild would dominate.
        """
        with self._store.hold() as con:
            con.begin()
            self._bulk.active = True
            try:
                yield
                for layout in self.layouts.values():
                    layout.append_aggregates(con, self._bulk.aggregates.get(layout.dataset, []))
                    self._rebuild_views(con, layout)
                os.sync()  # the files written without fsync reach the disk before the commit
            except BaseException:
                con.rollback()
                raise
            else:
                con.commit()
            finally:
                self._bulk.active = False
                self._bulk.aggregates = {}

    def _store_in(self, con: duckdb.DuckDBPyConnection, new: _Incoming) -> StoreResult:
        """Register `new` inside the caller's transaction (see `store`)."""
        current = con.execute(
            _SELECT_REGISTER + " WHERE partner_id = ? AND dataset = ? AND period = ? "
            "AND status = 'accepted'",
            [new.sub.partner, new.layout.dataset, new.sub.period],
        ).fetchone()
        previous = None if current is None else _submission(current)
        if new.sub.frame is not None and previous and previous.sha256 == new.sub.sha256:
            return StoreResult("unchanged", previous)
        sub = new.sub
        accepted = sub.frame is not None
        sid = next_id(con, "submissions", "submission_id")
        con.execute(
            "INSERT INTO submissions (submission_id, partner_id, dataset, period, "
            "contract_version, sha256, file_name, rows, submitted_by, submitted_at, status, "
            "report_json, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                sid, sub.partner, new.layout.dataset, sub.period, sub.contract_version, sub.sha256,
                sub.file_name, sub.rows, sub.submitted_by, new.moment,
                "accepted" if accepted else "rejected", sub.report_json,
                previous.submission_id if accepted and previous else None,
            ],
        )  # fmt: skip
        row = con.execute(_SELECT_REGISTER + " WHERE submission_id = ?", [sid]).fetchone()
        assert row is not None  # inserted just now, in this transaction
        submission = _submission(row)
        if new.sub.frame is None:
            self.archive.keep(new.sub.source, new.sub.sha256, sync=not self._bulk.active)
            return StoreResult("rejected", submission)
        if previous is not None:
            con.execute(
                "UPDATE submissions SET status = 'superseded' WHERE submission_id = ?",
                [previous.submission_id],
            )
        self._write_rows(con, new, new.sub.frame, submission.submission_id)
        return StoreResult("loaded", submission)

    def store_nil(
        self,
        *,
        partner: str,
        dataset: str,
        period: str,
        submitted_by: str,
        note: str | None,
        report_json: str,
        submitted_at: datetime | None = None,
    ) -> Submission:
        """Register a nil return (nothing to report) in one transaction: an accepted version
        with no rows, kind 'nil', superseding the current version as a corrected file does."""
        layout = self._layout(dataset)
        moment = _utc_naive(submitted_at or datetime.now(UTC))
        with self._store.connect(write=True) as con:
            con.begin()
            try:
                current = con.execute(
                    "SELECT submission_id FROM submissions WHERE partner_id = ? AND dataset = ? "
                    "AND period = ? AND status = 'accepted'",
                    [partner, dataset, period],
                ).fetchone()
                previous = None if current is None else int(current[0])
                sid = next_id(con, "submissions", "submission_id")
                con.execute(
                    _INSERT_NIL,
                    [sid, partner, dataset, period, submitted_by, moment, report_json, previous,
                     note],
                )  # fmt: skip
                row = con.execute(_SELECT_REGISTER + " WHERE submission_id = ?", [sid]).fetchone()
                assert row is not None  # inserted just now, in this transaction
                if previous is not None:
                    con.execute(
                        "UPDATE submissions SET status = 'superseded' WHERE submission_id = ?",
                        [previous],
                    )
                self._rebuild_views(con, layout)
            except BaseException:
                con.rollback()
                raise
            con.commit()
        return _submission(row)

    # -- reminders: what was sent, and the partners' pauses (see `warehouse.reminders`) --------

    def add_reminder_pause(
        self, *, partner: str, until: date, paused_by: str, reason: str | None
    ) -> reminders.ReminderPause:
        """Record that a partner's reminders are paused until `until` (inclusive), now."""
        with self._store.connect(write=True) as con:
            return reminders.insert_pause(
                con, partner=partner, until=until, paused_by=paused_by,
                paused_at=datetime.now(UTC), reason=reason,
            )  # fmt: skip

    def reminder_pauses(
        self, *, on: date, partner: str | None = None
    ) -> list[reminders.ReminderPause]:
        """The pauses in force on `on` (each partner's latest, lasting until then or later)."""
        with self.reading() as con:
            return reminders.select_current_pauses(con, on=on, partner=partner)

    def record_reminders(self, sent: Sequence[reminders.SentReminder]) -> None:
        """Record the obligations one accepted reminder was about (never the same twice)."""
        with self._store.connect(write=True) as con:
            reminders.insert_sent(con, sent)

    def reminders_sent(self, partner: str | None = None) -> list[reminders.SentReminder]:
        """Every reminder recorded (of one partner), oldest first."""
        with self.reading() as con:
            return reminders.select_sent(con, partner=partner)

    # -- retention and erasure (see `warehouse.erasure`) ---------------------------------------

    def erase(
        self,
        record: Erasure,
        *,
        audit: Callable[[Submission], AuditRow] | None = None,
    ) -> Submission:
        """Erase one submission in one transaction, keeping its tombstone; return the tombstone.

        In the transaction: the register row becomes the tombstone (status 'erased'; its
        report, file name and note emptied), its aggregates and its row-file entry are
        deleted, `record` says when, by whom and under which rule, a request waiting for it is
        closed (carried out, or overtaken by retention), its audit entry (`audit`, made from
        the submission) is written, and the dataset's views are rebuilt without it. Only after
        the commit are the row file and the raw file (unless another submission still has the
        same bytes) removed: a crash before the commit leaves the submission whole, a crash
        after it leaves files that the next writing open of the database removes. Nothing is
        deleted without its tombstone.
        """
        sid = record.submission_id
        with self._store.connect(write=True) as con:
            con.begin()
            try:
                row = con.execute(_SELECT_REGISTER + " WHERE submission_id = ?", [sid]).fetchone()
                if row is None:
                    raise UsageError(
                        f"there is no submission #{sid} in the register: check the number "
                        "(`shared-outcomes history` lists each partner's).",
                        title="No such submission",
                    )
                found = _submission(row)
                if found.status == "erased":
                    raise UsageError(
                        f"submission #{sid} was already erased: nothing is left to erase.",
                        title="Already erased",
                    )
                con.execute(
                    "UPDATE submissions SET status = 'erased', report_json = NULL, "
                    "file_name = NULL, note = NULL WHERE submission_id = ?",
                    [sid],
                )
                paths = [
                    str(r[0])
                    for r in con.execute(
                        "SELECT path FROM row_files WHERE submission_id = ?", [sid]
                    ).fetchall()
                ]
                con.execute("DELETE FROM row_files WHERE submission_id = ?", [sid])
                layout = self.layouts.get(found.dataset)
                # The aggregates go even when the dataset's contract has gone since.
                aggregated = con.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
                    "AND database_name = current_database()",
                    ["agg_" + found.dataset],
                ).fetchone()
                if aggregated is not None and int(aggregated[0]) > 0:
                    con.execute(
                        f"DELETE FROM {quote_ident('agg_' + found.dataset)} "  # noqa: S608 - quoted
                        "WHERE submission_id = ?",
                        [sid],
                    )
                erasure.insert_erasure(con, record)
                if audit is not None:
                    warehouse_audit.append(con, audit(found), self._store.audit_id(con))
                erasure.delete_request(con, sid)  # carried out, or overtaken by retention
                if layout is not None:
                    self._rebuild_views(con, layout)
                shared = con.execute(
                    "SELECT count(*) FROM submissions WHERE sha256 = ? AND status <> 'erased'",
                    [found.sha256],
                ).fetchone()
                tomb = con.execute(_SELECT_REGISTER + " WHERE submission_id = ?", [sid]).fetchone()
            except BaseException:
                con.rollback()
                raise
            con.commit()
        for relative in paths:
            self.row_files.absolute(relative).unlink(missing_ok=True)
        if found.sha256 and shared is not None and int(shared[0]) == 0:
            self.archive.path_for(found.sha256).unlink(missing_ok=True)
        assert tomb is not None  # read inside the transaction that kept it
        return _submission(tomb)

    def erasures(self, submission_ids: Sequence[int] | None = None) -> list[Erasure]:
        """Every erasure recorded (of `submission_ids` only, when given), oldest first."""
        with self.reading() as con:
            return erasure.select_erasures(con, submission_ids)

    def erased_since(self, as_at: datetime) -> list[Erasure]:
        """Erasures made after `as_at` of versions known by then (figures as at `as_at` then
        read their data and can no longer be made exactly as they were), oldest first."""
        with self.reading() as con:
            ids = [
                int(r[0])
                for r in con.execute(
                    "SELECT e.submission_id FROM erasures e JOIN submissions s USING "
                    "(submission_id) WHERE s.submitted_at <= ? AND e.erased_at > ?",
                    [_utc_naive(as_at)] * 2,
                ).fetchall()
            ]
            return erasure.select_erasures(con, ids) if ids else []

    def request_erasure(self, request: ErasureRequest) -> None:
        """Record a request for erasure, waiting for a second administrator."""
        with self._store.connect(write=True) as con:
            erasure.insert_request(con, request)

    def erasure_request(self, submission_id: int) -> ErasureRequest | None:
        """The request waiting for confirmation for a submission, if any."""
        with self.reading() as con:
            return erasure.select_request(con, submission_id)

    def erasure_requests(self) -> list[ErasureRequest]:
        """Every request waiting for confirmation, oldest first."""
        with self.reading() as con:
            return erasure.select_requests(con)

    def record_reviews_sent(self, sent: Sequence[reminders.SentReview]) -> None:
        """Record the review reminders one accepted message was about (never the same twice)."""
        with self._store.connect(write=True) as con:
            reminders.insert_reviews_sent(con, sent)

    def reviews_sent(self) -> list[reminders.SentReview]:
        """Every agreement review reminder recorded, oldest first."""
        with self.reading() as con:
            return reminders.select_reviews_sent(con)

    def _write_rows(
        self, con: duckdb.DuckDBPyConnection, new: _Incoming, frame: pl.DataFrame, sid: int
    ) -> None:
        """Archive the file, write the row file and the aggregates of an accepted submission."""
        layout = new.layout
        typed = layout.typed_frame(frame, sid)
        sync = not self._bulk.active  # a bulk load syncs once, before its commit
        if typed.height < _OVERLAP_FROM_ROWS:
            self.archive.keep(new.sub.source, new.sub.sha256, sync=sync)
            relative = self.row_files.write(typed, layout.dataset, sid, sync=sync)
            aggregates = layout.aggregate(typed, sid, new.sub.partner)
        else:  # archive, row file and aggregates overlap: file writes and Polars drop the GIL
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="load") as pool:
                archived = pool.submit(self.archive.keep, new.sub.source, new.sub.sha256, sync=sync)
                written = pool.submit(self.row_files.write, typed, layout.dataset, sid, sync=sync)
                aggregates = layout.aggregate(typed, sid, new.sub.partner)
                archived.result()
                relative = written.result()
        if self._bulk.active:
            self._bulk.aggregates.setdefault(layout.dataset, []).append(aggregates)
        else:
            layout.append_aggregates(con, [aggregates])
        con.execute(
            "INSERT INTO row_files (submission_id, dataset, path, columns) VALUES (?, ?, ?, ?)",
            [sid, layout.dataset, relative, layout.column_names],
        )

    def _layout(self, dataset: str) -> DatasetLayout:
        try:
            return self.layouts[dataset]
        except KeyError:
            known = ", ".join(sorted(self.layouts)) or "none"
            raise WarehouseError(
                f"the warehouse has no dataset {dataset!r} (known: {known})."
            ) from None
