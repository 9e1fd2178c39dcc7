"""The contract's rules as Polars expressions: one boolean "bad cell" mask per rule and column.

`validation` runs them all in one lazy query over the cells as read. Internal columns are named
per contract column (`Cells`): the text as read, its "no value" flag, the typed value and, for
integers, the plain and the scientific-notation readings. Each bad value yields one finding, by
precedence: no value (`required-missing`), then the wrong type, then the rules on well-formed
values; a value failing its pattern is not reported again as an unknown reference.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from shared_outcomes.checking.reading import MAX_CELL_BYTES
from shared_outcomes.checking.report import Severity
from shared_outcomes.config.contracts import (
    ColumnSpec,
    Contract,
    ReferenceSpec,
    date_format_words,
    month_first,
)

# Spellings of a boolean, in lower, Title and UPPER case (cheaper than lower-casing every cell).
_TRUE = [v for w in ("true", "yes", "y", "t", "1") for v in (w, w.title(), w.upper())]
_FALSE = [v for w in ("false", "no", "n", "f", "0") for v in (w, w.title(), w.upper())]
_EARLIEST = date(1000, 1, 1)


@dataclass(frozen=True)
class Rule:
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
class Cells:
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

    @property
    def ok(self) -> str:  # a usable value: present and well formed (the rules on values apply)
        return f"__ok_{self.index}"

    @property
    def matches(self) -> str:  # the text matches the column's pattern
        return f"__pat_{self.index}"

    @property
    def known(self) -> str:  # the text is a code of the reference table (and fits the pattern)
        return f"__ref_{self.index}"


def shared_flags(cells: Cells) -> list[pl.Expr]:
    """Flags several rules read, computed once before the rules: usable value, pattern, reference.

    With both a pattern and a reference, a code of the reference that fits the pattern passes
    both, so the (costlier) pattern only runs on the few cells that are not such a code.
    """
    spec, text = cells.spec, pl.col(cells.raw)
    ok = ~pl.col(cells.null) & well_formed(cells)
    if unbounded_text(spec):  # a value longer than a spreadsheet cell is not usable
        ok = ok & (text.str.len_bytes() <= MAX_CELL_BYTES)  # no data read: cheaper than chars
    flags = [ok.alias(cells.ok)]
    if spec.reference is not None:
        flags.append(_among(text, _codes(spec.reference, spec.pattern)).alias(cells.known))
    if spec.pattern is not None and spec.reference is not None:
        others = pl.when(~_among(text, _codes(spec.reference, spec.pattern))).then(text)
        flags.append(others.str.contains(spec.pattern).fill_null(True).alias(cells.matches))
    elif spec.pattern is not None:
        flags.append(text.str.contains(spec.pattern).alias(cells.matches))
    return flags


@functools.cache
def _codes(reference: ReferenceSpec, pattern: str | None) -> pl.Series:
    """The reference codes, less those that do not fit the column's pattern."""
    codes = reference.values()
    return codes if pattern is None else codes.filter(codes.str.contains(pattern))


def unbounded_text(spec: ColumnSpec) -> bool:
    """A text column whose rules allow a value longer than MAX_CELL_BYTES, so that `cell-too-long`
    checks it. Typed, enum and reference columns refuse such a value anyway, and so does a
    maxLength of at most a quarter of the limit (4 bytes a character), each with its own finding:
    they cost nothing more."""
    return (
        spec.logical_type == "string"
        and spec.allowed_values is None
        and spec.reference is None
        and (spec.max_length is None or spec.max_length > MAX_CELL_BYTES // 4)
    )


def typed_value(cells: Cells) -> pl.Expr:
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


def well_formed(cells: Cells) -> pl.Expr:
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


def scientific(text: pl.Expr, as_int: pl.Expr) -> pl.Expr:
    """A whole number written in scientific notation (`4e3`, R's and Excel's habit), as Int64.

    Only cells that are not plain integers are parsed again, so a clean column costs one pass.
    """
    odd = pl.when(as_int.is_null()).then(text)
    number = odd.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.round()) & (number.abs() < 2.0**63)
    return pl.when(whole & odd.str.contains("[eE]")).then(number.cast(pl.Int64, strict=False))


