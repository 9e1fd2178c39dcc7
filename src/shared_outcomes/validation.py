"""Validation: an extract (text cells with row numbers) checked against its contract.

Every rule is a vectorised Polars expression giving a boolean "this cell is bad" mask. All of
them run in one lazy query over the frame as read, so the cells are scanned once and no Python
code loops over rows; only masks that flag something are then used to fetch row numbers and
sample values, so a clean extract costs little more than reading it.

Each bad value yields one finding, by precedence: a missing value (`required-missing`), then a
value of the wrong type (`not-an-integer`, ...), then the rules on valid values (pattern,
lengths, allowed values, range, reference, uniqueness, key, period). A value that fails its
pattern is not reported again as an unknown reference. Messages come from `findings`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from shared_outcomes.contracts import ColumnSpec, Contract
from shared_outcomes.errors import UsageError
from shared_outcomes.findings import describe, did_you_mean
from shared_outcomes.reading import ROW_COLUMN, read_extract
from shared_outcomes.report import (
    MAX_ROWS_LISTED,
    MAX_SAMPLES,
    Finding,
    Report,
    Severity,
    failing_rows_csv,
)

# Spellings of a boolean, in lower, Title and UPPER case (cheaper than lower-casing every cell).
_TRUE = [v for w in ("true", "yes", "y", "t", "1") for v in (w, w.title(), w.upper())]
_FALSE = [v for w in ("false", "no", "n", "f", "0") for v in (w, w.title(), w.upper())]
_EARLIEST = date(1000, 1, 1)
_PROBLEM_SCHEMA = {"row": pl.Int64, "code": pl.String, "column": pl.String}
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass
class Validation:
    """The report, and when accepted the typed frame ready for loading."""

    report: Report
    frame: pl.DataFrame | None = None  # contract names, types and order; only when accepted
    extract: pl.DataFrame | None = None  # the cells as read (text) with ROW_COLUMN
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_PROBLEM_SCHEMA))

    def failing_rows_csv(self) -> bytes:
        """Every failing row as sent, with its problems, as CSV for the partner to download."""
        return failing_rows_csv(self.report, self.extract, self.problems)


@dataclass(frozen=True)
class _Rule:
    """One check: `mask` is true on bad cells; `shown` are the columns quoted as samples.

    A uniqueness rule also has a `fingerprint` (a 64-bit hash of the value or key, null where
    not checked): sorting the hashes finds "no duplicates" in a fraction of the time the exact
    check takes, which then runs only when two hashes are equal.
    """

    code: str
    column: str | None
    mask: pl.Expr
    shown: tuple[str, ...]
    severity: Severity = "error"
    detail: dict[str, str] = field(default_factory=dict)
    fingerprint: pl.Expr | None = None


@dataclass(frozen=True)
class _Cells:
    """The internal column names for one contract column, in the one query that checks all."""

    index: int
    spec: ColumnSpec

    @property
    def raw(self) -> str:  # the text as read
        return f"__raw_{self.index}"

    @property
    def null(self) -> str:  # true where the cell has no value (empty or a null marker)
        return f"__null_{self.index}"

    @property
    def int(self) -> str:  # integers: the cell cast to Int64 (null unless a plain integer)
        return f"__int_{self.index}"

    @property
    def sci(self) -> str:  # integers: the value of a whole number written like 4e3
        return f"__sci_{self.index}"

    @property
    def value(self) -> str:  # the typed value; strings are checked as read, without a copy
        return self.raw if self.spec.logical_type == "string" else self.spec.name


def validate_extract(
    source: Path | bytes,
    contract: Contract,
    *,
    partner: str | None = None,
    period: str | None = None,
    file_name: str | None = None,
) -> Validation:
    """Read `source` and check it against `contract`; bad data gives findings, never raises."""
    if period is not None and not _PERIOD.match(period):
        raise UsageError(f"period {period!r} is not a month: write it as YYYY-MM, e.g. 2016-03.")
    if file_name is None and isinstance(source, Path):
        file_name = source.name
    read = read_extract(source, file_name=file_name)
    report = Report(
        accepted=False,
        dataset=contract.dataset,
        partner=partner,
        period=period,
        rows=0 if read.frame is None else read.frame.height,
        file_name=file_name,
        encoding=read.encoding,
        delimiter=read.delimiter,
        contract_version=contract.version,
        sha256=read.sha256,
        findings=list(read.findings),
    )
    if read.frame is None:
        return Validation(report=_decide(report), problems=_listed_problems(report))
    return check_frame(read.frame, contract, report)


def check_frame(frame: pl.DataFrame, contract: Contract, report: Report) -> Validation:
    """Check text cells (with ROW_COLUMN) against `contract`, adding findings to `report`."""
    headers = [c for c in frame.columns if c != ROW_COLUMN]
    mapping, header_findings = match_columns(headers, contract)
    report.findings.extend(header_findings)
    cells = {s.name: _Cells(i, s) for i, s in enumerate(contract.columns) if s.name in mapping}
    rules = _rules(contract, cells, report.period)
    plain = {i: r for i, r in enumerate(rules) if r.fingerprint is None}
    hashed = {i: r for i, r in enumerate(rules) if r.fingerprint is not None}
    markers = contract.null_markers
    integers = [c for c in cells.values() if c.spec.logical_type == "integer"]
    result = (
        frame.lazy()
        .select(pl.col(ROW_COLUMN), *(pl.col(mapping[n]).alias(c.raw) for n, c in cells.items()))
        .with_columns(pl.col(c.raw).cast(pl.Int64, strict=False).alias(c.int) for c in integers)
        .with_columns(_scientific(pl.col(c.raw), pl.col(c.int)).alias(c.sci) for c in integers)
        .with_columns(_typed(c).alias(c.value) for c in cells.values() if c.value != c.raw)
        .with_columns(_is_null(c, markers).alias(c.null) for c in cells.values())
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
    counts = {i: int(result.get_column(f"__m{i}").sum()) for i in plain}
    exact = [i for i in hashed if _repeats(result.get_column(f"__h{i}"))]
    if exact:  # two equal hashes: find the real duplicates exactly (slow path, rare)
        result = result.with_columns(rules[i].mask.fill_null(False).alias(f"__m{i}") for i in exact)
        counts.update({i: int(result.get_column(f"__m{i}").sum()) for i in exact})
    problems = [_listed_problems(report)]
    for i in sorted(counts):
        if counts[i]:
            bad = _failing(result, f"__m{i}", rules[i])
            report.findings.append(_finding(bad, rules[i], counts[i]))
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
    """Whether two hashes are equal (nulls, the unchecked rows, never match).

    One thread sorts 1M hashes in ~12 ms of CPU; a parallel sort takes twice the CPU.
    """
    ordered = fingerprints.sort(multithreaded=False)
    return bool((ordered == ordered.shift(1)).any())


def _failing(result: pl.DataFrame, mask: str, rule: _Rule) -> pl.DataFrame:
    """The row numbers and shown cells of the rows a rule flags."""
    flags = result.get_column(mask)
    return pl.DataFrame([result.get_column(n).filter(flags) for n in (ROW_COLUMN, *rule.shown)])


def _typed_frame(
    result: pl.DataFrame, contract: Contract, cells: dict[str, _Cells]
) -> pl.DataFrame:
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
    unused = [h for h in headers if h not in mapping.values()]
    findings: list[Finding] = []
    for spec in contract.columns:
        if spec.name in mapping:
            continue
        match = next((h for h in unused if _normal(h) == _normal(spec.name)), None)
        if match is not None:
            mapping[spec.name] = match
            unused.remove(match)
            findings.append(describe("column-name-differs", spec.name, header=match))
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


def _normal(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", name.strip()).casefold()


def _dtype(spec: ColumnSpec) -> pl.DataType:
    types: dict[str, pl.DataType] = {
        "string": pl.String(),
        "integer": pl.Int64(),
        "number": pl.Float64(),
        "date": pl.Date(),
        "boolean": pl.Boolean(),
    }
    return types[spec.logical_type]


def _typed(cells: _Cells) -> pl.Expr:
    """The column's value in its logical type; null where unparseable (see `_well_formed`)."""
    spec, text = cells.spec, pl.col(cells.raw)
    if spec.logical_type == "integer":
        return pl.coalesce(pl.col(cells.int), pl.col(cells.sci))
    if spec.logical_type == "number":
        return text.cast(pl.Float64, strict=False)
    if spec.logical_type == "date":
        return text.str.strptime(pl.Date, spec.date_format, strict=False, exact=True)
    if spec.logical_type == "boolean":
        return pl.when(_among(text, _TRUE)).then(True).when(_among(text, _FALSE)).then(False)
    return text


