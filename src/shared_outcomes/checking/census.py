"""The exact census of a CSV's records by the Python csv module: slow, so used only when needed.

The fast read (polars) cannot say which rows have too many or too few values, nor where an
unclosed quote starts; this pass walks every record once, streaming, and says exactly that. It
can also collect the cells when polars could not split the file at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from shared_outcomes.checking.findings import describe
from shared_outcomes.checking.report import Finding, bounded
from shared_outcomes.checking.sniffing import Sniffed

#: The column of a collected batch that holds each record's index (0 = the first after the header).
RECORD_COLUMN = "record"
_BATCH = 50_000


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
    # When collecting: the cells of every record kept, in frames of at most _BATCH records (so
    # that Python objects for a million rows never exist at once), with their record index.
    batches: list[pl.DataFrame] = field(default_factory=list)


def take_census(source: Path | bytes, encoding: str, sniffed: Sniffed, collect: bool) -> Census:
    """Walk every record with the Python csv module: exact, slow, used only when needed."""
    for strict in (True, False):
        census = Census()
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
                    census.broken = describe(
                        "unreadable-csv",
                        variant="unsplittable-row",
                        rows=[row],
                        row=row,
                        error=str(exc),
                    )
                if census.broken is not None:
                    return census
    raise AssertionError("unreachable: the lenient pass returns or reports")


def _walk(reader: Iterator[list[str]], sniffed: Sniffed, census: Census, collect: bool) -> None:
    width = len(sniffed.header)
    for _ in range(sniffed.lead + 1):  # the blank lines polars skips, then the header
        next(reader, None)
    indexes: list[int] = []
    records: list[list[str]] = []
    for index, record in enumerate(reader):
        census.records = index + 1
        blank = not any(record)
        if not blank and len(record) != width:
            census.ragged.append((index, len(record)))
        elif collect:
            indexes.append(index)
            records.append([""] * width if blank else record)
            if len(records) == _BATCH:
                census.batches.append(_batch(indexes, records, width))
                indexes, records = [], []
    if records or (collect and not census.batches):
        census.batches.append(_batch(indexes, records, width))


def _batch(indexes: list[int], records: list[list[str]], width: int) -> pl.DataFrame:
    schema = {RECORD_COLUMN: pl.UInt32} | {f"column_{i}": pl.String for i in range(width)}
    return pl.DataFrame(
        [[i, *r] for i, r in zip(indexes, records, strict=True)], schema, orient="row"
    )


def unclosed_quote(row: int, *, long_value: bool = False) -> Finding:
    """Row `row` opens a quoted value that swallows the rest of the file (or 128 KB of it)."""
    variant = "value-too-long" if long_value else "unclosed-quote"
    return describe("unreadable-csv", variant=variant, rows=[row], row=row)


#: The most of one record `raw_records` quotes (then "… (N characters)"): a real row is a few
#: hundred characters, but a line may hold up to 1 MB, and up to MAX_ROWS_LISTED are quoted.
MAX_RAW_CHARS = 2_000


def raw_records(
    source: Path | bytes, encoding: str, delimiter: str, rows: Collection[int]
) -> dict[int, str]:
    """The text of the records at spreadsheet `rows`, as the file holds it (for a row whose
    values cannot be lined up with the header, such as a ragged row): without its line break,
    cut to MAX_RAW_CHARS by `bounded`. At most as many records as `rows` are kept.

    Rows are numbered as the census numbers them: the blank lines above the header count, the
    header is the row after them, and a record whose quoted value holds line breaks is one row.
    One streaming pass with the Python csv module, stopping at the last row wanted.
    """
    wanted = set(rows)
    found: dict[int, str] = {}
    if not wanted:
        return found
    lines: list[str] = []  # the lines of the record being read

    def kept(handle: Iterator[str]) -> Iterator[str]:
        for line in handle:
            lines.append(line)
            yield line

    last = max(wanted)
    with _text(source, encoding) as handle:
        reader = csv.reader(kept(handle), delimiter=delimiter, strict=False)
        row = 0  # the header's row once it is found (blank lines above it count)
        header = False
        try:
            for record in reader:
                text = "".join(lines)
                lines.clear()
                row += 1
                if not header:
                    header = bool(record)
                elif row in wanted:
                    found[row] = bounded(text.removesuffix("\n").removesuffix("\r"), MAX_RAW_CHARS)
                if row >= last:
                    break
        except csv.Error:
            pass  # the rest cannot be split: the rows found so far
    return found
