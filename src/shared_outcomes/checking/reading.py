"""Reading a partner's CSV, however it is encoded or broken, into text cells with row numbers.

The common case (a clean UTF-8 comma file on disk) costs about one bare polars read. Python only
sniffs the first 64 KB, or the whole header row when it is longer (`sniffing`: magic bytes, BOM,
encoding, delimiter, header); polars reads the path itself (memory-mapped) with every column as
text, while a low-priority thread hashes the same file (hashlib releases the GIL). Polars keeps
blank lines as records and a quoted cell holding newlines is one record, so the spreadsheet row
of record i is simply i + 2.
Polars raises on rows with too many fields but silently pads rows with too few. A padded row
ends in an empty cell, so when no last cell is empty no row is short; otherwise comparing the
delimiter bytes in the file with those the frame accounts for decides. Only when that fails does
the slow exact pass (`census`, the Python csv module) run to name the rows. A cp1252 file is
first transcoded to a temporary UTF-8 copy; a UTF-8 file with a few stray bytes is read lossily.

Limits (below) that no real extract comes near keep one file from taking the service's memory or
time: the header row is read whole up to MAX_HEADER_BYTES and may name MAX_COLUMNS columns, and
no line may be longer than MAX_LINE_BYTES. They are checked before polars parses anything: the
header from the sniffed head, the lines by a hop over the file (memory-mapped) that looks at a
few bytes of every half-limit block, so a clean 100 MB file costs about a millisecond more.
"""

from __future__ import annotations

import codecs
import hashlib
import mmap
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from shared_outcomes.checking import workbook
from shared_outcomes.checking.census import RECORD_COLUMN, take_census, unclosed_quote
from shared_outcomes.checking.findings import describe
from shared_outcomes.checking.header import check_header, frame_names
from shared_outcomes.checking.report import MAX_ROWS_LISTED, Finding, bounded
from shared_outcomes.checking.sniffing import (
    SAMPLE_BYTES,
    Sniffed,
    decode_head,
    fallback_encoding,
    identify_non_csv,
    sniff,
)
from shared_outcomes.errors import UsageError

if TYPE_CHECKING:
    from shared_outcomes.config.contracts import Contract

ROW_COLUMN = "__row__"

# Limits, far above any real extract (the widest contract has a dozen columns; a row is a few
# hundred bytes), each refused at once with a finding instead of being parsed.
#: The header row, after any blank lines above it. 128 KB is 1,000 names of 130 characters, and
#: the Python csv module (sniffing, the exact pass) refuses a single field longer than this.
MAX_HEADER_BYTES = 128 * 1024
#: Columns the header may name: 80 times the widest contract's dozen.
MAX_COLUMNS = 1_000
#: Any line of the file (a record is one line unless a quoted value holds line breaks): 1 MB is
#: thousands of times a real row, and holds a dozen cells of Excel's longest (32,767 characters).
MAX_LINE_BYTES = 1 << 20
#: A text cell, in bytes (checked by `rules`; typed, enum and reference columns refuse such a
#: value anyway): more than an Excel cell holds (32,767 characters, at most 4 bytes each), and
#: the most the Python csv module takes in one field.
MAX_CELL_BYTES = 128 * 1024

_CHUNK_BYTES = 1 << 20
_TAIL_BYTES = 1 << 20
_FIELD_STARTS = (b",", b";", b"\t", b"|")  # a byte before a field: any delimiter sniffed
_PLURAL = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes (|)"}


@dataclass
class ReadResult:
    """What reading one file gave: text cells with row numbers, or the reason there are none."""

    frame: pl.DataFrame | None
    findings: list[Finding]
    header: list[str]
    encoding: str | None
    delimiter: str | None
    sha256: str
    size_bytes: int
    #: For a workbook: the worksheet read (None when none could be chosen), and all of them.
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        """True when reading alone already found a problem that blocks loading."""
        return any(f.severity == "error" for f in self.findings)


