"""Benchmark: checking an Excel workbook against its contract, as a ratio to a bare read.

Run as `.venv/bin/python bench/bench_workbook.py [--rows N] [--runs K]`. It writes
bench_validation's extract (a 12-column contract using every rule) as a workbook with
xlsxwriter: dates as real Excel dates (shown "d mmm yyyy"), whole numbers and amounts as
numbers, the rest as text, on a worksheet named like the dataset. A fresh subprocess then
times, K times each and alternating, a bare `polars.read_excel(path)` (calamine, the types it
guesses) and `validate_extract(path, contract)` (the workbook read as text, its XML scanned for
merged cells, hidden rows and text cells, then every contract rule), and prints the medians and
their ratio. Target: <= 1.5x.

`bench/run.py --only workbook-check` runs the same child (`child` mode, printing one JSON line).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import bench_validation  # noqa: E402

TARGET_RATIO = 1.5
#: The contract's columns written as Excel values rather than text: dates (with their
#: format) and numbers.
DATES = {"month": "%Y-%m-%d", "referral_date": "%d/%m/%Y"}
NUMBERS = ("households", "cost", "age")


def write_workbook(folder: Path, rows: int) -> tuple[Path, Path]:
    """The contract and the workbook of `rows` rows in `folder`."""
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "data_contracts" / "reference", folder / "reference", dirs_exist_ok=True)
    contract = folder / "bench_cases.odcs.yaml"
    contract.write_text(bench_validation.CONTRACT, encoding="utf-8")
    text = folder / "extract.csv"
    bench_validation.write_extract(text, rows)
    target = folder / "bench_cases_2016-03.xlsx"
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    shown = book.add_format({"num_format": "d mmm yyyy"})
    sheet = book.add_worksheet("bench_cases")
    with text.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        sheet.write_row(0, 0, header)
        kinds = [("date", DATES[n]) if n in DATES else ("number" if n in NUMBERS else "text", "")
                 for n in header]  # fmt: skip
        for r, record in enumerate(reader, start=1):
            for c, value in enumerate(record):
                kind, form = kinds[c]
                if kind == "date" and value:
                    sheet.write_datetime(r, c, datetime.strptime(value, form), shown)
                elif kind == "number" and value:
                    sheet.write_number(r, c, float(value))
                else:
                    sheet.write_string(r, c, value)
    book.close()
    text.unlink()
    return target, contract


def child(workbook: Path, contract_path: Path, runs: int) -> None:
    """Time the bare read and the check alternately; print one JSON line."""
    import polars as pl

    from shared_outcomes.checking.validation import validate_extract
    from shared_outcomes.config.contracts import load_contract

    contract = load_contract(contract_path)
    checked = validate_extract(workbook, contract)  # warm: imports, the first file read
    bare_s, check_s = [], []
    for _ in range(runs):
        start = time.perf_counter()
        frame = pl.read_excel(workbook)
        bare_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        checked = validate_extract(workbook, contract)
        check_s.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "rows": frame.height,
                "columns": frame.width,
                "bare_s": bare_s,
                "check_s": check_s,
                "accepted": checked.report.accepted,
                "findings": [f.code for f in checked.report.findings],
                "bytes": workbook.stat().st_size,
            }
        )
    )


def measure(folder: Path, rows: int, runs: int) -> dict[str, object]:
    """Make the workbook (unless it is there) and run the child; return its figures."""
    workbook = folder / "bench_cases_2016-03.xlsx"
    contract = folder / "bench_cases.odcs.yaml"
    if not workbook.exists():
        write_workbook(folder, rows)
    done = subprocess.run(
        [sys.executable, __file__, "child", str(workbook), str(contract), str(runs)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = measure(Path(folder), args.rows, args.runs)
    bare = statistics.median(out["bare_s"])  # type: ignore[arg-type]
    check = statistics.median(out["check_s"])  # type: ignore[arg-type]
    print(f"{out['rows']:,} rows x {out['columns']} columns, {int(out['bytes']) / 1e6:.1f} MB")  # type: ignore[call-overload]
    print(f"bare polars.read_excel: {bare:.3f} s; validate_extract: {check:.3f} s")
    print(f"ratio {check / bare:.2f}x (target <= {TARGET_RATIO}x); accepted: {out['accepted']}")


if __name__ == "__main__":
    main()
