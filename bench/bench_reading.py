"""Benchmark: read_extract against a bare polars.read_csv(path, infer_schema=False).

Each measurement runs in its own subprocess, so peak memory (ru_maxrss) is that read's alone.
Usage: .venv/bin/python bench/bench_reading.py [--rows 1000000] [--repeat 3] [--quoted]
Prints the time and peak-memory ratios of read_extract to the bare read on a line of their own.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

COLUMNS = [
    "case_id", "partner_id", "area_code", "period", "duty_type", "outcome",
    "household_size", "age", "amount", "start_date", "notes", "flag",
]  # fmt: skip

MEASURE = """
import json, resource, sys, time
from pathlib import Path
path, how = Path(sys.argv[1]), sys.argv[2]
import polars as pl
from shared_outcomes.checking.reading import read_extract
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
start, cpu_start = time.perf_counter(), cpu()
if how == "bare":
    rows = pl.read_csv(path, infer_schema=False).height
else:
    result = read_extract(path)
    rows = result.frame.height
seconds, cpu_seconds = time.perf_counter() - start, cpu() - cpu_start
print(json.dumps({"seconds": seconds, "cpu": cpu_seconds, "rows": rows,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def write_extract(path: Path, rows: int, quoted: bool) -> None:
    """A ~100 MB extract of 12 text columns, CRLF like Excel, seeded for repeatability."""
    rng = random.Random(1)
    notes = ["", "no notes", "referred by GP", "needs follow up, soon"]
    with path.open("w", newline="", encoding="utf-8") as out:
        out.write(",".join(COLUMNS) + "\r\n")
        for i in range(rows):
            row = [
                f"C{i:08d}", "bolton_council", f"E0800000{rng.randint(1, 9)}", "2016-03",
                rng.choice(["prevention", "relief", "main"]),
                rng.choice(["secured_accommodation", "lost_contact", "other"]),
                str(rng.randint(1, 8)), str(rng.randint(16, 90)), f"{rng.random() * 1000:.2f}",
                f"{rng.randint(1, 28):02d}/03/2016", rng.choice(notes),
                rng.choice(["true", "false"]),
            ]  # fmt: skip
            if quoted:
                row = ['"' + v + '"' for v in row]
            else:  # only values holding a comma are quoted, as Excel writes them
                row = [f'"{v}"' if "," in v else v for v in row]
            out.write(",".join(row) + "\r\n")


def measure(path: Path, how: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), how], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quoted", action="store_true", help="quote every value")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "extract.csv"
        write_extract(path, args.rows, args.quoted)
        print(f"{args.rows} rows, {path.stat().st_size / 1e6:.0f} MB, quoted={args.quoted}")
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.repeat):  # interleaved, best of n: the machine is shared
            for how in ("bare", "read_extract"):
                got = measure(path, how)
                print(
                    f"  {how:13} {got['seconds']:.3f} s wall  {got['cpu']:.3f} s cpu  "
                    f"{got['maxrss_kb'] / 1024:.0f} MB peak"
                )
                mine = best.setdefault(how, got)
                for key in ("seconds", "cpu", "maxrss_kb"):
                    mine[key] = min(mine[key], got[key])
        assert best["bare"]["rows"] == best["read_extract"]["rows"]
        ratio = {
            k: best["read_extract"][k] / best["bare"][k] for k in ("seconds", "cpu", "maxrss_kb")
        }
        print(
            f"read_extract / bare read (best of {args.repeat}): time {ratio['seconds']:.2f}x, "
            f"cpu {ratio['cpu']:.2f}x, peak memory {ratio['maxrss_kb']:.2f}x"
        )


if __name__ == "__main__":
    main()