def read_extract(
    source: Path | bytes,
    *,
    file_name: str | None = None,
    sheet: str | None = None,
    contract: Contract | None = None,
) -> ReadResult:
    """Read a CSV or an Excel workbook (a path or its bytes) into text cells, never raising for
    what the file holds.

    Every column is pl.String and an empty cell is "" (never null); ROW_COLUMN holds the
    spreadsheet row (header = 1; a workbook's own row numbers). A workbook's worksheet is
    `sheet`, else the one `contract` names (`workbook`). Raises UsageError only when a path
    cannot be opened at all.
    """
    name = file_name or (source.name if isinstance(source, Path) else "The file")
    try:
        head, size = _head(source)
    except OSError as exc:
        raise UsageError(f"Cannot open {name}: {exc.strerror or exc}. Check the path.") from exc
    try:
        if workbook.is_workbook(head):
            return _read_workbook(source, name, size, sheet, contract)
        if workbook.is_old_or_protected(head):
            problem = workbook.protected_or_old(source, name)
            return ReadResult(None, [problem], [], None, None, _digest(source), size)
        return _Reader(source, head, size, name).read()
    except Exception as exc:  # the last line of "no input gives a traceback"
        finding = describe(
            "unreadable-csv", name=name, error_type=type(exc).__name__, error=bounded(str(exc))
        )
        return ReadResult(None, [finding], [], None, None, _digest(source), size)


def _read_workbook(
    source: Path | bytes, name: str, size: int, sheet: str | None, contract: Contract | None
) -> ReadResult:
    """A workbook's worksheet as the same text cells as a CSV (`workbook.read_workbook`), its
    header checked and blank rows dropped as for a CSV."""
    read = workbook.read_workbook(source, name, sheet=sheet, contract=contract)
    result = ReadResult(None, read.findings, read.header, None, None, _digest(source), size,
                        read.sheet, read.sheets)  # fmt: skip
    if read.frame is None:
        return result
    frame = read.frame
    names = frame_names(read.header, reserved=ROW_COLUMN)
    frame.columns = [ROW_COLUMN, *names]
    frame = _drop_blank_rows(frame, names, result.findings)
    frame = check_header(frame, read.header, names, read.header_row, result.findings)
    if frame.height == 0:
        result.findings.append(describe("no-data-rows", name=name))
    result.frame = frame
    return result


def _head(source: Path | bytes) -> tuple[bytes, int]:
    """The first 64 KB; or, when the header row does not end in them, the whole header (up to
    MAX_HEADER_BYTES, or a little more so that a longer one shows) and 64 KB of rows below it."""
    if isinstance(source, bytes):
        head, size = source[:SAMPLE_BYTES], len(source)
        if len(head) < size and header_span(head) is None:
            head = source[: MAX_HEADER_BYTES + 2 * SAMPLE_BYTES]
    else:
        with source.open("rb") as handle:
            head, size = handle.read(SAMPLE_BYTES), os.fstat(handle.fileno()).st_size
            if len(head) < size and header_span(head) is None:
                head += handle.read(MAX_HEADER_BYTES + SAMPLE_BYTES)
    span = header_span(head)
    if span is not None and span[1] + SAMPLE_BYTES < len(head):
        head = head[: span[1] + SAMPLE_BYTES]
    return head, size


def header_span(head: bytes) -> tuple[int, int] | None:
    """Where the header row starts (after blank lines) and the offset of the line break ending
    it; None when it does not end within `head`. As in CSV, a double quote opens a quoted name
    (where a line break does not end the row) only at the start of a field, and `""` inside is
    a quote. Linear in `head`: it hops from one quote to the next."""
    start = len(head) - len(head.lstrip(b"\r\n"))
    position = start
    while True:
        quote = head.find(b'"', position)
        stop = len(head) if quote < 0 else quote
        ends = (head.find(b"\n", position, stop), head.find(b"\r", position, stop))
        if max(ends) >= 0:
            return start, min(i for i in ends if i >= 0)
        if quote < 0:
            return None
        position = quote + 1
        if quote == start or head[quote - 1 : quote] in _FIELD_STARTS:
            position = _closing_quote(head, quote) + 1
            if position == 0:
                return None


def _closing_quote(head: bytes, quote: int) -> int:
    """The quote that closes the quoted field opened at `quote` (-1 when none does in `head`)."""
    while True:
        closing = head.find(b'"', quote + 1)
        if closing < 0 or head[closing + 1 : closing + 2] != b'"':
            return closing
        quote = closing + 1  # "" is a quote inside the field


