"""Benchmark child: the script run time of the common picture and explore pages in AppTest.

Run by `bench/run.py` as `.venv/bin/python bench/bench_pages.py HOME RUNS`, where HOME is a
scaled project folder from `scale.scaled_home` (its partnership, definitions and warehouse).
The app runs as in tests/app/ (`streamlit.testing.v1.AppTest` over app.py, the database named
by $SHARED_OUTCOMES_DB), acting as the demo analyst. Each page is run once cold (the first run
in the process: the workspace opens and reads every aggregate), then RUNS times warm (a rerun,
as when someone changes a filter); each run is the wall and CPU time of `AppTest.run()`. Prints
one JSON line: per page the cold time and the warm runs, and the process's peak memory.

`--profile` (run by hand: `.venv/bin/python bench/bench_pages.py HOME 1 --profile`) also
profiles one more warm run of each page with cProfile in the script thread and prints, to
stderr, the project's functions (app.py, app_pages/, shared_outcomes) by cumulative time.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "common picture": None,  # the default page
    "explore": "app_pages/explore_outcomes.py",
}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def profile_next_run() -> list[cProfile.Profile]:
    """Profile the next script run (Streamlit runs the script in a thread of its own)."""
    from streamlit.runtime.scriptrunner import script_runner

    profiles: list[cProfile.Profile] = []
    original = script_runner.ScriptRunner._run_script

    def profiled(self: Any, *args: Any, **kwargs: Any) -> Any:
        script_runner.ScriptRunner._run_script = original  # type: ignore[method-assign]
        profile = cProfile.Profile()
        profiles.append(profile)
        return profile.runcall(original, self, *args, **kwargs)

    script_runner.ScriptRunner._run_script = profiled  # type: ignore[method-assign]
    return profiles


def print_profile(name: str, profile: cProfile.Profile) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    stats.print_stats(r"app\.py|app_pages|shared_outcomes", 30)
    print(f"--- profile of a warm run of the {name} page ---\n{out.getvalue()}", file=sys.stderr)


def main() -> None:
    home, runs = Path(sys.argv[1]), int(sys.argv[2])
    profiling = "--profile" in sys.argv[3:]
    os.environ["SHARED_OUTCOMES_HOME"] = str(home)
    demo_users = home / "sample_data" / "demo_users.yaml"  # the app signs in as a demo user
    if not demo_users.exists():
        demo_users.parent.mkdir(exist_ok=True)
        shutil.copy2(ROOT / "sample_data" / "demo_users.yaml", demo_users)
    os.environ["SHARED_OUTCOMES_DB"] = str(home / "warehouse.duckdb")
    sys.path.insert(0, str(ROOT))  # `streamlit run` puts the app's folder on sys.path
    from streamlit.testing.v1 import AppTest

    results: dict[str, object] = {}
    for name, page in PAGES.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.session_state["demo_user"] = "demo-analyst"
        timings: list[tuple[float, float]] = []
        for run in range(runs + 1):
            if run == 0 and page is not None:
                at.run()  # the shell's first run, then the page itself
                at.switch_page(page)
            start, start_cpu = time.perf_counter(), cpu_seconds()
            at.run()
            timings.append((time.perf_counter() - start, cpu_seconds() - start_cpu))
            problems = [str(e.value) for e in (*at.exception, *at.error)]
            if problems:
                sys.exit(f"the {name} page failed: {problems[0][:500]}")
        if profiling:
            profiles = profile_next_run()
            at.run()
            print_profile(name, profiles[0])
        results[name] = {
            "cold": timings[0][0],
            "seconds": [t for t, _ in timings[1:]],
            "cpu_s": [c for _, c in timings[1:]],
            "title": at.title[0].value if at.title else "",
        }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": results, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
