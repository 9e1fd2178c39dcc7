"""Every refusal of `--as` is in the audit log: a disabled account, an unknown user, none given."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shared_outcomes.access.accounts import Directory, UserRecord
from shared_outcomes.access.roles import Role
from shared_outcomes.cli import app
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).parents[1] / "fixtures" / "service"
GOOD = ROOT / "sample_data" / "extracts" / "north_council" / "visits_2016-03.csv"


def test_refused_identities_on_the_command_line_are_audited(tmp_path: Path) -> None:
    env = {
        "SHARED_OUTCOMES_HOME": str(ROOT),
        "SHARED_OUTCOMES_DB": str(tmp_path / "cli.duckdb"),
        "SHARED_OUTCOMES_USERS": str(tmp_path / "users.yaml"),
    }
    users = Directory.load(tmp_path / "users.yaml")
    users.add(
        UserRecord(id="bury.sub", name="Bury", role=Role.PARTNER_SUBMITTER, partner="north_council")
    )
    runner = CliRunner()
    assert runner.invoke(app, ["users", "disable", "bury.sub"], env=env).exit_code == 0
    submit = ["submit", str(GOOD), "--dataset", "visits", "--partner", "north_council"]
    submit += ["--period", "2016-03"]
    disabled = runner.invoke(app, [*submit, "--as", "bury.sub"], env=env)
    unknown = runner.invoke(app, [*submit, "--as", "nobody.here"], env=env)
    for result, reason in ((disabled, "disabled"), (unknown, "nobody.here")):
        assert result.exit_code == 2, result.output
        assert reason in result.stderr
        assert "Traceback" not in result.output
    workspace = Workspace.open(load_settings(db=tmp_path / "cli.duckdb", root=ROOT))
    assert workspace.warehouse.submissions() == []
    denied = list(reversed(workspace.audit.entries(outcome="denied")))
    assert [(e.user_id, e.action) for e in denied] == [
        ("bury.sub", "sign_in"),
        ("nobody.here", "sign_in"),
    ]
    assert "disabled" in denied[0].detail["reason"]
    assert denied[0].detail["via"] == "command line --as"
