"""Reading a partner's Excel workbook (.xlsx, .xlsm) into the same text cells as a CSV.

The cells are read by calamine through `fastexcel` (Rust, one pass, Arrow out: never cell by
cell in Python), every column as text, so the contract's rules check a workbook exactly as they
check a CSV. What a workbook adds is handled here:

- **Which sheet**: the one asked for, else the one named like the dataset or the contract's
  schema object (ignoring case, spaces, `_` and `-`), else the only visible one, else a finding
  that lists the sheets and says how to choose (`--sheet NAME`, the Submit page's picker).
- **Row numbers** are the worksheet's own, so "row 17" is row 17 in Excel. The header is the
  first row that names the contract's columns, within the first HEADER_SEARCH_ROWS rows; text
  above it (a title, notes) is a finding, blank rows above it are not.
- **Dates**: a real Excel date in a date column is written in the contract's format, whatever
  its display format; a date typed as text is kept as typed, and checked against the format.
- **Cells a CSV cannot have**, each a finding naming the cells: error cells (`#N/A`, `#REF!`),
  formulas with no saved value (a formula's saved value is read otherwise), numbers stored as
  text in a numeric column, merged cells, hidden rows and columns.

The structure calamine does not report (merged cells, hidden rows and columns, formulas with no
value, text cells) is found by a few regular expressions over the worksheet's XML, streamed
from the zip in blocks (bounded memory, C speed). Limits: the worksheet's XML and its shared
strings may not exceed MAX_PART_BYTES each once unzipped, checked from the zip's directory
before anything is parsed, so a huge or "zip bomb" workbook costs nothing.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING
from xml.etree import ElementTree

import polars as pl

from shared_outcomes.checking.findings import describe
from shared_outcomes.checking.header import column_letter, normal_name
from shared_outcomes.checking.report import MAX_ROWS_LISTED, ROW_COLUMN, Finding, bounded

if TYPE_CHECKING:
    from shared_outcomes.config.contracts import ColumnSpec, Contract

#: The file name endings read as workbooks (their content decides, not the name).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: The most a worksheet's XML (or the shared strings) may hold once unzipped: about eight
#: million cells, 650,000 rows of a dozen columns.
MAX_PART_BYTES = 256 * 1024 * 1024
#: How far down the header may be looked for.
HEADER_SEARCH_ROWS = 20
#: The rows below the first one holding a value that decide the range's first column.
ORIGIN_ROWS = 50
#: The worksheet's XML is scanned in blocks of this size (with an overlap for matches).
_BLOCK = 8 * 1024 * 1024
_OVERLAP = 64 * 1024

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_ERROR_TEXT = {
    "NA": "#N/A",
    "Div0": "#DIV/0!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Value": "#VALUE!",
    "Num": "#NUM!",
    "Null": "#NULL!",
    "GettingData": "#GETTING_DATA",
}
_REAL_DATE = r"^\d{4}-\d{2}-\d{2} 00:00:00$"  # how calamine writes a date cell as text


def is_workbook(head: bytes) -> bool:
    """Whether the file's first bytes are an Office Open XML workbook (a zip holding `xl/`)."""
    return head.startswith(b"PK\x03\x04") and (b"xl/" in head or b"[Content_Types]" in head)


def is_old_or_protected(head: bytes) -> bool:
    """Whether the file is an OLE2 compound file: an .xls, or a password-protected .xlsx."""
    return head.startswith(_CFB_MAGIC)


@dataclass
class SheetRead:
    """What reading one worksheet gave (`reading.read_extract` wraps it in its `ReadResult`)."""

    frame: pl.DataFrame | None
    findings: list[Finding]
    header: list[str] = field(default_factory=list)
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    #: The worksheet row of the header.
    header_row: int = 1


def protected_or_old(source: Path | bytes, name: str) -> Finding:
    """The finding for an OLE2 file: password-protected (it holds an encrypted package), else
    an old-format .xls."""
    data = source.read_bytes() if isinstance(source, Path) else source
    if _ENCRYPTED in data[: 4 * 1024 * 1024]:
        return describe("workbook-password-protected", name=name)
    return describe("excel-workbook", name=name, extension=".xls")


