"""ODCS v3 files read and checked: YAML, the standard's JSON schema, then its pydantic model.

The pydantic model alone accepts typos such as `logicalType: strng` or `minimun`, so every file
is first checked against the JSON schema shipped in `open-data-contract-standard` (Draft
2019-09). Whatever is wrong raises one `ContractError` naming the file, the place (such as
`schema[0].properties[3].logicalType`) and what was expected, with a "did you mean".
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path
from typing import cast

import jsonschema
import pydantic
from open_data_contract_standard.model import OpenDataContractStandard

from shared_outcomes.config.problems import did_you_mean, place
from shared_outcomes.config.yaml_files import read_yaml_mapping
from shared_outcomes.errors import ContractError


@functools.cache
def _odcs_validator() -> jsonschema.protocols.Validator:
    # The schema file the package ships (its json_schema() helper uses a deprecated API).
    text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text("utf-8")
    schema = json.loads(text)
    return cast(jsonschema.protocols.Validator, jsonschema.Draft201909Validator(schema))


def load_odcs(path: Path) -> OpenDataContractStandard:
    """Read one ODCS file, checked against the standard; one ContractError if it is broken."""
    data = read_yaml_mapping(
        path,
        ContractError,
        expected="an ODCS v3 contract (a YAML mapping)",
        missing="the contract file does not exist.",
    )
    errors = list(_odcs_validator().iter_errors(data))
    # "Unevaluated properties" listing only real field names is a side effect of another error
    # in the same object (a bad value); report that error instead.
    real = [e for e in errors if not _only_known_fields(e)] or errors
    worst = jsonschema.exceptions.best_match(real)
    if worst is not None:
        raise ContractError(
            _explain_schema_error(worst), path=path, place=place(worst.absolute_path)
        )
    try:
        return OpenDataContractStandard.model_validate(data)
    except pydantic.ValidationError as failure:
        first = failure.errors()[0]
        raise ContractError(
            f"{first['msg']} (ODCS v3).", path=path, place=place(first["loc"])
        ) from None


def _unexpected_fields(error: jsonschema.ValidationError) -> list[str]:
    # The message names the unexpected keys: "('requred' was unexpected)".
    return re.findall(r"'([^']+)'", error.message.rsplit("(", 1)[-1])


def _only_known_fields(error: jsonschema.ValidationError) -> bool:
    if error.validator not in ("additionalProperties", "unevaluatedProperties"):
        return False
    return all(name in _odcs_field_names() for name in _unexpected_fields(error))


def _explain_schema_error(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum":
        allowed = [str(v) for v in error.validator_value]
        return (
            f"{error.instance!r} is not allowed; expected one of {', '.join(allowed)}."
            + did_you_mean(str(error.instance), allowed)
        )
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        extra = _unexpected_fields(error)
        hints = "".join(did_you_mean(k, _odcs_field_names()) for k in extra)
        names = ", ".join(repr(k) for k in extra) or "a field"
        return f"{names} is not a field the standard allows here.{hints}"
    if error.validator == "required":
        return f"{error.message}; the standard requires it here."
    if error.validator in ("oneOf", "anyOf"):
        return f"{error.instance!r} is not in a form the standard accepts here."
    if error.validator == "type":
        return f"expected {error.validator_value}, found {error.instance!r}."
    return f"{error.message}."


@functools.cache
def _odcs_field_names() -> tuple[str, ...]:
    """Every field name the ODCS schema defines anywhere (candidates for "did you mean")."""
    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                names.update(node["properties"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_odcs_validator().schema)
    return tuple(sorted(names))
