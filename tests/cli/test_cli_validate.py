"""`shared-outcomes validate`: exit codes, the JSON report (docs/interfaces.md), no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).parent / "shared-outcomes")
REAL = (
    Path(__file__).parents[1]
    / "fixtures"
    / "claimant_count"
    / "claimant_count_local_authorities.csv"
)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [CLI, "validate", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.mark.slow
def test_an_accepted_file_exits_0_with_the_json_report() -> None:
    result = run(REAL, "--dataset", "claimant_count", "--partner", "dwp", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"accepted", "dataset", "partner", "period", "rows", "findings"} <= set(report)
    assert (report["accepted"], report["dataset"], report["partner"], report["rows"]) == (
        True,
        "claimant_count",
        "dwp",
        340,
    )
    (finding,) = report["findings"]
    assert {"code", "severity", "column", "rows", "count", "message"} <= set(finding)
    assert (finding["code"], finding["rows"], finding["count"]) == (
        "integer-in-scientific-notation",
        [166],
        1,
    )


@pytest.mark.slow
def test_a_rejected_file_exits_1_and_prints_the_table() -> None:
    result = run(REAL, "--dataset", "claimant_count", "--period", "2016-05")
    assert result.returncode == 1
    assert result.stdout.startswith("REJECTED")
    assert "wrong-period" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "says"),
    [
        ((REAL, "--dataset", "claimant_cont"), "Did you mean 'claimant_count'?"),
        ((REAL, "--dataset", "claimant_count", "--period", "2016-5"), "YYYY-MM"),
        ((ROOT / "no-such-file.csv", "--dataset", "claimant_count"), "does not exist"),
        ((REAL,), "--dataset"),
    ],
)
def test_usage_and_configuration_errors_exit_2_with_a_clean_message(
    args: tuple[str | Path, ...], says: str
) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert says in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "content",
    [
        b"",
        bytes(range(256)) * 20,
        b"PK\x03\x04" + bytes(100),
        "date,count\n".encode("utf-16"),
        b'date,count\n"2016-01-01,5\n',
    ],
    ids=["empty", "binary", "zip", "utf16", "unclosed-quote"],
)
def test_garbage_input_is_rejected_with_exit_1_never_a_traceback(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "claimant_count_2016-01.csv"
    path.write_bytes(content)
    result = run(path, "--dataset", "claimant_count", "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["accepted"] is False
    assert report["findings"] and report["findings"][0]["severity"] == "error"


@pytest.mark.slow
def test_a_broken_contract_exits_2_naming_the_file(tmp_path: Path) -> None:
    contracts = tmp_path / "data_contracts"
    contracts.mkdir()
    (contracts / "claimant_count.odcs.yaml").write_text(
        "apiVersion: v3.2.0\nkind: DataContract\nid: claimant_count\nversion: 1.0.0\n"
        "status: active\nschema:\n  - name: claimant_count\n    properties:\n"
        "      - {name: date, logicalType: strng}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [CLI, "validate", str(REAL), "--dataset", "claimant_count"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"SHARED_OUTCOMES_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "claimant_count.odcs.yaml" in result.stderr
    assert "schema[0].properties[0].logicalType" in result.stderr


@pytest.mark.slow
def test_values_that_look_like_markup_are_printed_as_written(tmp_path: Path) -> None:
    text = REAL.read_text(encoding="utf-8").replace("Bolton,", "[/oops] [bold],", 1)
    path = tmp_path / "[red]claimant.csv"
    path.write_text(text.replace("5295", "[/x]", 1), encoding="utf-8")
    result = run(path, "--dataset", "claimant_count")
    assert result.returncode == 1
    assert "'[/x]'" in result.stdout
    missing = run(tmp_path / "[/nope].csv", "--dataset", "claimant_count")
    assert missing.returncode == 2
    assert "[/nope].csv does not exist" in missing.stderr


@pytest.mark.slow
def test_a_known_partner_is_checked_for_rows_of_areas_it_does_not_cover() -> None:
    bolton = ROOT / "sample_data" / "extracts" / "bolton_council" / "homelessness_cases_2016-03.csv"
    own = run(bolton, "--dataset", "homelessness_cases", "--partner", "bolton_council", "--json")
    assert own.returncode == 0, own.stdout
    other = run(bolton, "--dataset", "homelessness_cases", "--partner", "bury_council", "--json")
    assert other.returncode == 1
    (finding,) = json.loads(other.stdout)["findings"]
    assert (finding["code"], finding["column"], finding["rows"][:2]) == (
        "area-not-covered",
        "area_code",
        [2, 3],
    )
