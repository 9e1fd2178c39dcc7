"""docs/deploy.md, run: every command in its `sh` blocks, in order, on this machine.

A real PostgreSQL server (a user that signs in with a password, its database), the sample
partnership's database file moved into the catalog, two app servers and two ingest workers
started exactly as their systemd units start them, a real nginx with `deploy/nginx.conf` in
front, a backup taken while they run, and a restore into an emptied catalog and data folder
that gives the same figures. Only the machine's names change: the test's server address and
ports, its folders, and a user and database name of its own.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import wait_for_app
from playwright.sync_api import Browser
from postgres import Server
from smtp_server import free_port
from support import copy_database

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUIDE = ROOT / "docs" / "deploy.md"
BIN = ROOT / ".venv" / "bin"


def guide_commands() -> list[str]:
    """Every line of the guide's `sh` blocks (the environment's lines included)."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def unit_command(unit: str, instance: str) -> list[str]:
    """The ExecStart of a systemd unit in deploy/ for `instance`, as systemd would run it (at
    the unit's `Nice=`, if it sets one)."""
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    [line] = [x for x in text.splitlines() if x.startswith("ExecStart=")]
    nice = [x.removeprefix("Nice=") for x in text.splitlines() if x.startswith("Nice=")]
    command = shlex.split(line.removeprefix("ExecStart=").replace("%i", instance))
    return ["nice", "-n", nice[0], *command] if nice else command


