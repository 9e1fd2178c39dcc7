"""The data sharing agreements enforced by the Workspace: a submission no agreement in force
covers is refused with the reason (audited, nothing stored), one after its agreement ended too,
and a column the agreement does not share is an error finding (data minimisation)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from support import ROOT

from shared_outcomes.access.roles import SYSTEM, Identity, Role
from shared_outcomes.errors import UsageError
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

EXTRACTS = ROOT / "sample_data" / "extracts"
BOLTON = Identity("demo-bolton_council", "Bo", Role.PARTNER_SUBMITTER, "bolton_council")
BURY = Identity("demo-bury_council", "Bu", Role.PARTNER_SUBMITTER, "bury_council")
CASES = "homelessness_cases"


def _workspace(tmp_path: Path, edit: object) -> Workspace:
    """A project whose homelessness agreement is changed by `edit` (a function of it)."""
    home = tmp_path / "home"
    shutil.copytree(ROOT / "data_contracts", home / "data_contracts")
    path = home / "data_contracts" / "agreements.yaml"
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    (cases,) = [a for a in written["agreements"] if a["id"] == "gm-homelessness-2015"]
    edit(cases)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(written, sort_keys=False), encoding="utf-8")
    return Workspace.open(load_settings(db=tmp_path / "w.duckdb", root=home))


def _without(partner: str) -> object:
    def edit(cases: dict[str, object]) -> None:
        cases["parties"] = [p for p in cases["parties"] if p["partner"] != partner]  # type: ignore[attr-defined]

    return edit


def test_a_partner_no_agreement_covers_is_refused_and_audited(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, _without("bury_council"))
    sample = EXTRACTS / "bury_council" / f"{CASES}_2016-04.csv"
    with pytest.raises(UsageError, match="No data sharing agreement covers Bury Council") as no:
        ws.submit(BURY, sample, dataset=CASES, partner="bury_council", period="2016-04")
    assert no.value.title == "Not covered by an agreement"
    assert ws.warehouse.submissions() == []
    (entry,) = ws.audit_entries(SYSTEM, action="submit_extract").iter_rows(named=True)
    assert entry["user_id"] == "demo-bury_council" and '"status": "refused"' in entry["detail"]
    stored = ws.submit(
        BOLTON, EXTRACTS / "bolton_council" / f"{CASES}_2016-04.csv", dataset=CASES,
        partner="bolton_council", period="2016-04",
    )  # fmt: skip
    assert stored.status == "loaded"


def test_after_its_agreement_ends_a_dataset_is_no_longer_accepted(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, lambda cases: cases.update(review="2020-01-01", end="2020-12-31"))
    with pytest.raises(UsageError, match="ended on 31 December 2020"):
        ws.check_submission(BOLTON, dataset=CASES, partner="bolton_council", period="2016-04")
    ws._today = lambda: date(2020, 6, 1)  # while it was in force
    ws.check_submission(BOLTON, dataset=CASES, partner="bolton_council", period="2016-04")


def test_a_column_the_agreement_does_not_share_is_refused(tmp_path: Path) -> None:
    def minimal(cases: dict[str, object]) -> None:
        columns = [c for c in ws_columns() if c != "household_type"]
        cases["datasets"] = [{"dataset": CASES, "columns": columns, "retention_months": 120}]

    ws = _workspace(tmp_path, minimal)
    sample = EXTRACTS / "bolton_council" / f"{CASES}_2016-04.csv"
    checked = ws.validate(sample, dataset=CASES, partner="bolton_council", period="2016-04")
    (finding,) = [f for f in checked.report.findings if f.code == "column-not-in-agreement"]
    assert finding.severity == "error" and finding.column == "household_type"
    assert "gm-homelessness-2015" in finding.message and "Remove the column" in (finding.fix or "")
    assert not checked.report.accepted
    result = ws.submit(BOLTON, sample, dataset=CASES, partner="bolton_council", period="2016-04")
    assert result.status == "rejected"
    assert ws.validate(sample, dataset=CASES).report.accepted  # no partner: no agreement asked


def ws_columns() -> list[str]:
    from shared_outcomes.config.contracts import load_contracts

    return load_contracts(ROOT / "data_contracts")[CASES].column_names
