"""The one small tree of exceptions: raised only where work cannot continue.

Data that breaks a contract is never an exception: it is a finding in a report. These errors are
for configuration that cannot be used (a broken contract or definition), a refused action, or a
resource that is not available. Each carries a short title and a message that says what to do;
the CLI and the pages show exactly those two and never a traceback.
"""

from __future__ import annotations

import errno
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


class StorageError(SharedOutcomesError):
    """The machine refused to store or read files: a full disk, no permission, a read-only disk.

    Not a bug and not bad data: the environment needs fixing, and nothing was half-stored (every
    write goes to a temporary file first, and a load commits only after all its files are whole).
    """

    title = "Cannot write to the disk"


#: What to say for the operating-system errors a deployment meets (errno -> what to do).
_OS_ADVICE = {
    errno.ENOSPC: "the disk is full. Free some space (or move the database to a larger disk), "
    "then run the command again",
    errno.EDQUOT: "the disk quota of this account is used up. Free some space or ask for a "
    "larger quota, then run the command again",
    errno.EROFS: "the disk is mounted read-only. Point --db (or $SHARED_OUTCOMES_DB) at a "
    "writable folder",
    errno.EACCES: "this account may not use that file or folder. Run the command as the "
    "service account that owns the database, or fix the folder's permissions",
    errno.EPERM: "this account may not use that file or folder. Run the command as the "
    "service account that owns the database, or fix the folder's permissions",
    errno.EIO: "the disk reported an input/output error. Check the disk, then try again",
}


def storage_error(error: OSError | str, *, where: Path | str | None = None) -> StorageError:
    """A `StorageError` that says what went wrong with the disk and what to do.

    `error` is the operating system's error, or the text of a database engine's error (which
    carries the system's wording, e.g. "No space left on device").
    """
    if isinstance(error, OSError):
        code = error.errno
        place = where or error.filename
    else:
        text = error.lower()
        code = errno.ENOSPC if ("no space left" in text or "disk full" in text) else None
        if code is None and "permission denied" in text:
            code = errno.EACCES
        if code is None and "read-only file system" in text:
            code = errno.EROFS
        place = where
    advice = _OS_ADVICE.get(code) if code is not None else None
    at = f" ({place})" if place else ""
    if advice is None:
        detail = error.strerror if isinstance(error, OSError) else error
        advice = f"the system said: {detail}. Check the disk and the folder's permissions"
    title = "The disk is full" if code in (errno.ENOSPC, errno.EDQUOT) else StorageError.title
    return StorageError(
        f"could not write or read a file{at}: {advice}. Nothing was half-stored.", title=title
    )


def is_storage_problem(error: OSError) -> bool:
    """Whether an `OSError` is about the environment (disk, permissions), not a missing path."""
    return error.errno in _OS_ADVICE
