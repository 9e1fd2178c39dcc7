"""Pure Altair chart builders: a frame in, a chart spec out, titled, with units and safe colours.

No Streamlit here: the pages render what these return, and tests compare the specs. Every chart
carries a title, axis titles with units, and a `description` (Vega-Lite's ARIA label) holding the
one-sentence summary the page also prints, so a screen reader gets the same message. Colours
come from the Okabe–Ito palette, which stays distinguishable under the common colour-vision
deficiencies; where a colour means something (RAG, timeliness) a word or symbol says it too.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

import altair as alt
import polars as pl

from shared_outcomes.period import first_days
from shared_outcomes.present.states import ERASED_MARKS

WHOLE_PARTNERSHIP = "Whole partnership"

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


#: What the dashed line on every trend chart is (the pages' legends say exactly this).
TARGET_LEGEND = "Dashed dark grey line: the shared target."
#: Point shapes by figure state: the shape says it, so the colour is free to name the area.
STATE_SHAPES = {
    "Complete": "circle",
    "Provisional": "triangle-up",
    "Complete · revised": "diamond",
    "Provisional · revised": "diamond",
    **dict.fromkeys(ERASED_MARKS.values(), "square"),
}
#: Grey for what cannot be shown (a suppressed or withheld figure), everywhere.
HIDDEN_COLOUR = "#BBBBBB"
#: How much larger everything is in projector mode.
PROJECTOR_SCALE = 1.6


def _target_frame(target: float, label: str) -> pl.DataFrame:
    return pl.DataFrame({"target": [target], "label": [label]})


def _target_rule(target: float, label: str, *, axis: str = "y") -> alt.Chart:
    rule: alt.Chart = (
        alt.Chart(_target_frame(target, label))
        .mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=2)
        .encode(**{axis: alt.X("target:Q") if axis == "x" else alt.Y("target:Q")})
        .encode(tooltip=[alt.Tooltip("label:N", title="Target")])
    )
    return rule


def _hidden(data: pl.DataFrame) -> pl.DataFrame:
    """The months whose figure is hidden (suppressed, withheld, erased)."""
    return data.filter(pl.col("value").is_null())


def _hidden_months(data: pl.DataFrame) -> list[alt.Chart]:
    """A dotted grey rule at each month whose figure is hidden, its reason in the tooltip; no
    layer at all when nothing is hidden (an empty mark group has no text for screen readers)."""
    hidden = _hidden(data)
    if hidden.height == 0:
        return []
    rules: alt.Chart = (
        alt.Chart(hidden)
        .mark_rule(color=HIDDEN_COLOUR, strokeDash=[2, 2], strokeWidth=2)
        .encode(
            x="month:T",
            tooltip=[
                alt.Tooltip("period:N", title="Month"),
                alt.Tooltip("shown:N", title="Figure"),
            ],
        )
    )
    return [rules]


def sparkline(
    frame: pl.DataFrame, *, title: str, description: str, target: float | None = None
) -> ChartSpec:
    """A small trend line of `value` by `period`, for the common picture's cards: provisional
    points as triangles, hidden months as dotted grey rules, the target dashed."""
    data = _month(frame)
    base = alt.Chart(data, title=alt.TitleParams(title, fontSize=12))
    line = base.mark_line(color=OKABE_ITO[0], strokeWidth=2).encode(
        x=alt.X(
            "month:T",
            title=None,
            axis=alt.Axis(
                format="%b %y", labelAngle=0, tickCount=3, labelOverlap="greedy", labelFlush=True
            ),
        ),
        y=alt.Y(
            "value:Q",
            title=None,
            scale=alt.Scale(zero=False),
            axis=alt.Axis(tickCount=3, format=".3~g"),
        ),
    )
    points = base.mark_point(filled=True, size=40, color=OKABE_ITO[0]).encode(
        x="month:T",
        y="value:Q",
        shape=alt.Shape(
            "mark:N",
            scale=alt.Scale(domain=list(STATE_SHAPES), range=list(STATE_SHAPES.values())),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("period:N", title="Month"),
            alt.Tooltip("shown:N", title="Figure"),
            alt.Tooltip("mark:N", title="State"),
        ],
    )
    layers = [line, points, *_hidden_months(data)]
    if target is not None:
        layers.append(_target_rule(target, _sparkline_target_label(target)))
    return _finish(alt.layer(*layers), height=110, description=description)


def _sparkline_target_label(target: float) -> str:
    return f"Target {target:g}"


#: Card chart forms kept built (`card_spec`): a dozen cards, in two sizes, with or without a
#: hidden month.
CARD_FORMS_KEPT = 256
_CARD_FORMS: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_CARD_FORMS_LOCK = threading.Lock()


def card_spec(
    frame: pl.DataFrame,
    *,
    title: str,
    description: str,
    target: float | None = None,
    large: bool = False,
) -> dict[str, Any]:
    """A card's `sparkline` (`enlarge`d when `large`) as its Vega-Lite specification, with its
    data as Polars frames in `datasets` (Streamlit sends them as Arrow, as it does an Altair
    chart's data).

    Why not the Altair chart itself: building it and validating it against Vega-Lite's schema
    costs about 40 ms a card, most of a common picture view's time, and every new submission
    changes some cards' figures. So the chart's form (everything but its data and summary) is
    built through `sparkline` once per title, target, size, columns and whether a month is
    hidden, and kept (the newest `CARD_FORMS_KEPT`); each call puts its own figures and summary
    into a copy of it. The form is not validated again (the same builder's output is, in the
    tests) and carries no theme, as a page renders a chart.
    """
    data = _month(frame)
    hidden = _hidden(data)
    key = (tuple(frame.schema.items()), title, target, large, hidden.height > 0)
    with _CARD_FORMS_LOCK:
        form = _CARD_FORMS.get(key)
        if form is not None:
            _CARD_FORMS.move_to_end(key)
    if form is None:
        chart = sparkline(frame, title=title, description=description, target=target)
        form = _form(enlarge(chart) if large else chart)
        with _CARD_FORMS_LOCK:
            _CARD_FORMS[key] = form
            while len(_CARD_FORMS) > CARD_FORMS_KEPT:
                _CARD_FORMS.popitem(last=False)
    spec = copy.deepcopy(form)
    spec["description"] = description
    # The layers as `sparkline` orders them: line, points, hidden months, target.
    datasets = {"card": data, "hidden": hidden}
    names = ["card", "card"] + (["hidden"] if hidden.height else [])
    if target is not None:
        datasets["target"] = _target_frame(target, _sparkline_target_label(target))
        names.append("target")
    for layer, name in zip(spec["layer"], names, strict=True):
        layer["data"] = {"name": name}
    spec["datasets"] = {name: datasets[name] for name in dict.fromkeys(names)}
    return spec


def _form(chart: ChartSpec) -> dict[str, Any]:
    """The chart's top-level specification without its data (each layer names its own in
    `card_spec`) and without Altair's active theme (a global setting shared by every thread, so
    it is not switched here): built as a nested chart is, then given the schema."""
    spec: dict[str, Any] = chart.to_dict(
        validate=False, context={"top_level": False, "datasets": {}}
    )
    spec.pop("data", None)  # the data all layers share, when they do
    spec["$schema"] = alt.SCHEMA_URL
    return spec


def trend_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    unit_title: str,
    target: float | None,
    description: str,
) -> ChartSpec:
    """`value` by `period`, one line per `area` (at most MAX_SERIES), the whole partnership
    first and thickest; each point shaped by its state; hidden months as dotted grey rules; the
    target dashed (`TARGET_LEGEND`)."""
    data = _month(frame)
    areas = data["area"].unique(maintain_order=True).to_list()
    order = sorted(areas, key=lambda a: (a != WHOLE_PARTNERSHIP, a))
    colour = alt.Color(
        "area:N", title="Area", scale=alt.Scale(domain=order, range=OKABE_ITO[: len(order)])
    )
    whole = alt.datum.area == WHOLE_PARTNERSHIP
    base = alt.Chart(data)
    lines = base.mark_line().encode(
        x=alt.X("month:T", title="Month", axis=MONTH_AXIS),
        y=alt.Y("value:Q", title=unit_title, scale=alt.Scale(zero=False)),
        color=colour,
        strokeDash=alt.StrokeDash("area:N", title="Area", sort=order),
        strokeWidth=alt.condition(whole, alt.value(4), alt.value(2)),
    )
    points = base.mark_point(filled=True, size=60).encode(
        x="month:T",
        y="value:Q",
        color=colour,
        shape=alt.Shape(
            "mark:N",
            title="State",
            scale=alt.Scale(domain=list(STATE_SHAPES), range=list(STATE_SHAPES.values())),
        ),
        tooltip=[
            alt.Tooltip("area:N", title="Area"),
            alt.Tooltip("period:N", title="Month"),
            alt.Tooltip("shown:N", title=unit_title),
            alt.Tooltip("state_note:N", title="State"),
        ],
    )
    layers = [lines, points, *_hidden_months(data)]
    if target is not None:
        layers.append(_target_rule(target, f"Target {target:g}"))
    return _finish(alt.layer(*layers), title=title, description=description, height=360)


def areas_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    unit_title: str,
    target: float | None,
    description: str,
) -> ChartSpec:
    """One bar per `area` for a month, coloured by `status_label` (its word and symbol in the
    legend below), each labelled with its value; a hidden area keeps its row, labelled with why
    (`shown`), never dropped."""
    data = frame.with_columns(
        pl.when(pl.col("value").is_null())
        .then(pl.concat_str(pl.lit("⊘ "), pl.col("shown")))
        .otherwise(pl.col("shown"))
        .alias("bar_label"),
        pl.col("value").fill_null(0.0).alias("bar"),
    )
    top = max([v for v in frame["value"].to_list() if v is not None] + [target or 0.0, 0.0])
    x = alt.X(
        "bar:Q", title=unit_title, scale=alt.Scale(domain=[0, (top or 1.0) * 1.35], nice=False)
    )
    sort = data["area"].to_list()
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("area:N", title="Area", sort=sort, axis=alt.Axis(labelLimit=240)),
            x=x,
            color=alt.Color(
                "status_label:N",
                title="Status",
                scale=alt.Scale(
                    domain=data["status_label"].unique(maintain_order=True).to_list(),
                    range=data["status_colour"].unique(maintain_order=True).to_list(),
                ),
                legend=alt.Legend(orient="bottom", direction="horizontal", labelLimit=260),
            ),
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("shown:N", title=unit_title),
                alt.Tooltip("status_label:N", title="Status"),
                alt.Tooltip("state_note:N", title="Coverage and notes"),
            ],
        )
    )
    labels = (
        alt.Chart(data)
        .mark_text(align="left", dx=4, color="#1a1a1a")
        .encode(y=alt.Y("area:N", sort=sort), x=x, text=alt.Text("bar_label:N"))
    )
    layers: list[alt.Chart] = [bars, labels]
    if target is not None:
        layers.append(_target_rule(target, f"Target {target:g}", axis="x"))
    return _finish(alt.layer(*layers), title=title, description=description, height=alt.Step(28))


def enlarge(chart: ChartSpec) -> ChartSpec:
    """The chart for projector mode: larger text and marks (`PROJECTOR_SCALE`)."""
    size = PROJECTOR_SCALE
    enlarged: ChartSpec = (
        chart.configure_axis(labelFontSize=11 * size, titleFontSize=12 * size)
        .configure_legend(labelFontSize=11 * size, titleFontSize=12 * size)
        .configure_title(fontSize=14 * size)
        .configure_text(fontSize=11 * size)
    )
    return enlarged


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
    "nil return": ("#CC79A7", "0"),
    "rejected": ("#D55E00", "✖"),
    "excused": ("#F0E442", "–"),
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


def to_svg(spec: dict[str, Any]) -> str:
    """A chart's Vega-Lite specification as vector SVG (vl-convert: the same renderer as
    Vega's own, with no browser), for documents such as the board pack."""
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(spec)
    return svg
