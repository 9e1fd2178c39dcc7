"""Contract change control on the command line: `contracts check` over this repository (the
test command's own check), `check` and `publish` over a copy of the contracts folder as a
change is made, `diff` of two files (and the bad pairs: not a contract, two datasets, the same
file, a version going backwards, each exit 2), and `impact` of a realistic breaking change, the
narrowing of duty_type, over the sample partnership."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import ROOT, demo_cli_env
from typer.testing import CliRunner, Result

from shared_outcomes.cli import app
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

CONTRACTS = ROOT / "data_contracts"
CASES = CONTRACTS / "homelessness_cases.odcs.yaml"
MAIN_DUTY = "          - {value: main_duty, label: Main housing duty}\n"
RELIEF = "          - {value: relief, label: Relief duty (already homeless)}\n"


def run(env: dict[str, str] | None, *args: str | Path) -> Result:
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output + result.stderr
    return result


def flat(text: str) -> str:
    return " ".join(text.split())


def proposed(folder: Path, *, remove: str = MAIN_DUTY, version: str = "2.0.0") -> Path:
    """The homelessness contract with one allowed duty type removed, at `version`."""
    text = CASES.read_text(encoding="utf-8")
    assert remove in text
    text = text.replace(remove, "").replace("version: 1.0.0", f"version: {version}", 1)
    path = folder / f"homelessness_cases_{version}.odcs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """A project folder holding a copy of the contracts, for `check` and `publish`."""
    shutil.copytree(CONTRACTS, tmp_path / "data_contracts")
    return {"SHARED_OUTCOMES_HOME": str(tmp_path), "COLUMNS": "200"}


def test_every_contract_of_this_repository_is_published_and_versioned_as_it_needs() -> None:
    result = run({"SHARED_OUTCOMES_HOME": str(ROOT)}, "contracts", "check")
    assert result.exit_code == 0, result.stdout
    assert "is published and versioned as its changes need" in flat(result.stdout)


def test_check_and_publish_follow_a_change_to_its_published_version(
    home: dict[str, str], tmp_path: Path
) -> None:
    contract = tmp_path / "data_contracts" / "homelessness_cases.odcs.yaml"
    text = contract.read_text(encoding="utf-8")
    contract.write_text(text.replace(MAIN_DUTY, ""), encoding="utf-8")  # same version
    same = run(home, "contracts", "check")
    assert same.exit_code == 1
    assert "differs from its published version 1.0.0" in flat(same.stdout)
    assert "keeps its version number" in flat(same.stdout)

    contract.write_text(text.replace(MAIN_DUTY, "").replace("version: 1.0.0", "version: 1.1.0"))
    minor = run(home, "contracts", "check")
    assert minor.exit_code == 1 and "2.0.0" in flat(minor.stdout)
    refused = run(home, "contracts", "publish", "homelessness_cases")
    assert refused.exit_code == 2
    assert not (tmp_path / "data_contracts/history/homelessness_cases/1.1.0.odcs.yaml").exists()

    contract.write_text(text.replace(MAIN_DUTY, "").replace("version: 1.0.0", "version: 2.0.0"))
    unpublished = run(home, "contracts", "check")
    assert unpublished.exit_code == 1
    assert "contracts publish homelessness_cases" in flat(unpublished.stdout)
    published = run(home, "contracts", "publish", "homelessness_cases")
    assert published.exit_code == 0, published.stdout + published.stderr
    kept = tmp_path / "data_contracts/history/homelessness_cases/2.0.0.odcs.yaml"
    assert kept.read_bytes() == contract.read_bytes()
    assert run(home, "contracts", "check").exit_code == 0
    again = run(home, "contracts", "publish", "homelessness_cases")
    assert again.exit_code == 2 and "published already" in flat(again.stderr)
    # The Standards page's changelog: the step between the two published versions.
    ws = Workspace.open(load_settings(db=tmp_path / "w.duckdb", root=tmp_path))
    assert ws.published_versions("homelessness_cases") == ["1.0.0", "2.0.0"]
    (step,) = ws.contract_changelog("homelessness_cases")
    assert (step.old_version, step.new_version, step.needed_bump) == ("1.0.0", "2.0.0", "major")
    assert [c.code for c in step.changes] == ["allowed-value-removed"]


def test_diff_lists_each_change_and_the_version_it_needs(tmp_path: Path) -> None:
    narrowed = proposed(tmp_path)
    result = run(None, "contracts", "diff", CASES, narrowed)
    assert result.exit_code == 0, result.stdout + result.stderr
    out = flat(result.stdout)
    assert "homelessness_cases 1.0.0 → 2.0.0" in out and "1 breaking" in out
    assert "BREAKING" in out and "allowed-value-removed" in out and "duty_type" in out
    assert "Version 2.0.0 is the bump these changes need." in out
    as_json = json.loads(run(None, "contracts", "diff", CASES, narrowed, "--json").stdout)
    (change,) = as_json["changes"]
    assert (change["code"], change["column"], change["breaking"]) == (
        "allowed-value-removed", "duty_type", True,
    )  # fmt: skip
    too_little = run(None, "contracts", "diff", CASES, proposed(tmp_path, version="1.1.0"))
    assert too_little.exit_code == 0 and "2.0.0" in flat(too_little.stdout)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda _d: CASES, "nothing changed"),
        (lambda _d: CONTRACTS / "claimant_count.odcs.yaml", "two different datasets"),
        (lambda d: _not_a_contract(d), "not-a-contract.odcs.yaml"),
        (lambda d: d / "missing.odcs.yaml", "does not exist"),
    ],
)
def test_diff_of_a_bad_pair_exits_2_with_a_message(tmp_path: Path, make: object, says: str) -> None:
    other = make(tmp_path)  # type: ignore[operator]
    result = run(None, "contracts", "diff", CASES, other)
    assert result.exit_code == 2, result.stdout
    assert says in flat(result.stderr)


def test_a_version_going_backwards_exits_2(tmp_path: Path) -> None:
    newer = proposed(tmp_path, version="2.0.0")
    result = run(None, "contracts", "diff", newer, CASES)  # 2.0.0 -> 1.0.0
    assert result.exit_code == 2 and "backwards" in flat(result.stderr)


def _not_a_contract(folder: Path) -> Path:
    path = folder / "not-a-contract.odcs.yaml"
    path.write_text("just: a mapping\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_impact_of_narrowing_duty_type_over_the_sample_partnership(
    demo_db: Path, tmp_path: Path
) -> None:
    env = demo_cli_env(demo_db, tmp_path)
    result = run(env, "contracts", "impact", proposed(tmp_path), "--json", "--as", "demo-admin")
    assert result.exit_code == 0, result.stdout + result.stderr
    found = json.loads(result.stdout)
    partners = {p["partner"]: p for p in found["partners"]}
    councils = [p for p in partners.values() if p["checked"]]
    assert len(councils) == 10 and len(found["months"]) == 12
    # Each council's current version of each month (Tameside's October never arrived); main
    # duty cases are in every extract, so every one would have been rejected.
    checked = {p["partner"]: p["checked"] for p in councils}
    assert checked == {p: 11 if p == "tameside_council" else 12 for p in checked}
    assert all(p["rejected"] == p["checked"] for p in councils)
    assert all(p["codes"] == {"not-allowed-value": p["checked"]} for p in councils)
    effects = {o["outcome"]: o["effect"] for o in found["outcomes"]}
    assert effects == {
        "homelessness_preventions_per_1000": "may change meaning",
        "homelessness_relief_success_rate": "may change meaning",
    }
    ws = Workspace.open(load_settings(db=Path(env["SHARED_OUTCOMES_DB"]), root=ROOT))
    before = len(ws.warehouse.submissions())
    table = run(env, "contracts", "impact", proposed(tmp_path), "--as", "demo-admin")
    assert "119 would have been rejected" in flat(table.stdout)
    assert len(ws.warehouse.submissions()) == before  # a dry run: nothing stored

    invalid = proposed(tmp_path, remove=RELIEF)
    relief = json.loads(
        run(env, "contracts", "impact", invalid, "--json", "--as", "demo-admin").stdout
    )
    assert {o["outcome"]: o["effect"] for o in relief["outcomes"]}[
        "homelessness_relief_success_rate"
    ] == "invalid"

    refused = run(env, "contracts", "impact", proposed(tmp_path), "--as", "demo-analyst")
    assert refused.exit_code == 2
    entries = ws.audit_entries(ws.cli_identity("demo-admin"), action="assess_contract_change")  # type: ignore[arg-type]
    assert {r["outcome"] for r in entries.iter_rows(named=True)} == {"allowed", "denied"}
