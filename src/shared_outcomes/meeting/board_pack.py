"""The board pack's content: what a partnership board takes into the room, in the order it reads.

`build_pack` turns the figures (small numbers always suppressed), the figures as they stood at
the last meeting, the commentary and the month's sign-off into a `BoardPack`: a cover, one
summary page (every outcome against its target, RAG, direction of travel, a matrix of outcomes
by area), what changed since the last meeting, then one section per shared problem. Every value
in it is text as people read it, with each figure's state in words (`present.states`), so the
HTML (`pack_html`) and the PDF (`pack_pdf`) only lay it out. The charts are the pages' own
Altair specifications (`present.charts`), with the pages' one-sentence summaries as their
alternative text. Pure: no database, no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.config.partnership import Partnership
from shared_outcomes.errors import UsageError
from shared_outcomes.meeting.register_state import RegisterState, figures_digest
from shared_outcomes.period import Period
from shared_outcomes.present import charts, exploration, picture
from shared_outcomes.present.commentary import CommentLine, comment_lines, day_words
from shared_outcomes.present.states import figure_state
from shared_outcomes.present.views import (
    PROBLEM_TITLES,
    UNIT_TITLE,
    format_change,
    format_value,
    problem_title,
    rag_style,
    sorted_definitions,
)

if TYPE_CHECKING:
    from shared_outcomes.warehouse.commentary import Comment

#: Months of trend shown for each outcome, as on the common picture.
TREND_MONTHS = picture.TREND_MONTHS
NO_DATA = "No data yet"


@dataclass(frozen=True)
class Table:
    """A table as text: a caption, column headings, rows; the first cell of a row heads it."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, frame: pl.DataFrame, caption: str) -> Table:
        rows = tuple(tuple("" if v is None else str(v) for v in r) for r in frame.iter_rows())
        return cls(caption, tuple(frame.columns), rows)


@dataclass(frozen=True)
class Chart:
    """One chart: the pages' Vega-Lite specification, its one-sentence summary (the alternative
    text) and the table behind it."""

    key: str
    title: str
    summary: str
    spec: dict[str, Any]
    table: Table


@dataclass(frozen=True)
class OutcomeSection:
    outcome: str
    title: str
    month: str
    figure: str
    target: str
    rag: str
    direction: str
    change: str
    coverage: str
    revised: str | None
    partners: tuple[str, ...]
    trend: Chart
    areas: Chart
    contributions: Chart | None
    contributions_summary: str
    comments: tuple[CommentLine, ...]


@dataclass(frozen=True)
class ProblemSection:
    title: str
    outcomes: tuple[OutcomeSection, ...]


@dataclass(frozen=True)
class BoardPack:
    """Everything the board pack says, as text, in reading order."""

    partnership: str
    period: str
    made_at: datetime
    made_by: str
    state: RegisterState
    provisional: tuple[str, ...]
    summary: Table
    matrix: Table
    since: date
    changes_sentence: str
    changes: Table
    sign_off: str | None
    changed_since_sign_off: Table | None
    problems: tuple[ProblemSection, ...]
    comments: tuple[CommentLine, ...]
    #: Why these figures can no longer be remade exactly (data erased since `as_at`), if so.
    caveat: str | None = None

    @property
    def month(self) -> str:
        """'October 2017'."""
        return Period.parse(self.period).long_label

    @property
    def title(self) -> str:
        return f"{self.partnership}: board pack, {picture.month_label(self.period)}"

    @property
    def as_at_words(self) -> str:
        """'Figures as at 1 December 2026, 09:30:15 UTC'."""
        return f"Figures as at {timestamp_words(self.state.as_at, seconds=True)}"

    @property
    def remake(self) -> str:
        """The option that remakes this pack's figures: '--as-at 2026-12-01T09:30:15+00:00'."""
        return f"--as-at {self.state.as_at.isoformat()}"

    @property
    def charts(self) -> list[Chart]:
        found: list[Chart] = []
        for problem in self.problems:
            for section in problem.outcomes:
                found += [section.trend, section.areas]
                if section.contributions is not None:
                    found.append(section.contributions)
        return found


