"""What a file's first bytes say: what kind of file it is, its encoding and its CSV dialect.

Only a sample is looked at (the first 64 KB, or a window around the first byte that is not
UTF-8), so that sniffing costs the same for a 1 KB file and a 100 MB one. When the header row is
longer than that, `reading` hands over the whole header (up to its MAX_HEADER_BYTES) and 64 KB
of the rows below it, so that the header is never cut.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from charset_normalizer import from_bytes

from shared_outcomes.checking.findings import describe
from shared_outcomes.checking.report import Finding

SAMPLE_BYTES = 1 << 16
DELIMITERS = (",", ";", "\t", "|")
_BINARY_MAGIC = {  # what a file starting with these bytes is, as a finding names it
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip-compressed file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive",
}


def identify_non_csv(head: bytes, size: int, name: str) -> Finding | None:
    """A finding when the first bytes show the file is not CSV text at all, else None."""
    if size == 0 or (size <= len(head) and not head.lstrip(b"\xef\xbb\xbf").strip()):
        return describe("empty-file", name=name)
    if head.startswith(b"PK\x03\x04") and b"opendocument.spreadsheet" in head:
        return describe("excel-workbook", variant="ods", name=name)
    kind = next((what for magic, what in _BINARY_MAGIC.items() if head.startswith(magic)), None)
    if not kind and (head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(head)):
        return describe("utf16-encoding", name=name)
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13, 26))
    if kind or b"\x00" in head or controls > len(head) // 20:
        return describe("binary-file", name=name, kind=kind or "binary data")
    return None


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a BOM: every other byte of (mostly ASCII) text is a NUL, the others not."""
    sample = head[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    return half >= 4 and max(even, odd) > half * 0.3 and min(even, odd) < half * 0.05


def decode_head(head: bytes, complete: bool) -> tuple[str, str] | None:
    """(encoding, text) when the sample is UTF-8 (a multi-byte character may be cut at its end)."""
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return encoding, codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
    except UnicodeDecodeError:
        return None


def fallback_encoding(sample: bytes) -> str:
    """The encoding of bytes that failed as UTF-8, judged from a sample around the failure.

    "utf-8" when the sample holds more valid UTF-8 characters than broken bytes (a UTF-8 file
    with a stray byte: read lossily, so the good characters survive). Otherwise cp1252 whenever
    the bytes decode as it, because that is what Excel's plain "CSV" writes on a UK Windows PC;
    charset-normalizer, on a short sample of such a file, often answers cp1250 and turns every
    £ into Ł, so it is asked only when the bytes are not valid cp1252.
    """
    lossy = sample.decode("utf-8", errors="replace")
    broken = lossy.count("\ufffd")
    if sum(not ch.isascii() for ch in lossy) - broken > broken:
        return "utf-8"
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        best = from_bytes(sample).best()
        return best.encoding if best is not None else "latin-1"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into most columns, consistently in the rows below.

    Candidates are scored by the share of the first records with as many fields as the header;
    ties go to the comma. A one-column file reads as comma-separated.
    """
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            widths = [len(r) for _, r in zip(range(30), reader, strict=False) if any(r)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        below = widths[1:]
        score = sum(w == widths[0] for w in below) / len(below) if below else 1.0
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass
class Sniffed:
    """What the sniffed head (see the module's docstring) says about the dialect."""

    delimiter: str
    header: list[str]
    lead: int  # blank lines above the header (polars skips them; rows still count them)
    eol: str


def sniff(text: str) -> Sniffed:
    """Delimiter, header, blank lines above it and line ending, from the sniffed text."""
    body = text.lstrip("\r\n")
    lead = text[: len(text) - len(body)].count("\n") or text[: len(text) - len(body)].count("\r")
    delimiter = sniff_delimiter(body)
    try:
        header = next(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter), [])
    except csv.Error:
        header = []
    eol = "\r" if "\n" not in text and "\r" in text else "\n"
    return Sniffed(delimiter, header, lead, eol)
