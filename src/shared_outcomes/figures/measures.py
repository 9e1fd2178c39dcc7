"""Measures: each definition's numerator or denominator per submission and area, and their cache.

A measure is read as one `SUM(...) FILTER (WHERE ...)` over `agg_<dataset>` (one scan per
dataset serves every measure on it), grouped by submission and area; the SQL is the
warehouse's (`measure_queries`), this module decides what to read and keeps what was read.

**Why a per-submission cache.** A submission never changes once loaded (a correction is a new
submission with a new id), so its measure values are computed once per process and kept, keyed
by the submission's id, file hash and load time (a rebuilt database with reused ids cannot hit a
stale entry). A computation then reads only submissions it has not seen, so its cost follows the
number of figures, not the number of rows stored. Only sources with a `db_path` (the
warehouse) are cached across computations.

**Why the cache is also kept on disk.** Every CLI call is a fresh process, and reading every
submission's aggregates again costs time in proportion to the rows stored (0.5 s at 10M rows).
The values are tiny (one per submission, area and measure), so each measure's are also written
beside the database (`<db file name>.measures/<measure key>.parquet`, replaced atomically): a fresh
process reads them in milliseconds and scans the aggregates of new submissions only. The file
is only a cache: entries carry the submission's token (id, file hash, load time), so a rebuilt
database cannot hit stale values, and the file's name carries a digest of this module's code
(values kept by an earlier version are not read); a file that cannot be read or written is
ignored.

**Erased submissions.** Nothing derived from erased data may stay: the erasing process discards
every kept file (`discard_kept`), and every computation drops, in memory and on disk, the
values of submissions erased since it read them (by any process: `MeasureQueries.erased_ids`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from shared_outcomes.config.definitions import Measure
from shared_outcomes.figures.cache import clear_figures, figures_folder
from shared_outcomes.settings import TEMP_PREFIX, companion_dir, private_dir, sweep_temps
from shared_outcomes.warehouse.measure_queries import MeasureQueries

_MAX_DATABASES = 4
_TEMP_AGE = 60.0  # seconds: a temporary older than this was left by a killed process
ROWS: dict[str, pl.DataType | type[pl.DataType]] = {
    "partner_id": pl.String,
    "period": pl.String,
    "version": pl.Int64,
    "area_code": pl.String,
    "value": pl.Float64,
}


_IDS: dict[str, pl.DataType | type[pl.DataType]] = {"submission_id": pl.Int64, "token": pl.String}
_CACHED: dict[str, pl.DataType | type[pl.DataType]] = {
    "submission_id": pl.Int64,
    "area_code": pl.String,
    "value": pl.Float64,
}


@dataclass
class _Cached:
    """One measure's values for the submissions read so far (`ids`: which, by token)."""

    ids: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_IDS))
    parts: list[pl.DataFrame] = field(default_factory=list)
    seen: tuple[int, int] | None = None  # the last `needed` fully cached (height, row hashes)
    file: Path | None = None  # where the values are kept on disk (None: memory only)

    @classmethod
    def opened(cls, file: Path | None) -> _Cached:
        """The values kept in `file` (none if it is missing or unreadable: it is a cache)."""
        cached = cls(file=file)
        if file is None or not file.exists():
            return cached
        try:
            kept = pl.read_parquet(file)
            cached.ids = kept.filter(pl.col("marker")).select(list(_IDS)).cast(_IDS)  # type: ignore[arg-type]
            rows = kept.filter(~pl.col("marker")).select(list(_CACHED)).cast(_CACHED)  # type: ignore[arg-type]
        except (OSError, pl.exceptions.PolarsError):
            return cls(file=file)
        cached.parts = [rows]
        return cached

    def save(self) -> None:
        """Replace the file with every value cached (atomically; failures only cost speed)."""
        if self.file is None:
            return
        marks = self.ids.with_columns(
            area_code=pl.lit(None, pl.String), value=pl.lit(None, pl.Float64), marker=pl.lit(True)
        )
        rows = self.rows().with_columns(token=pl.lit(None, pl.String), marker=pl.lit(False))
        frame = pl.concat([marks, rows], how="diagonal_relaxed")
        name = f"{TEMP_PREFIX}{self.file.name}.{os.getpid()}.{threading.get_ident()}"
        temp = self.file.with_name(name)
        try:
            private_dir(self.file.parent)
            sweep_temps(self.file.parent, older_than=_TEMP_AGE, recursive=False)
            frame.write_parquet(temp, compression="lz4", statistics=False)
            temp.chmod(0o600)
            os.replace(temp, self.file)
        except (OSError, pl.exceptions.PolarsError):  # only a cache: a full disk costs speed
            temp.unlink(missing_ok=True)

    def rows(self) -> pl.DataFrame:
        if len(self.parts) > 1:
            self.parts = [pl.concat(self.parts, how="vertical")]
        return self.parts[0] if self.parts else pl.DataFrame(schema=_CACHED)

    def missing(self, needed: pl.DataFrame, fingerprint: tuple[int, int]) -> pl.DataFrame:
        """The submissions of `needed` not cached, or cached under another token (dropped)."""
        if fingerprint == self.seen:  # the same versions as last time: nothing new
            return needed.clear()
        todo = needed.join(self.ids, on=["submission_id", "token"], how="anti")
        stale = self.ids.join(todo, on="submission_id", how="semi")
        if stale.height:  # the same id now names another file: a rebuilt database
            gone = stale.get_column("submission_id")
            self.ids = self.ids.filter(~pl.col("submission_id").is_in(gone.implode()))
            self.parts = [self.rows().filter(~pl.col("submission_id").is_in(gone.implode()))]
        return todo

    def forget(self, erased: pl.Series) -> bool:
        """Drop the values of erased submissions (called under the lock); whether any were
        kept. Another process may have erased them since this one read them."""
        if erased.len() == 0 or self.ids.height == 0:
            return False
        gone = pl.col("submission_id").is_in(erased.implode())
        if not self.ids.select(gone.any()).item():
            return False
        self.ids = self.ids.filter(~gone)
        self.parts = [self.rows().filter(~gone)]
        self.seen = None
        return True

    def add(self, ids: pl.DataFrame, rows: pl.DataFrame) -> None:
        """Keep these submissions' values (called under the lock; another thread may have
        added some of them meanwhile, and they must not count twice)."""
        fresh = ids.select(list(_IDS)).join(self.ids, on="submission_id", how="anti")
        if fresh.height == 0:
            return
        self.ids = pl.concat([self.ids, fresh], how="vertical")
        kept = rows.join(fresh.select("submission_id"), on="submission_id", how="semi")
        self.parts.append(kept.select(list(_CACHED)))