def read_workbook(
    source: Path | bytes, name: str, *, sheet: str | None = None, contract: Contract | None = None
) -> SheetRead:
    """Read the extract's worksheet of the workbook `source` into text cells with the
    worksheet's row numbers in ROW_COLUMN; every problem is a finding, never an exception."""
    try:
        with _open_zip(source) as book:
            return _Workbook(book, source, name, contract).read(sheet)
    except (
        zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ElementTree.ParseError, zlib.error,
        EOFError,
    ) as exc:  # fmt: skip
        return SheetRead(None, [_unreadable(name, exc)])


def digest(source: Path | bytes) -> str:
    """The file's SHA-256."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    with source.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _open_zip(source: Path | bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source))


def _unreadable(name: str, exc: BaseException) -> Finding:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return describe("unreadable-workbook", name=name, error=bounded(text))


@dataclass(frozen=True)
class _Sheet:
    name: str
    part: str  # the worksheet's XML inside the zip
    visible: bool


class _Workbook:
    def __init__(
        self, book: zipfile.ZipFile, source: Path | bytes, name: str, contract: Contract | None
    ) -> None:
        self.book = book
        self.source = source
        self.name = name
        self.contract = contract

    def read(self, asked: str | None) -> SheetRead:
        sheets = self._sheets()
        names = [s.name for s in sheets]
        if not sheets:
            return SheetRead(None, [describe("workbook-no-sheets", name=self.name)])
        chosen, problem = self._choose(sheets, asked)
        if chosen is None:
            return SheetRead(None, [problem] if problem else [], sheets=names)
        too_big = self._too_big(chosen)
        if too_big is not None:
            return SheetRead(None, [too_big], sheet=chosen.name, sheets=names)
        read = self._cells(chosen)
        read.sheets = names
        return read

    # --- the sheets --------------------------------------------------------------------------

    def _sheets(self) -> list[_Sheet]:
        workbook = ElementTree.fromstring(self.book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(self.book.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
        found = []
        for element in workbook.findall("m:sheets/m:sheet", _NS):
            target = targets.get(element.get(f"{{{_NS['r']}}}id"), "")
            part = (
                target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            )
            if part not in self.book.namelist():  # a chart sheet or a broken reference
                continue
            visible = element.get("state", "visible") == "visible"
            found.append(_Sheet(element.get("name", ""), part, visible))
        return found

    def _choose(
        self, sheets: list[_Sheet], asked: str | None
    ) -> tuple[_Sheet | None, Finding | None]:
        listed = ", ".join(f"'{bounded(s.name, 60)}'" for s in sheets)
        if asked is not None:
            for s in sheets:
                if s.name == asked or normal_name(s.name) == normal_name(asked):
                    return s, None
            problem = describe(
                "choose-sheet",
                variant="not-found",
                name=self.name,
                sheet=bounded(asked, 60),
                sheets=listed,
            )
            return None, problem
        wanted = self._wanted()
        for s in sheets:
            if normal_name(s.name) in wanted:
                return s, None
        visible = [s for s in sheets if s.visible] or sheets
        if len(visible) == 1:
            return visible[0], None
        dataset = self.contract.dataset if self.contract else "the dataset"
        problem = describe(
            "choose-sheet", name=self.name, count=len(sheets), sheets=listed, dataset=dataset
        )
        return None, problem

    def _wanted(self) -> set[str]:
        if self.contract is None:
            return set()
        names = {self.contract.dataset, self.contract.title}
        if self.contract.schema_name:
            names.add(self.contract.schema_name)
        return {normal_name(n) for n in names}

    def _too_big(self, sheet: _Sheet) -> Finding | None:
        parts = [sheet.part, "xl/sharedStrings.xml"]
        for part in parts:
            try:
                size = self.book.getinfo(part).file_size
            except KeyError:
                continue
            if size > MAX_PART_BYTES:
                return describe(
                    "workbook-too-large",
                    name=self.name,
                    sheet=bounded(sheet.name, 60),
                    size=_megabytes(size),
                    limit=_megabytes(MAX_PART_BYTES),
                )
        return None

    # --- the cells ---------------------------------------------------------------------------

    def _cells(self, sheet: _Sheet) -> SheetRead:
        import fastexcel

        target = str(self.source) if isinstance(self.source, Path) else self.source
        scan = _Scan(self.book, sheet.part)
        # The XML's structure is scanned while calamine reads the cells (it releases the GIL).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbook-xml") as pool:
            structure = pool.submit(scan.structure)
            try:
                loaded = fastexcel.read_excel(target).load_sheet(
                    sheet.name, header_row=None, dtypes="string"
                )
                batch, errors = loaded.to_arrow_with_errors()
            except Exception as exc:  # calamine's own errors: a corrupt part, an unknown format
                return SheetRead(None, [_unreadable(self.name, exc)], sheet=sheet.name)
            structure.result()
        cells = pl.DataFrame(pl.from_arrow(batch))
        if cells.width == 0 or cells.height == 0:
            return SheetRead(None, [describe("no-data-rows", name=self.name)], sheet=sheet.name)
        cells.columns = [f"column_{i}" for i in range(cells.width)]
        cells = cells.with_columns(pl.all().cast(pl.String).fill_null(""))
        first_row, first_col = scan.origin()
        at = self._header_index(cells)
        header = [str(v) for v in cells.row(at)]
        header_row = first_row + at
        findings: list[Finding] = []
        above = [v for row in cells.head(at).iter_rows() for v in row if str(v).strip()]
        if above:
            findings.append(
                describe(
                    "header-not-in-row-1",
                    rows=[header_row],
                    row=header_row,
                    sheet=bounded(sheet.name, 60),
                    above=repr(bounded(str(above[0]), 60)),
                    last_above=header_row - 1,
                )
            )
        records = cells.slice(at + 1).with_row_index(ROW_COLUMN, offset=header_row + 1)
        records = records.with_columns(pl.col(ROW_COLUMN).cast(pl.Int64))
        letters = [column_letter(first_col + i) for i in range(cells.width)]
        specs = self._specs(header)
        checked = [letters[i] for i, c in specs.items() if c.logical_type in _TYPED]
        texts = scan.text_cells(checked)
        records = _real_dates(records, specs, letters, texts)
        error_cells = [c for c in _error_cells(errors) if c.row > at]
        records = _with_errors(records, error_cells, first_row)
        place = _Place(header, letters, first_col, first_row, records)
        findings += _structure_findings(scan, place)
        findings += _cell_findings(records, place, specs, texts, error_cells, scan)
        return SheetRead(records, findings, header, sheet=sheet.name, header_row=header_row)

    def _header_index(self, cells: pl.DataFrame) -> int:
        """The row (0-based in the range) naming most of the contract's columns among the first
        HEADER_SEARCH_ROWS; without a contract, or when no row names any, the first non-blank."""
        head = cells.head(HEADER_SEARCH_ROWS).rows()
        if self.contract is not None:
            names = {normal_name(c.name) for c in self.contract.columns}
            scores = [sum(normal_name(str(v)) in names for v in row) for row in head]
            if scores and max(scores) > 0:
                return scores.index(max(scores))
        return next((i for i, row in enumerate(head) if any(str(v).strip() for v in row)), 0)

    def _specs(self, header: list[str]) -> dict[int, ColumnSpec]:
        """Frame column index -> the contract's column, for the columns the header names."""
        if self.contract is None:
            return {}
        by_name = {normal_name(c.name): c for c in self.contract.columns}
        found = {i: by_name.get(normal_name(h)) for i, h in enumerate(header)}
        return {i: spec for i, spec in found.items() if spec is not None}


