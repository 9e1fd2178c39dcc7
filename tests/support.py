"""Helpers the app tests and the browser tests share, with no browser in them.

The sample partnership's good and bad extracts, the sample database, a partner's text that looks
like Markdown, what escaped Markdown shows, and a command run in-process. `tests/conftest.py`
puts this folder on `sys.path`, so every test module imports it as `support`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typer.testing import Result

    from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Extracts:
    """A partner's latest sample extract, made into a corrected (good) and a broken (bad) file."""

    partner: str
    partner_name: str
    dataset: str
    period: str
    good: bytes
    bad: bytes


def make_extracts(
    partner: str = "bolton_council",
    partner_name: str = "Bolton Council",
    dataset: str = "homelessness_cases",
) -> Extracts:
    """Build both files from the sample partnership (so they follow its contract as it is).

    The good file keeps the first half of the records of the partner's latest month, so loading
    it as a resubmission changes that month's figures; the bad file also breaks an area code
    and an age, which the report must name by row and column.
    """
    latest = sorted((ROOT / "sample_data" / "extracts" / partner).glob(f"{dataset}_*.csv"))[-1]
    period = latest.stem.rsplit("_", 1)[1]
    lines = latest.read_text(encoding="utf-8-sig").splitlines()
    header, records = lines[0], lines[1:]
    kept = records[: max(2, len(records) // 2)]
    good = "\n".join([header, *kept]) + "\n"
    columns = header.split(",")
    broken = [line.split(",") for line in kept]
    broken[1][columns.index("area_code")] = "E0800000X"
    broken[2][columns.index("applicant_age")] = "forty"
    bad = "\n".join([header, *(",".join(cells) for cells in broken)]) + "\n"
    return Extracts(partner, partner_name, dataset, period, good.encode(), bad.encode())


def copy_database(db: Path, folder: Path) -> Path:
    """A private copy of a database in `folder`, with the folders the warehouse keeps beside it
    (the raw-file archive and the row files)."""
    import shutil

    from shared_outcomes.settings import companion_dir

    copy = folder / db.name
    shutil.copy2(db, copy)
    for kind in ("archive", "rows"):
        extra = companion_dir(db, kind)
        if extra.is_dir():
            shutil.copytree(extra, folder / extra.name)
    return copy


def demo_cli_env(demo_db: Path, folder: Path) -> dict[str, str]:
    """The environment of a command run in demo mode (no users file) over a private copy of
    the sample database in `folder`, on a wide terminal."""
    return {
        "SHARED_OUTCOMES_HOME": str(ROOT),
        "SHARED_OUTCOMES_DB": str(copy_database(demo_db, folder)),
        "SHARED_OUTCOMES_USERS": str(folder / "no-users.yaml"),  # none: demo mode
        "COLUMNS": "200",
    }


def build_sample(db: Path) -> None:
    """A new database holding the whole sample partnership (as `shared-outcomes demo` builds it)."""
    from shared_outcomes.jobs.demo import build_demo
    from shared_outcomes.settings import load_settings

    build_demo(load_settings(db=db, root=ROOT))


# --- a partner's text that looks like Markdown ------------------------------------------------

#: A rejected Bolton submission as an attacker would send it: its file name, a header cell and a
#: cell are Markdown (links, bold, a tracking image) that must be shown as written, never rendered.
HOSTILE_FILE_NAME = "[Open the corrected file](https://evil.invalid) **urgent**.csv"
HOSTILE_HEADER = (
    "[Verify your account](https://evil.invalid/login) ![p](https://evil.invalid/pixel.png)"
)
HOSTILE_CELL = "**bold** [here](https://evil.invalid/cell)"


def make_hostile_extract(header: str = HOSTILE_HEADER, cell: str = HOSTILE_CELL) -> Extracts:
    """Bolton's extract with one more column headed `header` (an unexpected column) and `cell`
    as the first row's duty type (not an allowed value), so the report quotes both."""
    files = make_extracts()
    lines = files.good.decode().splitlines()
    columns = lines[0].split(",")
    first = lines[1].split(",")
    first[columns.index("duty_type")] = cell
    rows = [",".join([*columns, header]), ",".join([*first, "x"])]
    rows += [line + ",x" for line in lines[2:]]
    bad = ("\n".join(rows) + "\n").encode()
    return Extracts(files.partner, files.partner_name, files.dataset, files.period, files.good, bad)


def shown(markdown: str) -> str:
    """What a Markdown source renders as when it only holds escaped text: the backslashes before
    punctuation and the invisible word joiners that break autolinks go."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


# --- the command line ---------------------------------------------------------------------------


def run_cli(env: dict[str, str], *args: str) -> Result:
    """`shared-outcomes ARGS` in-process with `env`; never a traceback, whatever it exits."""
    from typer.testing import CliRunner

    from shared_outcomes.cli import app

    result = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in result.output + result.stderr
    return result


def flat(text: str) -> str:
    """`text` with every run of whitespace one space (a terminal wraps long lines)."""
    return " ".join(text.split())


def workspace_of(env: dict[str, str]) -> Workspace:
    """The workspace over the database a command run with `env` uses."""
    from shared_outcomes.settings import load_settings
    from shared_outcomes.workspace import Workspace

    return Workspace.open(load_settings(db=Path(env["SHARED_OUTCOMES_DB"]), root=ROOT))


# --- a real small file system (a full or read-only disk) ----------------------------------------


@contextmanager
def mounted_tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (say "3m") mounted at `folder/small` for the block (needs root, as CI
    runs the suite): a real disk that fills up, or can be remounted read-only."""
    import os
    import shutil
    import subprocess

    import pytest

    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.fail("this test mounts a tmpfs and needs root (CI runs the suite as root)")
    mount_point = folder / "small"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
                   check=True)  # fmt: skip
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)
