"""Every benchmark, one command: `.venv/bin/python bench/run.py [--quick] [--runs N] [--only ...]`.

Prints the machine, then a table per benchmark (medians of N runs, wall and CPU time, peak
memory, the ratios) and a summary: benchmark, figure, target, met. Every measurement runs in a
subprocess of its own, so its peak memory (ru_maxrss) is its own. The benchmarks:

1. check   - checking a 1M-row ~100 MB extract (bench_validation's contract, every rule) vs a
             bare `polars.read_csv(path, infer_schema=False)`, and pandera's polars backend doing
             the same checks (bench_pandera.py; `pip install -r requirements-bench.txt`).
2. load    - loading the checked 1M-row homelessness extract into a new warehouse vs the bare read.
3. outcomes- every shared outcome, area and month over warehouses of 1M, 10M and 50M rows
             (bench/scale.py: 296 districts, 303 partners, 60 months).
4. pages   - AppTest script runs of the common picture and explore pages over the 10M warehouse.
5. browser - a ~100 MB extract uploaded on the submit page in Chromium until the report shows,
             vs `shared-outcomes validate` on the same file.
7. errors-workbook - the errors workbook (.xlsx) of a checked 100,000-row, 12-column extract
             with 1,000 cells at fault (bench_errors_workbook.py).
8. workbook-check - checking a 100,000-row, 12-column Excel workbook against its contract vs a
             bare `polars.read_excel` of the same file (bench_workbook.py).
9. contract-impact - a proposed contract's impact over the sample partnership: its current
             homelessness extracts of a year re-checked from the archive (bench_contract_impact.py).
10. retention - everything past retention in a copy of the sample partnership erased
             (bench_retention.py).
11. scaleout - 30 sessions on the common picture over Streamlit's websocket while a worker ingests,
             on the embedded file and on a DuckLake catalog in PostgreSQL, vs one session on the
             file (bench_scaleout.py; a throwaway PostgreSQL server unless one is named);
             `--servers 2` spreads the sessions over two app servers.

Generated extracts and warehouses are kept under bench/results/ (gitignored), keyed by their
parameters, so a second run starts measuring at once. `--quick` uses small sizes and 1 run
(a smoke check, see tests/test_bench_smoke.py); its figures are not the targets' figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import bench_contract_impact  # noqa: E402
import bench_errors_workbook  # noqa: E402
import bench_load  # noqa: E402
import bench_retention  # noqa: E402
import bench_scaleout  # noqa: E402
import bench_validation  # noqa: E402
import bench_workbook  # noqa: E402
from scale import RESULTS, aggregated_rows, scaled_home  # noqa: E402

PYTHON = sys.executable
CHROMIUM = Path("/usr/bin/chromium")

LOAD_CHILD = """\
import json, resource, sys, tempfile, time
from pathlib import Path
mode, path = sys.argv[1], Path(sys.argv[2])
import polars as pl
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
if mode == "load":  # checked first (not timed): the load starts from the checked frame
    from shared_outcomes.warehouse.archive import sha256_of
    from shared_outcomes.config.contracts import load_contract
    from shared_outcomes.checking.validation import validate_extract
    from shared_outcomes.warehouse.store import NewSubmission, Warehouse
    contract = load_contract(Path("data_contracts") / "homelessness_cases.odcs.yaml")
    checked = validate_extract(path, contract, period="2016-03", file_name=path.name)
    assert checked.report.accepted and checked.frame is not None, "generated extract rejected"
    folder = Path(tempfile.mkdtemp(prefix="bench_load_"))
    warehouse = Warehouse.open(folder / "bench.duckdb", {contract.dataset: contract})
    sha = sha256_of(path)
    warehouse.archive.keep(path, sha)  # Workspace.prepare copies it while the file is checked
start, start_cpu = time.perf_counter(), cpu()
if mode == "bare":
    rows = pl.read_csv(path, infer_schema=False).height
else:
    result = warehouse.store(NewSubmission(
        contract.dataset, partner="bolton_council", period="2016-03", source=path, sha256=sha,
        file_name=path.name, contract_version=contract.version, rows=checked.frame.height,
        submitted_by="bench", report_json="{}", frame=checked.frame,
    ))
    assert result.status == "loaded", result.status
    rows = checked.frame.height