#: The contract types whose text cells matter: a number stored as text, a date typed as text.
_TYPED = ("integer", "number", "date")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def _real_dates(
    records: pl.DataFrame,
    specs: Mapping[int, ColumnSpec],
    letters: Sequence[str],
    texts: Mapping[str, list[int]],
) -> pl.DataFrame:
    """Real Excel dates in the contract's date columns, written in the contract's format; a
    date typed as text is left as typed, for the format rule to check."""
    changes = []
    for i, spec in specs.items():
        if spec.logical_type != "date":
            continue
        column = pl.col(f"column_{i}")
        typed_as_text = pl.col(ROW_COLUMN).is_in(texts.get(letters[i], []))
        real = column.str.contains(_REAL_DATE) & typed_as_text.not_()
        written = (
            column.str.slice(0, 10)
            .str.to_date("%Y-%m-%d", strict=False)
            .dt.strftime(spec.date_format or "%Y-%m-%d")
        )
        changes.append(pl.when(real).then(written).otherwise(column).alias(f"column_{i}"))
    return records.with_columns(changes) if changes else records


# --- error cells (from calamine) -----------------------------------------------------------


@dataclass(frozen=True)
class _ErrorCell:
    row: int  # 0-based in the range
    column: int  # 0-based in the range
    text: str  # as Excel shows it: #N/A


