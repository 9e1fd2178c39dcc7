"""Text from partners and people reaches the pages escaped, so Streamlit shows it as written.

Streamlit renders Markdown in st.markdown, captions, alerts, labels and every st.table cell; what a
partner wrote (file names, header cells, cells) and what configuration names (partners, users)
must come through as escaped text. The browser test (tests/e2e/test_partner_text_browser.py)
checks what Chromium then shows; these check every page element's source in AppTest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import (
    HOSTILE_CELL,
    HOSTILE_FILE_NAME,
    HOSTILE_HEADER,
    make_hostile_extract,
    shown,
)

from shared_outcomes.access.accounts import Directory, UserRecord
from shared_outcomes.access.roles import SYSTEM, Role
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
HOSTILE = (HOSTILE_FILE_NAME, HOSTILE_HEADER, HOSTILE_CELL)


def _sources(at: AppTest) -> Iterator[str]:
    """The Markdown source of every element that renders Markdown, table cells included."""
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title"):
        for element in at.get(kind):
            yield str(element.value)
    for kind in ("header", "subheader"):
        for element in at.get(kind):
            yield str(element.value)
    for table in at.table:
        frame = table.value
        yield from (str(name) for name in frame.columns)
        for column in frame.columns:
            yield from (str(v) for v in frame[column].tolist() if isinstance(v, str))
    for widgets in (at.checkbox, at.button, at.expander):
        yield from (str(widget.label) for widget in widgets)


def _check_shown_as_written(at: AppTest, *texts: str) -> None:
    sources = list(_sources(at))
    for text in texts:
        assert not any(text in source for source in sources), f"rendered as Markdown: {text!r}"
        assert any(text in shown(source) for source in sources), f"not shown: {text!r}"
    assert not any("](https://evil.invalid" in source for source in sources)


@pytest.fixture
def hostile_submission(app_db: Path) -> int:
    files = make_hostile_extract()
    ws = Workspace.open(load_settings(db=app_db, root=ROOT))
    result = ws.submit(
        SYSTEM,
        files.bad,
        dataset=files.dataset,
        partner=files.partner,
        period=files.period,
        file_name=HOSTILE_FILE_NAME,
    )
    assert result.status == "rejected" and result.submission_id is not None
    return result.submission_id


def test_the_data_quality_page_escapes_the_partners_file_name_header_and_cells(
    open_page: Callable[..., AppTest], hostile_submission: int
) -> None:
    dataset = make_hostile_extract().dataset  # recent submissions and reports are per dataset
    at = open_page("Data quality and timeliness", "demo-bolton_council")
    at.selectbox(key="dq_dataset").set_value(dataset)
    at.run()
    assert not at.exception
    assert at.selectbox(key="dq_report").value == hostile_submission
    _check_shown_as_written(at, *HOSTILE)

    board = open_page("Data quality and timeliness", "demo-leadership")
    board.selectbox(key="dq_dataset").set_value(dataset)
    board.run()
    assert not board.exception
    _check_shown_as_written(board, HOSTILE_FILE_NAME)


def test_the_submit_page_escapes_an_uploaded_files_name_header_and_cells(
    open_page: Callable[..., AppTest],
) -> None:
    files = make_hostile_extract()
    at = open_page("Submit an extract", "demo-bolton_council")
    at.selectbox(key="dataset").set_value(files.dataset)
    at.selectbox(key="period").set_value(files.period)
    at.run()
    at.file_uploader(key="file").set_value((HOSTILE_FILE_NAME, files.bad, "text/csv"))
    at.run()
    assert not at.exception
    assert shown(at.error[0].value).startswith("Rejected:")
    _check_shown_as_written(at, *HOSTILE)


@pytest.mark.usefixtures("hostile_submission")
def test_the_audit_log_escapes_file_names_and_user_names(
    open_page: Callable[..., AppTest],
) -> None:
    at = open_page("Common picture", "demo-admin")
    at.switch_page("app_pages/audit_log.py")
    at.run()
    assert not at.exception
    details = [shown(v) for v in at.table[0].value["Detail"].tolist()]
    assert any(HOSTILE_FILE_NAME in d for d in details)
    _check_shown_as_written(at, HOSTILE_FILE_NAME)


NAME = "[Ana](https://evil.invalid/me) **Lyst** :red[admin]"


@pytest.mark.usefixtures("app_db")
def test_a_users_display_name_is_shown_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "users.yaml"
    Directory(path, []).add(UserRecord(id="ana", name=NAME, role=Role.ANALYST), "correct horse 1")
    monkeypatch.setenv("SHARED_OUTCOMES_USERS", str(path))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.text_input[0].input("ana")
    at.text_input[1].input("correct horse 1")
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert not at.exception and not at.error
    panel = [str(m.value) for m in at.sidebar.markdown]
    assert not any(NAME in m for m in panel)
    assert f"Signed in as **{NAME}** (Joint analysis team)" in [shown(m) for m in panel]
