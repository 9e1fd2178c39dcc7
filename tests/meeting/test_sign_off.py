"""The month's sign-off: its words, what changed since it (a pure comparison of two frames of
figures), and the facade's sign-off on a real database of the sample partnership."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from support import ROOT, make_extracts

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.errors import AccessDenied, UsageError
from shared_outcomes.meeting.register_state import figures_digest
from shared_outcomes.meeting.sign_off import (
    CHANGED_COLUMNS,
    SignOff,
    changed_since_sign_off,
)
from shared_outcomes.period import Period
from shared_outcomes.settings import load_settings
from shared_outcomes.warehouse.commentary import SignOffRecord
from shared_outcomes.workspace import Workspace

AMIRA = Identity("amira", "Amira Khan", Role.PARTNER_SUBMITTER, partner_id="bolton_council")
LI = Identity("li", "Li Wei", Role.ANALYST)
JO = Identity("jo", "Jo Brennan", Role.LEADERSHIP)
SAM = Identity("sam", "Sam Okafor", Role.ADMIN)

# -- the words --------------------------------------------------------------------------------


def record(**changes: Any) -> SignOffRecord:
    values: dict[str, Any] = {
        "sign_off_id": 1, "period": "2017-10", "signed_by": "jo", "signed_name": "Jo Brennan",
        "role": "leadership", "signed_at": datetime(2017, 11, 3, 9, 30, tzinfo=UTC),
        "newest_submission_id": 41, "figures_digest": "3f2a9c0d1e2b" + "0" * 52,
    } | changes  # fmt: skip
    return SignOffRecord(**values)


def test_a_sign_off_says_who_reviewed_when_and_which_register() -> None:
    signed = SignOff(record())
    assert signed.words == (
        "Reviewed by Jo Brennan on 3 November 2017, as at register at submission #41, "
        "figures digest 3f2a9c0d1e2b"
    )
    assert signed.state.as_at == record().signed_at
    assert SignOff(record(newest_submission_id=None)).words.endswith(
        "as at register at no submissions, figures digest 3f2a9c0d1e2b"
    )


# -- what changed since the sign-off ----------------------------------------------------------

SCHEMA = {
    "outcome": pl.String, "title": pl.String, "unit": pl.String, "area_code": pl.String,
    "area_name": pl.String, "period": pl.String, "value": pl.Float64,
    "expected": pl.List(pl.String), "missing": pl.List(pl.String),
    "missing_due": pl.List(pl.String), "withheld": pl.Boolean, "suppressed": pl.Boolean,
    "revised": pl.Boolean, "revised_from": pl.Float64, "revised_to": pl.Float64,
}  # fmt: skip


def figure(area: str | None = "A1", value: float | None = 1.2, **changes: Any) -> dict[str, Any]:
    names = {None: "Whole partnership", "A1": "Area one", "A2": "Area two"}
    return {
        "outcome": "o1", "title": "Preventions per 1,000", "unit": "per_1000",
        "area_code": area, "area_name": names.get(area, area), "period": "2017-10",
        "value": value, "expected": ["p1"], "missing": [], "missing_due": [],
        "withheld": False, "suppressed": False, "revised": False, "revised_from": None,
        "revised_to": None,
    } | changes  # fmt: skip


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA)


def changes(before: pl.DataFrame, now: pl.DataFrame) -> list[dict[str, Any]]:
    found = changed_since_sign_off(before, now, {}, {"p1": "Partner One"})
    assert tuple(found.columns) == CHANGED_COLUMNS
    return found.to_dicts()


def test_nothing_changed_is_an_empty_frame_with_the_columns() -> None:
    same = frame(figure(), figure(None))
    assert changes(same, same.clone()) == []


def test_a_revised_value_is_listed_as_shown_then_and_now() -> None:
    before = frame(figure(None, 1.2), figure("A1", 1.2), figure("A2", 3.0))
    now = frame(figure(None, 1.25), figure("A1", 1.25), figure("A2", 3.0))
    assert changes(before, now) == [
        {"Outcome": "Preventions per 1,000", "Area": "Whole partnership", "Month": "Oct 2017",
         "At sign-off": "1.20 per 1,000", "Now": "1.25 per 1,000"},
        {"Outcome": "Preventions per 1,000", "Area": "Area one", "Month": "Oct 2017",
         "At sign-off": "1.20 per 1,000", "Now": "1.25 per 1,000"},
    ]  # fmt: skip


def test_what_is_shown_decides_not_the_hidden_or_unrounded_number() -> None:
    before = frame(figure("A1", 1.201), figure("A2", 2.0, suppressed=True))
    now = frame(figure("A1", 1.204), figure("A2", 4.0, suppressed=True))
    assert changes(before, now) == []  # same two decimals; still suppressed


def test_a_change_of_state_is_a_change() -> None:
    before = frame(figure("A1", 1.2, missing=["p1"]), figure("A2", 3.0))
    now = frame(figure("A1", 1.2), figure("A2", 3.0, suppressed=True))
    assert [(r["Area"], r["At sign-off"], r["Now"]) for r in changes(before, now)] == [
        ("Area one", "1.20 per 1,000 (provisional)", "1.20 per 1,000"),
        ("Area two", "3.00 per 1,000", "suppressed: small number"),
    ]


def test_a_figure_on_one_side_only_says_no_figure_on_the_other() -> None:
    before = frame(figure("A1"))
    now = frame(figure("A1"), figure("A2", 2.5))
    assert [(r["Area"], r["At sign-off"], r["Now"]) for r in changes(before, now)] == [
        ("Area two", "no figure", "2.50 per 1,000"),
    ]


# -- the facade -------------------------------------------------------------------------------


def open_with_bolton(folder: Path) -> tuple[Workspace, str]:
    """A database of the sample partnership holding Bolton's latest homelessness extract."""
    files = make_extracts()
    ws = Workspace.open(load_settings(db=folder / "s.duckdb", root=ROOT))
    extract = ROOT / "sample_data" / "extracts" / files.partner
    ws.submit(AMIRA, extract / f"{files.dataset}_{files.period}.csv", dataset=files.dataset,
              partner=files.partner, period=files.period)  # fmt: skip
    return ws, files.period


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    return open_with_bolton(tmp_path_factory.mktemp("sign_off"))


