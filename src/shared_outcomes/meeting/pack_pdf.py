"""The board pack as a tagged, accessible PDF (PDF/UA-1), typeset by Typst.

Why Typst: its compiler is one self-contained wheel (no system libraries such as Pango, which
WeasyPrint needs), it tags PDFs by default (a structure tree with headings, table header cells,
figures with alternative text, the document language) and checks PDF/UA-1 when asked, failing
rather than writing an untagged file; and it lays out long tables across pages with their header
rows repeated. The template (`templates/board_pack.typ`) reads the pack from JSON, so every text
is a string to Typst, never markup.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

from shared_outcomes.errors import UsageError
from shared_outcomes.meeting.board_pack import BoardPack, Chart, Table, timestamp_words
from shared_outcomes.meeting.pack_html import SUPPRESSION_WORDS

#: The PDF standard the pack is checked against while it is written.
PDF_STANDARD: Final = "ua-1"


def _table(t: Table | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"caption": t.caption, "columns": list(t.columns), "rows": [list(r) for r in t.rows]}


def _chart(chart: Chart) -> dict[str, Any]:
    return {
        "title": chart.title,
        "summary": chart.summary,
        "file": f"{chart.key}.svg",
        "table": _table(chart.table),
    }


def pack_data(pack: BoardPack) -> dict[str, Any]:
    """Everything the Typst template prints, as JSON-ready strings and lists."""
    problems = []
    for problem in pack.problems:
        outcomes = []
        for s in problem.outcomes:
            charts = [c for c in (s.trend, s.areas, s.contributions) if c is not None]
            outcomes.append(
                {
                    "title": s.title, "month": s.month, "figure": s.figure, "target": s.target,
                    "rag": s.rag, "direction": s.direction, "change": s.change,
                    "coverage": s.coverage, "revised": s.revised, "partners": list(s.partners),
                    "charts": [_chart(c) for c in charts],
                    "contributions": None if s.contributions is None else s.contributions.key,
                    "contributions_summary": s.contributions_summary,
                    "comments": [dataclasses.asdict(c) for c in s.comments],
                }
            )  # fmt: skip
        problems.append({"title": problem.title, "outcomes": outcomes})
    return {
        "title": pack.title,
        "partnership": pack.partnership,
        "month": pack.month,
        "made_by": pack.made_by,
        "made_words": timestamp_words(pack.made_at),
        "as_at_words": pack.as_at_words,
        "as_at_full": timestamp_words(pack.state.as_at, seconds=True),
        "remake": "shared-outcomes board-pack " + pack.remake,
        "state_words": pack.state.words,
        "caveat": pack.caveat,
        "digest": pack.state.figures_digest,
        "sign_off": pack.sign_off,
        "suppression_words": SUPPRESSION_WORDS,
        "provisional": list(pack.provisional),
        "changed_since_sign_off": _table(pack.changed_since_sign_off),
        "summary": _table(pack.summary),
        "matrix": _table(pack.matrix),
        "changes_sentence": pack.changes_sentence,
        "changes": _table(pack.changes),
        "problems": problems,
        "comments": [dataclasses.asdict(c) for c in pack.comments],
    }


def render_pdf(pack: BoardPack, svgs: Mapping[str, str]) -> bytes:
    """The pack as a PDF/UA-1 file; `svgs` maps each chart's key to its SVG text."""
    import typst

    template = files("shared_outcomes.meeting").joinpath("templates", "board_pack.typ")
    with tempfile.TemporaryDirectory(prefix="board-pack-") as folder:
        root = Path(folder)
        (root / "board_pack.typ").write_text(template.read_text("utf-8"), "utf-8")
        (root / "pack.json").write_text(json.dumps(pack_data(pack)), "utf-8")
        for key, svg in svgs.items():
            (root / f"{key}.svg").write_text(svg, "utf-8")
        try:
            pdf: bytes = typst.compile(
                str(root / "board_pack.typ"),
                root=str(root),
                pdf_standards=[PDF_STANDARD],
                # The document's own dates are when it was made, so a remake is the same file.
                timestamp=int(pack.made_at.timestamp()),
            )
        except typst.TypstError as error:  # a bug in the template, never the data's fault
            raise UsageError(
                f"the PDF could not be typeset ({error}). Make the HTML version instead "
                "(--format html) and report this as a bug."
            ) from error
    return pdf
