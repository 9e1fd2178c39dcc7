"""Configuration files read as YAML: one way to read them, one way to say what is wrong.

Contracts, the partners file, outcome definitions and the users file are all YAML mappings read
with a safe loader. A file that is missing, not UTF-8, not YAML or not a mapping raises the
caller's kind of `ConfigError`, naming the file and, for a syntax error, the line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shared_outcomes.errors import ConfigError

# libyaml's safe loader where PyYAML was built with it (10x faster on the larger definition
# files); the pure-Python one otherwise. Both build only plain data, never objects.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_mapping(
    path: Path,
    error: type[ConfigError],
    *,
    expected: str,
    missing: str = "the file does not exist.",
) -> dict[str, Any]:
    """The YAML mapping in `path`; `error` (naming file and place) if it cannot be one.

    `expected` says what the top level should be (e.g. "an outcome definition (a YAML mapping)").
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(missing, path=path) from None
    except (OSError, UnicodeDecodeError) as failure:
        raise error(f"the file cannot be read as UTF-8 text ({failure}).", path=path) from None
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as failure:
        mark = getattr(failure, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
        problem = getattr(failure, "problem", None) or str(failure)
        raise error(
            f"this is not valid YAML ({problem}); check indentation and quoting.",
            path=path,
            place=place,
        ) from None
    if not isinstance(data, dict):
        raise error(f"expected {expected}.", path=path)
    return data
