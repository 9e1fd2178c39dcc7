"""Commentary's storage: comments with their append-only history, sign-offs, board-pack records,
and the migration that adds them to a database made before them (schema version 3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from shared_outcomes.errors import WarehouseError
from shared_outcomes.warehouse import commentary
from shared_outcomes.warehouse.schema import MIGRATIONS, SCHEMA_VERSION
from shared_outcomes.warehouse.store import Warehouse

T0 = datetime(2017, 11, 3, 9, 30, tzinfo=UTC)


@pytest.fixture
def warehouse(new_warehouse: Callable[..., Warehouse]) -> Warehouse:
    """A warehouse with no datasets, on each backend in turn."""
    return new_warehouse({})


def add(warehouse: Warehouse, text: str = "first", **target: object) -> commentary.Comment:
    where = {"outcome": "o1", "area_code": None, "period": "2017-10", "submission_id": None}
    return warehouse.add_comment(
        **(where | target),  # type: ignore[arg-type]
        author_id="li", author_name="Li Wei", author_role="analyst", text=text, at=T0,
    )  # fmt: skip


def test_a_comment_is_stored_with_its_author_target_and_first_version(warehouse: Warehouse):
    made = add(warehouse, "Rose **sharply** <b>here</b>", area_code="E08000001")
    assert made == warehouse.comment(made.comment_id)
    assert (made.outcome, made.area_code, made.period, made.submission_id) == (
        "o1", "E08000001", "2017-10", None,
    )  # fmt: skip
    assert (made.author_id, made.author_name, made.author_role) == ("li", "Li Wei", "analyst")
    assert made.text == "Rose **sharply** <b>here</b>"
    assert made.created_at == T0 and made.created_at.tzinfo is UTC
    assert [(v.text, v.by, v.at) for v in made.versions] == [(made.text, "Li Wei", T0)]
    assert not made.edited and not made.hidden
    assert (made.hidden_by, made.hidden_reason) == (None, None)
    assert warehouse.comment(made.comment_id + 1) is None


def test_edits_and_a_hide_append_events_and_change_nothing_stored_before(warehouse: Warehouse):
    made = add(warehouse)
    before = warehouse.query("SELECT * FROM comment_events ORDER BY seq")
    comment_row = warehouse.query("SELECT * FROM comments")
    later = T0 + timedelta(hours=1)
    edited = warehouse.comment_event(made.comment_id, "edited", "second", None, "li", "Li Wei",
                                     later)  # fmt: skip
    assert edited.text == "second" and edited.edited
    assert [v.text for v in edited.versions] == ["first", "second"]
    assert edited.versions[1].at == later
    hidden = warehouse.comment_event(made.comment_id, "hidden", None, "duplicate", "sam",
                                     "Sam Okafor", later + timedelta(minutes=5))  # fmt: skip
    assert hidden.hidden and hidden.text == "second"
    assert (hidden.hidden_by, hidden.hidden_reason) == ("Sam Okafor", "duplicate")
    assert hidden.hidden_at == later + timedelta(minutes=5)
    events = warehouse.query("SELECT * FROM comment_events ORDER BY seq")
    assert events["seq"].to_list() == [1, 2, 3]
    assert events["kind"].to_list() == ["added", "edited", "hidden"]
    assert events.head(1).equals(before)  # the first text is still there, unchanged
    assert warehouse.query("SELECT * FROM comments").equals(comment_row)


def test_an_event_kind_outside_the_three_is_refused_on_either_backend(warehouse: Warehouse):
    made = add(warehouse)
    with pytest.raises(WarehouseError, match="'deleted' cannot be stored"):
        warehouse.comment_event(made.comment_id, "deleted", None, None, "x", "X")  # type: ignore[arg-type]
    assert len(warehouse.query("SELECT * FROM comment_events")) == 1


def test_a_comment_and_its_first_event_are_stored_together_or_not_at_all(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
):
    def broken(*_: object) -> None:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(commentary, "_insert_event", broken)
    with pytest.raises(RuntimeError):
        add(warehouse)
    assert warehouse.query("SELECT count(*) AS n FROM comments")["n"][0] == 0


def test_reading_filters_by_target_oldest_first(warehouse: Warehouse):
    whole = add(warehouse, "whole")
    bolton = add(warehouse, "bolton", area_code="E08000001")
    earlier = add(warehouse, "earlier month", period="2017-09")
    other = add(warehouse, "other outcome", outcome="o2")
    on_file = add(warehouse, "on a file", outcome=None, period=None, submission_id=7)

    def ids(**wanted: object) -> list[int]:
        return [c.comment_id for c in warehouse.comments(**wanted)]  # type: ignore[arg-type]

    everything = [whole, bolton, earlier, other, on_file]
    assert ids() == [c.comment_id for c in everything]
    assert ids(outcome="o1") == [whole.comment_id, bolton.comment_id, earlier.comment_id]
    assert ids(outcome="o1", area_code=None) == [whole.comment_id, earlier.comment_id]
    assert ids(area_code="E08000001") == [bolton.comment_id]
    assert ids(period="2017-09") == [earlier.comment_id]
    assert ids(periods=["2017-09", "2017-10"], outcome="o2") == [other.comment_id]
    assert ids(periods=[]) == []
    assert ids(submission_ids=[7, 8]) == [on_file.comment_id]
    assert ids(submission_ids=[]) == []


def test_filter_values_are_bound_parameters(warehouse: Warehouse):
    add(warehouse)
    assert warehouse.comments(outcome="o1' OR '1'='1") == []
    assert warehouse.comments(area_code="x') OR true --") == []
    assert warehouse.comments(periods=["') OR 1=1 --"]) == []


def test_sign_offs_are_read_newest_first_and_by_month(warehouse: Warehouse):
    def sign(period: str, at: datetime, newest: int | None) -> commentary.SignOffRecord:
        return warehouse.add_sign_off(
            period=period, signed_by="jo", signed_name="Jo Brennan", role="leadership",
            signed_at=at, newest_submission_id=newest, figures_digest="d" * 64,
        )  # fmt: skip

    first = sign("2017-10", T0, 41)
    second = sign("2017-10", T0 + timedelta(days=1), None)
    other = sign("2017-09", T0 + timedelta(days=2), 40)
    assert first.signed_at == T0 and first.signed_at.tzinfo is UTC
    assert (first.period, first.signed_by, first.signed_name, first.role) == (
        "2017-10", "jo", "Jo Brennan", "leadership",
    )  # fmt: skip
    assert (first.newest_submission_id, second.newest_submission_id) == (41, None)
    assert warehouse.sign_offs("2017-10") == [second, first]
    assert warehouse.sign_offs() == [other, second, first]
    assert warehouse.sign_offs("2017-08") == []


def test_board_packs_are_recorded_and_the_last_one_read_back(warehouse: Warehouse):
    assert warehouse.last_board_pack() is None

    def pack(made_at: datetime, kind: str) -> commentary.BoardPackRecord:
        return warehouse.record_board_pack(
            made_at=made_at, made_by="jo", period="2017-10", as_at=made_at - timedelta(hours=1),
            since=date(2017, 10, 3), newest_submission_id=41, figures_digest="abc",
            file_format=kind,
        )  # fmt: skip

    first = pack(T0, "pdf")
    latest = pack(T0 + timedelta(days=30), "html")
    assert (first.format, first.since, first.as_at) == ("pdf", date(2017, 10, 3),
                                                        T0 - timedelta(hours=1))  # fmt: skip
    assert warehouse.last_board_pack() == latest


def _version_three_database(db: Path) -> None:
    """A database exactly as Shared Outcomes made it before commentary: migrations 1 to 3, with
    a submission in its register."""
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP "
            "NOT NULL)"
        )
        for version, statements in MIGRATIONS[:3]:
            for statement in statements:
                con.execute(statement)
            con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
        con.execute(
            "INSERT INTO submissions (partner_id, dataset, period, rows, submitted_by, "
            "submitted_at, status) VALUES ('p1', 'visits', '2016-03', 3, 'ann', now(), "
            "'accepted')"
        )


def test_a_version_three_database_gains_commentary_once_and_keeps_its_register(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    _version_three_database(db)
    with pytest.raises(WarehouseError, match="older version of Shared Outcomes"):
        Warehouse.open(db, {}, create=False)  # a command that only reads does not upgrade it
    warehouse = Warehouse.open(db, {})
    versions = warehouse.query("SELECT version FROM schema_version ORDER BY version")
    assert versions["version"].to_list() == list(range(1, SCHEMA_VERSION + 1))
    assert SCHEMA_VERSION >= 4
    [kept] = warehouse.submissions()
    assert (kept.submission_id, kept.partner_id, kept.period) == (1, "p1", "2016-03")
    made = add(warehouse, "after the upgrade", outcome=None, period=None,
               submission_id=kept.submission_id)  # fmt: skip
    assert warehouse.comments(submission_ids=[1]) == [made]
    assert warehouse.last_board_pack() is None and warehouse.sign_offs() == []
    Warehouse.open(db, {})  # opening again changes nothing
    assert warehouse.query("SELECT count(*) AS n FROM schema_version")["n"][0] == SCHEMA_VERSION
    assert warehouse.comments() == [made]
