"""The sample partnership: every extract passes its contract, every rejected example fails as noted.

Also: the generator rewrites exactly the committed files, the claimant count is the real series
unmodified, the extracts cover every partner, dataset and month except the one late partner,
and the outcome definitions resolve against the contracts and partners.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from shared_outcomes.checking.validation import validate_extract
from shared_outcomes.config.contracts import Contract, load_contracts
from shared_outcomes.config.definitions import load_definitions
from shared_outcomes.config.partnership import Partnership, load_partnership

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = ROOT / "data_contracts"
SAMPLE = ROOT / "sample_data"
EXTRACTS = SAMPLE / "extracts"
RESUBMISSIONS = SAMPLE / "resubmissions"
REJECTED = SAMPLE / "rejected_examples"
GENERATED = ("extracts", "resubmissions", "rejected_examples")
FIRST, LATEST = "2015-01", "2017-10"


def month_range(first: str, last: str) -> list[str]:
    months, (year, month) = [], (int(first[:4]), int(first[5:]))
    while f"{year}-{month:02d}" <= last:
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def parts(path: Path) -> tuple[str, str, str]:
    """(partner, dataset, period) from `<partner>/<dataset>_<YYYY-MM>.csv`."""
    dataset, period = path.stem.rsplit("_", 1)
    return path.parent.name, dataset, period


def sample_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/*.csv"))


def rejected_notes() -> list[dict[str, Any]]:
    notes = yaml.safe_load((REJECTED / "notes.yaml").read_text(encoding="utf-8"))
    files = notes["files"]
    assert isinstance(files, list)
    return files


@pytest.fixture(scope="module")
def contracts() -> dict[str, Contract]:
    return load_contracts(CONTRACTS_DIR)


@pytest.fixture(scope="module")
def partnership(contracts: dict[str, Contract]) -> Partnership:
    return load_partnership(CONTRACTS_DIR / "partners.yaml", contracts)


# --- every extract passes; every rejected example fails as its note says -------------------------


@pytest.mark.slow
@pytest.mark.parametrize("partner", sorted(p.name for p in EXTRACTS.iterdir() if p.is_dir()))
def test_every_extract_passes_its_contract_for_its_partner_and_month(
    partner: str, contracts: dict[str, Contract]
) -> None:
    files = sorted((EXTRACTS / partner).glob("*.csv"))
    assert files
    for path in files:
        _, dataset, period = parts(path)
        report = validate_extract(path, contracts[dataset], partner=partner, period=period).report
        assert report.accepted, (path.name, [f.message for f in report.errors])
        assert report.rows > 0


def test_resubmissions_pass_and_restate_a_month_already_submitted(
    contracts: dict[str, Contract],
) -> None:
    files = sample_files(RESUBMISSIONS)
    assert files
    for path in files:
        partner, dataset, period = parts(path)
        original = EXTRACTS / path.relative_to(RESUBMISSIONS)
        assert original.is_file(), "a resubmission restates a month already in extracts/"
        assert original.read_bytes() != path.read_bytes()
        report = validate_extract(path, contracts[dataset], partner=partner, period=period).report
        assert report.accepted, [f.message for f in report.errors]


def test_the_real_claimant_count_is_accepted_with_its_scientific_notation_warning(
    contracts: dict[str, Contract],
) -> None:
    path = EXTRACTS / "dwp_jobcentre_plus" / "claimant_count_2016-05.csv"
    report = validate_extract(path, contracts["claimant_count"], period="2016-05").report
    assert report.accepted
    assert [(f.code, f.severity) for f in report.findings] == [
        ("integer-in-scientific-notation", "warning")
    ]


@pytest.mark.parametrize("note", rejected_notes(), ids=lambda n: str(n["file"]))
def test_rejected_example_fails_with_exactly_the_finding_its_note_predicts(
    note: dict[str, Any], contracts: dict[str, Contract]
) -> None:
    path = REJECTED / note["file"]
    assert parts(path) == (note["partner"], note["dataset"], note["period"])
    assert len(note["note"]) > 20
    validation = validate_extract(
        path, contracts[note["dataset"]], partner=note["partner"], period=note["period"]
    )
    report = validation.report
    assert not report.accepted
    assert {f.code for f in report.errors} == {note["finding"]}


def test_every_rejected_example_has_a_note_and_every_note_a_file() -> None:
    on_disk = {p.relative_to(REJECTED).as_posix() for p in REJECTED.rglob("*.csv")}
    noted = [n["file"] for n in rejected_notes()]
    assert sorted(noted) == sorted(on_disk)
    codes = {n["finding"] for n in rejected_notes()}
    issue = {"missing-column", "pattern-mismatch", "duplicate-value", "wrong-period"}
    assert issue <= codes  # the faults the issue asks for, besides the Excel encodings


def test_excel_encodings_are_read_and_are_not_themselves_the_error(
    contracts: dict[str, Contract],
) -> None:
    seen = set()
    for note in rejected_notes():
        raw = (REJECTED / note["file"]).read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        cp1252 = not bom and any(b in raw for b in (b"\xa3", b"\x91", b"\x92"))
        if not (bom or cp1252):
            continue
        seen.add("bom" if bom else "cp1252")
        report = validate_extract(REJECTED / note["file"], contracts[note["dataset"]]).report
        assert report.encoding == ("utf-8-sig" if bom else "cp1252")
        encoding_codes = {"not-utf8", "utf16-encoding", "unreadable-csv"}
        assert not {f.code for f in report.errors} & encoding_codes
    assert seen == {"bom", "cp1252"}


# --- what the extracts contain -------------------------------------------------------------------


@pytest.mark.slow
def test_generator_rewrites_exactly_the_committed_files(tmp_path: Path) -> None:
    (tmp_path / "source").symlink_to(SAMPLE / "source")
    result = subprocess.run(
        [sys.executable, str(SAMPLE / "generate.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in GENERATED:
        written = {p.relative_to(tmp_path): p.read_bytes() for p in _files(tmp_path / name)}
        committed = {p.relative_to(SAMPLE): p.read_bytes() for p in _files(SAMPLE / name)}
        assert sorted(written) == sorted(committed)
        changed = [str(p) for p in written if written[p] != committed[p]]
        assert changed == [], "run `python sample_data/generate.py` and commit its output"


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file())


def test_claimant_extracts_are_the_real_series_line_for_line() -> None:
    source = (SAMPLE / "source" / "claimant_count_local_authorities.csv").read_bytes()
    header, *lines = source.decode("utf-8").splitlines()
    rebuilt: list[str] = []
    for path in sorted((EXTRACTS / "dwp_jobcentre_plus").glob("*.csv")):
        file_header, *rows = path.read_bytes().decode("utf-8").splitlines()
        assert file_header == header
        assert {row[:7] for row in rows} == {parts(path)[2]}
        rebuilt += rows
    assert rebuilt == lines
    assert any(",4e3," in line and "Rochdale" in line for line in rebuilt)


def test_extracts_cover_every_partner_dataset_and_month_but_one_late_partner(
    partnership: Partnership,
) -> None:
    months = month_range(FIRST, LATEST)
    expected = {
        (p.id, d, m) for p in partnership.partners.values() for d in p.datasets for m in months
    }
    present = {parts(p) for p in sample_files(EXTRACTS)}
    assert present <= expected
    missing = expected - present
    late_partners = {partner for partner, _, _ in missing}
    assert len(late_partners) == 1
    assert {period for _, _, period in missing} == {LATEST}
    late = partnership.partners[late_partners.pop()]
    assert {dataset for _, dataset, _ in missing} == set(late.datasets)


def test_every_row_belongs_to_the_partners_areas(partnership: Partnership) -> None:
    for partner in partnership.partners.values():
        for dataset in partner.datasets:
            path = EXTRACTS / partner.id / f"{dataset}_2016-06.csv"
            frame = pl.read_csv(path, infer_schema=False)
            area = "lad15cd" if dataset == "claimant_count" else "area_code"
            assert set(frame[area]) <= set(partner.areas), path


def test_small_counts_below_five_occur_and_need_suppressing() -> None:
    frame = pl.concat(
        pl.read_csv(p, schema_overrides={"admissions": pl.Int64})
        for p in sorted((EXTRACTS / "nhs_gm_icb").glob("nhs_emergency_admissions_*.csv"))
    )
    by_area = frame.group_by("area_code", "month").agg(pl.col("admissions").sum())
    small = by_area.filter(pl.col("admissions").is_between(1, 4))
    assert small.height > 0
    assert small["area_code"].n_unique() >= 2


def test_sample_data_is_small_enough_to_commit() -> None:
    total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert total < 15_000_000


# --- contracts, reference data and definitions ---------------------------------------------------


def test_every_contract_has_an_area_column_pointing_at_ons_codes_and_a_period_column(
    contracts: dict[str, Contract],
) -> None:
    assert len(contracts) >= 6
    for dataset, contract in contracts.items():
        assert contract.period_column in contract.column_names, dataset
        assert contract.area_column is not None, dataset
        reference = contract.column(contract.area_column).reference
        assert reference is not None, dataset
        assert (reference.table, reference.column) == ("ons_local_authorities", "LADCD")


def test_households_reference_covers_exactly_the_partnership_areas(
    partnership: Partnership,
) -> None:
    households = pl.read_csv(CONTRACTS_DIR / "reference" / "households_by_district.csv")
    assert dict(zip(households["area_code"], households["area_name"], strict=True)) == (
        partnership.areas
    )
    assert min(households["households"]) > 10_000


def test_outcome_definitions_resolve_and_join_partners(
    contracts: dict[str, Contract], partnership: Partnership
) -> None:
    definitions = load_definitions(CONTRACTS_DIR / "outcomes", contracts, partnership)
    assert len(definitions) >= 8
    problems = {d.problem for d in definitions.values()}
    assert problems == {
        "homelessness",
        "workforce",
        "digital_inclusion",
        "climate_resilience",
        "health",
    }
    joined = [d.id for d in definitions.values() if len(d.partners) >= 2]
    across_datasets = [
        d.id
        for d in definitions.values()
        if len(d.expected) == 2
        and set(d.expected[d.datasets[0]]).isdisjoint(d.expected[d.datasets[1]])
    ]
    assert len(joined) >= 4
    assert len(across_datasets) >= 3
    for definition in definitions.values():
        assert definition.target is not None, definition.id
        assert definition.target.from_period in month_range(FIRST, LATEST)
