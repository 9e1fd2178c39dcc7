"""Benchmark: checking a 1,000,000-row extract against a full contract vs a bare Polars read.

Run as `.venv/bin/python bench/bench_validation.py [--rows N] [--runs K]`. It writes a ~100 MB,
12-column extract and a contract using every rule (types, required, unique, composite primary
key, pattern, minimum/maximum, minLength/maxLength, allowed values, a reference relationship and
the submission period) into a temporary folder, then times, in separate fresh subprocesses,
`polars.read_csv(path, infer_schema=False)`, `read_extract` alone and our whole `validate_extract`,
alternating them. Each subprocess reports its wall time and peak resident memory (ru_maxrss);
the medians are compared. Targets: time <= 2.0x, memory <= 1.5x the bare read.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
AREAS = [f"E0800000{i}" for i in range(1, 10)] + ["E08000010"]

CONTRACT = """\
apiVersion: v3.2.0
kind: DataContract
id: bench_cases
name: Benchmark cases
version: 1.0.0
status: active
customProperties:
  - property: periodColumn
    value: month
  - property: areaColumn
    value: area_code
schema:
  - name: bench_cases
    properties:
      - {name: case_id, logicalType: string, required: true, unique: true,
         logicalTypeOptions: {pattern: "^C[0-9]{7}$"}}
      - {name: month, logicalType: date, required: true, primaryKey: true, primaryKeyPosition: 1,
         logicalTypeOptions: {format: yyyy-MM-dd}}
      - name: area_code
        logicalType: string
        required: true
        primaryKey: true
        primaryKeyPosition: 2
        logicalTypeOptions: {pattern: "^E0[6-9][0-9]{6}$"}
        relationships: [{type: foreignKey, to: ons_local_authorities.LADCD}]
      - {name: team_ref, logicalType: string, required: true, primaryKey: true,
         primaryKeyPosition: 3, logicalTypeOptions: {minLength: 3, maxLength: 8}}
      - {name: referral_date, logicalType: date, required: true,
         logicalTypeOptions: {format: dd/MM/yyyy}}
      - {name: households, logicalType: integer, logicalTypeOptions: {minimum: 0, maximum: 1000}}
      - {name: cost, logicalType: number, logicalTypeOptions: {minimum: 0, maximum: 1000000}}
      - name: duty_type
        logicalType: string
        required: true
        enum: [{value: prevention}, {value: relief}, {value: main_duty}]
      - name: outcome
        logicalType: string
        enum: [{value: secured}, {value: lost}, {value: ongoing}, {value: withdrawn}]
      - {name: verified, logicalType: boolean}
      - {name: notes, logicalType: string, logicalTypeOptions: {maxLength: 200}}
      - {name: age, logicalType: integer, required: true,
         logicalTypeOptions: {minimum: 16, maximum: 120}}
"""

CHILD = """\
import json, resource, sys, time
from pathlib import Path
mode, path, contract_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
import polars as pl
from shared_outcomes.checking.reading import read_extract
if mode == "validate":
    from shared_outcomes.config.contracts import load_contract
    from shared_outcomes.checking.validation import validate_extract
    contract = load_contract(contract_path)
    contract.column("area_code").reference.values()  # reference codes load once per process
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
start, start_cpu = time.perf_counter(), cpu()
findings = None
if mode == "bare":
    frame = pl.read_csv(path, infer_schema=False)
    rows, accepted = frame.height, None
elif mode == "read":
    read = read_extract(path)
    rows, accepted = read.frame.height, None
else:
    result = validate_extract(path, contract, period="2016-03")
    rows, accepted = result.report.rows, result.report.accepted
    findings = [f.code for f in result.report.findings]
seconds, cpu_s = time.perf_counter() - start, cpu() - start_cpu
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu_s": cpu_s, "peak_mb": peak_mb, "rows": rows,
                  "accepted": accepted,
                  "findings": findings}))
