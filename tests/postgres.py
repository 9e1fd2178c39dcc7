"""A real PostgreSQL server for the tests of the DuckLake backend, and a fresh database per test.

`.ci/run` starts one (Debian's `postgresql`, on a free local port, in a temporary folder) and
names it in `SHARED_OUTCOMES_TEST_POSTGRES` (`postgresql://user@host:port/postgres`); without
that, the tests start their own from the installed server programs the same way, and stop it
at the end. A machine without PostgreSQL fails the tests that need it, saying what to install.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from smtp_server import free_port

from shared_outcomes.settings import Catalog

ENV_VAR = "SHARED_OUTCOMES_TEST_POSTGRES"
#: The warehouse's backends: the embedded DuckDB file and a DuckLake catalog in PostgreSQL.
BACKENDS = ("file", "lake")
_names = itertools.count(1)


def server_programs() -> Path:
    """The folder of Debian's PostgreSQL programs (initdb, pg_ctl), the newest installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        raise RuntimeError(
            "the DuckLake tests need a real PostgreSQL server: install Debian's `postgresql` "
            "(apt-get install postgresql; .ci/run does), or name a running one in "
            f"{ENV_VAR}=postgresql://user@host:port/postgres."
        )
    return found[-1].parent


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as `postgres` then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Server:
    host: str
    port: int
    user: str
    password: str | None = None
    folder: Path | None = None  # set when this process started it (and stops it)

    @classmethod
    def start(cls) -> Server:
        """Start a throwaway server in a temporary folder, on a free port of 127.0.0.1."""
        programs = server_programs()
        folder = Path(tempfile.mkdtemp(prefix="so-postgres-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        data, port = folder / "data", free_port()
        subprocess.run(
            _as_server_user([str(programs / "initdb"), "-D", str(data), "--auth=trust",
                             "-U", "postgres", "-E", "UTF8"]),
            check=True, capture_output=True,
        )  # fmt: skip
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=400 "
            "-c fsync=off"
        )
        server = cls("127.0.0.1", port, "postgres", folder=folder)
        server._pg_ctl("-o", options, "start")
        return server

    def _pg_ctl(self, *arguments: str) -> None:
        assert self.folder is not None, "only a server these tests started is controlled here"
        subprocess.run(
            _as_server_user([str(server_programs() / "pg_ctl"), "-D", str(self.folder / "data"),
                             "-l", str(self.folder / "log"), "-w", *arguments]),
            check=True, capture_output=True,
        )  # fmt: skip

    def go_down(self) -> None:
        """Stop the server as a crash would (`immediate`: no clean shutdown), keeping its data."""
        self._pg_ctl("-m", "immediate", "stop")

    def come_back(self) -> None:
        """Start the server again after `go_down`, on the same port with the same data."""
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c max_connections=400 -c fsync=off"
        )
        self._pg_ctl("-o", options, "start")

    def add_password_user(self, name: str, password: str) -> str:
        """A user that must sign in with `password` (SCRAM), owning a new database; its name.

        The server's other users keep trust authentication; this one's line comes first in
        pg_hba.conf, so a wrong password is refused as on a real deployment.
        """
        dbname = self.create_database()
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute("SET password_encryption = 'scram-sha-256'")
            admin.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
            admin.execute(f'ALTER DATABASE "{dbname}" OWNER TO "{name}"')
        if self.folder is not None:
            hba = self.folder / "data" / "pg_hba.conf"
            rule = f"host all {name} 127.0.0.1/32 scram-sha-256\n"
            hba.write_text(rule + hba.read_text())
            self._pg_ctl("reload")
            time.sleep(0.5)  # the postmaster rereads the file on the signal
        return dbname

    @classmethod
    def from_env(cls) -> Server | None:
        url = os.environ.get(ENV_VAR, "").strip()
        if not url:
            return None
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 5432,
                   parts.username or "postgres", parts.password)  # fmt: skip

    def stop(self) -> None:
        if self.folder is None:
            return
        subprocess.run(
            _as_server_user([str(server_programs() / "pg_ctl"), "-D", str(self.folder / "data"),
                             "-m", "immediate", "stop"]),
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, dbname: str) -> str:
        secret = f":{self.password}" if self.password else ""
        return f"postgresql://{self.user}{secret}@{self.host}:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A new empty database; its name."""
        name = f"so_test_{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return name

    def catalog(self, data_dir: Path) -> Catalog:
        """A fresh, empty catalog with its data folder at `data_dir`."""
        return Catalog.parse(self.url(self.create_database()), data_dir)
