"""Shared outcome figures: definitions compiled to SQL over the aggregates, with their coverage.

For each outcome, area and month a figure carries its numerator, denominator and value (scaled
per its unit), the shared target and a RAG status, the change since the previous month and the
same month a year earlier, its coverage (the partners it needs, those that have submitted and
those missing, with their deadline), each partner's contribution, whether a resubmission revised
it (from what to what), and the disclosure control applied for the viewer.

**Why SQL over `agg_<dataset>`.** The warehouse writes, in each load's transaction, one row per
submission, area, month and enum value with `n_rows` and `sum_<col>`; every filter of a
definition is on an enum column, so a figure never scans raw rows. `measures` compiles the SQL
(names the definition resolved against its contract, quoted; filter values, ids and the as-at
moment bound) and keeps each submission's values once read, so a computation's cost follows the
number of figures, not of rows stored. The month comes from the register, not from the rows.

**Which submissions.** The latest version per partner, dataset and month that is not rejected
(as at a moment: submitted by then). Version 2 (the one it replaced) gives the figure before the
latest revision. This module prepares, per outcome, the area × month grid with its measures and
coverage; `figures` applies the rules to every outcome at once.

**Kept per group of outcomes** (`figures.cache`): the outcomes reading the same datasets are
kept under a key of those datasets' versions, so a new homelessness extract recomputes the four
outcomes that read homelessness cases, not all eleven of the sample partnership.

**Partnership-wide figures** (area_code null) add up numerators and denominators over the areas
that have both (never an average of rates).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import polars as pl

from shared_outcomes.access.roles import Identity
from shared_outcomes.config.definitions import Measure, OutcomeDefinition
from shared_outcomes.config.partnership import Partnership
from shared_outcomes.errors import UsageError
from shared_outcomes.figures.cache import (
    cached_figures,
    figure_key,
    figures_folder,
    keep_figures,
)
from shared_outcomes.figures.figure_rules import FIGURE_SCHEMA, finish_figures
from shared_outcomes.figures.measures import MeasureReader
from shared_outcomes.figures.timeliness import deadline, months_between
from shared_outcomes.period import Period
from shared_outcomes.warehouse.measure_queries import MeasureQueries


class FrameSource(Protocol):
    """What figures need of the warehouse: one read connection's queries (`Warehouse.
    measure_queries`).

    All the queries of one computation run on that one connection, so a figure set is read from
    one consistent state of the database and opening a connection is paid once.
    """

    def measure_queries(self) -> AbstractContextManager[MeasureQueries]: ...


def compute_outcomes(
    source: FrameSource,
    definitions: Mapping[str, OutcomeDefinition],
    partnership: Partnership,
    identity: Identity,
    *,
    period: str | None = None,
    as_at: datetime | None = None,
    outcomes: Sequence[str] | None = None,
    suppress: bool = False,
) -> pl.DataFrame:
    """Every figure (outcome × area or the whole partnership × month), as `identity` may see it.

    `period` keeps one month (changes are still computed against earlier months); `as_at` uses
    the submissions as they stood at that moment; `outcomes` keeps some definitions only;
    `suppress` hides small counts even from a viewer who may see them (it never un-hides).
    """
    check_request(definitions, period=period, outcomes=outcomes)
    chosen = [definitions[i] for i in outcomes] if outcomes else list(definitions.values())
    db_path = getattr(source, "db_path", None)
    with source.measure_queries() as queries:
        run = _Run(queries, partnership, identity, as_at, chosen, db_path)
        private = run.private or suppress
        if isinstance(db_path, Path):
            figures = _kept_or_computed(run, chosen, partnership, private, db_path)
        else:
            figures = _compute(run, chosen, partnership, private)
    if period is not None:
        figures = figures.filter(pl.col("period") == period)
    return figures


def _kept_or_computed(
    run: _Run,
    chosen: Sequence[OutcomeDefinition],
    partnership: Partnership,
    private: bool,
    db_path: Path,
) -> pl.DataFrame:
    """The figures, each group of outcomes reading the same datasets kept under a key of its
    own (those datasets' versions): a new submission recomputes only the outcomes that read
    its dataset, and the others come from the cache. An outcome's figures depend on its own
    datasets only, so the parts put together equal one computation of them all."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for place, d in enumerate(chosen):
        groups.setdefault(tuple(sorted(set(d.datasets))), []).append(place)
    folder = figures_folder(db_path)
    parts: list[pl.DataFrame] = []
    missing: list[tuple[str, list[int]]] = []
    for datasets, places in groups.items():
        versions = run.versions.filter(pl.col("dataset").is_in(datasets))
        key = figure_key(db_path, versions, [chosen[i] for i in places], partnership, private)
        found = cached_figures(key, folder)
        if found is None:
            missing.append((key, places))
        else:
            parts.append(found)
    if missing:
        todo = sorted(place for _, places in missing for place in places)
        computed = _compute(run, [chosen[i] for i in todo], partnership, private)
        for key, places in missing:
            part = computed.filter(pl.col("outcome").is_in([chosen[i].id for i in places]))
            keep_figures(key, part, folder)
            parts.append(part)
    if len(parts) <= 1:  # none: no outcome is defined
        return parts[0] if parts else pl.DataFrame(schema=FIGURE_SCHEMA)
    # Each part is in the chosen order already (outcome, area, month): a stable sort on the
    # outcome's place puts the parts together in that order.
    order = {d.id: i for i, d in enumerate(chosen)}
    joined = pl.concat(parts, how="vertical")
    return joined.sort(
        pl.col("outcome").replace_strict(order, return_dtype=pl.Int64), maintain_order=True
    )


def _compute(
    run: _Run, chosen: Sequence[OutcomeDefinition], partnership: Partnership, private: bool
) -> pl.DataFrame:
    """Every figure of the chosen outcomes, on the run's connection."""
    run.measures.prefetch([m for d in chosen for m in (d.numerator, d.denominator) if m])
    found = [i for order, d in enumerate(chosen) if (i := run.inputs(d, order)) is not None]
    if not found:
        return pl.DataFrame(schema=FIGURE_SCHEMA)
    figures = finish_figures(
        chosen,
        pl.concat([i.areas for i in found], how="diagonal_relaxed"),
        pl.concat([i.coverage for i in found], how="diagonal_relaxed"),
        pl.concat([i.parts for i in found if i.parts is not None], how="diagonal_relaxed")
        if any(i.parts is not None for i in found)
        else None,
        partnership,
        private=private,
    )
    return figures.select(list(FIGURE_SCHEMA))


def check_request(
    definitions: Mapping[str, OutcomeDefinition],
    *,
    period: str | None = None,
    outcomes: Sequence[str] | None = None,
) -> None:
    """A month must be YYYY-MM and every outcome asked for must be defined (`UsageError`)."""
    if period is not None:
        Period.parse(period)
    for name in outcomes or ():
        if name not in definitions:
            close = difflib.get_close_matches(name, list(definitions), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"there is no shared outcome {name!r}.{hint} "
                f"The outcomes are: {', '.join(sorted(definitions))}."
            )


def parse_as_at(text: str | None) -> datetime | None:
    """`YYYY-MM-DD` (the end of that day, UTC) or an ISO timestamp (UTC unless it says)."""
    if text is None:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = datetime.fromisoformat(text)
            return day.replace(hour=23, minute=59, second=59, microsecond=999999, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--as-at {text!r} is not a date: write YYYY-MM-DD (e.g. 2017-03-01) or an ISO "
            "timestamp (e.g. 2017-03-01T09:00)."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Inputs:
    """One outcome's inputs to `finish_figures`, each frame with an `outcome` column."""

    areas: pl.DataFrame
    coverage: pl.DataFrame
    parts: pl.DataFrame | None


class _Run:
    """One computation: the submissions and measures read once, then one frame per outcome."""

    def __init__(
        self,
        queries: MeasureQueries,
        partnership: Partnership,
        identity: Identity,
        as_at: datetime | None,
        chosen: Sequence[OutcomeDefinition],
        db_key: Path | None,
    ) -> None:
        self.partnership = partnership
        self.private = not identity.sees_unsuppressed
        datasets = sorted({name for d in chosen for name in d.datasets})
        self.versions = _revisable(queries.versions(datasets, as_at))
        # An erased version has no data left to read: its month is marked instead.
        self.measures = MeasureReader(queries, self.versions.filter(~pl.col("erased")), db_key)
        self.areas = list(partnership.areas)
        self._coverage: dict[object, tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]] = {}
        self._sums: dict[Measure, pl.DataFrame] = {}
        self._shared: dict[tuple[str, ...], list[str]] = {}
        self.dues = _deadlines(partnership, self.versions)

    # -- one outcome ---------------------------------------------------------------------------

    def inputs(self, d: OutcomeDefinition, order: int) -> _Inputs | None:
        """Per area and month: measures and coverage; per month: coverage; partners' parts."""
        current = self.versions.filter(
            (pl.col("version") == 1) & pl.col("dataset").is_in(d.datasets)
        )
        if current.height == 0:
            return None
        periods = months_between(current["period"].min(), current["period"].max())  # type: ignore[arg-type]
        grid = pl.DataFrame({"area_code": self.areas}).join(
            pl.DataFrame({"period": periods}), how="cross"
        )
        coverage, has, total = self.coverage(d, periods)
        areas = grid.join(has, on=["area_code", "period"], how="left")
        for role, measure in (("num", d.numerator), ("den", d.denominator)):
            areas = self.attach(areas, role, measure)
        areas = areas.drop([c for c in has.columns if c.startswith("__has_")])
        feeding = d.expected.get(d.numerator.name, ())
        parts = None
        if len(feeding) > 1:
            parts = self.contribution_rows(d.numerator).with_columns(
                listed=pl.col("area_code").is_in(self.shared_areas(tuple(feeding)))
            )
        name = pl.lit(order, pl.Int64).alias("order")
        lists = pl.concat(
            [coverage, total.with_columns(area_code=pl.lit(None, pl.String))],
            how="diagonal_relaxed",
        )
        return _Inputs(
            areas.with_columns(name),
            lists.with_columns(name),
            None if parts is None else parts.with_columns(name),
        )

    def shared_areas(self, feeding: tuple[str, ...]) -> list[str]:
        """Areas covered by several of these partners (an area with one partner needs no list
        of shares: that partner is the numerator). Counted with sets, once per partner list."""
        if feeding not in self._shared:
            covers: dict[str, int] = {}
            for p in feeding:
                for area in set(self.partnership.partners[p].areas):
                    covers[area] = covers.get(area, 0) + 1
            self._shared[feeding] = [a for a in self.areas if covers.get(a, 0) > 1]
        return self._shared[feeding]

    def contribution_rows(self, measure: Measure) -> pl.DataFrame:
        """Current values per partner, area and month, for each partner's share."""
        rows = self.measures.rows(measure).filter(pl.col("version") == 1)
        return rows.filter(pl.col("area_code").is_in(self.areas)).select(
            "partner_id", "area_code", "period", "value"
        )

    def coverage(
        self, d: OutcomeDefinition, periods: list[str]
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """Coverage per area and month, whether each dataset has data there, and per month.

        Outcomes that need the same partners for the same datasets share one computation.
        """
        key = (tuple(d.accountable), tuple(sorted(d.expected.items())), periods[0], periods[-1])
        if key not in self._coverage:
            self._coverage[key] = self._compute_coverage(d, periods)
        return self._coverage[key]

    def _compute_coverage(
        self, d: OutcomeDefinition, periods: list[str]
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        order = {p: i for i, p in enumerate(d.accountable)}
        pairs = [(p, ds, order[p]) for ds, partners in d.expected.items() for p in partners]
        needs = pl.DataFrame(
            pairs, schema={"partner_id": pl.String, "dataset": pl.String, "order": pl.Int64},
            orient="row",
        ).join(pl.DataFrame({"period": periods}), how="cross")  # fmt: skip
        sent = self.versions.filter(pl.col("version") == 1).select(
            "partner_id", "dataset", "period", "nil", "erased_under", ok=~pl.col("erased")
        )
        needs = needs.join(sent, on=["partner_id", "dataset", "period"], how="left").with_columns(
            pl.col("ok").fill_null(False), pl.col("nil").fill_null(False)
        )
        covers = pl.DataFrame(
            [
                (area, p, ds)
                for p, ds, _ in pairs
                for area in self.partnership.partners[p].areas
                if area in self.partnership.areas
            ],
            schema={"area_code": pl.String, "partner_id": pl.String, "dataset": pl.String},
            orient="row",
        )
        by_area = covers.join(needs, on=["partner_id", "dataset"], how="inner")
        # One column per dataset: does any partner expected for the area have data there?
        has = by_area.group_by("area_code", "period").agg(
            pl.col("ok").filter(pl.col("dataset") == ds).any().alias("__has_" + ds)
            for ds in d.expected
        )
        # A partner made a nil return for the figure when everything it owes it was one.
        per_partner = needs.group_by("partner_id", "period", "order").agg(
            pl.col("ok").all(), pl.col("nil").all(), pl.col("erased_under").drop_nulls().first()
        )
        per_partner = per_partner.join(self.dues, on=["partner_id", "period"], how="left")
        in_area = (
            covers.select("area_code", "partner_id")
            .unique()
            .join(per_partner, on="partner_id", how="inner")
        )
        lists = _coverage_lists(in_area, ["area_code", "period"])
        # How many partners the area still waits for (its figure is provisional if any): the
        # length of its list of missing partners, so the partners are not grouped twice.
        has = has.join(
            lists.select("area_code", "period", __missing=pl.col("missing").list.len()),
            on=["area_code", "period"],
            how="left",
        )
        return lists, has, _coverage_lists(per_partner, ["period"])

    def attach(self, areas: pl.DataFrame, role: str, measure: Measure | None) -> pl.DataFrame:
        """Add `<role>` (current) and `<role>_prev` (before the latest revision) per area, month."""
        if measure is None:
            return areas.with_columns(
                pl.lit(None, pl.Float64).alias(role), pl.lit(None, pl.Float64).alias(role + "_prev")
            )
        sums = self.sums(measure).rename({"now": role, "prev": role + "_prev"})
        if measure.source == "reference":
            return areas.join(sums, on="area_code", how="left")
        areas = areas.join(sums, on=["area_code", "period"], how="left")
        # No rows for an area from partners who did submit means zero, not unknown.
        zero_if_sent = pl.when(pl.col("__has_" + measure.name).fill_null(False)).then(0.0)
        return areas.with_columns(
            pl.col(role).fill_null(zero_if_sent), pl.col(role + "_prev").fill_null(zero_if_sent)
        )

    def sums(self, measure: Measure) -> pl.DataFrame:
        """A measure per area and month: now, and before the latest revision (read once)."""
        if measure in self._sums:
            return self._sums[measure]
        rows = self.measures.rows(measure)
        if measure.source == "reference":
            found = rows.group_by("area_code").agg(
                pl.col("value").sum().alias("now"), pl.col("value").sum().alias("prev")
            )
        else:
            keys = ["area_code", "period"]
            # Before the latest revision = now, plus (previous - current) for the revised
            # partners' months only. Every version 2 row is of a revised month; one grouping
            # gives both (a month's area with no current row is 0 now).
            replaced = self.versions.filter(
                (pl.col("version") == 2) & (pl.col("dataset") == measure.name)
            ).select("partner_id", "period", revised=pl.lit(True))
            value, current = pl.col("value"), pl.col("version") == 1
            change = pl.when(current).then(-value).otherwise(value)
            found = (
                rows.join(replaced, on=["partner_id", "period"], how="left")
                .group_by(keys)
                .agg(
                    now=value.filter(current).sum(),
                    delta=change.filter(pl.col("revised").fill_null(False)).sum(),
                )
                .select(*keys, "now", prev=pl.col("now") + pl.col("delta"))
            )
        self._sums[measure] = found
        return found


def _deadlines(partnership: Partnership, versions: pl.DataFrame) -> pl.DataFrame:
    """Each partner's deadline for every month in the register (`deadline_day` of the next)."""
    found = versions.get_column("period")
    months = months_between(found.min(), found.max()) if found.len() else []  # type: ignore[arg-type]
    next_months = [deadline(m, 1).isoformat()[:8] for m in months]  # 'YYYY-MM-'
    days = pl.DataFrame(
        [(p, min(v.deadline_day, 28)) for p, v in partnership.partners.items()],
        schema={"partner_id": pl.String, "day": pl.Int64},
        orient="row",
    )
    return days.join(pl.DataFrame({"period": months, "next": next_months}), how="cross").select(
        "partner_id", "period", due=pl.col("next") + pl.col("day").cast(pl.String).str.zfill(2)
    )


def _coverage_lists(per_partner: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    # A group keeps the frame's row order, so sorting by accountable order orders every list.
    ordered = per_partner.sort("order")
    # A partner whose data for the month was erased sent it: it is not waited for, but marked.
    erased = pl.col("erased_under").is_not_null()
    waiting = ~pl.col("ok") & ~erased
    return ordered.group_by(keys).agg(
        expected=pl.col("partner_id"),
        submitted=pl.col("partner_id").filter(pl.col("ok")),
        nil_returns=pl.col("partner_id").filter(pl.col("ok") & pl.col("nil")),
        missing=pl.col("partner_id").filter(waiting),
        missing_due=pl.col("due").filter(waiting),
        erased=pl.col("partner_id").filter(erased),
        erased_under=pl.col("erased_under").filter(erased),
    )


def _revisable(versions: pl.DataFrame) -> pl.DataFrame:
    """The versions without a previous version that cannot be compared: one erased, or one
    replaced by an erased version (a revision needs the data of both)."""
    keys = ["partner_id", "dataset", "period"]
    gone = versions.filter(pl.col("erased") & (pl.col("version") == 1)).select(keys)
    previous = pl.col("version") == 2
    return (
        versions.join(gone.with_columns(__gone=pl.lit(True)), on=keys, how="left")
        .filter(~(previous & (pl.col("erased") | pl.col("__gone").fill_null(False))))
        .drop("__gone")
    )
