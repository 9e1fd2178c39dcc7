"""The drop folder: many extract files submitted one by one, with progress.

A drop folder holds `<partner>/<dataset>_<YYYY-MM>.csv` (the layout of
`sample_data/extracts/`), or `.xlsx` / `.xlsm` for an Excel workbook (its worksheet named like
the dataset, or its only one). Each file is submitted as the system identity and then moved to
`processed/<partner>/` or `rejected/<partner>/`, with its JSON report beside it
(`<file>.report.json`). The order makes a re-run after a crash safe: the load commits first, the
report is written next, the file is moved last, so a file still in the folder is simply
submitted again and recognised as `unchanged` if it had been loaded.

**What is read.** Only regular files inside the drop folder: a symbolic link (to a file or a
folder), a partner folder that is a link, or a special file (a pipe, a device) is refused into
`rejected/` with a report saying why, and its target is never opened. A file is opened without
following links and copied, from that open file, to a private staging file that is checked and
loaded, so what is loaded is exactly what was in the folder.

**When a file is taken.** Only once it has stopped changing: no other program has it open for
writing (on Linux, where the service may take a lease on the file) and its size and modification
time have stayed the same for `settle` seconds (2 by default; a one-off run waits that long for
a file written just before it, a watching run takes it on a later pass). Files whose names start
with `.` or end with `.part`, `.partial`, `.tmp`, `.filepart` or `.crdownload` are never taken,
so the usual convention of writing under a temporary name and renaming into place works too. A
file that changes while it is being read or loaded is left where it is, never moved as if
loaded, and taken again once it is stable (a completed file then supersedes a partial one).

**Several runs at once.** Each run takes an exclusive lock on a file before reading it and skips
files another run holds, so two runs (or a cron run beside `--watch`) take turns file by file.
A temporary file a killed run left in `processed/` or `rejected/` is removed by the next run.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shared_outcomes.access.roles import Identity
from shared_outcomes.checking.findings import describe
from shared_outcomes.checking.report import Report
from shared_outcomes.errors import (
    AccessDenied,
    SharedOutcomesError,
    StorageError,
    UsageError,
    WarehouseBusy,
    WarehouseError,
)
from shared_outcomes.settings import TEMP_PREFIX, sweep_temps

if TYPE_CHECKING:
    from shared_outcomes.workspace import Progress, Workspace

#: The longest a watching run waits before trying the warehouse again after a problem.
RETRY_AT_MOST = 60.0
PROCESSED = "processed"
REJECTED = "rejected"
REPORT_SUFFIX = ".report.json"
#: Seconds a file's size and modification time must stay the same before it is taken.
DEFAULT_SETTLE = 2.0
#: Names a writer uses while a file is still being written (it renames the file when done).
IN_PROGRESS_SUFFIXES = (".part", ".partial", ".tmp", ".filepart", ".crdownload")
_FILE_NAME = re.compile(r"(?P<dataset>[a-z][a-z0-9_]*)_(?P<period>\d{4}-\d{2})\.(?i:csv|xlsx|xlsm)")
_TEMP_AGE = 60.0  # seconds: a temporary report this old was left by a killed run
_COPY_CHUNK = 1 << 20
_F_SETSIG = 10  # Linux's fcntl command number, where the fcntl module does not name it


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one dropped file.

    `status`: loaded | unchanged | rejected | refused (filed into processed/ or rejected/);
    waiting (still changing, left in place) | skipped (another run holds it) | error (it could
    not be filed away: the message says why; left in place).
    """

    source: Path
    moved_to: Path | None
    status: str
    message: str
    submission_id: int | None = None

    @property
    def failed(self) -> bool:
        """Rejected, refused or not filed: what a cron job should report."""
        return self.status in ("rejected", "refused", "error")


@dataclass(frozen=True)
class _Seen:
    """A file's identity and state when the run listed it."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, found: os.stat_result) -> _Seen:
        return cls(found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


def drop_files(folder: Path) -> list[Path]:
    """Entries waiting in a drop folder, sorted: not in processed/ or rejected/, not hidden,
    not reports, not named as still being written. Links and special files are listed (to be
    refused), but never followed: a linked folder's content is not listed."""
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder: give the drop folder's path.")
    found: list[Path] = []

    def walk(here: Path, top: bool) -> None:
        with os.scandir(here) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or (top and name in (PROCESSED, REJECTED)):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    walk(here / name, top=False)
                elif not name.endswith((REPORT_SUFFIX, *IN_PROGRESS_SUFFIXES)):
                    found.append(here / name)

    walk(folder, top=True)
    return sorted(found)


