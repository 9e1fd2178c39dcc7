"""`shared-outcomes board-pack` on the sample partnership: the file it writes, the same figures
for the same --as-at, and its refusals (exit code 2, no file, no traceback)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import demo_cli_env
from typer.testing import CliRunner, Result

from shared_outcomes.cli import app

pytestmark = pytest.mark.slow


@pytest.fixture
def env(demo_db: Path, tmp_path: Path) -> dict[str, str]:
    return demo_cli_env(demo_db, tmp_path)


def run(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(app, ["board-pack", *args], env=env)
    assert "Traceback" not in result.output + result.stderr
    return result


def test_the_pack_is_written_and_the_printed_as_at_remakes_its_figures(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = run(env, "--out", str(tmp_path / "pack.pdf"))
    assert first.exit_code == 0, first.output + first.stderr
    assert (tmp_path / "pack.pdf").read_bytes().startswith(b"%PDF-")
    assert "Wrote" in first.stderr and "figures digest" in first.stderr
    html = run(env, "--out", str(tmp_path / "pack.html"), "--problem", "homelessness")
    assert html.exit_code == 0
    text = (tmp_path / "pack.html").read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<h2 id="problem-1">Homelessness</h2>' in text
    assert "Workforce" not in re.findall(r"<h2[^>]*>(.*?)</h2>", text)
    remake = re.search(r"board-pack --as-at (\S+)</code>", text)
    digest = re.search(r"full digest ([0-9a-f]{64})", text)
    assert remake and digest
    again = run(env, "--out", str(tmp_path / "again.html"), "--problem", "homelessness",
                "--as-at", remake.group(1))  # fmt: skip
    assert again.exit_code == 0
    assert f"full digest {digest.group(1)}" in (tmp_path / "again.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2009-01"], "no figures for Jan 2009"),
        (["--period", "2017-13"], "2017-13"),
        (["--problem", "housing"], "no shared problem 'housing'"),
        (["--format", "docx"], "use pdf or html"),
        (["--since", "yesterday"], "--since 'yesterday' is not a date"),
        (["--as-at", "soon"], "--as-at 'soon' is not a date"),
    ],
)
def test_bad_options_are_refused_with_a_message_and_no_file(
    env: dict[str, str], tmp_path: Path, args: list[str], message: str
) -> None:
    result = run(env, "--out", str(tmp_path / "pack.pdf"), *args)
    assert result.exit_code == 2
    assert message in " ".join((result.output + result.stderr).split())
    assert not list(tmp_path.glob("*pack.pdf*"))


def test_a_missing_folder_or_database_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    result = run(env, "--out", str(tmp_path / "nowhere" / "pack.pdf"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    missing = run(env, "--out", str(tmp_path / "pack.pdf"), "--db", str(tmp_path / "typo.duckdb"))
    assert missing.exit_code == 2 and "no database at" in " ".join(missing.stderr.split())
    assert not (tmp_path / "typo.duckdb").exists()
