"""The upload flow in AppTest: a bad file shows its errors and loads nothing; a good one loads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import make_extracts, shown

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


def _register(db: Path) -> list[tuple[int, str]]:
    ws = Workspace.open(load_settings(db=db, root=ROOT))
    return [(s.submission_id, s.status) for s in ws.submissions(SYSTEM)]


def _choose_and_upload(at: AppTest, dataset: str, period: str, name: str, data: bytes) -> None:
    at.selectbox(key="dataset").set_value(dataset)
    at.selectbox(key="period").set_value(period)
    at.run()
    at.file_uploader(key="file").set_value((name, data, "text/csv"))
    at.run()


def test_a_bad_extract_shows_its_errors_first_and_loads_nothing(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    files = make_extracts()
    before = _register(app_db)
    at = open_page("Submit an extract", f"demo-{files.partner}")
    assert "200 MB" in " ".join(m.value for m in at.markdown)  # the upload limit is stated
    _choose_and_upload(at, files.dataset, files.period, "bad.csv", files.bad)

    assert not at.exception
    assert shown(at.error[0].value).startswith("Rejected: 2 problems")
    findings = at.table[0].value
    assert list(findings["Severity"]) == ["Error", "Error"]
    assert {shown(c) for c in findings["Column"]} == {"area_code", "applicant_age"}
    assert set(findings["Rows"]) == {"3", "4"}  # spreadsheet rows: header is row 1
    assert all(findings["How to fix it"])
    assert not [b for b in at.button if b.label == "Load into the shared warehouse"]
    after = _register(app_db)  # nothing loaded; the rejected attempt is recorded
    assert after[1:] == before and after[0][1] == "rejected"


def test_a_good_extract_loads_only_after_confirmation(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    files = make_extracts()
    before = _register(app_db)
    at = open_page("Submit an extract", f"demo-{files.partner}")
    _choose_and_upload(at, files.dataset, files.period, "good.csv", files.good)

    assert not at.exception and not at.error
    assert shown(at.success[0].value).startswith("Accepted:")
    load = next(b for b in at.button if b.label == "Load into the shared warehouse")
    assert load.disabled  # not before the confirmation
    assert _register(app_db) == before

    at.checkbox(key="confirm").check()
    at.run()
    next(b for b in at.button if b.label == "Load into the shared warehouse").click()
    at.run()

    assert not at.exception
    assert any("loaded as submission" in s.value for s in at.success)
    after = _register(app_db)
    assert len(after) == len(before) + 1
    assert after[0][1] == "accepted"


@pytest.mark.usefixtures("app_db")
def test_an_upload_is_kept_on_disk_not_in_memory_and_removed_after_the_load(
    open_page: Callable[..., AppTest],
) -> None:
    """Neither the session nor Streamlit keeps the file's bytes; its private copy goes at the
    load (the server's memory per upload session is measured by bench/bench_upload_memory.py)."""
    from app_pages import uploads

    files = make_extracts()
    at = open_page("Submit an extract", f"demo-{files.partner}")
    _choose_and_upload(at, files.dataset, files.period, "good.csv", files.good)
    assert shown(at.success[0].value).startswith("Accepted:")
    state = {key: at.session_state[key] for key in ("received_upload", "checked_upload")}
    copy = state["received_upload"].path
    assert copy.parent == uploads.upload_dir() and copy.name != "good.csv"
    assert copy.read_bytes() == files.good
    assert not any(isinstance(v, bytes) for v in state.values())
    assert not at.get("file_uploader")[0].value  # a fresh uploader: the bytes were dropped
    assert "**File:** good.csv" in " ".join(shown(m.value) for m in at.markdown)

    at.checkbox(key="confirm").check()
    at.run()
    next(b for b in at.button if b.label == "Load into the shared warehouse").click()
    at.run()
    assert any("loaded as submission" in s.value for s in at.success)
    assert not copy.exists()
    assert "received_upload" not in at.session_state


def test_removing_the_file_forgets_it(open_page: Callable[..., AppTest]) -> None:
    files = make_extracts()
    at = open_page("Submit an extract", f"demo-{files.partner}")
    _choose_and_upload(at, files.dataset, files.period, "bad.csv", files.bad)
    copy = at.session_state["received_upload"].path
    failing = at.session_state["checked_upload"].failing_rows
    assert copy.exists() and failing is not None and failing.exists()
    at.button(key="remove-file").click()
    at.run()
    assert not at.exception and not at.error
    assert not copy.exists() and not failing.exists()
    assert not [b for b in at.button if b.label == "Load into the shared warehouse"]
