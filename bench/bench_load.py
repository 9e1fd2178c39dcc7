"""Benchmark: loading an already-checked 1,000,000-row extract vs a bare Polars read of the file.

Run as `.venv/bin/python bench/bench_load.py [--rows N] [--runs K]`. It writes a
`homelessness_cases` extract (the real contract: 12 columns, 5 enum columns) into a temporary
folder, checks it once with `validate_extract` (not timed: the load starts from the checked
frame, as `Workspace.submit` does), then alternates, K times in this one process:

- the bare read: `polars.read_csv(path, infer_schema=False)`;
- the load: `Warehouse.store(NewSubmission(...))` of the checked frame: the rows written as
  Parquet, the aggregates built and the register and views updated in one transaction (each
  run for a different partner, so every run really loads). The raw file is archived once
  beforehand and its copy time printed apart: `Workspace.submit` copies it while the file is
  being checked.

It prints both medians and their ratio. Target: load <= 1.5x the bare read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from shared_outcomes.checking.validation import validate_extract
from shared_outcomes.config.contracts import load_contract
from shared_outcomes.warehouse.archive import sha256_of
from shared_outcomes.warehouse.store import NewSubmission, Warehouse

ROOT = Path(__file__).resolve().parents[1]
AREAS = [f"E0800000{i}" for i in range(1, 10)] + ["E08000010"]


def write_extract(path: Path, rows: int, period: str = "2016-03", areas: list[str] = AREAS) -> None:
    """A clean extract for `period` (YYYY-MM) over `areas` (bench/run.py reuses it)."""
    rng = np.random.default_rng(20160301)
    year, month = period.split("-")
    day = rng.integers(1, 29, rows)
    outcome = rng.choice(
        ["secured_accommodation", "not_secured", "contact_lost", "withdrew", ""], rows
    )
    frame = pl.DataFrame(
        {
            "case_id": [f"BOL-{i:010X}" for i in range(rows)],
            "area_code": rng.choice(areas, rows),
            "month": [period] * rows,
            "approach_date": [f"{d:02d}/{month}/{year}" for d in day],
            "approach_type": rng.choice(["new", "carried_forward"], rows),
            "duty_type": rng.choice(["prevention", "relief", "main_duty"], rows),
            "household_type": rng.choice(
                ["single_adult_male", "single_adult_female", "single_parent", "other"], rows
            ),
            "applicant_age": rng.integers(16, 90, rows),
            "case_status": np.where(outcome == "", "open", "closed"),
            "outcome": outcome,
            "outcome_date": np.where(outcome == "", "", f"28/{month}/{year}"),
        }
    )
    frame.write_csv(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    contract = load_contract(ROOT / "data_contracts" / "homelessness_cases.odcs.yaml")
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        folder = Path(tmp)
        extract = folder / "homelessness_cases_2016-03.csv"
        write_extract(extract, args.rows)
        checked = validate_extract(extract, contract, period="2016-03", file_name=extract.name)
        if not checked.report.accepted or checked.frame is None:
            codes = sorted({f.code for f in checked.report.errors})
            sys.exit(f"the generated extract was rejected ({', '.join(codes)}): fix the generator")
        frame = checked.frame
        warehouse = Warehouse.open(folder / "bench.duckdb", {contract.dataset: contract})
        size_mb = extract.stat().st_size / 1e6
        print(f"{args.rows:,} rows, {len(frame.columns)} columns, {size_mb:.0f} MB")
        sha = sha256_of(extract)  # in a real submit the reading step has computed it
        started = time.perf_counter()
        warehouse.archive.keep(extract, sha)  # Workspace.prepare copies it during the check
        print(
            f"archive copy (during the check, not counted): {time.perf_counter() - started:.3f} s"
        )
        reads, loads = [], []
        for run in range(args.runs):
            started = time.perf_counter()
            pl.read_csv(extract, infer_schema=False)
            reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = warehouse.store(
                NewSubmission(
                    contract.dataset,
                    partner=f"partner_{run}",
                    period="2016-03",
                    source=extract,
                    sha256=sha,
                    file_name=extract.name,
                    contract_version=contract.version,
                    rows=frame.height,
                    submitted_by="bench",
                    report_json="{}",
                    frame=frame,
                )
            )
            loads.append(time.perf_counter() - started)
            assert result.status == "loaded"
            print(f"run {run + 1}: read {reads[-1]:.3f} s, load {loads[-1]:.3f} s")
        read, load = statistics.median(reads), statistics.median(loads)
        print(f"median read {read:.3f} s, median load {load:.3f} s, ratio {load / read:.2f}x")
        print("target <= 1.5x:", "met" if load <= 1.5 * read else "NOT met")


if __name__ == "__main__":
    main()
