"""The benchmark command runs end to end on tiny sizes and prints every table and its summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLES = [
    "## 1. Checking",
    "## 2. Loading",
    "## 3. Shared outcomes",
    "## 4. Pages",
    "## 5. The browser",
    "## 6. The board pack",
    "## 7. The errors workbook",
    "## 8. Checking an Excel workbook",
    "## 9. The impact of a proposed contract",
    "## 10. Retention applied to the sample partnership",
    "## 11. Scale-out",
    "## 12. Outcome figures at",
    "## Summary",
]


@pytest.mark.slow
def test_bench_run_quick_prints_every_table(tmp_path: Path) -> None:
    env = {**os.environ, "SHARED_OUTCOMES_BENCH_RESULTS": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--runs", "1"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
        timeout=480,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for heading in TABLES:
        assert heading in out, f"{heading!r} missing from:\n{out}"
    assert "machine:" in out and "load average" in out
    summary = out.split("## Summary", 1)[1]
    benches = ("check", "load", "outcomes", "pages", "browser", "board pack", "errors workbook",
               "workbook check", "contract impact", "scaleout", "lake-figures")  # fmt: skip
    for bench in benches:
        assert f"\n{bench} " in summary, f"no summary line for {bench}"
    # Every ratio and time in the summary is a number with its unit, never a placeholder.
    measured = [line.split() for line in summary.splitlines()[3:] if line.strip()]
    assert measured and all(row[-1] in ("yes", "NO", "-") for row in measured), summary
    # The generated files went to the temporary folder, not the checkout.
    assert any(tmp_path.iterdir())
