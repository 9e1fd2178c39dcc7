"""The warehouse's connections to a shared DuckLake catalog in PostgreSQL (the second backend).

One DuckDB instance per process attaches the catalog (`ATTACH 'ducklake:postgres:'`, its
Parquet files in `<data folder>/warehouse.lake`) with the pinned extensions loaded from their
packages, never downloaded. Every unit of work takes its own cursor on that instance, so the
same SQL as on a file runs unchanged (`USE lake`).

**Readers never wait.** A reading unit takes no lock: DuckLake gives it the catalog's latest
snapshot, and a load in another process is either wholly in it or not at all.

**Writers take turns.** A writing unit first takes the catalog's writer lock, a PostgreSQL
advisory lock held by a session of its own, waiting at most `busy_timeout` (then
`WarehouseBusy`). DuckLake would detect two concurrent updates of one table and fail one at
commit, but two concurrent deletes from one data file were seen to duplicate rows, and ids
are the largest plus one (`schema.next_id`); so writers are serialised rather than retried.
One kind of write takes no turn: an audit entry (a sign-in, a refusal) is an insert alone,
numbered by a PostgreSQL sequence, so a page never waits for a worker's load to record it.
A writer killed at any moment loses its PostgreSQL session, and with it the lock and its
uncommitted transaction: nothing is half-stored. `exclusive` is the same lock for one job
(`only_run`), taken or refused at once.

**Reads kept while nothing changes them** (`KeptReads`): a page reads the sign-offs, the
comments, the erasures and the register on every run, and on a catalog each query costs tens
of milliseconds of DuckLake metadata work, most of all while a worker loads. A reader may keep such
a result and use it again while no snapshot after the one it read has changed its tables: one
query on DuckLake's own `ducklake_snapshot_changes` in PostgreSQL (under a millisecond) says
which tables each later snapshot changed. The record is written in the same commit as the
change, so a kept result is never older than what a fresh read would see.

**Faults** become messages that say what to do, never naming the password: the server down
or unreachable, a wrong password, a missing database, a data folder that cannot be written.
After a lost connection the instance is dropped and the next unit attaches afresh.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import psycopg

from shared_outcomes.errors import (
    WarehouseBusy,
    WarehouseError,
    is_storage_problem,
    storage_error,
)
from shared_outcomes.settings import Catalog, companion_dir, private_dir
from shared_outcomes.warehouse.schema import quote_literal

#: The name the catalog is attached under (every statement runs with `USE lake`).
LAKE = "lake"
_WRITER = "shared-outcomes writer"
_INSTANCES: dict[tuple[str, Path], duckdb.DuckDBPyConnection] = {}
_INSTANCES_GUARD = threading.Lock()
#: Changes (`ducklake_snapshot_changes.changes_made`, `kind:table_id`) to the rows of the
#: table of that id (a table id is never used again; a table altered or dropped is not here).
_TABLE_CHANGES = frozenset({
    "inserted_into_table", "deleted_from_table", "compacted_table", "inlined_insert",
    "inlined_delete",
})  # fmt: skip
#: Changes to no table's rows (a dataset's views made again, or their comment set).
_NO_ROWS_CHANGED = frozenset({"created_view", "dropped_view", "altered_view"})
#: DuckLake's own tables in PostgreSQL (its default schema): the snapshots from one id to another
#: with their times (microseconds) and changes; the latest snapshot; every table's id and name.
_CHANGES_SQL = (
    "SELECT s.snapshot_id, (extract(epoch FROM s.snapshot_time) * 1000000)::bigint, "
    "c.changes_made FROM public.ducklake_snapshot s LEFT JOIN public.ducklake_snapshot_changes c "
    "USING (snapshot_id) WHERE s.snapshot_id BETWEEN %s AND %s ORDER BY s.snapshot_id"
)
_LATEST_SQL = (
    "SELECT snapshot_id, (extract(epoch FROM snapshot_time) * 1000000)::bigint "
    "FROM public.ducklake_snapshot ORDER BY snapshot_id DESC LIMIT 1"
)
_TABLES_SQL = "SELECT table_id, table_name FROM public.ducklake_table"
#: The sequence in the catalog's PostgreSQL database that numbers audit entries (`audit_id`).
_AUDIT_IDS = "public.shared_outcomes_audit_ids"
#: Moves the sequence on to a given id unless it is there already (its next id comes after).
_AUDIT_AFTER_SQL = (
    f"SELECT setval(%s, %s) FROM {_AUDIT_IDS} WHERE (last_value, is_called) < (%s, true)"  # noqa: S608 - a fixed name
)
#: Snapshots looked through for changes at most (a result older than that is read again).
_CHANGES_MAX = 500
#: Results kept per warehouse (the oldest let go first).
_KEPT_MAX = 256
_T = TypeVar("_T")
#: A DuckLake snapshot: its id and its time in microseconds (an id alone could name another
#: snapshot after the catalog is restored from a backup).
Snapshot = tuple[int, int]


def _largest_audit_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()
    assert row is not None  # an aggregate always yields a row
    return int(row[0])


def lake_data_dir(catalog: Catalog) -> Path:
    """The folder of DuckLake's own Parquet files (`<data folder>/warehouse.lake`)."""
    return companion_dir(catalog.anchor, "lake")