def parse_drop_name(folder: Path, path: Path) -> tuple[str, str, str]:
    """(partner, dataset, period) from `<partner>/<dataset>_<YYYY-MM>.csv`, else `UsageError`."""
    parts = path.relative_to(folder).parts
    match = _FILE_NAME.fullmatch(path.name)
    if len(parts) != 2 or match is None:
        raise UsageError(
            f"{'/'.join(parts)!r} is not where a drop folder expects extracts: put each file in "
            "its partner's folder, named <dataset>_<YYYY-MM>.csv (or .xlsx for a workbook), "
            "e.g. bolton_council/homelessness_cases_2016-03.csv."
        )
    return parts[0], match["dataset"], match["period"]


def unsafe_entry(folder: Path, path: Path) -> str | None:
    """Why `path` may not be read from the drop folder (a link or not a regular file), or None.

    Looks at each part of the path below `folder` without following links.
    """
    here = folder
    for part in path.relative_to(folder).parts:
        here = here / part
        mode = os.lstat(here).st_mode
        if stat.S_ISLNK(mode):
            what = "partner folder" if here != path else "file"
            return (
                f"the {what} {here.relative_to(folder)} is a symbolic link: a drop folder takes "
                "only files placed in it, so the link was not followed. Copy the extract itself "
                "into the partner's folder."
            )
    if not stat.S_ISREG(os.lstat(path).st_mode):
        return (
            f"{path.relative_to(folder)} is not a regular file (a pipe, socket or device): put "
            "the extract itself in the partner's folder."
        )
    return None


def ingest_folder(
    workspace: Workspace,
    identity: Identity,
    folder: Path,
    *,
    progress: Progress | None = None,
    settle: float = DEFAULT_SETTLE,
    wait: bool = True,
) -> list[IngestOutcome]:
    """Submit every waiting file that has settled, filing each away with its report.

    A file changed less than `settle` seconds ago is waited for (`wait`, a one-off run: at most
    `settle` seconds once for all of them) or left for a later pass (a watching run).
    """
    _sweep_leftovers(folder)
    clash = _name_clash(folder)
    listed = _listed(folder)
    young = {p for p, seen in listed.items() if _age(seen) < settle}
    if young and wait:
        time.sleep(max(settle - min(_age(listed[p]) for p in young), 0.0))
        young = {p for p in young if _changed(p, listed[p]) or _age(listed[p]) < settle}
    waiting = [p for p in listed if p not in young or wait]
    outcomes = []
    for done, path in enumerate(waiting):
        if progress:
            progress(done, len(waiting), path.name)
        if path in young:
            gone = not path.exists() and not path.is_symlink()
            outcomes.append(
                IngestOutcome(path, None, "skipped", "taken by another ingest run.")
                if gone
                else _still_changing(path)
            )
            continue
        outcomes.append(_ingest_one(workspace, identity, folder, path, listed[path], clash))
    if progress:
        progress(len(waiting), len(waiting), "done")
    return outcomes


def _listed(folder: Path) -> dict[Path, _Seen | None]:
    """Each waiting entry with its state (None for a link or special file: never read)."""
    listed: dict[Path, _Seen | None] = {}
    for path in drop_files(folder):
        with suppress(FileNotFoundError):  # taken by another run meanwhile
            found = os.lstat(path)
            listed[path] = _Seen.of(found) if stat.S_ISREG(found.st_mode) else None
    return listed


def _age(seen: _Seen | None) -> float:
    return float("inf") if seen is None else time.time() - seen.mtime_ns / 1e9


def _changed(path: Path, seen: _Seen | None) -> bool:
    if seen is None:
        return False
    try:
        return _Seen.of(os.lstat(path)) != seen
    except FileNotFoundError:
        return True


def _still_changing(path: Path) -> IngestOutcome:
    return IngestOutcome(
        path, None, "waiting",
        "still being written (it changed in the last few seconds): left in the drop folder, "
        "it will be taken by the next run once it stops changing.",
    )  # fmt: skip


