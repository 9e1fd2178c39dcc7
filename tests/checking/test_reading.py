"""Reading any partner CSV into text cells with spreadsheet row numbers (reading.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from shared_outcomes.checking.reading import ROW_COLUMN, ReadResult, read_extract

FIXTURES = Path(__file__).parents[1] / "fixtures" / "reading"


def read(name: str) -> ReadResult:
    return read_extract(FIXTURES / name)


def flat(result: ReadResult) -> list[tuple[str, str, list[int]]]:
    """The findings as (code, severity, rows), in the spirit of frictionless' report.flatten."""
    return [(f.code, f.severity, f.rows) for f in result.findings]


def cells(result: ReadResult) -> list[tuple[object, ...]]:
    assert result.frame is not None
    return result.frame.rows()


def test_a_clean_utf8_file_reads_as_text_with_spreadsheet_rows() -> None:
    result = read("utf8_clean.csv")
    assert flat(result) == []
    assert result.header == ["area_code", "name", "count"]
    assert result.encoding == "utf-8" and result.delimiter == ","
    assert result.frame is not None
    assert result.frame.columns == [ROW_COLUMN, "area_code", "name", "count"]
    assert all(dtype == pl.String for dtype in result.frame.drop(ROW_COLUMN).dtypes)
    assert cells(result) == [(2, "E08000001", "Bolton", "12"), (3, "E08000002", "Bury", "7")]


def test_the_hash_and_size_are_those_of_the_raw_bytes() -> None:
    raw = (FIXTURES / "cp1252_pound_accent_curly_quotes.csv").read_bytes()
    result = read("cp1252_pound_accent_curly_quotes.csv")
    assert result.sha256 == hashlib.sha256(raw).hexdigest()
    assert result.size_bytes == len(raw)


def test_bytes_and_path_give_the_same_result() -> None:
    for name in ("newlines_in_quoted_cells.csv", "ragged_too_many_and_too_few.csv"):
        from_path = read(name)
        from_bytes = read_extract((FIXTURES / name).read_bytes(), file_name=name)
        assert flat(from_bytes) == flat(from_path)
        assert cells(from_bytes) == cells(from_path)
        assert from_bytes.sha256 == from_path.sha256


def test_a_byte_order_mark_is_stripped_from_the_first_header() -> None:
    result = read("utf8_bom.csv")
    assert result.encoding == "utf-8-sig"
    assert result.header == ["area_code", "name"]
    assert result.frame is not None and result.frame.columns[1] == "area_code"
    assert flat(result) == []


def test_cp1252_is_decoded_correctly_with_a_warning() -> None:
    result = read("cp1252_pound_accent_curly_quotes.csv")
    assert result.encoding == "cp1252"
    assert flat(result) == [("not-utf8", "warning", [])]
    assert cells(result) == [
        (2, "Café Nero", "£5", "“quoted” – dash"),
        (3, "Müller", "£100", "ok"),
    ]


def test_cp1252_bytes_beyond_the_sniffed_sample_are_still_decoded() -> None:
    result = read("cp1252_after_64kb.csv")
    assert result.encoding == "cp1252"
    assert [f.code for f in result.findings] == ["not-utf8"]
    assert cells(result)[-1] == (4002, "4000", "Zoë £3")


@pytest.mark.parametrize(
    ("name", "delimiter", "first_row"),
    [
        ("semicolon_decimal_comma.csv", ";", (2, "E08000001", "1,5")),
        ("tab_delimited.csv", "\t", (2, "E08000001", "Bolton")),
        ("pipe_delimited.csv", "|", (2, "E08000001", "Bolton")),
    ],
)
def test_other_delimiters_are_detected_read_and_named(
    name: str, delimiter: str, first_row: tuple[object, ...]
) -> None:
    result = read(name)
    assert result.delimiter == delimiter
    assert flat(result) == [("delimiter-not-comma", "warning", [])]
    assert cells(result)[0] == first_row


def test_ragged_rows_are_errors_with_their_rows_and_the_rest_is_kept() -> None:
    result = read("ragged_too_many_and_too_few.csv")
    assert flat(result) == [("ragged-row", "error", [3, 4])]
    assert result.findings[0].count == 2
    assert "row 3 has 4" in result.findings[0].message
    assert cells(result) == [(2, "1", "2", "3"), (5, "10", "11", "12")]


def test_trailing_blank_rows_and_rows_of_commas_are_ignored_with_a_warning() -> None:
    result = read("trailing_blank_and_comma_rows.csv")
    assert flat(result) == [("blank-rows-ignored", "warning", [4, 5, 6])]
    assert cells(result) == [(2, "1", "2", "3"), (3, "4", "5", "6")]