_LOCK = threading.Lock()
_DATABASES: dict[object, dict[Measure, _Cached]] = {}


def _store_for(key: object | None) -> dict[Measure, _Cached]:
    if key is None:
        return {}
    with _LOCK:
        if key not in _DATABASES:
            while len(_DATABASES) >= _MAX_DATABASES:
                _DATABASES.pop(next(iter(_DATABASES)))
            _DATABASES[key] = {}
        return _DATABASES[key]


def clear_cache() -> None:
    """Forget every cached measure and figure, as a fresh process starts (tests, benchmarks).

    The values kept on disk stay: a fresh process reads them too.
    """
    with _LOCK:
        _DATABASES.clear()
    clear_figures()


def discard_kept(db_path: Path) -> None:
    """Forget every measure and figure kept for the warehouse at `db_path`, in memory and on
    disk: after an erasure, nothing derived from the erased data may stay behind (the next
    computation reads what is left). Other processes' memory holds values keyed by the erased
    submission's token, which no computation asks for again."""
    with _LOCK:
        _DATABASES.pop(db_path, None)
    clear_figures()
    for folder in (companion_dir(db_path, "measures"), figures_folder(db_path)):
        if folder.is_dir():
            for kept in folder.glob("*.parquet"):
                kept.unlink(missing_ok=True)


