"""Explore: one shared outcome by area, month and partner, with its definition and downloads."""

from __future__ import annotations

import streamlit as st

from app_pages._commentary import comment_form, show_comments, show_done
from app_pages._shell import acting_identity, guarded, page_header, show_chart, workspace
from shared_outcomes.present import charts, commentary, exploration, views
from shared_outcomes.present.exports import to_parquet, to_safe_csv
from shared_outcomes.present.picture import month_label
from shared_outcomes.present.views import literal

page_header(
    "Explore",
    "Pick a shared outcome: its trend by area against the target, the areas compared for a "
    "month, each partner's contribution, and how it is defined. The filters are kept in the "
    "address bar, so a view can be shared as a link.",
)

with guarded():
    ws = workspace()
    me = acting_identity()
    definitions = {d.id: d for d in views.sorted_definitions(ws.definitions)}
    if not definitions:
        st.info("No shared outcomes are defined yet (data_contracts/outcomes/).")
        st.stop()
    outcome = st.selectbox(
        "Shared outcome",
        options=list(definitions),
        format_func=lambda i: definitions[i].title,
        key="outcome",
        bind="query-params",
    )
    d = definitions[outcome]
    figures = ws.figures(me, outcomes=[outcome])
    areas = ws.partnership.areas
    names = {pid: p.name for pid, p in ws.partnership.partners.items()}
    choices = exploration.area_options(areas)
    chosen = st.multiselect(
        "Areas on the trend chart",
        options=list(choices),
        default=["all"],
        format_func=lambda code: choices[code],
        key="areas",
        bind="query-params",
        max_selections=charts.MAX_SERIES,
        help=f"Up to {charts.MAX_SERIES} lines, so each keeps a distinct colour and dash.",
    )
    periods = sorted(set(figures["period"].drop_nulls().to_list()), reverse=True)
    if not periods:
        st.info(literal(f"No figures yet for {d.title}: no partner has submitted its data."))
        st.stop()
    month = st.selectbox(
        "Month for the area comparison and contributions",
        options=periods,
        format_func=month_label,
        key="month",
        bind="query-params",
    )
    unit_title = views.UNIT_TITLE[d.unit].capitalize()
    target = d.target.value if d.target else None

    st.header("Trend by area")
    trend = exploration.trend_frame(figures, outcome, chosen or ["all"], areas, names)
    summary = exploration.trend_summary(trend, d.unit, target)
    show_chart(
        charts.trend_chart(
            trend,
            title=f"{d.title}: trend",
            unit_title=unit_title,
            target=target,
            description=summary,
        ),
        summary=summary,
        table=exploration.readable(trend, d.unit),
        legend=charts.TARGET_LEGEND if target is not None else None,
    )

    st.header(f"Areas compared, {month_label(month)}")
    status = exploration.month_status(figures, outcome, month, names)
    if "Complete" in status and "Revised" not in status:
        st.caption(literal(status))
    else:
        st.markdown(f":material/schedule: **{literal(status)}**")
    by_area = exploration.areas_frame(figures, outcome, month, areas, names)
    summary = exploration.areas_summary(by_area, d.unit, month)
    show_chart(
        charts.areas_chart(
            by_area,
            title=f"{d.title} by area, {month_label(month)}",
            unit_title=unit_title,
            target=target,
            description=summary,
        ),
        summary=summary,
        table=exploration.readable(by_area, d.unit),
    )

    st.header(f"Partner contributions, {month_label(month)}")
    shares = exploration.contributions_frame(figures, outcome, month, names)
    feeding = [names.get(p, p) for p in d.partners]
    summary = exploration.contributions_summary(shares, month, feeding)
    if shares.height:
        show_chart(
            charts.contributions_chart(
                shares,
                title=f"Share of the numerator by partner, {month_label(month)}",
                description=summary,
            ),
            summary=summary,
            table=exploration.readable(shares, d.unit),
        )
    else:
        st.markdown(literal(summary))

    st.header(f"Commentary, {month_label(month)}")
    st.caption(
        "Comments on this outcome's figures for the month, the whole partnership's and every "
        "area's, newest first. They show beside the figure on the common picture and in the "
        "board pack too."
    )
    show_done()
    show_comments(me, ws.comments(me, outcome=outcome, period=month), key="explore-comment")
    may = commentary.figure_commenting(me, d, ws.partnership)
    if may.refusal:
        st.info(literal(may.refusal), icon=":material/lock:")
    else:
        comment_form(
            "explore-new-comment",
            lambda text, area: ws.add_comment(
                me, text, outcome=outcome, area_code=area, period=month
            ),
            areas=may.areas,
            heading=literal(f"Comment on {d.title}, {month_label(month)}"),
        )

    st.header("Definition")
    st.markdown(views.describe_definition(d, ws.partnership))
    with st.expander("The SQL behind this outcome"):
        st.code(exploration.definition_sql(d), language="sql")

    st.header("Download the figures")
    st.caption(
        "Every area and month of this outcome, with coverage and each figure's state "
        "(provisional, withheld, suppressed, revised) in words. Small numbers are suppressed "
        "as your role requires (disclosure control); a hidden number is an empty cell with "
        "its reason in `state_note`. " + views.EXPORT_ROUNDING
    )
    export = exploration.export_frame(figures, outcome, areas, names)
    left, right = st.columns(2)
    detail = {"rows": export.height, "outcome": outcome}
    left.download_button(
        "Download as CSV",
        data=to_safe_csv(export),
        file_name=f"{outcome}.csv",
        mime="text/csv",
        on_click=ws.record_download,
        args=(me, f"{outcome}.csv"),
        kwargs={"detail": detail},
    )
    right.download_button(
        "Download as Parquet",
        data=to_parquet(export),
        file_name=f"{outcome}.parquet",
        mime="application/vnd.apache.parquet",
        on_click=ws.record_download,
        args=(me, f"{outcome}.parquet"),
        kwargs={"detail": detail},
    )