def _error_cells(errors: object) -> list[_ErrorCell]:
    """The error cells fastexcel reported (CellErrors: a position and what it found)."""
    found = []
    for error in getattr(errors, "errors", None) or []:
        row, column = error.offset_position
        kind = re.search(r"Error\((\w+)\)", str(error.detail))
        if kind is None:
            continue
        found.append(_ErrorCell(int(row), int(column), _ERROR_TEXT.get(kind[1], f"#{kind[1]}")))
    return found


def _with_errors(
    records: pl.DataFrame, cells: Sequence[_ErrorCell], first_row: int
) -> pl.DataFrame:
    """Each error's text (#N/A) in its cell, as Excel shows it: calamine gives no value."""
    by_column: dict[int, dict[int, str]] = {}
    for cell in cells:
        by_column.setdefault(cell.column, {})[first_row + cell.row] = cell.text
    return records.with_columns(
        pl.col(ROW_COLUMN)
        .replace_strict(rows, default=pl.col(f"column_{i}"), return_dtype=pl.String)
        .alias(f"column_{i}")
        for i, rows in by_column.items()
    )


# --- the findings ---------------------------------------------------------------------------


@dataclass
class _Place:
    """Where the frame sits on the worksheet: its header, column letters, first column and
    row, and its records' rows (the set made once, for both kinds of findings)."""

    header: list[str]
    letters: list[str]
    first_col: int
    first_row: int
    records: pl.DataFrame

    def name(self, sheet_column: int) -> str | None:
        """The header of a worksheet column (0-based), None outside the frame."""
        i = sheet_column - self.first_col
        return self.header[i] if 0 <= i < len(self.header) else None

    @functools.cached_property
    def rows(self) -> set[int]:
        return set(self.records.get_column(ROW_COLUMN).to_list())


def _structure_findings(scan: _Scan, place: _Place) -> list[Finding]:
    findings = []
    if scan.merged:
        ranges = [
            f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}" for c1, r1, c2, r2 in scan.merged
        ]
        covered = sorted({r for _, r1, _, r2 in scan.merged for r in range(r1, r2 + 1)})
        findings.append(
            describe(
                "merged-cells",
                rows=covered[:MAX_ROWS_LISTED],
                count=len(covered),
                samples=ranges[:5],
                values=_listed(ranges),
            )
        )
    data_rows = place.rows
    hidden = sorted(r for r in set(scan.hidden_rows) if r in data_rows)
    if hidden:
        findings.append(describe("hidden-rows", rows=hidden[:MAX_ROWS_LISTED], count=len(hidden)))
    columns = [n for n in (place.name(c) for c in sorted(set(scan.hidden_columns))) if n]
    if columns:
        findings.append(
            describe(
                "hidden-columns",
                samples=columns[:5],
                values=_listed([f"'{bounded(c, 60)}'" for c in columns]),
            )
        )
    return findings


