"""Benchmark child: many sessions on the common picture over Streamlit's websocket while a worker
ingests, on the embedded DuckDB file and on a DuckLake catalog in PostgreSQL.

Run by `bench/run.py --only scaleout` as `.venv/bin/python bench/bench_scaleout.py [options]`
(alone, its defaults are the full sizes; `--help` lists them). Prints progress to stderr and one
JSON line to stdout, which run.py turns into its table and summary. For each backend:

1. **The warehouse**: the sample partnership as `shared-outcomes demo` builds it, the build not
   timed, cached under bench/results/ (each run loads into a copy of it). The catalog gets the
   same submissions: a copy of that file moved into a new database by `shared-outcomes migrate`
   (a few seconds, not timed). The server is `--postgres URL` or
   $SHARED_OUTCOMES_BENCH_POSTGRES (or the tests' $SHARED_OUTCOMES_TEST_POSTGRES),
   `postgresql://user@host:port`, where a throwaway database is created and dropped; else a
   throwaway server of Debian's PostgreSQL programs is started in a temporary folder, as
   tests/postgres.py does, and stopped. Without PostgreSQL the catalog is skipped, saying why.
2. **The app**: `streamlit run app.py` (headless, on a free port of 127.0.0.1) over that
   warehouse, its first page run (the workspace opening, figures computed) done before anything
   is timed. There is no users file (`$SHARED_OUTCOMES_USERS` names one that does not exist), so
   the app runs as its demo and a new session is signed in as the demo picker's first user
   (leadership), as a browser opening `/` is.
3. **One session**: a session of its own opens the common picture `--opens` times in a row.
4. **The worker alone**: `shared-outcomes ingest DROP --settle 0` over `--alone` restatements, no
   session open: the ingest throughput to compare with. The worker runs at the niceness of
   `deploy/shared-outcomes-ingest@.service` (`Nice=19`: pages first, loads in the time left), as
   systemd starts it beside app servers (which also weighs it by `CPUWeight=`).
5. **Under load**: `--sessions` sessions, each starting at a random moment within the first
   think time, open the common picture, then open it again after a pause drawn uniformly from
   0.5 to 1.5 times `--think` seconds (someone reading the page before opening it again), until
   the worker has finished `shared-outcomes ingest` over `--extracts` restatements placed in a
   drop folder beforehand. Every open begun while the worker ran is counted, each session's
   first (its sign-in) included, as in the one session's figures.

**A session** is a websocket of its own on `/_stcore/stream` (the `websockets` client Streamlit
installs), speaking Streamlit's protobuf messages as the browser does: a page time runs from
sending the `rerun_script` BackMsg (the first with the address `/`, later ones with the common
picture's page hash from the navigation message, as a click on the sidebar's link sends) until
the `script_finished` ForwardMsg of that run. An open is an error when the run sends an
exception element, an error alert (`st.error`: every message of the app's `guarded`), a
`page_not_found` or a compilation exception, does not finish successfully, times out, loses its
connection, or does not show the "Common picture" heading. Why not AppTest in threads: it runs
the script in the benchmark's own process, without the server's event loop, the websocket, the
message serialisation or the session manager, so it would not measure what a browser waits for.

**The restatements**: each council's sample homelessness extract for a month, its last record
(under load) or last two (alone) taken out, so each is a new valid version that supersedes the
stored one and changes that month's figures; in `<partner>/homelessness_cases_<YYYY-MM>.csv`,
the latest months first. Throughput: the files (and their rows) filed after the first one,
divided by the time from the first to the last filed (the process start-up left out; the worker's
wall time is reported too). Afterwards every file must be in the register exactly once as a new
accepted submission (none lost, none twice; its SHA-256 identifies it) and filed in processed/.

The targets (the issue tracker's): p95 page time under load <= 3x the median of one session on
the embedded file, no error, no lost submission. The think time is the workload's main
parameter: an open of the common picture costs the server about 0.14 s of CPU on a catalog of
the sample partnership with nothing new (`server_cpu_s_per_open` in the JSON) and about 0.37 s
while the worker loads (each restatement is a new register version, so most opens compute
again the figures of the outcomes it changed, and on a catalog the first query after each load
reads the catalog's schema again, as the load rebuilt its dataset's row views); 30 sessions
opening it every 20 s then ask for about 0.55 cores besides the worker's.
`--servers N` runs N app servers, the sessions spread over them.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
#: Generated files are kept here; $SHARED_OUTCOMES_BENCH_RESULTS moves them (as in scale.py).
RESULTS = Path(os.environ.get("SHARED_OUTCOMES_BENCH_RESULTS") or BENCH / "results")
CLI = Path(sys.executable).with_name("shared-outcomes")
#: The worker runs at this unit's niceness (`Nice=`), as systemd starts it beside app servers.
WORKER_UNIT = ROOT / "deploy" / "shared-outcomes-ingest@.service"
POSTGRES_ENV_VARS = ("SHARED_OUTCOMES_BENCH_POSTGRES", "SHARED_OUTCOMES_TEST_POSTGRES")
DATASET = "homelessness_cases"
TITLE = "Common picture"
OPEN_TIMEOUT_S = 180.0
SERVER_START_TIMEOUT_S = 120.0
#: Every variable that picks a warehouse or a sign-in: set by each backend, never inherited.
BACKEND_VARS = ("SHARED_OUTCOMES_DB", "SHARED_OUTCOMES_CATALOG", "SHARED_OUTCOMES_DATA")
FULL = {"sessions": 30, "think": 20.0, "extracts": 100, "alone": 20, "opens": 10, "months": 0,
        "servers": 1}  # fmt: skip
QUICK = {"sessions": 3, "think": 1.0, "extracts": 6, "alone": 3, "opens": 4, "months": 2,
         "servers": 1}  # fmt: skip


def say(text: str) -> None:
    print(f"  scaleout: {text}", file=sys.stderr, flush=True)


def worker_nice() -> int:
    """The ingest unit's `Nice=` (0 if it sets none)."""
    found = re.search(r"^Nice=(-?\d+)\s*$", WORKER_UNIT.read_text(encoding="utf-8"), re.M)
    return int(found[1]) if found else 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def servers_cpu(pids: list[int]) -> float:
    """The app servers' CPU time together."""
    return sum(process_cpu(pid) for pid in pids)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (0.95 for p95), linear between the closest ranks; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# -- the sample partnership ---------------------------------------------------------------------


