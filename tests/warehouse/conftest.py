"""The warehouse tests' fixtures: the `visits` fixture contract and a fresh warehouse of it, on
each backend in turn (`new_warehouse`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shared_outcomes.config.contracts import Contract, load_contract
from shared_outcomes.warehouse.store import Warehouse

VISITS = Path(__file__).parents[1] / "fixtures" / "warehouse" / "visits.odcs.yaml"


@pytest.fixture(scope="session")
def contract() -> Contract:
    return load_contract(VISITS)


@pytest.fixture
def warehouse(new_warehouse: Callable[..., Warehouse], contract: Contract) -> Warehouse:
    return new_warehouse({"visits": contract})
