"""The Submit page's failing-rows download (AppTest): offered only when rows are at fault, made
when the person clicks, and audited only once it is made.

The download is deferred (st.download_button's `data` is a callable): the browser asks the
server to make the file when the button is pressed. Here the callable is kept when the page
registers it and called as the server would then, so the test sees exactly what the browser
would get and when the audit entry is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from support import shown

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "sample_data" / "rejected_examples"
ADMIN = Identity("demo-admin", "Demo: administrator (the centre)", Role.ADMIN)
#: A hand-edited file: four rows lost the quotes round "Central Library, St Peter’s Square".
RAGGED = EXAMPLES / "gm_voluntary_alliance" / "digital_inclusion_2017-01.csv"
#: The household_type column was deleted: only a whole-file problem.
MISSING_COLUMN = EXAMPLES / "bury_council" / "homelessness_cases_2016-07.csv"
FAILING_LABEL = "Download the failing rows (CSV)"


def _downloads(db: Path) -> list[dict[str, Any]]:
    ws = Workspace.open(load_settings(db=db, root=ROOT))
    return list(ws.audit_entries(ADMIN, action="download").iter_rows(named=True))


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """Each deferred download the page registers, by file name, not yet made."""
    kept: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def keep(self: Any, data_callable: Callable[[], Any], *args: Any, **kwargs: Any) -> str:
        name = kwargs.get("file_name") or (args[2] if len(args) > 2 else None)
        if name:
            kept[name] = data_callable
        return original(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return kept


def _submit(open_page: Callable[..., AppTest], user: str, path: Path, dataset: str) -> AppTest:
    """The Submit page, signed in as `user`, with `path` uploaded for its month."""
    period = path.stem.rsplit("_", 1)[1]
    at = open_page("Submit an extract", user)
    at.selectbox(key="dataset").set_value(dataset)
    at.selectbox(key="period").set_value(period)
    at.run()
    at.file_uploader(key="file").set_value((path.name, path.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception
    assert shown(at.error[0].value).startswith("Rejected:")
    return at


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _ragged(open_page: Callable[..., AppTest]) -> AppTest:
    return _submit(open_page, "demo-gm_voluntary_alliance", RAGGED, "digital_inclusion")


def test_the_failing_rows_are_audited_when_made_not_when_offered(
    open_page: Callable[..., AppTest], app_db: Path, deferred: dict[str, Callable[[], Any]]
) -> None:
    at = _ragged(open_page)
    assert [b.label for b in at.download_button] == [
        FAILING_LABEL,
        "Download your rows with the problems marked (Excel)",
        "Download the full report (JSON)",
    ]
    assert _downloads(app_db) == []  # offered, not made: nothing recorded

    data = deferred["digital_inclusion_2017-01_failing_rows.csv"]()  # the person clicks
    assert [r["spreadsheet_row"] for r in _rows(data)] == ["18", "19", "20", "21"]
    (entry,) = _downloads(app_db)
    assert (entry["user_id"], entry["partner"], entry["dataset"], entry["outcome"]) == (
        "demo-gm_voluntary_alliance",
        "gm_voluntary_alliance",
        "digital_inclusion",
        "allowed",
    )
    assert json.loads(entry["detail"]) == {"what": "failing_rows.csv", "period": "2017-01"}

    marked = deferred["digital_inclusion_2017-01_errors.xlsx"]()  # the errors workbook too
    assert marked.startswith(b"PK")  # an .xlsx is a zip
    assert sorted(json.loads(e["detail"])["what"] for e in _downloads(app_db)) == [
        "errors_workbook.xlsx", "failing_rows.csv",
    ]  # fmt: skip


def test_a_download_whose_file_is_gone_fails_and_is_not_audited(
    open_page: Callable[..., AppTest], app_db: Path, deferred: dict[str, Callable[[], Any]]
) -> None:
    at = _ragged(open_page)
    at.session_state["checked_upload"].failing_rows.unlink()  # e.g. removed in another tab
    with pytest.raises(FileNotFoundError):  # the server says "Download failed" to the browser
        deferred["digital_inclusion_2017-01_failing_rows.csv"]()
    assert _downloads(app_db) == []


def test_a_ragged_row_is_downloaded_as_the_partner_wrote_it(
    open_page: Callable[..., AppTest], deferred: dict[str, Callable[[], Any]]
) -> None:
    _ragged(open_page)
    rows = _rows(deferred["digital_inclusion_2017-01_failing_rows.csv"]())
    assert rows[0]["problems"] == "ragged-row"
    assert rows[0]["raw_line"] == ("2017-01,E08000003,Central Library, St Peter’s Square,16-24,3,1")


def test_a_file_with_only_whole_file_problems_offers_no_failing_rows(
    open_page: Callable[..., AppTest], app_db: Path, deferred: dict[str, Callable[[], Any]]
) -> None:
    at = _submit(open_page, "demo-bury_council", MISSING_COLUMN, "homelessness_cases")
    assert "missing-column" in {shown(c) for c in at.table[0].value["Code"]}
    # The errors workbook is still offered: its Errors sheet leads with the whole-file problems.
    assert [b.label for b in at.download_button] == [
        "Download your rows with the problems marked (Excel)",
        "Download the full report (JSON)",
    ]
    assert not [name for name in deferred if "failing_rows" in name]
    said = [shown(i.value) for i in at.info]
    assert any(
        s.startswith("No single rows are at fault: the problems are with the file as a whole")
        for s in said
    ), said
    assert _downloads(app_db) == []
