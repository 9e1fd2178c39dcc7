"""`--help` reads as command-line help does: flags without a type, values as TEXT or PATH,
the file argument as FILE in the usage line (never `<bool>` or `{file}`)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from shared_outcomes.cli import app


@pytest.mark.parametrize(
    "command",
    [["validate"], ["submit"], ["ingest"], ["outcomes"], ["history"], ["users", "add"]],
)
def test_help_shows_flags_and_values_as_people_expect(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "<bool>" not in text and "<str>" not in text and "<path>" not in text
    assert "{" not in text.split("\n\n")[0] + text.splitlines()[1]  # no {file} in the usage
    assert "Show this message and exit." in text


def test_validate_usage_names_the_file_and_a_flag_has_no_type() -> None:
    text = CliRunner().invoke(app, ["validate", "--help"], env={"COLUMNS": "120"}).output
    assert "Usage: shared-outcomes validate [OPTIONS] FILE" in " ".join(text.split())
    json_line = next(line for line in text.splitlines() if "--json" in line)
    assert "Print the JSON report." in json_line
    assert json_line.split("--json")[1].split("Print")[0].strip(" │") == ""
    dataset_line = next(line for line in text.splitlines() if "--dataset" in line)
    assert "TEXT" in dataset_line
