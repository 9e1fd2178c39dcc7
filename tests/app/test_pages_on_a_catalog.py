"""The pages on a DuckLake catalog in a real PostgreSQL server, as on a database file.

The sample's database is moved into a catalog once (`migrate`); every page then runs over it
without an error, no sample database is built beside it, and a submission another process
stores is on the page at its next run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from postgres import Server
from streamlit.testing.v1 import AppTest
from support import copy_database

from shared_outcomes.jobs.migrate import migrate_to_catalog
from shared_outcomes.settings import Catalog, load_settings

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
#: The app's pages: the same list as the other page tests (tests/app/conftest.py's).
PAGES = [
    "Common picture", "Explore", "Submit an extract", "Data quality and timeliness",
    "Your returns", "Standards", "Agreements", "Your submissions",
]  # fmt: skip


@pytest.fixture(scope="module")
def moved(
    demo_db: Path, postgres_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Catalog]:
    """The sample moved into a fresh catalog (its address with the password, and the catalog)."""
    folder = tmp_path_factory.mktemp("catalog")
    source = load_settings(db=copy_database(demo_db, folder), root=ROOT)
    url = postgres_server.url(postgres_server.create_database())
    catalog = Catalog.parse(url, folder / "shared")
    migrate_to_catalog(source, catalog)
    return url, catalog


@pytest.fixture
def on_catalog(
    moved: tuple[str, Catalog],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Callable[..., AppTest]:
    here = str(Path(__file__).with_name("conftest.py"))
    page_files: dict[str, str] = request.config.pluginmanager.get_plugin(here).PAGE_FILES
    assert list(page_files) == PAGES
    url, catalog = moved
    monkeypatch.setenv("SHARED_OUTCOMES_CATALOG", url)
    monkeypatch.setenv("SHARED_OUTCOMES_DATA", str(catalog.data_dir))
    monkeypatch.setenv("SHARED_OUTCOMES_HOME", str(ROOT))
    monkeypatch.delenv("SHARED_OUTCOMES_DB", raising=False)
    monkeypatch.setenv("SHARED_OUTCOMES_USERS", str(tmp_path / "no-users.yaml"))

    def run(page: str, user: str = "demo-analyst") -> AppTest:
        """The page as `user` sees it (in demo mode: no users file)."""
        at = AppTest.from_file(str(APP), default_timeout=90)
        at.session_state["demo_user"] = user
        at.run()
        if page != "Common picture":
            at.switch_page(page_files[page])
            at.run()
        return at

    return run


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_a_catalog(
    on_catalog: Callable[..., AppTest], moved: tuple[str, Catalog], page: str
) -> None:
    at = on_catalog(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == page
    assert "synthetic" in " ".join(str(i.value) for i in at.info)  # the sample's, read there
    assert not list(moved[1].data_dir.glob("*.duckdb"))  # no database file built beside it


def test_a_submission_from_another_process_shows_at_the_next_run(
    on_catalog: Callable[..., AppTest],
) -> None:
    at = on_catalog("Your submissions", "demo-nhs_gm_icb")
    assert not at.exception

    def count() -> int:
        [caption] = [c.value for c in at.caption if "submissions, newest first" in c.value]
        found = re.match(r"([\d,]+) submissions", caption)
        assert found is not None
        return int(found.group(1).replace(",", ""))

    before = count()
    restated = ROOT / "sample_data" / "resubmissions" / "nhs_gm_icb"
    [path] = restated.glob("*.csv")
    first = ROOT / "sample_data" / "extracts" / "nhs_gm_icb" / path.name  # sent again: new
    sent = subprocess.run(
        [sys.executable, "-m", "shared_outcomes.cli", "submit", str(first), "--dataset",
         "nhs_emergency_admissions", "--partner", "nhs_gm_icb", "--period", path.stem[-7:]],
        env=os.environ.copy(), capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stdout + sent.stderr
    at.run()
    assert not at.exception
    assert count() == before + 1
