"""On a fresh checkout (no database yet) the app builds the sample partnership, visibly, first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from shared_outcomes.jobs import demo
from shared_outcomes.settings import Settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_database_is_built_with_progress_then_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "fresh" / "shared_outcomes.duckdb"
    monkeypatch.setenv("SHARED_OUTCOMES_DB", str(db))
    steps: list[tuple[int, int, str]] = []
    real_build = demo.build_demo

    def recording_build(settings: Settings, progress: Any = None) -> Workspace:
        """The real build, with the progress the page is given recorded on the way."""
        assert settings.db_path == db

        def recorded(done: int, total: int, label: str) -> None:
            steps.append((done, total, label))
            progress(done, total, label)

        return real_build(settings, progress=recorded)

    monkeypatch.setattr(demo, "build_demo", recording_build)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()

    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert db.exists()
    assert steps[-1][0] == steps[-1][1] > 1  # the progress bar was driven to the end
    assert at.status[0].label == "Sample database built."
    assert at.title[0].value == "Common picture"
    assert any("synthetic" in i.value for i in at.info)