def _well_formed(cells: _Cells) -> pl.Expr:
    """True where the typed value is usable: parsed, a finite number, a date with a real year.

    Kept as a mask rather than nulling the value, which would copy the whole column.
    """
    value = pl.col(cells.value)
    if cells.spec.logical_type == "number":
        return value.is_finite().fill_null(False)  # "nan" and "inf" parse but are not numbers
    if cells.spec.logical_type == "date" and "%Y" in (cells.spec.date_format or ""):
        # chrono reads "16" as the year 16 AD; a four-digit year is what the format asks for.
        return (value >= pl.lit(_EARLIEST)).fill_null(False)
    return value.is_not_null()


def _scientific(text: pl.Expr, as_int: pl.Expr) -> pl.Expr:
    """A whole number written in scientific notation (`4e3`, R's and Excel's habit), as Int64.

    Only cells that are not plain integers are parsed again, so a clean column costs one pass.
    """
    odd = pl.when(as_int.is_null()).then(text)
    number = odd.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.round()) & (number.abs() < 2.0**63)
    return pl.when(whole & odd.str.contains("[eE]")).then(number.cast(pl.Int64, strict=False))


def _rules(contract: Contract, cells: dict[str, _Cells], period: str | None) -> list[_Rule]:
    rules: list[_Rule] = []
    valid: dict[str, pl.Expr] = {}
    for name, c in cells.items():
        spec, text, value, missing = c.spec, pl.col(c.raw), pl.col(c.value), pl.col(c.null)
        shown = (c.raw,)
        if spec.required or name in contract.primary_key:
            rules.append(_Rule("required-missing", name, missing, shown))
        valid[name] = ~missing & _well_formed(c)
        if spec.logical_type != "string":
            detail = {"format": spec.date_format_jdk or ""}
            bad_type = ~missing & ~_well_formed(c)
            rules.append(
                _Rule(_TYPE_CODES[spec.logical_type], name, bad_type, shown, detail=detail)
            )
        if spec.logical_type == "integer":
            written_sci = ~missing & pl.col(c.sci).is_not_null()
            rules.append(
                _Rule("integer-in-scientific-notation", name, written_sci, shown, "warning")
            )
        rules.extend(_value_rules(c, text, value, valid[name]))
    rules.extend(_key_rules(contract, cells, valid))
    if period is not None and contract.period_column in valid:
        period_cells = cells[contract.period_column]
        rules.append(_period_rule(period_cells, period, valid[contract.period_column]))
    return rules


