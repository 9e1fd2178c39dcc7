"""Where the submit page keeps uploads: a private folder of this server process, made afresh.

Each check runs `app_pages.uploads.receive` in its own Python process with its own temporary
folder (TMPDIR), as a server would, so the per-process folder is really made in that process.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Receives one upload (as the submit page does) and says where its private copy went.
RECEIVE = """
import io, json, sys
from app_pages import uploads

class Upload(io.BytesIO):
    name, file_id = "extract.csv", "id-1"
    size = 4

copy = uploads.receive(Upload(b"a,b\\n")).path
folder = copy.parent
print(json.dumps({"copy": str(copy), "folder": str(folder), "mode": folder.stat().st_mode,
                  "uid": folder.stat().st_uid, "bytes": copy.read_bytes().decode()}))
"""


def _receive(tmp: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", RECEIVE],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_uploads_go_to_a_private_folder_of_their_own_process_not_a_shared_one(
    tmp_path: Path,
) -> None:
    # Made by someone else before the server started, open to all: it must not be used.
    planted = tmp_path / "shared_outcomes_uploads"
    planted.mkdir()
    planted.chmod(0o777)

    first, second = _receive(tmp_path), _receive(tmp_path)

    for got in (first, second):
        folder = Path(str(got["folder"]))
        assert folder != planted and folder.parent == tmp_path
        assert stat.S_IMODE(int(str(got["mode"]))) == 0o700
        assert got["uid"] == os.getuid()
        assert got["bytes"] == "a,b\n"
    assert first["folder"] != second["folder"]  # one folder per process
    assert list(planted.iterdir()) == []


def test_a_process_removes_its_folder_when_it_ends_and_a_dead_ones_leftovers(
    tmp_path: Path,
) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(ended.stdout)
    leftover = tmp_path / f"shared_outcomes_uploads-{dead_pid}-abcdefgh"
    leftover.mkdir(mode=0o700)
    (leftover / "upload-old.csv").write_text("personal data")
    living = tmp_path / f"shared_outcomes_uploads-{os.getpid()}-abcdefgh"  # this process: alive
    living.mkdir(mode=0o700)
    legacy = tmp_path / "shared_outcomes_uploads"  # an earlier version's shared folder (0700)
    legacy.mkdir(mode=0o700)
    (legacy / "upload-older.csv").write_text("personal data")

    got = _receive(tmp_path)

    assert not Path(str(got["folder"])).exists()  # gone when its process ended
    assert not leftover.exists()  # a dead process's copies are not left lying about
    assert living.is_dir()  # a live process's folder is left alone
    assert not legacy.exists()  # an earlier version's copies go too