seconds, cpu_s = time.perf_counter() - start, cpu() - start_cpu
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu_s": cpu_s, "peak_mb": peak_mb, "rows": rows}))
"""

OUTCOMES_CHILD = """\
import json, resource, shutil, statistics, sys, time
from pathlib import Path
home, runs = Path(sys.argv[1]), int(sys.argv[2])
from bench_outcomes import VIEWER
from shared_outcomes.settings import Catalog
from shared_outcomes.config.contracts import load_contracts
from shared_outcomes.config.definitions import load_definitions
from shared_outcomes.figures.cache import clear_figures, figures_folder
from shared_outcomes.figures.measures import clear_cache
from shared_outcomes.figures.outcomes import compute_outcomes
from shared_outcomes.config.partnership import load_partnership
from shared_outcomes.warehouse.store import NewSubmission, Warehouse
folder = home / "data_contracts"
contracts = load_contracts(folder)
partnership = load_partnership(folder / "partners.yaml", contracts)
definitions = load_definitions(folder / "outcomes", contracts, partnership,
                               reference_dir=folder / "reference")
# With a catalog's address and data folder (argv 3 and 4), the same over that DuckLake catalog.
catalog = Catalog.parse(sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else None
db = home / "warehouse.duckdb" if catalog is None else catalog.anchor
warehouse = Warehouse.open(db, contracts, catalog=catalog)

def timed(forget_figures):
    if forget_figures:  # computed again, not served from what an earlier run kept
        clear_figures()
        shutil.rmtree(figures_folder(db), ignore_errors=True)
    start, start_cpu = time.perf_counter(), time.process_time()
    height = compute_outcomes(warehouse, definitions, partnership, VIEWER).height
    return time.perf_counter() - start, time.process_time() - start_cpu, height

# Cold: nothing kept from an earlier benchmark run, in memory or beside the database.
clear_cache()
shutil.rmtree(db.with_name(db.stem + "_measures"), ignore_errors=True)
cold = timed(True)
computed = [timed(True) for _ in range(runs)]   # figures computed every time
rerun = [timed(False) for _ in range(runs)]     # a page rerun with nothing new submitted
print(json.dumps({"cold": cold[0], "seconds": [t for t, _, _ in computed],
                  "cpu_s": [c for _, c, _ in computed],
                  "rerun_s": statistics.median(t for t, _, _ in rerun),
                  "figures": computed[-1][2],
                  "outcomes": len(definitions), "areas": len(partnership.areas),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@dataclass
class Summary:
    """The closing table: one line per figure with a target."""

    lines: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def add(self, bench: str, figure: str, value: float, target: float, unit: str = "x") -> None:
        met = "yes" if value <= target else "NO"
        self.lines.append((bench, figure, f"{value:.2f}{unit}", f"<= {target:g}{unit}", met))

    def count(self, bench: str, figure: str, value: int, target: int = 0) -> None:
        met = "yes" if value <= target else "NO"
        self.lines.append((bench, figure, str(value), f"<= {target}", met))

    def note(self, bench: str, figure: str, value: str) -> None:
        self.lines.append((bench, figure, value, "-", "-"))


def table(title: str, header: list[str], rows: list[list[str]], left: int = 1) -> None:
    """A plain-text table: the first `left` columns left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i < left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(f"\n## {title}")
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    sys.stdout.flush()


def child(args: list[str], what: str) -> dict[str, Any]:
    """Run a measurement in its own process (PYTHONPATH: bench/) and return its JSON line."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH), _pythonpath()]))}
    done = subprocess.run(
        [PYTHON, *args], capture_output=True, text=True, check=False, cwd=ROOT, env=env
    )
    if done.returncode != 0:
        sys.exit(f"the {what} measurement failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _pythonpath() -> str:
    return os.environ.get("PYTHONPATH", "")


def median(samples: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(s[key] for s in samples))


def machine() -> None:
    """Where the figures come from: the shared machine's cores, memory, CPU and load."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                 if ln.startswith("model name")]  # fmt: skip
        model = names[0] if names else model
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb
    import polars
    import streamlit

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# Shared Outcomes benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {os.cpu_count()} cores, {memory:.0f} GiB, {model}; load average {load}")
    print(
        f"python {platform.python_version()}, polars {polars.__version__}, duckdb "
        f"{duckdb.__version__}, streamlit {streamlit.__version__}; {platform.platform()}"
    )
    print("wall time is noisy on a shared machine; CPU time is what the code itself costs")


def bench_check(rows: int, runs: int, summary: Summary) -> None:
    folder = RESULTS / f"check_{rows}_rows"
    extract = folder / "bench_cases_2016-03.csv"
    contract = folder / "bench_cases.odcs.yaml"
    if not extract.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        shutil.copytree(ROOT / "data_contracts" / "reference", folder / "reference")
        contract.write_text(bench_validation.CONTRACT, encoding="utf-8")
        bench_validation.write_extract(extract.with_suffix(".tmp"), rows)
        extract.with_suffix(".tmp").rename(extract)
    try:
        import pandera  # noqa: F401

        modes = ["bare", "validate", "pandera"]
    except ImportError:
        print("\n(pandera is not installed: `.venv/bin/pip install -r requirements-bench.txt`)")
        modes = ["bare", "validate"]
    samples: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    for _ in range(runs):  # alternating, so a busy spell on the machine hits every mode
        for mode in modes:
            if mode == "pandera":
                args = [str(BENCH / "bench_pandera.py"), str(extract), "2016-03"]
            else:
                args = ["-c", bench_validation.CHILD, mode, str(extract), str(contract)]
            samples[mode].append(child(args, f"check ({mode})"))
    if samples["validate"][-1]["findings"]:
        sys.exit(f"the check found problems in a clean file: {samples['validate'][-1]}")
    names = {
        "bare": "bare polars.read_csv",
        "validate": "validate_extract (ours)",
        "pandera": "pandera polars backend",
    }
    bare = {k: median(samples["bare"], k) for k in ("seconds", "cpu_s", "peak_mb")}
    body = []
    for mode in modes:
        m = {k: median(samples[mode], k) for k in ("seconds", "cpu_s", "peak_mb")}
        body.append(
            [names[mode], f"{m['seconds']:.3f}", f"{m['cpu_s']:.3f}", f"{m['peak_mb']:.0f}"]
            + [f"{m[k] / bare[k]:.2f}x" for k in ("seconds", "cpu_s", "peak_mb")]
        )
        if mode != "bare":
            label = "check" if mode == "validate" else "check (pandera, for comparison)"
            summary.add(label, "time vs bare read (wall)", m["seconds"] / bare["seconds"], 2.0)
            summary.add(label, "time vs bare read (CPU)", m["cpu_s"] / bare["cpu_s"], 2.0)
            summary.add(label, "peak memory vs bare read", m["peak_mb"] / bare["peak_mb"], 1.5)
    if "pandera" in samples:
        ours, theirs = samples["validate"], samples["pandera"]
        summary.note(
            "check",
            "ours vs pandera (wall / CPU / memory)",
            " / ".join(f"{median(ours, k) / median(theirs, k):.2f}x" for k in
                       ("seconds", "cpu_s", "peak_mb")),
        )  # fmt: skip
    size = extract.stat().st_size / 1e6
    table(
        f"1. Checking a {rows:,}-row, {size:.0f} MB extract (12 columns, every rule); "
        f"medians of {runs}",
        ["", "wall s", "CPU s", "peak MB", "wall x bare", "CPU x bare", "memory x bare"],
        body,
    )


def bench_load_(rows: int, runs: int, summary: Summary) -> None:
    extract = RESULTS / f"load_{rows}_rows" / "homelessness_cases_2016-03.csv"
    if not extract.exists():
        extract.parent.mkdir(parents=True, exist_ok=True)
        bench_load.write_extract(extract.with_suffix(".tmp"), rows)
        extract.with_suffix(".tmp").rename(extract)
    samples: dict[str, list[dict[str, Any]]] = {"bare": [], "load": []}
    for _ in range(runs):
        for mode in samples:
            samples[mode].append(child(["-c", LOAD_CHILD, mode, str(extract)], f"load ({mode})"))
    bare = {k: median(samples["bare"], k) for k in ("seconds", "cpu_s")}
    body = []
    for mode, name in (("bare", "bare polars.read_csv"), ("load", "Warehouse.store (ours)")):
        m = {k: median(samples[mode], k) for k in ("seconds", "cpu_s", "peak_mb")}
        body.append(
            [name, f"{m['seconds']:.3f}", f"{m['cpu_s']:.3f}", f"{m['peak_mb']:.0f}"]
            + [f"{m[k] / bare[k]:.2f}x" for k in ("seconds", "cpu_s")]
        )
    load = {k: median(samples["load"], k) for k in ("seconds", "cpu_s")}
    summary.add("load", "time vs bare read (wall)", load["seconds"] / bare["seconds"], 1.5)
    summary.add("load", "time vs bare read (CPU)", load["cpu_s"] / bare["cpu_s"], 1.5)
    size = extract.stat().st_size / 1e6
    table(
        f"2. Loading a checked {rows:,}-row, {size:.0f} MB extract into a new warehouse "
        f"(Parquet rows, aggregates, register; peak MB includes the untimed check); medians of "
        f"{runs}",
        ["", "wall s", "CPU s", "peak MB", "wall x bare", "CPU x bare"],
        body,
    )


def bench_outcomes_(sizes: list[int], months: int, runs: int, summary: Summary) -> None:
    results = []
    for size in sizes:
        home = scaled_home(size, months)
        out = child(["-c", OUTCOMES_CHILD, str(home), str(runs)], f"outcomes ({size:,} rows)")
        results.append((aggregated_rows(home), out))
    body = []
    for rows, out in results:
        body.append(
            [f"{rows:,}", f"{out['outcomes']} x {out['areas'] + 1} x {months} = "
             f"{out['figures']:,}", f"{out['cold']:.3f}",
             f"{statistics.median(out['seconds']):.3f}",
             f"{statistics.median(out['cpu_s']):.3f}", f"{out['rerun_s']:.3f}",
             f"{out['peak_mb']:.0f}"]
        )  # fmt: skip
    table(
        f"3. Shared outcomes: every outcome x area (and the whole partnership) x month; "
        f"medians of {runs} runs that compute every figure (none served from a cache)",
        ["warehouse rows", "outcomes x areas x months = figures", "first (cold) s",
         "computed wall s", "computed CPU s", "rerun, nothing new s", "peak MB"],
        body,
    )  # fmt: skip
    smallest, middle = results[0][1], results[min(1, len(results) - 1)][1]
    label = f"{results[min(1, len(results) - 1)][0]:,} rows"
    summary.add(
        "outcomes", f"computed at {label} (wall)", statistics.median(middle["seconds"]), 1, " s"
    )
    summary.add(
        "outcomes", f"computed at {label} (CPU)", statistics.median(middle["cpu_s"]), 1, " s"
    )
    for key, what in (("seconds", "wall"), ("cpu_s", "CPU")):
        ratio = statistics.median(middle[key]) / statistics.median(smallest[key])
        summary.add("outcomes", f"{results[0][0]:,} -> {label} ({what})", ratio, 1.5)
    summary.note("outcomes", f"first (cold) computation at {label}", f"{middle['cold']:.2f} s")
    if len(results) > 2:
        summary.note("outcomes", f"computed at {results[2][0]:,} rows (wall)",
                     f"{statistics.median(results[2][1]['seconds']):.2f} s")  # fmt: skip


def bench_lake_figures(size: int, months: int, runs: int, summary: Summary) -> None:
    """The outcome figures of a scaled warehouse moved into a DuckLake catalog (`migrate`), in
    a throwaway PostgreSQL server, against the same figures from the database file."""
    from shared_outcomes.jobs.migrate import migrate_to_catalog
    from shared_outcomes.settings import Catalog, load_settings

    home = scaled_home(size, months)
    server = bench_scaleout.Postgres.find(None)
    data = RESULTS / f"lake_figures_{size}_rows"
    shutil.rmtree(data, ignore_errors=True)
    try:
        url = server.url(server.create_database())
        catalog = Catalog.parse(url, data)
        started = time.perf_counter()
        moved = migrate_to_catalog(load_settings(db=home / "warehouse.duckdb", root=home), catalog)
        took = time.perf_counter() - started
        print(
            f"  moved {moved.moved.submissions:,} submissions into {catalog.where} in "
            f"{took:.1f} s ({moved.figures_compared:,} figures the same)",
            flush=True,
        )
        found = {
            "file": child(["-c", OUTCOMES_CHILD, str(home), str(runs)], "figures on the file"),
            "catalog": child(["-c", OUTCOMES_CHILD, str(home), str(runs), url, str(data)],
                             "figures on the catalog"),
        }  # fmt: skip
    finally:
        server.close()
        shutil.rmtree(data, ignore_errors=True)
    rows = aggregated_rows(home)
    body = [
        [name, f"{out['figures']:,}", f"{out['cold']:.3f}",
         f"{statistics.median(out['seconds']):.3f}", f"{statistics.median(out['cpu_s']):.3f}",
         f"{out['rerun_s']:.3f}"]
        for name, out in found.items()
    ]  # fmt: skip
    table(
        f"12. Outcome figures at {rows:,} rows: the database file and the same warehouse moved "
        f"into a DuckLake catalog ({took:.0f} s to move); medians of {runs}",
        ["warehouse", "figures", "first (cold) s", "computed wall s", "computed CPU s",
         "rerun, nothing new s"],
        body,
    )  # fmt: skip
    file, lake = found["file"], found["catalog"]
    for key, what in (("seconds", "wall"), ("cpu_s", "CPU")):
        ratio = statistics.median(lake[key]) / statistics.median(file[key])
        summary.add("lake-figures", f"catalog vs file at {rows:,} rows ({what})", ratio, 1.5)
    summary.add("lake-figures", "first (cold) computation, catalog vs file",
                lake["cold"] / file["cold"], 1.5)  # fmt: skip
    summary.add("lake-figures", "rerun with nothing new, catalog vs file",
                lake["rerun_s"] / file["rerun_s"], 1.5)  # fmt: skip


def bench_pages(size: int, months: int, runs: int, summary: Summary) -> None:
    home = scaled_home(size, months)
    out = child([str(BENCH / "bench_pages.py"), str(home), str(runs)], "pages")
    body = []
    for page, m in out["pages"].items():
        warm, cpu = statistics.median(m["seconds"]), statistics.median(m["cpu_s"])
        body.append([page, f"{m['cold']:.3f}", f"{warm:.3f}", f"{cpu:.3f}"])
        summary.add("pages", f"{page}, warm script run (wall)", warm, 0.5, " s")
        summary.add("pages", f"{page}, warm script run (CPU)", cpu, 0.5, " s")
    table(
        f"4. Pages in AppTest over the {aggregated_rows(home):,}-row warehouse (demo analyst); "
        f"medians of {runs} warm runs; process peak {out['peak_mb']:.0f} MB",
        ["page", "first (cold) s", "warm wall s", "warm CPU s"],
        body,
    )


def bench_browser(rows: int, runs: int, summary: Summary) -> None:
    from shared_outcomes.present.views import month_options

    if not CHROMIUM.exists():
        table("5. The browser: skipped", ["why"], [[f"Chromium not found at {CHROMIUM}"]])
        summary.note("browser", "upload to report vs CLI check", "skipped: no Chromium")
        return
    period = month_options(datetime.now(UTC).date())[1]  # what the page preselects
    extract = RESULTS / f"browser_{rows}_rows" / f"homelessness_cases_{period}.csv"
    if not extract.exists():
        extract.parent.mkdir(parents=True, exist_ok=True)
        bench_load.write_extract(extract.with_suffix(".tmp"), rows, period, ["E08000001"])
        extract.with_suffix(".tmp").rename(extract)
    out = child(
        [str(BENCH / "bench_browser.py"), str(extract), period, str(runs)], "browser upload"
    )
    browser, cli = statistics.median(out["browser_s"]), median(out["cli"], "seconds")
    body = [
        ["Chromium: upload until the report shows", f"{browser:.3f}",
         f"{statistics.median(out['server_cpu_s']):.3f} (server)",
         f"{out['server_peak_mb']:.0f} (server)", f"{browser / cli:.2f}x"],
        ["shared-outcomes validate (own process)", f"{cli:.3f}",
         f"{median(out['cli'], 'cpu_s'):.3f}", f"{median(out['cli'], 'peak_mb'):.0f}", "1.00x"],
    ]  # fmt: skip
    size = extract.stat().st_size / 1e6
    table(
        f"5. The browser: a {rows:,}-row, {size:.0f} MB extract through the submit page; "
        f"medians of {runs}",
        ["", "wall s", "CPU s", "peak MB", "wall x CLI"],
        body,
    )
    summary.add("browser", "upload to report vs CLI check (wall)", browser / cli, 2.0)


def sample_database() -> Path:
    """The sample partnership's database (`shared-outcomes demo`), built once under results/."""
    db = RESULTS / "sample" / "demo.duckdb"
    if not (db.parent / "ready").exists():
        shutil.rmtree(db.parent, ignore_errors=True)
        db.parent.mkdir(parents=True)
        from shared_outcomes.jobs.demo import build_demo
        from shared_outcomes.settings import load_settings

        build_demo(load_settings(db=db, root=ROOT))
        (db.parent / "ready").write_text("built\n")
    return db


def bench_board_pack(size: int, months: int, runs: int, summary: Summary) -> None:
    """6. The board pack: the sample partnership's, and one for all 296 districts."""
    scaled = scaled_home(size, months)
    cases = [
        ("sample partnership", ROOT, sample_database(), 10.0),
        (f"{aggregated_rows(scaled):,}-row scaled warehouse", scaled, scaled / "warehouse.duckdb",
         60.0),
    ]  # fmt: skip
    body = []
    for name, home, db, target in cases:
        out = child([str(BENCH / "bench_board_pack.py"), str(home), str(db), str(runs)],
                    f"board pack ({name})")  # fmt: skip
        for kind in ("pdf", "html"):
            m = out[kind]
            wall, cpu = statistics.median(m["seconds"]), statistics.median(m["cpu_s"])
            body.append([f"{name}, {out['areas']} areas", kind.upper(), str(m["charts"]),
                         f"{m['bytes'] / 1e6:.1f}", f"{m['first_s']:.2f}", f"{wall:.2f}",
                         f"{cpu:.2f}", f"{out['peak_mb']:.0f}"])  # fmt: skip
            summary.add("board pack", f"{kind.upper()}, {name} (wall)", wall, target, " s")
    table(
        f"6. The board pack, made as `shared-outcomes board-pack` makes it (fresh workspace, "
        f"figures now and at the last meeting, charts as SVG, layout); medians of {runs}",
        ["warehouse", "format", "charts", "MB", "first s", "wall s", "CPU s", "peak MB"],
        body,
    )


def bench_errors_workbook_(rows: int, runs: int, summary: Summary) -> None:
    """7. The errors workbook of a checked extract with 1,000 cells at fault."""
    folder = RESULTS / f"errors_workbook_{rows}_rows"
    extract = folder / "bench_cases_2016-03.csv"
    contract = folder / "bench_cases.odcs.yaml"
    if not extract.exists():
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(folder.with_suffix(".tmp"), ignore_errors=True)
        bench_errors_workbook.write_extract(folder.with_suffix(".tmp"), rows)
        folder.with_suffix(".tmp").rename(folder)
    args = [str(BENCH / "bench_errors_workbook.py"), "child", str(extract), str(contract)]
    out = child([*args, str(runs)], "errors workbook")
    wall, cpu = statistics.median(out["seconds"]), statistics.median(out["cpu_s"])
    if out["workbook_peak_mb"] is not None:  # resident memory in use -> the workbooks' peak
        memory = f"{out['rss_before_mb']:.0f} -> {out['workbook_peak_mb']:.0f}"
    else:  # no /proc: the process's peak after the check -> after the workbooks
        memory = f"{out['peak_mb_before']:.0f} -> {out['peak_mb']:.0f}"
    body = [
        [f"errors_workbook: {out['rows']:,} rows x {out['columns']} columns, "
         f"{out['cells_at_fault']:,} cells at fault", f"{wall:.3f}", f"{cpu:.3f}", memory,
         f"{out['python_peak_mb']:.1f}", f"{out['bytes'] / 1e6:.1f}"],
    ]  # fmt: skip
    table(
        f"7. The errors workbook (.xlsx) of a checked extract (the check not timed; memory MB: "
        f"resident after the check -> at the workbooks' peak); medians of {runs}",
        ["", "wall s", "CPU s", "memory MB", "Python peak MB", "workbook MB"],
        body,
    )
    target = bench_errors_workbook.TARGET_SECONDS
    label = f"{out['rows']:,} rows, {out['cells_at_fault']:,} cells at fault"
    summary.add("errors workbook", f"{label} (wall)", wall, target, " s")
    summary.add("errors workbook", f"{label} (CPU)", cpu, target, " s")


def bench_workbook_check(rows: int, runs: int, summary: Summary) -> None:
    """8. Checking an Excel workbook vs a bare polars.read_excel of it."""
    folder = RESULTS / f"workbook_{rows}_rows"
    if not (folder / "bench_cases_2016-03.xlsx").exists():
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(folder.with_suffix(".tmp"), ignore_errors=True)
        bench_workbook.write_workbook(folder.with_suffix(".tmp"), rows)
        folder.with_suffix(".tmp").rename(folder)
    args = [str(BENCH / "bench_workbook.py"), "child", str(folder / "bench_cases_2016-03.xlsx"),
            str(folder / "bench_cases.odcs.yaml"), str(runs)]  # fmt: skip
    out = child(args, "workbook check")
    bare, check = statistics.median(out["bare_s"]), statistics.median(out["check_s"])
    table(
        f"8. Checking an Excel workbook ({out['rows']:,} rows x {out['columns']} columns, "
        f"{out['bytes'] / 1e6:.1f} MB) against its contract; medians of {runs}",
        ["", "wall s", "vs bare read"],
        [["bare polars.read_excel", f"{bare:.3f}", "1.00x"],
         ["validate_extract (every rule, the workbook's own checks)", f"{check:.3f}",
          f"{check / bare:.2f}x"]],
    )  # fmt: skip
    label = f"{out['rows']:,} rows x {out['columns']} columns vs bare polars.read_excel"
    summary.add("workbook check", label, check / bare, bench_workbook.TARGET_RATIO)


def bench_contract_impact_(runs: int, summary: Summary) -> None:
    """9. A proposed contract's impact over the sample partnership."""
    out = child([str(BENCH / "bench_contract_impact.py"), str(sample_database()), str(runs)],
                "contract impact")  # fmt: skip
    wall = statistics.median(out["seconds"])
    table(
        f"9. The impact of a proposed contract (homelessness without the main duty) over the "
        f"sample partnership; medians of {runs}",
        ["", "wall s", "checked", "would be rejected"],
        [["Workspace.contract_impact", f"{wall:.2f}", str(out["checked"]), str(out["rejected"])]],
    )
    summary.add("contract impact", f"{out['checked']} sample submissions re-checked", wall,
                bench_contract_impact.TARGET_SECONDS, " s")  # fmt: skip


def bench_retention_(today: str, runs: int, summary: Summary) -> None:
    """10. Retention applied to the sample partnership."""
    out = child([str(BENCH / "bench_retention.py"), str(sample_database()), str(runs), today],
                "retention")  # fmt: skip
    wall = statistics.median(out["seconds"])
    each = wall / max(out["erased"], 1)
    table(
        f"10. Retention applied to the sample partnership as on {today}; medians of {runs}",
        ["", "wall s", "erased", "s per submission"],
        [["jobs.retention.apply_retention", f"{wall:.2f}", str(out["erased"]), f"{each:.3f}"]],
    )
    summary.add("retention", f"{out['erased']} sample submissions erased, each", each,
                bench_retention.TARGET_SECONDS_EACH, " s")  # fmt: skip


def _seconds(value: float) -> str:
    return "-" if value != value else f"{value:.2f}"  # nan: nothing was measured


def bench_scaleout_(sizes: dict[str, Any], summary: Summary) -> None:
    """11. Sessions on the common picture over Streamlit's websocket while a worker ingests."""
    options = [f"--{key}={value}" for key, value in sizes.items()]
    out = child([str(BENCH / "bench_scaleout.py"), *options], "scale-out")
    sessions, think = out["sessions"], out["think_s"]
    base = out["backends"].get("file", {}).get("single", {}).get("median_s", float("nan"))
    body = []
    for key, result in out["backends"].items():
        name = "embedded file" if key == "file" else "DuckLake catalog"
        if "skipped" in result:
            body.append([name, f"skipped: {result['skipped']}", *["-"] * 8])
            summary.note("scaleout", f"{key}: {sessions} sessions + worker", "skipped")
            continue
        single, alone, load = result["single"], result["alone"], result["load"]
        body += [
            [name, "1 session", str(single["opens"]), _seconds(single["median_s"]),
             _seconds(single["p95_s"]), f"{single['p95_s'] / base:.2f}x", str(single["errors"]),
             "-", "-", "-"],
            [name, "worker alone", "-", "-", "-", "-", "-", _seconds(alone["files_per_s"]),
             f"{alone['rows_per_s']:.0f}", _lost(alone["register"])],
            [name, f"{sessions} sessions + worker", str(load["opens"]),
             _seconds(load["median_s"]), _seconds(load["p95_s"]),
             f"{load['p95_s'] / base:.2f}x", str(load["errors"]),
             _seconds(load["files_per_s"]), f"{load['rows_per_s']:.0f}",
             _lost(load["register"])],
        ]  # fmt: skip
        _scaleout_summary(key, sessions, single, alone, load, base, summary)
    servers = out.get("servers", 1)
    table(
        f"11. Scale-out: {sessions} sessions on the common picture over Streamlit's websocket "
        f"({'one app server' if servers == 1 else f'{servers} app servers'}) "
        f"(a pause of {think / 2:g} to {think * 1.5:g} s between a session's opens) while "
        f"`shared-outcomes ingest` (at nice {out.get('worker_nice', 0)}, as its systemd unit "
        f"runs it) loads {out['extracts']} restatements; one session, and the "
        f"worker alone, to compare with (page times from the rerun request to script_finished)",
        ["backend", "case", "opens", "median s", "p95 s", "p95 x file 1 session", "errors",
         "ingest files/s", "rows/s", "lost / twice"],
        body, left=2,
    )  # fmt: skip
    for key, result in out["backends"].items():
        for problem in result.get("load", {}).get("problems", [])[:2]:
            print(f"   {key}: {problem[:300]}")


def _lost(register: dict[str, int]) -> str:
    return f"{register['lost'] + register['not_processed']} / {register['duplicate']}"


def _scaleout_summary(key: str, sessions: int, single: dict[str, Any], alone: dict[str, Any],
                      load: dict[str, Any], base: float, summary: Summary) -> None:  # fmt: skip
    what = f"{key}: {sessions} sessions + worker"
    if key == "file":
        summary.note("scaleout", "file: 1 session, median page time", f"{base:.2f} s")
    summary.add("scaleout", f"{what}, p95 page time vs file 1 session", load["p95_s"] / base, 3)
    summary.count("scaleout", f"{what}, errors seen", load["errors"] + single["errors"])
    register = load["register"]
    wrong = sum(register[k] for k in ("lost", "duplicate", "not_processed", "unexpected"))
    summary.count("scaleout", f"{what}, submissions lost or twice", wrong)
    summary.note("scaleout", f"{what}, median / p95 page time",
                 f"{load['median_s']:.2f} s / {load['p95_s']:.2f} s")  # fmt: skip
    summary.note("scaleout", f"{what}, ingest (worker alone)",
                 f"{load['files_per_s']:.1f} files/s, {load['rows_per_s']:.0f} rows/s "
                 f"({alone['files_per_s']:.1f}, {alone['rows_per_s']:.0f})")  # fmt: skip


SIZES: dict[str, dict[str, Any]] = {
    "full": {"check": 1_000_000, "load": 1_000_000, "outcomes": [1_000_000, 10_000_000,
             50_000_000], "months": 60, "pages": 10_000_000, "browser": 1_000_000,
             "errors-workbook": 100_000, "workbook-check": 100_000, "retention": "2026-12-02",
             "scaleout": bench_scaleout.FULL, "runs": 5},
    "quick": {"check": 20_000, "load": 20_000, "outcomes": [20_000, 100_000], "months": 6,
              "pages": 100_000, "browser": 5_000, "errors-workbook": 5_000,
              "workbook-check": 5_000, "retention": "2020-06-01",
              "scaleout": bench_scaleout.QUICK, "runs": 1},
}  # fmt: skip
BENCHMARKS = ("check", "load", "outcomes", "pages", "browser", "board-pack", "errors-workbook",
              "workbook-check", "contract-impact", "retention", "scaleout",
              "lake-figures")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke check")
    parser.add_argument("--runs", type=int, help="measurements per figure (default 5; quick 1)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--servers", type=int, help="scaleout's app servers (default 1)")
    args = parser.parse_args()
    sizes = SIZES["quick" if args.quick else "full"]
    runs = args.runs or sizes["runs"]
    machine()
    summary = Summary()
    started = time.perf_counter()
    steps: dict[str, Callable[[], None]] = {
        "check": lambda: bench_check(sizes["check"], runs, summary),
        "load": lambda: bench_load_(sizes["load"], runs, summary),
        "outcomes": lambda: bench_outcomes_(sizes["outcomes"], sizes["months"], runs, summary),
        "pages": lambda: bench_pages(sizes["pages"], sizes["months"], runs, summary),
        "browser": lambda: bench_browser(sizes["browser"], runs, summary),
        "board-pack": lambda: bench_board_pack(sizes["pages"], sizes["months"], runs, summary),
        "errors-workbook": lambda: bench_errors_workbook_(sizes["errors-workbook"], runs, summary),
        "workbook-check": lambda: bench_workbook_check(sizes["workbook-check"], runs, summary),
        "contract-impact": lambda: bench_contract_impact_(runs, summary),
        "retention": lambda: bench_retention_(sizes["retention"], runs, summary),
        "scaleout": lambda: bench_scaleout_(
            {**sizes["scaleout"], "servers": args.servers or sizes["scaleout"]["servers"]},
            summary,
        ),
        "lake-figures": lambda: bench_lake_figures(sizes["pages"], sizes["months"], runs, summary),
    }
    for name in BENCHMARKS:
        if name in args.only:
            steps[name]()
    table(
        f"Summary ({'quick: small sizes, not the targets; ' if args.quick else ''}"
        f"load average now {os.getloadavg()[0]:.1f}, {time.perf_counter() - started:.0f} s)",
        ["benchmark", "figure", "measured", "target", "met?"],
        [list(line) for line in summary.lines],
        left=2,
    )


if __name__ == "__main__":
    main()