def timestamp_words(moment: datetime, *, seconds: bool = False) -> str:
    """'1 December 2026, 09:30 UTC' (with `seconds`, '09:30:15')."""
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{moment.day} {moment.strftime('%B %Y, ' + clock)} UTC"


def known_problems(definitions: Mapping[str, OutcomeDefinition]) -> list[str]:
    found = {d.problem for d in definitions.values()}
    return sorted(found, key=lambda p: (list(PROBLEM_TITLES).index(p) if p in PROBLEM_TITLES
                                        else len(PROBLEM_TITLES), p))  # fmt: skip


def chosen_definitions(
    definitions: Mapping[str, OutcomeDefinition], problems: Sequence[str]
) -> list[OutcomeDefinition]:
    """The outcomes of the shared problems asked for (all without any), in the standard order;
    an unknown problem is a `UsageError` naming those there are."""
    known = known_problems(definitions)
    unknown = [p for p in problems if p not in known]
    if unknown:
        raise UsageError(
            f"there is no shared problem {unknown[0]!r}; the outcome definitions cover: "
            f"{', '.join(known)}."
        )
    return [d for d in sorted_definitions(definitions) if not problems or d.problem in problems]


def pack_period(figures: pl.DataFrame, period: str | None) -> str:
    """The month of the pack: `period` if it has figures, else the latest month with figures;
    a `UsageError` when there are none (a pack with no figures is not a document)."""
    months: set[str] = set(figures["period"].drop_nulls().to_list())
    if period is None:
        if not months:
            raise UsageError(
                "there are no figures yet: no partner has submitted data for the shared "
                "outcomes chosen, so there is nothing to put in a board pack."
            )
        return max(months)
    Period.parse(period)
    if period not in months:
        latest = f" The latest month with figures is {max(months)}." if months else ""
        raise UsageError(
            f"there are no figures for {picture.month_label(period)} ({period}) in the outcomes "
            f"chosen, so there is nothing to put in a board pack.{latest}"
        )
    return period


def build_pack(
    *,
    figures: pl.DataFrame,
    before: pl.DataFrame,
    definitions: Sequence[OutcomeDefinition],
    partnership: Partnership,
    period: str,
    as_at: datetime,
    made_at: datetime,
    made_by: str,
    since: date,
    newest_submission_id: int | None,
    comments: Sequence[Comment],
    sign_off: str | None,
    changed_since_sign_off: pl.DataFrame | None,
    caveat: str | None = None,
) -> BoardPack:
    """The pack for `period` from `figures` (as at `as_at`, suppressed) and `before` (as at the
    end of `since`); `definitions` are the outcomes shown, in order."""
    names = {pid: p.name for pid, p in partnership.partners.items()}
    ids = {d.id for d in definitions}
    shown = figures.filter(pl.col("outcome").is_in(ids) & (pl.col("period") <= period))
    digest_of = shown.filter(pl.col("period").is_not_null())
    state = RegisterState(as_at, newest_submission_id, figures_digest(digest_of))
    titles = {d.id: d.title for d in definitions}
    on_figures = [c for c in comments if c.outcome in titles and c.submission_id is None]
    lines = comment_lines(on_figures, titles, partnership.areas)
    outcome_of = {c.comment_id: c.outcome for c in on_figures}
    sections: dict[str, list[OutcomeSection]] = {}
    for d in definitions:
        own = [line for line in lines if outcome_of[line.comment_id] == d.id]
        sections.setdefault(problem_title(d.problem), []).append(
            _section(d, shown, period, partnership, names, tuple(own))
        )
    before_shown = before.filter(pl.col("outcome").is_in(ids))
    changes = picture.changes_since(before_shown, shown, {d.id: d for d in definitions}, names)
    since_words = day_words(since)
    return BoardPack(
        partnership=partnership.name,
        period=period,
        made_at=made_at,
        made_by=made_by,
        state=state,
        provisional=_provisional(definitions, shown, period, names),
        summary=_summary(definitions, shown, period, names),
        matrix=_matrix(definitions, shown, period, partnership, names),
        since=since,
        changes_sentence=picture.changes_summary(changes, since_words),
        changes=Table.of(changes, f"What changed since {since_words}"),
        sign_off=sign_off,
        changed_since_sign_off=(
            Table.of(changed_since_sign_off, "Figures changed since the sign-off")
            if changed_since_sign_off is not None and changed_since_sign_off.height
            else None
        ),
        problems=tuple(ProblemSection(t, tuple(s)) for t, s in sections.items()),
        comments=tuple(lines),
        caveat=caveat,
    )