def sample(months: int) -> tuple[Path, Path]:
    """The sample partnership's project folder and its database file, built once under results/.

    `months` 0 is the whole sample (the project itself, and results/sample/demo.duckdb as
    run.py's board pack builds it); else a project folder holding the last `months` months of
    every sample extract (the contracts linked), for the quick run.
    """
    if months == 0:
        home, db = ROOT, RESULTS / "sample" / "demo.duckdb"
    else:
        home = RESULTS / f"scaleout_sample_{months}_months"
        db = home / "demo.duckdb"
    ready = db.parent / "ready"
    if ready.exists():
        return home, db
    from shared_outcomes.jobs.demo import build_demo
    from shared_outcomes.settings import load_settings

    shutil.rmtree(db.parent, ignore_errors=True)
    db.parent.mkdir(parents=True)
    if months:
        _partial_sample(home, months)
    started = time.perf_counter()
    build_demo(load_settings(db=db, root=home))
    say(f"built the sample database {db} in {time.perf_counter() - started:.0f} s")
    ready.write_text("built\n")
    return home, db


def _period(path: Path) -> str:
    return path.stem.rsplit("_", 1)[1]


def _partial_sample(home: Path, months: int) -> None:
    """A project folder whose sample_data/ holds only the last `months` months' extracts."""
    (home / "data_contracts").symlink_to(ROOT / "data_contracts")
    (home / "sample_data").mkdir()
    shutil.copy2(ROOT / "sample_data" / "demo_users.yaml", home / "sample_data")
    extracts = sorted((ROOT / "sample_data" / "extracts").glob("*/*.csv"))
    kept = sorted({_period(p) for p in extracts})[-months:]
    for kind in ("extracts", "resubmissions"):
        for path in sorted((ROOT / "sample_data" / kind).glob("*/*.csv")):
            if _period(path) in kept:
                target = home / "sample_data" / kind / path.parent.name / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(path)


@dataclass(frozen=True)
class Extract:
    partner: str
    name: str
    sha256: str
    rows: int


