"""AppTest fixtures: the app over a temp copy of the sample database, one demo user chosen."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
# `streamlit run` puts the app's folder on sys.path (so pages import app_pages._shell); do the same.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from support import copy_database  # noqa: E402

PAGE_FILES = {
    "Common picture": "app_pages/common_picture.py",
    "Explore": "app_pages/explore_outcomes.py",
    "Submit an extract": "app_pages/submit_extract.py",
    "Data quality and timeliness": "app_pages/data_quality.py",
    "Your returns": "app_pages/returns.py",
    "Standards": "app_pages/standards_catalogue.py",
    "Agreements": "app_pages/agreements.py",
    "Your submissions": "app_pages/my_submissions.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every page test runs a page script (one to twenty seconds each): it is `slow`, so it runs in
    the full suite, not in the fast inner loop."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the sample database, which the app finds through SHARED_OUTCOMES_DB."""
    db = copy_database(demo_db, tmp_path)
    monkeypatch.setenv("SHARED_OUTCOMES_DB", str(db))
    monkeypatch.setenv("SHARED_OUTCOMES_HOME", str(ROOT))
    return db


@pytest.fixture
def open_page(app_db: Path) -> Callable[..., AppTest]:  # noqa: ARG001 - sets the database
    """Run the app on one page, acting as a given demo user."""

    def run(page: str, user: str = "demo-analyst", query: dict[str, str] | None = None) -> AppTest:
        """`query`: the page address's parameters, as a link or a shared address gives them."""
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state["demo_user"] = user
        at.run()
        if page != "Common picture":
            at.switch_page(PAGE_FILES[page])
            at.query_params.update(query or {})
            at.run()
        return at

    return run
