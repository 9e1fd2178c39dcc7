"""The sample partnership built into a fresh database: every extract loaded as one transaction.

`build_demo(settings)` removes the database at `settings.db_path` with everything kept beside it,
opens a new one and loads every sample extract (then the restatements), each dated as if it had
come near its deadline, checked two at a time in threads while the main thread stores them in
order, all in one bulk transaction: the demo is built whole or not at all.
"""

from __future__ import annotations

import shutil
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from shared_outcomes.access.audit import BUILD_DEMO
from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.errors import UsageError
from shared_outcomes.figures.cache import figures_folder
from shared_outcomes.jobs.drop_folder import parse_drop_name
from shared_outcomes.settings import Settings, companion_dir
from shared_outcomes.warehouse.store import rows_dir_for
from shared_outcomes.workspace import PreparedSubmission, Progress, SubmitResult, Workspace


def build_demo(settings: Settings, progress: Progress | None = None) -> Workspace:
    """A fresh database holding the whole sample partnership."""
    remove_database(settings)
    workspace = Workspace.open(settings)
    if settings.catalog is not None and workspace.warehouse.register_stamp() != (0, 0):
        raise UsageError(
            f"the catalog {settings.catalog.where} already holds submissions, and the demo is "
            "built only into an empty one (nothing of a catalog is deleted): use an empty "
            "database, or run the demo on a file (--db).",
            title="The catalog is not empty",
        )
    loaded = load_sample(workspace, progress=progress)
    workspace.audit.record(SYSTEM, BUILD_DEMO, detail={"submissions": len(loaded)})
    return workspace


def remove_database(settings: Settings) -> None:
    """Delete a database, its write-ahead log and every folder that belongs to it (a catalog
    is never deleted: the demo is built only into an empty one)."""
    if settings.catalog is not None:
        return
    db = settings.db_path
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
    for folder in (
        settings.archive_dir,
        rows_dir_for(db),
        figures_folder(db),
        companion_dir(db, "measures"),
    ):
        shutil.rmtree(folder, ignore_errors=True)


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
