"""Data contracts: ODCS v3 files resolved into typed, frozen `Contract` models.

`odcs` reads a file and checks it against the standard (YAML, JSON schema, pydantic model);
this module resolves it: supported types, JDK date formats turned into strftime, regular
expressions the engine can run, primary-key positions, our custom properties, and relationships
to reference contracts in `reference/` (whose codes are read once and cached). A broken contract
raises one `ContractError` naming the file, the place (for example
`schema[0].properties[3].logicalType`) and what was expected, with a "did you mean".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, cast

import polars as pl
from open_data_contract_standard.model import OpenDataContractStandard

from shared_outcomes.config.odcs import load_odcs
from shared_outcomes.config.problems import did_you_mean
from shared_outcomes.errors import ContractError, UsageError

LogicalType = Literal["string", "integer", "number", "date", "boolean"]
SUPPORTED_TYPES: tuple[LogicalType, ...] = ("string", "integer", "number", "date", "boolean")
DEFAULT_NULL_MARKERS: tuple[str, ...] = ("", "NULL", "N/A", "n/a", "NA", "-")
CONTRACT_SUFFIX = ".odcs.yaml"
REFERENCE_FOLDER = "reference"
CUSTOM_PROPERTIES = (
    "owner",
    "periodColumn",
    "areaColumn",
    "nullMarkers",
    "referenceFile",
    "previousVersion",
    "acceptPreviousUntil",
)

#: JDK date-format letters and their strftime equivalents, longest first.
_JDK_TOKENS: tuple[tuple[str, str], ...] = (
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("M", "%m"),
    ("dd", "%d"),
    ("d", "%d"),
    ("HH", "%H"),
    ("mm", "%M"),
    ("ss", "%S"),
)


@dataclass(frozen=True)
class ReferenceSpec:
    """A relationship to a column of a reference table (`ons_local_authorities.LADCD`)."""

    table: str
    column: str
    file: Path

    def values(self) -> pl.Series:
        """The distinct codes of the reference column, read once and cached."""
        return _reference_values(self.file, self.column)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a contract with the rules the standard gives it."""

    name: str
    title: str | None
    description: str | None
    logical_type: LogicalType
    required: bool = False
    unique: bool = False
    pattern: str | None = None
    minimum: float | date | None = None
    maximum: float | date | None = None
    min_length: int | None = None
    max_length: int | None = None
    date_format: str | None = None  # strftime form, converted from the contract's JDK form
    date_format_jdk: str | None = None  # as written in the contract, for messages
    allowed_values: tuple[str, ...] | None = None
    reference: ReferenceSpec | None = None
    example: str | None = None  # the contract's first example value, quoted in messages


@dataclass(frozen=True)
class Contract:
    """A dataset's contract, resolved and ready to validate extracts against."""

    dataset: str
    title: str
    version: str
    owner: str | None
    description: str | None
    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...]
    period_column: str | None
    area_column: str | None
    null_markers: tuple[str, ...]
    path: Path
    #: The schema object's name (a workbook's sheet may be named after it, or the dataset).
    schema_name: str | None = None
    #: A transition window: the previous version (published in history/) is still accepted
    #: until this day, inclusive (custom properties previousVersion and acceptPreviousUntil).
    previous_version: str | None = None
    accept_previous_until: date | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        """The column called `name` (KeyError if the contract has none)."""
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)


def load_contract(
    path: Path, *, dataset: str | None = None, reference_dir: Path | None = None
) -> Contract:
    """Load, check and resolve one contract file; raise one `ContractError` if it is broken.

    Its id must be `dataset` (default: the file name's, `<dataset>.odcs.yaml`), and its
    relationships point at the reference tables in `reference_dir` (default: `reference/`
    beside it): a published version in `history/<dataset>/<version>.odcs.yaml` is read with
    the contracts folder's own.
    """
    raw = load_odcs(path)
    if reference_dir is None:
        # A reference contract's own relationships point at its neighbours in the same folder.
        reference_dir = (
            path.parent if path.parent.name == REFERENCE_FOLDER else path.parent / REFERENCE_FOLDER
        )
    return _resolve(raw, path, _reference_tables(reference_dir), dataset)


