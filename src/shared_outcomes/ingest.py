"""The drop folder and the demo build: many extract files submitted one by one, with progress.

A drop folder holds `<partner>/<dataset>_<YYYY-MM>.csv` (the layout of
`sample_data/extracts/`). Each file is submitted as the system identity and then moved to
`processed/<partner>/` or `rejected/<partner>/`, with its JSON report beside it
(`<file>.report.json`). The order makes a re-run after a crash safe: the load commits first, the
report is written next, the file is moved last, so a file still in the folder is simply
submitted again and recognised as `unchanged` if it had been loaded.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import TYPE_CHECKING

from shared_outcomes.access import Identity
from shared_outcomes.errors import AccessDenied, UsageError
from shared_outcomes.report import Finding, Report

if TYPE_CHECKING:
    from shared_outcomes.service import PreparedSubmission, Progress, SubmitResult, Workspace

PROCESSED = "processed"
REJECTED = "rejected"
REPORT_SUFFIX = ".report.json"
_FILE_NAME = re.compile(r"^(?P<dataset>[a-z][a-z0-9_]*)_(?P<period>\d{4}-\d{2})\.csv$")


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one dropped file."""

    source: Path
    moved_to: Path
    status: str  # loaded | unchanged | rejected | refused
    message: str
    submission_id: int | None = None


def drop_files(folder: Path) -> list[Path]:
    """Files waiting in a drop folder (not in processed/ or rejected/, not hidden), sorted."""
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder: give the drop folder's path.")
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if parts[0] in (PROCESSED, REJECTED) or any(p.startswith(".") for p in parts):
            continue
        if path.is_file() and not path.name.endswith(REPORT_SUFFIX):
            found.append(path)
    return sorted(found)


def parse_drop_name(folder: Path, path: Path) -> tuple[str, str, str]:
    """(partner, dataset, period) from `<partner>/<dataset>_<YYYY-MM>.csv`, else `UsageError`."""
    parts = path.relative_to(folder).parts
    match = _FILE_NAME.match(path.name)
    if len(parts) != 2 or match is None:
        raise UsageError(
            f"{'/'.join(parts)} is not where a drop folder expects extracts: put each file in "
            "its partner's folder, named <dataset>_<YYYY-MM>.csv "
            "(e.g. bolton_council/homelessness_cases_2016-03.csv)."
        )
    return parts[0], match["dataset"], match["period"]


def ingest_folder(
    workspace: Workspace,
    identity: Identity,
    folder: Path,
    *,
    progress: Progress | None = None,
    files: Iterable[Path] | None = None,
) -> list[IngestOutcome]:
    """Submit every waiting file, moving each to processed/ or rejected/ with its report."""
    waiting = sorted(files) if files is not None else drop_files(folder)
    outcomes = []
    for done, path in enumerate(waiting):
        if progress:
            progress(done, len(waiting), path.name)
        outcomes.append(_ingest_one(workspace, identity, folder, path))
    if progress:
        progress(len(waiting), len(waiting), "done")
    return outcomes


def _ingest_one(
    workspace: Workspace, identity: Identity, folder: Path, path: Path
) -> IngestOutcome:
    partner, dataset, period = "", path.stem, ""
    try:
        partner, dataset, period = parse_drop_name(folder, path)
        result = workspace.submit(
            identity, path, dataset=dataset, partner=partner, period=period, file_name=path.name
        )
    except (UsageError, AccessDenied) as refusal:
        report = _refusal_report(refusal, path.name, dataset, partner, period)
        payload = json.loads(report.model_dump_json())
        payload.update(submission_id=None, status="rejected", supersedes=None)
        moved = _file_away(folder, path, REJECTED, json.dumps(payload, indent=2))
        return IngestOutcome(path, moved, "refused", refusal.message)
    where = PROCESSED if result.accepted else REJECTED
    moved = _file_away(folder, path, where, result.to_json())
    return IngestOutcome(path, moved, result.status, result.summary, result.submission_id)


