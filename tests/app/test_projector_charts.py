"""Projector mode enlarges the charts with the text (not only the page's type)."""

from __future__ import annotations

import json
from collections.abc import Callable

from streamlit.testing.v1 import AppTest


def _axis_label_sizes(at: AppTest) -> list[float]:
    sizes = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        sizes.append(spec.get("config", {}).get("axis", {}).get("labelFontSize", 0))
    return sizes


def test_projector_mode_enlarges_every_chart(open_page: Callable[..., AppTest]) -> None:
    at = open_page("Common picture", "demo-leadership")
    assert not at.exception
    assert _axis_label_sizes(at) and all(size < 12 for size in _axis_label_sizes(at))
    at.toggle(key="projector").set_value(True)
    at.run()
    assert not at.exception
    sizes = _axis_label_sizes(at)
    assert sizes and all(size > 12 for size in sizes)
