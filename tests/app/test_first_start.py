"""On a fresh checkout (no database yet) the app builds the sample partnership, visibly, first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import build_recent_sample
from streamlit.testing.v1 import AppTest

from shared_outcomes.service import Workspace
from shared_outcomes.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_database_is_built_with_progress_then_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "fresh" / "shared_outcomes.duckdb"
    monkeypatch.setenv("SHARED_OUTCOMES_DB", str(db))
    steps: list[tuple[int, int, str]] = []

    def small_demo(settings: Settings, progress: Any = None) -> None:
        # The whole sample takes minutes here; one month shows the same path through the app.
        assert settings.db_path == db
        progress(0, 2, "first file")
        build_recent_sample(settings.db_path, months=1)
        progress(2, 2, "done")
        steps.append((2, 2, "done"))

    monkeypatch.setattr(
        Workspace, "build_demo", classmethod(lambda cls, s, progress=None: small_demo(s, progress))
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()

    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert steps and db.exists()
    assert at.status[0].label == "Sample database built."
    assert at.title[0].value == "Common picture"
    assert any("synthetic" in i.value for i in at.info)
