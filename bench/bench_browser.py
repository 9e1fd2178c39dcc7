"""Benchmark child: an extract uploaded through the submit page in Chromium vs the CLI's check.

Run by `bench/run.py` as `.venv/bin/python bench/bench_browser.py EXTRACT PERIOD RUNS`, where
EXTRACT is a clean `homelessness_cases` file of Bolton Council's for PERIOD. It creates an
empty database in a temporary folder, starts `streamlit run app.py` over it as tests/e2e/ does,
and drives Debian's Chromium (Playwright, `executable_path=/usr/bin/chromium`): a fresh tab acts
as Bolton Council's demo submitter on the submit page, the month chosen, then the clock runs from
handing the file to the upload control until the report's "Accepted" headline shows (the file
travels to the server, is checked there and the report drawn). Alternating with each upload,
`shared-outcomes validate` checks the same file in its own process (start-up included). Prints
one JSON line: both runs' wall times, the CLI's CPU time and peak memory, the server's CPU time
per upload and its peak memory (VmHWM).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "e2e"), str(ROOT / "tests")]

from conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402
from e2e_support import choose, go_to, wait_for_app  # noqa: E402

PARTNER, PARTNER_NAME, DATASET = "bolton_council", "Bolton Council", "homelessness_cases"
CLI = Path(sys.executable).with_name("shared-outcomes")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_peak_mb(pid: int) -> float:
    """Peak resident memory of a running process (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_cli(extract: Path, period: str, env: dict[str, str]) -> dict[str, float]:
    """`shared-outcomes validate` on the file: wall, CPU and peak memory of that process alone."""
    command = [str(CLI), "validate", str(extract), "--dataset", DATASET]
    command += ["--partner", PARTNER, "--period", period]
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"shared-outcomes validate did not accept the extract (exit {status})")
    return {
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def main() -> None:
    extract, period, runs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if not CHROMIUM.exists():
        sys.exit(f"Chromium not found at {CHROMIUM} (install Debian's `chromium` package)")
    from playwright.sync_api import expect, sync_playwright

    from shared_outcomes.settings import load_settings
    from shared_outcomes.workspace import Workspace

    folder = Path(tempfile.mkdtemp(prefix="bench_browser_"))
    db = folder / "bench.duckdb"
    Workspace.open(load_settings(db=db, root=ROOT))  # an empty warehouse, not the demo one
    env = {**os.environ, "SHARED_OUTCOMES_DB": str(db), "SHARED_OUTCOMES_HOME": str(ROOT)}
    browser_runs: list[float] = []
    server_cpu: list[float] = []
    cli_runs: list[dict[str, float]] = []
    try:
        with streamlit_server(ROOT, db, folder) as (url, server):
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                for _ in range(runs):
                    cli_runs.append(run_cli(extract, period, env))
                    context = chromium.new_context(viewport={"width": 1366, "height": 900})
                    tab = context.new_page()
                    tab.set_default_timeout(60_000)
                    tab.goto(url)
                    wait_for_app(tab)
                    choose(tab, "Act as demo user", f"Demo: submitter at {PARTNER_NAME}")
                    go_to(tab, "Submit an extract")
                    choose(tab, "Month the extract is for", period)
                    upload = tab.locator("[data-testid='stFileUploader'] input[type='file']")
                    start, start_cpu = time.perf_counter(), process_cpu(server.pid)
                    upload.set_input_files(str(extract))
                    expect(tab.get_by_text(re.compile(r"^Accepted: "))).to_be_visible(
                        timeout=600_000
                    )
                    browser_runs.append(time.perf_counter() - start)
                    server_cpu.append(process_cpu(server.pid) - start_cpu)
                    context.close()
                chromium.close()
            server_peak = process_peak_mb(server.pid)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        json.dumps(
            {
                "browser_s": browser_runs,
                "server_cpu_s": server_cpu,
                "server_peak_mb": server_peak,
                "cli": cli_runs,
            }
        )
    )


if __name__ == "__main__":
    main()