def build_rules(
    contract: Contract,
    cells: dict[str, Cells],
    period: str | None,
    areas: Collection[str] | None = None,
) -> list[Rule]:
    rules: list[Rule] = []
    valid: dict[str, pl.Expr] = {}
    for name, c in cells.items():
        spec, text, value, missing = c.spec, pl.col(c.raw), pl.col(c.value), pl.col(c.null)
        shown = (c.raw,)
        if spec.required or name in contract.primary_key:
            rules.append(Rule("required-missing", name, missing, shown))
        valid[name] = pl.col(c.ok)
        if unbounded_text(spec):
            limit = {"limit": f"{MAX_CELL_BYTES >> 10} KB"}
            rules.append(Rule("cell-too-long", name, ~missing & ~valid[name], shown, detail=limit))
        if spec.logical_type != "string":
            detail = _format_detail(spec)
            bad_type = ~missing & ~valid[name]
            rules.append(Rule(_TYPE_CODES[spec.logical_type], name, bad_type, shown, detail=detail))
        if spec.logical_type == "integer":
            written_sci = ~missing & pl.col(c.sci).is_not_null()
            rules.append(
                Rule("integer-in-scientific-notation", name, written_sci, shown, "warning")
            )
        rules.extend(_value_rules(c, text, value, valid[name]))
    rules.extend(_key_rules(contract, cells, valid))
    if period is not None and contract.period_column in valid:
        period_cells = cells[contract.period_column]
        rules.append(_period_rule(period_cells, period, valid[contract.period_column]))
    if areas is not None and contract.area_column in cells:
        rules.append(_area_rule(cells[contract.area_column], areas))
    return rules


def _area_rule(cells: Cells, areas: Collection[str]) -> Rule:
    """Rows for an area the partner does not cover (per partners.yaml) would count twice or
    stand in another partner's figures. Codes that are not real codes at all are left to the
    pattern and reference rules, so one bad cell gives one finding."""
    real = pl.col(cells.ok)
    if cells.spec.reference is not None:
        real = real & pl.col(cells.known)
    elsewhere = real & ~pl.col(cells.raw).is_in(sorted(areas))
    # Named as people know them (area names when the partnership gives them), never a file.
    names = sorted(areas.values()) if isinstance(areas, Mapping) else sorted(areas)
    detail = {"areas": ", ".join(names)}
    return Rule("area-not-covered", cells.spec.name, elsewhere, (cells.raw,), detail=detail)


def _format_detail(spec: ColumnSpec) -> dict[str, str]:
    """How a date column is written, in words, and its US (month-first) twin to recognise."""
    if spec.date_format_jdk is None:
        return {}
    detail = {"format": date_format_words(spec.date_format_jdk)}
    us = month_first(spec.date_format_jdk)
    return detail | ({"month_first": us} if us else {})


_TYPE_CODES = {
    "integer": "not-an-integer",
    "number": "not-a-number",
    "date": "not-a-date",
    "boolean": "not-a-boolean",
}


def is_null(cells: Cells, markers: tuple[str, ...]) -> pl.Expr:
    """No value: an empty cell always, and whatever the contract's null markers say.

    Hashing every cell against the markers is the costliest part of a clean check, so only the
    cells that could be a marker are looked up: for a typed column those that did not parse
    (when no marker parses, like `-999` would), for text those no longer than the longest marker.
    """
    text, values = pl.col(cells.raw), sorted({"", *markers})
    if cells.value != cells.raw and not _any_parses(values, cells.spec):
        candidates = pl.when(pl.col(cells.value).is_null()).then(text)
    else:
        longest = max(len(m.encode("utf-8")) for m in values)
        candidates = pl.when(text.str.len_bytes() <= longest).then(text)
    return text.is_null() | _among(candidates, values).fill_null(False)


