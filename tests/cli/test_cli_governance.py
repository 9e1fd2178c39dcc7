"""`shared-outcomes retention` and `shared-outcomes erase` over the sample partnership: the dry
run lists and erases nothing, --apply erases with tombstones shown by `history` and marked in
`outcomes` (whose --as-at before the erasure says it is no longer exact); an erasure needs two
different administrators; bad input exits 2 with a message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import demo_cli_env, flat
from support import run_cli as run
from support import workspace_of as workspace

from shared_outcomes.access.roles import SYSTEM

pytestmark = pytest.mark.slow

TODAY = "2022-06-01"  # digital inclusion (60 months) and early workforce returns are past it
USERS = """users:
  - id: admin-a
    name: Ada Admin
    role: admin
  - id: admin-b
    name: Bea Admin
    role: admin
  - id: ann
    name: Ann Analyst
    role: analyst
"""


@pytest.fixture
def env(demo_db: Path, tmp_path: Path) -> dict[str, str]:
    return demo_cli_env(demo_db, tmp_path)


@pytest.fixture
def two_admins(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    users = tmp_path / "users.yaml"
    users.write_text(USERS, encoding="utf-8")
    return env | {"SHARED_OUTCOMES_USERS": str(users)}


def test_a_dry_run_lists_and_apply_erases_with_tombstones(env: dict[str, str]) -> None:
    dry = run(env, "retention", "--today", TODAY, "--as", "demo-admin", "--json")
    assert dry.exit_code == 0, dry.stderr
    listed = json.loads(dry.stdout)
    due = listed["past_retention"]
    assert len(due) == 118 and listed["erased"] is None
    assert {d["agreement"] for d in due} == {"gm-digital-inclusion-2015", "gm-workforce-2015"}
    assert not workspace(env).warehouse.erasures()
    table = run(env, "retention", "--today", TODAY, "--as", "demo-admin")
    assert "118 submissions are past retention. Dry run: nothing was erased" in flat(table.stdout)
    assert "gm-digital-inclusion-2015" in table.stdout

    applied = run(env, "retention", "--today", TODAY, "--as", "demo-admin", "--apply")

    assert applied.exit_code == 0, applied.stderr
    assert "Erased 118 submissions under retention on 1 Jun 2022" in flat(applied.stdout)
    erased = {e.submission_id for e in workspace(env).warehouse.erasures()}
    assert erased == {d["submission_id"] for d in due}
    first = next(d for d in due if d["dataset"] == "digital_inclusion")
    history = run(env, "history", "--partner", first["partner"], "--dataset", "digital_inclusion",
                  "--json", "--as", "demo-admin")  # fmt: skip
    (tomb,) = [
        v for v in json.loads(history.stdout) if v["submission_id"] == first["submission_id"]
    ]
    assert tomb["status"] == "erased" and tomb["file_name"] is None
    assert tomb["erased"]["rule"] == "retention" and tomb["erased"]["by"] == "demo-admin"
    outcomes = run(env, "outcomes", "--period", first["period"], "--format", "csv")
    assert "Data erased under retention" in outcomes.stdout
    before = run(env, "outcomes", "--period", first["period"], "--as-at", "2018-01-01")
    assert "can no longer be reproduced exactly" in flat(before.stderr)
    pack = Path(env["SHARED_OUTCOMES_DB"]).parent / "pack.html"
    remade = run(env, "board-pack", "--out", str(pack), "--as-at", "2018-01-01")
    assert remade.exit_code == 0, remade.stderr
    assert "can no longer be reproduced exactly" in flat(remade.stderr)
    assert "can no longer be reproduced exactly" in flat(pack.read_text(encoding="utf-8"))
    again = run(env, "retention", "--today", TODAY, "--as", "demo-admin", "--apply")
    assert "Erased 0 submissions" in flat(again.stdout)


def test_retention_refusals_exit_with_a_message(env: dict[str, str]) -> None:
    nobody = run(env, "retention", "--today", TODAY)
    assert nobody.exit_code == 2 and "--as demo-admin" in flat(nobody.stderr)
    analyst = run(env, "retention", "--today", TODAY, "--as", "demo-analyst")
    assert analyst.exit_code == 2 and "administrator" in flat(analyst.stderr)
    bad_day = run(env, "retention", "--today", "June 2022", "--as", "demo-admin")
    assert bad_day.exit_code == 2 and "is not a date" in flat(bad_day.stderr)
    assert not workspace(env).warehouse.erasures()


def test_an_erasure_is_asked_for_by_one_administrator_and_confirmed_by_another(
    two_admins: dict[str, str],
) -> None:
    env = two_admins
    (sub,) = workspace(env).warehouse.submissions(
        partner="bolton_council", dataset="homelessness_cases", period="2017-03"
    )
    sid = str(sub.submission_id)
    asked = run(
        env, "erase", sid, "--reason", "Data subject request DSR-2026-014", "--as", "admin-a"
    )
    assert asked.exit_code == 0, asked.stderr
    assert "Nothing is deleted yet: a second administrator must confirm it" in flat(asked.stdout)
    own = run(env, "erase", sid, "--confirm", "--as", "admin-a")
    assert own.exit_code == 2 and "cannot also confirm it" in flat(own.stderr)
    assert workspace(env).warehouse.submission(sub.submission_id) == sub

    confirmed = run(env, "erase", sid, "--confirm", "--as", "admin-b")

    assert confirmed.exit_code == 0, confirmed.stderr
    assert f"Erased submission #{sid}" in flat(confirmed.stdout)
    (record,) = workspace(env).warehouse.erasures([sub.submission_id])
    assert (record.requested_by, record.erased_by, record.rule) == ("admin-a", "admin-b", "request")
    audit = workspace(env).audit_entries(SYSTEM, limit=20)
    assert {"request_erasure", "erase_submission", "confirm_erasure"} <= set(audit["action"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["erase", "99999", "--reason", "A valid data subject request", "--as", "admin-a"],
         "there is no submission #99999"),
        (["erase", "1", "--as", "admin-a"], "give either --reason TEXT"),
        (["erase", "1", "--reason", "A valid request", "--confirm", "--as", "admin-a"],
         "give either --reason TEXT"),
        (["erase", "1", "--confirm", "--as", "admin-b"], "nobody has asked for the erasure"),
        (["erase", "1", "--reason", "A valid data subject request", "--as", "ann"],
         "two administrators"),
        (["erase", "1", "--reason", "A valid data subject request"], "--as USER"),
    ],
)  # fmt: skip
def test_erase_bad_input_exits_with_a_message_and_erases_nothing(
    two_admins: dict[str, str], args: list[str], words: str
) -> None:
    result = run(two_admins, *args)
    assert result.exit_code == 2 and words in flat(result.stderr)
    assert not workspace(two_admins).warehouse.erasures()
