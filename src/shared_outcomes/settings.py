"""Where things live: the project folder, the contracts, the database and its archive.

The CLI and the app read the same settings, so both always look at the same database. The
database path comes from an explicit argument (the CLI's --db), else the environment variable
SHARED_OUTCOMES_DB, else `var/shared_outcomes.duckdb` under the project folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DB_ENV_VAR = "SHARED_OUTCOMES_DB"
HOME_ENV_VAR = "SHARED_OUTCOMES_HOME"
USERS_ENV_VAR = "SHARED_OUTCOMES_USERS"
DEFAULT_DB_RELATIVE = Path("var") / "shared_outcomes.duckdb"


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
        """Raw files, content-addressed, beside the database."""
        return self.db_path.parent / (self.db_path.stem + "_archive")


def load_settings(db: str | Path | None = None, root: str | Path | None = None) -> Settings:
    """Settings from arguments, then the environment, then defaults."""
    project_root = Path(root).resolve() if root is not None else find_project_root()
    if db is None:
        db = os.environ.get(DB_ENV_VAR) or (project_root / DEFAULT_DB_RELATIVE)
    return Settings(root=project_root, db_path=Path(db).expanduser().resolve())
