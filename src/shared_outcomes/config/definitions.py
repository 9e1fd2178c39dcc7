"""Shared outcome definitions: `outcomes/*.yaml` read as written, then resolved against contracts.

Two stages, as in SQLMesh's metrics: `OutcomeSpec` (in `outcome_specs`, re-exported here) is
the file as written (pydantic, `extra="forbid"`, so a misspelt key is an error, not a silently
ignored line); `OutcomeDefinition` is that spec resolved against the data contracts, the
reference tables and the partnership it names. Only resolved names ever reach SQL: every
dataset, column and reference in a definition is checked here against a contract, and filter
values must be among the column's allowed values, so a definition cannot smuggle SQL into a
query (the values are bound parameters all the same).
Whatever is wrong raises one `DefinitionError` naming the file, the place in it and what was
expected, with a "did you mean" where a name is close.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from shared_outcomes.config.contracts import (
    CONTRACT_SUFFIX,
    REFERENCE_FOLDER,
    Contract,
    load_contract,
)
from shared_outcomes.config.outcome_specs import (
    DEFAULT_THRESHOLD,
    UNIT_SCALE,
    Direction,
    DisclosureSpec,
    FilterSpec,
    Incomplete,
    MeasureSpec,
    OutcomeSpec,
    Problem,
    TargetSpec,
    Unit,
    read_spec,
)
from shared_outcomes.config.partnership import Partnership
from shared_outcomes.config.problems import did_you_mean
from shared_outcomes.errors import ConfigError, DefinitionError

__all__ = [
    "DEFAULT_THRESHOLD",
    "UNIT_SCALE",
    "Direction",
    "DisclosureSpec",
    "Filter",
    "FilterSpec",
    "Incomplete",
    "Measure",
    "MeasureSpec",
    "OutcomeDefinition",
    "OutcomeSpec",
    "Problem",
    "Target",
    "TargetSpec",
    "Unit",
    "load_definition",
    "load_definitions",
    "read_spec",
]
_NUMERIC = ("integer", "number")

# --- the resolved model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """A resolved condition: `column` (an enum column of the contract) is one of `values`."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Measure:
    """A numerator or denominator resolved against its contract."""

    source: Literal["dataset", "reference"]
    name: str  # the dataset id, or the reference table name
    measure: Literal["count", "sum"]
    column: str | None  # the summed column (None for a count of rows)
    filters: tuple[Filter, ...]
    area_column: str
    is_count: bool  # whole numbers of people or cases: subject to disclosure control
    reference_file: Path | None = None  # the CSV of a reference table

    @property
    def agg_column(self) -> str:
        """The column of `agg_<dataset>` this measure sums."""
        return "n_rows" if self.column is None else f"sum_{self.column}"


@dataclass(frozen=True)
class Target:
    value: float
    from_period: str


@dataclass(frozen=True)
class OutcomeDefinition:
    """An outcome definition resolved against contracts, reference tables and partners."""

    id: str
    title: str
    problem: str
    question: str
    accountable: tuple[str, ...]
    unit: Unit
    direction: Direction
    target: Target | None
    tolerance: float
    threshold: int
    incomplete: Incomplete
    numerator: Measure
    denominator: Measure | None
    expected: Mapping[str, tuple[str, ...]]  # dataset id -> accountable partners that submit it
    path: Path
    spec: OutcomeSpec

    @property
    def scale(self) -> float:
        return UNIT_SCALE[self.unit]

    @property
    def datasets(self) -> tuple[str, ...]:
        """The datasets (not reference tables) the figure is computed from."""
        return tuple(
            m.name for m in (self.numerator, self.denominator) if m and m.source == "dataset"
        )

    @property
    def partners(self) -> tuple[str, ...]:
        """Every partner whose data the outcome needs, in accountable order."""
        needed = {p for partners in self.expected.values() for p in partners}
        return tuple(p for p in self.accountable if p in needed)


# --- loading -----------------------------------------------------------------------------------


def load_definitions(
    outcomes_dir: Path,
    contracts: Mapping[str, Contract],
    partnership: Partnership,
    *,
    reference_dir: Path | None = None,
) -> dict[str, OutcomeDefinition]:
    """Every `*.yaml` in `outcomes_dir`, resolved; one `DefinitionError` for the first bad file.

    Reference tables are looked up in `reference_dir`, by default the `reference/` folder beside
    the outcomes folder (that is, `data_contracts/reference/`).
    """
    if not outcomes_dir.is_dir():
        raise DefinitionError("the outcomes folder does not exist.", path=outcomes_dir)
    references = reference_dir or outcomes_dir.parent / REFERENCE_FOLDER
    files = sorted([*outcomes_dir.glob("*.yaml"), *outcomes_dir.glob("*.yml")])
    return {
        d.id: d
        for d in (
            load_definition(p, contracts, partnership, reference_dir=references) for p in files
        )
    }


