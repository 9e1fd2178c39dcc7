"""Where things live: the project folder, the contracts, the database and its archive.

The CLI and the app read the same settings, so both always look at the same database. The
database path comes from an explicit argument (the CLI's --db), else the environment variable
SHARED_OUTCOMES_DB, else `var/shared_outcomes.duckdb` under the project folder.

**A database's own folders.** Everything kept beside a database file is named from the whole
file name (`companion_dir`): `partnership.duckdb` keeps `partnership.duckdb.archive/`,
`.rows/`, `.measures/` and `.figures/`, so `partnership.db` in the same folder never shares
them. They hold personal data and unsuppressed figures, so they are created readable by their
owner only (`private_dir`, mode 0700); deploy so that only the service account can open them.

**The mail server** for reminders (`smtp_settings`) comes from the environment
(`SHARED_OUTCOMES_SMTP_HOST`, `_PORT`, `_TLS`, `_USER`, `_PASSWORD`, `_FROM`), else from the
`[smtp]` section of `.streamlit/secrets.toml` under the project folder (`host`, `port`, `tls`,
`user`, `password`, `from`), never from the repository; the app's address for the links in a
reminder is `SHARED_OUTCOMES_APP_URL`, else `app_url` in that section.

**A shared warehouse** (several app servers and ingest workers, see docs/deploy.md): set
`SHARED_OUTCOMES_CATALOG` to a PostgreSQL address (`postgresql://user@host:port/database`, the
password in it or in `PGPASSWORD`) and `SHARED_OUTCOMES_DATA` to the data folder every server
mounts at the same path. The warehouse is then a DuckLake catalog (`Catalog`) instead of a file;
the folders beside it are named from `<data folder>/warehouse` as a file's would be.
"""

from __future__ import annotations

import os
import stat
import time
import tomllib
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from shared_outcomes.errors import ConfigError, UsageError

DB_ENV_VAR = "SHARED_OUTCOMES_DB"
HOME_ENV_VAR = "SHARED_OUTCOMES_HOME"
USERS_ENV_VAR = "SHARED_OUTCOMES_USERS"
DEFAULT_DB_RELATIVE = Path("var") / "shared_outcomes.duckdb"
CATALOG_ENV_VAR = "SHARED_OUTCOMES_CATALOG"
DATA_ENV_VAR = "SHARED_OUTCOMES_DATA"

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
class Catalog:
    """A DuckLake catalog in PostgreSQL, and the data folder its files live in.

    The password is never shown (`where` leaves it out; it is not in the repr).
    """

    host: str
    port: int
    dbname: str
    user: str
    data_dir: Path
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, data_dir: str | Path | None) -> Catalog:
        """The catalog at `url` (`postgresql://user[:password]@host[:port]/database`), its
        files under `data_dir`; a `UsageError` saying what to write when either is wrong."""
        parts = urlsplit(url.strip())
        example = "postgresql://shared_outcomes@db.partnership.example:5432/shared_outcomes"
        if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
            raise UsageError(
                f"the catalog address must be a PostgreSQL address like {example} (the "
                f"password in it or in PGPASSWORD); {_without_password(url)!r} is not one.",
                title="Catalog address",
            )
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname or "/" in dbname:
            raise UsageError(
                f"the catalog address {_without_password(url)!r} names no database: end it "
                f"with the database's name, as in {example}.",
                title="Catalog address",
            )
        try:
            port = parts.port or 5432
        except ValueError:
            raise UsageError(
                f"the catalog address {_without_password(url)!r} has a port that is not a number.",
                title="Catalog address",
            ) from None
        if data_dir is None or not str(data_dir).strip():
            raise UsageError(
                f"a catalog needs its data folder too: set {DATA_ENV_VAR} (or --data) to the "
                "folder every server mounts at the same path, where the rows and raw files live.",
                title="No data folder",
            )
        password = unquote(parts.password) if parts.password else os.environ.get("PGPASSWORD")
        return cls(
            host=parts.hostname,
            port=port,
            dbname=dbname,
            user=unquote(parts.username) if parts.username else "postgres",
            data_dir=Path(data_dir).expanduser().resolve(),
            password=password or None,
        )

    @property
    def where(self) -> str:
        """The catalog's address without its password, as messages name it."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def anchor(self) -> Path:
        """The name the folders in the data folder are made from (`warehouse.rows`, ...)."""
        return self.data_dir / "warehouse"


def _without_password(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.password is None:
        return url.strip()
    return url.strip().replace(":" + parts.password + "@", ":***@", 1)


@dataclass(frozen=True)
class Settings:
    """Resolved locations for one run of the product."""

    root: Path
    db_path: Path
    #: A shared DuckLake catalog instead of the database file (`db_path` is then its anchor).
    catalog: Catalog | None = None

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


def load_settings(
    db: str | Path | None = None,
    root: str | Path | None = None,
    *,
    catalog: Catalog | None = None,
) -> Settings:
    """Settings from arguments, then the environment, then defaults.

    An explicit `db` is a database file; else `catalog`, else $SHARED_OUTCOMES_CATALOG (with
    $SHARED_OUTCOMES_DATA) is a shared catalog; else $SHARED_OUTCOMES_DB or the default file.
    """
    project_root = Path(root).resolve() if root is not None else find_project_root()
    if db is None and catalog is None and os.environ.get(CATALOG_ENV_VAR, "").strip():
        catalog = Catalog.parse(os.environ[CATALOG_ENV_VAR], os.environ.get(DATA_ENV_VAR))
    if db is None and catalog is not None:
        return Settings(root=project_root, db_path=catalog.anchor, catalog=catalog)
    if db is None:
        db = os.environ.get(DB_ENV_VAR) or (project_root / DEFAULT_DB_RELATIVE)
    return Settings(root=project_root, db_path=Path(db).expanduser().resolve())


def load_file_settings(db: str | Path | None = None) -> Settings:
    """Settings of a database file whatever $SHARED_OUTCOMES_CATALOG says: `db`, else
    $SHARED_OUTCOMES_DB, else the default file (what `migrate` moves from)."""
    project_root = find_project_root()
    return load_settings(
        db or os.environ.get(DB_ENV_VAR) or (project_root / DEFAULT_DB_RELATIVE), project_root
    )


# -- the mail server (reminders) ----------------------------------------------------------------

SMTP_ENV_PREFIX = "SHARED_OUTCOMES_SMTP_"
APP_URL_ENV_VAR = "SHARED_OUTCOMES_APP_URL"
#: Where the mail server's settings may be kept instead of the environment (never committed).
SECRETS_RELATIVE = Path(".streamlit") / "secrets.toml"
TlsMode = Literal["starttls", "ssl", "none"]
#: The usual port of each way of talking to a mail server.
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
#: Seconds to wait for the mail server (connecting, and each reply) before giving up.
SMTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server that sends the reminders (the password is never shown)."""

    host: str
    port: int
    tls: TlsMode
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = SMTP_TIMEOUT

    @property
    def where(self) -> str:
        """`host:port (tls)`, as messages name the server."""
        return f"{self.host}:{self.port} ({self.tls})"


