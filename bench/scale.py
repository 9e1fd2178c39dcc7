"""Scaled warehouses for the benchmarks, built once per size and kept under bench/results/.

`scaled_home(rows, months)` returns a project folder (what $SHARED_OUTCOMES_HOME names) holding
`data_contracts/` (the shipped contracts and reference files, linked; the grown partnership
written as `partners.yaml`; the shipped outcome definitions made accountable to the grown
partners) and `warehouse.duckdb`, filled by bench_outcomes' generator: all 296 English
districts, one council per district plus the sample's other partners covering every district,
`months` months, `rows` rows aggregated as the load aggregates them (the Parquet row files are
not written: figures never read them). So the app, the CLI and `compute_outcomes` all see the
scaled partnership. The folder's name carries the parameters; delete bench/results/ to rebuild.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import yaml
from bench_outcomes import CONTRACTS, fill, grown_definitions, grown_partnership

from shared_outcomes.config.contracts import load_contracts
from shared_outcomes.figures.timeliness import months_between

ROOT = Path(__file__).resolve().parents[1]
#: Generated files are kept here; $SHARED_OUTCOMES_BENCH_RESULTS moves them (the smoke test does).
RESULTS = Path(os.environ.get("SHARED_OUTCOMES_BENCH_RESULTS") or ROOT / "bench" / "results")
DB_NAME = "warehouse.duckdb"


def scaled_home(rows: int, months: int = 60, say: bool = True) -> Path:
    """The project folder of a scaled partnership, generated on first use."""
    home = RESULTS / f"scale_{rows}_rows_{months}_months"
    if (home / "ready").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    contracts_dir = home / "data_contracts"
    contracts_dir.mkdir(parents=True)
    # Contracts and reference files as shipped; not the sample's agreements, whose parties are
    # the sample's partners (the scaled partnership has none: nothing is enforced there).
    for path in CONTRACTS.iterdir():
        if path.name not in ("partners.yaml", "outcomes", "agreements.yaml"):
            (contracts_dir / path.name).symlink_to(path)
    contracts = load_contracts(CONTRACTS)
    partnership = grown_partnership(contracts)
    spec = {
        "name": partnership.name,
        "areas": partnership.areas,
        "partners": [
            p.model_dump(exclude_none=True, mode="json") for p in partnership.partners.values()
        ],
    }
    (contracts_dir / "partners.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    grown_definitions(contracts_dir, contracts, partnership)  # writes data_contracts/outcomes/
    started = time.perf_counter()
    periods = months_between("2013-01", "2099-12")[:months]
    aggregated = fill(home / DB_NAME, contracts, partnership, periods, rows)
    if say:
        print(
            f"  generated {aggregated:,} rows over {len(partnership.areas)} districts, "
            f"{len(partnership.partners)} partners, {months} months in "
            f"{time.perf_counter() - started:.0f} s -> {home}",
            flush=True,
        )
    (home / "ready").write_text(f"{aggregated}\n")
    return home


def aggregated_rows(home: Path) -> int:
    """The number of rows the generator aggregated into the home's warehouse."""
    return int((home / "ready").read_text())
