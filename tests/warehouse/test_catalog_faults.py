"""A DuckLake catalog that cannot be reached: a clear message naming it (never a password) and
nothing stored; the next attempt, once it is there, works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from smtp_server import closed_port

from shared_outcomes.config.contracts import Contract
from shared_outcomes.errors import UsageError, WarehouseError
from shared_outcomes.settings import Catalog
from shared_outcomes.warehouse.store import Warehouse


def test_a_server_that_is_not_there_is_a_message_naming_the_catalog_without_its_password(
    tmp_path: Path, contract: Contract
) -> None:
    url = f"postgresql://so:s3cret-pw@127.0.0.1:{closed_port()}/partnership"
    catalog = Catalog.parse(url, tmp_path / "data")
    with pytest.raises(WarehouseError) as refused:
        Warehouse.open(catalog.anchor, {"visits": contract}, catalog=catalog)
    assert refused.value.title == "Catalog unavailable"
    assert catalog.where in refused.value.message
    assert "s3cret-pw" not in refused.value.message and "s3cret-pw" not in repr(catalog)


def test_a_database_the_server_lacks_is_named_with_what_to_do(
    tmp_path: Path, contract: Contract, postgres_server: Any
) -> None:
    catalog = Catalog.parse(postgres_server.url("no_such_partnership"), tmp_path / "data")
    with pytest.raises(WarehouseError, match="createdb no_such_partnership"):
        Warehouse.open(catalog.anchor, {"visits": contract}, catalog=catalog)
    # Once the database is there, the same catalog opens, empty.
    made = postgres_server.catalog(tmp_path / "data")
    assert Warehouse.open(made.anchor, {"visits": contract}, catalog=made).submissions() == []


@pytest.mark.parametrize(
    ("url", "data", "said"),
    [
        ("mysql://db/x", "/srv/data", "must be a PostgreSQL address"),
        ("postgresql://db.example:5432", "/srv/data", "names no database"),
        ("postgresql://db.example:port/x", "/srv/data", "port that is not a number"),
        ("postgresql://db.example/x", None, "needs its data folder"),
    ],
)
def test_a_catalog_address_that_cannot_be_used_says_what_to_write(
    url: str, data: str | None, said: str
) -> None:
    with pytest.raises(UsageError, match=said):
        Catalog.parse(url, data)
