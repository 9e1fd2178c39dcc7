"""The "Your submissions" page in AppTest: a partner's own versions only (superseded and rejected
included), each with its report and its file as sent; the download audited only when made."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from support import HOSTILE_FILE_NAME, make_extracts, make_hostile_extract, shown

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/my_submissions.py"
ADMIN = Identity("demo-admin", "Demo: administrator (the centre)", Role.ADMIN)
BOLTON = Identity(
    "demo-bolton_council",
    "Demo: submitter at Bolton Council",
    Role.PARTNER_SUBMITTER,
    partner_id="bolton_council",
)
BURY = Identity(
    "demo-bury_council",
    "Demo: submitter at Bury Council",
    Role.PARTNER_SUBMITTER,
    partner_id="bury_council",
)


@dataclass(frozen=True)
class Sent:
    """What the test sent on top of the sample: Bolton's rejected file, its correction of its
    latest month (which supersedes the sample's version) and a rejected file of Bury's."""

    rejected: int
    correction: int
    superseded: int
    bury_rejected: int
    bad: bytes


def _workspace(db: Path) -> Workspace:
    return Workspace.open(load_settings(db=db, root=ROOT))


def _audit(db: Path, **filters: Any) -> list[dict[str, Any]]:
    return list(_workspace(db).audit_entries(ADMIN, **filters).iter_rows(named=True))


def _text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success]
    return "\n".join(shown(str(p.value)) for p in parts)


@pytest.fixture
def sent(app_db: Path) -> Sent:
    ws = _workspace(app_db)
    files = make_extracts()
    rejected = ws.submit(
        BOLTON, files.bad, dataset=files.dataset, partner=files.partner, period=files.period,
        file_name="bad.csv",
    )  # fmt: skip
    correction = ws.submit(
        BOLTON, files.good, dataset=files.dataset, partner=files.partner, period=files.period,
        file_name="corrected.csv",
    )  # fmt: skip
    bury = make_extracts("bury_council", "Bury Council")
    other = ws.submit(
        BURY, bury.bad, dataset=bury.dataset, partner=bury.partner, period=bury.period,
        file_name="bury_bad.csv",
    )  # fmt: skip
    assert (rejected.status, correction.status, other.status) == ("rejected", "loaded", "rejected")
    assert rejected.submission_id and correction.submission_id and correction.supersedes
    assert other.submission_id
    return Sent(
        rejected.submission_id,
        correction.submission_id,
        correction.supersedes,
        other.submission_id,
        files.bad,
    )


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every file the page offers for download, by file name, as the browser would get it."""
    offered: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def keep(self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: Any = None) -> str:
        if filename and isinstance(path_or_data, bytes):
            offered[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def defer(self: Any, data_callable: Callable[[], Any], *args: Any, **kwargs: Any) -> str:
        name = kwargs.get("file_name") or (args[2] if len(args) > 2 else None)
        if name:  # made when the button is pressed: make it now, as the server would then
            offered[name] = data_callable()
        return original_deferred(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    monkeypatch.setattr(MediaFileManager, "add_deferred", defer)
    return offered


def _open(user: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.session_state["user_id"] = user  # signed in, as app.py's shell leaves the session
    at.run()
    return at


def _history(at: AppTest) -> Any:
    return at.table[0].value


def test_a_partner_sees_its_own_submissions_newest_first_rejected_and_superseded_included(
    app_db: Path, sent: Sent
) -> None:
    at = _open(BOLTON.user_id)
    assert not at.exception and not at.error
    assert at.title[0].value == "Your submissions"
    assert "Partner" not in [s.label for s in at.selectbox]  # a submitter has no partner picker

    history = _history(at)
    ids = [int(i) for i in history["Submission"]]
    ws = _workspace(app_db)
    register = {s.submission_id for s in ws.partner_submissions(ADMIN, "bolton_council")}
    assert set(ids) == register  # every one of Bolton's versions, and nothing else
    assert sent.bury_rejected not in ids  # sent last, by another partner: never shown
    assert ids[:2] == [sent.correction, sent.rejected]  # newest first by time, not by id
    status = dict(zip(ids, (shown(s) for s in history["Status"]), strict=True))
    assert status[sent.rejected] == "rejected"
    assert status[sent.superseded] == f"superseded by #{sent.correction}"
    assert status[sent.correction] == "accepted"
    titles = {ws.contracts[d].title for d in ("homelessness_cases", "workforce_vacancies")}
    assert {shown(d) for d in history["Dataset"]} == titles  # titles, not ids
    assert {shown(m) for m in history["Month"]} >= {"Oct 2017"}  # months as people read them
    row = ids.index(sent.rejected)
    assert shown(history["File"].iloc[row]) == "bad.csv"
    assert shown(history["Submitted by"].iloc[row]) == BOLTON.user_id


def test_the_dataset_filter_keeps_one_dataset(app_db: Path, sent: Sent) -> None:
    at = _open(BOLTON.user_id)
    at.selectbox(key="history_dataset").set_value("workforce_vacancies")
    at.run()
    assert not at.exception and not at.error
    history = _history(at)
    title = _workspace(app_db).contracts["workforce_vacancies"].title
    assert {shown(d) for d in history["Dataset"]} == {title}
    assert sent.rejected not in [int(i) for i in history["Submission"]]


def test_the_chosen_submissions_report_and_file_as_sent_audited_only_on_click(
    app_db: Path, sent: Sent, downloads: dict[str, bytes]
) -> None:
    at = _open(BOLTON.user_id)
    at.selectbox(key="history_chosen").set_value(sent.rejected)
    at.run()
    assert not at.exception
    assert shown(at.error[0].value).startswith("Rejected: 2 problems")
    findings = at.table[1].value
    assert list(findings["Severity"]) == ["Error", "Error"]
    assert {shown(c) for c in findings["Column"]} == {"area_code", "applicant_age"}

    (button,) = at.download_button
    assert button.label == "Download the file as it was sent"
    assert downloads["bad.csv"] == sent.bad  # byte for byte, as archived
    assert not _audit(app_db, action="download")  # offered, not yet made

    button.click()
    at.run()
    assert not at.exception
    (entry,) = _audit(app_db, action="download")
    assert entry["user_id"] == BOLTON.user_id
    assert (entry["partner"], entry["dataset"]) == ("bolton_council", "homelessness_cases")
    assert f'"submission_id": {sent.rejected}' in entry["detail"]
    assert '"what": "submitted_file"' in entry["detail"]


def test_another_partners_submissions_never_appear(sent: Sent) -> None:
    at = _open(BURY.user_id)
    assert not at.exception
    ids = [int(i) for i in _history(at)["Submission"]]
    assert sent.bury_rejected == ids[0]  # chosen by default: its report is the only error
    assert [shown(e.value)[:9] for e in at.error] == ["Rejected:"]
    assert not {sent.rejected, sent.correction, sent.superseded} & set(ids)
    assert "Bolton" not in _text(at)


def test_leadership_is_refused_and_the_refusal_audited(app_db: Path) -> None:
    at = _open("demo-leadership")
    assert not at.exception
    assert "cannot see partners' submission reports" in shown(at.error[0].value)
    assert not at.table and not at.selectbox and not at.download_button
    (denied,) = _audit(app_db, action="view_submission_history", outcome="denied")
    assert denied["user_id"] == "demo-leadership"


def test_the_analysis_team_picks_any_partner_and_downloads_only_what_its_agreement_covers(
    sent: Sent,
) -> None:
    at = _open("demo-analyst")
    assert not at.exception and not at.error
    partner = at.selectbox(key="history_partner")
    assert {"Bolton Council", "Bury Council", "Greater Manchester Police"} <= set(partner.options)
    partner.set_value("bury_council")
    at.run()
    assert sent.bury_rejected == int(_history(at)["Submission"].iloc[0])
    assert at.download_button  # homelessness_cases: the demo analyst's agreement covers it

    at.selectbox(key="history_dataset").set_value("workforce_vacancies")
    at.run()
    at.selectbox(key="history_partner").set_value("nhs_gm_icb")  # it submits that one too
    at.run()
    assert not at.exception and not at.error
    at.selectbox(key="history_partner").set_value("gm_fire_rescue")  # which does not
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="history_dataset").value == ""  # back to all datasets
    at.selectbox(key="history_partner").set_value("nhs_gm_icb")
    at.run()
    at.selectbox(key="history_dataset").set_value("nhs_emergency_admissions")
    at.run()
    assert not at.exception and not at.error
    assert not at.download_button
    assert "data-sharing agreement does not cover" in _text(at)


def test_a_hostile_file_name_is_shown_as_written_and_downloaded_under_a_safe_name(
    app_db: Path, downloads: dict[str, bytes]
) -> None:
    files = make_hostile_extract()
    result = _workspace(app_db).submit(
        BOLTON, files.bad, dataset=files.dataset, partner=files.partner, period=files.period,
        file_name=HOSTILE_FILE_NAME,
    )  # fmt: skip
    at = _open(BOLTON.user_id)
    assert not at.exception
    assert at.selectbox(key="history_chosen").value == result.submission_id  # the newest
    cells = [str(v) for t in at.table for c in t.value.columns for v in t.value[c].tolist()]
    sources = cells + [str(e.value) for kind in ("markdown", "error") for e in at.get(kind)]
    assert not any(HOSTILE_FILE_NAME in s for s in sources)  # never rendered as Markdown
    assert any(shown(s) == HOSTILE_FILE_NAME for s in cells)  # shown exactly as sent
    assert not any("](https://evil.invalid" in s for s in sources)
    (name,) = downloads
    assert "/" not in name and "[" not in name and name.endswith(".csv")
    assert downloads[name] == files.bad
