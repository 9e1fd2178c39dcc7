"""Contracts: ODCS files resolve into typed models; a broken one gives one error naming where."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared_outcomes.config.contracts import (
    DEFAULT_NULL_MARKERS,
    find_contract,
    jdk_to_strftime,
    load_contract,
    load_contracts,
)
from shared_outcomes.errors import ContractError, UsageError

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "data_contracts"
MODEL = CONTRACTS / "claimant_count.odcs.yaml"
FULL = Path(__file__).parents[1] / "fixtures" / "contracts" / "full"


def test_the_model_contract_resolves_every_rule() -> None:
    contract = load_contract(MODEL)
    assert contract.dataset == "claimant_count"
    assert contract.version == "1.0.0"
    assert contract.column_names == [
        "date",
        "count",
        "rate",
        "lad15cd",
        "lad15nm",
        "cauth15cd",
        "cauth15nm",
    ]
    assert contract.primary_key == ("date", "lad15cd")
    assert contract.period_column == "date"
    assert contract.null_markers == DEFAULT_NULL_MARKERS
    assert contract.owner is not None and "Work and Pensions" in contract.owner
    date_column = contract.column("date")
    assert (date_column.logical_type, date_column.date_format) == ("date", "%Y-%m-%d")
    count = contract.column("count")
    assert (count.logical_type, count.minimum, count.maximum, count.required) == (
        "integer",
        0.0,
        1_000_000.0,
        True,
    )
    area = contract.column("lad15cd")
    assert area.pattern == "^E0[6-9][0-9]{6}$"
    assert area.reference is not None
    assert (area.reference.table, area.reference.column) == ("ons_local_authorities", "LADCD")
    assert contract.column("lad15nm").min_length == 2
    assert contract.column("lad15nm").max_length == 60


def test_the_fixture_contract_has_composite_key_enum_and_date_format() -> None:
    contract = load_contract(FULL / "cases.odcs.yaml")
    assert contract.primary_key == ("month", "area_code", "team")
    assert contract.column("duty_type").allowed_values == ("prevention", "relief")
    assert contract.column("referral_date").date_format == "%d/%m/%Y"
    assert contract.column("case_id").unique
    assert contract.null_markers == ("", "NULL", "N/A", "-")
    assert contract.area_column == "area_code"


def test_reference_codes_are_read_once_and_hold_real_codes() -> None:
    reference = load_contract(MODEL).column("lad15cd").reference
    assert reference is not None
    codes = reference.values()
    assert "E08000001" in codes.to_list()
    assert "E08000099" not in codes.to_list()
    assert reference.values() is codes  # cached: the CSV is read once per process


def test_every_shipped_contract_loads_and_reference_contracts_are_not_datasets() -> None:
    contracts = load_contracts(CONTRACTS)
    assert "claimant_count" in contracts
    assert "ons_local_authorities" not in contracts
    assert all(c.dataset == name for name, c in contracts.items())


def test_a_reference_contract_may_point_at_another_reference_table(tmp_path: Path) -> None:
    folder = tmp_path / "reference"
    shutil.copytree(CONTRACTS / "reference", folder)
    households = yaml.safe_load((folder / "households_by_district.odcs.yaml").read_text())
    area = households["customProperties"]
    area_column = next(p["value"] for p in area if p["property"] == "areaColumn")
    column = next(p for p in households["schema"][0]["properties"] if p["name"] == area_column)
    column["relationships"] = [{"type": "foreignKey", "to": "ons_local_authorities.LADCD"}]
    path = folder / "households_by_district.odcs.yaml"
    path.write_text(yaml.safe_dump(households, sort_keys=False))
    reference = load_contract(path).column(area_column).reference
    assert reference is not None
    assert (reference.table, reference.column) == ("ons_local_authorities", "LADCD")


@pytest.mark.parametrize(
    ("jdk", "strftime"),
    [
        ("dd/MM/yyyy", "%d/%m/%Y"),
        ("yyyy-MM-dd", "%Y-%m-%d"),
        ("d/M/yy", "%d/%m/%y"),
        ("dd MMM yyyy", "%d %b %Y"),
        ("yyyy-MM-dd HH:mm:ss", "%Y-%m-%d %H:%M:%S"),
    ],
)
def test_jdk_date_formats_become_strftime(jdk: str, strftime: str) -> None:
    assert jdk_to_strftime(jdk) == strftime


def test_an_unknown_date_letter_is_refused() -> None:
    with pytest.raises(ValueError, match="'Q'"):
        jdk_to_strftime("yyyy-Q")


# --- broken contracts --------------------------------------------------------------------------


def write_variant(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The model contract with one change, beside a copy of the reference folder."""
    shutil.copytree(CONTRACTS / "reference", tmp_path / "reference", dirs_exist_ok=True)
    data = copy.deepcopy(yaml.safe_load(MODEL.read_text(encoding="utf-8")))
    change(data)
    path = tmp_path / "claimant_count.odcs.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def prop(data: dict[str, Any], index: int) -> dict[str, Any]:
    result: dict[str, Any] = data["schema"][0]["properties"][index]
    return result