def load_contracts(contracts_dir: Path) -> dict[str, Contract]:
    """Every dataset contract in `contracts_dir` (not `reference/`), by dataset id."""
    if not contracts_dir.is_dir():
        raise ContractError("the contracts folder does not exist.", path=contracts_dir)
    return {c.dataset: c for c in map(load_contract, sorted(_contract_files(contracts_dir)))}


def find_contract(contracts_dir: Path, dataset: str) -> Contract:
    """The contract of one dataset; an unknown dataset is a usage error naming those known."""
    path = contracts_dir / f"{dataset}{CONTRACT_SUFFIX}"
    if path.is_file():
        return load_contract(path)
    known = sorted(p.name.removesuffix(CONTRACT_SUFFIX) for p in _contract_files(contracts_dir))
    raise UsageError(
        f"there is no contract for dataset {dataset!r} in {contracts_dir}."
        + did_you_mean(dataset, known)
        + (f" Known datasets: {', '.join(known)}." if known else "")
    )


def jdk_to_strftime(pattern: str) -> str:
    """A JDK date format (`dd/MM/yyyy`) as strftime (`%d/%m/%Y`); ValueError on unknown letters."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        for token, directive in _JDK_TOKENS:
            if pattern.startswith(token, i):
                out.append(directive)
                i += len(token)
                break
        else:
            char = pattern[i]
            if char.isalpha():
                raise ValueError(f"the letter {char!r} is not a supported date-format field")
            out.append("%%" if char == "%" else char)
            i += 1
    return "".join(out)


_JDK_WORDS = {"y": "year", "M": "month", "d": "day", "H": "hour", "m": "minute", "s": "second"}


def date_format_words(pattern: str) -> str:
    """A JDK date format in a data officer's words: `dd/MM/yyyy` → 'day/month/year, e.g.
    28/03/2016' (the example is 28 March 2016 written that way)."""
    words: list[str] = []
    i = 0
    while i < len(pattern):
        token = next((t for t, _ in _JDK_TOKENS if pattern.startswith(t, i)), None)
        if token is None:
            words.append(pattern[i])
            i += 1
            continue
        word = _JDK_WORDS[token[0]]
        words.append(f"{word} name" if token in ("MMM", "MMMM") else word)
        i += len(token)
    example = date(2016, 3, 28).strftime(jdk_to_strftime(pattern))
    return f"{''.join(words)}, e.g. {example}"


def month_first(pattern: str) -> str | None:
    """The strftime of `pattern` with day and month swapped, when it puts the day first (as
    UK dates do), so values written the US way can be recognised; else None."""
    strf = jdk_to_strftime(pattern)
    if "%d" not in strf or "%m" not in strf or strf.index("%d") > strf.index("%m"):
        return None
    return strf.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _contract_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{CONTRACT_SUFFIX}")) if folder.is_dir() else []


# --- stage 3: resolution into our own model ----------------------------------------------------


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    file: Path


def _custom(properties: Sequence[Any] | None) -> dict[str, Any]:
    return {p.property: p.value for p in properties or [] if p.property}


@functools.cache
def _reference_tables(folder: Path) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    for path in _contract_files(folder):
        model = load_odcs(path)
        custom = _custom(model.customProperties)
        ref_file = custom.get("referenceFile")
        if not isinstance(ref_file, str) or not (path.parent / ref_file).is_file():
            raise ContractError(
                "a reference contract needs the custom property referenceFile naming a CSV "
                f"beside it (found {ref_file!r}).",
                path=path,
                place="customProperties",
            )
        for obj in model.schema_ or []:
            columns = tuple(p.name for p in obj.properties or [] if p.name)
            if obj.name:
                tables[obj.name] = _Table(obj.name, columns, path.parent / ref_file)
    return tables


@functools.cache
def _reference_values(file: Path, column: str) -> pl.Series:
    frame = pl.read_csv(file, columns=[column], infer_schema=False)
    return frame.get_column(column).drop_nulls().unique().sort()


