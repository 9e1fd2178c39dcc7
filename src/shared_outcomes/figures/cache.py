"""The figure cache: a computation's figures kept for the register state they were computed from.

Figures are a pure function of the submission versions in play (which submission is current or
replaced for each partner, dataset and month, each named by its id, file hash and load time),
the outcome definitions with their reference tables, the partnership and whether small counts
are hidden. A running app recomputes the same figures on every rerun of a page although nothing
has been submitted since; keyed by exactly those inputs, the second computation costs the one
query that reads the register. A new submission, a revision, another `as_at`, an edited
definition or reference file, or another viewer class gives another key, so a stale figure is
never served. Only sources with a `db_path` (the warehouse) are cached, as for `measures`.

**Why on disk too.** Every CLI call is a fresh process; a board pack rerun, or `--as-at` a date
already asked for, needs the same figures again. They are written beside the database
(`<db file name>.figures/<key>.parquet`, readable by its owner only, zstd, ~4 MB for 200k
figures; replaced atomically; only the newest few dozen kept), so a fresh process reads them in tens
of milliseconds. The key includes the Polars version, since row hashes are only stable within
one, and a digest of the source of the modules that compute figures, so a figure kept by an
earlier version of the code is never read.
A file that cannot be read or written is ignored: it is only a cache.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.config.partnership import Partnership
from shared_outcomes.settings import TEMP_PREFIX, companion_dir, private_dir, sweep_temps

# Kept per group of outcomes reading the same datasets (see `outcomes`), so a register state
# is several entries: memory is bounded by figures (rows) as well as by entries.
_MAX_ENTRIES = 128
_MAX_ROWS = 4_000_000
_MAX_FILES = 48  # per warehouse: the newest register states and viewer classes, per group
_TEMP_AGE = 60.0  # seconds: a temporary older than this was left by a killed process
#: The modules whose code decides what a figure is.
_CODE = (
    "figures.outcomes", "figures.figure_rules", "figures.disclosure", "figures.measures",
    "config.definitions", "figures.timeliness",
)  # fmt: skip
_LOCK = threading.Lock()
_FIGURES: OrderedDict[str, pl.DataFrame] = OrderedDict()


def figure_key(
    db_path: Path,
    versions: pl.DataFrame,
    definitions: Sequence[OutcomeDefinition],
    partnership: Partnership,
    private: bool,
) -> str:
    """A digest of everything the figures depend on (see the module docstring)."""
    digest = hashlib.sha256()
    digest.update(repr((str(db_path), pl.__version__, private, versions.height)).encode())
    digest.update(code_digest().encode())
    ordered = versions.sort(versions.columns)
    digest.update(ordered.hash_rows(seed=11).to_numpy().tobytes())
    digest.update(repr(tuple(definitions)).encode())
    for d in definitions:
        for measure in (d.numerator, d.denominator):
            if measure is not None and measure.reference_file is not None:
                digest.update(repr(_stamp(measure.reference_file)).encode())
    digest.update(repr(partnership).encode())
    return digest.hexdigest()


def figures_folder(db_path: Path) -> Path:
    """Where the figures computed over the warehouse at `db_path` are kept between processes."""
    return companion_dir(db_path, "figures")


def cached_figures(key: str, folder: Path | None = None) -> pl.DataFrame | None:
    """The figures computed for `key`, if they are still kept (in memory, else in `folder`)."""
    with _LOCK:
        found = _FIGURES.get(key)
        if found is not None:
            _FIGURES.move_to_end(key)
            return found.clone()
    if folder is None or not (folder / f"{key}.parquet").exists():
        return None
    try:
        found = pl.read_parquet(folder / f"{key}.parquet")
        os.utime(folder / f"{key}.parquet")  # in use: the newest are the ones kept
    except (OSError, pl.exceptions.PolarsError):
        return None
    _remember(key, found)
    return found.clone()


def keep_figures(key: str, figures: pl.DataFrame, folder: Path | None = None) -> None:
    """Keep `figures` for `key` in memory and, when given, in `folder` (newest files only)."""
    _remember(key, figures)
    if folder is None:
        return
    file = folder / f"{key}.parquet"
    temp = folder / f"{TEMP_PREFIX}{key}.{os.getpid()}.{threading.get_ident()}"
    try:
        # Unsuppressed figures: the folder and its files are readable by their owner only.
        private_dir(folder)
        sweep_temps(folder, older_than=_TEMP_AGE, recursive=False)
        figures.write_parquet(temp, compression="zstd", statistics=False)
        temp.chmod(0o600)
        os.replace(temp, file)
        kept = sorted(folder.glob("*.parquet"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
        for old in kept[_MAX_FILES:]:
            old.unlink(missing_ok=True)
    except (OSError, pl.exceptions.PolarsError):  # only a cache: a full disk costs speed
        temp.unlink(missing_ok=True)


def _remember(key: str, figures: pl.DataFrame) -> None:
    with _LOCK:
        _FIGURES[key] = figures.clone()
        _FIGURES.move_to_end(key)
        rows = sum(frame.height for frame in _FIGURES.values())
        while len(_FIGURES) > 1 and (len(_FIGURES) > _MAX_ENTRIES or rows > _MAX_ROWS):
            rows -= _FIGURES.popitem(last=False)[1].height


def clear_figures() -> None:
    """Forget the figures kept in memory (tests and benchmarks: a fresh process)."""
    with _LOCK:
        _FIGURES.clear()


@functools.cache
def code_digest() -> str:
    """A digest of the source of the modules that compute figures (read once per process)."""
    digest = hashlib.sha256()
    for name in _CODE:
        spec = importlib.util.find_spec(f"shared_outcomes.{name}")
        if spec is not None and spec.origin is not None:
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_mtime_ns, stat.st_size)