def _cell_findings(
    records: pl.DataFrame,
    place: _Place,
    specs: Mapping[int, ColumnSpec],
    texts: Mapping[str, list[int]],
    errors: Sequence[_ErrorCell],
    scan: _Scan,
) -> list[Finding]:
    findings = []
    by_column: dict[int, list[_ErrorCell]] = {}
    for cell in errors:
        by_column.setdefault(cell.column, []).append(cell)
    for i, cells in sorted(by_column.items()):
        cells.sort(key=lambda c: c.row)
        rows = [place.first_row + c.row for c in cells]
        values = list(dict.fromkeys(c.text for c in cells))
        findings.append(
            describe(
                "excel-error-cell",
                place.header[i],
                rows=rows[:MAX_ROWS_LISTED],
                count=len(rows),
                samples=values[:5],
            )
        )
    data_rows = place.rows
    no_value: dict[int, list[int]] = {}
    for column, row in scan.no_value:
        if row in data_rows:
            no_value.setdefault(column - place.first_col, []).append(row)
    for i, rows in sorted(no_value.items()):
        if 0 <= i < len(place.header):
            rows.sort()
            findings.append(
                describe(
                    "formula-without-value",
                    place.header[i],
                    rows=rows[:MAX_ROWS_LISTED],
                    count=len(rows),
                )
            )
    for i, spec in sorted(specs.items()):
        if spec.logical_type not in ("integer", "number"):
            continue
        typed = texts.get(place.letters[i], [])
        if not typed:
            continue
        shown = f"column_{i}"
        numeric = records.filter(
            pl.col(ROW_COLUMN).is_in(typed)
            & pl.col(shown).str.strip_chars().cast(pl.Float64, strict=False).is_not_null()
        )
        if numeric.height:
            rows = numeric.get_column(ROW_COLUMN).to_list()
            findings.append(
                describe(
                    "number-stored-as-text",
                    place.header[i],
                    rows=rows[:MAX_ROWS_LISTED],
                    count=len(rows),
                    samples=numeric.get_column(shown).head(5).to_list(),
                )
            )
    return findings


def _listed(items: Sequence[str], shown: int = 10) -> str:
    listed = ", ".join(items[:shown])
    return listed + (f" and {len(items) - shown:,} more" if len(items) > shown else "")


# --- the worksheet's XML ---------------------------------------------------------------------

