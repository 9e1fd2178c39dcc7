"""Every page runs over a database some of whose data was erased, and says so: the latest
month's Bolton homelessness return and every digital inclusion return of that month erased on
request, the pages mark the figures "Data erased on request", Your submissions shows the
tombstone in place of the version and offers neither its report nor its file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import ROOT, shown

from shared_outcomes.settings import load_settings
from shared_outcomes.warehouse.erasure import Erasure
from shared_outcomes.workspace import Workspace

pytestmark = pytest.mark.slow

MONTH = "2017-10"
PAGES = ["Common picture", "Explore", "Data quality and timeliness", "Your submissions",
         "Your returns", "Agreements"]  # fmt: skip


def _text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success]
    tables = [str(t.value) for t in at.dataframe]
    return "\n".join([*(shown(str(p.value)) for p in parts), *tables])


@pytest.fixture
def erased(app_db: Path) -> list[int]:
    wh = Workspace.open(load_settings(db=app_db, root=ROOT)).warehouse
    chosen = [
        s for s in wh.submissions(period=MONTH, status="accepted")
        if s.dataset == "digital_inclusion"
        or (s.dataset == "homelessness_cases" and s.partner_id == "bolton_council")
    ]  # fmt: skip
    assert len(chosen) > 1
    for s in chosen:
        wh.erase(Erasure(s.submission_id, datetime.now(UTC), "demo-admin", "request",
                         "Data subject request DSR-2026-014"))  # fmt: skip
    return [s.submission_id for s in chosen]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_and_marks_what_was_erased(
    open_page: Callable[..., AppTest], erased: list[int], page: str
) -> None:
    assert erased
    at = open_page(page, "demo-admin")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    if page == "Common picture":
        assert "Data erased on request" in _text(at)


def test_your_submissions_shows_the_tombstone_without_report_or_file(
    open_page: Callable[..., AppTest], erased: list[int], app_db: Path
) -> None:
    wh = Workspace.open(load_settings(db=app_db, root=ROOT)).warehouse
    (tomb,) = [i for i in erased if wh.submission(i).partner_id == "bolton_council"]  # type: ignore[union-attr]
    at = open_page("Your submissions", "demo-bolton_council")
    picker = at.selectbox(key="history_chosen")
    (label,) = [o for o in picker.options if o.startswith(f"#{tomb} ")]
    assert "erased on request on " in label and "demo-admin" in label
    at.selectbox(key="history_chosen").set_value(tomb)
    at.run()
    assert not at.exception and not at.error
    assert "This submission was erased" in _text(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the file as it was sent" not in labels
