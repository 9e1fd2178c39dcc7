"""The data-quality page's "Recent submissions" in AppTest: the chosen dataset only, newest first
by the time they were sent, with partners' names, dataset titles and months as people read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest
from support import make_extracts, shown

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.period import month_label
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/data_quality.py"


def _open(user: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.session_state["user_id"] = user  # signed in, as app.py's shell leaves the session
    at.run()
    return at


def _recent(at: AppTest) -> Any:
    """The recent-submissions table, its column names as the browser shows them."""
    tables = [t.value.rename(columns=shown) for t in at.table]
    (table,) = [t for t in tables if "Submitted (UTC)" in t.columns]
    return table


def _column(table: Any, name: str) -> list[str]:
    return [shown(str(v)) for v in table[name]]


def test_recent_submissions_are_the_chosen_datasets_newest_first_in_words(app_db: Path) -> None:
    ws = Workspace.open(load_settings(db=app_db, root=ROOT))
    register = ws.submissions(SYSTEM)
    # The sample's restatement was loaded last (the highest id) but sent before later months.
    dataset = "nhs_emergency_admissions"
    restated = max(s.submission_id for s in register)
    assert next(s for s in register if s.submission_id == restated).dataset == dataset
    newest = sorted(
        (s for s in register if s.dataset == dataset),
        key=lambda s: (s.submitted_at, s.submission_id),
        reverse=True,
    )

    at = _open("demo-analyst")
    at.selectbox(key="dq_dataset").set_value(dataset)
    at.run()
    assert not at.exception and not at.error
    recent = _recent(at)
    ids = [int(i) for i in recent["Submission"]]
    assert ids == [s.submission_id for s in newest[: len(ids)]]  # by time, not by id
    assert ids[0] != restated
    assert set(_column(recent, "Dataset")) == {ws.contracts[dataset].title}  # a title, not an id
    assert set(_column(recent, "Partner")) == {"NHS Greater Manchester Integrated Care"}
    assert _column(recent, "Month")[0] == month_label(newest[0].period)  # e.g. 'Oct 2017'
    times = _column(recent, "Submitted (UTC)")
    assert times == sorted(times, reverse=True)
    # The reports offered are of that dataset too.
    offered = {int(o) for o in at.selectbox(key="dq_report").options}
    assert offered <= {s.submission_id for s in newest}


def test_a_new_attempt_heads_its_datasets_list_and_no_other_dataset_shows(app_db: Path) -> None:
    files = make_extracts()
    ws = Workspace.open(load_settings(db=app_db, root=ROOT))
    result = ws.submit(
        SYSTEM, files.bad, dataset=files.dataset, partner=files.partner, period=files.period,
        file_name="bad.csv",
    )  # fmt: skip
    title = ws.contracts[files.dataset].title

    at = _open("demo-bolton_council")
    at.selectbox(key="dq_dataset").set_value(files.dataset)
    at.run()
    assert not at.exception
    recent = _recent(at)
    assert int(recent["Submission"].iloc[0]) == result.submission_id
    first = {name: shown(str(value)) for name, value in recent.iloc[0].items()}
    assert (first["Partner"], first["Dataset"], first["File"], first["Status"]) == (
        files.partner_name,
        title,
        "bad.csv",
        "rejected",
    )
    assert first["Month"] == month_label(files.period)
    assert set(_column(recent, "Dataset")) == {title}

    at.selectbox(key="dq_dataset").set_value("workforce_vacancies")
    at.run()
    assert not at.exception
    recent = _recent(at)
    assert result.submission_id not in [int(i) for i in recent["Submission"]]
    assert set(_column(recent, "Dataset")) == {ws.contracts["workforce_vacancies"].title}
