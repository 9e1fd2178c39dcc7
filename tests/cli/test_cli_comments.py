"""`shared-outcomes comments add|list|edit|hide` and `sign-off`, run through Typer's CliRunner on
a database of the sample partnership (demo mode: the demo users of sample_data/demo_users.yaml).

Each command opens the workspace (about half a second), so the tests that run commands are
marked slow; the reading of a comment's text is checked directly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support import ROOT, make_extracts
from typer.testing import CliRunner, Result

from shared_outcomes.access.roles import SYSTEM
from shared_outcomes.cli import app
from shared_outcomes.cli.meeting import MAX_TEXT_BYTES, read_text
from shared_outcomes.errors import UsageError
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

PREVENTIONS = "homelessness_preventions_per_1000"
MARKUP = "[bold red]urgent[/bold red] **read** <b>me</b> [link=https://evil.invalid]x[/link]"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("cli_comments")
    files = make_extracts()
    ws = Workspace.open(load_settings(db=folder / "c.duckdb", root=ROOT))
    extracts = ROOT / "sample_data" / "extracts" / files.partner
    latest = extracts / f"{files.dataset}_{files.period}.csv"
    ws.submit(SYSTEM, latest, dataset=files.dataset, partner=files.partner, period=files.period)
    return {
        "SHARED_OUTCOMES_HOME": str(ROOT),
        "SHARED_OUTCOMES_DB": str(folder / "c.duckdb"),
        "SHARED_OUTCOMES_USERS": str(folder / "no-users.yaml"),  # none: demo mode
        "COLUMNS": "200",
    }


@pytest.fixture(scope="module")
def month() -> str:
    return make_extracts().period


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    assert "Traceback" not in result.output + result.stderr
    return result


def workspace(env: dict[str, str]) -> Workspace:
    return Workspace.open(load_settings(db=Path(env["SHARED_OUTCOMES_DB"]), root=ROOT))


def comments_json(env: dict[str, str], *args: str) -> list[dict[str, object]]:
    result = run(env, "comments", "list", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    listed: list[dict[str, object]] = json.loads(result.stdout)
    return listed


# -- reading the text (no database) -------------------------------------------------------------


def test_the_text_comes_from_the_argument_a_file_or_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert read_text(MARKUP, None) == MARKUP
    note = tmp_path / "note.txt"
    note.write_bytes("\ufeffa note\r\nover two lines\n".encode())
    assert read_text(None, note) == "a note\r\nover two lines\n"  # BOM gone, the rest as sent
    monkeypatch.setattr(sys, "stdin", _Stdin(b"from a pipe\n"))
    assert read_text("-", None) == "from a pipe\n"


class _Stdin:
    def __init__(self, data: bytes) -> None:
        import io

        self.buffer = io.BytesIO(data)


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("both", "not two of them"),
        ("neither", "write the comment"),
        ("missing", "does not exist"),
        ("latin1", "is not UTF-8 text"),
        ("huge", "more than 64 KB"),
    ],
)
def test_text_that_cannot_be_read_is_a_clear_usage_error(
    tmp_path: Path, setup: str, words: str
) -> None:
    path = tmp_path / "note.txt"
    if setup == "latin1":
        path.write_bytes("caf\xe9".encode("latin-1"))
    elif setup == "huge":
        path.write_bytes(b"x" * (MAX_TEXT_BYTES + 1))
    else:
        path.write_text("fine")
    text, file = {
        "both": ("hello", path), "neither": (None, None),
        "missing": (None, tmp_path / "gone.txt"),
    }.get(setup, (None, path))  # fmt: skip
    with pytest.raises(UsageError, match=words):
        read_text(text, file)


# -- the commands -------------------------------------------------------------------------------


@pytest.mark.slow
def test_add_list_edit_and_hide_from_the_command_line(env: dict[str, str], month: str) -> None:
    figure = ["--outcome", PREVENTIONS, "--area", "E08000001", "--period", month]
    added = run(env, "comments", "add", MARKUP, *figure, "--as", "demo-analyst")
    assert added.exit_code == 0, added.stderr
    assert "Added comment #" in added.stdout and "Bolton" in added.stdout
    [made] = [c for c in comments_json(env) if c["text"] == MARKUP]
    number = str(made["comment_id"])
    target = (made["author_id"], made["area_code"], made["period"])
    assert target == ("demo-analyst", "E08000001", month)
    table = run(env, "comments", "list", "--period", month)
    assert table.exit_code == 0
    assert "[bold red]urgent[/bold red]" in table.stdout  # printed as written, never markup
    assert "[link=https://evil.invalid]x[/link]" in table.stdout
    edited = run(env, "comments", "edit", number, "-", "--as", "demo-analyst",
                 stdin="A second look\nover two lines\n")  # fmt: skip
    assert edited.exit_code == 0, edited.stderr
    assert "version 2" in edited.stdout
    [now] = [c for c in comments_json(env) if c["comment_id"] == made["comment_id"]]
    assert now["text"] == "A second look\nover two lines"
    assert [v["text"] for v in now["versions"]] == [MARKUP, "A second look\nover two lines"]  # type: ignore[union-attr]
    hidden = run(env, "comments", "hide", number, "--reason", "wrong area", "--as", "demo-admin")
    assert hidden.exit_code == 0, hidden.stderr
    assert made["comment_id"] not in [c["comment_id"] for c in comments_json(env)]
    [kept] = [c for c in comments_json(env, "--hidden", "--as", "demo-admin")
              if c["comment_id"] == made["comment_id"]]  # fmt: skip
    assert (kept["hidden"], kept["hidden_by"], kept["hidden_reason"]) == (
        True, "Demo: administrator (the centre)", "wrong area",
    )  # fmt: skip


@pytest.mark.slow
def test_a_submitter_comments_on_its_own_submission_from_a_file(
    env: dict[str, str], tmp_path: Path
) -> None:
    [sub] = workspace(env).warehouse.submissions(partner="bolton_council")
    note = tmp_path / "note.txt"
    note.write_text("Rows 40-52 were re-coded; see the cover e-mail.\n", encoding="utf-8")
    mine = run(env, "comments", "add", "--submission", str(sub.submission_id), "--text-file",
               str(note), "--as", "demo-bolton_council")  # fmt: skip
    assert mine.exit_code == 0, mine.stderr
    seen = comments_json(env, "--submission", str(sub.submission_id), "--as",
                         "demo-bolton_council")  # fmt: skip
    assert [c["text"] for c in seen] == ["Rows 40-52 were re-coded; see the cover e-mail."]
    # Another partner's submitter and leadership do not see it; the shared view neither.
    for who in (["--as", "demo-bury_council"], ["--as", "demo-leadership"], []):
        assert comments_json(env, "--submission", str(sub.submission_id), *who) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["x", "--submission", "1", "--as", "demo-leadership"], "comment on the figures instead"),
        (["x", "--submission", "1", "--as", "demo-bury_council"], "own submissions"),
        (["x", "--outcome", PREVENTIONS, "--period", "2017-13", "--as", "demo-analyst"],
         "is not a month"),
        (["x", "--outcome", "nope", "--period", "2017-10", "--as", "demo-analyst"],
         "no shared outcome 'nope'"),
        (["x\x07", "--outcome", PREVENTIONS, "--period", "2017-10", "--as", "demo-analyst"],
         "U+0007"),
        (["x" * 2001, "--outcome", PREVENTIONS, "--period", "2017-10", "--as", "demo-analyst"],
         "1 over the limit"),
        (["x", "--outcome", PREVENTIONS, "--period", "2017-10"], "--as USER"),
        (["x", "--outcome", PREVENTIONS, "--period", "2017-10", "--as", "nobody"], "nobody"),
    ],
)  # fmt: skip
def test_refusals_exit_2_with_a_message_store_nothing_and_are_audited(
    env: dict[str, str], args: list[str], words: str
) -> None:
    before = workspace(env).warehouse.comments()
    result = run(env, "comments", "add", *args)
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.stderr.split())
    ws = workspace(env)
    assert ws.warehouse.comments() == before
    [entry] = ws.audit.entries(limit=1)
    assert entry.outcome == "denied"
    assert words in entry.detail["reason"]


@pytest.mark.slow
def test_editing_someone_elses_comment_is_refused(env: dict[str, str], month: str) -> None:
    figure = ["--outcome", PREVENTIONS, "--period", month]
    assert run(env, "comments", "add", "mine", *figure, "--as", "demo-leadership").exit_code == 0
    [made] = [c for c in comments_json(env) if c["text"] == "mine"]
    for command in (["edit", str(made["comment_id"]), "theirs"],
                    ["hide", str(made["comment_id"]), "--reason", "theirs"]):  # fmt: skip
        refused = run(env, "comments", *command, "--as", "demo-analyst")
        assert refused.exit_code == 2
        assert "only the author" in refused.stderr
    missing = run(env, "comments", "edit", "999999", "x", "--as", "demo-admin")
    assert missing.exit_code == 2 and "no comment #999999" in missing.stderr
    hidden = run(env, "comments", "list", "--hidden", "--as", "demo-analyst")
    assert hidden.exit_code == 2 and "only administrators" in hidden.stderr


@pytest.mark.slow
def test_sign_off_prints_its_words_and_status_lists_what_changed_since(
    env: dict[str, str], month: str, tmp_path: Path
) -> None:
    refused = run(env, "sign-off", "--as", "demo-analyst")
    assert refused.exit_code == 2 and "cannot sign off" in refused.stderr
    no_author = run(env, "sign-off")
    assert no_author.exit_code == 2 and "--as USER" in no_author.stderr
    signed = run(env, "sign-off", "--as", "demo-leadership")  # the latest month by default
    assert signed.exit_code == 0, signed.stderr
    assert signed.stdout.startswith(f"{month}: Reviewed by Demo: leadership board member on ")
    assert "as at register at submission #" in signed.stdout
    unchanged = run(env, "sign-off", "--status", "--period", month)
    assert "No figure has changed since the latest sign-off." in unchanged.stdout
    resubmission = tmp_path / "homelessness_cases.csv"
    resubmission.write_bytes(make_extracts().good)
    loaded = run(env, "submit", str(resubmission), "--dataset", "homelessness_cases",
                 "--partner", "bolton_council", "--period", month)  # fmt: skip
    assert loaded.exit_code == 0, loaded.stderr
    status = run(env, "sign-off", "--status", "--period", month)
    assert status.exit_code == 0, status.stderr
    assert "figures changed since sign-off" in status.stdout
    assert "Bolton" in status.stdout and "Whole partnership" in status.stdout
    none = run(env, "sign-off", "--period", "2015-01", "--as", "demo-leadership")
    assert none.exit_code == 2 and "no figures for January 2015" in none.stderr
