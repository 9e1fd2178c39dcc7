"""`shared-outcomes obligations` over the sample partnership: the list and summary, a partner's
submitter seeing only its own, and the refusals (exit code 2, audited where it is access)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from support import ROOT, demo_cli_env
from typer.testing import CliRunner, Result

from shared_outcomes.cli import app
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

pytestmark = pytest.mark.slow

# The sample's October 2017 returns, as the register stood on 12 November 2017: Tameside's two
# overdue (due the 10th), the NHS's and the combined authority's due soon, DWP's not yet due.
MONTH = ["--period", "2017-10", "--today", "2017-11-12"]


@pytest.fixture(scope="module")
def env(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("obligations")
    return demo_cli_env(demo_db, folder)


def run(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(app, ["obligations", *args], env=env)
    assert "Traceback" not in result.output + result.stderr
    return result


def test_the_month_s_obligations_and_their_states(env: dict[str, str]) -> None:
    result = run(env, *MONTH, "--format", "json")
    assert result.exit_code == 0, result.output
    found = {(o["partner_id"], o["dataset"]): o for o in json.loads(result.stdout)}
    assert len(found) == 29  # every partner × dataset it submits, for one month
    assert found[("tameside_council", "homelessness_cases")]["state"] == "overdue"
    assert found[("nhs_gm_icb", "nhs_emergency_admissions")]["state"] == "due soon"
    assert found[("dwp_jobcentre_plus", "claimant_count")]["state"] == "not yet due"
    bolton = found[("bolton_council", "homelessness_cases")]
    assert (bolton["state"], bolton["on_time"], bolton["due"]) == ("accepted", True, "2017-11-10")
    overdue = run(env, *MONTH, "--state", "overdue", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(overdue.stdout.lstrip("\ufeff"))))
    assert {r["partner_id"] for r in rows} == {"tameside_council"} and len(rows) == 2
    table = run(env, *MONTH)
    assert "Summary per partner" in table.stdout and "Tameside Council" in table.stdout


def test_a_submitter_sees_only_its_own_partner_and_asking_for_another_is_refused(
    env: dict[str, str],
) -> None:
    own = run(env, *MONTH, "--as", "demo-bolton_council", "--format", "json")
    assert {o["partner_id"] for o in json.loads(own.stdout)} == {"bolton_council"}
    other = run(env, *MONTH, "--as", "demo-bolton_council", "--partner", "bury_council")
    assert other.exit_code == 2 and "bury_council" in other.stderr
    ws = Workspace.open(load_settings(db=Path(env["SHARED_OUTCOMES_DB"]), root=ROOT))
    denied = ws.audit_entries(ws.cli_identity("demo-admin"), outcome="denied")  # type: ignore[arg-type]
    assert any(row["user_id"] == "demo-bolton_council" for row in denied.iter_rows(named=True))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state", "late"], "no state 'late'"),
        (["--partner", "nowhere"], "no partner 'nowhere'"),
        (["--period", "2017-13"], "2017-13"),
        (["--today", "tomorrow"], "--today 'tomorrow' is not a date"),
        (["--format", "xml"], "use table, json or csv"),
    ],
)
def test_bad_options_are_refused_with_a_message(
    env: dict[str, str], args: list[str], message: str
) -> None:
    result = run(env, *args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_a_nil_return_from_the_command_line_and_its_refusals(demo_db: Path, tmp_path: Path) -> None:
    env = demo_cli_env(demo_db, tmp_path)
    declare = ["nil-return", "--partner", "tameside_council", "--dataset",
               "homelessness_cases", "--period", "2017-10"]  # fmt: skip
    anonymous = CliRunner().invoke(app, declare, env=env)
    assert anonymous.exit_code == 2 and "--as demo-tameside_council" in anonymous.stderr
    made = CliRunner().invoke(
        app, [*declare, "--reason", "No cases: system outage.", "--as", "demo-tameside_council"],
        env=env,
    )  # fmt: skip
    assert made.exit_code == 0 and "Recorded nil return #" in made.stdout
    again = CliRunner().invoke(app, [*declare, "--as", "demo-tameside_council"], env=env)
    assert again.exit_code == 2 and "already declared nothing to report" in again.stderr
    owed = run(env, "--period", "2017-10", "--partner", "tameside_council", "--format", "json")
    states = {o["dataset"]: o["state"] for o in json.loads(owed.stdout)}
    assert states == {"homelessness_cases": "nil return", "workforce_vacancies": "overdue"}
    # As the register stood on 12 November 2017, before it was made, it was still overdue.
    then = run(env, *MONTH, "--partner", "tameside_council", "--format", "json")
    assert {o["state"] for o in json.loads(then.stdout)} == {"overdue"}
