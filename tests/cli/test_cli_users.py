"""`shared-outcomes users` and `--as`: exit codes, clean messages, never a traceback.

The users commands run the real console script in a subprocess; the `--as` flows and the table
of mistakes run in-process through Typer's runner (the same code, without a process start each).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared_outcomes.access.accounts import Directory, UserRecord
from shared_outcomes.access.roles import Role
from shared_outcomes.cli import app
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).parents[1] / "fixtures" / "service"
PASSWORD = "correct horse battery staple"
GOOD = (
    b"month,area_code,channel,visits,minutes,first_visit,online\n"
    b"2016-03,E08000001,phone,5,1.5,2016-03-02,true\n"
)


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        "SHARED_OUTCOMES_HOME": str(ROOT),
        "SHARED_OUTCOMES_DB": str(tmp_path / "cli.duckdb"),
        "SHARED_OUTCOMES_USERS": str(tmp_path / "users.yaml"),
    }


def run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "shared_outcomes.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **environment(tmp_path)},
        check=False,
    )
    assert "Traceback" not in result.stderr + result.stdout
    return result


def invoke(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """As `run`, in this process (Typer's runner): stdout and stderr apart, the exit code."""
    result = CliRunner().invoke(app, list(args), env=environment(tmp_path))
    assert "Traceback" not in result.output
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


@pytest.mark.slow
def test_add_list_and_reset_a_password(tmp_path: Path) -> None:
    added = run(
        tmp_path,
        *("users", "add", "amira", "--name", "Amira Khan", "--role", "partner_submitter"),
        *("--partner", "north_council", "--password-stdin"),
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    sso = run(
        tmp_path,
        *("users", "add", "li", "--name", "Li Wei", "--role", "analyst"),
        *("--email", "li@example.gov.uk", "--dataset", "visits", "--no-password"),
    )
    assert sso.returncode == 0, sso.stderr
    listed = run(tmp_path, "users", "list", "--json")
    assert listed.returncode == 0
    users = {u["id"]: u for u in json.loads(listed.stdout)}
    assert users["amira"]["password"] is True and users["li"]["password"] is False
    assert users["li"]["datasets"] == ["visits"]
    assert "argon2" not in listed.stdout
    directory = Directory.load(tmp_path / "users.yaml")
    assert directory.authenticate("amira", PASSWORD).partner_id == "north_council"
    reset = run(
        tmp_path, "users", "set-password", "amira", "--password-stdin", stdin="a new passphrase\n"
    )
    assert reset.returncode == 0, reset.stderr
    assert Directory.load(tmp_path / "users.yaml").authenticate("amira", "a new passphrase")
    table = run(tmp_path, "users", "list")
    assert "Amira Khan" in table.stdout and "single sign-on" in table.stdout
    missing = run(tmp_path, "users", "set-password", "amria", "--password-stdin", stdin="x\n")
    assert missing.returncode == 2
    assert "Did you mean amira?" in missing.stderr


@pytest.mark.slow
def test_the_command_line_acts_as_a_named_user_once_there_is_a_users_file(tmp_path: Path) -> None:
    users = Directory.load(tmp_path / "users.yaml")
    users.add(
        UserRecord(id="ann", name="Ann", role=Role.PARTNER_SUBMITTER, partner="north_council")
    )
    users.add(
        UserRecord(id="sam", name="Sam", role=Role.PARTNER_SUBMITTER, partner="south_council")
    )
    users.add(UserRecord(id="lee", name="Lee", role=Role.LEADERSHIP))
    extract = tmp_path / "visits.csv"
    extract.write_bytes(GOOD)
    base = ("submit", str(extract), "--dataset", "visits", "--partner", "north_council")
    base += ("--period", "2016-03")
    anonymous = invoke(tmp_path, *base)
    assert anonymous.returncode == 2 and "--as USER" in anonymous.stderr
    other = invoke(tmp_path, *base, "--as", "sam")
    assert other.returncode == 2 and "not for north_council" in other.stderr
    loaded = invoke(tmp_path, *base, "--as", "ann", "--json")
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["status"] == "loaded"
    history = invoke(tmp_path, "history", "--partner", "north_council", "--dataset", "visits")
    assert history.returncode == 2
    refused = invoke(tmp_path, "outcomes", "--as", "lee", "--unsuppressed")
    assert refused.returncode == 2 and "unsuppressed" in refused.stderr
    shared = invoke(tmp_path, "outcomes", "--format", "json")  # the shared view needs no --as
    assert shared.returncode == 0, shared.stderr
    workspace = Workspace.open(load_settings(db=tmp_path / "cli.duckdb", root=ROOT))
    [version] = workspace.warehouse.submissions()
    assert version.submitted_by == "ann"
    denied = workspace.audit.entries(outcome="denied")
    assert [(e.user_id, e.action) for e in reversed(denied)] == [
        ("(no --as)", "sign_in"),  # submit without --as
        ("sam", "submit_extract"),
        ("(no --as)", "sign_in"),  # history without --as
        ("lee", "view_unsuppressed_figures"),
    ]


@pytest.mark.slow
def test_demo_mode_keeps_the_defaults_and_refuses_unsuppressed_without_a_user(
    tmp_path: Path,
) -> None:
    Workspace.open(load_settings(db=tmp_path / "cli.duckdb", root=ROOT))  # reads need a database
    refused = run(tmp_path, "outcomes", "--unsuppressed")
    assert refused.returncode == 2
    assert "cannot see unsuppressed figures" in refused.stderr
    unknown = run(tmp_path, "outcomes", "--as", "demo-nobody")
    assert unknown.returncode == 2 and "no user 'demo-nobody'" in unknown.stderr


MISTAKES = [
    (
        ["--role", "partner_submiter", "--partner", "north_council"],
        "did you mean partner_submitter",
    ),
    (["--role", "partner_submitter"], "add --partner"),
    (["--role", "partner_submitter", "--partner", "north_concil"], "did you mean north_council"),
    (["--role", "analyst", "--dataset", "vists"], "did you mean visits"),
    (["--role", "analyst", "--no-password"], "add --email"),
    (["--role", "analyst", "--email", "not-an-address", "--no-password"], "not an e-mail"),
    (["--role", "analyst"], "no terminal to ask for the password"),
    (["--role", "analyst", "--password-stdin"], "held no password"),
]


@pytest.mark.parametrize(("options", "words"), MISTAKES)
def test_mistakes_in_users_add_say_what_to_do(
    tmp_path: Path, options: list[str], words: str
) -> None:
    result = CliRunner().invoke(
        app, ["users", "add", "kim", "--name", "Kim", *options], env=environment(tmp_path)
    )
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "users.yaml").exists()


def test_a_short_password_a_bad_id_and_a_duplicate_are_refused(tmp_path: Path) -> None:
    env = environment(tmp_path)
    base = ["users", "add", "kim", "--name", "Kim", "--role", "leadership", "--password-stdin"]
    short = CliRunner().invoke(app, base, input="too short\n", env=env)
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    bad_id = CliRunner().invoke(
        app, ["users", "add", "Kim Lee", *base[3:]], input=PASSWORD, env=env
    )
    assert bad_id.exit_code == 2 and "cannot be a user id" in bad_id.output
    assert CliRunner().invoke(app, base, input=PASSWORD + "\n", env=env).exit_code == 0
    again = CliRunner().invoke(app, base, input=PASSWORD + "\n", env=env)
    assert again.exit_code == 2 and "already exists" in again.output
    disabled = CliRunner().invoke(app, ["users", "disable", "kim"], env=env)
    assert disabled.exit_code == 0
    assert Directory.load(tmp_path / "users.yaml").record("kim").disabled