"""


def write_extract(path: Path, rows: int) -> None:
    """A clean extract: every value valid, so the checks run in full and find nothing."""
    i = pl.int_range(0, rows, eager=True)
    frame = pl.DataFrame(
        {
            "case_id": "C" + i.cast(pl.String).str.zfill(7),
            "month": pl.Series(["2016-03-01"] * rows),
            "area_code": pl.Series(AREAS).gather(i % len(AREAS)),
            "team_ref": "T" + i.cast(pl.String).str.zfill(7),
            "referral_date": (
                (1 + i % 28).cast(pl.String).str.zfill(2)
                + "/"
                + (1 + i % 12).cast(pl.String).str.zfill(2)
                + "/2016"
            ),
            "households": (i * 7919 % 1001).cast(pl.String),
            "cost": ((i * 104729 % 100_000_00) / 100).cast(pl.String),
            "duty_type": pl.Series(["prevention", "relief", "main_duty"]).gather(i % 3),
            "outcome": pl.Series(["secured", "lost", "ongoing", "withdrawn", None]).gather(i % 5),
            "verified": pl.Series(["true", "false"]).gather(i % 2),
            "notes": pl.Series(["", "called back", "moved to temporary housing", "ok"]).gather(
                i % 4
            ),
            "age": (16 + i * 31 % 80).cast(pl.String),
        }
    )
    frame.write_csv(path)


def run_child(mode: str, extract: Path, contract: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(extract), str(contract)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0:
        sys.exit(f"the {mode} run failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_validation_") as tmp:
        folder = Path(tmp)
        shutil.copytree(ROOT / "data_contracts" / "reference", folder / "reference")
        contract = folder / "bench_cases.odcs.yaml"
        contract.write_text(CONTRACT, encoding="utf-8")
        extract = folder / "bench_cases_2016-03.csv"
        write_extract(extract, args.rows)
        size_mb = extract.stat().st_size / 1e6
        print(f"extract: {args.rows:,} rows, 12 columns, {size_mb:.0f} MB; runs: {args.runs}")
        modes = ("bare", "read", "validate")
        samples: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
        for _ in range(args.runs):
            for mode in modes:
                samples[mode].append(run_child(mode, extract, contract))
        check = samples["validate"][-1]
        print(f"validate: accepted={check['accepted']} findings={check['findings']}")
        medians = {
            mode: {
                k: statistics.median(s[k] for s in runs) for k in ("seconds", "cpu_s", "peak_mb")
            }
            for mode, runs in samples.items()
        }
        for mode, m in medians.items():
            print(
                f"{mode:>9}: median {m['seconds']:.3f} s (CPU {m['cpu_s']:.3f} s), "
                f"peak {m['peak_mb']:.0f} MB"
            )
        read_time = medians["read"]["seconds"] / medians["bare"]["seconds"]
        read_memory = medians["read"]["peak_mb"] / medians["bare"]["peak_mb"]
        print(f"reading alone (read_extract): time {read_time:.2f}x memory {read_memory:.2f}x")
        cpu_ratio = medians["validate"]["cpu_s"] / medians["bare"]["cpu_s"]
        best_ratio = min(s["seconds"] for s in samples["validate"]) / min(
            s["seconds"] for s in samples["bare"]
        )
        # On a shared machine other processes stretch wall times; CPU time and the best run
        # show what the code itself costs.
        print(
            f"informative: CPU time {cpu_ratio:.2f}x, "
            f"best-of-{args.runs} wall time {best_ratio:.2f}x"
        )
        time_ratio = medians["validate"]["seconds"] / medians["bare"]["seconds"]
        memory_ratio = medians["validate"]["peak_mb"] / medians["bare"]["peak_mb"]
        print(
            textwrap.dedent(f"""\
            targets: time <= 2.00x, memory <= 1.50x
            RATIOS time {time_ratio:.2f}x memory {memory_ratio:.2f}x""")
        )


if __name__ == "__main__":
    main()
