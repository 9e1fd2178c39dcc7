"""Benchmark child: making the board pack (PDF and HTML), as `shared-outcomes board-pack` does.

Run by `bench/run.py` as `.venv/bin/python bench/bench_board_pack.py HOME DB RUNS`: HOME is a
project folder (the repository for the sample partnership, or a scaled one from
`scale.scaled_home`: 296 districts and the whole partnership), DB its warehouse. Each run opens
a fresh workspace (as a CLI call does) and makes the whole pack as leadership: the figures now
and at the last meeting, every chart drawn as SVG, the layout, the record; the wall and CPU
time of `Workspace.board_pack` are measured, format by format. The first run of each format is
kept apart (it starts the chart renderer). Prints one JSON line: per format the runs, the
pack's size in bytes and charts, the areas, and the process's peak memory.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    home, db, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    from shared_outcomes.access.roles import Identity, Role
    from shared_outcomes.settings import load_settings
    from shared_outcomes.workspace import Workspace

    leader = Identity("bench-leadership", "Bench Leader", Role.LEADERSHIP)
    out: dict[str, object] = {}
    for kind in ("pdf", "html"):
        seconds, cpu, size, charts = [], [], 0, 0
        for _ in range(runs + 1):
            start, start_cpu = time.perf_counter(), cpu_seconds()
            ws = Workspace.open(load_settings(db=db, root=home))
            made = ws.board_pack(leader, file_format=kind)
            seconds.append(time.perf_counter() - start)
            cpu.append(cpu_seconds() - start_cpu)
            size, charts = len(made.content), len(made.pack.charts)
            areas = len(ws.partnership.areas)
        out[kind] = {"first_s": seconds[0], "seconds": seconds[1:], "cpu_s": cpu[1:],
                     "bytes": size, "charts": charts}  # fmt: skip
    out["areas"] = areas
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
