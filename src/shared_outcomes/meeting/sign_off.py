"""The month's sign-off: leadership records that the picture was reviewed, and of which data.

A sign-off keeps the register state it was made at (`RegisterState`: the newest submission and
the digest of the month's figures as shared, small counts suppressed), so that it reads
"Reviewed by Jo Brennan on 3 November 2017, as at register at submission #41, figures digest
3f2a9c0d1e2b". A resubmission after it that changes what a reviewed figure shows is listed by
`changed_since_sign_off` ("changed since sign-off"), comparing the figures as they stood at the
sign-off with the figures now, by what each shows (`present.states`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import polars as pl

from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.meeting.register_state import RegisterState
from shared_outcomes.period import Period
from shared_outcomes.present.states import figure_state
from shared_outcomes.warehouse.commentary import SignOffRecord

#: The columns of `changed_since_sign_off`, in order.
CHANGED_COLUMNS = ("Outcome", "Area", "Month", "At sign-off", "Now")
#: What a cell says for a figure that did not exist on one side.
NO_FIGURE = "no figure"
_KEYS = ("outcome", "area_code", "period")


@dataclass(frozen=True)
class SignOff:
    """One sign-off, with its words."""

    record: SignOffRecord

    @property
    def period(self) -> str:
        return self.record.period

    @property
    def state(self) -> RegisterState:
        """The register the reviewed picture was made from."""
        r = self.record
        return RegisterState(r.signed_at, r.newest_submission_id, r.figures_digest)

    @property
    def words(self) -> str:
        """'Reviewed by Jo Brennan on 3 November 2017, as at register at submission #41, …'."""
        day = self.record.signed_at.astimezone(UTC)
        on = f"{day.day} {Period.of(day.date()).long_label}"
        return f"Reviewed by {self.record.signed_name} on {on}, as at {self.state.words}"


def empty_changes() -> pl.DataFrame:
    """`changed_since_sign_off`'s frame with no rows."""
    return pl.DataFrame(schema=dict.fromkeys(CHANGED_COLUMNS, pl.String))


def changed_since_sign_off(
    before: pl.DataFrame,
    now: pl.DataFrame,
    definitions: Mapping[str, OutcomeDefinition],
    partner_names: Mapping[str, str],
) -> pl.DataFrame:
    """Each figure whose shown value or state differs between `before` (the figures as at the
    sign-off) and `now`: columns Outcome, Area, Month, "At sign-off", "Now" (`CHANGED_COLUMNS`).

    Figures are compared by what they show (`figure_state`): a value that moves inside its
    rounding, or a suppressed figure that stays suppressed, is not a change. A figure on one
    side only shows "no figure" on the other. Sorted by outcome, the whole partnership first,
    then by area name.
    """
    from shared_outcomes.present.charts import WHOLE_PARTNERSHIP  # Altair: only when needed

    was = _shown(before, partner_names)
    is_now = _shown(now, partner_names)
    rows: list[dict[str, Any]] = []
    for key in sorted(set(was) | set(is_now), key=lambda k: _order(k, was, is_now, definitions)):
        old, new = was.get(key), is_now.get(key)
        old_words = old["words"] if old else NO_FIGURE
        new_words = new["words"] if new else NO_FIGURE
        if old_words == new_words:
            continue
        found = old or new
        assert found is not None  # the key came from one side
        outcome, area_code, period = key
        rows.append({
            "Outcome": _title(outcome, found, definitions),
            "Area": WHOLE_PARTNERSHIP if area_code is None else found["area_name"] or area_code,
            "Month": Period.parse(period).label if Period.is_valid(period) else period,
            "At sign-off": old_words,
            "Now": new_words,
        })  # fmt: skip
    if not rows:
        return empty_changes()
    return pl.DataFrame(rows, schema=dict.fromkeys(CHANGED_COLUMNS, pl.String))


def _shown(
    figures: pl.DataFrame, partner_names: Mapping[str, str]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Each figure by (outcome, area_code, period): what it shows, in words, and its names."""
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in figures.iter_rows(named=True):
        state = figure_state(row, row["unit"], partner_names)
        words = state.shown
        if state.state == "provisional" and not state.hidden and row["value"] is not None:
            words += " (provisional)"
        found[tuple(row[k] for k in _KEYS)] = {
            "words": words,
            "title": row.get("title"),
            "area_name": row.get("area_name"),
        }
    return found


def _title(
    outcome: str, row: Mapping[str, Any], definitions: Mapping[str, OutcomeDefinition]
) -> str:
    found = definitions.get(outcome)
    return found.title if found is not None else str(row.get("title") or outcome)


def _order(
    key: tuple[Any, ...],
    was: Mapping[tuple[Any, ...], Mapping[str, Any]],
    is_now: Mapping[tuple[Any, ...], Mapping[str, Any]],
    definitions: Mapping[str, OutcomeDefinition],
) -> tuple[str, str, bool, str]:
    outcome, area_code, period = key
    row = is_now.get(key) or was.get(key) or {}
    area = "" if area_code is None else str(row.get("area_name") or area_code)
    return (_title(outcome, row, definitions), str(period), area_code is not None, area)