def test_blank_rows_between_data_rows_still_count_as_rows() -> None:
    result = read("interior_blank_rows.csv")
    assert flat(result) == [("blank-rows-ignored", "warning", [3, 5])]
    assert cells(result) == [(2, "1", "2"), (4, "3", "4"), (6, "5", "6")]


def test_a_record_with_newlines_in_quotes_is_one_spreadsheet_row() -> None:
    result = read("newlines_in_quoted_cells.csv")
    assert flat(result) == []
    assert cells(result) == [
        (2, "1", "line one\r\nline two"),
        (3, "2", "plain"),
        (4, "3", "a\nb\nc"),
        (5, "4", "last"),
    ]


def test_blank_lines_above_the_header_count_as_rows() -> None:
    result = read("blank_lines_above_header.csv")
    assert result.header == ["id", "name"]
    assert cells(result) == [(4, "1", "Bolton")]


def test_old_mac_line_endings_are_read() -> None:
    result = read("old_mac_cr_line_endings.csv")
    assert flat(result) == []
    assert cells(result) == [(2, "1", "Bolton"), (3, "2", "Bury")]


def test_a_stray_quote_inside_an_unquoted_value_is_kept_as_written() -> None:
    result = read("stray_quote_inside_value.csv")
    assert flat(result) == []
    assert cells(result) == [(2, "1", '5" screen'), (3, "2", "7")]


def test_a_duplicate_header_is_an_error_naming_the_columns() -> None:
    result = read("duplicate_header.csv")
    assert flat(result) == [("duplicate-column", "error", [1])]
    assert "columns A, C" in result.findings[0].message
    assert result.header == ["id", "name", "id"]
    assert result.frame is not None and len(set(result.frame.columns)) == 4


def test_a_blank_header_over_values_is_an_error() -> None:
    result = read("blank_header_with_values.csv")
    assert flat(result) == [("blank-column-name", "error", [1])]
    assert "Column B" in result.findings[0].message


def test_an_unnamed_empty_column_is_dropped_with_a_warning() -> None:
    result = read("blank_header_empty_trailing_column.csv")
    assert flat(result) == [("blank-column-name", "warning", [1])]
    assert result.frame is not None and result.frame.columns == [ROW_COLUMN, "id", "name"]


@pytest.mark.parametrize(
    ("name", "code", "says"),
    [
        ("empty.csv", "empty-file", "is empty"),
        ("excel_workbook_renamed.csv", "unreadable-workbook", "could not be read as an Excel"),
        ("excel_97_workbook_renamed.csv", "excel-workbook", "Excel 97-2003 workbook (.xls)"),
        ("utf16_le_bom.csv", "utf16-encoding", "UTF-16"),
        ("utf16_le_no_bom.csv", "utf16-encoding", "UTF-16"),
        ("binary_data.csv", "binary-file", "binary data"),
        ("pdf_renamed.csv", "binary-file", "a PDF document"),
        ("unclosed_quote.csv", "unreadable-csv", "never closed"),
    ],
)
def test_files_that_are_not_usable_csv_are_rejected_saying_what_they_are(
    name: str, code: str, says: str
) -> None:
    result = read(name)
    assert result.frame is None
    assert [(f.code, f.severity) for f in result.findings] == [(code, "error")]
    assert says in result.findings[0].message
    assert result.findings[0].fix


def test_the_old_excel_format_finding_tells_the_partner_how_to_save_it_again() -> None:
    fix = read("excel_97_workbook_renamed.csv").findings[0].fix
    assert fix is not None and "File > Save As > 'Excel Workbook (*.xlsx)'" in fix
    assert "'CSV UTF-8 (Comma delimited)'" in fix


def test_an_unclosed_quote_names_the_row_where_it_opens() -> None:
    assert flat(read("unclosed_quote.csv")) == [("unreadable-csv", "error", [3])]


def test_a_header_without_rows_is_rejected_but_keeps_its_columns() -> None:
    for name in ("header_only.csv", "only_blank_rows_after_header.csv"):
        result = read(name)
        assert result.findings[-1].code == "no-data-rows"
        assert result.frame is not None and result.frame.columns == [ROW_COLUMN, "id", "name"]
        assert result.frame.height == 0


def test_a_missing_path_is_a_usage_error() -> None:
    from shared_outcomes.errors import UsageError

    with pytest.raises(UsageError):
        read_extract(FIXTURES / "no_such_file.csv")


