"""Local accounts: argon2 hashes, atomic saves, clear errors for a broken users file."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_outcomes.access.accounts import Directory, UserRecord
from shared_outcomes.access.roles import Role
from shared_outcomes.errors import AccessDenied, ConfigError, UsageError

PASSWORD = "correct horse battery staple"


def make_directory(tmp_path: Path) -> Directory:
    directory = Directory.load(tmp_path / "users.yaml")
    directory.add(
        UserRecord(id="amira", name="Amira Khan", role=Role.PARTNER_SUBMITTER, partner="bolton"),
        password=PASSWORD,
    )
    return directory


def test_a_missing_users_file_is_an_empty_directory(tmp_path: Path) -> None:
    assert Directory.load(tmp_path / "absent.yaml").users == []


def test_passwords_are_stored_only_as_argon2id_hashes(tmp_path: Path) -> None:
    make_directory(tmp_path)
    text = (tmp_path / "users.yaml").read_text()
    assert "$argon2id$" in text
    assert PASSWORD not in text


def test_sign_in_with_the_right_password_gives_the_identity(tmp_path: Path) -> None:
    directory = Directory.load(make_directory(tmp_path).path)
    identity = directory.authenticate("amira", PASSWORD)
    assert (identity.user_id, identity.role, identity.partner_id) == (
        "amira",
        Role.PARTNER_SUBMITTER,
        "bolton",
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("user", "password"), [("amira", "wrong password!!"), ("nobody", PASSWORD)]
)
def test_wrong_user_or_password_gets_one_message(tmp_path: Path, user: str, password: str) -> None:
    directory = make_directory(tmp_path)
    with pytest.raises(AccessDenied, match="Unknown user or wrong password"):
        directory.authenticate(user, password)


@pytest.mark.slow
def test_reset_password_replaces_the_old_one(tmp_path: Path) -> None:
    directory = make_directory(tmp_path)
    directory.set_password("amira", "a brand new passphrase")
    reloaded = Directory.load(directory.path)
    assert reloaded.authenticate("amira", "a brand new passphrase").user_id == "amira"
    with pytest.raises(AccessDenied):
        reloaded.authenticate("amira", PASSWORD)


def test_short_passwords_are_refused_with_advice(tmp_path: Path) -> None:
    directory = make_directory(tmp_path)
    with pytest.raises(UsageError, match="at least 12 characters"):
        directory.set_password("amira", "short")


def test_a_submitter_without_a_partner_names_the_place(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  - id: amira\n    name: Amira\n    role: partner_submitter\n")
    with pytest.raises(ConfigError) as error:
        Directory.load(path)
    assert str(path) in str(error.value)
    assert "users[0]" in str(error.value)
    assert "partner" in str(error.value)


def test_an_unknown_role_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  - id: jo\n    name: Jo\n    role: boss\n")
    with pytest.raises(ConfigError, match=r"users\[0\]\.role"):
        Directory.load(path)


def test_unknown_partner_suggests_the_closest(tmp_path: Path) -> None:
    directory = make_directory(tmp_path)
    with pytest.raises(ConfigError, match="Did you mean bolton_council"):
        directory.check_partners({"bolton_council", "bury_council"})


def test_oidc_email_maps_to_a_role(tmp_path: Path) -> None:
    directory = Directory.load(tmp_path / "users.yaml")
    directory.add(UserRecord(id="jo", name="Jo", email="Jo@GMCA.gov.uk", role=Role.LEADERSHIP))
    identity = directory.identity_for_email("jo@gmca.gov.uk")
    assert identity is not None and identity.role == Role.LEADERSHIP
    assert directory.identity_for_email("someone@else.org") is None