def restatements(home: Path, drop: Path, count: int, left_out: int) -> list[Extract]:
    """`count` new versions of councils' homelessness extracts in the drop folder, the latest
    months first, each its sample file with its last `left_out` records taken out."""
    sources = sorted((home / "sample_data" / "extracts").glob(f"*/{DATASET}_*.csv"))
    order = sorted(sources, key=lambda p: (_period(p), p.parent.name), reverse=True)
    if len(order) < count:
        sys.exit(f"only {len(order)} sample extracts to restate, {count} asked for")
    made = []
    for source in order[:count]:
        lines = source.read_text(encoding="utf-8-sig").splitlines()
        body = "\n".join(lines[: len(lines) - left_out]) + "\n"
        target = drop / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        sha = hashlib.sha256(body.encode()).hexdigest()
        made.append(Extract(source.parent.name, source.name, sha, len(lines) - 1 - left_out))
    return made


# -- the backends -------------------------------------------------------------------------------


@dataclass
class Postgres:
    """A PostgreSQL server: one named by an address, or a throwaway one this process started."""

    host: str
    port: int
    user: str
    password: str | None = None
    folder: Path | None = None  # set when this process started it (and stops it)
    made: list[str] = field(default_factory=list)

    @classmethod
    def find(cls, url: str | None) -> Postgres:
        """The server at `url` (else the environment's), else a throwaway one started here."""
        url = url or next((os.environ[v] for v in POSTGRES_ENV_VARS if os.environ.get(v)), None)
        if url:
            parts = urlsplit(url)
            return cls(parts.hostname or "127.0.0.1", parts.port or 5432,
                       parts.username or "postgres", parts.password)  # fmt: skip
        return cls.start()

    @classmethod
    def start(cls) -> Postgres:
        """initdb and pg_ctl in a temporary folder, on a free port (as tests/postgres.py)."""
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("no PostgreSQL server programs (apt-get install postgresql)")
        programs = found[-1].parent
        folder = Path(tempfile.mkdtemp(prefix="bench-scaleout-postgres-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        port = free_port()
        _as_server_user([str(programs / "initdb"), "-D", str(folder / "data"), "--auth=trust",
                         "-U", "postgres", "-E", "UTF8"])  # fmt: skip
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c fsync=off"
        )
        _as_server_user([str(programs / "pg_ctl"), "-D", str(folder / "data"), "-l",
                         str(folder / "log"), "-o", options, "-w", "start"])  # fmt: skip
        return cls("127.0.0.1", port, "postgres", folder=folder)

    def url(self, dbname: str) -> str:
        secret = f":{self.password}" if self.password else ""
        return f"postgresql://{self.user}{secret}@{self.host}:{self.port}/{dbname}"

    def create_database(self) -> str:
        import psycopg

        name = f"so_bench_scaleout_{os.getpid()}_{len(self.made) + 1}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return name

    def close(self) -> None:
        """Drop the databases made here; stop the server if this process started it."""
        if self.folder is not None:
            programs = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1].parent
            with suppress(subprocess.CalledProcessError):
                _as_server_user([str(programs / "pg_ctl"), "-D", str(self.folder / "data"),
                                 "-m", "immediate", "stop"])  # fmt: skip
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            for name in self.made:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_server_user(command: list[str]) -> None:
    """Run a PostgreSQL program, as `postgres` when this is root (PostgreSQL refuses root)."""
    full = ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command
    subprocess.run(full, check=True, capture_output=True)


@dataclass
class Backend:
    """One warehouse: its name, the environment every process gets, how to open it here."""

    name: str
    home: Path
    env: dict[str, str]
    db: Path | None = None  # the file; None for a catalog
    catalog_url: str | None = None
    data: Path | None = None
    build_s: float = 0.0

    def workspace(self) -> Any:
        from shared_outcomes.settings import Catalog, load_settings
        from shared_outcomes.workspace import Workspace

        if self.db is not None:
            return Workspace.open(load_settings(db=self.db, root=self.home), create=False)
        assert self.catalog_url is not None and self.data is not None
        catalog = Catalog.parse(self.catalog_url, self.data)
        return Workspace.open(load_settings(root=self.home, catalog=catalog), create=False)


def base_env(home: Path, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in BACKEND_VARS}
    env["SHARED_OUTCOMES_HOME"] = str(home)
    env["SHARED_OUTCOMES_USERS"] = str(folder / "no-users.yaml")  # demo mode, whatever is set
    return env


