"""`shared-outcomes validate --failing-rows FILE`: the Submit page's CSV, or why there is none.

In-process through Typer's runner. Exit codes are those of `validate` without the option:
0 accepted, 1 rejected, 2 usage (a FILE that cannot be written is a usage error, said cleanly).
"""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from shared_outcomes.checking.validation import validate_extract
from shared_outcomes.cli import app
from shared_outcomes.config.contracts import find_contract
from shared_outcomes.present.report_text import failing_rows_csv
from shared_outcomes.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "sample_data" / "rejected_examples"
#: Four rows lost the quotes round "Central Library, St Peter’s Square": one value too many.
RAGGED = EXAMPLES / "gm_voluntary_alliance" / "digital_inclusion_2017-01.csv"
#: The household_type column was deleted: a problem with the file as a whole.
MISSING_COLUMN = EXAMPLES / "bury_council" / "homelessness_cases_2016-07.csv"
ACCEPTED = ROOT / "tests" / "fixtures" / "claimant_count" / "claimant_count_local_authorities.csv"


def validate(*args: str | Path) -> Result:
    result = CliRunner().invoke(
        app, ["validate", *map(str, args)], env={"SHARED_OUTCOMES_HOME": str(ROOT)}
    )
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _ragged(out: Path, *more: str) -> Result:
    return validate(RAGGED, "--dataset", "digital_inclusion", "--failing-rows", out, *more)


def test_the_failing_rows_are_written_as_the_page_offers_them(tmp_path: Path) -> None:
    out = tmp_path / "failing.csv"
    result = _ragged(out)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("REJECTED")
    assert f"Wrote the 4 failing row(s), each with its problems, to {out}." in result.stderr

    contract = find_contract(load_settings(root=ROOT).contracts_dir, "digital_inclusion")
    checked = validate_extract(RAGGED, contract)
    page = failing_rows_csv(checked.report, checked.extract, checked.problems, source=RAGGED)
    assert out.read_bytes() == page
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("spreadsheet_row,problems,raw_line,")
    assert '18,ragged-row,"2017-01,E08000003,Central Library, St Peter’s Square,16-24,3,1"' in text
    assert not list(tmp_path.glob(".*.part"))  # no partial copy left beside it


def test_with_json_the_report_alone_is_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "failing.csv"
    result = _ragged(out, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["accepted"] is False
    assert out.is_file()


def test_whole_file_problems_write_nothing_and_say_why(tmp_path: Path) -> None:
    out = tmp_path / "failing.csv"
    result = validate(MISSING_COLUMN, "--dataset", "homelessness_cases", "--failing-rows", out)
    assert result.exit_code == 1
    assert not out.exists()
    assert (
        "No single rows are at fault: the problems are with the file as a whole, so "
        f"{out} was not written." in result.stderr
    )


def test_an_earlier_file_is_left_as_it_was_and_said_so(tmp_path: Path) -> None:
    out = tmp_path / "failing.csv"
    out.write_text("from an earlier run\n")
    result = validate(MISSING_COLUMN, "--dataset", "homelessness_cases", "--failing-rows", out)
    assert result.exit_code == 1
    assert out.read_text() == "from an earlier run\n"
    assert "(the file already there is left as it was)" in result.stderr


def test_an_accepted_file_writes_nothing_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "failing.csv"
    result = validate(
        ACCEPTED, "--dataset", "claimant_count", "--partner", "dwp", "--failing-rows", out
    )
    assert result.exit_code == 0, result.output
    assert not out.exists()
    assert f"No failing rows: the file was accepted, so {out} was not written." in result.stderr


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("missing/failing.csv", "does not exist; create it or name a file"),
        (".", "is a folder: name a file"),
    ],
)
def test_a_file_that_cannot_be_written_is_a_usage_error_before_any_check(
    tmp_path: Path, where: str, words: str
) -> None:
    result = _ragged(tmp_path / where)
    assert result.exit_code == 2
    assert words in result.stderr
    assert result.stdout == ""  # refused before the file was checked


def test_the_extract_itself_is_never_overwritten(tmp_path: Path) -> None:
    extract = tmp_path / RAGGED.name
    extract.write_bytes(RAGGED.read_bytes())
    result = validate(extract, "--dataset", "digital_inclusion", "--failing-rows", extract)
    assert result.exit_code == 2
    assert "is the extract being checked" in result.stderr
    assert extract.read_bytes() == RAGGED.read_bytes()


def test_a_failed_write_is_a_clean_message_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "failing.csv"
    real_write = Path.write_bytes

    def full_disk(self: Path, data: bytes) -> int:
        if self.name.endswith(".part"):
            real_write(self, data[:10])  # a partial copy, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    result = _ragged(out)
    assert result.exit_code == 2
    assert "space" in result.stderr.lower()
    assert not out.exists() and not list(tmp_path.iterdir())


def test_usage_errors_keep_exit_code_2(tmp_path: Path) -> None:
    result = validate(RAGGED, "--dataset", "no_such", "--failing-rows", tmp_path / "f.csv")
    assert result.exit_code == 2
    assert not (tmp_path / "f.csv").exists()
