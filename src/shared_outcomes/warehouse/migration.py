"""Moving a warehouse from its DuckDB file into an empty DuckLake catalog (`migrate --to`).

Everything a file warehouse keeps moves: every table (the register with its reports, the
aggregates, the audit log, commentary, sign-offs, board packs, excusals, reminders, erasures
and their tombstones), the row files and the archived raw files they name. The catalog's own
schema version and warehouse id stay its own; the figure caches are not moved (they are
rebuilt from what moved).

**All or nothing.** The move holds the catalog's `migrate` lock (a second move stops at once)
and its writer's turn throughout, copies the files first (a file no committed row names is
swept by the next open), then every table in one transaction with the source file attached
read-only (no other process can write to it meanwhile), checks each table's row count and
content hash against the source, rebuilds the views, and only then lets the caller compare
what it derives (the figures) before the commit. Any difference or failure rolls it all back
and removes the files it copied.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shared_outcomes.errors import UsageError, WarehouseError
from shared_outcomes.warehouse.archive import Archive, RowFiles
from shared_outcomes.warehouse.schema import quote_ident, quote_literal

#: The name the source file is attached under while it is copied.
SOURCE = "moving_from"
#: The catalog's own rows: its schema version (applied when it was made) and its warehouse id.
_OWN_TABLES = ("schema_version", "warehouse_meta")

#: (done, total, what): the files copied, then the tables.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Moved:
    """What a move copied: rows per table, row files and archived raw files."""

    tables: dict[str, int]
    row_files: int
    archived_files: int

    @property
    def submissions(self) -> int:
        return self.tables.get("submissions", 0)


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "ORDER BY table_name",
        [database],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [database, table],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _schema_version(con: duckdb.DuckDBPyConnection, database: str) -> int:
    row = con.execute(
        f"SELECT coalesce(max(version), 0) FROM {quote_ident(database)}.main.schema_version"  # noqa: S608 - quoted
    ).fetchone()
    return int(row[0]) if row else 0


def check_empty(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """Refuse a catalog that holds anything but its own schema version and id."""
    database = _current(con)
    held = []
    for table in _tables(con, database):
        if table in _OWN_TABLES:
            continue
        row = con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()  # noqa: S608 - quoted
        if row and row[0]:
            held.append(f"{table} ({row[0]:,} rows)")
    if held:
        raise UsageError(
            f"the catalog {where} already holds a warehouse ({', '.join(held[:3])}"
            f"{', ...' if len(held) > 3 else ''}), and a database file is moved only into an "
            "empty one, so nothing in it is overwritten. Create an empty database for it "
            "(`createdb NAME`) and name that in --to.",
            title="The catalog is not empty",
        )


def _current(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    assert row is not None  # always one row
    return str(row[0])


def attach_source(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Attach the file read-only (a writer in another process keeps it: a message)."""
    try:
        con.execute(f"ATTACH {quote_literal(str(db_path))} AS {SOURCE} (READ_ONLY)")
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseError(
                f"the database {db_path} is open for writing in another program (an app "
                "server, an ingest worker or a command): stop what uses it, then move it, so "
                "nothing stored during the move is left behind. Nothing was moved.",
                title="The database is in use",
            ) from None
        raise WarehouseError(f"cannot read the database {db_path}: {error}.") from None


def detach_source(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DETACH {SOURCE}")


def copy_files(
    con: duckdb.DuckDBPyConnection,
    source: tuple[RowFiles, Archive],
    target: tuple[RowFiles, Archive],
    progress: Progress | None,
    copied: list[Path],
) -> tuple[int, int]:
    """Copy every row file and archived raw file the source's register names (synced once at
    the end); return how many of each, and add each file made to `copied` (for the caller to
    remove if the move fails). A raw file an erasure removed is not there to copy."""
    (source_rows, source_archive), (target_rows, target_archive) = source, target
    row_files = [
        str(r[0])
        for r in con.execute(f"SELECT path FROM {SOURCE}.main.row_files").fetchall()  # noqa: S608 - constant
    ]
    hashes = [
        str(r[0])
        for r in con.execute(
            f"SELECT DISTINCT sha256 FROM {SOURCE}.main.submissions WHERE sha256 IS NOT NULL"  # noqa: S608 - constant
        ).fetchall()
    ]
    archived = [h for h in hashes if source_archive.path_for(h).is_file()]
    total = len(row_files) + len(archived)
    done = 0
    for relative in row_files:
        found = source_rows.absolute(relative)
        if not found.is_file():
            raise WarehouseError(
                f"the row file {found} that the register names is missing, so the database "
                "cannot be moved whole: restore it from a backup, then move the database."
            )
        target_rows.copy_in(found, relative)
        copied.append(target_rows.absolute(relative))
        done += 1
        if progress and done % 25 == 0:
            progress(done, total, "files")
    for sha256 in archived:
        if not target_archive.path_for(sha256).is_file():
            copied.append(target_archive.keep(source_archive.path_for(sha256), sha256, sync=False))
        done += 1
        if progress and done % 25 == 0:
            progress(done, total, "files")
    os.sync()  # every copy reaches the disk before the tables that name them commit
    if progress:
        progress(total, total, "files")
    return len(row_files), len(archived)


def copy_tables(
    con: duckdb.DuckDBPyConnection, expected_version: int, progress: Progress | None
) -> dict[str, int]:
    """Copy every table of the attached source into the current database (inside the caller's
    transaction) and check each against its source; return the rows per table."""
    target = _current(con)
    have = _schema_version(con, SOURCE)
    if have != expected_version:
        raise WarehouseError(
            f"the database file is at schema version {have}, not {expected_version}: open it "
            "once with this version of Shared Outcomes (any command that writes), then move it."
        )
    theirs = [t for t in _tables(con, SOURCE) if t not in _OWN_TABLES]
    ours = set(_tables(con, target))
    unknown = [t for t in theirs if t not in ours]
    if unknown:
        raise WarehouseError(
            f"the database file has tables the catalog lacks ({', '.join(unknown)}): check that "
            "the catalog is opened with the same contracts as the file, then move it again."
        )
    copied: dict[str, int] = {}
    for done, table in enumerate(theirs, start=1):
        columns = _columns(con, target, table)
        if sorted(columns) != sorted(_columns(con, SOURCE, table)):
            raise WarehouseError(
                f"the table {table} has other columns in the file than in the catalog: check "
                "that both use the same contracts, then move it again."
            )
        names = ", ".join(quote_ident(c) for c in columns)
        con.execute(
            f"INSERT INTO {quote_ident(table)} ({names}) SELECT {names} "  # noqa: S608 - quoted
            f"FROM {SOURCE}.main.{quote_ident(table)}"
        )
        copied[table] = _check_same(con, table, columns)
        if progress:
            progress(done, len(theirs), table)
    return copied


def _check_same(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> int:
    """The table's row count and content hash, equal in the catalog and in the source."""
    names = ", ".join(quote_ident(c) for c in columns)
    digest = f"SELECT count(*), coalesce(bit_xor(hash({names})), 0) FROM "  # noqa: S608 - quoted
    here = con.execute(digest + quote_ident(table)).fetchone()
    there = con.execute(digest + f"{SOURCE}.main.{quote_ident(table)}").fetchone()
    if here != there:
        raise WarehouseError(
            f"the table {table} did not arrive whole in the catalog ({there} in the file, "
            f"{here} in the catalog): nothing was stored. Please report this."
        )
    assert here is not None  # an aggregate always yields a row
    return int(here[0])
