"""Benchmark (by hand): the Streamlit server's memory across upload sessions on the submit page.

    .venv/bin/python bench/bench_upload_memory.py APP_DIR EXTRACT PERIOD SESSIONS \
        [--load] [--settle S]

APP_DIR holds the app.py (and app_pages/) to run, so an older version exported with `git archive`
can be measured against the current one; the project's configuration is this checkout's. Over
an empty warehouse in a temporary folder, each session is a fresh Chromium tab acting as Bolton
Council's demo submitter: it uploads EXTRACT (a clean homelessness_cases file for PERIOD, e.g.
bench/results/browser_1000000_rows/), waits for the report, with `--load` confirms and loads it,
then closes. With `--settle S`, it then waits S seconds (Streamlit keeps a closed tab's session,
and its uploaded file, for `server.disconnectedSessionTTL`, 120 s by default) and measures once
more. Prints one JSON line: the server's resident memory (VmRSS, MB) before the first session,
after each, and after settling, and its peak (VmHWM).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "e2e"), str(ROOT / "tests")]

from conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402
from e2e_support import choose, go_to, wait_for_app  # noqa: E402

PARTNER_NAME = "Bolton Council"


def memory_mb(pid: int, field: str) -> float:
    """A memory figure of a running process from /proc (VmRSS now, VmHWM the peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    app_dir, extract, period = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    sessions, options = int(sys.argv[4]), sys.argv[5:]
    load = "--load" in options
    settle = float(options[options.index("--settle") + 1]) if "--settle" in options else 0.0
    from playwright.sync_api import expect, sync_playwright

    from shared_outcomes.settings import load_settings
    from shared_outcomes.workspace import Workspace

    folder = Path(tempfile.mkdtemp(prefix="bench_upload_memory_"))
    db = folder / "bench.duckdb"
    Workspace.open(load_settings(db=db, root=ROOT))  # an empty warehouse
    rss: list[float] = []
    try:
        with streamlit_server(app_dir, db, folder) as (url, server):
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                for number in range(sessions):
                    context = chromium.new_context(viewport={"width": 1366, "height": 900})
                    tab = context.new_page()
                    tab.set_default_timeout(600_000)
                    tab.goto(url)
                    wait_for_app(tab)
                    if number == 0:
                        rss.append(memory_mb(server.pid, "VmRSS"))  # the app's first run done
                    choose(tab, "Act as demo user", f"Demo: submitter at {PARTNER_NAME}")
                    go_to(tab, "Submit an extract")
                    choose(tab, "Month the extract is for", period)
                    upload = tab.locator("[data-testid='stFileUploader'] input[type='file']")
                    upload.set_input_files(str(extract))
                    expect(tab.get_by_text(re.compile(r"^Accepted: "))).to_be_visible()
                    wait_for_app(tab)
                    if load:
                        tab.get_by_text("I confirm this is", exact=False).click()
                        wait_for_app(tab)
                        tab.get_by_role("button", name="Load into the shared warehouse").click()
                        expect(
                            tab.get_by_text(re.compile(r"loaded as submission \d+"))
                        ).to_be_visible()
                        wait_for_app(tab)
                    context.close()
                    time.sleep(3)
                    rss.append(memory_mb(server.pid, "VmRSS"))
                chromium.close()
            if settle:
                time.sleep(settle)
                rss.append(memory_mb(server.pid, "VmRSS"))
            peak = memory_mb(server.pid, "VmHWM")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = {"app": str(app_dir), "load": load, "settle_s": settle, "rss_mb": rss, "peak_mb": peak}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