def _resolve(
    model: OpenDataContractStandard,
    path: Path,
    tables: dict[str, _Table],
    expected: str | None = None,
) -> Contract:
    objects = model.schema_ or []
    if len(objects) != 1:
        raise ContractError(
            f"expected exactly one schema object describing the extract, found {len(objects)}.",
            path=path,
            place="schema",
        )
    obj = objects[0]
    custom = _custom(model.customProperties)
    unknown = [k for k in custom if k not in CUSTOM_PROPERTIES]
    if unknown:
        raise ContractError(
            f"custom property {unknown[0]!r} is not one Shared Outcomes uses; expected one of "
            f"{', '.join(CUSTOM_PROPERTIES)}." + did_you_mean(unknown[0], CUSTOM_PROPERTIES),
            path=path,
            place="customProperties",
        )
    columns = tuple(
        _resolve_column(prop, path, f"schema[0].properties[{i}]", tables)
        for i, prop in enumerate(obj.properties or [])
    )
    names = [c.name for c in columns]
    if not columns:
        raise ContractError("the schema object lists no properties.", path=path, place="schema[0]")
    if len(set(names)) != len(names):
        dupe = next(n for n in names if names.count(n) > 1)
        raise ContractError(f"property {dupe!r} appears twice.", path=path, place="schema[0]")
    keyed = [
        (p.primaryKeyPosition if p.primaryKeyPosition and p.primaryKeyPosition > 0 else i, p.name)
        for i, p in enumerate(obj.properties or [])
        if p.primaryKey
    ]
    null_markers = custom.get("nullMarkers", list(DEFAULT_NULL_MARKERS))
    if not isinstance(null_markers, list) or not all(isinstance(m, str) for m in null_markers):
        raise ContractError(
            "nullMarkers must be a list of texts, e.g. ['', 'NULL', 'N/A'].",
            path=path,
            place="customProperties.nullMarkers",
        )
    previous, until = _transition(custom, str(model.version), path)
    return Contract(
        dataset=_dataset_id(model, path, expected),
        title=str(model.name or model.id),
        version=str(model.version),
        owner=_owner(model, custom),
        description=(model.description.purpose if model.description else None),
        columns=columns,
        primary_key=tuple(str(name) for _, name in sorted(keyed)),
        period_column=_column_property(custom, "periodColumn", names, path),
        area_column=_column_property(custom, "areaColumn", names, path),
        null_markers=tuple(null_markers),
        path=path,
        schema_name=obj.name or None,
        previous_version=previous,
        accept_previous_until=until,
    )


def _transition(custom: dict[str, Any], version: str, path: Path) -> tuple[str | None, date | None]:
    """previousVersion and acceptPreviousUntil: both or neither, a version and a day."""
    previous, until = custom.get("previousVersion"), custom.get("acceptPreviousUntil")
    if previous is None and until is None:
        return None, None
    if previous is None or until is None:
        raise ContractError(
            "a transition window needs both previousVersion (the version still accepted) and "
            "acceptPreviousUntil (the last day it is, YYYY-MM-DD).",
            path=path,
            place="customProperties",
        )
    if not isinstance(previous, str) or re.fullmatch(r"\d+\.\d+\.\d+", previous) is None:
        raise ContractError(
            f"previousVersion must be a version such as 1.0.0, found {previous!r}.",
            path=path,
            place="customProperties.previousVersion",
        )
    if previous == version:
        raise ContractError(
            f"previousVersion {previous} is this contract's own version: name the one before.",
            path=path,
            place="customProperties.previousVersion",
        )
    try:
        day = until if isinstance(until, date) else date.fromisoformat(str(until))
    except ValueError:
        raise ContractError(
            f"acceptPreviousUntil must be a day written YYYY-MM-DD, found {until!r}.",
            path=path,
            place="customProperties.acceptPreviousUntil",
        ) from None
    return previous, day


def _dataset_id(model: OpenDataContractStandard, path: Path, expected: str | None) -> str:
    expected = expected or path.name.removesuffix(CONTRACT_SUFFIX)
    if model.id != expected:
        raise ContractError(
            f"the contract id {model.id!r} must equal the dataset id {expected!r} (its file "
            "name's, or its folder's in history/).",
            path=path,
            place="id",
        )
    return expected


def _owner(model: OpenDataContractStandard, custom: dict[str, Any]) -> str | None:
    if custom.get("owner"):
        return str(custom["owner"])
    team = model.team
    members = team if isinstance(team, list) else getattr(team, "members", None) or []
    owners = [m.username or m.name for m in members if (m.role or "").lower() == "owner"]
    return owners[0] if owners else None


