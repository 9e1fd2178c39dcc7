"""The one small tree of exceptions: raised only where work cannot continue.

Data that breaks a contract is never an exception: it is a finding in a report. These errors are
for configuration that cannot be used (a broken contract or definition), a refused action, or a
resource that is not available. Each carries a short title and a message that says what to do;
the CLI and the pages show exactly those two and never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class SharedOutcomesError(Exception):
    """Base of every error the product raises on purpose."""

    title = "Something went wrong"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ConfigError(SharedOutcomesError):
    """A configuration file (contract, definition, partners, users) cannot be used.

    The message names the file, the place in it and what was expected.
    """

    title = "Configuration error"

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        place: str | None = None,
        title: str | None = None,
    ) -> None:
        where = ""
        if path is not None:
            where = str(path)
            if place:
                where += f", at {place}"
            where += ": "
        super().__init__(where + message, title=title)
        self.path = None if path is None else Path(path)
        self.place = place
        self.detail = message


class ContractError(ConfigError):
    """A data contract file is missing, unreadable or not valid ODCS v3."""

    title = "Data contract error"


class DefinitionError(ConfigError):
    """An outcome definition or the partners file does not resolve against the contracts."""

    title = "Outcome definition error"


class UsageError(SharedOutcomesError):
    """The caller asked for something that does not exist or is malformed (a bad month, say)."""

    title = "Cannot do that"


class AccessDenied(SharedOutcomesError):
    """The identity acting is not allowed to do this."""

    title = "Not allowed"


class WarehouseBusy(SharedOutcomesError):
    """The database stayed locked by another writer for longer than the bounded wait."""

    title = "The database is busy"


class WarehouseError(SharedOutcomesError):
    """The database cannot be opened or is not in a usable state."""

    title = "Database error"