def _lines_above(data: bytes | mmap.mmap, eol: bytes, end: int) -> int:
    """How many line breaks come before offset `end` (counted a megabyte at a time)."""
    if isinstance(data, bytes):
        return data.count(eol, 0, end)
    return sum(data[a : min(a + _CHUNK_BYTES, end)].count(eol) for a in range(0, end, _CHUNK_BYTES))


def first_long_line(data: bytes | mmap.mmap, eol: bytes, begin: int, limit: int) -> int | None:
    """The offset where the first line after `begin` longer than `limit` bytes starts, or None.

    A line longer than `limit` covers a whole block of limit/2 bytes however the blocks fall, so
    only a block without a line break needs a closer look; in a clean file each block is settled
    by the first line break in it, a few hundred bytes in (a 100 MB file: 200 short searches).
    """
    half, size, position = max(limit // 2, 1), len(data), begin
    while position + half <= size:
        if data.find(eol, position, position + half) >= 0:
            position += half
            continue
        # the previous block held a line break (or the header ended): a short search back
        start = max(data.rfind(eol, 0, position) + 1, begin)
        end = data.find(eol, start, start + limit + 1)
        if end < 0:
            return start if size - start > limit else None
        position = end + 1
    return None


def _listed(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:10])
    return shown + (", …" if len(rows) > 10 else "")


def _digest(source: Path | bytes) -> str:
    """SHA-256 of the raw bytes (hashlib releases the GIL while it hashes)."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    with source.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _count_delimiters(source: Path | bytes, sep: bytes) -> tuple[int, bool]:
    """How many delimiter bytes the file holds, and whether it holds any double quote."""
    seps, quoted = 0, False
    for chunk in _chunks(source):
        seps += chunk.count(sep)
        quoted = quoted or b'"' in chunk
    return seps, quoted


def _chunks(source: Path | bytes) -> Iterator[bytes]:
    if isinstance(source, bytes):
        for start in range(0, len(source), _CHUNK_BYTES):
            yield source[start : start + _CHUNK_BYTES]
        return
    with source.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            yield chunk


class _Digester(threading.Thread):
    """Runs _digest beside the polars parse: both release the GIL for their heavy work."""

    def __init__(self, source: Path | bytes) -> None:
        super().__init__(daemon=True)
        self._source = source
        self._result: str | None = None
        self._failure: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            # Polars' parse is the critical path; the hash fills the gaps it leaves on the cores.
            with suppress(OSError, AttributeError):  # Linux sets a niceness per thread
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
            self._result = _digest(self._source)
        except BaseException as exc:  # handed to the caller by result()
            self._failure = exc

    def result(self) -> str:
        self.join()
        if self._failure is not None:
            raise self._failure
        assert self._result is not None
        return self._result


def _bad_utf8_window(source: Path | bytes) -> bytes:
    """64 KB around the first byte that is not UTF-8, for guessing the file's real encoding."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for chunk in _chunks(source):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return exc.object[max(exc.start - SAMPLE_BYTES // 2, 0) : exc.start + SAMPLE_BYTES // 2]
    return b""


def _transcode(source: Path | bytes, encoding: str, folder: str) -> Path | bytes:
    """A UTF-8 copy of a legacy-encoded file (a temporary file for a path), for polars to read."""
    if isinstance(source, bytes):
        return source.decode(encoding, errors="replace").encode("utf-8")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    target = Path(folder) / "utf8.csv"
    with target.open("wb") as out:
        for chunk in _chunks(source):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return target


