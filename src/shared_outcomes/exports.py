"""Safe exports: CSV without formula injection, Parquet, and file names that cannot escape a folder.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, so text cells that
start so are prefixed with an apostrophe (OWASP's advice for CSV injection). Numeric columns are
written as numbers and never touched, so a negative figure stays a number.
"""

from __future__ import annotations

import io
import re
import unicodedata

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


def to_safe_csv(frame: pl.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with a BOM, so Excel reads £ and é right), formula-escaped."""
    buffer = io.BytesIO()
    escape_text_columns(frame).write_csv(buffer)
    return b"\xef\xbb\xbf" + buffer.getvalue()


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
