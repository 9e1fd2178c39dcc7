"""Where things live: the project folder, the contracts, the database and its archive.

The CLI and the app read the same settings, so both always look at the same database. The
database path comes from an explicit argument (the CLI's --db), else the environment variable
SHARED_OUTCOMES_DB, else `var/shared_outcomes.duckdb` under the project folder.

**A database's own folders.** Everything kept beside a database file is named from the whole
file name (`companion_dir`): `partnership.duckdb` keeps `partnership.duckdb.archive/`,
`.rows/`, `.measures/` and `.figures/`, so `partnership.db` in the same folder never shares
them. They hold personal data and unsuppressed figures, so they are created readable by their
owner only (`private_dir`, mode 0700); deploy so that only the service account can open them.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

DB_ENV_VAR = "SHARED_OUTCOMES_DB"
HOME_ENV_VAR = "SHARED_OUTCOMES_HOME"
USERS_ENV_VAR = "SHARED_OUTCOMES_USERS"
DEFAULT_DB_RELATIVE = Path("var") / "shared_outcomes.duckdb"

#: Prefix of every temporary file the product writes before renaming it into place.
TEMP_PREFIX = ".tmp-"


def companion_dir(db_path: Path, kind: str) -> Path:
    """The folder of `kind` (archive, rows, measures, figures) that belongs to `db_path` alone."""
    return db_path.with_name(f"{db_path.name}.{kind}")


def private_dir(folder: Path) -> Path:
    """Create `folder` (and missing parents) readable by its owner only; return it.

    An existing folder keeps its mode: an operator may have chosen a group on purpose.
    """
    if not folder.is_dir():
        missing = [folder, *(p for p in folder.parents if not p.exists())]
        for level in reversed(missing):  # mkdir(parents=True) would give parents the umask's mode
            level.mkdir(mode=0o700, exist_ok=True)
    return folder


def sweep_temps(root: Path, *, older_than: float = 0.0, recursive: bool = True) -> int:
    """Remove temporary files (`TEMP_PREFIX*`) a crash or kill left under `root`; return how many.

    `older_than` (seconds) spares the temporaries another process may be writing right now.
    """
    removed = 0
    if not root.is_dir():
        return 0
    now = time.time()
    found_paths = root.rglob(TEMP_PREFIX + "*") if recursive else root.glob(TEMP_PREFIX + "*")
    for path in found_paths:
        try:
            found_stat = path.lstat()
            if stat.S_ISREG(found_stat.st_mode) and now - found_stat.st_mtime >= older_than:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # renamed into place meanwhile
            continue
    return removed


def find_project_root(start: Path | None = None) -> Path:
    """The folder holding `data_contracts/`: $SHARED_OUTCOMES_HOME, else the nearest above here."""
    env = os.environ.get(HOME_ENV_VAR)
    if env:
        return Path(env).resolve()
    candidates = []
    if start is not None:
        candidates.append(start.resolve())
    candidates.append(Path.cwd().resolve())
    candidates.append(Path(__file__).resolve().parent)
    for base in candidates:
        for folder in (base, *base.parents):
            if (folder / "data_contracts").is_dir():
                return folder
    return Path.cwd().resolve()


@dataclass(frozen=True)
class Settings:
    """Resolved locations for one run of the product."""

    root: Path
    db_path: Path

    @property
    def contracts_dir(self) -> Path:
        return self.root / "data_contracts"

    @property
    def reference_dir(self) -> Path:
        return self.contracts_dir / "reference"

    @property
    def outcomes_dir(self) -> Path:
        return self.contracts_dir / "outcomes"

    @property
    def partners_file(self) -> Path:
        return self.contracts_dir / "partners.yaml"

    @property
    def users_file(self) -> Path:
        """Local accounts and role mapping: $SHARED_OUTCOMES_USERS, else config/users.yaml."""
        env = os.environ.get(USERS_ENV_VAR)
        return Path(env).expanduser().resolve() if env else self.root / "config" / "users.yaml"

    @property
    def demo_users_file(self) -> Path:
        """The sample partnership's demo users (used only when no real configuration exists)."""
        return self.sample_dir / "demo_users.yaml"

    @property
    def sample_dir(self) -> Path:
        return self.root / "sample_data"

    @property
    def archive_dir(self) -> Path:
        """Raw files, content-addressed, beside the database (its own: see `companion_dir`)."""
        return companion_dir(self.db_path, "archive")


def load_settings(db: str | Path | None = None, root: str | Path | None = None) -> Settings:
    """Settings from arguments, then the environment, then defaults."""
    project_root = Path(root).resolve() if root is not None else find_project_root()
    if db is None:
        db = os.environ.get(DB_ENV_VAR) or (project_root / DEFAULT_DB_RELATIVE)
    return Settings(root=project_root, db_path=Path(db).expanduser().resolve())
