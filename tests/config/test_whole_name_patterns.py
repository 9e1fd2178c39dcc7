"""Every name pattern matches the whole text: a trailing newline never slips through a `$`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared_outcomes.cli import app
from shared_outcomes.errors import WarehouseError
from shared_outcomes.warehouse.schema import DatasetLayout

ROOT = Path(__file__).parents[1] / "fixtures" / "service"
GOOD = ROOT / "sample_data" / "extracts" / "north_council" / "visits_2016-03.csv"


@pytest.mark.parametrize("period", ["2016-03\n", "2016-03\nx", " 2016-03"])
def test_a_month_with_anything_after_it_is_not_a_month(period: str) -> None:
    result = CliRunner().invoke(
        app,
        ["validate", str(GOOD), "--dataset", "visits", "--period", period],
        env={"SHARED_OUTCOMES_HOME": str(ROOT)},
    )
    assert result.exit_code == 2
    assert "is not a month" in result.stderr


class _Column:
    def __init__(self, name: str) -> None:
        self.name, self.logical_type, self.allowed_values = name, "string", None


class _Contract:
    def __init__(self, dataset: str, column: str) -> None:
        self.dataset, self.version = dataset, "1.0.0"
        self.columns = [_Column(column)]
        self.period_column = self.area_column = None


@pytest.mark.parametrize(("dataset", "column"), [("visits\n", "month"), ("visits", "month\n")])
def test_a_table_or_column_name_with_a_trailing_newline_is_refused(
    dataset: str, column: str
) -> None:
    with pytest.raises(WarehouseError):
        DatasetLayout.of(_Contract(dataset, column))