class _Reader:
    """One read of one file; holds what is learnt on the way (encoding, dialect, findings)."""

    def __init__(self, source: Path | bytes, head: bytes, size: int, name: str) -> None:
        self.source, self.head, self.size, self.name = source, head, size, name
        self.span = header_span(head)  # where the header row starts and ends in the head
        self.encoding = "utf-8"
        self.lossy = False  # mostly UTF-8 with a few broken bytes: read with U+FFFD for them
        self.data: Path | bytes = source
        self.ragged_seen = False
        self._scratch = ExitStack()

    def read(self) -> ReadResult:
        problem = identify_non_csv(self.head, self.size, self.name) or self._header_too_long()
        if problem is not None:
            return ReadResult(None, [problem], [], None, None, _digest(self.source), self.size)
        text = self._decode_head()
        sniffed = sniff(text)
        problem = self._too_wide(sniffed) or self._line_too_long(sniffed)
        if problem is not None:
            sha, delimiter = _digest(self.source), sniffed.delimiter
            return ReadResult(None, [problem], [], self.encoding, delimiter, sha, self.size)
        digester = _Digester(self.source)
        with self._scratch:  # removes any transcoded copy once polars has read it
            if not self._utf8:
                self.data = self._transcoded()
            frame = self._parse(sniffed)
            if frame is not None:  # names as positions until _finish: a `*` or `^a$` is no pattern
                frame.columns = [f"column_{i}" for i in range(frame.width)]
            findings: list[Finding] = []
            if frame is None or self.ragged_seen or not self._accounted(frame, sniffed):
                frame, findings = self._read_exactly(frame, sniffed)
            else:
                frame = frame.with_row_index(ROW_COLUMN, offset=2 + sniffed.lead)
        findings[:0] = self._dialect_findings(sniffed)
        sha = digester.result()
        result = ReadResult(
            None, findings, sniffed.header, self.encoding, sniffed.delimiter, sha, self.size
        )
        if frame is not None:
            _finish(frame, sniffed, result, self.name)
        if self.lossy and result.frame is not None and result.frame.width > 1:
            result.findings.insert(0, _broken_characters(result.frame))
        return result

    def _header_too_long(self) -> Finding | None:
        """The header row must end within MAX_HEADER_BYTES (so it is read whole, and cheaply)."""
        span = self.span
        start = len(self.head) - len(self.head.lstrip(b"\r\n"))
        if start == len(self.head):
            return None  # only blank lines so far: the rest of the read says what is wrong
        above = self.head[:start]
        row = 1 + (above.count(b"\n") or above.count(b"\r"))
        if span is None and self.size <= len(self.head):
            span = (start, self.size)  # the file is its header row (and an unclosed quote)
        if span is not None and span[1] - span[0] <= MAX_HEADER_BYTES:
            return None
        within = self.head[start : start + MAX_HEADER_BYTES + 1]
        if span is None and (b"\n" in within or b"\r" in within):
            return unclosed_quote(row)  # the header ends on a line break inside quotes
        return describe("header-too-long", None, rows=[row], row=row, limit=_size(MAX_HEADER_BYTES))

    def _too_wide(self, sniffed: Sniffed) -> Finding | None:
        if len(sniffed.header) <= MAX_COLUMNS:
            return None
        row = 1 + sniffed.lead
        width = f"{len(sniffed.header):,}"
        return describe(
            "too-many-columns", None, rows=[row], row=row, width=width, limit=f"{MAX_COLUMNS:,}"
        )

    def _line_too_long(self, sniffed: Sniffed) -> Finding | None:
        """Whether a line below the header is longer than MAX_LINE_BYTES, before any parse."""
        span = self.span
        if span is None or self.size <= span[1] + 1 + MAX_LINE_BYTES:
            return None  # the file is too small to hold such a line
        eol = sniffed.eol.encode()
        with ExitStack() as stack:
            if isinstance(self.source, bytes):
                data: bytes | mmap.mmap = self.source
            else:
                handle = stack.enter_context(self.source.open("rb"))
                data = stack.enter_context(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
            start = first_long_line(data, eol, span[1] + 1, MAX_LINE_BYTES)
            if start is None:
                return None
            line = 1 + _lines_above(data, eol, start)
        return describe(
            "line-too-long", None, rows=[line], line=f"{line:,}", limit=_size(MAX_LINE_BYTES)
        )

    def _transcoded(self) -> Path | bytes:
        if isinstance(self.source, bytes):
            return _transcode(self.source, self.encoding, "")
        prefix = "shared-outcomes-"
        folder = self._scratch.enter_context(tempfile.TemporaryDirectory(prefix=prefix))
        return _transcode(self.source, self.encoding, folder)

    @property
    def _utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig")

    def _fall_back(self, encoding: str) -> None:
        """Take the encoding fallback_encoding chose for bytes that are not valid UTF-8."""
        if encoding == "utf-8":
            self.lossy = True
        else:
            self.encoding = encoding

    def _decode_head(self) -> str:
        complete = self.size <= len(self.head)
        decoded = decode_head(self.head, complete)
        if decoded is None:
            self._fall_back(fallback_encoding(self.head))
            text = self.head.decode(self.encoding, errors="replace")
        else:
            self.encoding, text = decoded
        if not complete:  # whole lines only: the last one is probably cut
            text = text[: text.rfind("\n") + 1] or text
        return text

    def _parse(self, sniffed: Sniffed) -> pl.DataFrame | None:
        """The fast read: polars on the (UTF-8) file; None when only the exact pass can say why."""
        while True:
            try:
                return pl.read_csv(
                    self.data,
                    separator=sniffed.delimiter,
                    eol_char=sniffed.eol,
                    infer_schema=False,
                    encoding="utf8-lossy" if self.lossy else "utf8",
                    empty_string_is_null=False,
                    truncate_ragged_lines=self.ragged_seen,
                    glob=False,
                )
            except pl.exceptions.PolarsError as exc:
                message = str(exc).lower()
                if "utf-8" in message and self._utf8 and not self.lossy:
                    self._fall_back(fallback_encoding(_bad_utf8_window(self.source)))
                    if not self._utf8:
                        self.data = self._transcoded()
                elif "more fields" in message and not self.ragged_seen:
                    self.ragged_seen = True
                else:
                    return None

    def _accounted(self, frame: pl.DataFrame, sniffed: Sniffed) -> bool:
        """Whether every record has as many fields as the header (polars pads short ones with "").

        A short record leaves its last cell empty, so when no last cell outside blank rows is
        empty, no record is short: one column looked at. Otherwise count delimiters: a record of
        W fields holds W - 1 outside quotes, so a short record leaves a deficit between the file's
        count and the frame's (delimiters inside quoted cells are counted in the cells).
        """
        width = frame.width
        if width != len(sniffed.header):
            return False
        last_empty = pl.col(frame.columns[-1]).str.len_bytes() == 0
        if width == 1 or not frame.select(last_empty.any()).item():
            return True
        if not frame.select((last_empty & _blank_mask(frame.columns).not_()).any()).item():
            return True
        seps, quoted = _count_delimiters(self.source, sniffed.delimiter.encode())
        inside = sum(name.count(sniffed.delimiter) for name in sniffed.header)
        if quoted and frame.height:
            counts = [
                pl.col(c).str.count_matches(sniffed.delimiter, literal=True).sum()
                for c in frame.columns
            ]
            inside += int(frame.select(pl.sum_horizontal(counts)).item())
        deficit = (width - 1) * (frame.height + 1) + inside - seps
        return deficit == 0 or deficit == self._tail_deficit(frame, sniffed)

    def _tail_deficit(self, frame: pl.DataFrame, sniffed: Sniffed) -> int | None:
        """The delimiters missing from trailing blank lines (Excel's empty rows), read from the end.

        None when the end of the file does not hold exactly the trailing blank records.
        """
        kept = frame.select(_blank_mask(frame.columns).not_().arg_true().max()).item()
        trailing = frame.height - 1 - (-1 if kept is None else int(kept))
        if trailing == 0:
            return None
        tail = _tail(self.source)
        sep, eol = sniffed.delimiter.encode(), sniffed.eol.encode()
        content_end = len(tail.rstrip(sep + b"\r\n"))
        newline = tail.find(eol, content_end)
        if content_end == 0 or newline < 0:
            return None
        region = tail[newline + 1 :]
        lines = region.count(eol) + (1 if region and not region.endswith(eol) else 0)
        if lines != trailing:
            return None
        return (frame.width - 1) * trailing - region.count(sep)

    def _read_exactly(
        self, frame: pl.DataFrame | None, sniffed: Sniffed
    ) -> tuple[pl.DataFrame | None, list[Finding]]:
        """The exact pass: name ragged rows and unclosed quotes; build the frame if need be."""
        if not sniffed.header:
            return None, [unclosed_quote(1)]
        census = take_census(self.source, self.encoding, sniffed, collect=frame is None)
        if census.broken is None and frame is not None and frame.height != census.records:
            frame = None  # polars split the records differently: trust the csv module's cells
            census = take_census(self.source, self.encoding, sniffed, collect=True)
        if census.broken is not None:
            return None, [census.broken]
        offset = 2 + sniffed.lead
        if frame is None:
            frame = pl.concat(census.batches).select(
                (pl.col(RECORD_COLUMN) + offset).alias(ROW_COLUMN), pl.exclude(RECORD_COLUMN)
            )
        else:
            frame = frame.with_row_index(ROW_COLUMN, offset=offset)
            ragged = [i + offset for i, _ in census.ragged]
            frame = frame.filter(pl.col(ROW_COLUMN).is_in(ragged).not_()) if ragged else frame
        findings = [_ragged(census.ragged, offset, len(sniffed.header))] if census.ragged else []
        return frame, findings

    def _dialect_findings(self, sniffed: Sniffed) -> list[Finding]:
        findings = []
        if not self._utf8:
            label = "Windows-1252" if self.encoding == "cp1252" else self.encoding
            findings.append(describe("not-utf8", name=self.name, encoding=label))
        if sniffed.delimiter != ",":
            findings.append(
                describe(
                    "delimiter-not-comma",
                    samples=[sniffed.delimiter],
                    name=self.name,
                    separators=_PLURAL[sniffed.delimiter],
                )
            )
        return findings


def _size(limit: int) -> str:
    """1048576 -> '1 MB', 131072 -> '128 KB' (the limits are whole kilobytes)."""
    return f"{limit >> 20:,} MB" if limit % (1 << 20) == 0 else f"{limit >> 10:,} KB"


def _tail(source: Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source[-_TAIL_BYTES:]
    with source.open("rb") as handle:
        handle.seek(max(source.stat().st_size - _TAIL_BYTES, 0))
        return handle.read()


def _blank_mask(columns: list[str]) -> pl.Expr:
    """True for a record whose every cell is empty: a blank line or a row of bare delimiters."""
    return pl.all_horizontal([pl.col(c).str.len_bytes() == 0 for c in columns])


def _ragged(ragged: list[tuple[int, int]], offset: int, width: int) -> Finding:
    rows = [i + offset for i, _ in ragged]
    examples = "; ".join(f"row {i + offset} has {w}" for i, w in ragged[:3])
    return describe(
        "ragged-row",
        rows=rows[:MAX_ROWS_LISTED],
        count=len(rows),
        samples=[f"{w} values" for _, w in ragged[:5]],
        total=len(rows),
        width=width,
        examples=examples,
    )


def _finish(frame: pl.DataFrame, sniffed: Sniffed, result: ReadResult, name: str) -> None:
    """Name the columns, drop blank rows and unnamed empty columns, and report header problems."""
    width = frame.width - 1
    header = (sniffed.header + [""] * width)[:width]
    names = frame_names(header, reserved=ROW_COLUMN)
    frame.columns = [ROW_COLUMN, *names]
    frame = _drop_blank_rows(frame, names, result.findings)
    frame = check_header(frame, header, names, 1 + sniffed.lead, result.findings)
    if frame.height == 0 and not any(f.code == "ragged-row" for f in result.findings):
        result.findings.append(describe("no-data-rows", name=name))
    result.frame = frame


def _drop_blank_rows(
    frame: pl.DataFrame, names: list[str], findings: list[Finding]
) -> pl.DataFrame:
    if not frame.select((pl.col(names[-1]).str.len_bytes() == 0).any()).item():
        return frame  # a blank row ends in an empty cell, so there is none
    blank = frame.select(pl.col(ROW_COLUMN).filter(_blank_mask(names))).to_series().to_list()
    if not blank:
        return frame
    findings.append(
        describe(
            "blank-rows-ignored",
            rows=blank[:MAX_ROWS_LISTED],
            count=len(blank),
            total=len(blank),
            listed=_listed(blank),
        )
    )
    return frame.filter(_blank_mask(names).not_())


def _broken_characters(frame: pl.DataFrame) -> Finding:
    """The rows where bytes that are not UTF-8 were replaced by U+FFFD."""
    broken = pl.any_horizontal(
        [pl.col(c).str.contains("\ufffd", literal=True) for c in frame.columns if c != ROW_COLUMN]
    )
    rows = frame.select(pl.col(ROW_COLUMN).filter(broken)).to_series().to_list()
    return describe(
        "not-utf8",
        variant="stray-bytes",
        rows=rows[:MAX_ROWS_LISTED],
        count=len(rows),
        total=len(rows),
        listed=_listed(rows),
    )
