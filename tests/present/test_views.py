"""The pages' view models: units, RAG words, reports errors-first, standards in plain English."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from small_partnership import partner
from small_partnership import partnership as small_partnership

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.checking.report import Finding, Report
from shared_outcomes.config.contracts import load_contract, load_contracts
from shared_outcomes.config.definitions import load_definitions
from shared_outcomes.config.partnership import Partnership, load_partnership
from shared_outcomes.present import views

ROOT = Path(__file__).resolve().parents[2]
CLAIMANT_CONTRACT = ROOT / "data_contracts" / "claimant_count.odcs.yaml"


def _partnership() -> Partnership:
    partners = {
        "bury_council": partner("bury_council", "Bury Council", ["claimant_count"], 10, ["A1"]),
        "dwp": partner("dwp", "DWP Jobcentre Plus", ["claimant_count"], 10, ["A1"]),
        "nhs": partner("nhs", "NHS Trust", ["not_a_contract"], 10, ["A1"]),
    }
    return small_partnership(partners, {"A1": "Area one"})


def test_numbers_carry_their_units() -> None:
    assert views.format_value(1.234, "per_1000") == "1.23 per 1,000"
    assert views.format_value(45.25, "percent") == "45.25%"
    assert views.format_value(1234.0, "count") == "1,234"
    assert views.format_value(None, "count") == "no figure"
    assert views.format_value(3.0, "count", suppressed=True).startswith("suppressed")
    assert views.format_change(-0.5, "per_100") == "−0.50 per 100"
    assert views.format_change(0.0, "percent") == "no change"
    assert views.format_change(1.5, "percent") == "+1.50 percentage points"
    assert views.format_size(812) == "812 bytes"
    assert views.format_size(48_300_000) == "48.3 MB"


@pytest.mark.parametrize(
    ("status", "word"),
    [
        ("green", "On track"),
        ("on_track", "On track"),
        ("AMBER", "Near target"),
        ("red", "Off track"),
        (None, "No target"),
        ("bogus", "No target"),
    ],
)
def test_rag_status_has_a_word_and_a_symbol_not_only_a_colour(
    status: str | None, word: str
) -> None:
    style = views.rag_style(status)
    assert style.word == word
    assert style.symbol and style.label == f"{style.symbol} {word}"
    assert style.colour.startswith("#")


def test_rag_colours_are_distinct() -> None:
    colours = [views.RAG_STYLES[k].colour for k in ("green", "amber", "red")]
    assert len(set(colours)) == 3


def _report(accepted: bool) -> Report:
    return Report(
        accepted=accepted,
        dataset="claimant_count",
        rows=40,
        contract_version="1.0.0",
        findings=[
            Finding(code="unexpected-column", severity="warning", column="notes", message="w"),
            Finding(
                code="pattern-mismatch",
                severity="error",
                column="lad15cd",
                rows=list(range(2, 16)),
                count=20,
                message="bad codes",
                fix="use ONS codes",
            ),
        ],
    )


def test_findings_table_lists_errors_first_with_rows_column_message_and_fix() -> None:
    table = views.findings_table(_report(accepted=False))
    assert table["Severity"].to_list() == ["Error", "Warning"]
    first = table.row(0, named=True)
    assert first["Column"] == "lad15cd"
    assert first["Rows"] == "2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 10 more"
    assert first["What is wrong"] == "bad codes"
    assert first["How to fix it"] == "use ONS codes"


def test_report_headline_says_nothing_was_loaded_when_rejected() -> None:
    assert "Nothing has been loaded" in views.report_headline(_report(accepted=False))
    accepted = views.report_headline(_report(accepted=True))
    assert accepted.startswith("Accepted: 40 rows") and "1 warning" in accepted


def test_contract_is_described_in_plain_english() -> None:
    contract = load_contract(CLAIMANT_CONTRACT)
    table = views.contract_table(contract)
    assert table["Column"].to_list() == contract.column_names
    row = dict(zip(table["Column"], table.iter_rows(named=True), strict=True))["count"]
    assert row["Type"] == "whole number"
    assert row["Required"] == "required"
    assert "between 0 and 1,000,000" in row["Rules"]


def test_template_csv_is_the_contract_header_only() -> None:
    contract = load_contract(CLAIMANT_CONTRACT)
    rows = list(csv.reader(io.StringIO(views.template_csv(contract).decode("utf-8-sig"))))
    assert rows == [contract.column_names]


def _people() -> dict[str, Identity]:
    """One identity per role, and a submitter for each of the stand-in partnership's partners."""
    people = [
        Identity("demo-leadership", "Leader", Role.LEADERSHIP),
        Identity("demo-analyst", "Analyst", Role.ANALYST),
        Identity("demo-admin", "Admin", Role.ADMIN),
    ]
    people += [
        Identity(f"demo-{pid}", f"Submitter at {p.name}", Role.PARTNER_SUBMITTER, partner_id=pid)
        for pid, p in _partnership().partners.items()
    ]
    return {p.user_id: p for p in people}


