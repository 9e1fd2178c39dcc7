"""The Agreements page in AppTest: every agreement with its parties, bases and datasets, the
outcomes that depend on each, and those due for review within 60 days (the sample's digital
inclusion and homelessness agreements, reviewed in December 2026 and January 2027)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from streamlit.testing.v1 import AppTest
from support import ROOT, shown

from shared_outcomes.config.agreements import load_agreements
from shared_outcomes.config.contracts import load_contracts
from shared_outcomes.config.partnership import load_partnership
from shared_outcomes.present import agreements as words

pytestmark = pytest.mark.slow


def test_the_page_lists_who_shares_what_and_what_is_due_for_review(
    open_page: Callable[..., AppTest],
) -> None:
    at = open_page("Agreements", "demo-bolton_council")
    assert not at.exception and not at.error
    (table,) = [t.value for t in at.table if "Parties" in [shown(c) for c in t.value.columns]]
    rows = [{shown(k): shown(str(v)) for k, v in r.items()} for r in table.to_dict("records")]
    assert len(rows) == 6
    (homelessness,) = [r for r in rows if "gm-homelessness-2015" in r["Agreement"]]
    assert "homelessness_cases (10 years)" in homelessness["Datasets (kept for)"]
    assert "Bolton Council (joint controller)" in homelessness["Parties"]
    today = datetime.now(UTC).date()
    contracts = load_contracts(ROOT / "data_contracts")
    partnership = load_partnership(ROOT / "data_contracts" / "partners.yaml", contracts)
    agreements = load_agreements(
        ROOT / "data_contracts" / "agreements.yaml", list(partnership.partners),
        {d: c.column_names for d, c in contracts.items()},
    )  # fmt: skip
    due = {shown(w.value) for w in at.warning if "due for review" in shown(w.value)}
    assert due == {words.review_words(a, today) for a in agreements.due_for_review(today)}
    page = " ".join(shown(m.value) for m in at.markdown)
    assert "Homelessness preventions" in page  # an outcome that depends on an agreement
    cells = {shown(str(v)) for t in at.table for column in t.value.columns for v in t.value[column]}
    assert "public task (Article 6(1)(e))" in cells


def test_review_words_count_the_days() -> None:
    contracts = load_contracts(ROOT / "data_contracts")
    partnership = load_partnership(ROOT / "data_contracts" / "partners.yaml", contracts)
    agreements = load_agreements(
        ROOT / "data_contracts" / "agreements.yaml", list(partnership.partners),
        {d: c.column_names for d, c in contracts.items()},
    )  # fmt: skip
    (digital,) = [a for a in agreements.agreements if a.id == "gm-digital-inclusion-2015"]
    assert words.review_words(digital, date(2026, 12, 2)).endswith(
        "is due for review on 20 December 2026 (in 18 days)."
    )
    assert words.review_words(digital, date(2026, 12, 20)).endswith("(today).")
