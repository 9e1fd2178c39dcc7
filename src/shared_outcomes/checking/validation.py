"""Validation: an extract (text cells with row numbers) checked against its contract.

The rules (`rules`) are vectorised Polars expressions, each a boolean "this cell is bad" mask.
All of them run in one lazy query over the frame as read, so the cells are scanned once and no
Python code loops over rows; only masks that flag something are then used to fetch row numbers
and sample values, so a clean extract costs little more than reading it. Messages come from the
catalogue in `findings`.
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from shared_outcomes.checking.findings import describe
from shared_outcomes.checking.header import normal_name
from shared_outcomes.checking.reading import ROW_COLUMN, read_extract
from shared_outcomes.checking.report import (
    MAX_ROWS_LISTED,
    MAX_SAMPLES,
    Finding,
    Report,
)
from shared_outcomes.checking.rules import (
    Cells,
    Rule,
    build_rules,
    is_null,
    scientific,
    shared_flags,
    typed_value,
)
from shared_outcomes.config.contracts import ColumnSpec, Contract
from shared_outcomes.config.problems import did_you_mean
from shared_outcomes.period import Period

_PROBLEM_SCHEMA = {"row": pl.Int64, "code": pl.String, "column": pl.String}


@dataclass
class Validation:
    """The report, and when accepted the typed frame ready for loading."""

    report: Report
    frame: pl.DataFrame | None = None  # contract names, types and order; only when accepted
    extract: pl.DataFrame | None = None  # the cells as read (text) with ROW_COLUMN
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_PROBLEM_SCHEMA))
    #: For an Excel workbook: its worksheets (to choose from when none could be chosen).
    sheets: list[str] = field(default_factory=list)


def validate_extract(
    source: Path | bytes,
    contract: Contract,
    *,
    partner: str | None = None,
    period: str | None = None,
    file_name: str | None = None,
    areas: Collection[str] | None = None,
    sheet: str | None = None,
) -> Validation:
    """Read `source` (a CSV or an Excel workbook) and check it against `contract`; bad data
    gives findings, never raises.

    With `areas` (the ONS codes the partner covers), rows for any other area are errors. A
    workbook's worksheet is `sheet`, else the one named like the dataset, else its only one.
    """
    if period is not None:
        Period.parse(period, what="period")
    if file_name is None and isinstance(source, Path):
        file_name = source.name
    read = read_extract(source, file_name=file_name, sheet=sheet, contract=contract)
    report = Report(
        accepted=False,
        dataset=contract.dataset,
        partner=partner,
        period=period,
        rows=0 if read.frame is None else read.frame.height,
        file_name=file_name,
        encoding=read.encoding,
        delimiter=read.delimiter,
        sheet=read.sheet,
        contract_version=contract.version,
        sha256=read.sha256,
        findings=list(read.findings),
    )
    if read.frame is None:
        return Validation(
            report=_decide(report), problems=_listed_problems(report), sheets=read.sheets
        )
    checked = check_frame(read.frame, contract, report, areas=areas)
    checked.sheets = read.sheets
    return checked


def check_frame(
    frame: pl.DataFrame,
    contract: Contract,
    report: Report,
    *,
    areas: Collection[str] | None = None,
) -> Validation:
    """Check text cells (with ROW_COLUMN) against `contract`, adding findings to `report`."""
    headers = [c for c in frame.columns if c != ROW_COLUMN]
    mapping, header_findings = match_columns(headers, contract)
    report.findings.extend(header_findings)
    cells = {s.name: Cells(i, s) for i, s in enumerate(contract.columns) if s.name in mapping}
    rules = build_rules(contract, cells, report.period, areas)
    plain = {i: r for i, r in enumerate(rules) if r.fingerprint is None}
    hashed = {i: r for i, r in enumerate(rules) if r.fingerprint is not None}
    markers = contract.null_markers
    integers = [c for c in cells.values() if c.spec.logical_type == "integer"]
    result = (
        frame.lazy()
        .select(pl.col(ROW_COLUMN), *(pl.col(mapping[n]).alias(c.raw) for n, c in cells.items()))
        .with_columns(pl.col(c.raw).cast(pl.Int64, strict=False).alias(c.int) for c in integers)
        .with_columns(scientific(pl.col(c.raw), pl.col(c.int)).alias(c.sci) for c in integers)
        .with_columns(typed_value(c).alias(c.value) for c in cells.values() if c.value != c.raw)
        .drop(c.int for c in integers)  # folded into the typed value: free its memory early
        .with_columns(is_null(c, markers).alias(c.null) for c in cells.values())
        .with_columns(flag for c in cells.values() for flag in shared_flags(c))
        .with_columns(
            *(r.mask.fill_null(False).alias(f"__m{i}") for i, r in plain.items()),
            *(
                r.fingerprint.alias(f"__h{i}")
                for i, r in hashed.items()
                if r.fingerprint is not None
            ),
        )
        .collect()
    )
    # From here on, only Series operations: an eager select on the collected frame would first
    # re-align its columns' chunks, copying them all.
    masks = {i: result.get_column(f"__m{i}") for i in plain}
    # Each uniqueness check sorts its hashes on one thread (half the CPU of a parallel sort);
    # the checks run side by side (Polars releases the GIL).
    with ThreadPoolExecutor(max_workers=2) as pool:
        repeats = pool.map(_repeats, [result.get_column(f"__h{i}") for i in hashed])
        exact = [i for i, repeated in zip(hashed, repeats, strict=True) if repeated]
    for i in exact:  # two equal hashes: find the real duplicates exactly (rare)
        names = dict.fromkeys(rules[i].mask.meta.root_names())
        needed = pl.DataFrame([result.get_column(n) for n in names])
        masks[i] = needed.select(rules[i].mask.fill_null(False)).to_series()
    problems = [_listed_problems(report)]
    for i in sorted(masks):
        count = int(masks[i].sum())
        if count:
            bad = _failing(result, masks[i], rules[i])
            report.findings.append(_finding(bad, rules[i], count))
            problems.append(
                bad.select(
                    pl.col(ROW_COLUMN).cast(pl.Int64).alias("row"),
                    pl.lit(rules[i].code).alias("code"),
                    pl.lit(rules[i].column, dtype=pl.String).alias("column"),
                )
            )
    report = _decide(report)
    typed_frame = _typed_frame(result, contract, cells) if report.accepted else None
    return Validation(report, typed_frame, frame, pl.concat(problems, how="vertical"))


def _repeats(fingerprints: pl.Series) -> bool:
    """Whether two hashes are equal (nulls, the unchecked rows, never match)."""
    ordered = fingerprints.sort(multithreaded=False)
    return bool((ordered == ordered.shift(1)).any())


def _failing(result: pl.DataFrame, flags: pl.Series, rule: Rule) -> pl.DataFrame:
    """The row numbers and shown cells of the rows a rule flags."""
    return pl.DataFrame([result.get_column(n).filter(flags) for n in (ROW_COLUMN, *rule.shown)])


def _typed_frame(result: pl.DataFrame, contract: Contract, cells: dict[str, Cells]) -> pl.DataFrame:
    """Contract columns, names and order; missing optional columns null; no-value markers null."""
    columns: list[pl.Series] = []
    for spec in contract.columns:
        if spec.name not in cells:
            columns.append(pl.Series(spec.name, [None] * result.height, dtype=_dtype(spec)))
            continue
        c = cells[spec.name]
        value = result.get_column(c.value).alias(spec.name)
        nulls = result.get_column(c.null)
        if (nulls & value.is_not_null()).any():  # a marker ("N/A", "-999") is no value
            value = value.zip_with(~nulls, pl.Series([None], dtype=value.dtype))
        columns.append(value)
    return pl.DataFrame(columns)


def match_columns(headers: list[str], contract: Contract) -> tuple[dict[str, str], list[Finding]]:
    """Contract column -> file header, matched exactly or else ignoring case, spaces and _/-."""
    mapping = {c.name: c.name for c in contract.columns if c.name in headers}
    taken = set(mapping.values())
    unused = [h for h in headers if h not in taken]
    normal: dict[str, list[str]] = {}  # normalised -> the headers, in order (linear in width)
    for header in reversed(unused):
        normal.setdefault(normal_name(header), []).append(header)
    findings: list[Finding] = []
    for spec in contract.columns:
        if spec.name in mapping:
            continue
        alike = normal.get(normal_name(spec.name))
        match = alike.pop() if alike else None
        if match is not None:
            mapping[spec.name] = match
            taken.add(match)
            findings.append(describe("column-name-differs", spec.name, header=match))
    unused = [h for h in unused if h not in taken]
    missing = [c for c in contract.columns if c.name not in mapping]
    for spec in missing:
        blocking = spec.required or spec.name in contract.primary_key
        findings.append(
            describe(
                "missing-column",
                spec.name,
                severity="error" if blocking else "warning",
                columns=", ".join(contract.column_names),
                hint=did_you_mean(spec.name, unused),
            )
        )
    for header in unused:
        names = [c.name for c in missing]
        findings.append(describe("unexpected-column", header, hint=did_you_mean(header, names)))
    order = {c.name: i for i, c in enumerate(contract.columns)}
    return dict(sorted(mapping.items(), key=lambda kv: order[kv[0]])), findings


def _dtype(spec: ColumnSpec) -> pl.DataType:
    types: dict[str, pl.DataType] = {
        "string": pl.String(),
        "integer": pl.Int64(),
        "number": pl.Float64(),
        "date": pl.Date(),
        "boolean": pl.Boolean(),
    }
    return types[spec.logical_type]


def _finding(bad: pl.DataFrame, rule: Rule, count: int) -> Finding:
    rows = bad.get_column(ROW_COLUMN).head(MAX_ROWS_LISTED).to_list()
    shown = bad.head(10_000).select(  # enough to find a few distinct values
        pl.concat_str([pl.col(n).cast(pl.String) for n in rule.shown], separator=" / ")
        .fill_null("")
        .alias("sample")
    )
    samples = shown.get_column("sample").unique(maintain_order=True).head(MAX_SAMPLES).to_list()
    detail = dict(rule.detail)
    us = detail.pop("month_first", None)
    if us is not None and samples and all(_parses(s, us) for s in samples):
        detail["hint"] = (
            " They look like US dates, month first (for example from a spreadsheet set to US "
            "English): write the day first."
        )
    return describe(
        rule.code,
        rule.column,
        severity=rule.severity,
        rows=[int(r) for r in rows],
        count=count,
        samples=samples,
        **detail,
    )


def _parses(text: str, strftime: str) -> bool:
    try:
        datetime.strptime(text.strip(), strftime)
    except ValueError:
        return False
    return True


def _listed_problems(report: Report) -> pl.DataFrame:
    """Problems found while reading (ragged rows, ...), one line per listed row."""
    lines = [(r, f.code, f.column) for f in report.findings for r in f.rows]
    return pl.DataFrame(lines, schema=_PROBLEM_SCHEMA, orient="row")


def _decide(report: Report) -> Report:
    report.accepted = not report.errors
    return report