_TYPE_CODES = {
    "integer": "not-an-integer",
    "number": "not-a-number",
    "date": "not-a-date",
    "boolean": "not-a-boolean",
}


def _is_null(cells: _Cells, markers: tuple[str, ...]) -> pl.Expr:
    """No value: an empty cell always, and whatever the contract's null markers say.

    Hashing every cell against the markers is the costliest part of a clean check, so only the
    cells that could be a marker are looked up: for a typed column those that did not parse
    (when no marker parses, like `-999` would), for text those no longer than the longest marker.
    """
    text, values = pl.col(cells.raw), sorted({"", *markers})
    if cells.value != cells.raw and not any(_parses(m, cells.spec) for m in values):
        candidates = pl.when(pl.col(cells.value).is_null()).then(text)
    else:
        longest = max(len(m.encode("utf-8")) for m in values)
        candidates = pl.when(text.str.len_bytes() <= longest).then(text)
    return text.is_null() | _among(candidates, values).fill_null(False)


def _parses(marker: str, spec: ColumnSpec) -> bool:
    """Whether a null marker is also a valid value of the column's type (a marker like -999)."""
    c = _Cells(0, spec)
    probe = pl.DataFrame({c.raw: [marker]}, schema={c.raw: pl.String}).with_columns(
        pl.col(c.raw).cast(pl.Int64, strict=False).alias(c.int)
    )
    probe = probe.with_columns(_scientific(pl.col(c.raw), pl.col(c.int)).alias(c.sci))
    return probe.select(_typed(c).is_not_null()).item() is True


def _among(text: pl.Expr, values: Sequence[str] | pl.Series) -> pl.Expr:
    """Membership in a set of texts (imploded: a bare collection is ambiguous to Polars 2)."""
    series = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)
    return text.is_in(series.implode())


