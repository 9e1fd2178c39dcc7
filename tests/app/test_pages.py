"""Every page runs on the sample partnership without an exception, error or traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import shown

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = [
    "Common picture",
    "Explore",
    "Submit an extract",
    "Data quality and timeliness",
    "Standards",
    "Agreements",
]


def messages(at: AppTest) -> str:
    """Every error, warning, success and info text on the page, for assertions."""
    parts = (*at.error, *at.warning, *at.success, *at.info)
    return "\n".join(shown(str(e.value)) for e in parts)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("user", ["demo-analyst", "demo-leadership", "demo-bolton_council"])
def test_every_page_runs_without_an_error(
    open_page: Callable[..., AppTest], page: str, user: str
) -> None:
    at = open_page(page, user)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, messages(at)
    assert at.title[0].value == page
    assert "synthetic" in messages(at)  # the demo-data banner is on every page


def test_a_broken_configuration_is_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contracts = tmp_path / "data_contracts"
    contracts.mkdir()
    (contracts / "broken.odcs.yaml").write_text("apiVersion: v3.2.0\nkind: DataContract\n")
    monkeypatch.setenv("SHARED_OUTCOMES_HOME", str(tmp_path))
    monkeypatch.setenv("SHARED_OUTCOMES_DB", str(tmp_path / "db.duckdb"))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    (error,) = at.error
    assert "broken.odcs.yaml" in shown(error.value)  # names the file, so one knows what to fix
    assert "Traceback" not in error.value


def test_explore_downloads_are_suppressed_for_roles_that_must_not_see_small_numbers(
    app_db: Path,
) -> None:
    """The page exports what `figures(me)` returns: suppressed for leadership, not analysts."""
    import csv
    import io

    from shared_outcomes.present import exploration
    from shared_outcomes.present.exports import to_safe_csv
    from shared_outcomes.settings import load_settings
    from shared_outcomes.workspace import Workspace

    ws = Workspace.open(load_settings(db=app_db, root=APP.parent))
    people = {p.user_id: p for p in ws.signin.demo_users()}  # sample_data/demo_users.yaml
    names = {pid: p.name for pid, p in ws.partnership.partners.items()}
    rows = {}
    for user in ("demo-leadership", "demo-analyst"):
        figures = ws.figures(people[user])
        outcome = figures.filter(figures["suppressed"])["outcome"].to_list() or ["none"]
        rows[user] = (figures, outcome[0])
    figures, outcome = rows["demo-leadership"]
    assert outcome != "none", "the sample has small numbers that leadership must not see"
    exported = list(
        csv.DictReader(
            io.StringIO(
                to_safe_csv(
                    exploration.export_frame(figures, outcome, ws.partnership.areas, names)
                ).decode("utf-8")
            )
        )
    )
    hidden = [r for r in exported if r["suppressed"] == "true"]
    assert hidden and all(r["numerator"] == "" and r["value"] == "" for r in hidden)
    # A hidden number is marked in words, never just a blank.
    assert all(r["state"] == "suppressed" for r in hidden)
    assert all(r["state_note"].startswith("Suppressed:") for r in hidden)
    analyst_figures, _ = rows["demo-analyst"]
    assert not analyst_figures.filter(analyst_figures["outcome"] == outcome)["suppressed"].any()
