"""The figure cache: a computation's figures kept for the register state they were computed from.

Figures are a pure function of the submission versions in play (which submission is current or
replaced for each partner, dataset and month, each named by its id, file hash and load time),
the outcome definitions with their reference tables, the partnership and whether small counts
are hidden. A running app recomputes the same figures on every rerun of a page although nothing
has been submitted since; keyed by exactly those inputs, the second computation costs the one
query that reads the register. A new submission, a revision, another `as_at`, an edited
definition or reference file, or another viewer class gives another key, so a stale figure is
never served. Only sources with a `db_path` (the warehouse) are cached, as for `measures`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from shared_outcomes.definitions import OutcomeDefinition, PartnershipLike

_MAX_ENTRIES = 16
_LOCK = threading.Lock()
_FIGURES: OrderedDict[str, pl.DataFrame] = OrderedDict()


def figure_key(
    db_path: Path,
    versions: pl.DataFrame,
    definitions: Sequence[OutcomeDefinition],
    partnership: PartnershipLike,
    private: bool,
) -> str:
    """A digest of everything the figures depend on (see the module docstring)."""
    digest = hashlib.sha256()
    digest.update(repr((str(db_path), private, versions.height)).encode())
    ordered = versions.sort(versions.columns)
    digest.update(ordered.hash_rows(seed=11).to_numpy().tobytes())
    digest.update(repr(tuple(definitions)).encode())
    for d in definitions:
        for measure in (d.numerator, d.denominator):
            if measure is not None and measure.reference_file is not None:
                digest.update(repr(_stamp(measure.reference_file)).encode())
    digest.update(repr(partnership).encode())
    return digest.hexdigest()


def cached_figures(key: str) -> pl.DataFrame | None:
    """The figures computed for `key`, if they are still kept."""
    with _LOCK:
        found = _FIGURES.get(key)
        if found is not None:
            _FIGURES.move_to_end(key)
        return None if found is None else found.clone()


def keep_figures(key: str, figures: pl.DataFrame) -> None:
    """Keep `figures` for `key` (the least recently used entries make room)."""
    with _LOCK:
        _FIGURES[key] = figures.clone()
        _FIGURES.move_to_end(key)
        while len(_FIGURES) > _MAX_ENTRIES:
            _FIGURES.popitem(last=False)


def clear_figures() -> None:
    """Forget every kept figure (tests and benchmarks: a fresh process)."""
    with _LOCK:
        _FIGURES.clear()


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_mtime_ns, stat.st_size)