@pytest.mark.parametrize(
    ("who", "month", "error", "words"),
    [
        (LI, None, AccessDenied, "cannot sign off"),
        (AMIRA, None, AccessDenied, "cannot sign off"),
        (JO, "October 2017", UsageError, "is not a month"),
        (JO, "2015-01", UsageError, "no figures for January 2015"),
    ],
)
def test_a_sign_off_is_refused_with_nothing_stored_and_the_refusal_audited(
    signed: tuple[Workspace, str],
    who: Identity,
    month: str | None,
    error: type[Exception],
    words: str,
) -> None:
    ws, period = signed
    before = ws.warehouse.sign_offs()
    with pytest.raises(error, match=words):
        ws.sign_off(who, month or period)
    assert ws.warehouse.sign_offs() == before
    [entry] = ws.audit.entries(limit=1)
    assert (entry.user_id, entry.action, entry.outcome) == (who.user_id, "sign_off", "denied")
    assert words in entry.detail["reason"]


@pytest.mark.slow
def test_leadership_signs_off_the_month_as_the_register_stands(
    signed: tuple[Workspace, str],
) -> None:
    ws, period = signed
    made = ws.sign_off(JO, period)
    shared = ws.figures(JO, period=period, unsuppressed=False)
    newest = ws.warehouse.newest_submission_id()
    today = datetime.now(UTC)
    assert made.words == (
        f"Reviewed by Jo Brennan on {today.day} {today:%B %Y}, as at register at submission "
        f"#{newest}, figures digest {figures_digest(shared)[:12]}"
    )
    assert made.record.figures_digest == figures_digest(shared)
    assert (made.period, made.record.signed_by, made.record.role) == (period, "jo", "leadership")
    assert ws.sign_offs(LI, period) == [made]
    [entry] = ws.audit.entries(limit=1)
    assert (entry.action, entry.outcome, entry.detail["sign_off_id"]) == (
        "sign_off", "allowed", made.record.sign_off_id,
    )  # fmt: skip
    assert ws.sign_off(SAM, period).record.signed_name == "Sam Okafor"  # admins may too
    assert [s.record.signed_by for s in ws.sign_offs(JO, period)] == ["sam", "jo"]


@pytest.mark.slow
def test_a_resubmission_after_the_sign_off_is_listed_as_changed_since_sign_off(
    tmp_path: Path,
) -> None:
    ws, period = open_with_bolton(tmp_path)
    never = ws.changed_since_sign_off(JO, period)
    assert never.is_empty() and tuple(never.columns) == CHANGED_COLUMNS
    ws.sign_off(JO, period)
    shown_then = ws.figures(JO, period=period, unsuppressed=False)
    assert ws.changed_since_sign_off(JO, period).is_empty()
    files = make_extracts()  # the first half of the month's rows: its figures change
    result = ws.submit(AMIRA, files.good, dataset=files.dataset, partner=files.partner,
                       period=period, file_name="resubmitted.csv")  # fmt: skip
    assert result.status == "loaded"
    changed = ws.changed_since_sign_off(JO, period)
    rows = {(r["Outcome"], r["Area"]): r for r in changed.to_dicts()}
    preventions = ws.definitions["homelessness_preventions_per_1000"].title
    assert {(preventions, "Bolton"), (preventions, "Whole partnership")} <= set(rows)
    month = Period.parse(period).label
    assert all(r["Month"] == month and r["At sign-off"] != r["Now"] for r in rows.values())
    then = shown_then.filter(
        (pl.col("outcome") == "homelessness_preventions_per_1000")
        & (pl.col("area_code") == "E08000001")
    )
    assert rows[(preventions, "Bolton")]["At sign-off"].startswith(f"{then['value'][0]:.2f}")
    # Another month, never signed off, lists nothing.
    assert ws.changed_since_sign_off(JO, "2017-09").is_empty()
