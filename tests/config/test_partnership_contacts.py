"""partners.yaml's reminder settings: each partner's contact addresses (checked as e-mail
addresses, each once) and the optional top-level `reminders` section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shared_outcomes.config.partnership import load_partnership
from shared_outcomes.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = ROOT / "data_contracts"
PARTNERS_FILE = CONTRACTS_DIR / "partners.yaml"


def contract_ids() -> dict[str, object]:
    return {p.name.removesuffix(".odcs.yaml"): p for p in CONTRACTS_DIR.glob("*.odcs.yaml")}


def sample_raw() -> dict[str, Any]:
    data = yaml.safe_load(PARTNERS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def load(tmp_path: Path, data: dict[str, Any]) -> Any:
    path = tmp_path / "partners.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_partnership(path, contract_ids())


def test_the_sample_gives_every_partner_but_one_a_fictional_contact_address() -> None:
    partnership = load_partnership(PARTNERS_FILE, contract_ids())
    without = [pid for pid, p in partnership.partners.items() if not p.contacts]
    assert without == ["gm_voluntary_alliance"]  # the sample's "no address" warning
    addresses = [a for p in partnership.partners.values() for a in p.contacts]
    assert addresses and all(a.endswith(".example") for a in addresses)
    assert partnership.reminders.due_soon_days == 7


def test_contacts_and_reminders_are_optional(tmp_path: Path) -> None:
    data = sample_raw()
    del data["reminders"]
    for partner in data["partners"]:
        partner.pop("contacts", None)
    partnership = load(tmp_path, data)
    assert partnership.reminders.due_soon_days is None
    assert all(p.contacts == [] for p in partnership.partners.values())


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "Jo Bloggs <jo@council.example>",
        "jo@council",
        "jo @council.example",
        "jo@council.example\nBcc: everyone@example.org",
        "jo..bloggs@council.example",
        "jo@-council.example",
        "jo,ann@council.example",
    ],
)
def test_a_contact_that_is_not_one_plain_address_is_refused(tmp_path: Path, address: str) -> None:
    data = sample_raw()
    data["partners"][1]["contacts"] = ["ok@bury.example", address]
    with pytest.raises(DefinitionError) as caught:
        load(tmp_path, data)
    message = str(caught.value)
    assert "partners[1] (bury_council).contacts[1]" in message
    assert "not an e-mail address" in message


def test_a_contact_listed_twice_is_refused(tmp_path: Path) -> None:
    data = sample_raw()
    data["partners"][0]["contacts"] = ["Data@Bolton.example", "data@bolton.example"]
    with pytest.raises(DefinitionError, match=r"contacts\[1\].*listed twice"):
        load(tmp_path, data)


@pytest.mark.parametrize(
    ("reminders", "message"),
    [
        ({"due_soon_days": 0}, "greater than or equal to 1"),
        ({"due_soon_days": 40}, "less than or equal to 28"),
        ({"due_soon": 7}, "'due_soon' is not a key here; expected one of due_soon_days"),
    ],
)
def test_bad_reminder_settings_are_refused_with_the_place(
    tmp_path: Path, reminders: dict[str, int], message: str
) -> None:
    data = sample_raw()
    data["reminders"] = reminders
    with pytest.raises(DefinitionError) as caught:
        load(tmp_path, data)
    assert "reminders" in str(caught.value) and message in str(caught.value)