def _refusal_report(
    refusal: UsageError | AccessDenied, file_name: str, dataset: str, partner: str, period: str
) -> Report:
    finding = Finding(
        code="submission-refused",
        severity="error",
        message=refusal.message,
        fix="Move the file to the right partner folder and name, then drop it again.",
    )
    return Report(
        accepted=False,
        dataset=dataset,
        partner=partner or None,
        period=period or None,
        file_name=file_name,
        findings=[finding],
    )


def _file_away(folder: Path, path: Path, where: str, report: str) -> Path:
    """Write the report, then move the file beside it (never overwriting an earlier file)."""
    partner_folder = path.parent.relative_to(folder)
    target_dir = folder / where / partner_folder
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    counter = 1
    while target.exists():
        counter += 1
        target = target_dir / f"{path.stem}.{counter}{path.suffix}"
    report_path = target.with_name(target.name + REPORT_SUFFIX)
    descriptor, temp = tempfile.mkstemp(prefix=".tmp-", dir=target_dir)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(report + "\n")
    os.replace(temp, report_path)
    os.replace(path, target)
    return target


def watch_folder(
    workspace: Workspace,
    identity: Identity,
    folder: Path,
    *,
    on_outcome: Callable[[IngestOutcome], None],
    interval: float = 2.0,
    settle: float = 2.0,
    keep_going: Callable[[], bool] = lambda: True,
) -> None:
    """Keep ingesting files as they arrive, once each has not changed for `settle` seconds."""
    while keep_going():
        now = time.time()
        ready = [p for p in drop_files(folder) if now - p.stat().st_mtime >= settle]
        for outcome in ingest_folder(workspace, identity, folder, files=ready):
            on_outcome(outcome)
        time.sleep(interval)


# -- the sample partnership ---------------------------------------------------------------------


def sample_files(sample_dir: Path) -> list[tuple[Path, bool]]:
    """(file, is_resubmission): every extract, then every resubmission, in a stable order."""
    extracts = sorted((sample_dir / "extracts").glob("*/*.csv"))
    resubmissions = sorted((sample_dir / "resubmissions").glob("*/*.csv"))
    return [(p, False) for p in extracts] + [(p, True) for p in resubmissions]


def load_sample(workspace: Workspace, *, progress: Progress | None = None) -> list[SubmitResult]:
    """Submit the whole sample partnership, dated as if each file came near its deadline.

    Files are checked two at a time in threads (Polars releases the GIL) while the main
    thread stores them in order, in one bulk transaction: the demo is built whole or not at all.
    """
    from shared_outcomes.access import SYSTEM

    folder = workspace.settings.sample_dir / "extracts"
    files = sample_files(workspace.settings.sample_dir)
    if not files:
        raise UsageError(
            f"no sample extracts under {folder}: run `python sample_data/generate.py` first."
        )

    def prepare(item: tuple[Path, bool]) -> PreparedSubmission:
        path = item[0]
        partner, dataset, period = parse_drop_name(path.parent.parent, path)
        return workspace.prepare(SYSTEM, path, dataset=dataset, partner=partner, period=period)

    results = []
    with ThreadPoolExecutor(max_workers=2) as pool, workspace.warehouse.bulk():
        for done, ((path, restated), prepared) in enumerate(
            zip(files, pool.map(prepare, files), strict=True)
        ):
            if progress:
                progress(done, len(files), f"{path.parent.name}/{path.name}")
            when = _demo_moment(workspace, prepared.partner, prepared.period, restated=restated)
            results.append(workspace.store_prepared(SYSTEM, prepared, submitted_at=when))
    if progress:
        progress(len(files), len(files), "done")
    return results


def _demo_moment(workspace: Workspace, partner: str, period: str, *, restated: bool) -> datetime:
    """A plausible, deterministic moment: a few days before the deadline (a restatement after)."""
    due = workspace.partnership.partners[partner].due_date(period)
    spread = zlib.crc32(f"{partner}/{period}".encode()) % 6
    day = due + timedelta(days=3 + spread) if restated else due - timedelta(days=spread)
    moment = datetime.combine(day, clock(9, 30 + spread * 4), tzinfo=UTC)
    return min(moment, datetime.now(UTC))
