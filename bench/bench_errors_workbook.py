"""Benchmark: the errors workbook (.xlsx) of a 100,000-row, 12-column extract with 1,000 faults.

Run as `.venv/bin/python bench/bench_errors_workbook.py [--rows N] [--runs K]`. It writes
bench_validation's extract (its 12-column contract using every rule) with exactly 1,000 cells
made wrong, one in every hundredth row, taking turns over four columns (a word as the age, a
duty type not allowed, a negative number of households, 31 February as the referral date), into
a temporary folder. A fresh subprocess checks it with `validate_extract` (not timed: the
workbook starts from the checked report, extract and problems, as the page does), then times
`errors_workbook(...)` K times. Then, once more, with tracemalloc on (not timed), it measures the
Python memory the workbook takes at its peak. It prints the median wall and CPU time, the
process's peak resident memory before and after making workbooks (ru_maxrss: polars and
xlsxwriter's own memory included), the resident memory in use after the check and at the
workbooks' own peak (Linux: the peak is reset after the check through /proc/self/clear_refs)
and the workbook's size. Target: < 5 s.

`bench/run.py --only errors-workbook` runs the same child (`child` mode, printing one JSON line).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import polars as pl

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import bench_validation  # noqa: E402

#: Cells made wrong, and the (column, bad value, finding code) they take turns over.
FAULTS = 1_000
WRONG = [
    ("age", "forty", "not-an-integer"),
    ("duty_type", "unknown_duty", "not-allowed-value"),
    ("households", "-5", "below-minimum"),
    ("referral_date", "31/02/2016", "not-a-date"),
]
TARGET_SECONDS = 5.0


def write_extract(folder: Path, rows: int, faults: int = FAULTS) -> tuple[Path, Path]:
    """The contract and the extract with `faults` wrong cells (spread evenly) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "data_contracts" / "reference", folder / "reference", dirs_exist_ok=True)
    contract = folder / "bench_cases.odcs.yaml"
    contract.write_text(bench_validation.CONTRACT, encoding="utf-8")
    clean = folder / "clean.csv"
    bench_validation.write_extract(clean, rows)
    frame = pl.read_csv(clean, infer_schema=False)
    clean.unlink()
    step = max(rows // faults, 1)
    index = pl.int_range(0, frame.height, eager=True)
    wrong = (index % step == step // 2) & (index // step < faults)
    turn = (index // step) % len(WRONG)
    frame = frame.with_columns(
        pl.when(wrong & (turn == i)).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
        for i, (column, value, _) in enumerate(WRONG)
    )
    extract = folder / "bench_cases_2016-03.csv"
    frame.write_csv(extract)
    return extract, contract


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_mb(field: str) -> float | None:
    """The process's resident memory now (VmRSS) or at its peak (VmHWM), from Linux's /proc."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def forget_peak() -> bool:
    """Reset the peak (VmHWM) to the memory in use now, so the next peak is the workbook's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child(extract: Path, contract_path: Path, runs: int) -> None:
    """One process: check the extract (untimed), then time the workbook; one JSON line."""
    from shared_outcomes.checking.validation import validate_extract
    from shared_outcomes.config.contracts import load_contract
    from shared_outcomes.present.errors_workbook import errors_workbook

    contract = load_contract(contract_path)
    checked = validate_extract(extract, contract, period="2016-03")
    assert checked.extract is not None
    codes = sorted({f.code for f in checked.report.findings})
    cells = checked.problems.select("row", "column").unique().height
    before = peak_mb()
    reset = forget_peak()
    in_use = memory_mb("VmRSS")
    seconds, cpu, size = [], [], 0
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        made = errors_workbook(checked.report, checked.extract, checked.problems)
        seconds.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
        size = len(made)
        del made
    after = peak_mb()
    workbook_peak = memory_mb("VmHWM") if reset else None
    tracemalloc.start()
    errors_workbook(checked.report, checked.extract, checked.problems)
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_s": cpu,
                "rows": checked.extract.height,
                "columns": checked.extract.width - 1,
                "cells_at_fault": cells,
                "codes": codes,
                "bytes": size,
                "peak_mb_before": before,
                "peak_mb": after,
                "python_peak_mb": python_peak,
                "rss_before_mb": in_use,
                "workbook_peak_mb": workbook_peak,
            }
        )
    )


def run_child(extract: Path, contract: Path, runs: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__)), "child", str(extract), str(contract), str(runs)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        sys.exit(f"the errors-workbook run failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_errors_workbook_") as tmp:
        extract, contract = write_extract(Path(tmp), args.rows)
        size_mb = extract.stat().st_size / 1e6
        print(f"extract: {args.rows:,} rows, 12 columns, {size_mb:.1f} MB; runs: {args.runs}")
        out = run_child(extract, contract, args.runs)
    seconds = statistics.median(out["seconds"])
    cpu = statistics.median(out["cpu_s"])
    print(f"checked: {out['cells_at_fault']:,} cells at fault ({', '.join(out['codes'])})")
    print(
        f"errors_workbook: median {seconds:.3f} s (CPU {cpu:.3f} s) over {args.runs} runs; "
        f"workbook {int(out['bytes']) / 1e6:.1f} MB"
    )
    print(
        f"peak memory: process {out['peak_mb']:.0f} MB (after the check alone "
        f"{out['peak_mb_before']:.0f} MB); Python allocations at the workbook's peak "
        f"{out['python_peak_mb']:.1f} MB"
    )
    if out["workbook_peak_mb"] is not None:
        rise = out["workbook_peak_mb"] - out["rss_before_mb"]
        print(
            f"resident memory: {out['rss_before_mb']:.0f} MB in use after the check, "
            f"{out['workbook_peak_mb']:.0f} MB at the workbooks' peak (+{rise:.0f} MB)"
        )
    print(f"target < {TARGET_SECONDS:g} s:", "met" if seconds < TARGET_SECONDS else "NOT met")


if __name__ == "__main__":
    main()