def _lock_key(name: str) -> int:
    """A stable advisory-lock key for `name` (PostgreSQL keys are signed 64-bit)."""
    return zlib.crc32(name.encode()) - 2**31


def extension_file(package: str, name: str) -> str:
    """The extension shipped in a `duckdb-extension-*` package for this DuckDB version."""
    path = files(package) / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        raise WarehouseError(
            f"the DuckDB extension {name} for DuckDB {duckdb.__version__} is not installed: "
            f"install the pinned packages again (`pip install -r requirements.txt`)."
        )
    return str(path)


def _said(error: BaseException, catalog: Catalog) -> str:
    """An engine's message with the password, if any, taken out."""
    text = str(error)
    if catalog.password:
        text = text.replace(catalog.password, "***")
    return text


def catalog_problem(error: BaseException, catalog: Catalog) -> WarehouseError | None:
    """What a PostgreSQL failure means for the user, as an error saying what to do (None if
    the error is not about reaching the catalog)."""
    text = _said(error, catalog)
    lowered = text.lower()
    where = catalog.where
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return WarehouseError(
            f"PostgreSQL at {catalog.host}:{catalog.port} refused the password of the user "
            f"{catalog.user!r}: check the password in SHARED_OUTCOMES_CATALOG (or PGPASSWORD). "
            "Nothing was read or stored.",
            title="Catalog refused the password",
        )
    if "does not exist" in lowered and "database" in lowered:
        return WarehouseError(
            f"the PostgreSQL server at {catalog.host}:{catalog.port} has no database "
            f"{catalog.dbname!r}: create it (`createdb {catalog.dbname}`) or correct "
            "SHARED_OUTCOMES_CATALOG. Nothing was read or stored.",
            title="No such catalog database",
        )
    markers = (
        "connection refused", "could not connect", "unable to connect", "server closed",
        "connection to server", "terminating connection", "no connection to the server",
        "could not receive data", "could not send data", "timeout expired", "ssl syscall",
        "connection reset", "broken pipe", "the database system is shutting down",
        "the database system is starting up",
    )  # fmt: skip
    if any(marker in lowered for marker in markers):
        return WarehouseError(
            f"cannot reach the catalog {where}: its PostgreSQL server refused or dropped the "
            "connection. Nothing was half-stored; check the server is running and try again "
            f"(an ingest worker tries again at its next round). The server said: "
            f"{text.splitlines()[0] if text else 'nothing'}",
            title="Catalog unavailable",
        )
    return None


