"""Shared outcome figures over a small warehouse, checked against hand-computed values.

The partnership (tests/fixtures/outcomes/contracts): council_a (cases, area A1), council_b (cases,
A2 and A3), nhs (admissions, all three). Households: A1 1,000, A2 2,000, A3 10,000.

Cases that are prevention + secured_accommodation ("ps"), per area and month:

| month   | A1        | A2 | A3                      |
| 2019-03 | (missing) | 6  | 10                      |
| 2020-01 | 3 (+2 relief) | 10 | 15                  |
| 2020-02 | 6         | 10 | 19, revised to 25       |
| 2020-03 | (missing) | 8  | 15                      |

Admissions (nhs): 2020-01 A1 2, A2 4, A3 9; 2020-02 A1 3, A2 7, A3 10; 2020-03 A1 1, A2 6, A3 6.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from postgres import BACKENDS
from small_partnership import PARTNERSHIP, partner, partnership

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.config.contracts import Contract, load_contracts
from shared_outcomes.config.definitions import Filter, OutcomeDefinition, load_definitions
from shared_outcomes.figures import outcomes as outcomes_module
from shared_outcomes.figures.measures import clear_cache
from shared_outcomes.figures.outcomes import compute_outcomes
from shared_outcomes.settings import Catalog
from shared_outcomes.warehouse.measure_queries import MeasureQueries, measures_sql
from shared_outcomes.warehouse.schema import DatasetLayout, migrate
from shared_outcomes.warehouse.store import NewSubmission, Warehouse

FIXTURES = Path(__file__).parents[1] / "fixtures" / "outcomes" / "contracts"
ANALYST = Identity("ana", "Ana Analyst", Role.ANALYST)
LEADER = Identity("lee", "Lee Leader", Role.LEADERSHIP)
PREVENTIONS = "preventions_per_1000"
ADMISSIONS = "admissions_per_100_cases"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


_ids = itertools.count(1)


def cases(month: str, **per_area: int | tuple[int, int]) -> list[dict[str, Any]]:
    """`A1=3` is three prevention+secured cases; `A1=(3, 2)` adds two relief cases."""
    rows = []
    for area, spec in per_area.items():
        secured, relief = spec if isinstance(spec, tuple) else (spec, 0)
        for duty, outcome, n in (
            ("prevention", "secured_accommodation", secured),
            ("relief", "ongoing", relief),
        ):
            rows += [
                {"case_id": f"c{next(_ids)}", "area_code": area, "month": month,
                 "duty_type": duty, "outcome": outcome, "people": 1, "cost": 1.5}
                for _ in range(n)
            ]  # fmt: skip
    return rows


def admissions(month: str, **per_area: int) -> list[dict[str, Any]]:
    return [{"area_code": a, "month": month, "admissions": n} for a, n in per_area.items()]


class Store:
    """The real warehouse with a helper that submits already-checked rows."""

    def __init__(
        self, folder: Path, contracts: dict[str, Contract], catalog: Catalog | None = None
    ) -> None:
        """A database file `w.duckdb` in `folder`, or the DuckLake `catalog`."""
        self.contracts = contracts
        where = folder / "w.duckdb" if catalog is None else catalog.anchor
        self.warehouse = Warehouse.open(where, contracts, catalog=catalog)

    def submit(
        self, dataset: str, partner: str, period: str, rows: list[dict[str, Any]], when: str
    ) -> None:
        names = self.contracts[dataset].column_names
        frame = pl.DataFrame(rows, schema={n: pl.String for n in names}, orient="row")
        body = frame.write_csv().encode()
        self.warehouse.store(NewSubmission(
            dataset, partner=partner, period=period, source=body,
            sha256=hashlib.sha256(body).hexdigest(), file_name=f"{dataset}.csv",
            contract_version="1.0.0", rows=frame.height, submitted_by="test",
            report_json="{}", frame=frame, submitted_at=at(when),
        ))  # fmt: skip


@pytest.fixture(scope="module")
def contracts() -> dict[str, Contract]:
    return load_contracts(FIXTURES)


@pytest.fixture(scope="module")
def definitions(contracts: dict[str, Contract]) -> dict[str, OutcomeDefinition]:
    return load_definitions(
        FIXTURES / "outcomes", contracts, PARTNERSHIP, reference_dir=FIXTURES / "reference"
    )


@pytest.fixture(scope="module", params=BACKENDS)
def store(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    contracts: dict[str, Contract],
) -> Iterator[Store]:
    """The partnership's submissions in a warehouse on each backend in turn: every figure
    test below runs against a DuckDB file and against a DuckLake catalog."""
    folder = tmp_path_factory.mktemp("warehouse")
    catalog = (
        request.getfixturevalue("postgres_server").catalog(folder / "lake")
        if request.param == "lake"
        else None
    )
    s = Store(folder, contracts, catalog)
    s.submit("cases", "council_b", "2019-03", cases("2019-03", A2=6, A3=10), "2019-04-02")
    s.submit("cases", "council_a", "2020-01", cases("2020-01", A1=(3, 2)), "2020-02-03")
    s.submit("cases", "council_b", "2020-01", cases("2020-01", A2=10, A3=15), "2020-02-04")
    s.submit("admissions", "nhs", "2020-01", admissions("2020-01", A1=2, A2=4, A3=9), "2020-02-05")
    s.submit("cases", "council_a", "2020-02", cases("2020-02", A1=6), "2020-03-03")
    s.submit("cases", "council_b", "2020-02", cases("2020-02", A2=10, A3=19), "2020-03-04")
    s.submit("admissions", "nhs", "2020-02", admissions("2020-02", A1=3, A2=7, A3=10), "2020-03-05")
    # council_b restates February: A3 had 25 preventions, not 19.
    s.submit("cases", "council_b", "2020-02", cases("2020-02", A2=10, A3=25), "2020-03-20")
    s.submit("cases", "council_b", "2020-03", cases("2020-03", A2=8, A3=15), "2020-04-06")
    s.submit("admissions", "nhs", "2020-03", admissions("2020-03", A1=1, A2=6, A3=6), "2020-04-07")
    yield s
    s.warehouse.close()


def figures(
    store: Store, definitions: dict[str, OutcomeDefinition], identity: Identity, **options: Any
) -> dict[tuple[str, str | None, str], dict[str, Any]]:
    frame = compute_outcomes(store.warehouse, definitions, PARTNERSHIP, identity, **options)
    return {(r["outcome"], r["area_code"], r["period"]): r for r in frame.to_dicts()}


@pytest.mark.slow
def test_values_targets_and_rag_for_the_analyst(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    got = figures(store, definitions, ANALYST)
    a3_jan = got[(PREVENTIONS, "A3", "2020-01")]
    assert (a3_jan["numerator"], a3_jan["denominator"]) == (15, 10_000)
    assert a3_jan["value"] == pytest.approx(1.5)
    assert a3_jan["target"] is None and a3_jan["status"] is None  # target applies from 2020-02
    feb = {a: got[(PREVENTIONS, a, "2020-02")] for a in ("A1", "A2", "A3")}
    assert [f["value"] for f in feb.values()] == pytest.approx([6.0, 5.0, 2.5])
    assert [f["status"] for f in feb.values()] == ["green", "green", "green"]
    # Higher is better: A3 falls from 2.5 (green) to 1.5 (red, below the 1.8 amber band).
    a3_mar = got[(PREVENTIONS, "A3", "2020-03")]
    assert (a3_mar["value"], a3_mar["status"], a3_mar["target"]) == (pytest.approx(1.5), "red", 2.0)
    assert a3_mar["change_month"] == pytest.approx(-1.0)
    # A year earlier A3 was 10 / 10,000 = 1.0 per 1,000.
    assert a3_mar["change_year"] == pytest.approx(0.5)
    assert got[(PREVENTIONS, "A2", "2020-03")]["change_year"] == pytest.approx(4.0 - 3.0)


def test_lower_is_better_crosses_the_target_both_ways(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    got = figures(store, definitions, ANALYST)
    # Admissions per 100 cases, target 50, amber up to 60.
    a2 = [got[(ADMISSIONS, "A2", m)] for m in ("2020-01", "2020-02")]
    assert [f["value"] for f in a2] == pytest.approx([40.0, 70.0])  # 4/10, 7/10
    assert [f["status"] for f in a2] == ["green", "red"]
    a3 = [got[(ADMISSIONS, "A3", m)] for m in ("2020-01", "2020-02")]
    assert [f["value"] for f in a3] == pytest.approx([60.0, 40.0])  # 9/15, 10/25
    assert [f["status"] for f in a3] == ["amber", "green"]
    a1 = got[(ADMISSIONS, "A1", "2020-01")]
    assert (a1["numerator"], a1["denominator"], a1["value"]) == (2, 5, pytest.approx(40.0))


def test_partnership_figure_sums_numerators_and_denominators(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    got = figures(store, definitions, ANALYST)
    jan = got[(PREVENTIONS, None, "2020-01")]
    assert (jan["numerator"], jan["denominator"]) == (28, 13_000)
    assert jan["value"] == pytest.approx(28 / 13)  # not the mean of 3.0, 5.0 and 1.5
    assert jan["area_name"] == "Whole partnership"
    adm = got[(ADMISSIONS, None, "2020-02")]
    assert (adm["numerator"], adm["denominator"]) == (20, 41)
    assert adm["value"] == pytest.approx(2000 / 41)


def test_a_missing_partner_makes_the_figure_provisional_and_names_its_deadline(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    got = figures(store, definitions, ANALYST)
    a1 = got[(PREVENTIONS, "A1", "2020-03")]
    assert (a1["expected"], a1["submitted"], a1["missing"]) == (["council_a"], [], ["council_a"])
    assert a1["missing_due"] == ["2020-04-10"]
    assert a1["provisional"] and a1["numerator"] is None and a1["value"] is None
    whole = got[(PREVENTIONS, None, "2020-03")]
    assert whole["missing"] == ["council_a"] and whole["provisional"]
    # The partnership figure covers the areas that reported: (8 + 15) / 12,000.
    assert (whole["numerator"], whole["denominator"]) == (23, 12_000)
    assert whole["value"] == pytest.approx(23 / 12) and whole["status"] == "amber"
    complete = got[(PREVENTIONS, "A2", "2020-03")]
    assert complete["missing"] == [] and not complete["provisional"]


def test_an_incomplete_figure_is_withheld_when_the_definition_says_so(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    got = figures(store, definitions, ANALYST)
    a1 = got[(ADMISSIONS, "A1", "2020-03")]
    assert a1["expected"] == ["council_a", "nhs"] and a1["missing"] == ["council_a"]
    assert a1["withheld"] and a1["value"] is None and a1["numerator"] is None
    whole = got[(ADMISSIONS, None, "2020-03")]
    assert whole["withheld"] and whole["value"] is None and whole["status"] is None
    a2 = got[(ADMISSIONS, "A2", "2020-03")]
    assert not a2["withheld"] and a2["value"] == pytest.approx(75.0)  # 6 / 8


def test_a_revision_shows_from_and_to(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    got = figures(store, definitions, ANALYST)
    a3 = got[(PREVENTIONS, "A3", "2020-02")]
    assert a3["revised"] and a3["revised_from"] == pytest.approx(1.9) and a3["revised_to"] == 2.5
    whole = got[(PREVENTIONS, None, "2020-02")]
    assert whole["revised_from"] == pytest.approx(35 / 13) and whole["revised_to"] == (
        pytest.approx(41 / 13)
    )
    a2 = got[(PREVENTIONS, "A2", "2020-02")]  # same partner's file, but A2 did not change
    assert not a2["revised"] and a2["revised_from"] is None
    adm = got[(ADMISSIONS, "A3", "2020-02")]  # the denominator was revised: 10/19 -> 10/25
    assert adm["revised_from"] == pytest.approx(1000 / 19) and adm["revised_to"] == 40.0


def test_as_at_shows_what_was_known_then(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    got = figures(store, definitions, ANALYST, as_at=at("2020-03-10T00:00:00"))
    a3 = got[(PREVENTIONS, "A3", "2020-02")]
    assert a3["value"] == pytest.approx(1.9) and a3["status"] == "amber"
    assert not a3["revised"]
    assert (PREVENTIONS, "A3", "2020-03") not in got  # March was not submitted yet


def test_small_counts_are_suppressed_with_their_secondary(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    got = figures(store, definitions, LEADER)
    jan = {a: got[(PREVENTIONS, a, "2020-01")] for a in ("A1", "A2", "A3", None)}
    # A1 has 3 (< 5): suppressed; 28 - 10 - 15 would give it back, so A2 (10, the next
    # smallest) is suppressed too; the partnership total stays.
    assert [jan[a]["suppressed"] for a in ("A1", "A2", "A3", None)] == [True, True, False, False]
    assert jan["A1"]["numerator"] is None and jan["A1"]["value"] is None
    assert jan["A2"]["numerator"] is None and jan["A2"]["value"] is None
    assert jan["A3"]["numerator"] == 15 and jan[None]["numerator"] == 28
    assert jan["A1"]["denominator"] == 1000  # households are public
    # A change from a suppressed month is withheld as well.
    assert got[(PREVENTIONS, "A2", "2020-02")]["change_month"] is None
    # Admissions (threshold 3): A1 has 2, A2 (4) is the secondary.
    adm = [got[(ADMISSIONS, a, "2020-01")]["suppressed"] for a in ("A1", "A2", "A3")]
    assert adm == [True, True, False]
    # March: the partnership total is withheld (incomplete), so nothing needs a secondary.
    march = [got[(ADMISSIONS, a, "2020-03")] for a in ("A1", "A2", "A3", None)]
    assert [f["suppressed"] for f in march] == [True, False, False, False]
    assert march[1]["value"] == 75.0 and march[3]["withheld"]


def test_analysts_see_small_counts(store: Store, definitions: dict[str, OutcomeDefinition]) -> None:
    got = figures(store, definitions, ANALYST)
    a1 = got[(PREVENTIONS, "A1", "2020-01")]
    assert a1["numerator"] == 3 and a1["value"] == 3.0 and not a1["suppressed"]


def test_contributions_give_each_partners_share(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    got = figures(store, definitions, ANALYST)
    whole = got[(PREVENTIONS, None, "2020-02")]
    shares = {c["partner_id"]: (c["numerator"], c["share"]) for c in whole["contributions"]}
    assert shares == {
        "council_a": (6, pytest.approx(6 / 41)),
        "council_b": (35, pytest.approx(35 / 41)),
    }
    assert got[(ADMISSIONS, None, "2020-02")]["contributions"] is None  # one partner's numerator
    private = figures(store, definitions, LEADER)[(PREVENTIONS, None, "2020-01")]
    # council_a gave 3 (small); council_b's 25 would give it back, so both are hidden.
    assert [(c["numerator"], c["suppressed"]) for c in private["contributions"]] == [
        (None, True),
        (None, True),
    ]


def test_one_period_keeps_changes_against_earlier_months(
    store: Store, definitions: dict[str, OutcomeDefinition]
) -> None:
    frame = compute_outcomes(store.warehouse, definitions, PARTNERSHIP, ANALYST, period="2020-03")
    assert set(frame.get_column("period")) == {"2020-03"}
    assert frame.height == 2 * 4
    row = frame.filter((pl.col("outcome") == PREVENTIONS) & (pl.col("area_code") == "A3"))
    assert row.get_column("change_month").item() == pytest.approx(-1.0)


def test_filter_values_are_bound_parameters(definitions: dict[str, OutcomeDefinition]) -> None:
    numerator = definitions[PREVENTIONS].numerator
    sql, params = measures_sql("cases", "area_code", [numerator], [3, 9])
    assert "prevention" not in sql and "secured_accommodation" not in sql
    assert params == ["prevention", "secured_accommodation", 3, 9, [3, 9]]
    assert '"agg_cases"' in sql and 'a."duty_type" IN (?)' in sql


class MemorySource:
    """The warehouse's register and aggregates in an in-memory DuckDB, through its own SQL."""

    def __init__(self, contracts: dict[str, Contract]) -> None:
        self.con = duckdb.connect()
        migrate(self.con)
        self.layouts = {d: DatasetLayout.of(c) for d, c in contracts.items()}
        for layout in self.layouts.values():
            layout.ensure(self.con)

    def submit(self, dataset: str, partner: str, period: str, rows: list[dict[str, Any]]) -> None:
        layout = self.layouts[dataset]
        row = self.con.execute(
            "INSERT INTO submissions (partner_id, dataset, period, rows, submitted_by, "
            "submitted_at, status) VALUES (?, ?, ?, ?, 'test', now()::TIMESTAMP, 'accepted') "
            "RETURNING submission_id",
            [partner, dataset, period, len(rows)],
        ).fetchone()
        assert row is not None
        frame = pl.DataFrame(rows, schema={n: pl.String for n in layout.column_names}, orient="row")
        layout.insert_aggregates(self.con, layout.typed_frame(frame, row[0]), row[0], partner)

    @contextmanager
    def measure_queries(self) -> Iterator[MeasureQueries]:
        yield MeasureQueries(self.con)


