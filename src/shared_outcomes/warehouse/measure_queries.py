"""The SQL behind figures: the versions in play and each measure's sums over `agg_<dataset>`.

Figures never run SQL themselves: a computation opens one `MeasureQueries` (`Warehouse.
measure_queries`), whose methods build each statement from names a definition resolved against
its contract (quoted as identifiers) and bind every value (filter values, submission ids, the
as-at moment) as a parameter. All the queries of one computation run on that one read
connection, so on a database file a figure set is read from one consistent state of it. On a
DuckLake catalog each statement reads the latest snapshot, and the versions are computed by
the same SQL in memory, on a copy of the register the warehouse keeps while it is unchanged
(`Warehouse._register_copy`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

import duckdb
import polars as pl

#: The columns of `submissions` that `versions_sql` reads (a kept copy holds only these).
REGISTER_COPY_COLUMNS = (
    "submission_id", "partner_id", "dataset", "period", "sha256", "submitted_at", "status",
    "kind",
)  # fmt: skip


class RegisterCopy(Protocol):
    """A copy of the register kept by the warehouse (`Warehouse._register_copy`): the columns
    of `submissions` that `versions_sql` reads, and `erasures` (submission_id, rule)."""

    @property
    def submissions(self) -> pl.DataFrame: ...
    @property
    def erasures(self) -> pl.DataFrame: ...


#: Every version that was ever current (an erased one too: it was known, its data is gone).
_STATUSES = ("accepted", "superseded", "erased")


class FilterLike(Protocol):
    """A measure's filter (`definitions.Filter` fits): rows whose `column` is one of `values`."""

    @property
    def column(self) -> str: ...
    @property
    def values(self) -> Sequence[object]: ...


class MeasureLike(Protocol):
    """What the SQL needs of a measure (`definitions.Measure` fits)."""

    @property
    def agg_column(self) -> str: ...
    @property
    def filters(self) -> Sequence[FilterLike]: ...


def quote(identifier: str) -> str:
    """A SQL identifier, quoted (names come from checked contracts; quoting keeps them inert)."""
    return '"' + identifier.replace('"', '""') + '"'


