"""The Data quality page reads the obligations (`Workspace.timeliness`), as Your returns, the
`obligations` command and the reminders do: the returns still owed, and each partner's record,
change when a partner declares a nil return or the centre excuses a return."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import ROOT, shown

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

pytestmark = pytest.mark.slow

PAGE = "Data quality and timeliness"
TAMESIDE = Identity("demo-tameside_council", "Tam", Role.PARTNER_SUBMITTER, "tameside_council")
OVERSIGHT = Identity("demo-oversight", "Pat", Role.OVERSIGHT)


def _table(at: AppTest, column: str) -> list[dict[str, str]]:
    """The rows of the one table with `column`, as the browser shows them."""
    (frame,) = [t.value for t in at.table if column in [shown(c) for c in t.value.columns]]
    return [{shown(k): shown(str(v)) for k, v in r.items()} for r in frame.to_dict("records")]


def test_the_returns_still_owed_and_each_record_follow_the_obligations(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    at = open_page(PAGE, "demo-analyst")
    assert not at.exception and not at.error
    owed = _table(at, "Due")
    # Tameside's October 2017 returns never arrived (the sample's last month).
    assert [(r["Partner"], r["Month"], r["State"]) for r in owed] == [
        ("Tameside Council", "Oct 2017", "overdue")
    ] * 2
    record = {r["Partner"]: r for r in _table(at, "Returns due")}
    assert record["Tameside Council"]["Missing"] == "2"
    assert record["Tameside Council"]["Excused"] == "0"

    ws = Workspace.open(load_settings(db=app_db, root=ROOT))
    ws.nil_return(TAMESIDE, dataset="workforce_vacancies", partner="tameside_council",
                  period="2017-10", reason="No vacancies advertised.")  # fmt: skip
    ws.excuse(OVERSIGHT, partner="tameside_council", dataset="homelessness_cases",
              period="2017-10", reason="Flooded offices: agreed with the board.")  # fmt: skip
    at = open_page(PAGE, "demo-analyst")
    assert not at.exception and not at.error
    assert "Nothing is overdue, rejected or due soon." in [shown(s.value) for s in at.success]
    record = {r["Partner"]: r for r in _table(at, "Returns due")}
    tameside = record["Tameside Council"]
    assert (tameside["Missing"], tameside["Excused"]) == ("0", "1")
    assert tameside["Returns due"] == record["Bury Council"]["Returns due"]