_CELL_REF = rb'<c r="([A-Z]{1,3})(\d+)"'
_VALUE_CELL = re.compile(_CELL_REF + rb"[^>]*>\s*(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?\s*<(?:v|is)>")
_HIDDEN_ROW = re.compile(rb'<row r="(\d+)"[^>]*\bhidden="(?:1|true)"')
_TEXT_CELL = re.compile(rb'<c r="([A-Z]{1,3}\d+)"[^>]*\bt="(?:s|inlineStr|str)"')
_HIDDEN_COLS = re.compile(rb'<col\b[^>]*\bmin="(\d+)"[^>]*\bmax="(\d+)"[^>]*\bhidden="(?:1|true)"')
_MERGED = re.compile(rb'<mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
_NO_VALUE = re.compile(
    _CELL_REF + rb"[^>]*>\s*(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)\s*(?:<v\s*/>|<v></v>)?\s*</c>"
)


def _letter_index(letters: bytes | str) -> int:
    index = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        index = index * 26 + ord(ch) - 64
    return index - 1


class _Scan:
    """The worksheet's structure from its XML: where the cells start, hidden rows and columns,
    merged cells, formulas without a value, and text cells in the columns asked about."""

    def __init__(self, book: zipfile.ZipFile, part: str) -> None:
        self.book = book
        self.part = part
        self.hidden_rows: list[int] = []
        self.hidden_columns: list[int] = []  # 0-based indexes
        self.merged: list[tuple[int, int, int, int]] = []  # first col, first row, last col, row
        self.no_value: list[tuple[int, int]] = []  # (column index, row)
        self._text_refs: list[pl.Series] = []  # every text cell's reference ("B17"), as bytes
        self._texts: pl.DataFrame | None = None  # the same as `letter` and `row`

    def _blocks(self) -> Iterator[tuple[bytes, int]]:
        """The XML in blocks, each with the offset up to which its matches count (the rest is
        the overlap the next block starts with)."""
        with self.book.open(self.part) as stream:
            yield from _blocks(stream)

    def origin(self) -> tuple[int, int]:
        """The worksheet row (1-based) and column index (0-based) where calamine's range
        starts: the first row holding a value, and the leftmost column holding one in that row
        and the next ORIGIN_ROWS rows (the header and the first records)."""
        with self.book.open(self.part) as stream:
            head = stream.read(_BLOCK)
        first_row, first_col = 0, None
        for match in _VALUE_CELL.finditer(head):
            row = int(match[2])
            if not first_row:
                first_row = row
            elif row > first_row + ORIGIN_ROWS:
                break
            column = _letter_index(match[1])
            first_col = column if first_col is None else min(first_col, column)
        return (first_row or 1), (first_col or 0)

    def structure(self) -> None:
        """Scan the whole XML for hidden rows and columns, merged cells, formulas with no value
        and every text cell's reference (run beside calamine's read, which releases the GIL).

        A pattern within one tag is searched up to the block's cut (a tag boundary) only; the
        formula pattern, which spans tags, by where its matches start."""
        for block, cut in self._blocks():
            if b'hidden="' in block:
                for found in _HIDDEN_ROW.findall(block, 0, cut):
                    self.hidden_rows.append(int(found))
                for first, last in _HIDDEN_COLS.findall(block, 0, cut):
                    self.hidden_columns.extend(range(int(first) - 1, int(last)))
            if b"<mergeCell " in block:
                for c1, r1, c2, r2 in _MERGED.findall(block, 0, cut):
                    self.merged.append((_letter_index(c1), int(r1), _letter_index(c2), int(r2)))
            if b"<f" in block:
                for match in _matches(_NO_VALUE, block, cut):
                    self.no_value.append((_letter_index(match[1]), int(match[2])))
            refs = _TEXT_CELL.findall(block, 0, cut)
            if refs:
                self._text_refs.append(pl.Series(refs, dtype=pl.Binary))
        if self._text_refs:  # split into letter and row here too, beside calamine's read
            every = pl.DataFrame({"ref": pl.concat(self._text_refs).cast(pl.String)})
            self._text_refs = []
            self._texts = every.select(
                pl.col("ref").str.extract(r"^([A-Z]+)", 1).alias("letter"),
                pl.col("ref").str.extract(r"(\d+)$", 1).cast(pl.Int64).alias("row"),
            )

    def text_cells(self, letters: Sequence[str]) -> dict[str, list[int]]:
        """The rows of the text cells in each column of `letters` (a number or a date typed as
        text), from the references `structure` collected."""
        texts: dict[str, list[int]] = {letter: [] for letter in letters}
        if not letters or self._texts is None:
            return texts
        found = self._texts.filter(pl.col("letter").is_in(list(letters)))
        for letter, rows in found.group_by("letter").agg("row").iter_rows():
            texts[letter] = rows
        return texts


def _matches(pattern: re.Pattern[bytes], block: bytes, cut: int) -> Iterator[re.Match[bytes]]:
    """The matches starting before `cut` (the next block starts there and finds the rest)."""
    for match in pattern.finditer(block):
        if match.start() >= cut:
            return
        yield match


def _blocks(stream: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """The stream in blocks of about _BLOCK bytes, each with where its own part ends: at a tag
    boundary at least _OVERLAP bytes before its end, where the next block starts."""
    carry = b""
    while True:
        chunk = stream.read(_BLOCK)
        if not chunk:
            if carry:
                yield carry, len(carry)
            return
        block = carry + chunk
        # Matches must start before the last tag boundary, which the next block repeats.
        cut = block.rfind(b"<", 0, max(len(block) - _OVERLAP, 1))
        cut = cut if cut > 0 else len(block)
        yield block, cut
        carry = block[cut:]
