"""Shared by every test: `tests/` on sys.path, so test modules import the helpers in `support`;
the sample partnership's database, built once per session for the tests that need it."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


import pytest  # noqa: E402 - after the path is set, as the helpers need it


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample partnership's database, built once for the whole session (copy it with
    `support.copy_database` before changing it)."""
    from support import build_sample

    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_sample(db)
    return db
