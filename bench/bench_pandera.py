"""Baseline: pandera's polars backend doing the checks of bench_validation's contract.

Run by `bench/run.py` (one subprocess per measurement) as
`.venv/bin/python bench/bench_pandera.py EXTRACT PERIOD`; prints one JSON line with the wall and
CPU seconds, peak resident memory (ru_maxrss) and the number of failure cases. Needs
`pip install -r requirements-bench.txt` (pandera is installed for the benchmark only).

The same file, the same checks as `bench_validation.CONTRACT`: read every column as text (as
the bare read does), parse the dates with their formats, the numbers and the booleans in Polars
(pandera's coercion casts, which cannot parse `dd/MM/yyyy` or `true`; a value that does not
parse becomes null, so unlike ours this baseline does not report bad types: it is the lighter
job), then one lazy `DataFrameSchema.validate` of the dtypes, required (not nullable) columns,
the unique case id, the composite key (month, area_code, team_ref), patterns, ranges, lengths,
allowed values, the area codes in the ONS reference list and every month inside the submission
period. A failing check is collected
as failure cases (lazy=True), as our report collects findings, not raised at the first.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data_contracts" / "reference" / "la_all_codes.csv"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def schema(period: str, area_codes: list[str]) -> object:
    """bench_validation's contract, written as a pandera polars schema."""
    import pandera.polars as pa

    year, month = (int(part) for part in period.split("-"))
    first = pl.date(year, month, 1)
    last = pl.date(year + month // 12, month % 12 + 1, 1)
    in_period = pa.Check(
        lambda data: data.lazyframe.select((pl.col(data.key) >= first) & (pl.col(data.key) < last)),
        name="in_submission_period",
    )
    return pa.DataFrameSchema(
        {
            "case_id": pa.Column(
                pl.String, pa.Check.str_matches(r"^C[0-9]{7}$"), nullable=False, unique=True
            ),
            "month": pa.Column(pl.Date, in_period, nullable=False),
            "area_code": pa.Column(
                pl.String,
                [pa.Check.str_matches(r"^E0[6-9][0-9]{6}$"), pa.Check.isin(area_codes)],
                nullable=False,
            ),
            "team_ref": pa.Column(pl.String, pa.Check.str_length(3, 8), nullable=False),
            "referral_date": pa.Column(pl.Date, nullable=False),
            "households": pa.Column(pl.Int64, pa.Check.in_range(0, 1000), nullable=True),
            "cost": pa.Column(pl.Float64, pa.Check.in_range(0, 1_000_000), nullable=True),
            "duty_type": pa.Column(
                pl.String, pa.Check.isin(["prevention", "relief", "main_duty"]), nullable=False
            ),
            "outcome": pa.Column(
                pl.String,
                pa.Check.isin(["secured", "lost", "ongoing", "withdrawn"]),
                nullable=True,
            ),
            "verified": pa.Column(pl.Boolean, nullable=True),
            "notes": pa.Column(pl.String, pa.Check.str_length(max_value=200), nullable=True),
            "age": pa.Column(pl.Int64, pa.Check.in_range(16, 120), nullable=False),
        },
        unique=["month", "area_code", "team_ref"],
        strict=True,
    )


def parsed() -> list[pl.Expr]:
    """Text to types, as our reading step does (pandera's coercion cannot parse these)."""
    return [
        pl.col("month").str.to_date("%Y-%m-%d", strict=False),
        pl.col("referral_date").str.to_date("%d/%m/%Y", strict=False),
        pl.col("households", "age").str.to_integer(strict=False),
        pl.col("cost").cast(pl.Float64, strict=False),
        pl.col("verified").replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        ),
    ]


def main() -> None:
    path, period = Path(sys.argv[1]), sys.argv[2]
    import pandera.polars as pa

    area_codes = pl.read_csv(REFERENCE, columns=["LADCD"], infer_schema=False)["LADCD"].to_list()
    checks = schema(period, area_codes)
    start, start_cpu = time.perf_counter(), cpu_seconds()
    frame = pl.read_csv(path, infer_schema=False).with_columns(parsed())
    failures = 0
    try:
        checked = checks.validate(frame, lazy=True)  # type: ignore[attr-defined]
        rows = checked.height
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases.height
        rows = frame.height
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - start_cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_s": cpu,
                "peak_mb": peak_mb,
                "rows": rows,
                "failures": failures,
            }
        )
    )


if __name__ == "__main__":
    main()
