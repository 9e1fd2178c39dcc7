"""One file cannot take the service down: limits on the header, columns, lines and cells, each a
clear rejection in bounded time and memory, and findings that quote a bounded piece of a value.

The files of the issue ("Denial of service by one file") are checked through the command line in
a subprocess: its timeout is a guard against a hang, not a speed assertion.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared_outcomes.checking import validation
from shared_outcomes.checking.findings import CATALOGUE
from shared_outcomes.checking.header import check_header, frame_names
from shared_outcomes.checking.reading import (
    MAX_CELL_BYTES,
    MAX_COLUMNS,
    MAX_HEADER_BYTES,
    MAX_LINE_BYTES,
    ROW_COLUMN,
    first_long_line,
    header_span,
    read_extract,
)
from shared_outcomes.checking.report import MAX_SAMPLE_CHARS, Finding, bounded, report_json
from shared_outcomes.checking.validation import match_columns, validate_extract
from shared_outcomes.config.contracts import Contract, load_contract

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).parent / "shared-outcomes")
GOOD = ROOT / "sample_data" / "extracts" / "bolton_council" / "homelessness_cases_2016-03.csv"
CONTRACTS = ROOT / "data_contracts"
FULL = Path(__file__).parents[1] / "fixtures" / "contracts" / "full"
#: A report about one broken file: a handful of findings of a few hundred characters each.
SMALL_REPORT = 5_000


@dataclass
class Run:
    report: dict[str, object]
    size: int  # bytes of the JSON report
    peak_mb: float  # the process's peak resident memory


def validate_cli(path: Path, guard: float = 30) -> Run:
    """`shared-outcomes validate PATH --json` in a process of its own, killed after `guard` s."""
    out = path.with_suffix(".json")
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            [CLI, "validate", str(path), "--dataset", "homelessness_cases", "--json"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        deadline = time.monotonic() + guard
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.kill(process.pid, signal.SIGKILL)
                os.wait4(process.pid, 0)
                pytest.fail(f"validate was still running after {guard} s on {path.name}")
            time.sleep(0.05)
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert "Traceback" not in stderr, stderr
    assert os.waitstatus_to_exitcode(status) == 1, stderr
    text = out.read_bytes()
    return Run(json.loads(text), len(text), usage.ru_maxrss / 1024)


def codes(run: Run) -> list[str]:
    findings = run.report["findings"]
    assert isinstance(findings, list)
    return [f["code"] for f in findings]


def good_lines() -> list[bytes]:
    return GOOD.read_bytes().splitlines()


# --- the issue's files, through the command line ---------------------------------------------


@pytest.mark.slow
def test_a_file_that_is_one_long_line_is_refused_as_a_header_too_long(tmp_path: Path) -> None:
    path = tmp_path / "one_line.csv"
    path.write_bytes(b"abcdefghij," * 300_000)  # 3.3 MB, 300,000 "columns", no line break
    run = validate_cli(path)
    assert codes(run) == ["header-too-long"]
    assert run.report["accepted"] is False and run.size < SMALL_REPORT
    finding = run.report["findings"][0]  # type: ignore[index]
    assert finding["rows"] == [1] and "128 KB" in finding["message"]


@pytest.mark.slow
def test_the_issues_200_mb_single_line_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "one_line_200mb.csv"
    with path.open("wb") as out:
        for _ in range(191):
            out.write(b"abcdefghij," * 100_000)
    run = validate_cli(path, guard=60)
    assert codes(run) == ["header-too-long"] and run.size < SMALL_REPORT
    assert run.peak_mb < 1_000  # the process itself is ~150 MB; before: 6.6 GB after 60 s


@pytest.mark.slow
def test_a_header_of_20000_fields_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    header = b",".join(b"field%05d" % i for i in range(20_000))  # 220 KB, the issue's case
    path.write_bytes(header + b"\n" + b",".join([b"1"] * 20_000) + b"\n")
    run = validate_cli(path)
    assert codes(run) == ["header-too-long"] and run.size < SMALL_REPORT


@pytest.mark.slow
def test_ten_thousand_named_columns_are_refused_as_too_many_not_as_unnamed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "columns.csv"
    names = [b"column_%05d" % i for i in range(10_000)]  # 130 KB of header, every column named
    path.write_bytes(b",".join(names) + b"\n" + b",".join([b"1"] * 10_000) + b"\n")
    run = validate_cli(path)
    assert codes(run) == ["too-many-columns"] and run.size < SMALL_REPORT
    message = run.report["findings"][0]["message"]  # type: ignore[index]
    assert "10,000 columns" in message and f"{MAX_COLUMNS:,}" in message


@pytest.mark.slow
def test_a_20_mb_data_line_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "long_line.csv"
    with path.open("wb") as out:
        out.write(b"\n".join(good_lines()[:3]) + b"\n")
        for _ in range(20):
            out.write(b"abcdefghij," * 100_000)
    run = validate_cli(path)
    assert codes(run) == ["line-too-long"] and run.size < SMALL_REPORT  # before: ragged-row
    assert run.report["findings"][0]["rows"] == [4]  # type: ignore[index]
    assert run.peak_mb < 1_000


@pytest.mark.slow
def test_a_5_mb_value_never_lands_in_the_report(tmp_path: Path) -> None:
    """A value of 5 MB over many short lines (a quoted cell) in a whole-number column."""
    lines = good_lines()
    cells = lines[2].split(b",")
    cells[7] = b'"' + (b"1234567890" * 10 + b"\n") * 50_000 + b'"'  # applicant_age
    lines[2] = b",".join(cells)
    path = tmp_path / "big_value.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    run = validate_cli(path)
    assert codes(run) == ["not-an-integer"]
    assert run.size < SMALL_REPORT  # before: 10 MB (the value in the samples and the message)
    (sample,) = run.report["findings"][0]["samples"]  # type: ignore[index]
    assert sample.startswith("1234567890") and sample.endswith("(5,050,000 characters)")


# --- the header is read whole, and handled in linear time -------------------------------------


def long_names(count: int, width: int) -> list[str]:
    return [f"column_{i:04d}_".ljust(width, "x") for i in range(count)]


@pytest.mark.parametrize("as_path", [False, True])
def test_a_header_longer_than_the_sniffed_64_kb_is_read_whole(
    tmp_path: Path, as_path: bool
) -> None:
    names = long_names(900, 100)  # 90 KB of header
    raw = (",".join(names) + "\n" + ",".join(["v"] * 900) + "\n").encode()
    source: Path | bytes = raw
    if as_path:
        source = tmp_path / "wide.csv"
        source.write_bytes(raw)
    result = read_extract(source)
    assert result.findings == []
    assert result.header == names
    assert result.frame is not None and result.frame.columns == [ROW_COLUMN, *names]
    assert result.frame.row(0) == (2, *["v"] * 900)


def test_a_header_of_exactly_the_limit_is_read_and_one_byte_more_is_refused() -> None:
    names = long_names(MAX_COLUMNS, 130)
    header = ",".join(names)
    header += "y" * (MAX_HEADER_BYTES - len(header))
    assert len(header) == MAX_HEADER_BYTES
    result = read_extract((header + "\n1" + "," * (MAX_COLUMNS - 1) + "\n").encode())
    assert [f.code for f in result.findings] == []
    assert result.frame is not None and result.frame.width == MAX_COLUMNS + 1
    result = read_extract((header + "y\n1" + "," * (MAX_COLUMNS - 1) + "\n").encode())
    assert [(f.code, f.rows) for f in result.findings] == [("header-too-long", [1])]
    assert result.frame is None


def test_the_header_row_is_counted_below_blank_lines_and_may_hold_quoted_line_breaks() -> None:
    names = long_names(600, 110)  # 66 KB: the header ends beyond the first 64 KB
    quoted = ['"a name\non two lines"', *names]
    raw = ("\n\n" + ",".join(quoted) + "\n" + ",".join(["1"] * 601) + "\n").encode()
    result = read_extract(raw)
    assert result.findings == []
    assert result.header == ["a name\non two lines", *names]
    assert result.frame is not None and result.frame.row(0)[0] == 4
    wide = ("\n\n" + ",".join(long_names(MAX_COLUMNS + 1, 8)) + "\n1\n").encode()
    assert [(f.code, f.rows) for f in read_extract(wide).findings] == [("too-many-columns", [3])]


NAME = st.text(alphabet=st.sampled_from(list('ab ,;"\r\n\t|é')), max_size=6)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(NAME, min_size=1, max_size=5),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    blank=st.sampled_from(["", "\n", "\r\n\r\n"]),
)
def test_the_header_row_ends_where_a_csv_writer_ended_it(
    names: list[str], delimiter: str, newline: str, blank: str
) -> None:
    def field(value: str) -> str:
        quote = any(c in value for c in delimiter + '"\r\n')
        return '"' + value.replace('"', '""') + '"' if quote else value

    header = delimiter.join(field(n) for n in names)
    assume(header != "")  # a blank line is one of those above the header
    raw = (blank + header + newline + "1" + newline).encode()
    assert header_span(raw) == (len(blank.encode()), len((blank + header).encode()))


def test_a_quote_never_closed_in_a_long_header_is_named_as_such() -> None:
    raw = b'"id,name\n' + b"1,a\n" * 100_000
    assert [(f.code, f.rows) for f in read_extract(raw).findings] == [("unreadable-csv", [1])]


def test_the_column_limit_is_the_named_constant() -> None:
    ok = read_extract((",".join(long_names(MAX_COLUMNS, 8)) + "\n" + "1," * 999 + "1\n").encode())
    assert ok.findings == [] and ok.frame is not None and ok.frame.width == MAX_COLUMNS + 1
    wide = read_extract((",".join(long_names(MAX_COLUMNS + 1, 8)) + "\n1\n").encode())
    assert [f.code for f in wide.findings] == ["too-many-columns"] and wide.frame is None


class Counting:
    """Counts the calls of one method or function while a test runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.calls = 0
        original = getattr(owner, name)

        def counted(*args: object, **kwargs: object) -> object:
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