def file_backend(home: Path, db: Path, folder: Path) -> Backend:
    """A private copy of the cached sample database, with the folders kept beside it."""
    from shared_outcomes.settings import companion_dir

    copy = folder / db.name
    shutil.copy2(db, copy)
    for kind in ("archive", "rows", "measures"):
        if companion_dir(db, kind).is_dir():
            shutil.copytree(companion_dir(db, kind), companion_dir(copy, kind))
    env = {**base_env(home, folder), "SHARED_OUTCOMES_DB": str(copy)}
    return Backend("embedded file", home, env, db=copy)


def lake_backend(home: Path, db: Path, server: Postgres, folder: Path) -> Backend:
    """A new catalog in PostgreSQL holding the same sample: a copy of the cached database moved
    into it by `shared-outcomes migrate` (the same submissions, times and reports as the file)."""
    source = folder / "lake-source"
    source.mkdir()
    copy = file_backend(home, db, source)
    url, data = server.url(server.create_database()), folder / "lake-data"
    data.mkdir()
    env = {**base_env(home, folder), "SHARED_OUTCOMES_CATALOG": url,
           "SHARED_OUTCOMES_DATA": str(data)}  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        [str(CLI), "migrate", "--db", str(copy.db), "--to", url, "--data", str(data)],
        env=copy.env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"shared-outcomes migrate into the catalog failed:\n{done.stdout}{done.stderr}")
    backend = Backend("DuckLake catalog", home, env, catalog_url=url, data=data)
    backend.build_s = time.perf_counter() - started
    say(f"moved the sample into the catalog in {backend.build_s:.0f} s (not measured)")
    return backend


@contextmanager
def app_server(backend: Backend, folder: Path) -> Iterator[tuple[str, int]]:
    """`streamlit run app.py` over the backend on a free port: its websocket URL and its pid."""
    port = free_port()
    log = folder / f"streamlit-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=backend.env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"streamlit did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield f"ws://127.0.0.1:{port}/_stcore/stream", process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


# -- a session over Streamlit's websocket -------------------------------------------------------


@dataclass
class Opened:
    """One open of the common picture: when it began (seconds into the phase), how long it took,
    and what went wrong, if anything."""

    first: bool
    began: float
    seconds: float
    problem: str | None = None


@dataclass
class Run:
    """What one script run sent, as far as the benchmark cares."""

    finished: bool = False
    titled: bool = False
    default_page: str | None = None
    problems: list[str] = field(default_factory=list)

    def read(self, msg: Any) -> None:
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element)
        elif kind == "navigation":
            pages = [p for p in msg.navigation.app_pages if p.is_default]
            self.default_page = pages[0].page_script_hash if pages else None
        elif kind == "page_not_found":
            self.problems.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event":
            if msg.session_event.WhichOneof("type") == "script_compilation_exception":
                error = msg.session_event.script_compilation_exception
                self.problems.append(f"compilation exception: {error.type}: {error.message}")
        elif kind == "script_finished":
            self.finished = True
            if msg.script_finished != msg.FINISHED_SUCCESSFULLY:
                self.problems.append(f"script finished with status {msg.script_finished}")

    def _element(self, element: Any) -> None:
        from streamlit.proto.Alert_pb2 import Alert

        kind = element.WhichOneof("type")
        if kind == "exception":
            warning = " (a warning)" if element.exception.is_warning else ""
            error = element.exception
            self.problems.append(f"exception{warning}: {error.type}: {error.message[:300]}")
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            self.problems.append(f"error shown: {plain(element.alert.body)[:300]}")
        elif kind == "heading" and element.heading.body == TITLE:
            self.titled = True


def plain(markdown: str) -> str:
    """A message as read: the app's escaping (backslashes, word joiners) taken out."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("\u2060", ""))


def rerun_request(page_hash: str) -> bytes:
    """The BackMsg a browser sends to run a page ("" with the address `/`: the default page)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.page_script_hash = page_hash
    msg.rerun_script.widget_states.SetInParent()
    data: bytes = msg.SerializeToString()
    return data


