"""Common picture: every shared outcome on one screen, grouped by shared problem."""

from __future__ import annotations

from datetime import UTC, datetime, time

import polars as pl
import streamlit as st

from app_pages._commentary import show_card_comments, sign_off_panel
from app_pages._shell import (
    acting_identity,
    guarded,
    page_header,
    projector_mode,
    show_table,
    workspace,
)
from shared_outcomes.present import charts, commentary, exploration, picture, views
from shared_outcomes.present.exports import to_safe_csv
from shared_outcomes.present.views import literal

page_header(
    "Common picture",
    "Every shared outcome against its shared target, what changed since last month, and whose "
    "data is still missing.",
)

with guarded():
    ws = workspace()
    me = acting_identity()
    large = projector_mode()
    version = ws.register_version()  # read once: the page's figures are all of this state
    figures = ws.figures(me, version=version)
    names = {pid: p.name for pid, p in ws.partnership.partners.items()}
    latest = picture.latest_period(figures)
    if latest is None:
        st.info("No figures yet: no partner has submitted data for any shared outcome.")
        st.stop()

    st.markdown(f"**Latest month:** {picture.month_label(latest)}")

    sign_off_panel(me, latest)  # who reviewed the month's picture, of which data; what changed

    groups = picture.outcome_cards(figures, ws.definitions, names, latest)
    card_months = sorted({c.period for cards in groups.values() for c in cards if c.period})
    notes = ws.comments(me, periods=card_months)  # every card's, the areas' too, in one read
    per_row = 2 if large else 3
    for problem, cards in groups.items():
        st.header(literal(problem))
        for start in range(0, len(cards), per_row):
            columns = st.columns(per_row)
            for column, card in zip(columns, cards[start : start + per_row], strict=False):
                with column.container(border=True, key=f"card-{card.outcome}"):
                    st.subheader(literal(card.title))
                    month = picture.month_label(card.period) if card.period else "no data"
                    st.metric(f"Latest figure ({month})", card.value)
                    st.markdown(
                        f"**{literal(card.rag.label)}** · target {literal(card.target)}  \n"
                        f"Change since the month before: {literal(card.change)}"
                    )
                    # Coverage names the partners still missing (their names as configured).
                    if card.complete:
                        st.caption(f":material/check_circle: {literal(card.coverage)}")
                    else:
                        st.markdown(f":material/schedule: **{literal(card.coverage)}**")
                    if card.revised:
                        st.caption(f":material/edit_note: {literal(card.revised)}")
                    if card.trend.height > 1:
                        spark = charts.card_spec(
                            card.trend,
                            title=f"Last {card.trend.height} months",
                            description=card.summary,
                            target=card.target_value,
                            large=large,
                        )
                        st.vega_lite_chart(spark, width="stretch")
                        with st.expander("Figures by month"):
                            show_table(card.trend_table)
                    show_card_comments(commentary.on_figure(notes, card.outcome, card.period))

    st.header("Since the last meeting")
    default_day = picture.default_meeting_day(figures) or datetime.now(UTC).date()
    meeting = st.date_input(
        "Date of the last meeting",
        value=default_day,
        key="meeting",
        bind="query-params",  # a link to this page reproduces the comparison
        help="Figures are compared with the picture as it stood at the end of that day. "
        "Without a date, the end of the latest month's figures.",
        format="DD/MM/YYYY",
    )
    as_at = datetime.combine(meeting, time.max, tzinfo=UTC)
    before = ws.figures(me, as_at=as_at, version=version)
    changes = picture.changes_since(before, figures, ws.definitions, names)
    st.markdown(literal(picture.changes_summary(changes, meeting.strftime("%d %B %Y"))))
    if changes.height:
        show_table(changes)

    st.header("Board pack")
    st.caption(
        "The document for the meeting: a cover with the register state it was made from, a "
        "summary page, what changed since the meeting date above, then each shared problem "
        "with its charts, the tables behind them and the commentary. Small numbers are "
        "suppressed whatever your role. The command line makes the same document: "
        "`shared-outcomes board-pack`."
    )
    kind = st.radio(
        "Format", ["pdf", "html"], format_func=str.upper, horizontal=True, key="pack_format"
    )
    if st.button("Make the board pack", icon=":material/description:"):
        bar = st.progress(0.0, text="Making the board pack…")

        def report(done: int, total: int, label: str) -> None:
            bar.progress(done / max(total, 1), text=literal(f"Making the board pack: {label}"))

        st.session_state["board_pack"] = ws.board_pack(
            me, file_format=kind, since=meeting, progress=report
        )
        bar.empty()
    made = st.session_state.get("board_pack")
    if made is not None:
        st.success(
            literal(f"{made.pack.title}. {made.pack.as_at_words}; {made.pack.state.words}."),
            icon=":material/check_circle:",
        )
        st.download_button(
            f"Download the board pack ({made.file_format.upper()})",
            data=made.content,
            file_name=made.file_name,
            mime=made.mime,
            icon=":material/download:",
        )

    st.subheader("The figures as a CSV file")
    st.caption(
        "Every shared outcome by area and month, with small numbers suppressed whatever your "
        "role; each figure's state (provisional, withheld, suppressed, revised) is in words. "
        + views.EXPORT_ROUNDING
    )

    def figures_csv() -> bytes:
        """Made only when the button is pressed: the figures with small counts suppressed."""
        suppressed = ws.figures(me, unsuppressed=False)
        areas = ws.partnership.areas
        frames = [exploration.export_frame(suppressed, o, areas, names) for o in ws.definitions]
        return to_safe_csv(pl.concat(frames, how="diagonal_relaxed"))

    st.download_button(
        "Download the figures (CSV, small numbers suppressed)",
        data=figures_csv,
        file_name="shared_figures.csv",
        mime="text/csv",
        on_click=ws.record_download,
        args=(me, "shared_figures.csv"),
        kwargs={"detail": {"suppressed": True}},
    )