def test_unnamed_columns_are_dropped_at_once_not_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    header = [("" if i % 2 else f"c{i}") for i in range(MAX_COLUMNS)]  # 500 unnamed, empty
    header[1] = ""  # ... and one unnamed with values
    names = frame_names(header, reserved=ROW_COLUMN)
    frame = pl.DataFrame({n: [("x" if i in (0, 1) else "")] for i, n in enumerate(names)})
    drops = Counting(monkeypatch, pl.DataFrame, "drop")
    selects = Counting(monkeypatch, pl.DataFrame, "select")
    findings: list[Finding] = []
    frame = check_header(frame, header, names, 1, findings)
    assert (drops.calls, selects.calls) == (1, 1)  # before: 499 of each
    assert frame.width == MAX_COLUMNS // 2 + 1
    assert [f.severity for f in findings].count("warning") == MAX_COLUMNS // 2 - 1
    assert [f.severity for f in findings].count("error") == 1


def test_repeated_names_are_grouped_in_one_pass_and_quoted_bounded() -> None:
    long = "n" * 10_000
    header = [long, "a", long, "a", *[f"u{i}" for i in range(500)]]
    names = frame_names(header, reserved=ROW_COLUMN)
    frame = pl.DataFrame({n: ["1"] for n in names})
    findings: list[Finding] = []
    check_header(frame, header, names, 1, findings)
    assert [(f.code, f.column) for f in findings] == [
        ("duplicate-column", bounded(long)),
        ("duplicate-column", "a"),
    ]
    assert "columns A, C" in findings[0].message and len(findings[0].message) < 500