def _latest_row(figures: pl.DataFrame, outcome: str, period: str) -> dict[str, Any] | None:
    rows = figures.filter(
        (pl.col("outcome") == outcome)
        & (pl.col("period") == period)
        & pl.col("area_code").is_null()
    )
    return rows.row(0, named=True) if rows.height else None


def direction_of_travel(d: OutcomeDefinition, change: float | None, hidden: bool) -> str:
    """'↑ Improving', '↓ Worsening' or 'No change' since the month before, by the outcome's
    direction; '—' when there is no earlier month or the figure is hidden."""
    if hidden or change is None:
        return "—"
    if format_change(change, d.unit) == "no change":
        return "→ No change"
    better = (change > 0) == (d.direction == "higher_is_better")
    return ("↑ " if change > 0 else "↓ ") + ("Improving" if better else "Worsening")


def _summary(
    definitions: Sequence[OutcomeDefinition],
    figures: pl.DataFrame,
    period: str,
    names: Mapping[str, str],
) -> Table:
    rows = []
    for d in definitions:
        row = _latest_row(figures, d.id, period)
        target = _target(d)
        if row is None:
            rows.append((d.title, NO_DATA, target, rag_style(None).label, "—", NO_DATA))
            continue
        state = figure_state(row, d.unit, names)
        rag = rag_style(None if state.hidden else row["status"]).label
        travel = direction_of_travel(d, row["change_month"], state.hidden)
        rows.append((d.title, state.shown, target, rag, travel, state.mark))
    columns = ("Shared outcome", "Figure", "Target", "RAG", "Direction of travel", "State")
    month = picture.month_label(period)
    return Table(f"Every shared outcome against its target, {month}", columns, tuple(rows))


def _target(d: OutcomeDefinition) -> str:
    return format_value(d.target.value, d.unit) if d.target else "no target set"


def _matrix(
    definitions: Sequence[OutcomeDefinition],
    figures: pl.DataFrame,
    period: str,
    partnership: Partnership,
    names: Mapping[str, str],
) -> Table:
    """Areas by outcome for the month: each cell the figure as shown, or its state in words
    (suppressed, withheld) or 'No data yet', never blank."""
    month = figures.filter(pl.col("period") == period)
    cells: dict[tuple[str, str | None], str] = {}
    for row in month.iter_rows(named=True):
        state = figure_state(row, row["unit"], names)
        hidden = state.mark if state.hidden else state.shown
        cells[(row["outcome"], row["area_code"])] = hidden + (
            " (provisional)" if state.state == "provisional" else ""
        )
    areas: list[tuple[str | None, str]] = [(None, charts.WHOLE_PARTNERSHIP)]
    areas += sorted(partnership.areas.items(), key=lambda item: item[1])
    rows = tuple(
        (name, *(cells.get((d.id, code), NO_DATA) for d in definitions)) for code, name in areas
    )
    caption = f"Shared outcomes by area, {picture.month_label(period)}"
    return Table(caption, ("Area", *(d.title for d in definitions)), rows)