def load_definition(
    path: Path,
    contracts: Mapping[str, Contract],
    partnership: Partnership,
    *,
    reference_dir: Path,
) -> OutcomeDefinition:
    """Read one definition file and resolve it; raise `DefinitionError` naming file and place."""
    spec = read_spec(path)
    return _Resolver(path, contracts, partnership, reference_dir).resolve(spec)


# --- resolution --------------------------------------------------------------------------------


class _Resolver:
    """Checks one spec against contracts, reference tables and partners."""

    def __init__(
        self,
        path: Path,
        contracts: Mapping[str, Contract],
        partnership: Partnership,
        reference_dir: Path,
    ) -> None:
        self.path = path
        self.contracts = contracts
        self.partnership = partnership
        self.reference_dir = reference_dir

    def fail(self, message: str, place: str) -> DefinitionError:
        return DefinitionError(message, path=self.path, place=place)

    def resolve(self, spec: OutcomeSpec) -> OutcomeDefinition:
        partners = self.partnership.partners
        for i, partner in enumerate(spec.accountable):
            if partner not in partners:
                raise self.fail(
                    f"{partner!r} is not a partner in partners.yaml."
                    + did_you_mean(partner, list(partners)),
                    f"accountable[{i}]",
                )
        if spec.denominator is None and spec.unit != "count":
            raise self.fail(
                f"a {spec.unit} needs a denominator; add one or use unit: count.", "denominator"
            )
        numerator = self.measure(spec.numerator, "numerator")
        denominator = self.measure(spec.denominator, "denominator") if spec.denominator else None
        expected: dict[str, tuple[str, ...]] = {}
        for measure, where in ((numerator, "numerator"), (denominator, "denominator")):
            if measure is None or measure.source != "dataset":
                continue
            submitters = tuple(p for p in spec.accountable if measure.name in partners[p].datasets)
            if not submitters:
                others = sorted(p for p, v in partners.items() if measure.name in v.datasets)
                raise self.fail(
                    f"none of the accountable partners submits {measure.name!r}, so no figure "
                    f"could ever be complete; add its submitters ({', '.join(others) or 'none'})"
                    " to accountable.",
                    f"{where}.dataset",
                )
            expected[measure.name] = submitters
        target = None if spec.target is None else Target(spec.target.value, spec.target.from_)
        return OutcomeDefinition(
            id=spec.id,
            title=spec.title,
            problem=spec.problem,
            question=spec.question,
            accountable=tuple(spec.accountable),
            unit=spec.unit,
            direction=spec.direction,
            target=target,
            tolerance=spec.tolerance,
            threshold=spec.disclosure.threshold,
            incomplete=spec.incomplete,
            numerator=numerator,
            denominator=denominator,
            expected=expected,
            path=self.path,
            spec=spec,
        )

    def measure(self, spec: MeasureSpec, where: str) -> Measure:
        if spec.reference is not None:
            return self.reference_measure(spec, where)
        assert spec.dataset is not None  # the spec's validator guarantees one source
        contract = self.contracts.get(spec.dataset)
        if contract is None:
            raise self.fail(
                f"there is no contract for dataset {spec.dataset!r}."
                + did_you_mean(spec.dataset, list(self.contracts)),
                f"{where}.dataset",
            )
        for key, column in (
            ("areaColumn", contract.area_column),
            ("periodColumn", contract.period_column),
        ):
            if column is None:
                raise self.fail(
                    f"the contract of {spec.dataset!r} sets no {key}, so its rows cannot be "
                    f"joined on area and month; add the custom property {key} to it.",
                    f"{where}.dataset",
                )
        assert contract.area_column is not None
        measure = spec.measure or "count"
        column = self.measured_column(spec, contract, measure, where)
        filters = tuple(
            self.filter(f, contract, f"{where}.where[{i}]") for i, f in enumerate(spec.where)
        )
        integer = column is None or contract.column(column).logical_type == "integer"
        return Measure(
            "dataset", spec.dataset, measure, column, filters, contract.area_column, integer
        )

    def measured_column(
        self, spec: MeasureSpec, contract: Contract, measure: str, where: str
    ) -> str | None:
        if measure == "count":
            if spec.column is not None:
                raise self.fail(
                    "measure: count counts rows; remove `column`, or use measure: sum to add "
                    f"up {spec.column!r}.",
                    f"{where}.column",
                )
            return None
        if spec.column is None:
            raise self.fail("measure: sum needs the `column` to add up.", f"{where}.column")
        self.check_column(spec.column, contract, f"{where}.column")
        if contract.column(spec.column).logical_type not in _NUMERIC:
            raise self.fail(
                f"{spec.column!r} is not an integer or number column, so it cannot be summed.",
                f"{where}.column",
            )
        return spec.column

    def check_column(self, column: str, contract: Contract, place: str) -> None:
        if column not in contract.column_names:
            raise self.fail(
                f"the contract of {contract.dataset!r} has no column {column!r}."
                + did_you_mean(column, contract.column_names),
                place,
            )

    def filter(self, spec: FilterSpec, contract: Contract, place: str) -> Filter:
        self.check_column(spec.column, contract, f"{place}.column")
        allowed = contract.column(spec.column).allowed_values
        if allowed is None:
            enums = [c.name for c in contract.columns if c.allowed_values is not None]
            raise self.fail(
                f"{spec.column!r} has no list of allowed values in the contract, so it cannot "
                "be filtered on; filter on one of its enum columns "
                f"({', '.join(enums) or 'none'}).",
                f"{place}.column",
            )
        key = "in" if spec.in_ is not None else "equals"
        values: list[str] = []
        for j, value in enumerate(spec.values):
            at = f"{place}.{key}" + (f"[{j}]" if key == "in" else "")
            if isinstance(value, bool):
                raise self.fail(f"YAML read this value as {value}; put the value in quotes.", at)
            text = str(value)
            if text not in allowed:
                raise self.fail(
                    f"{text!r} is not an allowed value of {spec.column!r}; expected one of "
                    f"{', '.join(allowed)}." + did_you_mean(text, allowed),
                    at,
                )
            values.append(text)
        return Filter(spec.column, tuple(dict.fromkeys(values)))

    def reference_measure(self, spec: MeasureSpec, where: str) -> Measure:
        assert spec.reference is not None
        tables = _reference_contracts(self.reference_dir)
        found = tables.get(spec.reference)
        if found is None:
            raise self.fail(
                f"{spec.reference!r} is not a reference table in {self.reference_dir}."
                + did_you_mean(spec.reference, list(tables)),
                f"{where}.reference",
            )
        contract, csv = found
        if spec.where:
            raise self.fail(
                "a reference table cannot be filtered; remove `where`.", f"{where}.where"
            )
        if spec.measure == "count":
            raise self.fail(
                "a reference table gives a value per area; remove `measure` and name its `column`.",
                f"{where}.measure",
            )
        if spec.column is None:
            raise self.fail("name the reference table's `column` to use.", f"{where}.column")
        self.check_column(spec.column, contract, f"{where}.column")
        if contract.column(spec.column).logical_type not in _NUMERIC:
            raise self.fail(f"{spec.column!r} is not a number column.", f"{where}.column")
        area = contract.area_column or _area_by_relationship(contract)
        if area is None:
            raise self.fail(
                f"the reference table {spec.reference!r} names no area column; add the custom "
                "property areaColumn to its contract.",
                f"{where}.reference",
            )
        return Measure("reference", spec.reference, "sum", spec.column, (), area, False, csv)


def _area_by_relationship(contract: Contract) -> str | None:
    # A reference table keyed by ONS code points at the ONS lookup, as dataset contracts do.
    for column in contract.columns:
        if column.reference is not None and column.reference.table == "ons_local_authorities":
            return column.name
    return contract.primary_key[0] if len(contract.primary_key) == 1 else None


def _reference_contracts(folder: Path) -> dict[str, tuple[Contract, Path]]:
    """Reference tables by schema name, each with the CSV its `referenceFile` names."""
    tables: dict[str, tuple[Contract, Path]] = {}
    for path in sorted(folder.glob(f"*{CONTRACT_SUFFIX}")) if folder.is_dir() else []:
        try:
            contract = load_contract(path)
        except ConfigError:
            continue  # a broken reference contract is reported by the contracts check
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        custom = {p.get("property"): p.get("value") for p in raw.get("customProperties") or []}
        names = [obj.get("name") for obj in raw.get("schema") or [] if isinstance(obj, dict)]
        file = custom.get("referenceFile")
        if isinstance(file, str) and names and isinstance(names[0], str):
            tables[names[0]] = (contract, path.parent / file)
    return tables