_SMTP_KEYS = ("host", "port", "tls", "user", "password", "from")
_TLS_MODES: dict[str, TlsMode] = {"starttls": "starttls", "ssl": "ssl", "none": "none"}


def smtp_settings(settings: Settings) -> SmtpSettings:
    """The mail server's settings: each from `SHARED_OUTCOMES_SMTP_<KEY>`, else from `[smtp]` in
    `.streamlit/secrets.toml` under the project folder. A `UsageError` saying what to set when
    there is no host or sender, or a value cannot be used."""
    written = _secrets_section(settings, "smtp")
    values: dict[str, str] = {}
    for key in _SMTP_KEYS:
        env = os.environ.get(SMTP_ENV_PREFIX + key.upper())
        if env is not None and env.strip():
            values[key] = env.strip()
        elif written.get(key) not in (None, ""):
            values[key] = str(written[key]).strip()
    where = f"set {SMTP_ENV_PREFIX}HOST (or `host` under [smtp] in {SECRETS_RELATIVE})"
    host = values.get("host")
    if not host:
        raise UsageError(
            f"no mail server is configured, so no reminder can be sent: {where}, with its "
            f"{SMTP_ENV_PREFIX}PORT, _TLS (starttls, ssl or none), _USER, _PASSWORD and _FROM. "
            "`--dry-run` shows what would be sent without one.",
            title="No mail server",
        )
    tls = _TLS_MODES.get(values.get("tls", "starttls").lower())
    if tls is None:
        raise UsageError(
            f"the mail server's TLS mode is {values['tls']!r}: set {SMTP_ENV_PREFIX}TLS (or "
            "`tls` under [smtp]) to starttls, ssl or none.",
            title="Mail server settings",
        )
    port = _port(values.get("port"), DEFAULT_PORTS[tls])
    sender = values.get("from")
    if not sender or not _is_address(sender):
        raise UsageError(
            f"the reminders' sender address is {'missing' if not sender else repr(sender)}: set "
            f"{SMTP_ENV_PREFIX}FROM (or `from` under [smtp]) to an address, e.g. "
            "shared-outcomes@partnership.example or "
            "'Shared Outcomes <shared-outcomes@partnership.example>'.",
            title="Mail server settings",
        )
    user, password = values.get("user"), values.get("password")
    if password and not user:
        raise UsageError(
            f"a mail server password is set but no user: set {SMTP_ENV_PREFIX}USER (or `user` "
            "under [smtp]) too.",
            title="Mail server settings",
        )
    return SmtpSettings(host, port, tls, sender, user=user, password=password)


def app_url(settings: Settings) -> str | None:
    """The app's address for links (`$SHARED_OUTCOMES_APP_URL`, else `app_url` under [smtp]
    in `.streamlit/secrets.toml`), without a trailing slash; None when it is not set."""
    written = _secrets_section(settings, "smtp").get("app_url")
    text = (os.environ.get(APP_URL_ENV_VAR) or str(written or "")).strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise UsageError(
            f"the app's address {text!r} is not a web address: set {APP_URL_ENV_VAR} (or "
            "`app_url` under [smtp]) to one like https://outcomes.partnership.example.",
            title="App address",
        )
    return text.rstrip("/")


def _secrets_section(settings: Settings, name: str) -> dict[str, Any]:
    """A section of `.streamlit/secrets.toml` under the project folder ({} without the file)."""
    path = settings.root / SECRETS_RELATIVE
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"this is not valid TOML ({error}); fix the file.", path=path) from None
    except OSError as error:
        raise ConfigError(
            f"cannot read it ({error.strerror}): check its permissions.", path=path
        ) from None
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"`{name}` must be a section, [{name}].", path=path)
    return section


def _is_address(text: str) -> bool:
    """Whether `text` is one address a From header can carry (`a@b.example`, or with a name)."""
    if any(c in text for c in "\r\n"):
        return False
    found = getaddresses([text])
    if len(found) != 1:
        return False
    address = found[0][1]
    local, at, domain = address.rpartition("@")
    return bool(local and at and "." in domain and not any(c.isspace() for c in address))


def _port(text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise UsageError(
            f"the mail server's port is {text!r}: set {SMTP_ENV_PREFIX}PORT (or `port` under "
            "[smtp]) to a number from 1 to 65535, e.g. 587.",
            title="Mail server settings",
        )
    return port
