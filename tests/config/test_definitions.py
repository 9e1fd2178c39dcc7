"""Outcome definitions: read as written, resolved against contracts, reference tables, partners."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from small_partnership import AREAS, PARTNERS, partner, partnership

from shared_outcomes.config.contracts import load_contracts
from shared_outcomes.config.definitions import (
    Filter,
    OutcomeDefinition,
    load_definitions,
)
from shared_outcomes.config.partnership import load_partnership
from shared_outcomes.errors import DefinitionError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "outcomes" / "contracts"


# The police send admissions only, so they cannot be accountable for a count of cases.
PARTNERSHIP = partnership(
    {**PARTNERS, "police": partner("police", "Police", ["admissions"], 15, ["A1"])}, AREAS
)


def load(folder: Path = FIXTURES / "outcomes") -> dict[str, OutcomeDefinition]:
    return load_definitions(
        folder, load_contracts(FIXTURES), PARTNERSHIP, reference_dir=FIXTURES / "reference"
    )


def test_the_fixture_definitions_resolve() -> None:
    definitions = load()
    assert sorted(definitions) == ["admissions_per_100_cases", "preventions_per_1000"]
    preventions = definitions["preventions_per_1000"]
    assert preventions.numerator.filters == (
        Filter("duty_type", ("prevention",)),
        Filter("outcome", ("secured_accommodation",)),
    )
    assert preventions.numerator.agg_column == "n_rows"
    assert preventions.numerator.area_column == "area_code"
    assert preventions.denominator is not None
    assert preventions.denominator.source == "reference"
    assert preventions.denominator.reference_file == FIXTURES / "reference" / "households.csv"
    assert preventions.expected == {"cases": ("council_a", "council_b")}
    assert preventions.scale == 1000
    assert preventions.target is not None and preventions.target.from_period == "2020-02"
    pooled = definitions["admissions_per_100_cases"]
    assert pooled.numerator.agg_column == "sum_admissions"
    assert pooled.datasets == ("admissions", "cases")
    assert pooled.partners == ("council_a", "council_b", "nhs")
    assert pooled.threshold == 3 and pooled.incomplete == "withhold"


def test_the_shipped_definitions_resolve_against_the_shipped_contracts() -> None:
    root = Path(__file__).resolve().parents[2] / "data_contracts"
    contracts = load_contracts(root)
    partnership = load_partnership(root / "partners.yaml", contracts)
    definitions = load_definitions(root / "outcomes", contracts, partnership)
    assert len(definitions) >= 8
    joined = [d for d in definitions.values() if len(d.partners) > 1]
    assert len(joined) >= 4


Edit = Callable[[dict[str, Any]], None]


def broken(tmp_path: Path, edit: Edit, name: str = "preventions_per_1000") -> DefinitionError:
    """Copy one fixture definition, apply `edit` to its YAML, and return the error it raises."""
    folder = tmp_path / "outcomes"
    folder.mkdir(exist_ok=True)
    source = FIXTURES / "outcomes" / f"{name}.yaml"
    data = yaml.safe_load(source.read_text())
    edit(data)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(DefinitionError) as caught:
        load(folder)
    return caught.value


def set_key(path: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "place", "words"),
    [
        (set_key("numerator.dataset", "casess"), "numerator.dataset", "Did you mean 'cases'"),
        (
            set_key("numerator.where.0.column", "duty_typ"),
            "numerator.where[0].column",
            "Did you mean 'duty_type'",
        ),
        (
            set_key("numerator.where.0.in", ["prevention", "preventoin"]),
            "numerator.where[0].in[1]",
            "Did you mean 'prevention'",
        ),
        (
            set_key("numerator.where.1.equals", "secured"),
            "numerator.where[1].equals",
            "not an allowed value",
        ),
        (
            set_key("numerator.where.0.column", "area_code"),
            "numerator.where[0].column",
            "no list of allowed values",
        ),
        (set_key("accountable", ["council_a", "councl_b"]), "accountable[1]", "'council_b'"),
        (set_key("denominator.reference", "household"), "denominator.reference", "'households'"),
        (set_key("denominator.column", "househlds"), "denominator.column", "'households'"),
        (set_key("numerator.colum", None), "numerator.colum", "Did you mean 'column'"),
        (set_key("unit", "per_10"), "unit", "per_1000"),
        (set_key("target.from", "2020-13"), "target.from", "2020-13"),
        (set_key("id", "other"), "id", "file name"),
        (set_key("numerator.measure", "sum"), "numerator.column", "needs the `column`"),
        (set_key("accountable", ["police"]), "numerator.dataset", "council_a, council_b"),
        (set_key("numerator.where.1.equals", True), "numerator.where[1].equals", "quotes"),
    ],
)
def test_a_broken_definition_names_the_file_the_place_and_the_fix(
    tmp_path: Path, edit: Edit, place: str, words: str
) -> None:
    error = broken(tmp_path, edit)
    assert error.path == tmp_path / "outcomes" / "preventions_per_1000.yaml"
    assert error.place == place
    assert words in error.message
    assert str(error.path) in error.message


def test_a_sum_of_a_text_column_is_refused(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["numerator"] = {"dataset": "cases", "measure": "sum", "column": "duty_type"}

    error = broken(tmp_path, edit)
    assert error.place == "numerator.column"
    assert "cannot be summed" in error.message


def test_a_rate_without_a_denominator_is_refused(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        del data["denominator"]

    assert broken(tmp_path, edit).place == "denominator"


def test_sql_in_a_definition_is_refused_before_it_reaches_a_query(tmp_path: Path) -> None:
    # Names and values are checked against the contract; nothing else can reach SQL.
    injected = "prevention') OR 1=1; DROP TABLE submissions; --"
    error = broken(tmp_path, set_key("numerator.where.0.in", [injected]))
    assert "not an allowed value" in error.message
    error = broken(tmp_path, set_key("numerator.where.0.column", 'duty_type" OR 1=1 --'))
    assert error.place == "numerator.where[0].column"


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "outcomes"
    folder.mkdir()
    (folder / "x.yaml").write_text("id: x\ntitle: [unclosed\n")
    with pytest.raises(DefinitionError) as caught:
        load(folder)
    assert caught.value.place is not None and caught.value.place.startswith("line")


def test_a_missing_outcomes_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="does not exist"):
        load(tmp_path / "nowhere")


def test_a_full_date_for_the_target_month_is_read_as_its_month(tmp_path: Path) -> None:
    folder = tmp_path / "outcomes"
    shutil.copytree(FIXTURES / "outcomes", folder)
    path = folder / "preventions_per_1000.yaml"
    path.write_text(path.read_text().replace("from: 2020-02", "from: 2020-02-01"))
    target = load(folder)["preventions_per_1000"].target
    assert target is not None and target.from_period == "2020-02"