CASE_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["A1", "A2", "A3"]),
        st.sampled_from(["prevention", "relief", "main"]),
        st.sampled_from(["secured_accommodation", "lost_contact", "ongoing"]),
    ),
    max_size=40,
)
NUMBERS = ["outcome", "area_code", "period", "numerator", "denominator", "value", "suppressed"]


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=CASE_ROWS, data=st.data())
def test_figures_do_not_change_when_rows_are_reordered_or_split_across_submissions(
    contracts: dict[str, Contract],
    definitions: dict[str, OutcomeDefinition],
    rows: list[tuple[str, str, str]],
    data: st.DataObject,
) -> None:
    records = [
        {"case_id": f"c{i}", "area_code": a, "month": "2020-01", "duty_type": d, "outcome": o}
        for i, (a, d, o) in enumerate(rows)
    ]
    shuffled = data.draw(st.permutations(records))
    to_other = data.draw(st.lists(st.booleans(), min_size=len(records), max_size=len(records)))
    nhs = admissions("2020-01", A1=7, A2=1, A3=12)

    def compute(source: MemorySource, identity: Identity) -> pl.DataFrame:
        frame = compute_outcomes(source, definitions, PARTNERSHIP, identity)
        return frame.select(NUMBERS).sort("outcome", "area_code", "period", nulls_last=True)

    one = MemorySource(contracts)
    one.submit("cases", "council_a", "2020-01", [r for r in records if r["area_code"] == "A1"])
    one.submit("cases", "council_b", "2020-01", [r for r in records if r["area_code"] != "A1"])
    one.submit("admissions", "nhs", "2020-01", nhs)
    other = MemorySource(contracts)
    a1 = [r for r in shuffled if r["area_code"] == "A1"]
    rest = [r for r in shuffled if r["area_code"] != "A1"]
    split = [r for r, moved in zip(rest, to_other, strict=False) if moved]
    other.submit("admissions", "nhs", "2020-01", list(reversed(nhs)))
    other.submit("cases", "council_b", "2020-01", [r for r in rest if r not in split])
    other.submit("cases", "council_a", "2020-01", a1)
    if split:  # the same cases, sent by a third partner covering the same areas
        other.submit("cases", "council_c", "2020-01", split)
    for identity in (ANALYST, LEADER):
        assert compute(one, identity).equals(compute(other, identity))


