"""Benchmark: a proposed contract's impact over the sample partnership.

Run as `.venv/bin/python bench/bench_contract_impact.py DB RUNS` (`bench/run.py --only
contract-impact` builds the sample database and runs it). A fresh process times
`Workspace.contract_impact` for a realistic breaking change (the homelessness contract without
the main duty, version 2.0.0): the diff, the outcomes that read duty_type, and every partner's
current submissions of the last 12 months re-checked from the archive. It prints one JSON line:
the seconds of each run, the submissions checked and how many would be rejected. Target: < 10 s.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 10.0
MAIN_DUTY = "          - {value: main_duty, label: Main housing duty}\n"


def proposed(folder: Path) -> Path:
    """The homelessness contract without the main duty, as version 2.0.0."""
    text = (ROOT / "data_contracts" / "homelessness_cases.odcs.yaml").read_text(encoding="utf-8")
    path = folder / "homelessness_cases_2.0.0.odcs.yaml"
    path.write_text(
        text.replace(MAIN_DUTY, "").replace("version: 1.0.0", "version: 2.0.0", 1),
        encoding="utf-8",
    )
    return path


def main() -> None:
    from shared_outcomes.access.roles import SYSTEM
    from shared_outcomes.settings import load_settings
    from shared_outcomes.workspace import Workspace

    db, runs = Path(sys.argv[1]), int(sys.argv[2])
    ws = Workspace.open(load_settings(db=db, root=ROOT))
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        path = proposed(Path(folder))
        for _ in range(runs):
            start = time.perf_counter()
            found = ws.contract_impact(SYSTEM, path)
            seconds.append(time.perf_counter() - start)
    checked = sum(p.checked for p in found.partners)
    print(json.dumps({"seconds": seconds, "checked": checked, "rejected": found.rejected}))


if __name__ == "__main__":
    main()
