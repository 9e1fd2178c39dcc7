"""The header row: frame column names and header findings (header.py)."""

from __future__ import annotations

import polars as pl

from shared_outcomes.checking.header import check_header, column_letter, frame_names
from shared_outcomes.checking.report import Finding


def test_column_letters_are_excels() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "ZZ", "AAA",
    ]  # fmt: skip


def test_frame_names_keep_what_is_written_and_stand_in_only_for_blank_or_repeated_names() -> None:
    names = frame_names(["id", " Name ", "", "id", "__row__"], reserved="__row__")
    assert names == ["id", " Name ", "(column C)", "id (column D)", "__row__ (column E)"]
    assert len(set(names)) == len(names)


def test_check_header_drops_an_unnamed_empty_column_and_reports_a_named_twice_one() -> None:
    header = ["id", "id", ""]
    names = frame_names(header, reserved="__row__")
    frame = pl.DataFrame({names[0]: ["1"], names[1]: ["2"], names[2]: [""]})
    findings: list[Finding] = []
    frame = check_header(frame, header, names, 1, findings)
    assert frame.columns == names[:2]
    assert [(f.code, f.severity, f.column) for f in findings] == [
        ("blank-column-name", "warning", None),
        ("duplicate-column", "error", "id"),
    ]


def test_names_polars_would_read_as_patterns_get_their_letter() -> None:
    assert frame_names(["*", "^a$", "a^$", "^"], reserved="__row__") == [
        "* (column A)", "^a$ (column B)", "a^$", "^",
    ]  # fmt: skip
