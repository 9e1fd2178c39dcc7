"""An extract on its way through the submit page: a private copy on disk and its report.

Why on disk: a checked extract used to stay in the session as the file's bytes plus the checked
frames (several times the file's size), so the server's memory grew by ~400 MB per 100 MB
upload and was never given back while the session lived. Now the session keeps only the path
of a private temporary copy (named by `tempfile`, never by the uploaded file's name), the report
and, for a rejected file, the path of its failing rows; the copy is what is loaded, and it is
deleted after the load, when the file is removed from the page, or when another is checked.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from shared_outcomes.report import Report
    from shared_outcomes.service import Workspace

#: Where uploads wait between the check and the load (private to the server's user).
UPLOAD_DIR = Path(tempfile.gettempdir()) / "shared_outcomes_uploads"
#: Copies older than this belong to sessions that ended without a load; they are removed.
STALE_AFTER_S = 24 * 3600
_STATE = "checked_upload"


@dataclass(frozen=True)
class Checked:
    """A checked upload: what identifies it, its copy on disk and what the check found."""

    key: Hashable
    path: Path
    report: Report
    failing_rows: Path | None  # a CSV of the failing rows, when there are errors


def current(key: Hashable) -> Checked | None:
    """The checked upload of this session if it is the one `key` names (same file and choices)."""
    found = st.session_state.get(_STATE)
    if isinstance(found, Checked) and found.key == key and found.path.exists():
        return found
    return None


def check(
    ws: Workspace, upload: IO[bytes], key: Hashable, *, dataset: str, partner: str, period: str
) -> Checked:
    """Copy the upload to a private file, check it there, and keep only the report."""
    discard()
    _remove_stale()
    UPLOAD_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=".csv", dir=UPLOAD_DIR)
    path = Path(name)
    with os.fdopen(handle, "wb") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, length=1 << 20)
    file_name = getattr(upload, "name", None)
    validation = ws.validate(
        path, dataset=dataset, partner=partner, period=period, file_name=file_name
    )
    failing = None
    if validation.report.errors:
        failing = path.with_suffix(".failing.csv")
        failing.write_bytes(validation.failing_rows_csv())
    checked = Checked(key, path, validation.report, failing)
    st.session_state[_STATE] = checked
    return checked  # the checked frames go out of scope here


def discard() -> None:
    """Forget this session's checked upload and delete its files."""
    found = st.session_state.pop(_STATE, None)
    if isinstance(found, Checked):
        for path in (found.path, found.failing_rows):
            if path is not None:
                path.unlink(missing_ok=True)


def _remove_stale() -> None:
    if not UPLOAD_DIR.is_dir():
        return
    cutoff = time.time() - STALE_AFTER_S
    for path in UPLOAD_DIR.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue  # another session removed it first
