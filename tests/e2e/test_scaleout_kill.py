"""Several processes on one DuckLake catalog: two ingest workers killed at random, two app servers.

The whole sample partnership goes through a drop folder watched by two `ingest --watch`
workers over one catalog in a real PostgreSQL server, while two `streamlit run app.py` servers
serve the common picture from it. One worker is killed (`kill -9`) at random moments and a new
one started in its place. Afterwards every file was loaded exactly once (the register holds the
same submissions, statuses and files as a single ingest of the same folder into a database
file, none doubled, none lost), the figures are those of that single embedded-file ingest, and
both app servers, which read throughout, show the newest month.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import polars as pl
import pytest
from e2e_support import wait_for_app
from playwright.sync_api import Browser
from postgres import Server

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.jobs.demo import sample_files
from shared_outcomes.jobs.migrate import _same_figures
from shared_outcomes.present.picture import latest_period, month_label
from shared_outcomes.settings import Catalog, Settings, load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
#: Workers killed during the run (each at a random moment, each replaced at once).
KILLS = 6
#: The longest the whole ingest may take on a busy two-core machine.
INGEST_TIMEOUT_S = 1500


def _drop(files: list[Path], drop: Path) -> None:
    """Put each extract in the drop folder as a partner's system would: written under a
    temporary name, then renamed into place (`<partner>/<dataset>_<month>.csv`)."""
    for source in files:
        target = drop / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(target.name + ".part")
        shutil.copyfile(source, temp)
        os.replace(temp, target)


def _waiting(drop: Path) -> int:
    """Files still in the drop folder (not yet filed in processed/ or rejected/)."""
    return sum(1 for _ in drop.glob("*/*.csv"))


def _ingest(env: dict[str, str], drop: Path, log: Path, *, watch: bool) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "shared_outcomes.cli", "ingest", str(drop), "--settle", "0"]
    with log.open("a") as out:
        return subprocess.Popen(
            command + (["--watch"] if watch else []),
            env=env, stdout=out, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip


def _register(settings: Settings) -> pl.DataFrame:
    """What was stored, without the ids and times that differ between two runs."""
    workspace = Workspace.open(settings, create=False)
    try:
        return workspace.warehouse.query(
            "SELECT partner_id, dataset, period, sha256, file_name, rows, status, "
            "supersedes IS NOT NULL AS supersedes FROM submissions ORDER BY ALL"
        )
    finally:
        workspace.warehouse.close()


def _figures(settings: Settings) -> pl.DataFrame:
    workspace = Workspace.open(settings, create=False)
    try:
        frame = workspace.figures(SYSTEM, unsuppressed=True)
    finally:
        workspace.warehouse.close()
    key = [n for n, t in frame.schema.items() if not (t.is_nested() or t.is_float())]
    return frame.sort(key, nulls_last=True)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SHARED_OUTCOMES_HOME": str(ROOT),
        "SHARED_OUTCOMES_USERS": str(tmp_path / "no-users.yaml"),  # none: demo mode
        "COLUMNS": "200",
    }


@pytest.fixture
def reference(env: dict[str, str], tmp_path: Path) -> Settings:
    """The same files ingested once, by one process, into a database file."""
    db, drop = tmp_path / "reference" / "single.duckdb", tmp_path / "reference" / "drop"
    files = sample_files(ROOT / "sample_data")
    file_env = {**env, "SHARED_OUTCOMES_DB": str(db)}
    file_env.pop("SHARED_OUTCOMES_CATALOG", None)
    drop.mkdir(parents=True)
    for batch in ([p for p, again in files if not again], [p for p, again in files if again]):
        _drop(batch, drop)
        run = _ingest(file_env, drop, tmp_path / "reference.log", watch=False)
        assert run.wait(timeout=INGEST_TIMEOUT_S) in (0, 1), (
            tmp_path / "reference.log"
        ).read_text()
        assert _waiting(drop) == 0
    return load_settings(db=db, root=ROOT)


def test_workers_killed_at_random_load_every_file_once_and_the_figures_match(
    env: dict[str, str],
    reference: Settings,
    postgres_server: Server,
    browser: Browser,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    conftest = request.config.pluginmanager.get_plugin(str(Path(__file__).with_name("conftest.py")))
    seed = random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    catalog: Catalog = postgres_server.catalog(tmp_path / "shared")
    lake_env = {
        **env,
        "SHARED_OUTCOMES_CATALOG": postgres_server.url(catalog.dbname),
        "SHARED_OUTCOMES_DATA": str(catalog.data_dir),
    }
    drop, logs = tmp_path / "drop", tmp_path / "logs"
    drop.mkdir()
    logs.mkdir()
    files = sample_files(ROOT / "sample_data")
    with ExitStack() as stack:
        # Everything starts at once over the empty catalog: the first to get the writer's
        # turn makes the warehouse, the others find it made.
        workers = [_ingest(lake_env, drop, logs / f"worker-{i}.log", watch=True) for i in (0, 1)]
        servers = []
        for i in (0, 1):
            folder = tmp_path / f"app-{i}"
            folder.mkdir()
            started = conftest.streamlit_server(ROOT, None, folder, extra_env=lake_env)
            servers.append(stack.enter_context(started)[0])

        def stop_workers() -> None:
            for worker in workers:
                worker.send_signal(signal.SIGINT)  # Ctrl-C: stops watching
            for worker in workers:
                worker.wait(timeout=60)

        stack.callback(lambda: [w.kill() for w in workers if w.poll() is None])
        _drop([p for p, again in files if not again], drop)

        kills, started_at, seen_mid_way = 0, time.monotonic(), None
        while _waiting(drop):
            assert time.monotonic() - started_at < INGEST_TIMEOUT_S, f"too slow (seed {seed})"
            time.sleep(rng.uniform(0.3, 6.0))
            if kills < KILLS and _waiting(drop):
                victim = rng.randrange(len(workers))
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait()
                kills += 1
                log = logs / f"worker-{victim}.log"
                workers[victim] = _ingest(lake_env, drop, log, watch=True)
            if seen_mid_way is None and kills >= KILLS // 2:
                seen_mid_way = _common_picture(browser, servers[0])  # read during the ingest
        assert kills == KILLS, f"the ingest ended before every kill (seed {seed})"
        _drop([p for p, again in files if again], drop)  # the restatements come afterwards
        while _waiting(drop):
            assert time.monotonic() - started_at < INGEST_TIMEOUT_S, f"too slow (seed {seed})"
            time.sleep(0.5)
        stop_workers()

        lake = load_settings(root=ROOT, catalog=catalog)
        newest = latest_period(_figures(reference))
        assert newest is not None
        for url in servers:  # both servers see what the workers stored, on their next run
            assert f"Latest month: {month_label(newest)}" in _common_picture(browser, url)
        assert seen_mid_way is not None

    filed = list(drop.glob("processed/*/*.csv")) + list(drop.glob("rejected/*/*.csv"))
    assert len(filed) == len(files), f"seed {seed}: a file is missing from processed/ and rejected/"
    mine, single = _register(lake), _register(reference)
    assert mine.height == single.height == len(files), f"seed {seed}"
    assert mine.equals(single), f"seed {seed}: not every file was stored exactly once"
    _same_figures(_figures(reference), _figures(lake), None)


def _common_picture(browser: Browser, url: str) -> str:
    """The common picture's text as a new visitor sees it (no error on the page)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        tab.goto(url)
        wait_for_app(tab)
        tab.get_by_text("Latest month:").wait_for()  # the figures have been drawn
        assert tab.locator("[data-testid='stException']").count() == 0
        text = tab.locator("[data-testid='stMain']").inner_text()
        assert "Traceback" not in text
        return " ".join(text.replace("*", "").split())
    finally:
        context.close()