def utc_naive(moment: datetime) -> datetime:
    """The register stores naive UTC timestamps."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def versions_sql(datasets: Sequence[str], as_at: datetime | None) -> tuple[str, list[object]]:
    """The latest two versions per partner, dataset and month (1 = current, 2 = the one before).

    An erased version keeps its place (`erased` true, `erased_under` its rule: 'retention' or
    'request'): what was known then is known, though its data is gone."""
    params: list[object] = [*_STATUSES, *datasets]
    when = ""
    if as_at is not None:
        when = " AND submitted_at <= ?"
        params.append(utc_naive(as_at))
    marks = ", ".join("?" for _ in datasets) or "NULL"
    # Only placeholders are joined in; the values are bound.
    sql = (
        "SELECT * FROM "  # noqa: S608
        "(SELECT submission_id, partner_id, dataset, period, "
        "CAST(submission_id AS VARCHAR) || '|' || coalesce(sha256, '') || '|' || "
        "CAST(submitted_at AS VARCHAR) || (CASE WHEN status = 'erased' THEN '|erased' ELSE '' "
        "END) AS token, coalesce(kind, 'extract') = 'nil' AS nil, status = 'erased' AS erased, "
        "(SELECT e.rule FROM erasures e WHERE e.submission_id = s.submission_id) AS erased_under, "
        "row_number() OVER ("
        "PARTITION BY partner_id, dataset, period ORDER BY submitted_at DESC, submission_id DESC"
        ") AS version FROM submissions s WHERE status IN (?, ?, ?) AND dataset IN ("
        + marks
        + ")"
        + when
        + ") WHERE version <= 2"
    )
    return sql, params


def measures_sql(
    dataset: str, area_column: str, measures: Sequence[MeasureLike], ids: Sequence[int]
) -> tuple[str, list[object]]:
    """Every measure on `dataset` for the submissions `ids`, per submission and area."""
    params: list[object] = []
    sums = []
    for i, measure in enumerate(measures):
        conditions = []
        for condition in measure.filters:
            marks = ", ".join("?" for _ in condition.values)
            conditions.append(f"a.{quote(condition.column)} IN ({marks})")
            params.extend(condition.values)
        where = f" FILTER (WHERE {' AND '.join(conditions)})" if conditions else ""
        sums.append(f"CAST(SUM(a.{quote(measure.agg_column)}){where} AS DOUBLE) AS m{i}")
    params += [min(ids), max(ids), list(ids)]
    area = "a." + quote(area_column)
    # The range lets DuckDB skip row groups (aggregates are appended in submission order).
    sql = (
        "SELECT "  # noqa: S608
        f"a.submission_id, CAST({area} AS VARCHAR) AS area_code, {', '.join(sums)} "
        f"FROM {quote('agg_' + dataset)} AS a "
        "WHERE a.submission_id BETWEEN ? AND ? "
        "AND a.submission_id IN (SELECT unnest(CAST(? AS BIGINT[]))) "
        f"GROUP BY a.submission_id, {area}"
    )
    return sql, params


class MeasureQueries:
    """The queries of one figure computation, on one read connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection | Callable[[], duckdb.DuckDBPyConnection],
        known_tables: frozenset[str] | None = None,
        register: Callable[[], RegisterCopy] | None = None,
    ) -> None:
        """`con`: the read connection, or what opens it when a query first needs it.
        `known_tables`: tables this process made sure exist (they are never dropped), so
        they need no lookup; None looks them up. `register`: a kept copy of the register to
        run `versions_sql` on and read the erasures from, in memory (None: on the
        connection)."""
        self._source = con
        self._known = known_tables
        self._register = register

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        if not isinstance(self._source, duckdb.DuckDBPyConnection):
            self._source = self._source()
        return self._source

    def versions(self, datasets: Sequence[str], as_at: datetime | None) -> pl.DataFrame:
        """See `versions_sql`: submission_id, partner_id, dataset, period, token, nil (a nil
        return), erased, erased_under, version."""
        sql, params = versions_sql(datasets, as_at)
        if self._register is None:
            found = self._con.execute(sql, params).pl()
        else:
            found = _on_copy(self._register(), sql, params)
        return found.with_columns(pl.col("version").cast(pl.Int64))

    def sums(
        self, dataset: str, area_column: str, measures: Sequence[MeasureLike], ids: Sequence[int]
    ) -> pl.DataFrame:
        """See `measures_sql`: submission_id, area_code and one `m<i>` column per measure."""
        sql, params = measures_sql(dataset, area_column, measures, ids)
        return self._con.execute(sql, params).pl().cast({"submission_id": pl.Int64})

    def erased_ids(self) -> list[int]:
        """The submissions erased so far (their data is gone; nothing derived may be kept)."""
        if self._register is not None:
            return self._register().erasures.get_column("submission_id").to_list()
        rows = self._con.execute("SELECT submission_id FROM erasures").fetchall()
        return [int(row[0]) for row in rows]

    def tables(self) -> set[str]:
        """The names of the tables and views in the database, or those known to exist (a
        lookup costs tens of milliseconds on a DuckLake catalog)."""
        if self._known is not None:
            return set(self._known)
        rows = self._con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        return {str(row[0]) for row in rows}


_MEMORY: list[duckdb.DuckDBPyConnection] = []  # one in-memory database, made on first use
_MEMORY_GUARD = threading.Lock()


def _on_copy(register: RegisterCopy, sql: str, params: list[object]) -> pl.DataFrame:
    """`sql` run in memory on a copy of the register's tables (the same SQL, the same types),
    on a cursor of its own (a frame registered on it is seen by it alone) of one in-memory
    database: a cursor costs about a millisecond, a new database ten."""
    with _MEMORY_GUARD:
        if not _MEMORY:
            _MEMORY.append(duckdb.connect())
        cursor = _MEMORY[0].cursor()
    try:
        cursor.register("submissions", register.submissions)
        cursor.register("erasures", register.erasures)
        return cursor.execute(sql, params).pl()
    finally:
        cursor.close()
