"""A check on the Submit page is an attempt like the CLI's: a rejection is in the register (its
report kept, its raw file archived) and in the audit log; a role that may not submit is refused
on the page and the refusal audited."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest
from support import shown

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
REJECTED = ROOT / "sample_data" / "rejected_examples" / "wigan_council"
EXAMPLE = REJECTED / "homelessness_cases_2016-05.csv"


def _workspace(db: Path) -> Workspace:
    return Workspace.open(load_settings(db=db, root=ROOT))


def test_a_rejected_upload_is_recorded_with_its_report_and_raw_file(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    before = {s.submission_id for s in _workspace(app_db).submissions(SYSTEM)}
    at = open_page("Submit an extract", "demo-wigan_council")
    at.selectbox(key="dataset").set_value("homelessness_cases")
    at.selectbox(key="period").set_value("2016-05")
    at.run()
    data = EXAMPLE.read_bytes()
    at.file_uploader(key="file").set_value((EXAMPLE.name, data, "text/csv"))
    at.run()
    assert not at.exception
    assert shown(at.error[0].value).startswith("Rejected:")

    ws = _workspace(app_db)
    new = [s for s in ws.submissions(SYSTEM) if s.submission_id not in before]
    assert [(s.partner_id, s.dataset, s.period, s.status) for s in new] == [
        ("wigan_council", "homelessness_cases", "2016-05", "rejected")
    ]
    (attempt,) = new
    assert attempt.file_name == EXAMPLE.name
    assert attempt.sha256 == hashlib.sha256(data).hexdigest()
    report = ws.submission_report(SYSTEM, attempt.submission_id)
    assert report is not None and not report.accepted and report.errors
    archived = ws.warehouse.archive.path_for(attempt.sha256)
    assert archived.read_bytes() == data  # the raw file as it was sent
    entries = ws.audit.entries(action="submit_extract", user_id="demo-wigan_council")
    assert any(
        e.detail.get("status") == "rejected"
        and e.detail.get("submission_id") == attempt.submission_id
        for e in entries
    )


def test_a_role_that_may_not_submit_is_refused_on_the_page_and_audited(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    at = open_page("Submit an extract", "demo-leadership")
    assert not at.exception
    assert at.warning, "the page says why leadership cannot submit"
    denied = _workspace(app_db).audit.entries(action="submit_extract", outcome="denied")
    assert [e.user_id for e in denied] == ["demo-leadership"]
    assert json.dumps(denied[0].detail)  # the reason is kept
    assert denied[0].detail["reason"]
