"""The header row: the frame's column names from it, and its problems (blank or repeated names).

Names are kept as written (validation matches them to the contract, warning about case and
whitespace); only a blank or repeated name gets a stand-in with its spreadsheet column letter,
so that every column of the frame has a unique name.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from shared_outcomes.checking.report import Finding, bounded


def column_letter(index: int) -> str:
    """Excel's column letter for a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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

    def found(code: str, error: bool, message: str, fix: str, column: str | None = None) -> None:
        severity: Literal["error", "warning"] = "error" if error else "warning"
        findings.append(
            Finding(
                code=code,
                severity=severity,
                message=message,
                fix=fix,
                column=column,
                rows=[row],
                count=1,
            )
        )

    if not any(h.strip() for h in header):
        found(
            "blank-column-name",
            True,
            f"The header row (row {row}) is empty: it should name the columns.",
            f"Type the column names in row {row}, as the data contract names them.",
        )
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
        if index in empty:
            found(
                "blank-column-name",
                False,
                f"Column {letter} has no name in the header row and no values; it was ignored.",
                "Nothing to do; delete the empty column before saving to keep the file tidy.",
            )
        else:
            found(
                "blank-column-name",
                True,
                f"Column {letter} holds values but has no name in the header row (row {row}).",
                f"Type the column's name in cell {letter}{row}, or delete the column.",
            )
    places: dict[str, list[int]] = {}
    for index, written in enumerate(header):
        if written.strip():
            places.setdefault(written, []).append(index)
    for written, indexes in places.items():
        if len(indexes) > 1:
            letters = [column_letter(i) for i in indexes]
            shown = bounded(written)
            found(
                "duplicate-column",
                True,
                f"The header names column '{shown}' {len(letters)} times "
                f"(columns {_letters(letters)}).",
                "Rename or delete the extra columns so that every column name is unique.",
                column=shown,
            )
    return frame


def _letters(letters: list[str], shown: int = 20) -> str:
    listed = ", ".join(letters[:shown])
    return listed + (f" and {len(letters) - shown:,} more" if len(letters) > shown else "")
