"""One toolkit for configuration errors: the place in a file, "did you mean", pydantic explained.

Every file people edit (contracts, the partnership, outcome definitions, the users file) is read
into a `StrictModel`, so a misspelt key is an error rather than a silently ignored line. A
failure is reported as one error naming the file, the place in it
(`partners[3] (bury_council).deadline_day`) and, where a near name exists, "Did you mean ...?".
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict

from shared_outcomes.errors import ConfigError


class StrictModel(BaseModel):
    """The base of every model read from a file people edit: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """` Did you mean 'x'?` when a candidate is close to `name`, else an empty string."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def place(parts: Iterable[object], label: Callable[[int, int], str | None] | None = None) -> str:
    """`['schema', 0, 'properties', 3, 'logicalType']` -> `schema[0].properties[3].logicalType`.

    `label(depth, index)` may name an item of a list (e.g. a partner's id), shown after it.
    """
    text = ""
    for depth, part in enumerate(parts):
        if isinstance(part, int):
            text += f"[{part}]"
            named = label(depth, part) if label else None
            if named:
                text += f" ({named})"
        else:
            text += f".{part}" if text else str(part)
    return text or "the top level"


def explain(
    failure: pydantic.ValidationError,
    path: Path,
    *,
    error: type[ConfigError] = ConfigError,
    known_keys: Callable[[Sequence[Any]], Sequence[str]] | None = None,
    label: Callable[[int, int], str | None] | None = None,
    what: str = "a key here",
    list_keys: bool = True,
) -> ConfigError:
    """The first problem pydantic found, as one error that names the place and the fix."""
    first = failure.errors()[0]
    loc = [part for part in first["loc"] if not str(part).startswith("function-")]
    where = place(loc, label)
    if first["type"] == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        known = list(known_keys(loc[:-1])) if known_keys else []
        listed = f"; expected one of {', '.join(known)}" if known and list_keys else ""
        return error(
            f"{key!r} is not {what}{listed}." + did_you_mean(key, known), path=path, place=where
        )
    if first["type"] == "missing":
        return error("this key is required.", path=path, place=where)
    given = first.get("input")
    shown = "" if isinstance(given, dict | list) or given is None else f" (found {given!r})"
    message = first["msg"].removeprefix("Value error, ")
    return error(f"{message}{shown}.", path=path, place=where)


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts, as written in the file (aliases where they are used)."""
    return [f.alias or name for name, f in model.model_fields.items()]
