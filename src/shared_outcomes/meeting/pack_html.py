"""The board pack as one self-contained, accessible HTML file (WCAG 2.2 AA).

Laid out by a Jinja2 template (`templates/board_pack.html`) with autoescaping on, so every text
(titles, partner names, commentary) is shown literally and never runs as HTML. Charts are the
vector SVGs of the pages' own specifications, embedded as images whose alternative text is the
chart's one-sentence summary; each is followed by the table behind it.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import cache

import jinja2

from shared_outcomes.meeting.board_pack import BoardPack, timestamp_words

SUPPRESSION_WORDS = (
    "Small numbers are suppressed in this pack whoever made it, by the same rules as every "
    "other shared view, so that no one can be identified; a hidden figure says why."
)


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("shared_outcomes.meeting", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("board_pack.html")


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def render_html(pack: BoardPack, svgs: Mapping[str, str]) -> bytes:
    """The pack as UTF-8 HTML; `svgs` maps each chart's key to its SVG text."""
    html = _template().render(
        pack=pack,
        svgs={key: svg_data_uri(svg) for key, svg in svgs.items()},
        as_at_words=timestamp_words(pack.state.as_at, seconds=True),
        made_words=timestamp_words(pack.made_at),
        suppression_words=SUPPRESSION_WORDS,
    )
    return html.encode("utf-8")
