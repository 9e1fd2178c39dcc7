"""Shared by every test: `tests/` on sys.path, so test modules import the helpers in `support`;
the sample partnership's database, built once per session for the tests that need it; the two
warehouse backends (a DuckDB file, a DuckLake catalog on a real PostgreSQL server, `postgres`)
that the warehouse and outcome tests run against."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


from collections.abc import Callable, Iterator, Mapping  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402 - after the path is set, as the helpers need it
from postgres import BACKENDS  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """The real PostgreSQL server of this run (`postgres.Server`): .ci/run's, or our own."""
    from postgres import Server

    server = Server.from_env() or Server.start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn, for a test that opens its warehouse with `new_warehouse`."""
    return str(request.param)


@pytest.fixture
def new_warehouse(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> Iterator[Callable[..., Any]]:
    """Open a fresh warehouse of `contracts` on this test's backend (a file under tmp_path, or
    a new catalog database with its data folder under tmp_path); closed at the end."""
    from shared_outcomes.warehouse.store import Warehouse

    opened: list[Warehouse] = []

    def open_one(contracts: Mapping[str, Any], **options: Any) -> Warehouse:
        if backend == "lake":
            server = request.getfixturevalue("postgres_server")
            catalog = server.catalog(tmp_path / f"lake-{len(opened)}")
            found = Warehouse.open(catalog.anchor, contracts, catalog=catalog, **options)
        else:
            found = Warehouse.open(tmp_path / "db" / f"test-{len(opened)}.duckdb", contracts,
                                   **options)  # fmt: skip
        opened.append(found)
        return found

    yield open_one
    for found in opened:
        found.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample partnership's database, built once for the whole session (copy it with
    `support.copy_database` before changing it)."""
    from support import build_sample

    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_sample(db)
    return db
