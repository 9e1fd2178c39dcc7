"""The header row: the frame's column names from it, and its problems (blank or repeated names).

Names are kept as written (validation matches them to the contract, warning about case and
whitespace); only a blank or repeated name gets a stand-in with its spreadsheet column letter,
so that every column of the frame has a unique name.
"""

from __future__ import annotations

import re

import polars as pl

from shared_outcomes.checking.findings import describe
from shared_outcomes.checking.report import Finding


def column_letter(index: int) -> str:
    """Excel's column letter for a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def normal_name(name: str) -> str:
    """A column name as matched to the contract's when not written exactly: case, spaces, `_`
    and `-` aside."""
    return re.sub(r"[\s_\-]+", "_", name.strip()).casefold()


def frame_names(header: list[str], *, reserved: str) -> list[str]:
    """Frame column names: as written, except blank and repeated names, which get their letter,
    and those Polars would take for a pattern of names (`*`, `^...$`), which get it too."""
    names: list[str] = []
    seen = {reserved}
    for index, written in enumerate(header):
        name = written if written.strip() else f"(column {column_letter(index)})"
        if name in seen or name == "*" or (name.startswith("^") and name.endswith("$")):
            name = f"{written} (column {column_letter(index)})"
        while name in seen:
            name += "'"
        seen.add(name)
        names.append(name)
    return names


def check_header(
    frame: pl.DataFrame, header: list[str], names: list[str], row: int, findings: list[Finding]
) -> pl.DataFrame:
    """Blank and repeated column names; an unnamed column with no values is simply dropped.

    `row` is the header's spreadsheet row (1, unless blank lines sit above it).
    """
    if not any(h.strip() for h in header):
        findings.append(describe("blank-column-name", variant="empty-header", rows=[row], row=row))
        return frame
    # One pass over the columns, one query for all unnamed ones and one drop: a header of many
    # columns costs time in proportion to its width, never its square.
    unnamed = [i for i, written in enumerate(header) if not written.strip()]
    empty = set(unnamed)
    if unnamed and frame.height:
        longest = frame.select(pl.col(names[i]).str.len_bytes().max() for i in unnamed).row(0)
        empty = {i for i, most in zip(unnamed, longest, strict=True) if not most}
    frame = frame.drop([names[i] for i in unnamed if i in empty])
    for index in unnamed:
        letter = column_letter(index)
        if index in empty:  # a warning: the column is simply dropped
            findings.append(
                describe(
                    "blank-column-name", variant="empty-column", letter=letter, rows=[row], row=row
                )
            )
        else:
            findings.append(describe("blank-column-name", letter=letter, rows=[row], row=row))
    places: dict[str, list[int]] = {}
    for index, written in enumerate(header):
        if written.strip():
            places.setdefault(written, []).append(index)
    for written, indexes in places.items():
        if len(indexes) > 1:
            letters = [column_letter(i) for i in indexes]
            findings.append(
                describe(  # `describe` bounds the name as written, in the column and message
                    "duplicate-column",
                    written,
                    times=len(letters),
                    letters=_letters(letters),
                    rows=[row],
                    row=row,
                )
            )
    return frame


def _letters(letters: list[str], shown: int = 20) -> str:
    listed = ", ".join(letters[:shown])
    return listed + (f" and {len(letters) - shown:,} more" if len(letters) > shown else "")