class LakeConnections:
    """Cursors on the process's DuckLake instance: free reads, writes one at a time."""

    lake = True

    def __init__(self, catalog: Catalog, busy_timeout: float) -> None:
        self.catalog = catalog
        self.busy_timeout = busy_timeout
        self._local = threading.local()  # held: a cursor this thread holds; depth: writer turns
        self.kept = KeptReads(self)
        self._table_names: dict[int, str] = {}  # DuckLake's table ids, as `changed_tables` met them
        self._watch: psycopg.Connection | None = None  # `changed_tables`' session, kept open
        self._watch_guard = threading.Lock()
        self._audit_ready = False  # the sequence of audit ids is known to exist

    @property
    def where(self) -> str:
        return self.catalog.where

    # -- the instance ------------------------------------------------------------------------

    def _instance(self) -> duckdb.DuckDBPyConnection:
        key = (self.catalog.where, self.catalog.data_dir)
        with _INSTANCES_GUARD:
            found = _INSTANCES.get(key)
            if found is None:
                found = _INSTANCES[key] = self._attach()
            return found

    def close(self) -> None:
        """Close this process's instance of the catalog (the next unit attaches afresh) and
        the session `changed_tables` keeps."""
        self._forget_instance()
        with self._watch_guard:
            if self._watch is not None:
                with suppress(psycopg.Error):
                    self._watch.close()
                self._watch = None

    def _forget_instance(self) -> None:
        with _INSTANCES_GUARD:
            found = _INSTANCES.pop((self.catalog.where, self.catalog.data_dir), None)
        if found is not None:
            with suppress(duckdb.Error):  # already broken: nothing more to release
                found.close()

    def _attach(self) -> duckdb.DuckDBPyConnection:
        catalog = self.catalog
        data = lake_data_dir(catalog)
        try:
            private_dir(data)
        except OSError as error:
            raise storage_error(error, where=data) from error
        con = duckdb.connect(
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
        )
        try:
            con.execute(f"LOAD {quote_literal(extension_file('duckdb_extension_postgres_scanner', 'postgres_scanner'))}")  # fmt: skip # noqa: E501
            con.execute(f"LOAD {quote_literal(extension_file('duckdb_extension_ducklake', 'ducklake'))}")  # fmt: skip # noqa: E501
            # A temporary secret: the password stays in this process's memory, out of every
            # connection string and message.
            con.execute(
                "CREATE OR REPLACE TEMPORARY SECRET shared_outcomes_catalog (TYPE postgres, "
                f"HOST {quote_literal(catalog.host)}, PORT {int(catalog.port)}, "
                f"DATABASE {quote_literal(catalog.dbname)}, USER {quote_literal(catalog.user)}, "
                f"PASSWORD {quote_literal(catalog.password or '')})"
            )
            con.execute(
                f"ATTACH 'ducklake:postgres:' AS {LAKE} (DATA_PATH "
                f"{quote_literal(str(data) + '/')}, META_SECRET shared_outcomes_catalog)"
            )
        except duckdb.Error as error:
            con.close()
            problem = catalog_problem(error, catalog)
            if problem is not None:
                raise problem from None
            raise WarehouseError(
                f"cannot open the catalog {catalog.where}: {_said(error, catalog)}."
            ) from None
        return con

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self._instance().cursor()
        try:
            with self._problems():  # `USE` reads the catalog's latest snapshot: it can fail
                cursor.execute(f"USE {LAKE}")
        except BaseException:
            cursor.close()
            raise
        return cursor

    def changed_tables(self, since: Snapshot | None) -> tuple[Snapshot, frozenset[str] | None]:
        """The catalog's latest snapshot, and the tables whose rows a snapshot after `since`
        changed (None: unknown, so any may have: no `since`, `since` no longer in the catalog
        (restored from a backup, say), a table made or altered, a change of a kind not known
        here, or too many snapshots to look through). Read from DuckLake's own record of each
        commit's changes (`ducklake_snapshot_changes`, written in the commit it describes), in
        PostgreSQL directly: well under a millisecond, against a few through DuckDB."""
        rows = (
            []
            if since is None
            else self._watch_rows(_CHANGES_SQL, [since[0], since[0] + _CHANGES_MAX])
        )
        if since is None or not rows or tuple(rows[0][:2]) != since or len(rows) > _CHANGES_MAX:
            found = self._watch_rows(_LATEST_SQL, [])
            return (int(found[0][0]), int(found[0][1])) if found else (0, 0), None
        latest: Snapshot = (int(rows[-1][0]), int(rows[-1][1]))
        ids: set[int] = set()
        for _, _, made in rows[1:]:
            for change in (made or "?").split(","):
                kind, _, value = change.partition(":")
                if kind in _NO_ROWS_CHANGED:
                    continue
                if kind not in _TABLE_CHANGES or not value.isdigit():
                    self._table_names = {}  # a table made or altered (renamed?)
                    return latest, None
                ids.add(int(value))
        names = self._table_names  # one mapping throughout (another thread may replace it)
        if not ids <= names.keys():
            names = {int(i): str(name) for i, name in self._watch_rows(_TABLES_SQL, [])}
            self._table_names = names
        if not ids <= names.keys():
            return latest, None
        return latest, frozenset(names[i] for i in ids)

    def _watch_rows(self, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
        """A query on DuckLake's own tables, on a PostgreSQL session this object keeps for it.
        A kept session the server dropped (restarted, say) is replaced once before failing."""
        with self._watch_guard:
            kept = self._watch is not None
            try:
                try:
                    return self._on_watch(sql, params)
                except psycopg.OperationalError:
                    if not kept:
                        raise
                    return self._on_watch(sql, params)
            except psycopg.Error as error:
                problem = catalog_problem(error, self.catalog)
                raise (problem or WarehouseError(_said(error, self.catalog))) from None

    def _on_watch(self, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
        """`sql` on the kept session (opened if there is none; let go after a failure)."""
        if self._watch is None or self._watch.closed:
            self._watch = self._connect()
        try:
            found = self._watch.execute(sql, params)
            return found.fetchall() if found.description is not None else []
        except psycopg.Error:
            with suppress(psycopg.Error):
                self._watch.close()
            self._watch = None
            raise

    def holding(self) -> bool:
        """Whether this thread is inside a writing unit or holds a cursor (its reads then see
        its own changes, not yet committed: nothing of them may be kept)."""
        return getattr(self._local, "held", None) is not None or bool(
            getattr(self._local, "depth", 0)
        )

    # -- units of work -----------------------------------------------------------------------

    @contextmanager
    def connect(self, *, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one unit of work (this thread's held one, if it holds one); a writing
        unit holds the catalog's writer lock throughout."""
        held: duckdb.DuckDBPyConnection | None = getattr(self._local, "held", None)
        if held is not None:
            yield held
            return
        with self._writer_turn() if write else nullcontext():
            cursor = self._cursor()
            try:
                with self._problems():
                    yield cursor
            finally:
                cursor.close()

    @contextmanager
    def appending(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A unit that only appends audit entries: it does not wait for the writer's turn.

        A sign-in (an audit entry) would otherwise wait for a worker's whole load. Inserts
        alone never conflict in DuckLake (a commit that meets another's is retried by DuckLake
        itself), and the entry's id comes from a sequence (`audit_id`), not the largest plus
        one, so two appends at once, or one beside a load, never share an id.
        """
        with self.connect(write=False) as cursor:
            yield cursor

    def audit_id(self, con: duckdb.DuckDBPyConnection) -> int:
        """The next audit entry's id, from a sequence in the catalog's PostgreSQL database.

        Made on first use (a catalog from before the sequence) to start after the largest id
        in the audit log as `con` sees it; `audit_ids_after` moves it past ids copied in.
        """
        self._audit_ids(con)
        try:
            return int(self._watch_rows("SELECT nextval(%s)", [_AUDIT_IDS])[0][0])
        except WarehouseError:  # gone since (the catalog restored from an older backup?)
            self._audit_ready = False
            self._audit_ids(con)
            return int(self._watch_rows("SELECT nextval(%s)", [_AUDIT_IDS])[0][0])

    def audit_ids_after(self, con: duckdb.DuckDBPyConnection) -> None:
        """Make the sequence's next id larger than every id in the audit log as `con` sees
        it (after a move copied entries in with their ids)."""
        self._audit_ids(con)
        top = _largest_audit_id(con)
        self._watch_rows(_AUDIT_AFTER_SQL, [_AUDIT_IDS, top, top])

    def _audit_ids(self, con: duckdb.DuckDBPyConnection) -> None:
        if self._audit_ready:
            return
        start = _largest_audit_id(con) + 1
        try:
            self._watch_rows(f"CREATE SEQUENCE IF NOT EXISTS {_AUDIT_IDS} START WITH {start}", [])
        except WarehouseError as error:
            # Two processes making it at once: PostgreSQL may refuse the second (the first
            # one's sequence, from the same largest id, serves both).
            if not self._watch_rows("SELECT to_regclass(%s) IS NOT NULL", [_AUDIT_IDS])[0][0]:
                raise error from None
        self._audit_ready = True

    @contextmanager
    def hold(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Keep one writing cursor (and the writer lock) for several units in this thread."""
        with self._writer_turn():
            cursor = self._cursor()
            self._local.held = cursor
            try:
                with self._problems():
                    yield cursor
            finally:
                self._local.held = None
                cursor.close()

    @contextmanager
    def exclusive(self, job: str) -> Iterator[None]:
        """The catalog's lock for one job (`only_run`): taken at once, or `WarehouseBusy`."""
        with self._session() as session:
            row = session.execute(
                "SELECT pg_try_advisory_lock(%s)", [_lock_key("job " + job)]
            ).fetchone()
            if not (row and row[0]):
                raise WarehouseBusy(
                    f"another `{job}` run is at work on the catalog {self.where}; this one "
                    "stopped without doing anything, so nothing is done twice. Run it again "
                    "when the other has finished."
                )
            yield  # the lock goes with the session, however this process ends

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        if depth:  # this thread has the turn already (a unit inside a unit)
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        with self._session() as session:
            try:
                session.execute(f"SET lock_timeout = {int(self.busy_timeout * 1000)}")
                session.execute("SELECT pg_advisory_lock(%s)", [_lock_key(_WRITER)])
            except psycopg.errors.LockNotAvailable:
                raise WarehouseBusy(
                    f"the catalog {self.where} stayed busy with another writer for "
                    f"{self.busy_timeout:g} s (a large load, probably). Try again shortly."
                ) from None
            self._local.depth = 1
            try:
                yield
            finally:
                self._local.depth = 0

    @contextmanager
    def _session(self) -> Iterator[psycopg.Connection]:
        """A PostgreSQL session of its own (for the advisory locks), closed at the end."""
        session = self._connect()
        try:
            yield session
        finally:
            session.close()

    def _connect(self) -> psycopg.Connection:
        """A new PostgreSQL session on the catalog's database (autocommit)."""
        catalog = self.catalog
        try:
            return psycopg.connect(
                host=catalog.host, port=catalog.port, dbname=catalog.dbname, user=catalog.user,
                password=catalog.password, autocommit=True, connect_timeout=10,
                application_name="shared-outcomes",
            )  # fmt: skip
        except psycopg.Error as error:
            problem = catalog_problem(error, catalog)
            raise (problem or WarehouseError(_said(error, catalog))) from None

    @contextmanager
    def _problems(self) -> Iterator[None]:
        """Engine errors inside a unit as messages; the unit's transaction is not committed."""
        try:
            yield
        except duckdb.TransactionException as error:
            raise WarehouseBusy(
                f"another writer changed the same data of the catalog {self.where} at the same "
                f"time, so this change was not stored. Try again. ({_said(error, self.catalog)})"
            ) from None
        except duckdb.IOException as error:
            text = _said(error, self.catalog)
            lowered = text.lower()
            if any(m in lowered for m in ("no space left", "permission denied", "read-only")):
                raise storage_error(text, where=self.catalog.data_dir) from None
            problem = catalog_problem(error, self.catalog)
            if problem is not None:
                self._forget_instance()
                raise problem from None
            raise storage_error(text, where=self.catalog.data_dir) from None
        except OSError as error:
            if is_storage_problem(error):
                raise storage_error(error) from error
            raise


class KeptReads:
    """Results of reads kept per process while no later snapshot changed the tables they read.

    `get(key, tables, read)` returns `read()`'s last result for `key` if no snapshot after the
    one before it was read has changed any of `tables` (the base tables the read's SQL names),
    else reads again. Each entry keeps the latest snapshot seen *before* its read: the read saw
    that snapshot or a later one, so "no change to its tables since" means the result is what a
    read now would give. A thread inside a writing unit reads afresh and keeps nothing.
    """

    def __init__(self, connections: LakeConnections) -> None:
        self._connections = connections
        self._entries: OrderedDict[Hashable, tuple[Snapshot, frozenset[str], object]]
        self._entries = OrderedDict()
        self._guard = threading.Lock()

    def get(self, key: Hashable, tables: frozenset[str], read: Callable[[], _T]) -> _T:
        connections = self._connections
        if connections.holding():
            return read()
        with self._guard:
            entry = self._entries.get(key)
        since = entry[0] if entry is not None and entry[1] == tables else None
        latest, changed = connections.changed_tables(since)
        if (
            entry is not None
            and since is not None
            and changed is not None
            and not (changed & tables)
        ):
            value = entry[2]
        else:
            value = read()
        with self._guard:
            self._entries[key] = (latest, tables, value)
            self._entries.move_to_end(key)
            while len(self._entries) > _KEPT_MAX:
                self._entries.popitem(last=False)
        return value  # type: ignore[return-value]
