"""What a file's first bytes say: its kind, encoding and dialect (sniffing.py)."""

from __future__ import annotations

import pytest

from shared_outcomes.checking.sniffing import (
    fallback_encoding,
    identify_non_csv,
    sniff,
    sniff_delimiter,
)


def test_the_delimiter_sniffer_prefers_the_comma_and_ignores_quoted_separators() -> None:
    assert sniff_delimiter('a,b\n"x;y;z",2\n') == ","
    assert sniff_delimiter("single\nvalue\n") == ","
    assert sniff_delimiter("a;b;c\n1,5;2;3\n") == ";"
    assert sniff_delimiter("a\tb\n1,5\t2\n") == "\t"
    assert sniff_delimiter("a|b\n1|2\n") == "|"


def test_a_delimiter_that_splits_the_rows_unevenly_loses_to_one_that_splits_them_evenly() -> None:
    assert sniff_delimiter("a,b;c\n1,2;3\n4,5;6,7\n8,9;0,1\n") == ";"


def test_cp1252_wins_over_charset_normalizers_cp1250_guess_for_pounds() -> None:
    # charset-normalizer alone answers cp1250 here, which would read £ as Ł.
    assert fallback_encoding("id,name\nx,£3\ny,£4\n".encode("cp1252")) == "cp1252"


def test_mostly_utf8_bytes_with_one_stray_byte_stay_utf8() -> None:
    assert fallback_encoding("Zoë Müller Café ".encode() + b"\xe9") == "utf-8"


@pytest.mark.parametrize(
    ("head", "code"),
    [
        (b"", "empty-file"),
        (b"\xef\xbb\xbf\r\n", "empty-file"),
        (b"\xff\xfei\x00d\x00", "utf16-encoding"),
        (b"\x1f\x8b\x08\x00", "binary-file"),
    ],
)
def test_non_csv_heads_are_named(head: bytes, code: str) -> None:
    finding = identify_non_csv(head, len(head), "x.csv")
    assert finding is not None and finding.code == code


def test_a_csv_head_is_not_flagged() -> None:
    head = "id,name\n1,Café £3\n".encode()
    assert identify_non_csv(head, len(head), "x.csv") is None


def test_sniff_counts_blank_lines_above_the_header_and_spots_old_mac_endings() -> None:
    sniffed = sniff("\r\n\r\nid;name\r1;a\r")
    assert (sniffed.lead, sniffed.delimiter, sniffed.header) == (2, ";", ["id", "name"])
    assert sniff("id,name\r1,a\r").eol == "\r"