def test_a_hostile_filter_value_is_only_ever_a_bound_parameter(
    contracts: dict[str, Contract], definitions: dict[str, OutcomeDefinition]
) -> None:
    # The resolver refuses such a value (tests/config/test_definitions.py); even a Measure built by
    # hand, past the resolver, cannot change the statement: the value is bound, not spliced.
    hostile = "prevention') OR 1=1; DROP TABLE submissions; --"
    numerator = dataclasses.replace(
        definitions[PREVENTIONS].numerator, filters=(Filter("duty_type", (hostile,)),)
    )
    source = MemorySource(contracts)
    source.submit("cases", "council_a", "2020-01", cases("2020-01", A1=7))
    sql, params = measures_sql("cases", "area_code", [numerator], [1])
    assert hostile not in sql and hostile in params
    assert source.con.execute(sql, params).fetchall() == [(1, "A1", None)]
    assert source.con.execute("SELECT count(*) FROM submissions").fetchone() == (1,)


def test_shares_are_listed_where_several_partners_cover_an_area(
    contracts: dict[str, Contract],
) -> None:
    shared = partnership(
        {
            **PARTNERSHIP.partners,
            "council_a": partner("council_a", "Council A", ["cases"], 10, ["A1", "A2"]),
        },
        PARTNERSHIP.areas,
    )
    definitions = load_definitions(
        FIXTURES / "outcomes", contracts, shared, reference_dir=FIXTURES / "reference"
    )
    source = MemorySource(contracts)
    source.submit("cases", "council_a", "2020-01", cases("2020-01", A1=8, A2=3))
    source.submit("cases", "council_b", "2020-01", cases("2020-01", A2=10, A3=15))

    def shares(identity: Identity, area: str | None) -> Any:
        frame = compute_outcomes(source, definitions, shared, identity, outcomes=[PREVENTIONS])
        row = frame.filter(pl.col("area_code").eq_missing(area)).to_dicts()[0]
        if row["contributions"] is None:
            return None
        return [(c["partner_id"], c["numerator"], c["share"]) for c in row["contributions"]]

    assert shares(ANALYST, "A2") == [
        ("council_a", 3, pytest.approx(3 / 13)),
        ("council_b", 10, pytest.approx(10 / 13)),
    ]
    assert shares(ANALYST, "A1") is None  # one partner covers A1: it is the whole numerator
    # For the shared view council_a's 3 is small and council_b's 10 would give it back.
    assert shares(LEADER, "A2") == [("council_a", None, None), ("council_b", None, None)]
    assert shares(LEADER, None) == [
        ("council_a", 11, pytest.approx(11 / 36)),
        ("council_b", 25, pytest.approx(25 / 36)),
    ]