def test_a_submitter_may_submit_only_their_own_partners_datasets() -> None:
    people = _people()
    contracts = {"claimant_count": load_contract(CLAIMANT_CONTRACT)}
    bury = views.submission_choices(people["demo-bury_council"], _partnership(), contracts)
    assert bury.refusal is None
    assert list(bury.partners) == ["bury_council"]
    assert list(bury.datasets["bury_council"]) == ["claimant_count"]
    leader = views.submission_choices(people["demo-leadership"], _partnership(), contracts)
    assert leader.partners == {} and leader.refusal
    admin = views.submission_choices(people["demo-admin"], _partnership(), contracts)
    # The NHS partner submits no dataset that has a contract here, so it is not offered.
    assert set(admin.partners) == {"bury_council", "dwp"}


def test_month_options_start_this_month_and_go_back() -> None:
    months = views.month_options(date(2016, 2, 10), count=3)
    assert months == ["2016-02", "2016-01", "2015-12"]


def test_month_options_start_after_the_latest_month_submitted() -> None:
    assert views.month_options(date(2026, 11, 1), "2016-12", count=2) == ["2017-01", "2016-12"]
    # Never a future month, whatever the register says.
    assert views.month_options(date(2016, 2, 1), "2016-02", count=1) == ["2016-02"]


def test_month_options_offer_a_month_asked_for_in_the_address() -> None:
    months = views.month_options(date(2026, 12, 2), "2017-10", count=3, asked="2026-10")
    assert months == ["2026-10", "2017-11", "2017-10", "2017-09"]
    inside = views.month_options(date(2026, 12, 2), "2017-10", count=3, asked="2017-10")
    assert inside == ["2017-11", "2017-10", "2017-09"]
    for ignored in ("2027-01", "tomorrow", None):  # after this month, or not a month
        assert views.month_options(date(2026, 12, 2), "2017-10", count=2, asked=ignored) == [
            "2017-11", "2017-10",
        ]  # fmt: skip


def test_pick_ignores_values_that_are_not_offered() -> None:
    assert views.pick("b", ["a", "b"]) == "b"
    assert views.pick("'; drop table x", ["a", "b"], default="b") == "b"
    assert views.pick(None, ["a", "b"]) == "a"
    assert views.pick("x", []) is None


def test_only_the_shipped_sample_is_labelled_as_demo_data() -> None:
    sample = load_partnership(
        ROOT / "data_contracts" / "partners.yaml", load_contracts(ROOT / "data_contracts")
    )
    assert sample.name.endswith("(sample)")
    assert views.is_sample_partnership(sample)
    other = sample.model_copy(update={"name": "Lancashire partnership"})
    assert not views.is_sample_partnership(other)


# -- text shown as written -------------------------------------------------------------------

HOSTILE = "[Verify your account](https://evil.invalid/login) ![p](https://evil.invalid/p.png)"


def _as_shown(markdown: str) -> str:
    """What Streamlit shows for escaped text: backslashes before punctuation and joiners go."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(views.WORD_JOINER, "")


@given(st.text(alphabet=st.characters(blacklist_characters="\r\n"), max_size=80))
@settings(max_examples=300, deadline=None)
def test_literal_text_reads_back_exactly_as_written(text: str) -> None:
    escaped = views.literal(text)
    assert _as_shown(escaped) == text
    # No Markdown can start: with every escape pair taken out, no ASCII punctuation is left.
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", escaped)
    assert not re.search(r"[!-/:-@\[-`{-~]", unescaped)


@pytest.mark.parametrize(
    "text", ["https://evil.invalid/x", "HTTP://evil.invalid", "www.evil.invalid", "a@evil.invalid"]
)
def test_literal_text_breaks_what_the_autolinker_would_link(text: str) -> None:
    escaped = views.literal(text).replace("\\", "")
    assert views.WORD_JOINER in escaped
    assert "://" not in escaped and "www." not in escaped.lower() and "a@" not in escaped


def test_a_table_for_the_page_escapes_every_text_cell_and_name_and_keeps_numbers() -> None:
    frame = pl.DataFrame({"File **x**": [HOSTILE, None], "Rows": [3, -1]})
    table = views.literal_table(frame)
    assert table.columns == [views.literal("File **x**"), "Rows"]
    assert table["Rows"].to_list() == [3, -1]
    assert table[table.columns[0]].to_list() == [views.literal(HOSTILE), None]


def test_a_definition_names_partners_as_written() -> None:
    contracts = load_contracts(ROOT / "data_contracts")
    partnership = load_partnership(ROOT / "data_contracts" / "partners.yaml", contracts)
    definitions = load_definitions(
        ROOT / "data_contracts" / "outcomes",
        contracts,
        partnership,
        reference_dir=ROOT / "data_contracts" / "reference",
    )
    definition = next(iter(definitions.values()))
    hostile = partnership.model_copy(
        update={
            "partners": {
                pid: p.model_copy(update={"name": HOSTILE})
                for pid, p in partnership.partners.items()
            }
        }
    )
    note = views.describe_definition(definition, hostile)
    assert HOSTILE not in note
    assert HOSTILE in _as_shown(note)
    assert note.startswith("**Question:** ")  # the labels are still bold