def broken(path: Path) -> str:
    with pytest.raises(ContractError) as caught:
        load_contract(path)
    message = str(caught.value)
    assert str(path) in message, "the error names the file"
    return message


def test_a_typo_in_logical_type_names_the_place_and_suggests_the_type(tmp_path: Path) -> None:
    path = write_variant(tmp_path, lambda d: prop(d, 3).update(logicalType="strng"))
    message = broken(path)
    assert "schema[0].properties[3].logicalType" in message
    assert "'strng'" in message
    assert "Did you mean 'string'?" in message


def test_a_misspelt_option_is_caught_by_the_json_schema(tmp_path: Path) -> None:
    path = write_variant(tmp_path, lambda d: prop(d, 1)["logicalTypeOptions"].update(minimun=0))
    message = broken(path)
    assert "schema[0].properties[1].logicalTypeOptions" in message
    assert "Did you mean 'minimum'?" in message


def test_a_misspelt_property_field_is_caught(tmp_path: Path) -> None:
    path = write_variant(tmp_path, lambda d: prop(d, 1).update(requred=True))
    message = broken(path)
    assert "schema[0].properties[1]" in message
    assert "'requred'" in message
    assert "Did you mean 'required'?" in message


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "claimant_count.odcs.yaml"
    path.write_text("apiVersion: v3.2.0\nschema: [1, 2\nid: x\n", encoding="utf-8")
    message = broken(path)
    assert "line 3" in message
    assert "not valid YAML" in message


def test_a_missing_contract_file_is_one_clear_error(tmp_path: Path) -> None:
    message = broken(tmp_path / "nothing.odcs.yaml")
    assert "does not exist" in message


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    path = write_variant(tmp_path, lambda d: d.pop("apiVersion"))
    assert "'apiVersion' is a required property" in broken(path)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("ons_local_authority.LADCD", "Did you mean 'ons_local_authorities'?"),
        ("ons_local_authorities.LADC", "Did you mean 'LADCD'?"),
        ("LADCD", "'LADCD' is not in a form the standard accepts here"),
    ],
)
def test_a_relationship_must_point_at_a_reference_column(
    tmp_path: Path, target: str, expected: str
) -> None:
    path = write_variant(tmp_path, lambda d: prop(d, 3)["relationships"][0].update(to=target))
    message = broken(path)
    assert "schema[0].properties[3].relationships[0].to" in message
    assert expected in message


def test_a_period_column_that_is_not_a_column_is_refused(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        for custom in data["customProperties"]:
            if custom["property"] == "periodColumn":
                custom["value"] = "dat"

    message = broken(write_variant(tmp_path, change))
    assert "customProperties.periodColumn" in message
    assert "Did you mean 'date'?" in message


def test_an_unknown_custom_property_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path,
        lambda d: d["customProperties"].append({"property": "periodColum", "value": "date"}),
    )
    assert "Did you mean 'periodColumn'?" in broken(path)


def test_a_pattern_the_engine_cannot_run_is_refused(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path, lambda d: prop(d, 3)["logicalTypeOptions"].update(pattern="(?=E)")
    )
    message = broken(path)
    assert "schema[0].properties[3].logicalTypeOptions.pattern" in message
    assert "look-around" in message


def test_an_unsupported_date_format_is_refused(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path, lambda d: prop(d, 0)["logicalTypeOptions"].update(format="yyyy-ww")
    )
    assert "schema[0].properties[0].logicalTypeOptions.format" in broken(path)


def test_a_type_outside_csv_types_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, lambda d: prop(d, 6).update(logicalType="timestamp"))
    message = broken(path)
    assert "schema[0].properties[6].logicalType" in message
    assert "not supported" in message


def test_the_id_must_match_the_file_name(tmp_path: Path) -> None:
    path = write_variant(tmp_path, lambda d: d.update(id="claimants"))
    assert "at id:" in broken(path)


def test_a_date_bound_is_read_as_a_date(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path, lambda d: prop(d, 0)["logicalTypeOptions"].update(minimum="2015-01-01")
    )
    assert load_contract(path).column("date").minimum == date(2015, 1, 1)


def test_an_unknown_dataset_is_a_usage_error_with_a_suggestion() -> None:
    with pytest.raises(UsageError) as caught:
        find_contract(CONTRACTS, "claimant_cont")
    assert "Did you mean 'claimant_count'?" in str(caught.value)
