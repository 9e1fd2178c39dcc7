"""Outcome-definition files as written: the pydantic models of the YAML, read with one clear error.

The first of the two stages of `definitions` (as in SQLMesh's metrics): `OutcomeSpec` is the file
exactly as written, with `extra="forbid"` so that a misspelt key is an error, not a silently
ignored line. A YAML or shape error raises one `DefinitionError` naming the file, the place in
it (`numerator.where[0].column`) and what was expected, with a "did you mean" for a key that is
close to a known one. Resolution against contracts and partners is in `definitions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, BeforeValidator, Field, model_validator

from shared_outcomes.config.problems import (
    StrictModel,
    explain,
    field_names,
)
from shared_outcomes.config.yaml_files import read_yaml_mapping
from shared_outcomes.errors import ConfigError, DefinitionError
from shared_outcomes.period import PATTERN as PERIOD_PATTERN

Problem = Literal["homelessness", "workforce", "digital_inclusion", "climate_resilience", "health"]
Unit = Literal["count", "percent", "per_1000", "per_100", "ratio"]
Direction = Literal["higher_is_better", "lower_is_better"]
Incomplete = Literal["provisional", "withhold"]

#: What a rate is multiplied by for each unit (a `count` shows the numerator itself).
UNIT_SCALE: dict[str, float] = {
    "count": 1.0,
    "percent": 100.0,
    "per_1000": 1000.0,
    "per_100": 100.0,
    "ratio": 1.0,
}
DEFAULT_THRESHOLD = 5


def _as_month(value: Any) -> Any:
    # YAML reads `2016-04-01` as a date; `2016-04` stays text. Both mean the month.
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return value


Month = Annotated[
    str, BeforeValidator(_as_month), Field(pattern=PERIOD_PATTERN, examples=["2016-04"])
]
FilterValue = str | int | float | bool


class _Spec(StrictModel):
    """Every part of a definition file: unknown keys are errors, the model is immutable."""


class FilterSpec(_Spec):
    """One condition of a `where` list: `{column: c, in: [a, b]}` or `{column: c, equals: a}`."""

    column: str
    in_: list[FilterValue] | None = Field(default=None, alias="in", min_length=1)
    equals: FilterValue | None = None

    @model_validator(mode="after")
    def _one_test(self) -> FilterSpec:
        if (self.in_ is None) == (self.equals is None):
            raise ValueError("give exactly one of `in: [values]` or `equals: value`")
        return self

    @property
    def values(self) -> list[FilterValue]:
        return list(self.in_) if self.in_ is not None else [self.equals]  # type: ignore[list-item]


class MeasureSpec(_Spec):
    """A numerator or denominator: an aggregate of a dataset, or a column of a reference table."""

    dataset: str | None = None
    reference: str | None = None
    measure: Literal["count", "sum"] | None = None
    column: str | None = None
    where: list[FilterSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> MeasureSpec:
        if (self.dataset is None) == (self.reference is None):
            raise ValueError("give exactly one of `dataset:` or `reference:`")
        return self


class TargetSpec(_Spec):
    """The shared target and the month it applies from."""

    value: float
    from_: Month = Field(alias="from")


class DisclosureSpec(_Spec):
    """Small-number suppression: counts below `threshold` are suppressed in shared views."""

    threshold: int = Field(default=DEFAULT_THRESHOLD, ge=1)


class OutcomeSpec(_Spec):
    """An outcome definition file exactly as written (see docs/architecture.md)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    problem: Problem
    question: str = Field(min_length=1)
    accountable: list[str] = Field(min_length=1)
    unit: Unit
    direction: Direction
    target: TargetSpec | None = None
    tolerance: float = Field(default=0.1, ge=0, le=1)
    disclosure: DisclosureSpec = Field(default_factory=DisclosureSpec)
    incomplete: Incomplete = "provisional"
    #: "forbidden" where zero is implausible: no nil return is accepted for the datasets it reads.
    nil_returns: Literal["allowed", "forbidden"] = "allowed"
    numerator: MeasureSpec
    denominator: MeasureSpec | None = None


# --- reading ---------------------------------------------------------------------------------


def read_spec(path: Path) -> OutcomeSpec:
    """The definition as written: YAML syntax and the shape of every key checked."""
    data = read_yaml_mapping(
        path, DefinitionError, expected="an outcome definition (a YAML mapping)"
    )
    try:
        spec = OutcomeSpec.model_validate(data)
    except pydantic.ValidationError as failure:
        raise _explain(failure, path) from None
    if spec.id != path.stem:
        raise DefinitionError(
            f"the id {spec.id!r} must equal the file name {path.stem!r}.", path=path, place="id"
        )
    return spec


def _explain(failure: pydantic.ValidationError, path: Path) -> ConfigError:
    return explain(
        failure, path, error=DefinitionError, known_keys=_known_keys,
        what="a key of an outcome definition here", list_keys=False,
    )  # fmt: skip


def _known_keys(loc: Sequence[Any]) -> list[str]:
    model: type[BaseModel] = OutcomeSpec
    nested: dict[str, type[BaseModel]] = {
        "numerator": MeasureSpec,
        "denominator": MeasureSpec,
        "target": TargetSpec,
        "disclosure": DisclosureSpec,
        "where": FilterSpec,
    }
    for part in loc:
        model = nested.get(str(part), model)
    return field_names(model)