async def open_page(ws: Any, page_hash: str) -> tuple[float, Run]:
    """Ask for a run of the common picture and read every message until the run has finished."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    run = Run()
    start = time.perf_counter()
    async with asyncio.timeout(OPEN_TIMEOUT_S):
        await ws.send(rerun_request(page_hash))
        while not run.finished:
            run.read(ForwardMsg.FromString(await ws.recv()))
    seconds = time.perf_counter() - start
    if not run.problems and not run.titled:
        run.problems.append(f"the page did not show the {TITLE!r} heading")
    return seconds, run


@contextmanager
def _connection_problems(opened: list[Opened], began: float) -> Iterator[None]:
    """A lost connection or a timeout is an error open too."""
    from websockets.exceptions import WebSocketException

    try:
        yield
    except (OSError, WebSocketException, TimeoutError) as error:
        what = f"connection: {type(error).__name__}: {error}"
        opened.append(Opened(not opened, began, math.nan, what))


async def session(url: str, clock: float, pauses: Iterator[float], done: asyncio.Event,
                  opens: int | None = None) -> list[Opened]:  # fmt: skip
    """One browser tab: opens the page, pauses, opens it again, until `done` (or `opens`)."""
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    opened: list[Opened] = []
    page = ""  # the first open asks for the address `/`, as a browser opening the link does
    began = time.perf_counter() - clock
    with _connection_problems(opened, began):
        async with connect(url, subprotocols=[Subprotocol("streamlit")], max_size=None,
                           ping_interval=None, open_timeout=OPEN_TIMEOUT_S) as ws:  # fmt: skip
            while True:
                began = time.perf_counter() - clock
                seconds, run = await open_page(ws, page)
                opened.append(Opened(not opened, began, seconds, "; ".join(run.problems) or None))
                page = run.default_page or page
                if done.is_set() or (opens is not None and len(opened) >= opens):
                    break
                with suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), next(pauses))
                if done.is_set():
                    break
    return opened


def uniform_pauses(rng: random.Random, think: float) -> Iterator[float]:
    while True:
        yield rng.uniform(0.5 * think, 1.5 * think)


def fixed_pauses(seconds: float) -> Iterator[float]:
    while True:
        yield seconds


# -- the phases ---------------------------------------------------------------------------------


def single_session(url: str, opens: int) -> list[Opened]:
    """One session alone on the server: `opens` opens in a row, 0.2 s apart."""

    async def one() -> list[Opened]:
        return await session(url, time.perf_counter(), fixed_pauses(0.2), asyncio.Event(), opens)

    return asyncio.run(one())


def warm_up(url: str) -> None:
    """The server's first runs (the workspace opening, the figures computed), not measured."""
    opened = single_session(url, 2)
    problems = [o.problem for o in opened if o.problem]
    if problems:
        say(f"the warm-up's page showed a problem: {problems[0]}")


def watch_filed(drop: Path, clock: float, filed: dict[str, float]) -> asyncio.Task[None]:
    """Note when each file reaches processed/ or rejected/ (polled every 50 ms)."""

    async def poll() -> None:
        while True:
            for where in ("processed", "rejected"):
                for path in (drop / where).glob("*/*.csv"):
                    filed.setdefault(f"{path.parent.name}/{path.name}", time.perf_counter() - clock)
            await asyncio.sleep(0.05)

    return asyncio.create_task(poll())


def throughput(filed: dict[str, float], rows: dict[str, int]) -> dict[str, float]:
    """Files and rows a second from the first file filed to the last (start-up left out)."""
    moments = sorted(filed.items(), key=lambda item: item[1])
    if len(moments) < 2:
        return {"files_per_s": math.nan, "rows_per_s": math.nan, "span_s": 0.0}
    span = moments[-1][1] - moments[0][1]
    later_rows = sum(rows.get(name, 0) for name, _ in moments[1:])
    return {"files_per_s": (len(moments) - 1) / span, "rows_per_s": later_rows / span,
            "span_s": span}  # fmt: skip