def _ingest_one(
    workspace: Workspace,
    identity: Identity,
    folder: Path,
    path: Path,
    seen: _Seen | None,
    clash: str | None,
) -> IngestOutcome:
    partner, dataset, period = "", path.stem, ""
    try:
        partner, dataset, period = parse_drop_name(folder, path)
        unsafe = unsafe_entry(folder, path)
        if unsafe is not None or seen is None:
            raise UsageError(unsafe or f"{path.name} is not a regular file.")
    except (UsageError, AccessDenied) as refusal:
        return _refuse(folder, path, refusal, dataset, partner, period, clash)
    except FileNotFoundError:
        return IngestOutcome(path, None, "skipped", "taken by another ingest run.")
    with _claimed(path, seen) as staged:
        if staged is None:
            return IngestOutcome(path, None, "skipped", "being loaded by another ingest run.")
        if isinstance(staged, str):
            return IngestOutcome(path, None, "waiting", staged)
        try:
            result = workspace.submit(
                identity, staged, dataset=dataset, partner=partner, period=period,
                file_name=path.name,
            )  # fmt: skip
        except (UsageError, AccessDenied) as refusal:
            return _refuse(folder, path, refusal, dataset, partner, period, clash)
        if _changed(path, seen):
            return IngestOutcome(
                path, None, "waiting",
                f"{result.summary} But the file changed while it was being loaded, so it was "
                "left in the drop folder: it will be loaded again once it stops changing.",
                result.submission_id,
            )  # fmt: skip
        where = PROCESSED if result.accepted else REJECTED
        return _filed(folder, path, where, result.to_json(), clash, result.status,
                      result.summary, result.submission_id)  # fmt: skip