def _provisional(
    definitions: Sequence[OutcomeDefinition],
    figures: pl.DataFrame,
    period: str,
    names: Mapping[str, str],
) -> tuple[str, ...]:
    """One line per outcome whose figure for the month is not final: provisional or withheld,
    with whose data is still awaited."""
    found = []
    for d in definitions:
        row = _latest_row(figures, d.id, period)
        if row is None:
            found.append(f"{d.title}: no data yet.")
            continue
        state = figure_state(row, d.unit, names)
        if state.state in ("provisional", "withheld"):
            found.append(f"{d.title}: {state.coverage}")
    return tuple(found)


def _chart(
    key: str,
    title: str,
    summary: str,
    spec: charts.ChartSpec,
    frame: pl.DataFrame,
    unit: str,
    caption: str,
) -> Chart:
    """A pack chart: the pages' specification, its summary, and the table behind it."""
    return Chart(key, title, summary, spec.to_dict(), Table.of(exploration.readable(frame, unit),
                                                                caption))  # fmt: skip


def _section(
    d: OutcomeDefinition,
    figures: pl.DataFrame,
    period: str,
    partnership: Partnership,
    names: Mapping[str, str],
    comments: tuple[CommentLine, ...],
) -> OutcomeSection:
    areas = partnership.areas
    unit_title = UNIT_TITLE[d.unit].capitalize()
    target = d.target.value if d.target else None
    month = picture.month_label(period)
    mine = figures.filter(pl.col("outcome") == d.id)
    first = str(Period.parse(period).shifted(1 - TREND_MONTHS))
    mine = mine.filter(pl.col("period") >= first)
    trend = exploration.trend_frame(mine, d.id, ["all"], areas, names)
    trend_summary = exploration.trend_summary(trend, d.unit, target)
    trend_title = f"{d.title}: trend"
    trend_chart = charts.trend_chart(
        trend, title=trend_title, unit_title=unit_title, target=target,
        description=trend_summary,
    )  # fmt: skip
    by_area = exploration.areas_frame(figures, d.id, period, areas, names)
    areas_summary = exploration.areas_summary(by_area, d.unit, period)
    areas_title = f"{d.title} by area, {month}"
    areas_chart = charts.areas_chart(
        by_area, title=areas_title, unit_title=unit_title, target=target,
        description=areas_summary,
    )  # fmt: skip
    shares = exploration.contributions_frame(figures, d.id, period, names)
    feeding = tuple(names.get(p, p) for p in d.partners)
    shares_summary = exploration.contributions_summary(shares, period, feeding)
    contributions = None
    if shares.height:
        shares_title = f"Share of the numerator by partner, {month}"
        shares_chart = charts.contributions_chart(
            shares, title=shares_title, description=shares_summary
        )
        contributions = _chart(
            f"{d.id}-contributions", shares_title, shares_summary, shares_chart, shares, d.unit,
            f"Partner contributions, {month}",
        )  # fmt: skip
    row = _latest_row(figures, d.id, period)
    state = figure_state(row, d.unit, names) if row else None
    hidden = state is None or state.hidden
    return OutcomeSection(
        outcome=d.id,
        title=d.title,
        month=month,
        figure=state.shown if state else NO_DATA,
        target=_target(d),
        rag=rag_style(None if hidden or row is None else row["status"]).label,
        direction=direction_of_travel(d, row["change_month"] if row else None, hidden),
        change=format_change(None if hidden or row is None else row["change_month"], d.unit),
        coverage=exploration.month_status(figures, d.id, period, names),
        revised=state.revised if state else None,
        partners=feeding,
        trend=_chart(
            f"{d.id}-trend",
            trend_title,
            trend_summary,
            trend_chart,
            trend,
            d.unit,
            f"{d.title} by month",
        ),
        areas=_chart(
            f"{d.id}-areas",
            areas_title,
            areas_summary,
            areas_chart,
            by_area,
            d.unit,
            areas_title,
        ),
        contributions=contributions,
        contributions_summary=shares_summary,
        comments=comments,
    )