def test_an_empty_last_cell_is_not_mistaken_for_a_short_row() -> None:
    result = read("optional_last_column_empty.csv")
    assert flat(result) == []
    assert cells(result) == [
        (2, "1", "Smith, J", ""),
        (3, "2", "Jones", "seen"),
        (4, "3", 'A "quoted" name', ""),
    ]


def test_a_short_row_is_found_among_quoted_commas() -> None:
    result = read("short_row_with_quoted_commas_elsewhere.csv")
    assert flat(result) == [("ragged-row", "error", [3])]
    assert cells(result) == [(2, "1", "Smith, J", ""), (4, "3", "Brown", "seen")]


def test_a_utf8_file_with_one_stray_byte_keeps_its_good_characters() -> None:
    result = read("utf8_with_one_cp1252_byte.csv")
    assert result.encoding == "utf-8"
    assert flat(result) == [("not-utf8", "warning", [4])]
    assert cells(result) == [(2, "1", "Zoë Müller"), (3, "2", "Café"), (4, "3", "Caf\ufffd Rouge")]


# Property tests: any table Python's csv writer can write reads back cell for cell, row for row.

TEXT = st.text(alphabet=st.sampled_from(list("ab Z09,.\"'\r\n-£é“”")), min_size=0, max_size=8)
NAMES = st.text(alphabet=st.sampled_from(list('abcXYZ_ 1,"é')), min_size=1, max_size=6).filter(
    lambda name: name.strip() != ""
)


@st.composite
def tables(draw: st.DrawFn, min_columns: int = 1) -> tuple[list[str], list[list[str]]]:
    header = draw(st.lists(NAMES, min_size=min_columns, max_size=4, unique=True))
    rows = draw(st.lists(st.lists(TEXT, min_size=len(header), max_size=len(header)), max_size=6))
    return header, rows


