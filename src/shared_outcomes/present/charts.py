"""Pure Altair chart builders: a frame in, a chart spec out, titled, with units and safe colours.

No Streamlit here: the pages render what these return, and tests compare the specs. Every chart
carries a title, axis titles with units, and a `description` (Vega-Lite's ARIA label) holding the
one-sentence summary the page also prints, so a screen reader gets the same message. Colours
come from the Okabe–Ito palette, which stays distinguishable under the common colour-vision
deficiencies; where a colour means something (RAG, timeliness) a word or symbol says it too.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from shared_outcomes.period import first_days

# Okabe & Ito (2008), "Color Universal Design": eight colours safe for colour-blind readers.
OKABE_ITO = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]
#: At most this many lines on one chart: beyond, colours repeat and the chart stops being readable.
MAX_SERIES = len(OKABE_ITO)
TARGET_COLOUR = "#333333"
MONTH_AXIS = alt.Axis(format="%b %Y", labelAngle=0, tickCount="month")

#: Any finished chart (single or layered); what the pages hand to `st.altair_chart`.
ChartSpec = alt.Chart | alt.LayerChart | alt.FacetChart


def _finish(chart: ChartSpec, **properties: object) -> ChartSpec:
    """Set the top-level properties (Altair's `.properties` is untyped, hence this one place)."""
    finished: ChartSpec = chart.properties(**properties)
    return finished


def _month(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `month` (a date) from `period` ('YYYY-MM') so Vega-Lite places months on a time axis."""
    return frame.with_columns(first_days("period").alias("month"))


def sparkline(frame: pl.DataFrame, *, title: str, description: str) -> ChartSpec:
    """A small trend line of `value` by `period`, for the common picture's cards."""
    chart = (
        alt.Chart(_month(frame), title=alt.TitleParams(title, fontSize=12))
        .mark_line(point=True, color=OKABE_ITO[0], strokeWidth=2)
        .encode(
            x=alt.X(
                "month:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=3)
            ),
            y=alt.Y(
                "value:Q",
                title=None,
                scale=alt.Scale(zero=False),
                axis=alt.Axis(tickCount=3, format=".3~g"),
            ),
            tooltip=[
                alt.Tooltip("period:N", title="Month"),
                alt.Tooltip("value:Q", title="Value", format=",.2f"),
            ],
        )
    )
    return _finish(chart, height=110, description=description)


def trend_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    unit_title: str,
    target: float | None,
    description: str,
) -> ChartSpec:
    """`value` by `period`, one line per `area` (at most MAX_SERIES), with the target dashed."""
    data = _month(frame)
    lines = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("month:T", title="Month", axis=MONTH_AXIS),
            y=alt.Y("value:Q", title=unit_title, scale=alt.Scale(zero=False)),
            color=alt.Color(
                "area:N", title="Area", scale=alt.Scale(range=OKABE_ITO), legend=alt.Legend()
            ),
            strokeDash=alt.StrokeDash("area:N", title="Area"),
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("period:N", title="Month"),
                alt.Tooltip("value:Q", title=unit_title, format=",.2f"),
            ],
        )
    )
    if target is None:
        return _finish(lines, title=title, description=description, height=360)
    rule = (
        alt.Chart(pl.DataFrame({"target": [target], "label": [f"Target {target:g}"]}))
        .mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=2)
        .encode(y="target:Q", tooltip=[alt.Tooltip("label:N", title="Target")])
    )
    return _finish(alt.layer(lines, rule), title=title, description=description, height=360)


def areas_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    unit_title: str,
    target: float | None,
    description: str,
) -> ChartSpec:
    """One bar per `area` for a month, coloured and labelled by `status_label` (word + symbol)."""
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("area:N", title="Area", sort="-x"),
            x=alt.X("value:Q", title=unit_title),
            color=alt.Color(
                "status_label:N",
                title="Status",
                scale=alt.Scale(
                    domain=frame["status_label"].unique(maintain_order=True).to_list(),
                    range=frame["status_colour"].unique(maintain_order=True).to_list(),
                ),
            ),
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("value:Q", title=unit_title, format=",.2f"),
                alt.Tooltip("status_label:N", title="Status"),
            ],
        )
    )
    labels = bars.mark_text(align="left", dx=4, color="#1a1a1a").encode(
        text=alt.Text("status_label:N"), color=alt.value("#1a1a1a")
    )
    layers: list[alt.Chart] = [bars, labels]
    if target is not None:
        layers.append(
            alt.Chart(pl.DataFrame({"target": [target]}))
            .mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=2)
            .encode(x="target:Q")
        )
    return _finish(alt.layer(*layers), title=title, description=description, height=alt.Step(28))


def contributions_chart(frame: pl.DataFrame, *, title: str, description: str) -> ChartSpec:
    """Each `partner`'s `share` (0–1) of the numerator, as labelled horizontal bars."""
    chart = (
        alt.Chart(frame)
        .mark_bar(color=OKABE_ITO[0])
        .encode(
            # No axis title: the long partner names are their own label (a title overlapped them).
            y=alt.Y("partner:N", title=None, sort="-x", axis=alt.Axis(labelLimit=320)),
            x=alt.X("share:Q", title="Share of the numerator (%)", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("partner:N", title="Partner"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
    )
    return _finish(chart, title=title, description=description, height=alt.Step(28))


#: Timeliness states in display order, each with a colour and a symbol shown in the cell.
# Light enough that the black symbol in each cell keeps a 4.5:1 contrast.
TIMELINESS = {
    "on time": ("#56B4E9", "✔"),
    "late": ("#E69F00", "◷"),
    "resubmitted": ("#009E73", "↻"),
    "rejected": ("#D55E00", "✖"),
    "missing": ("#FFFFFF", "?"),
    "not due": ("#EEEEEE", ""),
}


def timeliness_chart(frame: pl.DataFrame, *, title: str, description: str) -> ChartSpec:
    """A `partner` × `period` grid of `state` cells, each with its symbol as well as a colour."""
    states = [s for s in TIMELINESS if s in set(frame["state"].to_list())]
    data = frame.with_columns(
        pl.col("state").replace_strict({k: v[1] for k, v in TIMELINESS.items()}).alias("symbol")
    )
    base = alt.Chart(data).encode(
        x=alt.X("period:O", title="Month", axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("partner:N", title=None, axis=alt.Axis(labelLimit=320)),
    )
    cells = base.mark_rect(stroke="#666666", strokeWidth=0.5).encode(
        color=alt.Color(
            "state:N",
            title="Submission",
            scale=alt.Scale(domain=states, range=[TIMELINESS[s][0] for s in states]),
        ),
        tooltip=[
            alt.Tooltip("partner:N", title="Partner"),
            alt.Tooltip("period:O", title="Month"),
            alt.Tooltip("state:N", title="Submission"),
        ],
    )
    symbols = base.mark_text(fontSize=14, color="#1a1a1a").encode(text="symbol:N")
    return _finish(
        alt.layer(cells, symbols), title=title, description=description, height=alt.Step(26)
    )