def test_matching_headers_to_the_contract_normalises_each_header_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contract = load_contract(CONTRACTS / "homelessness_cases.odcs.yaml")
    headers = [f"Extra {i}" for i in range(MAX_COLUMNS - 2)] + ["Case ID", "area_code"]
    normal = Counting(monkeypatch, validation, "normal_name")
    mapping, findings = match_columns(headers, contract)
    assert mapping["case_id"] == "Case ID" and mapping["area_code"] == "area_code"
    assert normal.calls <= len(headers) + len(contract.columns)  # before: 11 x 1,000
    assert [f.code for f in findings].count("unexpected-column") == MAX_COLUMNS - 2


# --- long lines --------------------------------------------------------------------------------


@pytest.mark.parametrize("as_path", [False, True])
def test_a_data_line_one_byte_over_the_limit_is_refused_naming_its_line(
    tmp_path: Path, as_path: bool
) -> None:
    def read(raw: bytes) -> list[tuple[str, list[int]]]:
        source: Path | bytes = raw
        if as_path:
            source = tmp_path / "file.csv"
            source.write_bytes(raw)
        return [(f.code, f.rows) for f in read_extract(source).findings]

    fits = b"1," + b"x" * (MAX_LINE_BYTES - 2)
    assert read(b"id,text\n0,a\n" + fits + b"\n2,b\n") == []
    assert read(b"id,text\n0,a\n" + fits + b"x\n2,b\n") == [("line-too-long", [3])]
    assert read(b"id,text\r\n0,a\r\n1,b\r\n" + fits + b"x") == [("line-too-long", [4])]


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=30),
    limit=st.integers(min_value=1, max_value=25),
    data=st.data(),
    final_break=st.booleans(),
)
def test_the_long_line_hop_finds_exactly_the_first_line_over_the_limit(
    lengths: list[int], limit: int, data: st.DataObject, final_break: bool
) -> None:
    first = data.draw(st.integers(min_value=0, max_value=len(lengths) - 1))  # the header's below
    raw = b"\n".join(b"x" * n for n in lengths) + (b"\n" if final_break else b"")
    starts = [sum(n + 1 for n in lengths[:i]) for i in range(len(lengths))]
    expected = next((starts[i] for i in range(first, len(lengths)) if lengths[i] > limit), None)
    assert first_long_line(raw, b"\n", starts[first], limit) == expected


# --- long cells and bounded samples -------------------------------------------------------------

