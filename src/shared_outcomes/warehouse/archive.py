"""Files kept beside the database: raw extracts, content-addressed, and each submission's rows.

Two folders sit next to the DuckDB file and belong to it:

- the **archive** (`<db>_archive/<sha256[:2]>/<sha256>`): every file anyone sent, byte for byte,
  named by its hash, so any submission can be re-read or re-checked later and an identical file
  is stored once;
- the **row files** (`<db>_rows/<dataset>/<submission_id>.parquet`): the typed rows of each
  accepted submission, written once and never changed (a newer version is a new file).

Every write goes to a temporary file in the same folder, is flushed to disk, then renamed into
place: a crash leaves either the whole file or a stray temporary that `sweep` removes, never a
half-written file under a final name. The warehouse writes both before its transaction commits,
so a committed submission always finds its files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from shared_outcomes.errors import WarehouseError, storage_error
from shared_outcomes.settings import TEMP_PREFIX, private_dir, sweep_temps

_ARCHIVE_TEMP_AGE = 3600.0  # seconds
#: The file in a row-files folder naming the database it belongs to (its `warehouse_id`).
OWNER_FILE = ".owner"


def sha256_of(source: Path | bytes) -> str:
    """The hex SHA-256 of a file or of bytes in memory."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    with source.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _temp_beside(target: Path) -> Path:
    private_dir(target.parent)
    descriptor, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    os.close(descriptor)
    return Path(name)


def _publish(temp: Path, target: Path, *, sync: bool) -> None:
    """Flush `temp` to disk (unless the caller syncs later) and rename it onto `target`."""
    try:
        if sync:
            _fsync(temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _copy_to(source: Path | bytes, target: Path, *, sync: bool) -> None:
    """Write `source` (a file's bytes, or the file) at `target` whole or not at all."""
    temp = _temp_beside(target)
    try:
        if isinstance(source, bytes):
            temp.write_bytes(source)
        else:
            # copyfile uses the kernel's copy (sendfile) on Linux: no Python loop over bytes.
            shutil.copyfile(source, temp)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _publish(temp, target, sync=sync)


class Archive:
    """Raw files by content: `root/<sha256[:2]>/<sha256>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def keep(self, source: Path | bytes, sha256: str, *, sync: bool = True) -> Path:
        """Store the file under its hash unless it is already there; return where it lives.

        `sync=False` leaves flushing to the caller (a bulk load syncs once before committing).
        """
        target = self.path_for(sha256)
        if not target.is_file():
            _copy_to(source, target, sync=sync)
        return target

    def sweep(self) -> int:
        """Remove temporaries a crash left behind; return how many.

        Files are archived while they are being checked, outside the database's lock, so only
        temporaries older than an hour (no copy takes that long) are taken for crash debris.
        """
        return sweep_temps(self.root, older_than=_ARCHIVE_TEMP_AGE)


class RowFiles:
    """Each accepted submission's typed rows: `root/<dataset>/<submission_id>.parquet`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def relative_path(self, dataset: str, submission_id: int) -> str:
        return f"{dataset}/{submission_id}.parquet"

    def absolute(self, relative: str) -> Path:
        return self.root / relative

    def write(
        self, frame: pl.DataFrame, dataset: str, submission_id: int, *, sync: bool = True
    ) -> str:
        """Write the rows (replacing a stray file of a crashed load with the same id)."""
        relative = self.relative_path(dataset, submission_id)
        target = self.absolute(relative)
        temp = _temp_beside(target)
        try:
            # zstd level 1: a third of the size of lz4 for about the same write time.
            frame.write_parquet(temp, compression="zstd", compression_level=1)
        except pl.exceptions.PolarsError as error:  # Polars reports a full disk as its own error
            temp.unlink(missing_ok=True)
            raise storage_error(str(error), where=self.root) from error
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _publish(temp, target, sync=sync)
        return relative

    def copy_in(self, source: Path, relative: str) -> None:
        """Copy another warehouse's row file in at `relative` (the caller syncs before it
        commits the rows that name it)."""
        _copy_to(source, self.absolute(relative), sync=False)

    def claim(self, owner: str, known: Iterable[str]) -> None:
        """Make sure this folder belongs to the database `owner` (its warehouse id) alone.

        A new or empty folder is marked as the database's; an unmarked folder holding files the
        register names is one this database wrote before folders were marked. A folder marked
        for another database, or holding row files this register does not name, is refused:
        nothing is ever deleted that the database opening it did not write.
        """
        marker = self.root / OWNER_FILE
        try:
            found = marker.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            found = None
        except OSError as error:
            raise WarehouseError(f"cannot read {marker}: {error}.") from error
        if found == owner:
            return
        if found is not None:
            raise WarehouseError(
                f"the folder {self.root} belongs to another database (its {OWNER_FILE} file "
                "names another warehouse). Give this database a path of its own with --db."
            )
        names = {self.absolute(relative).resolve() for relative in known}
        stray = [p for p in self._row_files() if p.resolve() not in names]
        if stray and len(stray) == len(self._row_files()):
            raise WarehouseError(
                f"the folder {self.root} holds {len(stray)} row files this database never "
                "wrote: it belongs to another database. Give this database a path of its own "
                "with --db, or move that folder away."
            )
        private_dir(self.root)
        temp = _temp_beside(marker)
        temp.write_text(owner + "\n", encoding="utf-8")
        _publish(temp, marker, sync=True)

    def sweep(self, owner: str, known: Iterable[str]) -> int:
        """Remove row files no committed submission names (a crash before commit); return how many.

        Call it only while holding the database's write lock, so no other load is mid-way, and
        only after `claim`: a folder that is not this database's is never swept.
        """
        self.claim(owner, known)
        removed = sweep_temps(self.root)
        keep = {self.absolute(relative).resolve() for relative in known}
        for path in self._row_files():
            if path.resolve() not in keep:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _row_files(self) -> list[Path]:
        return list(self.root.glob("*/*.parquet")) if self.root.is_dir() else []
