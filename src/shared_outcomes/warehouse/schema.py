"""The warehouse's schema: numbered migrations of the register, and each dataset's tables and views.

Migrations run in order inside the opening transaction and record themselves in
`schema_version`, so opening an up-to-date database changes nothing and an older one is brought
forward once. Dataset tables follow the contracts: `agg_<dataset>` gains a column when a
contract version adds one (old submissions show NULL there); the views over the row files are
rebuilt from the register whenever it changes.

SQL here is built from identifiers only after `quote_ident` (dataset and column names are
checked against a strict pattern first); every value is a bound parameter.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import duckdb
import polars as pl

from shared_outcomes.errors import WarehouseError

#: The register's columns, in order (pinned in docs/architecture.md; report_json read apart).
REGISTER_COLUMNS: tuple[str, ...] = (
    "submission_id",
    "partner_id",
    "dataset",
    "period",
    "contract_version",
    "sha256",
    "file_name",
    "rows",
    "submitted_by",
    "submitted_at",
    "status",
    "supersedes",
    "kind",
    "note",
)

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            "CREATE SEQUENCE submission_ids START 1",
            """CREATE TABLE submissions (
                submission_id BIGINT PRIMARY KEY DEFAULT nextval('submission_ids'),
                partner_id VARCHAR NOT NULL,
                dataset VARCHAR NOT NULL,
                period VARCHAR NOT NULL,
                contract_version VARCHAR,
                sha256 VARCHAR,
                file_name VARCHAR,
                rows BIGINT NOT NULL,
                submitted_by VARCHAR NOT NULL,
                submitted_at TIMESTAMP NOT NULL,
                status VARCHAR NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded')),
                report_json VARCHAR,
                supersedes BIGINT
            )""",
            # Where each accepted submission's rows live, relative to the row-files folder.
            """CREATE TABLE row_files (
                submission_id BIGINT PRIMARY KEY,
                dataset VARCHAR NOT NULL,
                path VARCHAR NOT NULL,
                columns VARCHAR[] NOT NULL
            )""",
            """CREATE VIEW current_submissions AS
                SELECT * FROM submissions WHERE status = 'accepted'""",
            # What we knew at a moment: the latest version per key submitted by then.
            """CREATE MACRO submissions_as_at(as_at) AS TABLE
                SELECT * EXCLUDE (version_rank) FROM (
                    SELECT *, row_number() OVER (
                        PARTITION BY partner_id, dataset, period
                        ORDER BY submitted_at DESC, submission_id DESC) AS version_rank
                    FROM submissions
                    WHERE status IN ('accepted', 'superseded') AND submitted_at <= as_at
                ) WHERE version_rank = 1""",
        ),
    ),
    (
        2,
        (
            # Who signed in, submitted, downloaded or was refused what, and when (see `audit`).
            "CREATE SEQUENCE IF NOT EXISTS audit_ids START 1",
            """CREATE TABLE IF NOT EXISTS audit_log (
                id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
                "at" TIMESTAMP NOT NULL,
                user_id VARCHAR NOT NULL,
                role VARCHAR,
                action VARCHAR NOT NULL,
                partner VARCHAR,
                dataset VARCHAR,
                detail JSON,
                outcome VARCHAR NOT NULL CHECK (outcome IN ('allowed', 'denied'))
            )""",
        ),
    ),
    (
        3,
        (
            # This database's identity: the folders beside it are marked with it (`archive`).
            "CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR PRIMARY KEY, "
            "value VARCHAR NOT NULL)",
            "INSERT INTO warehouse_meta SELECT 'warehouse_id', CAST(uuid() AS VARCHAR) "
            "WHERE NOT EXISTS (SELECT 1 FROM warehouse_meta WHERE key = 'warehouse_id')",
        ),
    ),
    (
        4,
        (
            # Commentary on figures and submissions (see `commentary`): a comment's target and
            # author, and its history as append-only events (added, edited, hidden).
            "CREATE SEQUENCE IF NOT EXISTS comment_ids START 1",
            """CREATE TABLE IF NOT EXISTS comments (
                comment_id BIGINT PRIMARY KEY DEFAULT nextval('comment_ids'),
                outcome VARCHAR,
                area_code VARCHAR,
                period VARCHAR,
                submission_id BIGINT,
                author_id VARCHAR NOT NULL,
                author_name VARCHAR NOT NULL,
                author_role VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS comment_events (
                comment_id BIGINT NOT NULL,
                seq INTEGER NOT NULL,
                kind VARCHAR NOT NULL CHECK (kind IN ('added', 'edited', 'hidden')),
                text VARCHAR,
                reason VARCHAR,
                user_id VARCHAR NOT NULL,
                user_name VARCHAR NOT NULL,
                "at" TIMESTAMP NOT NULL,
                PRIMARY KEY (comment_id, seq)
            )""",
            # The month's sign-off: who recorded that the picture was reviewed, and of which data.
            "CREATE SEQUENCE IF NOT EXISTS sign_off_ids START 1",
            """CREATE TABLE IF NOT EXISTS sign_offs (
                sign_off_id BIGINT PRIMARY KEY DEFAULT nextval('sign_off_ids'),
                period VARCHAR NOT NULL,
                signed_by VARCHAR NOT NULL,
                signed_name VARCHAR NOT NULL,
                role VARCHAR NOT NULL,
                signed_at TIMESTAMP NOT NULL,
                newest_submission_id BIGINT,
                figures_digest VARCHAR NOT NULL
            )""",
            # Every board pack made: when, by whom, of which month and register state.
            "CREATE SEQUENCE IF NOT EXISTS board_pack_ids START 1",
            """CREATE TABLE IF NOT EXISTS board_packs (
                pack_id BIGINT PRIMARY KEY DEFAULT nextval('board_pack_ids'),
                made_at TIMESTAMP NOT NULL,
                made_by VARCHAR NOT NULL,
                period VARCHAR NOT NULL,
                as_at TIMESTAMP NOT NULL,
                since DATE NOT NULL,
                newest_submission_id BIGINT,
                figures_digest VARCHAR NOT NULL,
                format VARCHAR NOT NULL
            )""",
        ),
    ),
    (
        5,
        (
            # The monthly cycle (see `figures.obligations`). A nil return is a register row
            # like an extract's: kind 'nil', no rows, its reason in `note`; it supersedes and
            # is superseded like any version.
            "ALTER TABLE submissions ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'extract'",
            "ALTER TABLE submissions ADD COLUMN IF NOT EXISTS note VARCHAR",
            "CREATE SEQUENCE IF NOT EXISTS excusal_ids START 1",
            """CREATE TABLE IF NOT EXISTS excusals (
                excusal_id BIGINT PRIMARY KEY DEFAULT nextval('excusal_ids'),
                partner_id VARCHAR NOT NULL,
                dataset VARCHAR NOT NULL,
                period VARCHAR NOT NULL,
                reason VARCHAR NOT NULL,
                excused_by VARCHAR NOT NULL,
                excused_at TIMESTAMP NOT NULL
            )""",
            # One row per obligation and stage reminded: never the same reminder twice.
            """CREATE TABLE IF NOT EXISTS reminders_sent (
                partner_id VARCHAR NOT NULL,
                dataset VARCHAR NOT NULL,
                period VARCHAR NOT NULL,
                stage VARCHAR NOT NULL CHECK (stage IN ('due_soon', 'overdue')),
                recipients VARCHAR NOT NULL,
                sent_at TIMESTAMP NOT NULL,
                PRIMARY KEY (partner_id, dataset, period, stage)
            )""",
            """CREATE TABLE IF NOT EXISTS reminder_pauses (
                partner_id VARCHAR NOT NULL,
                paused_until DATE NOT NULL,
                paused_by VARCHAR NOT NULL,
                paused_at TIMESTAMP NOT NULL,
                reason VARCHAR
            )""",
        ),
    ),
    (
        6,
        (
            # Retention and erasure (see `Warehouse.erase`): a submission's register row stays,
            # as its tombstone, with status 'erased' and its content gone (report, file name,
            # note); DuckDB cannot alter a CHECK constraint, so the register is rebuilt with
            # the new status allowed, its ids and sequence kept.
            """CREATE TABLE submissions_v6 (
                submission_id BIGINT PRIMARY KEY DEFAULT nextval('submission_ids'),
                partner_id VARCHAR NOT NULL,
                dataset VARCHAR NOT NULL,
                period VARCHAR NOT NULL,
                contract_version VARCHAR,
                sha256 VARCHAR,
                file_name VARCHAR,
                rows BIGINT NOT NULL,
                submitted_by VARCHAR NOT NULL,
                submitted_at TIMESTAMP NOT NULL,
                status VARCHAR NOT NULL
                    CHECK (status IN ('accepted', 'rejected', 'superseded', 'erased')),
                report_json VARCHAR,
                supersedes BIGINT,
                kind VARCHAR DEFAULT 'extract',
                note VARCHAR
            )""",
            """INSERT INTO submissions_v6 (submission_id, partner_id, dataset, period,
                contract_version, sha256, file_name, rows, submitted_by, submitted_at, status,
                report_json, supersedes, kind, note)
                SELECT submission_id, partner_id, dataset, period, contract_version, sha256,
                file_name, rows, submitted_by, submitted_at, status, report_json, supersedes,
                kind, note FROM submissions""",
            "DROP TABLE submissions",
            "ALTER TABLE submissions_v6 RENAME TO submissions",
            # What we knew at a moment includes versions erased since: they were known then.
            """CREATE OR REPLACE MACRO submissions_as_at(as_at) AS TABLE
                SELECT * EXCLUDE (version_rank) FROM (
                    SELECT *, row_number() OVER (
                        PARTITION BY partner_id, dataset, period
                        ORDER BY submitted_at DESC, submission_id DESC) AS version_rank
                    FROM submissions
                    WHERE status IN ('accepted', 'superseded', 'erased') AND submitted_at <= as_at
                ) WHERE version_rank = 1""",
            # One row per erased submission: when, by whom, under which rule, never content.
            """CREATE TABLE IF NOT EXISTS erasures (
                submission_id BIGINT PRIMARY KEY,
                erased_at TIMESTAMP NOT NULL,
                erased_by VARCHAR NOT NULL,
                rule VARCHAR NOT NULL CHECK (rule IN ('retention', 'request')),
                detail VARCHAR NOT NULL,
                requested_by VARCHAR,
                requested_at TIMESTAMP
            )""",
            # An erasure asked for and waiting for a second administrator's confirmation.
            """CREATE TABLE IF NOT EXISTS erasure_requests (
                submission_id BIGINT PRIMARY KEY,
                reason VARCHAR NOT NULL,
                requested_by VARCHAR NOT NULL,
                requested_at TIMESTAMP NOT NULL
            )""",
            # Each agreement's review reminded once per party and review date.
            """CREATE TABLE IF NOT EXISTS agreement_reviews_sent (
                agreement_id VARCHAR NOT NULL,
                review_date DATE NOT NULL,
                partner_id VARCHAR NOT NULL,
                recipients VARCHAR NOT NULL,
                sent_at TIMESTAMP NOT NULL,
                PRIMARY KEY (agreement_id, review_date, partner_id)
            )""",
        ),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]


class ColumnLike(Protocol):
    """What the warehouse needs of a contract column (`contracts.ColumnSpec` fits)."""

    @property
    def name(self) -> str: ...
    @property
    def logical_type(self) -> str: ...
    @property
    def allowed_values(self) -> Sequence[str] | None: ...


class ContractLike(Protocol):
    """What the warehouse needs of a contract (`contracts.Contract` fits)."""

    @property
    def dataset(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def columns(self) -> Sequence[ColumnLike]: ...
    @property
    def period_column(self) -> str | None: ...
    @property
    def area_column(self) -> str | None: ...


_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "boolean": "BOOLEAN",
}
_POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "date": pl.Date(),
    "boolean": pl.Boolean(),
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ \-]*")
_DATASET = re.compile(r"[a-z][a-z0-9_]*")
_RESERVED = {"submission_id", "partner_id", "n_rows"}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    """The id of the next row of `table`: its largest `column` plus one.

    Safe because the caller holds the one writer's turn (one writing connection to a file;
    the catalog's writer lock in DuckLake, see `warehouse.lake`), and no row with an id is ever
    deleted (an erased submission keeps its tombstone), so an id is never given twice. The
    same SQL on both backends: DuckLake has no sequences. (Audit entries on a catalog are
    numbered by a PostgreSQL sequence instead, so they need no turn: `LakeConnections.audit_id`.)
    """
    row = con.execute(
        f"SELECT coalesce(max({quote_ident(column)}), 0) + 1 FROM {quote_ident(table)}"  # noqa: S608 - quoted
    ).fetchone()
    assert row is not None  # an aggregate always yields a row
    return int(row[0])


def one_of(value: str, choices: Sequence[str], what: str) -> str:
    """`value` if it is one of `choices`: the CHECK a DuckLake catalog cannot keep, in code,
    so both backends refuse the same values (a `WarehouseError`, before anything is written)."""
    if value not in choices:
        raise WarehouseError(
            f"{what} {value!r} cannot be stored: it must be one of {', '.join(choices)}. "
            "This is a bug, please report it."
        )
    return value


def lake_statement(statement: str) -> str | None:
    """A migration statement as DuckLake takes it (None: nothing to run there).

    DuckLake keeps no sequences, keys or CHECK constraints: ids come from `next_id`, and the
    values a CHECK would refuse are never written (the register's statuses, rules and kinds
    are set only by this package). Everything else (tables, views, macros, NOT NULL,
    defaults) is the same SQL.
    """
    if statement.lstrip().upper().startswith("CREATE SEQUENCE"):
        return None
    text = re.sub(r"\s+DEFAULT nextval\('[a-z_]+'\)", "", statement)
    text = re.sub(r",\s*PRIMARY KEY \([^)]*\)", "", text)
    text = text.replace(" PRIMARY KEY", "")
    while (start := text.find(" CHECK (")) >= 0:
        depth, end = 0, start + len(" CHECK ")
        for end in range(start + len(" CHECK "), len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[:start] + text[end + 1 :]
    return text


def migrate(con: duckdb.DuckDBPyConnection, *, lake: bool = False) -> int:
    """Apply the migrations this database has not had yet; return the schema version.

    `lake`: the database is a DuckLake catalog (each statement through `lake_statement`).
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
        "applied_at TIMESTAMP NOT NULL)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    have = int(row[0]) if row else 0
    if have > SCHEMA_VERSION:
        raise WarehouseError(
            f"the database is at schema version {have}, newer than this program knows "
            f"({SCHEMA_VERSION}). Upgrade Shared Outcomes to use it."
        )
    for version, statements in MIGRATIONS:
        if version > have:
            for statement in statements:
                sql = lake_statement(statement) if lake else statement
                if sql is not None:
                    con.execute(sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?)",
                [version, datetime.now(UTC).replace(tzinfo=None)],
            )
    return SCHEMA_VERSION


