"""The Standards page's contract change control in AppTest: each contract's published versions;
for the centre, a proposed contract uploaded there shows its changes, the outcomes that read
them and every partner's current submissions checked again (nothing stored); other roles are
not offered it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import ROOT, shown

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

pytestmark = pytest.mark.slow

MAIN_DUTY = "          - {value: main_duty, label: Main housing duty}\n"


def _text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error]
    return "\n".join(shown(str(p.value)) for p in parts)


def test_the_centre_assesses_a_proposed_contract_on_the_page(
    open_page: Callable[..., AppTest], app_db: Path
) -> None:
    at = open_page("Standards", "demo-admin")
    assert not at.exception and not at.error
    assert "Published versions: 1.0.0." in _text(at)
    text = (ROOT / "data_contracts" / "homelessness_cases.odcs.yaml").read_text()
    proposed = text.replace(MAIN_DUTY, "").replace("version: 1.0.0", "version: 2.0.0", 1)
    before = len(Workspace.open(load_settings(db=app_db, root=ROOT)).submissions(SYSTEM))
    at.file_uploader(key="proposed").set_value(
        ("homelessness_cases_v2.odcs.yaml", proposed.encode(), "application/yaml")
    )
    at.run()
    assert not at.exception and not at.error
    page = _text(at)
    assert "Version 1.0.0 → 2.0.0: 1 change, 1 breaking (a major version)." in page
    assert "119 would have been rejected. Nothing was stored." in page
    (partners,) = [t.value for t in at.table if "Would be rejected" in list(t.value.columns)]
    assert int(partners["Would be rejected"].sum()) == 119
    after = len(Workspace.open(load_settings(db=app_db, root=ROOT)).submissions(SYSTEM))
    assert after == before

    at.file_uploader(key="proposed").set_value(("same.odcs.yaml", text.encode(), "text/yaml"))
    at.run()
    assert not at.exception
    assert any("there is no change to assess" in shown(e.value) for e in at.error)


def test_the_assessment_is_for_the_centre_only(open_page: Callable[..., AppTest]) -> None:
    for user in ("demo-analyst", "demo-bolton_council"):
        at = open_page("Standards", user)
        assert not at.exception and not at.error
        assert not at.get("file_uploader")
