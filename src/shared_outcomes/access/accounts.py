"""Local accounts and the mapping of users to roles: a YAML file with argon2 password hashes.

Where Streamlit's OIDC sign-in is configured, people sign in with their organisation's identity
provider and this file only maps their e-mail to a role and partner (no password). Otherwise the
file also holds argon2id password hashes, managed with `shared-outcomes users add` and
`shared-outcomes users set-password`. Writes are atomic (temp file, then rename).
"""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.config.problems import place
from shared_outcomes.errors import AccessDenied, ConfigError, UsageError

MIN_PASSWORD_LENGTH = 12
_HASHER = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-for-timing")


class UserRecord(BaseModel):
    """One person: their role, their partner (for submitters) and, for local accounts, a hash."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    email: str | None = None
    role: Role
    partner: str | None = None
    datasets: list[str] = Field(default_factory=list)
    password_hash: str | None = None
    disabled: bool = False

    @model_validator(mode="after")
    def _submitters_have_a_partner(self) -> UserRecord:
        if self.role == Role.PARTNER_SUBMITTER and not self.partner:
            raise ValueError(
                "a partner_submitter needs `partner:` (the partner id they submit for)"
            )
        return self

    def to_identity(self) -> Identity:
        return Identity(
            user_id=self.id,
            display_name=self.name,
            role=self.role,
            partner_id=self.partner,
            row_level_datasets=frozenset(self.datasets),
        )


class UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    users: list[UserRecord] = Field(default_factory=list)


class Directory:
    """The users of one deployment, loaded from (and saved to) one YAML file."""

    def __init__(self, path: Path, users: list[UserRecord]) -> None:
        self.path = path
        self._users = {u.id: u for u in users}

    @classmethod
    def load(cls, path: Path) -> Directory:
        """Read the users file; a missing file is an empty directory (no local accounts)."""
        if not path.exists():
            return cls(path, [])
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read the users file ({exc}).", path=path) from exc
        try:
            parsed = UsersFile.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ConfigError(f"{first['msg']}.", path=path, place=place(first["loc"])) from exc
        ids = [u.id for u in parsed.users]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ConfigError(
                f"user ids must be unique; repeated: {', '.join(duplicates)}.", path=path
            )
        return cls(path, parsed.users)

    @property
    def users(self) -> list[UserRecord]:
        return list(self._users.values())

    def record(self, user_id: str) -> UserRecord:
        try:
            return self._users[user_id]
        except KeyError:
            close = difflib.get_close_matches(user_id, list(self._users), n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise UsageError(f"There is no user {user_id!r} in {self.path}.{hint}") from None

    def identity(self, user_id: str) -> Identity:
        record = self.record(user_id)
        if record.disabled:
            raise AccessDenied(f"The account {user_id!r} is disabled. Ask an administrator.")
        return record.to_identity()

    def identity_for_email(self, email: str) -> Identity | None:
        """The identity mapped to a signed-in e-mail (OIDC), or None if nobody has that e-mail."""
        wanted = email.strip().lower()
        for record in self._users.values():
            if record.email and record.email.lower() == wanted and not record.disabled:
                return record.to_identity()
        return None

    def authenticate(self, user_id: str, password: str) -> Identity:
        """Check a local account's password; the same message for a wrong name or password."""
        record = self._users.get(user_id)
        stored = record.password_hash if record and not record.disabled else None
        try:
            _HASHER.verify(stored or _DUMMY_HASH, password)
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or record is None:
            raise AccessDenied("Unknown user or wrong password.", title="Sign-in failed")
        return record.to_identity()

    def check_partners(self, partner_ids: set[str]) -> None:
        """Every submitter's partner must be a partner of the partnership."""
        for index, record in enumerate(self.users):
            if record.partner and record.partner not in partner_ids:
                close = difflib.get_close_matches(record.partner, sorted(partner_ids), n=1)
                hint = f" Did you mean {close[0]}?" if close else ""
                raise ConfigError(
                    f"unknown partner {record.partner!r}.{hint}",
                    path=self.path,
                    place=f"users[{index}].partner",
                )

    def add(self, record: UserRecord, password: str | None = None) -> None:
        if record.id in self._users:
            raise UsageError(f"A user {record.id!r} already exists; use set-password to change it.")
        if password is not None:
            record = record.model_copy(update={"password_hash": hash_password(password)})
        self._users[record.id] = record
        self.save()

    def set_password(self, user_id: str, password: str) -> None:
        record = self.record(user_id)
        self._users[user_id] = record.model_copy(update={"password_hash": hash_password(password)})
        self.save()

    def set_disabled(self, user_id: str, disabled: bool = True) -> None:
        """Disable an account (kept for the audit trail, refused at the next page view)."""
        record = self.record(user_id)
        self._users[user_id] = record.model_copy(update={"disabled": disabled})
        self.save()

    def save(self) -> None:
        """Write the file atomically, so a crash never leaves half a users file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"users": [u.model_dump(mode="json", exclude_defaults=True) for u in self.users]}
        text = "# Users and roles; managed with `shared-outcomes users`.\n" + yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True
        )
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".users-", suffix=".yaml")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters; "
            "a short phrase of several words is easiest to remember."
        )
    return _HASHER.hash(password)
