"""The warehouse's connections to its DuckDB file: short, locked within a process, retried across.

DuckDB lets one process open a file read-write (or several open it read-only). Every unit of
work here opens its own short connection and closes it, so a Streamlit server and a CLI ingest
in another process take turns. A lock conflict with another process is retried with bounded
exponential backoff and then raises `WarehouseBusy`; within one process an `RLock` per file
serialises threads (DuckDB also refuses read-only and read-write connections to one file in one
process at the same time). A thread may `hold` one connection for several units of work.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from shared_outcomes.errors import (
    WarehouseBusy,
    WarehouseError,
    is_storage_problem,
    storage_error,
)
from shared_outcomes.warehouse.schema import next_id

_PROCESS_LOCKS: dict[Path, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(path, threading.RLock())


def _is_lock_conflict(error: duckdb.Error) -> bool:
    text = str(error)
    return "Could not set lock" in text or "Conflicting lock" in text


class Connections:
    """Short connections to one DuckDB file: the in-process lock and the cross-process retry."""

    #: Not a DuckLake catalog (see `warehouse.lake.LakeConnections`, the other backend).
    lake = False

    def __init__(self, db_path: Path, busy_timeout: float) -> None:
        self.db_path = db_path
        self.busy_timeout = busy_timeout
        self._lock = _process_lock(db_path)
        self._held = threading.local()  # a connection this thread holds (`hold`)

    @property
    def where(self) -> str:
        """The database, as messages name it."""
        return str(self.db_path)

    def close(self) -> None:
        """Nothing to let go: every unit of work closes its own connection."""

    @contextmanager
    def exclusive(self, job: str) -> Iterator[None]:
        """The database's lock for one job (`only_run`): taken at once, or `WarehouseBusy`.

        An operating-system lock on `<database>.<job>.lock` beside the database, released
        when the block ends or its process dies, however it dies.
        """
        path = self.db_path.with_name(f"{self.db_path.name}.{job}.lock")
        try:
            handle = path.open("a")
        except OSError as error:
            raise storage_error(error, where=path.parent) from error
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WarehouseBusy(
                    f"another `{job}` run is at work on the database {self.db_path}; this one "
                    "stopped without doing anything, so nothing is done twice. Run it again "
                    "when the other has finished."
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's turn on the file, waiting at most `busy_timeout` for other threads."""
        if not self._lock.acquire(timeout=self.busy_timeout):
            raise WarehouseBusy(
                f"the database {self.db_path} stayed busy with other work in this program for "
                f"{self.busy_timeout:g} s (a large load or the demo build). Try again shortly."
            )
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def connect(self, *, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one unit of work (this thread's held one, if it holds one)."""
        with self._turn():
            held: duckdb.DuckDBPyConnection | None = getattr(self._held, "con", None)
            if held is not None:
                yield held
                return
            con = self._open(write=write)
            try:
                with self._disk_problems():
                    yield con
            finally:
                con.close()

    @contextmanager
    def appending(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A unit that only appends audit entries: on a file, a writing unit as any other."""
        with self.connect(write=True) as con:
            yield con

    def audit_id(self, con: duckdb.DuckDBPyConnection) -> int:
        """The next audit entry's id: the largest plus one (the caller writes: the turn is
        its own)."""
        return next_id(con, "audit_log", "id")

    @contextmanager
    def hold(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Keep one read-write connection for several units of work in this thread."""
        with self._turn():
            con = self._open(write=True)
            self._held.con = con
            try:
                with self._disk_problems():
                    yield con
            finally:
                self._held.con = None
                con.close()

    @contextmanager
    def _disk_problems(self) -> Iterator[None]:
        """DuckDB's input/output errors (a full disk, say) as a `StorageError` saying what to do.

        The unit of work's transaction is not committed, so nothing is half-stored.
        """
        try:
            yield
        except duckdb.IOException as error:
            raise storage_error(str(error), where=self.db_path.parent) from error
        except OSError as error:
            if is_storage_problem(error):
                raise storage_error(error) from error
            raise

    def _open(self, *, write: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.02
        while True:
            try:
                return duckdb.connect(str(self.db_path), read_only=not write)
            except duckdb.IOException as error:
                text = str(error).lower()
                if any(m in text for m in ("no space left", "disk full", "permission denied")):
                    raise storage_error(str(error), where=self.db_path) from error
                if not _is_lock_conflict(error):
                    raise WarehouseError(
                        f"cannot open the database {self.db_path}: {error}. Check the path "
                        "and that the file is a Shared Outcomes database."
                    ) from error
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"the database {self.db_path} stayed in use by another program for "
                        f"{self.busy_timeout:g} s (another load or ingest is probably running). "
                        "Try again when it has finished."
                    ) from error
            except duckdb.Error as error:
                raise WarehouseError(
                    f"cannot open the database {self.db_path}: {error}."
                ) from error
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
            delay = min(delay * 2, 0.5)
