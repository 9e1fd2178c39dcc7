"""Benchmark: every shared outcome for every area and month over 1M- and 10M-row warehouses.

Run as `.venv/bin/python bench/bench_outcomes.py [--sizes 1000000 10000000] [--runs 7]
[--months 60]`.

For each size it builds a synthetic warehouse in a temporary folder and times
`compute_outcomes` (every shipped outcome definition × every area and the whole partnership ×
every month, disclosure control on), printing medians of K runs, wall and CPU:

- the first computation ever over the warehouse (nothing kept anywhere: it reads every
  submission's aggregates and keeps each measure's values on disk, see `measures`);
- a fresh process computing the figures, as a CLI call after a new submission (memory caches
  and kept figures dropped; each measure's values read from disk);
- a fresh process with nothing new submitted (the figures kept on disk, see `figure_cache`);
- a recomputation in a running process (the figures computed again from cached measures);
- a rerun with nothing new submitted, as a page rerun in the app is.

Then the ratio of the largest size's fresh-process-computing median to the smallest's. Targets:
under
1 s at 10M rows; 1M -> 10M at most 1.5x slower. The machine load (shared cores) is printed.

The synthetic partnership is the sample one grown to all 296 current English districts
(data_contracts/reference/la_all_codes.csv): one council per district submitting homelessness
cases and workforce vacancies for its district, and the sample's other partners (NHS, police,
fire, DWP, combined authority, voluntary sector, housing association) covering every district;
the shipped outcome definitions are rewritten only in their `accountable` list. 2% of
submissions have been restated (a superseded version is kept, as in the real register).

How the warehouse is filled: `Warehouse.open` creates the real schema; the register rows are
inserted as the load writes them, and `agg_<dataset>` is filled with the same GROUP BY the load
runs (per submission, partner, area, month and every enum column: `n_rows` and `sum_<col>`), in
SQL over generated rows with uniformly random enum values (the worst case for the aggregates:
every combination occurs). The Parquet row files are not written: figures never read them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.config.contracts import Contract, load_contracts
from shared_outcomes.config.definitions import OutcomeDefinition, load_definitions
from shared_outcomes.config.partnership import Partner, Partnership, load_partnership
from shared_outcomes.figures.cache import clear_figures, figures_folder
from shared_outcomes.figures.measures import clear_cache
from shared_outcomes.figures.outcomes import compute_outcomes
from shared_outcomes.figures.timeliness import months_between
from shared_outcomes.warehouse.measure_queries import quote
from shared_outcomes.warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "data_contracts"
VIEWER = Identity("bench", "Benchmark (leadership view)", Role.LEADERSHIP)
#: Share of the rows per dataset (the claimant count stays one row per district and month).
WEIGHTS = {
    "homelessness_cases": 0.70,
    "workforce_vacancies": 0.12,
    "nhs_emergency_admissions": 0.08,
    "digital_inclusion": 0.05,
    "flood_incidents": 0.025,
    "flood_protection": 0.025,
}
RESTATED = 0.02


def districts() -> dict[str, str]:
    codes = pl.read_csv(CONTRACTS / "reference" / "la_all_codes.csv", infer_schema=False)
    current = codes.filter(pl.col("LADCD").str.starts_with("E") & (pl.col("Current") == "TRUE"))
    return dict(current.select("LADCD", "LADNM").sort("LADCD").rows())


def grown_partnership(contracts: dict[str, Contract]) -> Partnership:
    sample = load_partnership(CONTRACTS / "partners.yaml", contracts)
    areas = districts()
    partners: dict[str, Partner] = {}
    for code, name in areas.items():
        pid = f"council_{code.lower()}"
        partners[pid] = Partner(
            id=pid, name=f"{name} Council", sector="local_authority",
            datasets=["homelessness_cases", "workforce_vacancies"], deadline_day=10, areas=[code],
        )  # fmt: skip
    for partner in sample.partners.values():
        if partner.sector != "local_authority":
            partners[partner.id] = partner.model_copy(update={"areas": list(areas)})
    return Partnership(name="Benchmark partnership", areas=areas, partners=partners)


def grown_definitions(
    folder: Path, contracts: dict[str, Contract], partnership: Partnership
) -> dict[str, OutcomeDefinition]:
    """The shipped definitions, each made accountable to every partner submitting its data."""
    out = folder / "outcomes"
    out.mkdir()
    for path in sorted((CONTRACTS / "outcomes").glob("*.yaml")):
        spec: dict[str, Any] = yaml.safe_load(path.read_text())
        measures = [spec["numerator"], spec.get("denominator") or {}]
        needed = {m["dataset"] for m in measures if m.get("dataset")}
        spec["accountable"] = [
            p.id for p in partnership.partners.values() if needed & set(p.datasets)
        ]
        (out / path.name).write_text(yaml.safe_dump(spec, sort_keys=False))
    return load_definitions(out, contracts, partnership, reference_dir=CONTRACTS / "reference")


def register(partnership: Partnership, months: list[str], rows: int) -> pl.DataFrame:
    """Register rows and, per submission, the areas it covers and rows per area."""
    pairs = {
        d: sum(len(p.areas) for p in partnership.partners.values() if d in p.datasets)
        for d in WEIGHTS
    }
    per_area = {d: max(1, round(rows * w / (pairs[d] * len(months)))) for d, w in WEIGHTS.items()}
    per_area["claimant_count"] = 1
    records: list[tuple[Any, ...]] = []
    sid = 0
    for partner in partnership.partners.values():
        for dataset in partner.datasets:
            for i, month in enumerate(months):
                key = f"{partner.id}/{dataset}/{month}".encode()
                restated = zlib.crc32(key) % 1000 < RESTATED * 1000
                versions = ["superseded", "accepted"] if restated else ["accepted"]
                for j, status in enumerate(versions):
                    sid += 1
                    at = f"{month}-0{5 + 3 * j} 09:00:00"
                    size = per_area[dataset]
                    records.append((sid, partner.id, dataset, month, status, at, size, i))
    return pl.DataFrame(
        records,
        schema=["submission_id", "partner_id", "dataset", "period", "status", "submitted_at",
                "per_area", "month_index"],
        orient="row",
    ).with_columns(pl.col("submitted_at").str.to_datetime())  # fmt: skip


def fill(db: Path, contracts: dict[str, Contract], partnership: Partnership, months: list[str],
         rows: int) -> int:  # fmt: skip
    """Write the register and the aggregates; return the number of rows aggregated."""
    Warehouse.open(db, contracts)  # the real schema
    subs = register(partnership, months, rows)
    areas = pl.DataFrame(
        [(p.id, a) for p in partnership.partners.values() for a in p.areas],
        schema=["partner_id", "area"], orient="row",
    )  # fmt: skip
    con = duckdb.connect(str(db))
    con.register("subs", subs)
    con.register("partner_areas", areas)
    con.execute(
        "INSERT INTO submissions (submission_id, partner_id, dataset, period, contract_version, "
        "sha256, file_name, rows, submitted_by, submitted_at, status, report_json) "
        "SELECT submission_id, partner_id, dataset, period, '1.0.0', md5(submission_id::VARCHAR),"
        " dataset || '.csv', 0, 'bench', submitted_at, status, '{}' FROM subs"
    )
    total = 0
    for contract in contracts.values():
        total += fill_dataset(con, contract)
    con.close()
    return total


def fill_dataset(con: duckdb.DuckDBPyConnection, contract: Contract) -> int:
    def noise(name: str) -> str:
        return f"CAST(hash(s.submission_id, s.area, g.i, '{name}') % 1000003 AS BIGINT)"

    columns, exprs, group = [], [], []
    for column in contract.columns:
        name = quote(column.name)
        if column.name == contract.area_column:
            expr = "s.area"
        elif column.name == contract.period_column:
            expr = (
                "s.period" if column.logical_type == "string" else "CAST(s.period || '-01' AS DATE)"
            )
        elif column.allowed_values:
            values = "[" + ", ".join("'" + v + "'" for v in column.allowed_values) + "]"
            expr = f"{values}[1 + ({noise(column.name)} % {len(column.allowed_values)})]"
        else:
            continue
        columns.append(name)
        exprs.append(f"{expr} AS {name}")
        group.append(name)
    sums = [c for c in contract.columns if c.logical_type in ("integer", "number")]
    for c in sums:
        scale = "" if c.logical_type == "integer" else " / 2.0"
        exprs.append(f"({noise(c.name)} % 40){scale} AS {quote(c.name)}")
    columns += ["n_rows", *(quote("sum_" + c.name) for c in sums)]
    measures = ["count(*)"] + [f"sum({quote(c.name)})" for c in sums]
    generated = (
        f"SELECT s.submission_id, s.partner_id, {', '.join(exprs)} "
        "FROM (SELECT subs.*, pa.area FROM subs JOIN partner_areas pa USING (partner_id) "
        f"WHERE subs.dataset = '{contract.dataset}') AS s, "
        "LATERAL (SELECT unnest(range(s.per_area)) AS i) AS g"
    )
    sql = (
        f"INSERT INTO {quote('agg_' + contract.dataset)} (submission_id, partner_id, "
        f"{', '.join(columns)}) SELECT submission_id, partner_id, {', '.join(group)}, "
        f"{', '.join(measures)} FROM ({generated}) GROUP BY ALL"
    )
    con.execute(sql)
    row = con.execute(
        f"SELECT coalesce(sum(n_rows), 0) FROM {quote('agg_' + contract.dataset)}"
    ).fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()
    contracts = load_contracts(CONTRACTS)
    partnership = grown_partnership(contracts)
    months = months_between("2013-01", "2099-12")[: args.months]
    medians: list[float] = []
    cpu_medians: list[float] = []
    for size in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix="bench_outcomes_"))
        try:
            definitions = grown_definitions(folder, contracts, partnership)
            started = time.perf_counter()
            rows = fill(folder / "w.duckdb", contracts, partnership, months, size)
            built = time.perf_counter() - started
            warehouse = Warehouse.open(folder / "w.duckdb", contracts)
            with warehouse.reading() as con:
                aggregates = sum(
                    int(con.execute(f"SELECT count(*) FROM {quote('agg_' + d)}").fetchone()[0])  # type: ignore[index]
                    for d in contracts
                )

            inputs = (warehouse, definitions, partnership)
            # Nothing kept anywhere: reads every submission's aggregates.
            first = [_timed(*inputs, "process and figures")]
            # A CLI call after a new submission: measures from disk, figures computed.
            fresh = [_timed(*inputs, "process and figures") for _ in range(args.runs)]
            # A CLI call with nothing new submitted: the figures kept on disk.
            again = [_timed(*inputs, "process") for _ in range(args.runs)]
            # The figures computed again in a running process, from the measures in memory.
            computed = [_timed(*inputs, "figures") for _ in range(args.runs)]
            # A page rerun with nothing new submitted.
            warm = [_timed(*inputs, "nothing") for _ in range(args.runs)]
            figures = warm[-1][2]
            median = statistics.median(t for t, _, _ in fresh)
            medians.append(median)
            cpu_medians.append(statistics.median(c for _, c, _ in fresh))

            def line(label: str, runs: list[tuple[float, float, int]]) -> str:
                wall = statistics.median(t for t, _, _ in runs)
                cpu = statistics.median(c for _, c, _ in runs)
                each = ", ".join(f"{t:.3f}" for t, _, _ in runs)
                return f"    {label}: {wall:.3f} s (CPU {cpu:.3f} s; runs: {each})\n"

            print(
                f"{rows:>11,} rows ({aggregates:,} aggregate rows, built in {built:.1f} s): "
                f"{len(definitions)} outcomes x {len(partnership.areas) + 1} areas x "
                f"{len(months)} months = {figures:,} figures\n"
                + line("first computation ever (reads every aggregate)", first)
                + line(f"fresh process computing, median of {args.runs} (CLI, new data)", fresh)
                + line(f"fresh process, same register, median of {args.runs} (CLI)", again)
                + line(f"recomputed in a process, median of {args.runs}", computed)
                + line(f"rerun, nothing new submitted, median of {args.runs} (the app)", warm),
                end="",
                flush=True,
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if len(medians) > 1:
        print(
            f"fresh process computing, ratio largest/smallest: "
            f"{medians[-1] / medians[0]:.2f}x wall, "
            f"{cpu_medians[-1] / cpu_medians[0]:.2f}x CPU (target <= 1.5x); largest median "
            f"{medians[-1]:.3f} s wall, {cpu_medians[-1]:.3f} s CPU (target < 1 s)"
        )


def _timed(
    warehouse: Warehouse,
    definitions: dict[str, OutcomeDefinition],
    partnership: Partnership,
    forget: str,
) -> tuple[float, float, int]:
    """One computation's wall and CPU seconds and figures, after forgetting `forget`."""
    if forget in ("process", "process and figures"):
        clear_cache()  # as a fresh process starts (what is kept on disk stays)
    if forget in ("figures", "process and figures"):
        clear_figures()  # the figures are computed again, from the measures kept
        shutil.rmtree(figures_folder(warehouse.db_path), ignore_errors=True)
    started, cpu = time.perf_counter(), time.process_time()
    frame = compute_outcomes(warehouse, definitions, partnership, VIEWER)
    return time.perf_counter() - started, time.process_time() - cpu, frame.height


if __name__ == "__main__":
    main()