def test_a_rebuilt_database_at_the_same_path_is_never_read_from_the_cache(
    tmp_path: Path, contracts: dict[str, Contract], definitions: dict[str, OutcomeDefinition]
) -> None:
    def whole_numerator(count: int, when: str) -> Any:
        for leftover in tmp_path.iterdir():  # a fresh database where the last one was
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        store = Store(tmp_path, contracts)
        store.submit("cases", "council_a", "2020-01", cases("2020-01", A1=count), when)
        frame = compute_outcomes(
            store.warehouse, definitions, PARTNERSHIP, ANALYST, outcomes=[PREVENTIONS]
        )
        return frame.filter(pl.col("area_code") == "A1").get_column("numerator").item()

    assert whole_numerator(7, "2020-02-01") == 7
    assert whole_numerator(9, "2020-02-02") == 9  # same path, same submission id 1


def test_a_resubmission_that_drops_an_area_revises_it_to_zero(
    contracts: dict[str, Contract], definitions: dict[str, OutcomeDefinition]
) -> None:
    source = MemorySource(contracts)
    source.submit("cases", "council_a", "2020-01", cases("2020-01", A1=6))
    source.submit("cases", "council_b", "2020-01", cases("2020-01", A2=6, A3=9))
    source.submit("cases", "council_b", "2020-01", cases("2020-01", A2=6))  # A3 withdrawn
    frame = compute_outcomes(source, definitions, PARTNERSHIP, ANALYST, outcomes=[PREVENTIONS])
    got = {r["area_code"]: r for r in frame.to_dicts()}
    a3 = got["A3"]
    assert (a3["numerator"], a3["value"]) == (0, 0.0)  # council_b sent no A3 case this time
    assert a3["revised"] and a3["revised_from"] == pytest.approx(0.9)  # 9 per 10,000
    assert not got["A2"]["revised"]
    assert got[None]["revised_from"] == pytest.approx(21 / 13) and got[None]["numerator"] == 12


