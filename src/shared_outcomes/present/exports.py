"""Safe exports: CSV without formula injection, Parquet, and file names that cannot escape a folder.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, so text cells that
start so are prefixed with an apostrophe (OWASP's advice for CSV injection). The header row is
cells too: a column name comes from a partner's header row (the failing-rows CSV), so names are
escaped the same way. Numeric columns are written as numbers and never touched, so a negative
figure stays a number. Every CSV the product writes goes through `safe_csv_text`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def escape_cell(value: str) -> str:
    """A text cell as a spreadsheet will show it, never run it."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def escape_text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Escape every text column of `frame` against formula injection; other columns unchanged."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text_columns:
        return frame
    pattern = "^[" + re.escape("".join(FORMULA_PREFIXES)) + "]"
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(pattern))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )


def safe_csv_text(frame: pl.DataFrame, header: Sequence[str] | None = None) -> str:
    """`frame` as CSV text with its header row and its text cells formula-escaped.

    `header` (default: the frame's column names) is written by the csv module (quoted as Polars
    quotes cells), not by renaming the columns, so names that escape to the same text (`=a` and
    `'=a`), or repeat, are all written as they are.
    """
    names = frame.columns if header is None else list(header)
    if len(names) != frame.width:
        raise ValueError(f"{len(names)} header names for {frame.width} columns")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(escape_cell(name) for name in names)
    buffer.write(escape_text_columns(frame).write_csv(include_header=False))
    return buffer.getvalue()


def to_safe_csv(frame: pl.DataFrame, header: Sequence[str] | None = None) -> bytes:
    """CSV bytes (UTF-8 with a BOM, so Excel reads £ and é right), names and cells escaped."""
    return b"\xef\xbb\xbf" + safe_csv_text(frame, header).encode("utf-8")


def to_parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def safe_file_name(name: str, *, default: str = "extract.csv", max_length: int = 120) -> str:
    """A file name reduced to its last component and safe characters: never a path."""
    base = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = re.split(r"[\\/]", base)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip("._")
    if not base:
        return default
    return base[-max_length:]
