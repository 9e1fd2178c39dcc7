"""A contract's transition window through `shared-outcomes submit`: version 2.0.0 of the
homelessness contract no longer allows the main duty, and accepts version 1.0.0 until a day.
Before it, an extract that passes only 1.0.0 is loaded under 1.0.0 with a warning naming the
change, and its submission records 1.0.0; one that passes 2.0.0 records 2.0.0; after the day,
an extract passing only 1.0.0 is refused with a message naming the change."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import ROOT
from typer.testing import CliRunner, Result

from shared_outcomes.cli import app

pytestmark = pytest.mark.slow

SAMPLE = ROOT / "sample_data" / "extracts" / "bury_council" / "homelessness_cases_2016-04.csv"
MAIN_DUTY = "          - {value: main_duty, label: Main housing duty}\n"
BURY = ["--dataset", "homelessness_cases", "--partner", "bury_council", "--period", "2016-04"]


def run(env: dict[str, str], *args: str | Path) -> Result:
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output + result.stderr
    return result


def _version_2(home: Path, until: str) -> None:
    """Version 2.0.0 without the main duty, accepting 1.0.0 until `until`, published."""
    path = home / "data_contracts" / "homelessness_cases.odcs.yaml"
    original = ROOT / "data_contracts" / "homelessness_cases.odcs.yaml"
    text = original.read_text(encoding="utf-8").replace(MAIN_DUTY, "")
    text = text.replace("version: 1.0.0", "version: 2.0.0", 1).replace(
        "customProperties:\n",
        "customProperties:\n  - property: previousVersion\n    value: 1.0.0\n"
        f"  - property: acceptPreviousUntil\n    value: '{until}'\n",
        1,
    )
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    shutil.copytree(ROOT / "data_contracts", home / "data_contracts")
    return {
        "SHARED_OUTCOMES_HOME": str(home),
        "SHARED_OUTCOMES_DB": str(tmp_path / "w.duckdb"),
        "SHARED_OUTCOMES_USERS": str(tmp_path / "no-users.yaml"),
        "COLUMNS": "200",
    }


def test_the_previous_version_is_accepted_until_its_day_and_refused_after(
    env: dict[str, str], tmp_path: Path
) -> None:
    home = Path(env["SHARED_OUTCOMES_HOME"])
    today = datetime.now(UTC).date()
    _version_2(home, (today + timedelta(days=30)).isoformat())
    assert run(env, "contracts", "publish", "homelessness_cases").exit_code == 0
    assert run(env, "contracts", "check").exit_code == 0

    old = run(env, "submit", SAMPLE, *BURY, "--json")
    assert old.exit_code == 0, old.stdout + old.stderr
    loaded = json.loads(old.stdout)
    assert loaded["status"] == "loaded" and loaded["contract_version"] == "1.0.0"
    (warning,) = [f for f in loaded["findings"] if f["code"] == "passed-previous-version"]
    assert warning["severity"] == "warning"
    assert "main_duty" in warning["fix"] and "2.0.0" in warning["message"]

    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    clean = tmp_path / "homelessness_cases_2016-04.csv"
    clean.write_text(
        "".join([lines[0], *(line for line in lines[1:] if ",main_duty," not in line)]),
        encoding="utf-8",
    )
    new = json.loads(run(env, "submit", clean, *BURY, "--json").stdout)
    assert new["status"] == "loaded" and new["contract_version"] == "2.0.0"
    assert not [f for f in new["findings"] if f["code"] == "passed-previous-version"]

    _version_2(home, (today - timedelta(days=1)).isoformat())  # the window has closed
    late = run(env, "submit", SAMPLE, *BURY, "--json")
    assert late.exit_code == 1, late.stdout
    refused = json.loads(late.stdout)
    assert refused["status"] == "rejected" and refused["contract_version"] == "2.0.0"
    (ended,) = [f for f in refused["findings"] if f["code"] == "previous-version-ended"]
    assert "accepted only until" in ended["message"] and "main_duty" in ended["fix"]


def test_a_transition_to_a_version_never_published_fails_the_check(
    env: dict[str, str],
) -> None:
    home = Path(env["SHARED_OUTCOMES_HOME"])
    _version_2(home, "2027-01-31")
    contract = home / "data_contracts" / "homelessness_cases.odcs.yaml"
    contract.write_text(contract.read_text().replace("value: 1.0.0", "value: 1.5.0", 1))
    result = run(env, "contracts", "check")
    assert result.exit_code == 1
    assert "accepts its previous version 1.5.0 until 2027-01-31" in " ".join(result.stdout.split())


def test_in_the_window_the_previous_version_is_still_held_to_the_agreement(
    env: dict[str, str],
) -> None:
    """An extract passing only 1.0.0 still carries a column its agreement does not share: the
    second check applies data minimisation too, so it is refused, not loaded under 1.0.0."""
    import yaml

    home = Path(env["SHARED_OUTCOMES_HOME"])
    _version_2(home, (datetime.now(UTC).date() + timedelta(days=30)).isoformat())
    assert run(env, "contracts", "publish", "homelessness_cases").exit_code == 0
    path = home / "data_contracts" / "agreements.yaml"
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    (cases,) = [a for a in written["agreements"] if a["id"] == "gm-homelessness-2015"]
    (shared,) = [d for d in cases["datasets"] if d["dataset"] == "homelessness_cases"]
    header = SAMPLE.read_text(encoding="utf-8").splitlines()[0].split(",")
    shared["columns"] = [c for c in header if c != "household_type"]
    path.write_text(yaml.safe_dump(written, sort_keys=False), encoding="utf-8")

    result = run(env, "submit", SAMPLE, *BURY, "--json")

    assert result.exit_code == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "rejected"
    codes = {f["code"] for f in report["findings"]}
    assert "column-not-in-agreement" in codes and "passed-previous-version" not in codes