#: What `schema_problem` says of a database with no `schema_version` table.
NOT_OURS = "it is not a Shared Outcomes database (it has no schema_version table)"


def schema_problem(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why this database cannot be read as it is (None when it is up to date), read-only."""
    try:
        row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    except duckdb.CatalogException:
        return NOT_OURS
    have = int(row[0]) if row else 0
    if have > SCHEMA_VERSION:
        return (
            f"it is at schema version {have}, newer than this program knows ({SCHEMA_VERSION}): "
            "upgrade Shared Outcomes to read it"
        )
    if have < SCHEMA_VERSION:
        return (
            f"it was made by an older version of Shared Outcomes (schema {have}, now "
            f"{SCHEMA_VERSION}): run a command that writes to it (`submit` or `ingest`) once "
            "to upgrade it"
        )
    return None


def warehouse_id(con: duckdb.DuckDBPyConnection) -> str:
    """The id this database was given when it was made (see migration 3)."""
    row = con.execute("SELECT value FROM warehouse_meta WHERE key = 'warehouse_id'").fetchone()
    if row is None:
        raise WarehouseError("the database has no warehouse id: it is damaged or not ours.")
    return str(row[0])


@dataclass(frozen=True)
class DatasetLayout:
    """One dataset's tables, derived from its contract."""

    dataset: str
    columns: tuple[tuple[str, str], ...]  # (name, logical type), contract order
    group_columns: tuple[str, ...]  # area, period and enum columns, contract order
    sum_columns: tuple[str, ...]  # integer and number columns

    @classmethod
    def of(cls, contract: ContractLike) -> DatasetLayout:
        dataset = contract.dataset
        if not _DATASET.fullmatch(dataset):
            raise WarehouseError(
                f"dataset id {dataset!r} cannot name a table: use lower-case letters, digits "
                "and underscores."
            )
        columns = tuple((c.name, c.logical_type) for c in contract.columns)
        for name, logical in columns:
            if not _NAME.fullmatch(name) or name.lower() in _RESERVED or name.startswith("sum_"):
                raise WarehouseError(
                    f"column {name!r} of {dataset} cannot be stored: names must start with a "
                    "letter and not be submission_id, partner_id, n_rows or sum_*."
                )
            if logical not in _DUCKDB_TYPES:
                raise WarehouseError(f"column {name!r} of {dataset}: unknown type {logical!r}.")
        keys = {contract.area_column, contract.period_column}
        group = tuple(
            c.name for c in contract.columns if c.name in keys or c.allowed_values is not None
        )
        sums = tuple(n for n, logical in columns if logical in ("integer", "number"))
        return cls(dataset, columns, group, sums)

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def _type(self, name: str) -> str:
        return _DUCKDB_TYPES[dict(self.columns)[name]]

    def _sum_type(self, name: str) -> str:
        return "BIGINT" if dict(self.columns)[name] == "integer" else "DOUBLE"

    def _agg_columns(self) -> list[tuple[str, str]]:
        return [
            ("submission_id", "BIGINT"),
            ("partner_id", "VARCHAR"),
            *((name, self._type(name)) for name in self.group_columns),
            ("n_rows", "BIGINT"),
            *((f"sum_{name}", self._sum_type(name)) for name in self.sum_columns),
        ]

    def ensure(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the aggregate table and its current view, adding columns a contract gained."""
        table = quote_ident(f"agg_{self.dataset}")
        wanted = self._agg_columns()
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND database_name = current_database()",
                [f"agg_{self.dataset}"],
            ).fetchall()
        }
        if not have:
            body = ", ".join(f"{quote_ident(n)} {t}" for n, t in wanted)
            con.execute(f"CREATE TABLE {table} ({body})")
        for name, sql_type in wanted:
            if have and name not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(name)} {sql_type}")
        view = quote_ident("current_agg_" + self.dataset)
        con.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {table} WHERE submission_id IN "  # noqa: S608
            "(SELECT submission_id FROM submissions WHERE status = 'accepted')"
        )

    def is_current(self, con: duckdb.DuckDBPyConnection) -> bool:
        """Whether the tables and views are there with every column the contract now has."""
        have = {
            (r[0], r[1])
            for r in con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN "
                "(?, ?, ?, ?) AND database_name = current_database()",
                [f"{kind}{self.dataset}" for kind in ("agg_", "current_agg_", "ds_", "current_")],
            ).fetchall()
        }
        agg = {name for name, _ in self._agg_columns()}
        rows = {*self.column_names, "submission_id"}
        return all(
            (f"{kind}{self.dataset}", name) in have
            for kind, names in (("agg_", agg), ("current_agg_", agg), ("ds_", rows))
            for name in names
        )

    def rebuild_views(
        self, con: duckdb.DuckDBPyConnection, rows_root: Path, *, lake: bool = False
    ) -> None:
        """Point `ds_<dataset>` and `current_<dataset>` at the row files the register names
        (on a catalog, `lake`: views that name no file, see `_lake_views`)."""
        if lake and not any(mark in str(rows_root) for mark in "*?["):  # a glob as it is
            self._lake_views(con, rows_root)
            return
        files = con.execute(
            "SELECT f.path, f.columns, s.status FROM row_files f JOIN submissions s "
            "USING (submission_id) WHERE f.dataset = ? ORDER BY f.submission_id",
            [self.dataset],
        ).fetchall()
        every = [(rows_root / path, columns) for path, columns, _ in files]
        current = [(rows_root / p, c) for p, c, status in files if status == "accepted"]
        for view, chosen in (("ds_", every), ("current_", current)):
            con.execute(
                f"CREATE OR REPLACE VIEW {quote_ident(view + self.dataset)} AS "
                + self._select_rows(chosen)
            )

    def _lake_views(self, con: duckdb.DuckDBPyConnection, rows_root: Path) -> None:
        """On a catalog: views that read the dataset's folder, made again only when what they
        read changes shape.

        A view naming its files changes with every load, and on a catalog that is a change of
        the catalog's schema: every process reads the schema again at its next query (tens of
        milliseconds each time), and the catalog keeps each version of the text (megabytes a
        load at ten million rows). Here `ds_<dataset>` reads every Parquet file of
        `<rows>/<dataset>/` and keeps the rows of the submissions `row_files` names (a load
        writes its file before it commits; a crashed load's file is swept later), by column
        name across contract versions that differ (`union_by_name`, only then: it opens every
        file to bind). The text changes only when the dataset gets its first file or loses
        its last (a folder with no file cannot be read) or a new set of columns arrives; its
        digest is the view's comment, so an unchanged view is left as it is.
        """
        groups = sorted(
            tuple(row[0])
            for row in con.execute(
                "SELECT DISTINCT columns FROM row_files WHERE dataset = ?", [self.dataset]
            ).fetchall()
        )
        rows = "ds_" + self.dataset
        if not groups:
            every = self._select_rows([])
        else:
            typed = self._typed({name for group in groups for name in group})
            folder = quote_literal(str(rows_root / self.dataset) + "/*.parquet")
            by_name = ", union_by_name = true" if len(groups) > 1 else ""
            every = (
                "SELECT "  # noqa: S608 - identifiers quoted, the folder escaped
                + ", ".join([*typed, "submission_id"])
                + f" FROM read_parquet({folder}{by_name}) WHERE submission_id IN "  # noqa: S608
                "(SELECT submission_id FROM row_files WHERE dataset = "
                + quote_literal(self.dataset)
                + ")"
            )
        current = (
            f"SELECT * FROM {quote_ident(rows)} WHERE submission_id IN "  # noqa: S608 - quoted
            "(SELECT submission_id FROM submissions WHERE status = 'accepted')"
        )
        wanted = {rows: every, "current_" + self.dataset: current}
        comments = dict(
            con.execute(
                "SELECT view_name, comment FROM duckdb_views() WHERE view_name IN (?, ?) "
                "AND database_name = current_database()",
                list(wanted),
            ).fetchall()
        )
        for name, sql in wanted.items():  # ds_ first: current_ reads it
            digest = "rows view " + hashlib.sha256(sql.encode()).hexdigest()[:16]
            if comments.get(name) == digest:
                continue
            con.execute(f"CREATE OR REPLACE VIEW {quote_ident(name)} AS {sql}")
            con.execute(f"COMMENT ON VIEW {quote_ident(name)} IS {quote_literal(digest)}")

    def _typed(self, present: Collection[str]) -> list[str]:
        """The contract's columns cast to their types, NULL where the files lack them."""
        return [
            f"CAST({quote_ident(n) if n in present else 'NULL'} AS {self._type(n)}) "
            f"AS {quote_ident(n)}"
            for n in self.column_names
        ]

    def _select_rows(self, files: Sequence[tuple[Path, Sequence[str]]]) -> str:
        """Typed rows of the files: one `read_parquet` per set of columns, joined by UNION ALL.

        Files written under one contract version share their columns, so DuckDB binds each
        group from its first file alone (`union_by_name` would open every file at each query).
        """
        groups: dict[tuple[str, ...], list[Path]] = {}
        for path, columns in files:
            groups.setdefault(tuple(columns), []).append(path)
        if not groups:
            typed = self._typed(())
            return (
                "SELECT "
                + ", ".join([*typed, "CAST(NULL AS BIGINT) AS submission_id"])
                + (" WHERE false")
            )
        selects = []
        for columns, paths in groups.items():
            typed = self._typed(columns)
            listed = ", ".join(quote_literal(str(path)) for path in paths)
            selects.append(
                "SELECT "  # noqa: S608 - identifiers quoted, paths escaped
                + ", ".join([*typed, "submission_id"])
                + f" FROM read_parquet([{listed}])"
            )
        return " UNION ALL ".join(selects)

    def typed_frame(self, frame: pl.DataFrame, submission_id: int) -> pl.DataFrame:
        """The contract's columns in order, cast to their types, plus the submission id."""
        missing = [name for name in self.column_names if name not in frame.columns]
        if missing:
            raise WarehouseError(
                f"the checked rows of {self.dataset} lack {', '.join(missing)}: the validation "
                "and the contract disagree; this is a bug, please report it."
            )
        return frame.select(
            *(pl.col(name).cast(_POLARS_TYPES[logical]) for name, logical in self.columns),
            pl.lit(submission_id, dtype=pl.Int64).alias("submission_id"),
        )

    def aggregate(self, typed: pl.DataFrame, submission_id: int, partner: str) -> pl.DataFrame:
        """The submission's rows of `agg_<dataset>`: per group `n_rows` and `sum_<col>`.

        Computed with Polars (cheaper than a DuckDB round trip for small extracts, as fast for
        large ones). As in SQL, the sum of no values is NULL, not 0.
        """
        group = list(self.group_columns)
        measures = [
            pl.len().cast(pl.Int64).alias("n_rows"),
            *(pl.col(n).sum().alias(f"sum_{n}") for n in self.sum_columns),
            *(pl.col(n).count().alias(f"count_{n}") for n in self.sum_columns),
        ]
        rows = typed.lazy()
        out = rows.group_by(group).agg(measures) if group else rows.select(measures)
        sum_types = {"BIGINT": pl.Int64(), "DOUBLE": pl.Float64()}
        return out.select(
            pl.lit(submission_id, dtype=pl.Int64).alias("submission_id"),
            pl.lit(partner, dtype=pl.String).alias("partner_id"),
            *group,
            "n_rows",
            *(
                pl.when(pl.col(f"count_{n}") > 0)
                .then(pl.col(f"sum_{n}"))
                .cast(sum_types[self._sum_type(n)])
                .alias(f"sum_{n}")
                for n in self.sum_columns
            ),
        ).collect()

    def insert_aggregates(
        self, con: duckdb.DuckDBPyConnection, typed: pl.DataFrame, submission_id: int, partner: str
    ) -> None:
        """Aggregate one submission's typed rows into `agg_<dataset>` (caller's transaction)."""
        self.append_aggregates(con, [self.aggregate(typed, submission_id, partner)])

    def append_aggregates(
        self, con: duckdb.DuckDBPyConnection, frames: Sequence[pl.DataFrame]
    ) -> None:
        """Append rows from `aggregate` to `agg_<dataset>`, in the caller's transaction."""
        if not frames:
            return
        target = ", ".join(quote_ident(n) for n, _ in self._agg_columns())
        con.register("_aggregate_rows", pl.concat(frames, how="vertical"))
        try:
            con.execute(
                f"INSERT INTO {quote_ident('agg_' + self.dataset)} ({target}) "  # noqa: S608
                f"SELECT {target} FROM _aggregate_rows"
            )
        finally:
            con.unregister("_aggregate_rows")
