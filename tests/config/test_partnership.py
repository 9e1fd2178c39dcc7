"""partners.yaml: the sample partnership loads, and every mistake names the file and the place."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared_outcomes.config.partnership import Partnership, load_partnership
from shared_outcomes.errors import DefinitionError, UsageError

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = ROOT / "data_contracts"
PARTNERS_FILE = CONTRACTS_DIR / "partners.yaml"
LA_CODES = CONTRACTS_DIR / "reference" / "la_all_codes.csv"


def contract_ids() -> dict[str, object]:
    """The dataset ids of the contracts, as `load_partnership` needs (only the keys are used)."""
    return {p.name.removesuffix(".odcs.yaml"): p for p in CONTRACTS_DIR.glob("*.odcs.yaml")}


def sample_raw() -> dict[str, Any]:
    data = yaml.safe_load(PARTNERS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "partners.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_broken(tmp_path: Path, data: Any) -> DefinitionError:
    path = write(tmp_path, data)
    with pytest.raises(DefinitionError) as caught:
        load_partnership(path, contract_ids())
    error = caught.value
    assert error.path == path
    assert str(path) in str(error)
    return error


@pytest.fixture(scope="module")
def sample() -> Partnership:
    return load_partnership(PARTNERS_FILE, contract_ids())


def test_sample_partnership_covers_the_ten_greater_manchester_districts(
    sample: Partnership,
) -> None:
    names = {}
    for line in LA_CODES.read_text(encoding="utf-8").splitlines()[1:]:
        code, name = line.split(",")[:2]
        names[code] = name
    expected = {f"E0800000{i}" if i < 10 else f"E080000{i}" for i in range(1, 11)}
    assert set(sample.areas) == expected
    assert all(sample.areas[code] == names[code] for code in expected)


def test_sample_partnership_has_at_least_eight_partners_across_sectors(
    sample: Partnership,
) -> None:
    assert len(sample.partners) >= 8
    sectors = {p.sector for p in sample.partners.values()}
    assert {"local_authority", "nhs", "police", "central_government"} <= sectors
    assert {"voluntary_sector", "housing_association"} <= sectors
    assert all(p.id == key for key, p in sample.partners.items())


def test_every_contract_is_submitted_by_some_partner(sample: Partnership) -> None:
    assert set(sample.datasets()) == set(contract_ids())


def test_every_area_has_a_council_submitting_homelessness_cases(sample: Partnership) -> None:
    for code in sample.areas:
        submitters = sample.submitters("homelessness_cases", code)
        assert len(submitters) == 1, code
        assert sample.partners[submitters[0]].sector == "local_authority"


def test_submitters_follow_the_areas_each_partner_covers(sample: Partnership) -> None:
    salford = sample.submitters("digital_inclusion", "E08000006")
    bury = sample.submitters("digital_inclusion", "E08000002")
    assert set(bury) < set(salford)
    assert all("E08000002" in sample.partners[p].areas for p in bury)


def test_due_date_is_the_deadline_day_of_the_following_month(sample: Partnership) -> None:
    partner = sample.partners["dwp_jobcentre_plus"]
    assert partner.due_date("2016-12") == date(2017, 1, partner.deadline_day)
    assert partner.due_date("2016-03") == date(2016, 4, partner.deadline_day)
    with pytest.raises(UsageError):
        partner.due_date("March 2016")


def test_unknown_dataset_names_partner_place_and_suggests_the_close_name(
    tmp_path: Path,
) -> None:
    data = sample_raw()
    data["partners"][1]["datasets"] = ["homelessness_case"]
    error = load_broken(tmp_path, data)
    assert error.place == "partners[1] (bury_council).datasets[0]"
    assert "Did you mean 'homelessness_cases'?" in error.message


def test_misspelt_key_is_an_error_not_ignored(tmp_path: Path) -> None:
    data = sample_raw()
    data["partners"][2]["deadline"] = data["partners"][2].pop("deadline_day")
    error = load_broken(tmp_path, data)
    assert error.place is not None and error.place.startswith("partners[2] (manchester_council)")
    assert "deadline_day" in error.message


def test_deadline_day_beyond_the_28th_is_refused(tmp_path: Path) -> None:
    data = sample_raw()
    data["partners"][0]["deadline_day"] = 31
    error = load_broken(tmp_path, data)
    assert error.place == "partners[0] (bolton_council).deadline_day"
    assert "31" in error.message


def test_area_outside_the_partnership_is_refused(tmp_path: Path) -> None:
    data = sample_raw()
    data["partners"][0]["areas"] = ["E08000011"]
    error = load_broken(tmp_path, data)
    assert error.place == "partners[0] (bolton_council).areas[0]"
    assert "E08000011" in error.message


def test_duplicate_partner_id_is_refused(tmp_path: Path) -> None:
    data = sample_raw()
    data["partners"].append(dict(data["partners"][0]))
    error = load_broken(tmp_path, data)
    assert "used twice" in error.message


def test_unknown_sector_lists_what_was_found(tmp_path: Path) -> None:
    data = sample_raw()
    data["partners"][3]["sector"] = "council"
    error = load_broken(tmp_path, data)
    assert error.place == "partners[3] (oldham_council).sector"
    assert "'council'" in error.message


def test_area_key_that_is_not_an_ons_code_is_refused(tmp_path: Path) -> None:
    data = sample_raw()
    data["areas"]["Bolton"] = "Bolton"
    error = load_broken(tmp_path, data)
    assert error.place == "areas.Bolton"


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "partners.yaml"
    path.write_text("name: x\npartners: [\n  - id: a\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_partnership(path, contract_ids())
    assert caught.value.place is not None and caught.value.place.startswith("line ")


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_partnership(tmp_path / "absent.yaml", contract_ids())
    assert "does not exist" in caught.value.message