@contextmanager
def _claimed(path: Path, seen: _Seen) -> Iterator[Path | str | None]:
    """Lock `path` for this run and copy it to a private staging file; yield that file.

    Yields None when another run holds the file (or has moved it), and a message when the file
    changed since it was listed. The file is opened without following links, and the copy is
    made from the open file, so a link swapped in meanwhile is never read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ELOOP):
            yield None if error.errno == errno.ENOENT else "it became a link: left in place."
            return
        raise
    staging = Path(tempfile.mkdtemp(prefix="shared-outcomes-ingest-"))  # private (0700)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        if _Seen.of(os.fstat(descriptor)) != seen or _changed(path, seen):
            yield None if not path.exists() else "it changed since the run began: left in place."
            return
        if _open_for_writing_elsewhere(descriptor):
            yield (
                "another program still has it open for writing: left in the drop folder, it "
                "will be taken once that program has closed it."
            )
            return
        staged = staging / path.name
        with open(staged, "wb") as out, os.fdopen(os.dup(descriptor), "rb") as source:
            shutil.copyfileobj(source, out, _COPY_CHUNK)
        if _Seen.of(os.fstat(descriptor)) != seen:
            yield (
                "it changed while it was being read (it is probably still being written): "
                "left in the drop folder, it will be taken once it stops changing."
            )
            return
        yield staged
    finally:
        os.close(descriptor)  # releases the lock
        shutil.rmtree(staging, ignore_errors=True)


def _open_for_writing_elsewhere(descriptor: int) -> bool:
    """Whether another process has the file open for writing (Linux; False where unknown).

    Linux grants a read lease only while nobody else has the file open for writing, so taking
    one and giving it back at once answers the question. The lease's break signal is set to
    SIGURG, which is ignored by default, so a writer opening the file in that instant cannot
    stop this process. Where leases are not available (another OS, a network file system, a
    file owned by another account without CAP_LEASE) the settle interval alone decides.
    """
    set_lease = getattr(fcntl, "F_SETLEASE", None)
    if set_lease is None or not sys.platform.startswith("linux"):
        return False
    try:
        fcntl.fcntl(descriptor, getattr(fcntl, "F_SETSIG", _F_SETSIG), signal.SIGURG)
        fcntl.fcntl(descriptor, set_lease, fcntl.F_RDLCK)
    except OSError as error:
        return error.errno in (errno.EAGAIN, errno.EBUSY)
    fcntl.fcntl(descriptor, set_lease, fcntl.F_UNLCK)
    return False


def _refuse(
    folder: Path,
    path: Path,
    refusal: UsageError | AccessDenied,
    dataset: str,
    partner: str,
    period: str,
    clash: str | None,
) -> IngestOutcome:
    report = _refusal_report(refusal, path.name, dataset, partner, period)
    payload = json.loads(report.model_dump_json())
    payload.update(submission_id=None, status="rejected", supersedes=None)
    return _filed(
        folder, path, REJECTED, json.dumps(payload, indent=2), clash, "refused", refusal.message
    )


def _refusal_report(
    refusal: UsageError | AccessDenied, file_name: str, dataset: str, partner: str, period: str
) -> Report:
    finding = describe("submission-refused", reason=refusal.message)
    return Report(
        accepted=False,
        dataset=dataset,
        partner=partner or None,
        period=period or None,
        file_name=file_name,
        findings=[finding],
    )


def _name_clash(folder: Path) -> str | None:
    """Why processed/ or rejected/ cannot be used (a file or link of that name), or None."""
    for name in (PROCESSED, REJECTED):
        place = folder / name
        if place.is_symlink() or (place.exists() and not place.is_dir()):
            return (
                f"{place} is in the way: the drop folder needs {name}/ to be a folder of its "
                f"own (not a file or a link). Rename or move {name!r}, then run the ingest again."
            )
    return None


def _filed(
    folder: Path,
    path: Path,
    where: str,
    report: str,
    clash: str | None,
    status: str,
    message: str,
    submission_id: int | None = None,
) -> IngestOutcome:
    """The file moved to `where` with its report, or an `error` outcome saying why it stayed."""
    if clash is not None and where in clash:
        return IngestOutcome(path, None, "error", f"{message} Not filed away: {clash}",
                             submission_id)  # fmt: skip
    try:
        moved = _file_away(folder, path, where, report)
    except FileNotFoundError:
        return IngestOutcome(path, None, "skipped", "taken by another ingest run.", submission_id)
    except OSError as error:
        problem = f"{message} It could not be moved to {where}/ ({error.strerror}): left in place."
        return IngestOutcome(path, None, "error", problem, submission_id)
    return IngestOutcome(path, moved, status, message, submission_id)


def _file_away(folder: Path, path: Path, where: str, report: str) -> Path:
    """Write the report, then move the file beside it (never overwriting an earlier file).

    The report's name is claimed first with a link that fails if the name is taken, so two
    runs can never file two files under one name.
    """
    partner_folder = path.parent.relative_to(folder)
    target_dir = folder / where / partner_folder
    target_dir.mkdir(parents=True, exist_ok=True)
    descriptor, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target_dir)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(report + "\n")
        counter = 1
        target = target_dir / path.name
        while True:
            report_path = target.with_name(target.name + REPORT_SUFFIX)
            if not target.exists() and not target.is_symlink():
                try:
                    os.link(temp, report_path)
                    break
                except FileExistsError:
                    pass
            counter += 1
            target = target_dir / f"{path.stem}.{counter}{path.suffix}"
    finally:
        Path(temp).unlink(missing_ok=True)
    try:
        os.replace(path, target)
    except BaseException:
        report_path.unlink(missing_ok=True)
        raise
    return target


def _sweep_leftovers(folder: Path) -> None:
    """Remove temporary reports a killed run left in processed/ and rejected/."""
    for name in (PROCESSED, REJECTED):
        place = folder / name
        if place.is_dir() and not place.is_symlink():
            sweep_temps(place, older_than=_TEMP_AGE)


def watch_folder(
    workspace: Workspace,
    identity: Identity,
    folder: Path,
    *,
    on_outcome: Callable[[IngestOutcome], None],
    interval: float = 2.0,
    settle: float = DEFAULT_SETTLE,
    keep_going: Callable[[], bool] = lambda: True,
    on_problem: Callable[[SharedOutcomesError, float], None] = lambda _error, _wait: None,
) -> None:
    """Keep ingesting files as they arrive, once each has not changed for `settle` seconds.

    A round the warehouse cannot take (the catalog's server down or restarting, the database
    busy, the disk full) stores nothing half-way: the file it was at stays in the folder, the
    problem goes to `on_problem` with the seconds until the next try (doubling from `interval`
    up to `RETRY_AT_MOST`), and the next round starts again from the folder.
    """
    wait = interval
    while keep_going():
        try:
            for outcome in ingest_folder(workspace, identity, folder, settle=settle, wait=False):
                on_outcome(outcome)
        except (WarehouseError, WarehouseBusy, StorageError) as problem:
            wait = min(max(wait * 2, interval), RETRY_AT_MOST)
            on_problem(problem, wait)
            time.sleep(wait)
            continue
        wait = interval
        time.sleep(interval)
