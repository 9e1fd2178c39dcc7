"""The board pack as a file: its charts drawn as SVG (with progress), then laid out as HTML or
PDF; what a pack needs that is not a figure (the file name, the default comparison day)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from shared_outcomes.errors import UsageError
from shared_outcomes.meeting.board_pack import BoardPack
from shared_outcomes.present.charts import to_svg

FORMATS = {"pdf": "application/pdf", "html": "text/html"}

#: progress(done, total, label), as the workspace's other long jobs report it.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class PackFile:
    """A made board pack: its bytes, what it says, its file name and media type."""

    content: bytes
    pack: BoardPack
    file_format: str

    @property
    def file_name(self) -> str:
        return f"board_pack_{self.pack.period}.{self.file_format}"

    @property
    def mime(self) -> str:
        return FORMATS[self.file_format]


def check_format(file_format: str) -> str:
    kind = file_format.lower()
    if kind not in FORMATS:
        raise UsageError(f"--format {file_format!r} is not known: use pdf or html.")
    return kind


def month_before(day: date) -> date:
    """The same day a month earlier (the last day of that month when it is shorter)."""
    first = day.replace(day=1)
    previous_last = first - timedelta(days=1)
    return previous_last.replace(day=min(day.day, previous_last.day))


def render(pack: BoardPack, file_format: str, progress: Progress | None = None) -> bytes:
    """Draw every chart and lay out the pack. (vl-convert draws one chart at a time whatever the
    number of threads, so the charts are drawn in turn, each reported.)"""
    from shared_outcomes.meeting.pack_html import render_html
    from shared_outcomes.meeting.pack_pdf import render_pdf

    kind = check_format(file_format)
    charts = pack.charts
    total = len(charts) + 1
    svgs: dict[str, str] = {}
    for done, chart in enumerate(charts):
        if progress:
            progress(done, total, chart.title)
        svgs[chart.key] = to_svg(chart.spec)
    if progress:
        progress(len(charts), total, f"laying out the {kind.upper()}")
    content = render_pdf(pack, svgs) if kind == "pdf" else render_html(pack, svgs)
    if progress:
        progress(total, total, "done")
    return content
