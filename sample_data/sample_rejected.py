"""Realistic broken extracts for sample_data/rejected_examples/, one fault each, with their notes.

Each maker starts from a clean synthetic extract and breaks it the way partners' files really
break (Excel's encodings and autocorrect, a deleted column, the wrong codes, a resent file). The
`@rejected` decorator records what is wrong and the finding code the checker must report; the
notes are written to rejected_examples/notes.yaml and tests/test_sample_data.py holds the checker
to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml
from sample_series import (
    AREAS,
    Area,
    digital_inclusion,
    flood_incidents,
    flood_protection,
    homelessness_cases,
    nhs_emergency_admissions,
    workforce,
)


def csv_text(records: list[dict[str, object]], drop: tuple[str, ...] = ()) -> str:
    frame = pl.DataFrame(records, infer_schema_length=None).drop(list(drop))
    return frame.write_csv()


def excel_utf8(text: str) -> bytes:
    """What Excel's "CSV UTF-8" writes: a byte order mark and CRLF line endings."""
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


def excel_cp1252(text: str) -> bytes:
    """What Excel's "CSV (Comma delimited)" writes on a UK Windows PC: cp1252 and CRLF."""
    return text.replace("\n", "\r\n").encode("cp1252")


@dataclass(frozen=True)
class Rejected:
    partner: str
    dataset: str
    period: str
    finding: str  # the code the checker must report
    note: str  # what is wrong, in one line
    make: Callable[[], bytes]


REJECTED: list[Rejected] = []


def rejected(
    partner: str, dataset: str, period: str, finding: str, note: str
) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    """Register a maker of one broken extract with what is wrong and the finding it must give."""

    def register(make: Callable[[], bytes]) -> Callable[[], bytes]:
        REJECTED.append(Rejected(partner, dataset, period, finding, note, make))
        return make

    return register


def area(code: str) -> Area:
    return next(a for a in AREAS if a.code == code)


@rejected(
    "gm_voluntary_alliance",
    "digital_inclusion",
    "2016-11",
    "not-allowed-value",
    "Saved by Excel as CSV UTF-8 (byte order mark, CRLF; café and St Peter’s read fine), but the "
    "Manchester rows were retyped and autocorrect made the hyphen in age bands an en dash (16–24).",
)
def en_dash_age_bands() -> bytes:
    records = digital_inclusion("gm_voluntary_alliance")["2016-11"]
    for r in records:
        if r["area_code"] == "E08000003":
            r["age_band"] = str(r["age_band"]).replace("-", "–")
    return excel_utf8(csv_text(records))


@rejected(
    "gm_combined_authority",
    "flood_protection",
    "2016-09",
    "not-an-integer",
    "Saved by Excel as CSV (Comma delimited): cp1252 with £ and curly quotes (read, with a "
    'warning), but one count kept Excel\'s thousands separator: "1,250".',
)
def thousands_separator() -> bytes:
    records = flood_protection("gm_combined_authority")["2016-09"]
    records[12]["properties_protected"] = "1,250"
    records[12]["scheme_name"] = "Rochdale town centre flood defences (£13.8m)"
    return excel_cp1252(csv_text(records))


@rejected(
    "bury_council",
    "homelessness_cases",
    "2016-07",
    "missing-column",
    "The household_type column was deleted before export.",
)
def missing_column() -> bytes:
    records = homelessness_cases(area("E08000002"))["2016-07"]
    return csv_text(records, drop=("household_type",)).encode()


@rejected(
    "nhs_gm_icb",
    "nhs_emergency_admissions",
    "2016-02",
    "pattern-mismatch",
    "Bolton and Bury rows carry NHS CCG codes (E38000016, E38000024) instead of district codes.",
)
def ccg_codes() -> bytes:
    ccg = {"E08000001": "E38000016", "E08000002": "E38000024"}  # Bolton and Bury CCGs
    records = nhs_emergency_admissions()["2016-02"]
    for r in records:
        r["area_code"] = ccg.get(str(r["area_code"]), r["area_code"])
    return csv_text(records).encode()


@rejected(
    "gm_fire_rescue",
    "flood_incidents",
    "2016-01",
    "unknown-reference",
    "Three incidents the control room could not place carry the made-up code E08000099.",
)
def unknown_area() -> bytes:
    records = flood_incidents()["2016-01"]
    records += [dict(r, area_code="E08000099") for r in records[:3]]
    return csv_text(records).encode()


@rejected(
    "salford_council",
    "homelessness_cases",
    "2017-02",
    "duplicate-value",
    "Twelve cases appear twice: part of the export was appended a second time.",
)
def duplicate_case_ids() -> bytes:
    records = homelessness_cases(area("E08000006"))["2017-02"]
    return csv_text(records + records[40:52]).encode()


@rejected(
    "nhs_gm_icb",
    "workforce_vacancies",
    "2017-03",
    "wrong-period",
    "Sent as the March 2017 extract, but every row is February's: last month's file resent.",
)
def wrong_month() -> bytes:
    return csv_text(workforce("nhs_gm_icb")["2017-02"]).encode()


@rejected(
    "wigan_council",
    "homelessness_cases",
    "2016-05",
    "not-a-date",
    "Dates exported as MM/dd/yyyy by a system set to US English; days after the 12th fail.",
)
def us_dates() -> bytes:
    records = homelessness_cases(area("E08000010"))["2016-05"]
    for r in records:
        for key in ("approach_date", "outcome_date"):
            if r[key]:
                d, m, y = str(r[key]).split("/")
                r[key] = f"{m}/{d}/{y}"
    return csv_text(records).encode()


@rejected(
    "gm_voluntary_alliance",
    "digital_inclusion",
    "2017-01",
    "ragged-row",
    'Edited by hand: the venue "Central Library, St Peter’s Square" lost its quotes, so its '
    "comma splits the row into one field too many.",
)
def unquoted_comma() -> bytes:
    venue = "Central Library, St Peter’s Square"
    return (
        csv_text(digital_inclusion("gm_voluntary_alliance")["2017-01"])
        .replace(f'"{venue}"', venue)
        .encode()
    )


def write_rejected(folder: Path) -> None:
    notes = []
    for example in REJECTED:
        path = folder / example.partner / f"{example.dataset}_{example.period}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(example.make())
        notes.append(
            {
                "file": path.relative_to(folder).as_posix(),
                "dataset": example.dataset,
                "partner": example.partner,
                "period": example.period,
                "finding": example.finding,
                "note": example.note,
            }
        )
    header = "# Broken extracts: what is wrong with each, and the finding the checker must give.\n"
    text = yaml.safe_dump({"files": notes}, sort_keys=False, allow_unicode=True, width=100)
    (folder / "notes.yaml").write_text(header + text, encoding="utf-8")