async def ingesting(backend: Backend, drop: Path, sessions: int, urls: list[str],
                    think: float, seed: int) -> dict[str, Any]:  # fmt: skip
    """The worker over the drop folder, with `sessions` sessions on the page meanwhile (the
    i-th on server i modulo their number, as a load balancer with sticky sessions spreads
    them)."""
    clock = time.perf_counter()
    filed: dict[str, float] = {}
    poller = watch_filed(drop, clock, filed)
    log = drop.with_suffix(".log")
    with log.open("wb") as out:
        worker = await asyncio.create_subprocess_exec(
            "nice", "-n", str(worker_nice()), str(CLI), "ingest", str(drop), "--settle", "0",
            env=backend.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    done = asyncio.Event()
    rng = random.Random(seed)
    tasks = []
    for number in range(sessions):
        delay, pauses = rng.uniform(0, think), uniform_pauses(random.Random(rng.random()), think)
        url = urls[number % len(urls)]
        tasks.append(asyncio.create_task(_later(delay, session(url, clock, pauses, done))))
    code = await worker.wait()
    worker_s = time.perf_counter() - clock
    done.set()
    opened = [o for found in await asyncio.gather(*tasks) for o in found]
    await asyncio.sleep(0.1)
    poller.cancel()
    with suppress(asyncio.CancelledError):
        await poller
    return {"code": code, "worker_s": worker_s, "filed": filed, "opened": opened,
            "log": log.read_text(errors="replace")[-2000:]}  # fmt: skip


async def _later(delay: float, job: Any) -> list[Opened]:
    await asyncio.sleep(delay)
    result: list[Opened] = await job
    return result


def worker_run(backend: Backend, drop: Path, made: list[Extract], sessions: int,
               urls: list[str], think: float, pids: list[int],
               seed: int) -> dict[str, Any]:  # fmt: skip
    """One worker run (with or without sessions): throughput, the register check, the CPU."""
    ws = backend.workspace()
    before = ws.warehouse.newest_submission_id() or 0
    ws.warehouse.close()
    cpu = (children_cpu(), servers_cpu(pids), own_cpu())
    loads = os.getloadavg()[0]
    out = asyncio.run(ingesting(backend, drop, sessions, urls, think, seed))
    cpu = (children_cpu() - cpu[0], servers_cpu(pids) - cpu[1], own_cpu() - cpu[2])
    rows = {f"{m.partner}/{m.name}": m.rows for m in made}
    register = check_register(backend, drop, made, before)
    if out["code"] != 0:
        say(f"the worker exited with {out['code']}:\n{out['log']}")
    counted = [o for o in out["opened"] if o.began <= out["worker_s"]]
    return {
        "files": len(made), "rows": sum(m.rows for m in made), "worker_exit": out["code"],
        "worker_s": out["worker_s"], "worker_cpu_s": cpu[0], "server_cpu_s": cpu[1],
        "driver_cpu_s": cpu[2], **throughput(out["filed"], rows), "register": register,
        "opened": [asdict(o) for o in counted],
        "after_ingest": len(out["opened"]) - len(counted),
        "load_average": [loads, os.getloadavg()[0]],
    }  # fmt: skip


def check_register(
    backend: Backend, drop: Path, made: list[Extract], before: int
) -> dict[str, Any]:
    """Every file once in the register as a new accepted submission, and filed in processed/."""
    ws = backend.workspace()
    try:
        new = [s for s in ws.warehouse.submissions(dataset=DATASET) if s.submission_id > before]
    finally:
        ws.warehouse.close()
    counts = {m.sha256: 0 for m in made}
    for sub in new:
        if sub.sha256 in counts:
            counts[sub.sha256] += 1
    keys = {(m.partner, _period(Path(m.name))) for m in made}
    return {
        "lost": sum(1 for c in counts.values() if c == 0),
        "duplicate": sum(1 for c in counts.values() if c > 1),
        "unexpected": sum(1 for s in new if s.sha256 not in counts),
        "wrong_key": sum(1 for s in new if (s.partner_id, s.period) not in keys),
        "not_processed": sum(1 for m in made if not (drop / "processed" / m.partner / m.name)
                             .exists()),
        "rejected": len(list((drop / "rejected").glob("*/*.csv"))),
    }  # fmt: skip


def summary(opened: list[dict[str, Any]]) -> dict[str, Any]:
    times = [o["seconds"] for o in opened if not math.isnan(o["seconds"])]
    problems = [o["problem"] for o in opened if o["problem"]]
    firsts = [o["seconds"] for o in opened if o["first"] and not math.isnan(o["seconds"])]
    return {
        "opens": len(opened), "median_s": statistics.median(times) if times else math.nan,
        "p95_s": percentile(times, 0.95), "max_s": max(times, default=math.nan),
        "first_median_s": statistics.median(firsts) if firsts else math.nan,
        # Each open: its session's first?, its page time, when it began (s from the start).
        "each": [(o["first"], round(o["seconds"], 3), round(o["began"], 2)) for o in opened],
        "errors": len(problems), "problems": sorted(set(problems))[:5],
    }  # fmt: skip


def measure(backend: Backend, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """One backend: one session, the worker alone, then the sessions while the worker ingests
    (on `--servers` app servers, each its own process)."""
    result: dict[str, Any] = {"build_s": backend.build_s, "servers": args.servers}
    with ExitStack() as stack:
        started = [stack.enter_context(app_server(backend, folder)) for _ in range(args.servers)]
        urls, pids = [url for url, _ in started], [pid for _, pid in started]
        for url in urls:
            warm_up(url)
        say(f"{backend.name}: one session, {args.opens} opens")
        cpu = process_cpu(pids[0])
        single = summary([asdict(o) for o in single_session(urls[0], args.opens)])
        single["server_cpu_s_per_open"] = (process_cpu(pids[0]) - cpu) / max(single["opens"], 1)
        result["single"] = single
        alone_drop = folder / f"drop-alone-{pids[0]}"
        made = restatements(backend.home, alone_drop, args.alone, left_out=2)
        say(f"{backend.name}: the worker alone, {len(made)} restatements")
        result["alone"] = worker_run(backend, alone_drop, made, 0, urls, args.think, pids, 1)
        drop = folder / f"drop-load-{pids[0]}"
        made = restatements(backend.home, drop, args.extracts, left_out=1)
        say(f"{backend.name}: {args.sessions} sessions on {args.servers} app server(s), "
            f"think time {args.think:g} s, while the worker ingests {len(made)} "
            "restatements")  # fmt: skip
        load = worker_run(backend, drop, made, args.sessions, urls, args.think, pids, 2)
        load.update(summary(load.pop("opened")))
        result["load"] = load
        say(f"{backend.name}: median {load['median_s']:.2f} s, p95 {load['p95_s']:.2f} s over "
            f"{load['opens']} opens, {load['errors']} errors, "
            f"{load['files_per_s']:.2f} files/s")  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (the smoke run)")
    parser.add_argument("--sessions", type=int, help=f"default {FULL['sessions']}")
    parser.add_argument("--think", type=float, help=f"seconds between opens (default "
                        f"{FULL['think']:g}, each pause 0.5 to 1.5 times it)")  # fmt: skip
    parser.add_argument("--extracts", type=int, help=f"under load (default {FULL['extracts']})")
    parser.add_argument("--alone", type=int, help=f"the worker alone (default {FULL['alone']})")
    parser.add_argument("--opens", type=int, help=f"one session's (default {FULL['opens']})")
    parser.add_argument("--servers", type=int, help="app servers, the sessions spread over "
                        f"them (default {FULL['servers']})")  # fmt: skip
    parser.add_argument("--months", type=int, help="of the sample; 0 all (default)")
    parser.add_argument("--postgres", help="postgresql://user@host:port of a running server")
    parser.add_argument("--backends", nargs="+", choices=("file", "lake"), default=["file", "lake"])
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    home, db = sample(args.months)
    folder = Path(tempfile.mkdtemp(prefix="bench_scaleout_"))
    out: dict[str, Any] = {
        "sessions": args.sessions,
        "worker_nice": worker_nice(),
        "think_s": args.think,
        "extracts": args.extracts,
        "months": args.months,
        "servers": args.servers,
        "backends": {},
    }
    try:
        if "file" in args.backends:
            out["backends"]["file"] = measure(file_backend(home, db, folder), args, folder)
        if "lake" in args.backends:
            out["backends"]["lake"] = lake(home, db, args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(out))


def lake(home: Path, db: Path, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """The catalog backend, or why it was skipped (no PostgreSQL to be had)."""
    try:
        server = Postgres.find(args.postgres)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        say(f"the catalog skipped: {error}")
        return {"skipped": str(error)}
    try:
        return measure(lake_backend(home, db, server, folder), args, folder)
    finally:
        server.close()


if __name__ == "__main__":
    main()
