"""The commands' `--help` as people read command-line help: `--json` as a plain flag, a value
as TEXT, PATH or INTEGER, the file argument as FILE in the usage line.

Typer 0.29 writes every option's Python type (`--json <bool>`, `--dataset <str>`) and a required
argument in braces (`{file}`). It has no setting for this, so the two display methods are
replaced here, once, when the command line is imported; tests/cli/test_cli_help.py checks the
result, so an upgrade that changes these methods is caught.
"""

from __future__ import annotations

from typing import Any

from typer import core

_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH"}
_typed = core.TyperOption.display_type_rich


def _display_type(param: Any, ctx: Any) -> str | None:
    """A flag shows no type; a value its metavar, else its type in capitals."""
    if getattr(param, "is_bool_flag", False) or getattr(param, "is_flag", False):
        return None
    if param.metavar:
        return None if isinstance(param, core.TyperArgument) else str(param.metavar)
    label = str(_typed(param, ctx)).strip("<>")
    return _WORDS.get(label, label.upper())


def _usage_name(param: Any) -> str:
    """FILE for a required argument, [FILE] for an optional one."""
    name = str(param.display_name_raw).upper()
    return name if param.required else f"[{name}]"


def use_plain_help() -> None:
    core.TyperOption.display_type_rich = _display_type  # type: ignore[method-assign,assignment]
    core.TyperArgument.display_type_rich = _display_type  # type: ignore[method-assign,assignment]
    core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign,assignment]
