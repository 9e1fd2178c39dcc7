"""Data sharing agreements (config/agreements.py): the sample partnership's file loads and covers
every partner's datasets; a file naming unknown partners, datasets or columns, with dates out of
order, a misspelt key, or two overlapping agreements disagreeing on retention is one clear
error naming the place; the questions the Workspace asks (which agreement covers, why not,
which columns are not shared, which are due for review)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared_outcomes.config.agreements import load_agreements, no_agreements
from shared_outcomes.config.contracts import load_contracts
from shared_outcomes.config.partnership import load_partnership
from shared_outcomes.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = load_contracts(ROOT / "data_contracts")
PARTNERSHIP = load_partnership(ROOT / "data_contracts" / "partners.yaml", CONTRACTS)
PARTNERS = list(PARTNERSHIP.partners)
COLUMNS = {d: c.column_names for d, c in CONTRACTS.items()}
SAMPLE = ROOT / "data_contracts" / "agreements.yaml"
TODAY = date(2026, 12, 2)


def _agreement(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "test-cases",
        "title": "Homelessness cases",
        "parties": [
            {
                "partner": "bolton_council",
                "role": "joint_controller",
                "lawful_basis": "public_task",
                "legal_gateway": "Housing Act 1996 Part 7",
            },
        ],
        "purposes": ["Measure prevention"],
        "datasets": [
            {
                "dataset": "homelessness_cases",
                "columns": ["case_id", "area_code", "month"],
                "retention_months": 72,
            },
        ],
        "start": "2015-01-01",
        "review": "2026-12-20",
        "end": "2027-03-31",
    }
    return base | changes


def _load(tmp_path: Path, *agreements: dict[str, Any]) -> Any:
    path = tmp_path / "agreements.yaml"
    path.write_text(yaml.safe_dump({"agreements": list(agreements)}), encoding="utf-8")
    return load_agreements(path, PARTNERS, COLUMNS)


def test_the_sample_agreements_cover_every_partner_and_dataset_today() -> None:
    agreements = load_agreements(SAMPLE, PARTNERS, COLUMNS)
    assert agreements.enforced and len(agreements.agreements) == 6
    for pid, partner in PARTNERSHIP.partners.items():
        for dataset in partner.datasets:
            assert agreements.covering(pid, dataset, TODAY) is not None, (pid, dataset)
    reviews = [a.id for a in agreements.due_for_review(TODAY)]
    assert reviews == ["gm-digital-inclusion-2015", "gm-homelessness-2015"]


def test_covering_refusing_and_the_columns_not_shared(tmp_path: Path) -> None:
    agreements = _load(tmp_path, _agreement())
    found = agreements.covering("bolton_council", "homelessness_cases", TODAY)
    assert found is not None and found.party("bolton_council").basis_words == (  # type: ignore[union-attr]
        "public task (Article 6(1)(e))"
    )
    assert agreements.uncovered_columns(
        "bolton_council", "homelessness_cases", TODAY, ["case_id", "duty_type", "area_code"]
    ) == ["duty_type"]
    bury = agreements.refusal("bury_council", "Bury Council", "homelessness_cases", TODAY)
    assert bury is not None and "no data sharing agreement covers Bury Council" in bury
    after = agreements.refusal("bolton_council", "Bolton Council", "homelessness_cases",
                               date(2027, 4, 1))  # fmt: skip
    assert after is not None and "ended on 31 March 2027" in after
    before = agreements.refusal("bolton_council", "Bolton Council", "homelessness_cases",
                                date(2014, 6, 1))  # fmt: skip
    assert before is not None and "starts on 01 January 2015" in before
    assert no_agreements().refusal("bury_council", "Bury", "homelessness_cases", TODAY) is None


@pytest.mark.parametrize(
    ("agreement", "says"),
    [
        (_agreement(parties=[{"partner": "bolton_councill", "role": "controller",
                              "lawful_basis": "public_task", "legal_gateway": "Act"}]),
         "no partner 'bolton_councill' in partners.yaml. Did you mean 'bolton_council'?"),
        (_agreement(datasets=[{"dataset": "homeless_cases", "columns": "all",
                               "retention_months": 12}]),
         "no contract for the dataset 'homeless_cases'"),
        (_agreement(datasets=[{"dataset": "homelessness_cases", "columns": ["case_idd"],
                               "retention_months": 12}]),
         "no column 'case_idd'"),
        (_agreement(review="2028-01-01"), "the dates are out of order"),
        (_agreement(parties=[{"partner": "bolton_council", "role": "controller",
                              "lawful_basis": "public_good", "legal_gateway": "Act"}]),
         "lawful_basis"),
        (_agreement(retention=12), "retention"),
    ],
)  # fmt: skip
def test_a_broken_agreement_is_one_clear_error(
    tmp_path: Path, agreement: dict[str, Any], says: str
) -> None:
    with pytest.raises(DefinitionError) as raised:
        _load(tmp_path, agreement)
    assert says in str(raised.value)
    assert "agreements.yaml" in str(raised.value)


def test_overlapping_agreements_must_agree_on_retention(tmp_path: Path) -> None:
    second = _agreement(id="test-cases-2", datasets=[
        {"dataset": "homelessness_cases", "columns": "all", "retention_months": 36}
    ], start="2016-01-01")  # fmt: skip
    with pytest.raises(DefinitionError, match="keep it for 72 and 36 months"):
        _load(tmp_path, _agreement(), second)
    later = second | {"start": "2027-04-01", "review": "2027-05-01", "end": "2028-01-01"}
    assert len(_load(tmp_path, _agreement(), later).agreements) == 2  # one after the other


def test_without_the_file_nothing_is_enforced(tmp_path: Path) -> None:
    agreements = load_agreements(tmp_path / "agreements.yaml", PARTNERS, COLUMNS)
    assert not agreements.enforced and agreements.agreements == ()