#: This module's source: values kept by an earlier version of the code are never read.
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def measure_file(db_path: Path, measure: Measure) -> Path:
    """Where a measure's values for the warehouse at `db_path` are kept between processes."""
    what = repr((measure.name, measure.agg_column, measure.area_column, measure.filters))
    key = hashlib.sha256(what.encode() + _CODE.encode()).hexdigest()[:20]
    return companion_dir(db_path, "measures") / f"{measure.name}-{key}.parquet"


class MeasureReader:
    """Reads measures for one computation: the versions in play, and values per version."""

    def __init__(
        self, queries: MeasureQueries, versions: pl.DataFrame, db_key: Path | None
    ) -> None:
        self.queries = queries
        self.versions = versions
        self.cache = _store_for(db_key)
        self.db_key = db_key
        self._done: dict[Measure, pl.DataFrame] = {}
        self._fetched: set[Measure] = set()  # prefetched in this computation

    @functools.cached_property
    def tables(self) -> set[str]:
        """The tables and views of the database (read when values are first read: a
        computation whose figures are kept reads none)."""
        return self.queries.tables()

    @functools.cached_property
    def erased(self) -> pl.Series:
        """Submissions erased (by any process): their values are never kept."""
        return pl.Series("submission_id", self.queries.erased_ids(), dtype=pl.Int64)

    def prefetch(self, measures: Sequence[Measure]) -> None:
        """Read, one scan per dataset, whatever the cache lacks for these measures."""
        by_dataset: dict[str, list[Measure]] = {}
        for m in dict.fromkeys(measures):
            if m.source == "dataset" and "agg_" + m.name in self.tables:
                by_dataset.setdefault(m.name, []).append(m)
        for dataset, group in by_dataset.items():
            needed = self.versions.filter(pl.col("dataset") == dataset).select(list(_IDS))
            fingerprint = (needed.height, int(needed.hash_rows(seed=7).sum()))
            with _LOCK:
                cached = [self._cached(m) for m in group]
                for cache in cached:
                    if cache.forget(self.erased):
                        cache.save()
                wanted = [c.missing(needed, fingerprint) for c in cached]
            todo = pl.concat(wanted, how="vertical").unique()
            self._fetched.update(group)
            if todo.height == 0:
                for cache in cached:
                    cache.seen = fingerprint
                continue
            ids = todo.get_column("submission_id").to_list()
            read = self.queries.sums(dataset, group[0].area_column, group, ids)
            with _LOCK:
                for i, (cache, fresh) in enumerate(zip(cached, wanted, strict=True)):
                    values = read.select("submission_id", "area_code", value=pl.col(f"m{i}"))
                    new = values.filter(
                        pl.col("value").is_not_null()
                        & pl.col("submission_id").is_in(fresh.get_column("submission_id").implode())
                    )
                    cache.add(fresh, new)
                    cache.seen = fingerprint  # only once the values are in
                    cache.save()

    def _cached(self, measure: Measure) -> _Cached:
        """The measure's cache (called under the lock), read from disk on first use."""
        if measure not in self.cache:
            file = None if self.db_key is None else measure_file(Path(self.db_key), measure)
            self.cache[measure] = _Cached.opened(file)
        return self.cache[measure]

    def rows(self, measure: Measure) -> pl.DataFrame:
        """Per partner, month, version and area: the measure's value."""
        if measure not in self._done:
            if measure.source == "reference":
                rows = _reference_rows(measure)
            else:
                if measure not in self._fetched:
                    self.prefetch([measure])
                with _LOCK:
                    cached = self.cache.get(measure, _Cached()).rows()
                rows = cached.join(
                    self.versions.filter(pl.col("dataset") == measure.name), on="submission_id"
                )
            self._done[measure] = rows.select(list(ROWS)).cast(ROWS)  # type: ignore[arg-type]
        return self._done[measure]


def _reference_rows(measure: Measure) -> pl.DataFrame:
    assert measure.reference_file is not None and measure.column is not None
    frame = pl.read_csv(measure.reference_file, infer_schema=False)
    return frame.select(
        partner_id=pl.lit(None, pl.String),
        period=pl.lit(None, pl.String),
        version=pl.lit(1, pl.Int64),
        area_code=pl.col(measure.area_column),
        value=pl.col(measure.column).str.strip_chars().cast(pl.Float64, strict=False),
    )