def test_a_fresh_process_reads_measures_kept_on_disk_not_the_aggregates(
    tmp_path: Path, contracts: dict[str, Contract], definitions: dict[str, OutcomeDefinition]
) -> None:
    store = Store(tmp_path, contracts)
    store.submit("cases", "council_a", "2020-01", cases("2020-01", A1=7), "2020-02-01")
    first = compute_outcomes(store.warehouse, definitions, PARTNERSHIP, ANALYST)
    assert list((tmp_path / "w.duckdb.measures").glob("cases-*.parquet"))
    clear_cache()  # as a new CLI process starts
    shutil.rmtree(tmp_path / "w.duckdb.figures")  # so the figures are computed again
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("DELETE FROM agg_cases")  # so only the kept values can give the figures
    again = compute_outcomes(store.warehouse, definitions, PARTNERSHIP, ANALYST)
    assert again.equals(first)
    a1 = again.filter((pl.col("area_code") == "A1") & (pl.col("outcome") == PREVENTIONS))
    assert a1.get_column("numerator").to_list() == [7]


def test_values_kept_on_disk_for_a_rebuilt_database_are_never_used(
    tmp_path: Path, contracts: dict[str, Contract], definitions: dict[str, OutcomeDefinition]
) -> None:
    def whole_numerator(count: int, when: str) -> Any:
        (tmp_path / "w.duckdb").unlink(missing_ok=True)  # the kept values stay behind
        shutil.rmtree(tmp_path / "w.duckdb.rows", ignore_errors=True)
        store = Store(tmp_path, contracts)
        store.submit("cases", "council_a", "2020-01", cases("2020-01", A1=count), when)
        clear_cache()
        frame = compute_outcomes(
            store.warehouse, definitions, PARTNERSHIP, ANALYST, outcomes=[PREVENTIONS]
        )
        return frame.filter(pl.col("area_code") == "A1").get_column("numerator").item()

    assert whole_numerator(7, "2020-02-01") == 7
    assert whole_numerator(9, "2020-02-02") == 9  # same path, same submission id 1