def _value_rules(c: _Cells, text: pl.Expr, value: pl.Expr, ok: pl.Expr) -> list[_Rule]:
    rules: list[_Rule] = []
    spec, name, shown = c.spec, c.spec.name, (c.raw,)
    pattern_ok = pl.lit(True)
    if spec.pattern is not None:
        pattern_ok = text.str.contains(spec.pattern)
        detail = {"pattern": spec.pattern, "example": spec.example or ""}
        rules.append(_Rule("pattern-mismatch", name, ok & ~pattern_ok, shown, detail=detail))
    if spec.min_length is not None:
        short = ok & (text.str.len_chars() < spec.min_length)
        rules.append(_Rule("too-short", name, short, shown, detail={"limit": str(spec.min_length)}))
    if spec.max_length is not None:
        long = ok & (text.str.len_chars() > spec.max_length)
        rules.append(_Rule("too-long", name, long, shown, detail={"limit": str(spec.max_length)}))
    if spec.allowed_values is not None:
        allowed = list(spec.allowed_values)
        not_allowed = ok & ~_among(text, allowed)
        detail = {"allowed": ", ".join(allowed)}
        rules.append(_Rule("not-allowed-value", name, not_allowed, shown, detail=detail))
    for code, bound, compare in (
        ("below-minimum", spec.minimum, value.__lt__),
        ("above-maximum", spec.maximum, value.__gt__),
    ):
        if bound is not None:
            limit = bound if isinstance(bound, date) else _tidy_number(bound)
            out = ok & compare(pl.lit(bound))
            rules.append(_Rule(code, name, out, shown, detail={"limit": str(limit)}))
    if spec.reference is not None:
        codes = spec.reference.values()
        example = spec.example or (codes[0] if len(codes) else "")
        unknown = ok & pattern_ok & ~_among(text, codes)
        detail = {
            "table": spec.reference.table,
            "example": example,
            "target": f"{spec.reference.table}.{spec.reference.column}",
        }
        rules.append(_Rule("unknown-reference", name, unknown, shown, detail=detail))
    return rules


def _tidy_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _key_rules(
    contract: Contract, cells: dict[str, _Cells], valid: dict[str, pl.Expr]
) -> list[_Rule]:
    rules: list[_Rule] = []
    key = list(contract.primary_key)
    for name, c in cells.items():
        if c.spec.unique and key != [name]:
            value = pl.col(c.value)
            rules.append(
                _Rule(
                    "duplicate-value",
                    name,
                    valid[name] & ~pl.when(valid[name]).then(value).is_first_distinct(),
                    (c.raw,),
                    fingerprint=pl.when(valid[name]).then(value.hash()),
                )
            )
    if key and all(k in cells for k in key):
        all_valid = pl.all_horizontal(valid[k] for k in key)
        values = [pl.col(cells[k].value) for k in key]
        # Among rows with a complete key, every repeat after the first is a duplicate.
        first = pl.when(all_valid).then(pl.struct(values) if len(key) > 1 else values[0])
        hashes = [v.hash(seed=n) for n, v in enumerate(values)]
        combined = hashes[0] if len(hashes) == 1 else pl.reduce(lambda a, b: a ^ b, hashes)
        rules.append(
            _Rule(
                "duplicate-key",
                ", ".join(key),
                all_valid & ~first.is_first_distinct(),
                tuple(cells[k].raw for k in key),
                detail={"key": ", ".join(key)},
                fingerprint=pl.when(all_valid).then(combined),
            )
        )
    return rules


def _period_rule(cells: _Cells, period: str, valid: pl.Expr) -> _Rule:
    value = pl.col(cells.value)
    year, month = (int(p) for p in period.split("-"))
    if cells.spec.logical_type == "date":
        first = date(year, month, 1)
        after = date(year + month // 12, month % 12 + 1, 1)
        other = (value < pl.lit(first)) | (value >= pl.lit(after))
    else:
        other = ~value.cast(pl.String).str.starts_with(period)
    return _Rule(
        "wrong-period", cells.spec.name, valid & other, (cells.raw,), detail={"period": period}
    )


def _finding(bad: pl.DataFrame, rule: _Rule, count: int) -> Finding:
    rows = bad.get_column(ROW_COLUMN).head(MAX_ROWS_LISTED).to_list()
    shown = bad.head(10_000).select(  # enough to find a few distinct values
        pl.concat_str([pl.col(n).cast(pl.String) for n in rule.shown], separator=" / ")
        .fill_null("")
        .alias("sample")
    )
    samples = shown.get_column("sample").unique(maintain_order=True).head(MAX_SAMPLES).to_list()
    return describe(
        rule.code,
        rule.column,
        severity=rule.severity,
        rows=[int(r) for r in rows],
        count=count,
        samples=samples,
        **rule.detail,
    )


def _listed_problems(report: Report) -> pl.DataFrame:
    """Problems found while reading (ragged rows, ...), one line per listed row."""
    lines = [(r, f.code, f.column) for f in report.findings for r in f.rows]
    return pl.DataFrame(lines, schema=_PROBLEM_SCHEMA, orient="row")


def _decide(report: Report) -> Report:
    report.accepted = not report.errors
    return report