def write_csv(
    header: list[str],
    rows: list[list[str]],
    newline: str,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    """Write as Excel does: a value is quoted when it holds the delimiter, a quote or a newline."""

    def field(value: str) -> str:
        quote = any(c in value for c in delimiter + '"\r\n')
        return '"' + value.replace('"', '""') + '"' if quote else value

    lines = [delimiter.join(field(v) for v in record) + newline for record in [header, *rows]]
    return "".join(lines).encode(encoding)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(table=tables(), newline=st.sampled_from(["\n", "\r\n"]))
def test_any_written_table_reads_back_with_its_spreadsheet_rows(
    table: tuple[list[str], list[list[str]]], newline: str
) -> None:
    header, rows = table
    result = read_extract(write_csv(header, rows, newline))
    expected = [(i + 2, *row) for i, row in enumerate(rows) if any(row)]
    blank = [i + 2 for i, row in enumerate(rows) if not any(row)]
    assert result.header == header
    assert cells(result) == expected
    codes = [f.code for f in result.findings]
    assert codes == (["blank-rows-ignored"] if blank else []) + (
        [] if expected else ["no-data-rows"]
    )
    if blank:
        assert result.findings[0].rows == blank


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(table=tables(min_columns=2), data=st.data())
def test_one_short_or_long_row_gives_exactly_one_ragged_row_finding(
    table: tuple[list[str], list[list[str]]], data: st.DataObject
) -> None:
    header, rows = table
    candidates = [i for i, row in enumerate(rows) if any(row[:-1])]
    assume(candidates)
    target = data.draw(st.sampled_from(candidates))
    longer = data.draw(st.booleans())
    rows[target] = [*rows[target], "extra"] if longer else rows[target][:-1]
    result = read_extract(write_csv(header, rows, "\r\n"))
    ragged = [f for f in result.findings if f.code == "ragged-row"]
    assert [(f.severity, f.rows) for f in ragged] == [("error", [target + 2])]
    kept = [(i + 2, *row) for i, row in enumerate(rows) if any(row) and i != target]
    assert cells(result) == kept


def test_trailing_empty_lines_with_empty_last_cells_need_no_exact_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_census(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the slow exact pass ran on a well-formed file")

    monkeypatch.setattr("shared_outcomes.checking.reading.take_census", no_census)
    for name in ("trailing_empty_lines_and_empty_last_cells.csv", "utf8_clean.csv"):
        result = read(name)
        assert "ragged-row" not in [f.code for f in result.findings]
    result = read("trailing_empty_lines_and_empty_last_cells.csv")
    assert flat(result) == [("blank-rows-ignored", "warning", [4, 5])]
    assert cells(result) == [(2, "1", "2", ""), (3, "3", "4", "5")]


def test_a_short_row_is_found_even_behind_trailing_empty_lines() -> None:
    result = read("short_row_before_trailing_empty_lines.csv")
    assert flat(result) == [("ragged-row", "error", [2]), ("blank-rows-ignored", "warning", [4])]


def test_cp1252_and_broken_bytes_read_the_same_from_bytes_as_from_a_path() -> None:
    for name in ("cp1252_after_64kb.csv", "unclosed_quote.csv", "utf8_with_one_cp1252_byte.csv"):
        from_path = read(name)
        from_bytes = read_extract((FIXTURES / name).read_bytes(), file_name=name)
        assert flat(from_bytes) == flat(from_path)
        assert from_bytes.encoding == from_path.encoding
        if from_path.frame is not None:
            assert cells(from_bytes) == cells(from_path)


def test_when_every_row_is_ragged_the_finding_is_ragged_rows_not_an_empty_file() -> None:
    result = read_extract(b"a,b\n1,2,\n3,4,\n")
    assert flat(result) == [("ragged-row", "error", [2, 3])]


CSV_BYTES = st.lists(
    st.sampled_from([b"a", b",", b";", b'"', b"\n", b"\r", b"\r\n", b"\xe9", b"\xc3\xa9", b"\x00"]),
    max_size=40,
).map(b"".join)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(st.binary(max_size=200), CSV_BYTES))
@example(raw=b'\r,,\r\n,\xc3\xa9\xe9"| \xc3\xa9')  # header of blank names, broken UTF-8
def test_no_input_however_broken_raises_or_needs_the_safety_net(raw: bytes) -> None:
    result = read_extract(raw)
    assert result.sha256 == hashlib.sha256(raw).hexdigest()
    # read_extract's last-resort except clause words its finding like this: it must not be needed
    assert not any("could not be read as a CSV file (" in f.message for f in result.findings)
    if result.frame is None:
        assert any(f.severity == "error" for f in result.findings)
    else:
        assert result.frame.columns[0] == ROW_COLUMN
        assert result.frame.schema[ROW_COLUMN] == pl.UInt32  # whichever path read it
        assert all(dtype == pl.String for dtype in result.frame.drop(ROW_COLUMN).dtypes)


# Every byte of these cp1252 characters is a UTF-8 continuation byte, so no run of them can pass
# for UTF-8 by chance: the file is unambiguously cp1252.
LEGACY_TEXT = st.text(alphabet=st.sampled_from(list('ab 9,;|\t"\n£“”’–')), max_size=8)
PLAIN_NAMES = st.text(alphabet=st.sampled_from(list("abcXYZ_ 1£")), min_size=1, max_size=6)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    header=st.lists(
        PLAIN_NAMES.filter(lambda n: n.strip() != ""), min_size=2, max_size=4, unique=True
    ),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_any_dialect_and_encoding_reads_back_and_is_named(
    header: list[str],
    data: st.DataObject,
    delimiter: str,
    encoding: str,
    newline: str,
) -> None:
    width = len(header)
    rows = data.draw(st.lists(st.lists(LEGACY_TEXT, min_size=width, max_size=width), max_size=5))
    raw = write_csv(header, rows, newline, delimiter, encoding)
    result = read_extract(raw)
    assert result.delimiter == delimiter
    assert result.header == header
    assert cells(result) == [(i + 2, *row) for i, row in enumerate(rows) if any(row)]
    codes = {f.code for f in result.findings}
    assert ("delimiter-not-comma" in codes) == (delimiter != ",")
    if encoding == "cp1252" and not raw.isascii():
        assert (result.encoding, "not-utf8" in codes) == ("cp1252", True)
    else:
        assert "not-utf8" not in codes


def test_an_empty_header_row_is_one_error_not_one_per_column() -> None:
    result = read_extract(b",,\n1,2,3\n")
    assert flat(result) == [("blank-column-name", "error", [1])]
    assert "header row (row 1) is empty" in result.findings[0].message


def test_header_findings_name_the_header_row_below_blank_lines() -> None:
    result = read_extract(b"\n\nid,,\n1,x,\n")
    assert flat(result) == [
        ("blank-column-name", "error", [3]),
        ("blank-column-name", "warning", [3]),
    ]
    assert "cell B3" in (result.findings[0].fix or "")
    assert cells(result) == [(4, "1", "x")]


def test_headers_polars_would_take_for_patterns_are_read_as_names() -> None:
    for raw in (b"*", b"*\n1\n", b"id,^x$\n1,\n2,3\n"):
        result = read_extract(raw)
        assert not any("could not be read" in f.message for f in result.findings), raw
    result = read_extract(b"id,^x$\n1,\n2,3\n")
    assert result.frame is not None and result.frame.columns == [ROW_COLUMN, "id", "^x$ (column B)"]
    assert cells(result) == [(2, "1", ""), (3, "2", "3")]
