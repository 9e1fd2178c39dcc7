"""Write the sample partnership's monthly extracts: synthetic data, except the real claimant count.

Run `python sample_data/generate.py` from the project folder. The output is deterministic (fixed
seeds, no clock): running it again rewrites the same bytes, and tests/test_sample_data.py checks
that the committed files are exactly what this script writes. Everything except DWP's claimant
count is made up, with realistic sizes, trends, seasons and differences between districts. The
claimant count is the real published series (sample_data/source/), split into monthly files with
every line copied byte for byte.

Built in, to exercise the product (see sample_data/README.md):
- Tameside Council is late for 2017-10: its two extracts for that month are absent;
- NHS Greater Manchester restates 2017-08 emergency admissions (sample_data/resubmissions/);
- small counts (below 5) are common in admissions, devices loaned and flood incidents;
- sample_data/rejected_examples/ holds broken extracts, each with its note in notes.yaml.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import polars as pl
from sample_rejected import write_rejected
from sample_series import (
    AREAS,
    RESTATED,
    Records,
    digital_inclusion,
    flood_incidents,
    flood_protection,
    homelessness_cases,
    nhs_emergency_admissions,
    workforce,
)

HERE = Path(__file__).resolve().parent
LATE = ("tameside_council", "2017-10")
CLAIMANT_SOURCE = HERE / "source" / "claimant_count_local_authorities.csv"


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)


def monthly(out: Path, partner: str, dataset: str, rows: Records) -> None:
    """One extract per month, `<partner>/<dataset>_<YYYY-MM>.csv`, except the late one."""
    for month, records in rows.items():
        if (partner, month) == LATE:
            continue
        write_csv(
            pl.DataFrame(records, infer_schema_length=None),
            out / partner / f"{dataset}_{month}.csv",
        )


# --- the real claimant count, split by month -----------------------------------------------------


def claimant_count(out: Path) -> None:
    """DWP's monthly extracts: the header and that month's lines of the real file, byte for byte."""
    header, *lines = CLAIMANT_SOURCE.read_bytes().split(b"\n")
    by_month: dict[str, list[bytes]] = {}
    for line in filter(None, lines):
        by_month.setdefault(line[:7].decode("ascii"), []).append(line)
    for month, month_lines in by_month.items():
        path = out / "dwp_jobcentre_plus" / f"claimant_count_{month}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\n".join([header, *month_lines]) + b"\n")


# --- main ----------------------------------------------------------------------------------------


def generate(root: Path) -> None:
    """Write extracts/, resubmissions/ and rejected_examples/ under `root` (replacing them)."""
    for name in ("extracts", "resubmissions", "rejected_examples"):
        shutil.rmtree(root / name, ignore_errors=True)
    out = root / "extracts"
    for area in AREAS:
        monthly(out, area.council, "homelessness_cases", homelessness_cases(area))
        monthly(out, area.council, "workforce_vacancies", workforce(area.council))
    for partner in ("nhs_gm_icb", "gm_police"):
        monthly(out, partner, "workforce_vacancies", workforce(partner))
    partner, dataset, month = RESTATED
    monthly(out, partner, dataset, nhs_emergency_admissions(undercount=0.85))
    restated = nhs_emergency_admissions()[month]
    write_csv(pl.DataFrame(restated), root / "resubmissions" / partner / f"{dataset}_{month}.csv")
    claimant_count(out)
    for partner in ("gm_voluntary_alliance", "northern_rivers_housing"):
        monthly(out, partner, "digital_inclusion", digital_inclusion(partner))
    for partner in ("gm_combined_authority", "northern_rivers_housing"):
        monthly(out, partner, "flood_protection", flood_protection(partner))
    monthly(out, "gm_fire_rescue", "flood_incidents", flood_incidents())
    write_rejected(root / "rejected_examples")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