class Machine:
    """The test's stand-in for the servers of the guide: names mapped, processes kept."""

    def __init__(self, server: Server, folder: Path, e2e: Any) -> None:
        self.server, self.folder = server, folder
        self.wait_until_healthy = e2e._wait_until_healthy  # the browser tests' own wait
        self.user = f"so_deploy_{os.getpid()}"
        self.dbname = f"so_deploy_db_{os.getpid()}"
        self.password = "deploy-pw-7"
        self.data, self.drop = folder / "srv" / "data", folder / "srv" / "drop"
        self.backups = folder / "backups"
        self.app_ports = {"8501": str(free_port()), "8502": str(free_port())}
        self.proxy_port = str(free_port())
        self.units: dict[str, subprocess.Popen[bytes]] = {}
        self.nginx_conf = folder / "nginx" / "nginx.conf"
        self.env = {
            **os.environ,
            "PATH": f"{BIN}:{os.environ['PATH']}",
            "PGHOST": server.host, "PGPORT": str(server.port), "PGUSER": server.user,
        }  # fmt: skip

    def names(self, text: str) -> str:
        """The guide's names as this machine's."""
        text = re.sub(
            r"/var/backups/shared-outcomes/(\$\(date \+%F\)|\S+)", str(self.backups), text
        )
        for theirs, mine in (
            ("db.partnership.example:5432", f"{self.server.host}:{self.server.port}"),
            ("/opt/shared-outcomes", str(ROOT)),
            ("/srv/shared-outcomes-drop", str(self.drop)),
            ("/srv/shared-outcomes", str(self.data)),
            ("/etc/shared-outcomes/users.yaml", str(self.folder / "no-users.yaml")),
            ("change-me", self.password),
            ("--pwprompt shared_outcomes", f"--pwprompt {self.user}"),
            ("--owner=shared_outcomes shared_outcomes", f"--owner={self.user} {self.dbname}"),
            ("postgresql://shared_outcomes@", f"postgresql://{self.user}@"),
            ("/shared_outcomes\n", f"/{self.dbname}\n"),
        ):
            text = text.replace(theirs, mine)
        return text

    def service_env(self) -> dict[str, str]:
        """deploy/shared-outcomes.env as systemd's EnvironmentFile gives it."""
        env = dict(self.env)
        for line in self.names((DEPLOY / "shared-outcomes.env").read_text()).splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition("=")
                env[key] = value
        return env

    def shell(self, command: str, **options: object) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["bash", "-c", self.names(command + "\n").strip()], env=self.service_env(),
            cwd=self.folder, capture_output=True, text=True, timeout=600, **options,  # type: ignore[call-overload]
        )  # fmt: skip
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stdout + done.stderr
        return done

    def start_unit(self, name: str) -> None:
        unit, _, instance = name.partition("@")
        port = self.app_ports.get(instance, instance)
        command = [self.names(part) for part in unit_command(unit + "@.service", port)]
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            self.units[name] = subprocess.Popen(
                command, cwd=ROOT, env=self.service_env(), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        if unit == "shared-outcomes-app":
            self.wait_until_healthy(f"http://127.0.0.1:{port}", self.units[name], log)

    def stop_units(self) -> None:
        for process in self.units.values():
            process.send_signal(signal.SIGINT)  # the units' KillSignal for workers; Ctrl-C
        for process in self.units.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.units.clear()

    def nginx(self, *arguments: str) -> None:
        site = self.names((DEPLOY / "nginx.conf").read_text())
        for theirs, mine in (("8501", self.app_ports["8501"]), ("8502", self.app_ports["8502"])):
            site = site.replace(f"127.0.0.1:{theirs};", f"127.0.0.1:{mine};")
        site = site.replace("listen 8080;", f"listen 127.0.0.1:{self.proxy_port};")
        here = self.nginx_conf.parent
        here.mkdir(exist_ok=True)
        (here / "shared-outcomes.conf").write_text(site)
        self.nginx_conf.write_text(
            f"daemon on; user root; pid {here}/nginx.pid; error_log {here}/error.log;\n"
            "events {}\n"
            f"http {{ access_log off; client_body_temp_path {here}/body; "
            f"proxy_temp_path {here}/proxy; include {here}/shared-outcomes.conf; }}\n"
        )
        done = subprocess.run(
            ["nginx", "-c", str(self.nginx_conf), *arguments], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr

    def require_password(self) -> None:
        """The catalog's user signs in with its password, as on a real server."""
        if self.server.folder is not None:
            hba = self.server.folder / "data" / "pg_hba.conf"
            hba.write_text(f"host all {self.user} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
            self.server._pg_ctl("reload")
            time.sleep(0.5)


@pytest.fixture
def machine(
    postgres_server: Server, tmp_path: Path, demo_db: Path, request: pytest.FixtureRequest
) -> Iterator[Machine]:
    if shutil.which("nginx") is None:
        pytest.fail(
            "the deployment test needs Debian's nginx (apt-get install nginx; .ci/run does)"
        )
    e2e = request.config.pluginmanager.get_plugin(str(Path(__file__).with_name("conftest.py")))
    here = Machine(postgres_server, tmp_path, e2e)
    (tmp_path / "var").mkdir()
    db = copy_database(demo_db, tmp_path / "var")
    db.rename(tmp_path / "var" / "shared_outcomes.duckdb")
    for kind in ("archive", "rows"):
        (tmp_path / "var" / f"{demo_db.name}.{kind}").rename(
            tmp_path / "var" / f"shared_outcomes.duckdb.{kind}"
        )
    here.drop.mkdir(parents=True)
    try:
        yield here
    finally:
        here.stop_units()
        if here.nginx_conf.is_file():
            subprocess.run(["nginx", "-c", str(here.nginx_conf), "-s", "stop"], check=False)


def test_every_command_of_the_deployment_guide_works(machine: Machine, browser: Browser) -> None:
    commands = guide_commands()
    env_lines = [c for c in commands if re.match(r"[A-Z_]+=", c)]
    shipped = [
        line
        for line in (DEPLOY / "shared-outcomes.env").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert env_lines == shipped  # the guide shows the file that is shipped
    before: str | None = None
    for command in commands:
        if command in env_lines:
            continue
        if command.startswith("createuser --pwprompt"):
            machine.shell(command, input=f"{machine.password}\n{machine.password}\n")
            machine.require_password()
        elif command.startswith(("createdb", "shared-outcomes migrate")):
            machine.shell(command)
        elif command.startswith("systemctl enable --now"):
            for unit in command.split()[3:]:
                machine.start_unit(unit)
            if "ingest" in command:
                _a_partner_drops_a_file(machine)
        elif command == "nginx -t":
            machine.nginx("-t")
        elif command == "systemctl reload nginx":
            machine.nginx()  # started here: the test machine has no nginx running before
            _browse_through_the_proxy(machine, browser)
        elif command.startswith("deploy/backup.sh"):
            before = machine.shell("shared-outcomes outcomes --format json").stdout
            machine.shell(f"{ROOT}/{command}")
            _wreck(machine)
        elif command.startswith("deploy/restore.sh"):
            machine.shell(f"{ROOT}/{command}")
        else:
            raise AssertionError(f"the deployment test does not run this command: {command}")
    after = machine.shell("shared-outcomes outcomes --format json").stdout
    assert before is not None and json.loads(after) == json.loads(before)
    assert len(json.loads(after)) > 1000


def _a_partner_drops_a_file(machine: Machine) -> None:
    """The first version of the sample's restated month sent again while both workers watch:
    loaded once as a third version, filed in processed/."""
    restated = next((ROOT / "sample_data" / "resubmissions").glob("*/*.csv"))
    source = ROOT / "sample_data" / "extracts" / restated.parent.name / restated.name
    folder = machine.drop / source.parent.name
    folder.mkdir(exist_ok=True)
    shutil.copyfile(source, folder / (source.name + ".part"))
    os.replace(folder / (source.name + ".part"), folder / source.name)
    deadline = time.monotonic() + 120
    while not (machine.drop / "processed" / source.parent.name / source.name).is_file():
        assert time.monotonic() < deadline, "no worker took the file"
        time.sleep(0.3)
    history = machine.shell(
        f"shared-outcomes history --partner {source.parent.name} --dataset "
        f"{source.stem.rsplit('_', 1)[0]} --json"
    )
    versions = [v for v in json.loads(history.stdout) if v["period"] == source.stem[-7:]]
    assert sorted(v["status"] for v in versions) == ["accepted", "superseded", "superseded"]


def _browse_through_the_proxy(machine: Machine, browser: Browser) -> None:
    """The common picture through nginx: the page and its websocket, twice."""
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        try:
            tab = context.new_page()
            tab.set_default_timeout(60_000)
            tab.goto(f"http://127.0.0.1:{machine.proxy_port}/")
            wait_for_app(tab)
            tab.get_by_text("Latest month:").wait_for()  # the figures, over the websocket
            assert tab.locator("[data-testid='stException']").count() == 0
        finally:
            context.close()


def _wreck(machine: Machine) -> None:
    """Lose everything the backup holds: the servers stopped, the catalog and data gone, an
    empty catalog database made again (the guide's createdb) and an empty folder left."""
    machine.stop_units()
    machine.shell(f"dropdb {machine.dbname}")
    shutil.rmtree(machine.data)
    machine.shell("createdb --owner=shared_outcomes shared_outcomes")
