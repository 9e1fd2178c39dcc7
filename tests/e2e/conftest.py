"""The real browser: `streamlit run app.py` on a free port over a temp database, driven by Chromium.

One Streamlit server per test module (module-scoped), each over its own copy of a sample
database built once per session, so modules that load extracts do not see each other's changes.
Where Debian's Chromium is absent, every test here is skipped with a message saying so.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from e2e_support import App
from playwright.sync_api import Browser, Page, sync_playwright
from support import copy_database

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 120


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here `e2e` and `slow`; skip them visibly where Chromium is absent."""
    here = Path(__file__).parent
    skip = pytest.mark.skip(
        reason=f"browser tests skipped: Chromium not found at {CHROMIUM} "
        "(install Debian's `chromium` package to run them)"
    )
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
            if not CHROMIUM.exists():
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")


@contextmanager
def streamlit_server(
    app_dir: Path, db: Path | None, folder: Path, *, extra_env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run app.py` (from `app_dir`) on a free port over `db` (or what `extra_env`
    names, a catalog say); its URL and process.

    The server's log goes to `folder/streamlit.log`; it is stopped when the block ends.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SHARED_OUTCOMES_HOME": str(ROOT), **(extra_env or {})}
    if db is not None:
        env["SHARED_OUTCOMES_DB"] = str(db)
    log = folder / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "streamlit", "run", str(app_dir / "app.py")),
                *("--server.port", str(port), "--server.address", "127.0.0.1"),
                *("--server.headless", "true", "--server.fileWatcherType", "none"),
                *("--browser.gatherUsageStats", "false"),
            ],
            cwd=app_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(url, process, log)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def app(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """`streamlit run app.py` on a free port, over a fresh copy of the sample database."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: Chromium not found at {CHROMIUM}")
    folder = tmp_path_factory.mktemp("app")
    db = copy_database(demo_db, folder)
    with streamlit_server(ROOT, db, folder) as (url, _process):
        yield App(url=url, db_path=db)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the session."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (own cookies and session) at a laptop-sized viewport."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()
