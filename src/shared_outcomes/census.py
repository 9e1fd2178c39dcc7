"""The exact census of a CSV's records by the Python csv module: slow, so used only when needed.

The fast read (polars) cannot say which rows have too many or too few values, nor where an
unclosed quote starts; this pass walks every record once, streaming, and says exactly that. It
can also collect the cells when polars could not split the file at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from shared_outcomes.report import Finding
from shared_outcomes.sniffing import Sniffed


@contextmanager
def _text(source: Path | bytes, encoding: str) -> Iterator[io.TextIOBase]:
    raw = io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")
    with io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="") as handle:
        yield handle


@dataclass
class Census:
    """What one exact pass of the Python csv module over every record found."""

    records: int = 0
    ragged: list[tuple[int, int]] = field(default_factory=list)  # (record index, its width)
    broken: Finding | None = None
    rows: list[int] = field(default_factory=list)  # record indexes kept, when collecting
    columns: list[list[str]] = field(default_factory=list)


def take_census(source: Path | bytes, encoding: str, sniffed: Sniffed, collect: bool) -> Census:
    """Walk every record with the Python csv module: exact, slow, used only when needed."""
    for strict in (True, False):
        census = Census(columns=[[] for _ in sniffed.header] if collect else [])
        with _text(source, encoding) as handle:
            reader = csv.reader(handle, delimiter=sniffed.delimiter, strict=strict)
            try:
                _walk(reader, sniffed, census, collect)
                return census
            except csv.Error as exc:
                row = census.records + 2 + sniffed.lead
                if "end of data" in str(exc) or "field limit" in str(exc):
                    census.broken = unclosed_quote(row, long_value="field limit" in str(exc))
                elif not strict:
                    census.broken = Finding(
                        severity="error",
                        code="unreadable-csv",
                        message=f"Row {row} cannot be split into values ({exc}).",
                        fix="Open the file in Excel, check that row, and save as 'CSV UTF-8'.",
                        rows=[row],
                        count=1,
                    )
                if census.broken is not None:
                    return census
    raise AssertionError("unreachable: the lenient pass returns or reports")


def _walk(reader: Iterator[list[str]], sniffed: Sniffed, census: Census, collect: bool) -> None:
    width = len(sniffed.header)
    for _ in range(sniffed.lead + 1):  # the blank lines polars skips, then the header
        next(reader, None)
    for index, record in enumerate(reader):
        census.records = index + 1
        blank = not any(record)
        if not blank and len(record) != width:
            census.ragged.append((index, len(record)))
        elif collect:
            census.rows.append(index)
            for column, value in zip(
                census.columns, [""] * width if blank else record, strict=True
            ):
                column.append(value)


def unclosed_quote(row: int, *, long_value: bool = False) -> Finding:
    what = "a value longer than 128 KB" if long_value else "a quoted value that is never closed"
    return Finding(
        severity="error",
        code="unreadable-csv",
        message=f'Row {row} starts {what}: a double quote (") opens it and the rest of the file '
        "is swallowed into it, so the rows cannot be told apart.",
        fix=f"Find the stray double quote on row {row} and remove it or close it, then save again.",
        rows=[row],
        count=1,
    )
