"""An extract on its way through the submit page: a private copy on disk and its report.

Why on disk: a checked extract used to stay in the session as the file's bytes plus the checked
frames (several times the file's size), and Streamlit kept the uploaded bytes too, for as long
as the server ran (a closed tab's session expires without releasing its uploads), so the
server's memory grew by ~440 MB per 100 MB upload and was never given back. Now an upload is
copied at once to a private temporary file (named by `tempfile`, never by the uploaded file's
name) and dropped from Streamlit's memory; the session keeps only that path, the report and,
for a rejected file, the path of its failing rows. The copy is what is checked and loaded, and
it is deleted after the load, when the file is removed, or when another is uploaded.

Where: a folder of this server process alone (`upload_dir`), made by `tempfile.mkdtemp` (mode
0700, a new random name, so nobody else can have made it first or read it), never a fixed name
in the shared temporary folder. It is removed when the process ends; the folders of processes
that ended without removing theirs (a crash, a kill) are removed when a new one is made.
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from shared_outcomes.checking.workbook import WORKBOOK_SUFFIXES
from shared_outcomes.present.errors_workbook import has_errors_workbook, write_errors_workbook
from shared_outcomes.present.report_text import failing_rows_csv

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    from shared_outcomes.access.roles import Identity
    from shared_outcomes.checking.report import Report
    from shared_outcomes.workspace import Workspace

#: The start of each process's upload folder's name: `<prefix><pid>-<random>` in the temp folder.
UPLOAD_DIR_PREFIX = "shared_outcomes_uploads-"
#: The one folder earlier versions shared between processes; never used now.
LEGACY_UPLOAD_DIR = "shared_outcomes_uploads"
#: Copies older than this belong to sessions that ended without a load; they are removed.
STALE_AFTER_S = 24 * 3600

_folder: tuple[int, Path] | None = None  # (the process that made it, the folder)
_folder_lock = threading.Lock()


def upload_dir() -> Path:
    """This process's private folder for uploads (made once per process, mode 0700)."""
    global _folder
    with _folder_lock:
        if _folder is not None and _folder[0] == os.getpid() and _folder[1].is_dir():
            return _folder[1]
        _remove_leftovers()
        made = Path(tempfile.mkdtemp(prefix=f"{UPLOAD_DIR_PREFIX}{os.getpid()}-"))
        atexit.register(shutil.rmtree, made, ignore_errors=True)
        _folder = (os.getpid(), made)
        return made


def _remove_leftovers() -> None:
    """Remove the upload folders of this user's processes that have ended.

    Only folders this user owns (never a link, never someone else's), named with the id of a
    process that no longer runs; and the shared folder of earlier versions if this user made it
    (mode 0700, as they did), since it may still hold copies of partners' extracts.
    """
    base = Path(tempfile.gettempdir())
    legacy = base / LEGACY_UPLOAD_DIR
    try:
        info = legacy.lstat()
        if (
            stat.S_ISDIR(info.st_mode)
            and info.st_uid == os.getuid()
            and stat.S_IMODE(info.st_mode) == 0o700
        ):
            shutil.rmtree(legacy, ignore_errors=True)
    except OSError:
        pass  # none, or not ours to look at
    try:
        found = list(base.glob(f"{UPLOAD_DIR_PREFIX}*"))
    except OSError:
        return
    for folder in found:
        pid = folder.name.removeprefix(UPLOAD_DIR_PREFIX).split("-", 1)[0]
        try:
            info = folder.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or not pid.isdigit():
            continue
        if not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (another user's, say): leave it
    return True


_RECEIVED, _CHECKED = "received_upload", "checked_upload"


@dataclass(frozen=True)
class Received:
    """An uploaded file, copied to disk: its copy, and its name and size as uploaded."""

    path: Path
    name: str
    size: int


@dataclass(frozen=True)
class Checked:
    """The check of the received file for one choice of partner, dataset and month."""

    key: Hashable
    report: Report
    failing_rows: Path | None  # a CSV of the failing rows, when there are errors
    errors_workbook: Path | None = None  # the partner's rows with the faults marked, if any
    sheets: tuple[str, ...] = ()  # a workbook's worksheets


def receive(upload: UploadedFile) -> Received:
    """Copy a new upload to a private file and drop it from Streamlit's memory."""
    discard()
    folder = upload_dir()
    _remove_stale(folder)
    suffix = Path(upload.name).suffix.lower()
    suffix = suffix if suffix in (".csv", *WORKBOOK_SUFFIXES) else ".csv"
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=folder)
    with os.fdopen(handle, "wb") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, length=1 << 20)
    received = Received(Path(name), upload.name, upload.size)
    st.session_state[_RECEIVED] = received
    _forget_upload(upload.file_id)
    return received


def received() -> Received | None:
    """The file this session uploaded and has not loaded or removed yet."""
    found = st.session_state.get(_RECEIVED)
    return found if isinstance(found, Received) and found.path.exists() else None


def current(key: Hashable) -> Checked | None:
    """The check of the received file if it was made for `key` (the same choices)."""
    found = st.session_state.get(_CHECKED)
    return found if isinstance(found, Checked) and found.key == key else None


def check(
    ws: Workspace,
    me: Identity,
    file: Received,
    key: Hashable,
    *,
    dataset: str,
    partner: str,
    period: str,
    sheet: str | None = None,
) -> Checked:
    """Check the received copy against the contract (a rejection is recorded in the register,
    as the CLI's are); keep only the report (and the failing rows and errors workbook, on
    disk)."""
    _drop_check()
    validation = ws.check_upload(
        me, file.path, dataset=dataset, partner=partner, period=period, file_name=file.name,
        sheet=sheet,
    )  # fmt: skip
    failing = marked = None
    if validation.report.errors:
        failing = file.path.with_suffix(".failing.csv")
        failing.write_bytes(
            failing_rows_csv(
                validation.report, validation.extract, validation.problems, source=file.path
            )
        )
    if has_errors_workbook(validation.report):
        marked = file.path.with_suffix(".errors.xlsx")
        write_errors_workbook(marked, validation.report, validation.extract, validation.problems)
    checked = Checked(key, validation.report, failing, marked, tuple(validation.sheets))
    st.session_state[_CHECKED] = checked
    return checked  # the checked frames go out of scope here


def discard() -> None:
    """Forget this session's upload and its check, and delete their files."""
    _drop_check()
    found = st.session_state.pop(_RECEIVED, None)
    if isinstance(found, Received):
        found.path.unlink(missing_ok=True)


def _drop_check() -> None:
    found = st.session_state.pop(_CHECKED, None)
    if isinstance(found, Checked):
        for made in (found.failing_rows, found.errors_workbook):
            if made is not None:
                made.unlink(missing_ok=True)


def _forget_upload(file_id: str) -> None:
    """Drop the uploaded bytes Streamlit holds for this session (we have our copy).

    Streamlit keeps a session's uploads until the session shuts down, and a session whose tab
    was closed expires without shutting down, so without this every upload stayed in memory.
    """
    ctx = get_script_run_ctx()
    # The in-memory manager Streamlit runs with has `remove_file`; its declared base does not.
    remove = getattr(ctx.uploaded_file_mgr, "remove_file", None) if ctx is not None else None
    if ctx is not None and remove is not None:
        remove(ctx.session_id, file_id)


def _remove_stale(folder: Path) -> None:
    """Remove copies of sessions that ended without a load (this process runs for weeks)."""
    cutoff = time.time() - STALE_AFTER_S
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue  # another session removed it first