NOTES = """\
apiVersion: v3.2.0
kind: DataContract
id: notes
name: Notes
version: 1.0.0
status: active
schema:
  - name: notes
    properties:
      - {name: id, logicalType: integer, required: true}
      - {name: note, logicalType: string}
      - {name: short_note, logicalType: string, logicalTypeOptions: {maxLength: 10}}
"""


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Contract:
    path = tmp_path_factory.mktemp("contracts") / "notes.odcs.yaml"
    path.write_text(NOTES, encoding="utf-8")
    return load_contract(path)


def test_a_text_cell_longer_than_a_spreadsheet_cell_is_one_bounded_finding(
    notes: Contract,
) -> None:
    huge = ("word " * 20 + "\n") * 2_000  # 202,000 characters over 2,000 lines of one cell
    most = "€" * 32_767  # Excel's longest cell, of 3-byte characters: 98 KB, within the limit
    exact = "x" * MAX_CELL_BYTES
    raw = f'id,note,short_note\n1,ok,a\n2,"{huge}",b\n3,{most},c\n4,{exact},d\n5,{exact}x,e\n'
    result = validate_extract(raw.encode(), notes, file_name="notes.csv")
    findings = result.report.findings
    assert [(f.code, f.column, f.rows) for f in findings] == [("cell-too-long", "note", [3, 6])]
    assert len(report_json(result.report)) < SMALL_REPORT
    assert findings[0].samples[0] == huge[:MAX_SAMPLE_CHARS] + f"… ({len(huge):,} characters)"
    assert "longer than 128 KB" in findings[0].message


def test_a_long_value_in_a_column_with_its_own_bound_gives_that_columns_finding(
    notes: Contract,
) -> None:
    raw = b"id,note,short_note\n1,ok," + b"z" * 100_000 + b"\n"
    findings = validate_extract(raw, notes, file_name="notes.csv").report.findings
    assert [(f.code, f.column) for f in findings] == [("too-long", "short_note")]
    assert len(findings[0].message) < 1_000


def test_a_long_header_name_is_quoted_bounded_wherever_it_is_named() -> None:
    contract = load_contract(FULL / "cases.odcs.yaml")
    name = "Case ID" + " " * 50_000  # matches case_id but for its spaces
    other = "q" * 50_000
    header = [name, "month", "area_code", "team", other]
    raw = (",".join(header) + "\nC0001,2016-03-01,E08000001,T1,x\n").encode()
    report = validate_extract(raw, contract, file_name="x.csv").report
    assert len(report_json(report)) < SMALL_REPORT
    differs = next(f for f in report.findings if f.code == "column-name-differs")
    assert bounded(name) in differs.message
    unexpected = next(f for f in report.findings if f.code == "unexpected-column")
    assert unexpected.column == bounded(other)


def test_bounded_keeps_short_text_and_marks_a_cut() -> None:
    assert bounded("x" * MAX_SAMPLE_CHARS) == "x" * MAX_SAMPLE_CHARS
    assert bounded("x" * 5_000_000) == "x" * MAX_SAMPLE_CHARS + "… (5,000,000 characters)"


# --- the catalogue and its documentation ---------------------------------------------------------


def test_every_finding_code_is_documented_in_docs_findings_md() -> None:
    documented = set(
        re.findall(r"^\| `([a-z0-9-]+)` \|", (ROOT / "docs" / "findings.md").read_text(), re.M)
    )
    made_here = set()
    for module in ("reading", "sniffing", "header", "census"):
        source = (ROOT / "src" / "shared_outcomes" / "checking" / f"{module}.py").read_text()
        made_here |= set(
            re.findall(r'(?:_error|_warning|_rejected|found|describe)\(\s*"([a-z0-9-]+)"', source)
        )
        made_here |= set(re.findall(r'code="([a-z0-9-]+)"', source))
    assert {"header-too-long", "too-many-columns", "line-too-long"} <= made_here
    assert set(CATALOGUE) | made_here <= documented


def test_the_documented_limits_are_the_constants() -> None:
    text = (ROOT / "docs" / "findings.md").read_text()
    assert f"`MAX_HEADER_BYTES` = {MAX_HEADER_BYTES >> 10} KB" in text
    assert f"`MAX_COLUMNS` = {MAX_COLUMNS:,}" in text
    assert f"`MAX_LINE_BYTES` = {MAX_LINE_BYTES >> 20} MB" in text
    assert f"longer than {MAX_CELL_BYTES >> 10} KB (`MAX_CELL_BYTES`" in text
    assert f"first {MAX_SAMPLE_CHARS} characters" in text


def test_a_finding_made_anywhere_keeps_a_bounded_sample() -> None:
    from shared_outcomes.checking.report import Finding

    huge = "y" * 5_000_000
    finding = Finding(code="x", severity="error", message="m", samples=[huge] * 9)
    assert len(finding.samples) == 5
    assert finding.samples[0] == bounded(huge)
    assert Finding.model_validate_json(finding.model_dump_json()).samples == finding.samples