def _any_parses(markers: list[str], spec: ColumnSpec) -> bool:
    """Whether a null marker is also a valid value of the column's type (a marker like -999)."""
    c = Cells(0, spec)
    probe = (
        pl.LazyFrame({c.raw: markers}, schema={c.raw: pl.String})
        .with_columns(pl.col(c.raw).cast(pl.Int64, strict=False).alias(c.int))
        .with_columns(scientific(pl.col(c.raw), pl.col(c.int)).alias(c.sci))
        .select(typed_value(c).is_not_null().any())
    )
    return probe.collect().item() is True


def _among(text: pl.Expr, values: Sequence[str] | pl.Series) -> pl.Expr:
    """Membership in a set of texts (imploded: a bare collection is ambiguous to Polars 2)."""
    series = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)
    return text.is_in(series.implode())


def _value_rules(c: Cells, text: pl.Expr, value: pl.Expr, ok: pl.Expr) -> list[Rule]:
    rules: list[Rule] = []
    spec, name, shown = c.spec, c.spec.name, (c.raw,)
    pattern_ok = pl.lit(True)
    if spec.pattern is not None:
        pattern_ok = pl.col(c.matches)
        detail = {"pattern": spec.pattern, "example": spec.example or ""}
        rules.append(Rule("pattern-mismatch", name, ok & ~pattern_ok, shown, detail=detail))
    if spec.min_length is not None:
        short = ok & (text.str.len_chars() < spec.min_length)
        rules.append(Rule("too-short", name, short, shown, detail={"limit": str(spec.min_length)}))
    if spec.max_length is not None:
        long = ok & (text.str.len_chars() > spec.max_length)
        rules.append(Rule("too-long", name, long, shown, detail={"limit": str(spec.max_length)}))
    if spec.allowed_values is not None:
        allowed = list(spec.allowed_values)
        not_allowed = ok & ~_among(text, allowed)
        detail = {"allowed": ", ".join(allowed)}
        rules.append(Rule("not-allowed-value", name, not_allowed, shown, detail=detail))
    for code, bound, compare in (
        ("below-minimum", spec.minimum, value.__lt__),
        ("above-maximum", spec.maximum, value.__gt__),
    ):
        if bound is not None:
            limit = bound if isinstance(bound, date) else _tidy_number(bound)
            out = ok & compare(pl.lit(bound))
            rules.append(Rule(code, name, out, shown, detail={"limit": str(limit)}))
    if spec.reference is not None:
        codes = _codes(spec.reference, spec.pattern)
        example = spec.example or (codes[0] if len(codes) else "")
        unknown = ok & pattern_ok & ~pl.col(c.known)
        detail = {
            "table": spec.reference.table,
            "example": example,
            "target": f"{spec.reference.table}.{spec.reference.column}",
        }
        rules.append(Rule("unknown-reference", name, unknown, shown, detail=detail))
    return rules


def _tidy_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _key_rules(
    contract: Contract, cells: dict[str, Cells], valid: dict[str, pl.Expr]
) -> list[Rule]:
    rules: list[Rule] = []
    key = list(contract.primary_key)
    for name, c in cells.items():
        if c.spec.unique and key != [name]:
            value = pl.col(c.value)
            rules.append(
                Rule(
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
            Rule(
                "duplicate-key",
                ", ".join(key),
                all_valid & ~first.is_first_distinct(),
                tuple(cells[k].raw for k in key),
                detail={"key": ", ".join(key)},
                fingerprint=pl.when(all_valid).then(combined),
            )
        )
    return rules


def _period_rule(cells: Cells, period: str, valid: pl.Expr) -> Rule:
    value = pl.col(cells.value)
    year, month = (int(p) for p in period.split("-"))
    if cells.spec.logical_type == "date":
        first = date(year, month, 1)
        after = date(year + month // 12, month % 12 + 1, 1)
        other = (value < pl.lit(first)) | (value >= pl.lit(after))
    else:
        other = ~value.cast(pl.String).str.starts_with(period)
    return Rule(
        "wrong-period", cells.spec.name, valid & other, (cells.raw,), detail={"period": period}
    )