@pytest.mark.slow
def test_kept_figures_are_served_only_while_nothing_was_submitted(
    tmp_path: Path, contracts: dict[str, Contract], definitions: dict[str, OutcomeDefinition]
) -> None:
    store = Store(tmp_path, contracts)
    store.submit("cases", "council_a", "2020-01", cases("2020-01", A1=7), "2020-02-01")

    def a1(identity: Identity) -> dict[str, Any]:
        frame = compute_outcomes(
            store.warehouse, definitions, PARTNERSHIP, identity, outcomes=[PREVENTIONS]
        )
        return frame.filter(pl.col("area_code") == "A1").to_dicts()[0]

    assert a1(ANALYST)["numerator"] == 7
    assert a1(ANALYST)["numerator"] == 7  # the same register: the kept figures
    assert a1(LEADER)["numerator"] == 7  # another viewer class is its own entry
    store.submit("cases", "council_a", "2020-01", cases("2020-01", A1=3), "2020-02-02")
    revised = a1(ANALYST)
    assert (revised["numerator"], revised["revised"]) == (3, True)
    assert a1(LEADER)["numerator"] is None  # 3 is a small count for leadership


def test_a_new_submission_recomputes_only_the_outcomes_that_read_its_dataset(
    tmp_path: Path,
    contracts: dict[str, Contract],
    definitions: dict[str, OutcomeDefinition],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store(tmp_path, contracts)
    store.submit("cases", "council_a", "2020-01", cases("2020-01", A1=7), "2020-02-01")
    store.submit("admissions", "nhs", "2020-01", admissions("2020-01", A1=2), "2020-02-02")
    computed: list[list[str]] = []
    real = outcomes_module._compute

    def recording(run: Any, chosen: Any, *args: Any) -> pl.DataFrame:
        computed.append([d.id for d in chosen])
        return real(run, chosen, *args)

    monkeypatch.setattr(outcomes_module, "_compute", recording)
    before = compute_outcomes(store.warehouse, definitions, PARTNERSHIP, ANALYST)
    # nhs restates January: only the outcome over admissions reads it (both read cases).
    store.submit("admissions", "nhs", "2020-01", admissions("2020-01", A1=5), "2020-02-03")
    after = compute_outcomes(store.warehouse, definitions, PARTNERSHIP, ANALYST)
    assert computed == [list(definitions), [ADMISSIONS]]
    kept = pl.col("outcome") == PREVENTIONS
    assert after.filter(kept).equals(before.filter(kept))
    a1 = after.filter((pl.col("outcome") == ADMISSIONS) & (pl.col("area_code") == "A1"))
    assert (a1.get_column("numerator").item(), a1.get_column("revised").item()) == (5, True)

    class Uncached:  # the same warehouse without a `db_path`: every figure computed afresh
        def measure_queries(self) -> Any:
            return store.warehouse.measure_queries()

    fresh = compute_outcomes(Uncached(), definitions, PARTNERSHIP, ANALYST)
    assert_frame_equal(after, fresh, check_exact=False)  # in the same order, row by row


def test_a_fresh_process_reads_the_figures_kept_on_disk_for_the_same_register(
    tmp_path: Path, contracts: dict[str, Contract], definitions: dict[str, OutcomeDefinition]
) -> None:
    store = Store(tmp_path, contracts)
    store.submit("cases", "council_a", "2020-01", cases("2020-01", A1=7), "2020-02-01")
    first = compute_outcomes(store.warehouse, definitions, PARTNERSHIP, LEADER)
    clear_cache()  # as a new CLI process starts
    shutil.rmtree(tmp_path / "w.duckdb.measures")  # so only the kept figures can give them
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("DELETE FROM agg_cases")
    assert compute_outcomes(store.warehouse, definitions, PARTNERSHIP, LEADER).equals(first)
    analyst = compute_outcomes(store.warehouse, definitions, PARTNERSHIP, ANALYST)
    a1 = analyst.filter((pl.col("area_code") == "A1") & (pl.col("outcome") == PREVENTIONS))
    assert a1.get_column("numerator").to_list() == [0]  # another viewer: computed, rows gone
