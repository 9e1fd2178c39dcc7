"""Shared outcome figures: definitions compiled to SQL over the aggregates, with their coverage.

For each outcome, area and month a figure carries its numerator, denominator and value (scaled
per its unit), the shared target and a RAG status, the change since the previous month and the
same month a year earlier, its coverage (the partners it needs, those that have submitted and
those missing, with their deadline), each partner's contribution, whether a resubmission revised
it (from what to what), and the disclosure control applied for the viewer.

**Why SQL over `agg_<dataset>`.** The warehouse writes, in each load's transaction, one row per
submission, area, month and enum value with `n_rows` and `sum_<col>`; every filter of a
definition is on an enum column, so a figure never scans raw rows and its cost grows with the
number of submissions, not of rows. The SQL is built only from names the definition resolved
against its contract (quoted as identifiers); filter values and the as-at moment are bound
parameters. The month comes from the register (`submissions.period`), not from the rows.

**Which submissions.** The latest version per partner, dataset and month that is not rejected
(as at a moment: submitted by then). Version 2 (the one it replaced) gives the figure before the
latest revision. Everything after the SQL is vectorised Polars over small frames.

**Partnership-wide figures** (area_code null) add up numerators and denominators over the areas
that have both (never an average of rates).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol

import duckdb
import polars as pl

from shared_outcomes.access import Identity
from shared_outcomes.definitions import Measure, OutcomeDefinition, PartnershipLike
from shared_outcomes.figures import FIGURE_SCHEMA, finish_figures
from shared_outcomes.timeliness import deadline, months_between

_STATUSES = ("accepted", "superseded")  # every version that was ever current


class FrameSource(Protocol):
    """What figures need of the warehouse: a short read-only connection (`Warehouse.reading`).

    All the queries of one computation run on that one connection, so a figure set is read from
    one consistent state of the database and opening a connection is paid once.
    """

    def reading(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...


def quote(identifier: str) -> str:
    """A SQL identifier, quoted (names come from checked contracts; quoting keeps them inert)."""
    return '"' + identifier.replace('"', '""') + '"'


def versions_sql(datasets: Sequence[str], as_at: datetime | None) -> tuple[str, list[object]]:
    """The latest two versions per partner, dataset and month (1 = current, 2 = the one before)."""
    params: list[object] = [*_STATUSES, *datasets]
    when = ""
    if as_at is not None:
        when = " AND submitted_at <= ?"
        params.append(utc_naive(as_at))
    marks = ", ".join("?" for _ in datasets) or "NULL"
    # Only placeholders are joined in; the values are bound.
    sql = (
        "SELECT * FROM "  # noqa: S608
        "(SELECT submission_id, partner_id, dataset, period, row_number() OVER ("
        "PARTITION BY partner_id, dataset, period ORDER BY submitted_at DESC, submission_id DESC"
        ") AS version FROM submissions WHERE status IN (?, ?) AND dataset IN ("
        + marks
        + ")"
        + when
        + ") WHERE version <= 2"
    )
    return sql, params


def measure_sql(measure: Measure, as_at: datetime | None) -> tuple[str, list[object]]:
    """A dataset measure summed per partner, month, version and area over `agg_<dataset>`."""
    versions, params = versions_sql([measure.name], as_at)
    area = "a." + quote(measure.area_column)
    conditions = []
    for condition in measure.filters:
        marks = ", ".join("?" for _ in condition.values)
        conditions.append(f"a.{quote(condition.column)} IN ({marks})")
        params.extend(condition.values)
    # Identifiers come from the definition resolved against its contract and are quoted;
    # every value is a bound parameter.
    sql = (
        "SELECT "  # noqa: S608
        f"s.partner_id, s.period, s.version, CAST({area} AS VARCHAR) AS area_code, "
        f"CAST(SUM(a.{quote(measure.agg_column)}) AS DOUBLE) AS value "
        f"FROM {quote('agg_' + measure.name)} AS a JOIN ({versions}) AS s "
        "ON a.submission_id = s.submission_id "
        f"WHERE {' AND '.join(conditions) or 'TRUE'} "
        f"GROUP BY s.partner_id, s.period, s.version, {area}"
    )
    return sql, params


def utc_naive(moment: datetime) -> datetime:
    """The register stores naive UTC timestamps."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def compute_outcomes(
    source: FrameSource,
    definitions: Mapping[str, OutcomeDefinition],
    partnership: PartnershipLike,
    identity: Identity,
    *,
    period: str | None = None,
    as_at: datetime | None = None,
    outcomes: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Every figure (outcome × area or the whole partnership × month), as `identity` may see it.

    `period` keeps one month (changes are still computed against earlier months); `as_at` uses
    the submissions as they stood at that moment; `outcomes` keeps some definitions only.
    """
    chosen = [definitions[i] for i in outcomes] if outcomes else list(definitions.values())
    with source.reading() as con:

        def query(sql: str, params: Sequence[object]) -> pl.DataFrame:
            return con.execute(sql, list(params)).pl()

        run = _Run(query, partnership, identity, as_at, chosen)
        frames = [run.figures(d) for d in chosen]
    figures = pl.concat([f for f in frames if f.height], how="vertical") if frames else None
    if figures is None or figures.height == 0:
        return pl.DataFrame(schema=FIGURE_SCHEMA)
    if period is not None:
        figures = figures.filter(pl.col("period") == period)
    return figures.select(list(FIGURE_SCHEMA))


class _Run:
    """One computation: the submissions and measures read once, then one frame per outcome."""

    def __init__(
        self,
        query: Callable[[str, Sequence[object]], pl.DataFrame],
        partnership: PartnershipLike,
        identity: Identity,
        as_at: datetime | None,
        chosen: Sequence[OutcomeDefinition],
    ) -> None:
        self.query = query
        self.partnership = partnership
        self.private = not identity.sees_unsuppressed
        self.as_at = as_at
        datasets = sorted({name for d in chosen for name in d.datasets})
        sql, params = versions_sql(datasets, as_at)
        self.versions = query(sql, params).with_columns(pl.col("version").cast(pl.Int64))
        tables = query("SELECT table_name FROM information_schema.tables", [])
        self.tables = set(tables.get_column("table_name").to_list())
        self.areas = list(partnership.areas)
        self._measures: dict[Measure, pl.DataFrame] = {}

    # -- reading -------------------------------------------------------------------------------

    def measure_rows(self, measure: Measure) -> pl.DataFrame:
        """Per partner, month, version and area: the measure's value (read once per measure)."""
        if measure not in self._measures:
            if measure.source == "reference":
                rows = _reference_rows(measure)
            elif "agg_" + measure.name in self.tables:
                sql, params = measure_sql(measure, self.as_at)
                rows = self.query(sql, params)
            else:
                rows = pl.DataFrame(schema=_ROWS)
            self._measures[measure] = rows.select(list(_ROWS)).cast(_ROWS)  # type: ignore[arg-type]
        return self._measures[measure]

    # -- one outcome ---------------------------------------------------------------------------

    def figures(self, d: OutcomeDefinition) -> pl.DataFrame:
        current = self.versions.filter(
            (pl.col("version") == 1) & pl.col("dataset").is_in(d.datasets)
        )
        if current.height == 0:
            return pl.DataFrame(schema=FIGURE_SCHEMA)
        periods = months_between(current["period"].min(), current["period"].max())  # type: ignore[arg-type]
        grid = pl.DataFrame({"area_code": self.areas}).join(
            pl.DataFrame({"period": periods}), how="cross"
        )
        coverage, has = self.coverage(d, periods)
        areas = grid.join(coverage, on=["area_code", "period"], how="left")
        for role, measure in (("num", d.numerator), ("den", d.denominator)):
            areas = self.attach(areas, role, measure, has)
        multi = len(d.expected.get(d.numerator.name, ())) > 1
        parts = self.contribution_rows(d.numerator) if multi else None
        return finish_figures(
            d, areas, self.total_coverage(d, periods), parts, self.partnership, private=self.private
        )

    def contribution_rows(self, measure: Measure) -> pl.DataFrame:
        """Current values per partner, area and month, for each partner's share."""
        rows = self.measure_rows(measure).filter(pl.col("version") == 1)
        return rows.filter(pl.col("area_code").is_in(self.areas)).select(
            "partner_id", "area_code", "period", "value"
        )

    def coverage(
        self, d: OutcomeDefinition, periods: list[str]
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Per area and month: expected, submitted, missing partners; per dataset: any data."""
        needs = pl.DataFrame(
            [
                {"area_code": area, "partner_id": p, "dataset": ds, "order": i}
                for ds, partners in d.expected.items()
                for i, p in enumerate(d.accountable)
                if p in partners
                for area in self.partnership.partners[p].areas
                if area in self.partnership.areas
            ],
            schema={
                "area_code": pl.String,
                "partner_id": pl.String,
                "dataset": pl.String,
                "order": pl.Int64,
            },
        ).join(pl.DataFrame({"period": periods}), how="cross")
        sent = self.versions.filter(pl.col("version") == 1).select(
            "partner_id", "dataset", "period", ok=pl.lit(True)
        )
        needs = needs.join(sent, on=["partner_id", "dataset", "period"], how="left").with_columns(
            pl.col("ok").fill_null(False)
        )
        has = needs.group_by("area_code", "period", "dataset").agg(pl.col("ok").any())
        per_partner = needs.group_by("area_code", "period", "partner_id", "order").agg(
            pl.col("ok").all()
        )
        return _coverage_lists(per_partner, ["area_code", "period"], self.partnership), has

    def total_coverage(self, d: OutcomeDefinition, periods: list[str]) -> pl.DataFrame:
        order = {p: i for i, p in enumerate(d.accountable)}
        needs = pl.DataFrame(
            [
                {"partner_id": p, "dataset": ds, "order": order[p]}
                for ds, partners in d.expected.items()
                for p in partners
            ],
            schema={"partner_id": pl.String, "dataset": pl.String, "order": pl.Int64},
        ).join(pl.DataFrame({"period": periods}), how="cross")
        sent = self.versions.filter(pl.col("version") == 1).select(
            "partner_id", "dataset", "period", ok=pl.lit(True)
        )
        per_partner = (
            needs.join(sent, on=["partner_id", "dataset", "period"], how="left")
            .group_by("period", "partner_id", "order")
            .agg(pl.col("ok").fill_null(False).all())
        )
        return _coverage_lists(per_partner, ["period"], self.partnership)

    def attach(
        self, areas: pl.DataFrame, role: str, measure: Measure | None, has: pl.DataFrame
    ) -> pl.DataFrame:
        """Add `<role>` (current) and `<role>_prev` (before the latest revision) per area, month."""
        if measure is None:
            return areas.with_columns(
                pl.lit(None, pl.Float64).alias(role), pl.lit(None, pl.Float64).alias(role + "_prev")
            )
        rows = self.measure_rows(measure)
        if measure.source == "reference":
            values = rows.group_by("area_code").agg(pl.col("value").sum())
            return (
                areas.join(values, on="area_code", how="left")
                .with_columns(pl.col("value").alias(role), pl.col("value").alias(role + "_prev"))
                .drop("value")
            )
        revised = self.versions.filter(
            (pl.col("version") == 2) & (pl.col("dataset") == measure.name)
        ).select("partner_id", "period", replaced=pl.lit(True))
        keyed = rows.join(revised, on=["partner_id", "period"], how="left")
        before = keyed.filter(
            (pl.col("version") == 2) | ((pl.col("version") == 1) & pl.col("replaced").is_null())
        )
        now = rows.filter(pl.col("version") == 1)
        present = has.filter(pl.col("dataset") == measure.name).select(
            "area_code", "period", pl.col("ok").alias("__has")
        )
        for name, part in ((role, now), (role + "_prev", before)):
            summed = part.group_by("area_code", "period").agg(pl.col("value").sum().alias(name))
            areas = areas.join(summed, on=["area_code", "period"], how="left")
        areas = areas.join(present, on=["area_code", "period"], how="left")
        zero_if_sent = pl.when(pl.col("__has").fill_null(False)).then(0.0)
        return areas.with_columns(
            pl.col(role).fill_null(zero_if_sent), pl.col(role + "_prev").fill_null(zero_if_sent)
        ).drop("__has")


_ROWS: dict[str, pl.DataType | type[pl.DataType]] = {
    "partner_id": pl.String,
    "period": pl.String,
    "version": pl.Int64,
    "area_code": pl.String,
    "value": pl.Float64,
}


def _reference_rows(measure: Measure) -> pl.DataFrame:
    assert measure.reference_file is not None and measure.column is not None
    frame = pl.read_csv(measure.reference_file, infer_schema=False)
    return frame.select(
        partner_id=pl.lit(None, pl.String),
        period=pl.lit(None, pl.String),
        version=pl.lit(1, pl.Int64),
        area_code=pl.col(measure.area_column),
        value=pl.col(measure.column).str.strip_chars().cast(pl.Float64, strict=False),
    )


def _coverage_lists(
    per_partner: pl.DataFrame, keys: list[str], partnership: PartnershipLike
) -> pl.DataFrame:
    pairs = per_partner.select("partner_id", "period").unique().rows()
    days = {p: v.deadline_day for p, v in partnership.partners.items()}
    dues = pl.DataFrame(
        [(p, m, deadline(m, days[p]).isoformat()) for p, m in pairs],
        schema={"partner_id": pl.String, "period": pl.String, "due": pl.String},
        orient="row",
    )
    ordered = per_partner.join(dues, on=["partner_id", "period"], how="left").sort([*keys, "order"])
    return ordered.group_by(keys, maintain_order=True).agg(
        expected=pl.col("partner_id"),
        submitted=pl.col("partner_id").filter(pl.col("ok")),
        missing=pl.col("partner_id").filter(~pl.col("ok")),
        missing_due=pl.col("due").filter(~pl.col("ok")),
    )