def _column_property(custom: dict[str, Any], key: str, names: list[str], path: Path) -> str | None:
    value = custom.get(key)
    if value is None:
        return None
    if value not in names:
        raise ContractError(
            f"{value!r} is not a column of this contract." + did_you_mean(str(value), names),
            path=path,
            place=f"customProperties.{key}",
        )
    return str(value)


def _resolve_column(prop: Any, path: Path, place: str, tables: dict[str, _Table]) -> ColumnSpec:
    def fail(message: str, where: str = "") -> ContractError:
        return ContractError(message, path=path, place=place + where)

    if not prop.name:
        raise fail("every property needs a name.")
    logical = prop.logicalType or "string"
    if logical not in SUPPORTED_TYPES:
        raise fail(
            f"logicalType {logical!r} is not supported for CSV extracts; expected one of "
            f"{', '.join(SUPPORTED_TYPES)}.",
            ".logicalType",
        )
    options: dict[str, Any] = dict(prop.logicalTypeOptions or {})
    date_format_jdk = options.get("format") if logical == "date" else None
    date_format = None
    if logical == "date":
        date_format_jdk = str(date_format_jdk or "yyyy-MM-dd")
        try:
            date_format = jdk_to_strftime(date_format_jdk)
        except ValueError as error:
            raise fail(
                f"{error}; write it like dd/MM/yyyy.", ".logicalTypeOptions.format"
            ) from None
    pattern = options.get("pattern")
    if pattern is not None:
        _check_pattern(str(pattern), fail)
    bounds = {k: _bound(options.get(k), logical, fail, k) for k in ("minimum", "maximum")}
    allowed = None
    if prop.enum:
        allowed = tuple(str(v.value) for v in prop.enum if v.value is not None)
    return ColumnSpec(
        name=prop.name,
        title=prop.businessName,
        description=prop.description,
        logical_type=cast(LogicalType, logical),
        required=bool(prop.required),
        unique=bool(prop.unique),
        pattern=None if pattern is None else str(pattern),
        minimum=bounds["minimum"],
        maximum=bounds["maximum"],
        min_length=options.get("minLength"),
        max_length=options.get("maxLength"),
        date_format=date_format,
        date_format_jdk=date_format_jdk,
        allowed_values=allowed,
        reference=_resolve_reference(prop.relationships, tables, fail),
        example=str(prop.examples[0]) if prop.examples else None,
    )


def _check_pattern(pattern: str, fail: Any) -> None:
    # The pattern must compile in the engine that runs it (Rust regex: no look-around).
    try:
        pl.Series([""], dtype=pl.String).str.contains(pattern)
    except pl.exceptions.PolarsError as error:
        lines = [ln.strip() for ln in str(error).splitlines() if ln.strip().startswith("error:")]
        detail = lines[0].removeprefix("error:").strip() if lines else "invalid"
        raise fail(
            f"pattern {pattern!r} is not a regular expression we can run ({detail}).",
            ".logicalTypeOptions.pattern",
        ) from None


def _bound(value: Any, logical: str, fail: Any, key: str) -> Any:
    if value is None:
        return None
    if logical in ("integer", "number") and isinstance(value, int | float):
        return float(value)
    if logical == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            pass
    raise fail(
        f"{key} {value!r} does not suit a {logical} column"
        + (" (write dates as yyyy-MM-dd)." if logical == "date" else "."),
        f".logicalTypeOptions.{key}",
    )


def _resolve_reference(
    relationships: Sequence[Any] | None, tables: dict[str, _Table], fail: Any
) -> ReferenceSpec | None:
    for i, rel in enumerate(relationships or []):
        where = f".relationships[{i}].to"
        target = rel.to
        if not isinstance(target, str) or target.count(".") != 1:
            raise fail(
                f"expected 'table.column' (e.g. ons_local_authorities.LADCD), found {target!r}.",
                where,
            )
        table_name, column = target.split(".")
        table = tables.get(table_name)
        if table is None:
            raise fail(
                f"{table_name!r} is not a reference table in data_contracts/reference/."
                + did_you_mean(table_name, list(tables)),
                where,
            )
        if column not in table.columns:
            raise fail(
                f"the reference table {table_name} has no column {column!r}."
                + did_you_mean(column, table.columns),
                where,
            )
        return ReferenceSpec(table=table_name, column=column, file=table.file)
    return None
