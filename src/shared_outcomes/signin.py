"""Sign-in: which way people sign in to this deployment, and the identity each session acts as.

Three modes, decided from the files on the server on every call (so creating a users file ends
demo mode without a restart):

- **oidc** when `.streamlit/secrets.toml` (the project's, or `~/.streamlit/`) has an `[auth]`
  section: Streamlit's `st.login` signs people in with their organisation's identity provider
  (e.g. Microsoft Entra ID); the app passes `st.user.is_logged_in` and `st.user.email` here and
  the users file maps the e-mail to a role and partner. An unknown e-mail is refused.
- **local** when the users file exists (`settings.users_file`): user id and password, checked
  against the argon2id hash (`accounts.Directory.authenticate`).
- **demo** otherwise: one picks a user of `sample_data/demo_users.yaml`, clearly labelled. Demo
  mode is never active when a users file or an OIDC configuration exists: every demo entry
  point re-checks the mode and refuses.

Identities are resolved on the server from the user id the session holds (`session_identity`),
never from anything the browser sends: a page must not read the user from `st.query_params`.
Sign-ins (allowed and refused) and sign-outs are written to the audit log.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from shared_outcomes.access import Identity
from shared_outcomes.accounts import Directory
from shared_outcomes.audit import SIGN_IN, SIGN_OUT, AuditLog
from shared_outcomes.errors import AccessDenied, ConfigError, UsageError
from shared_outcomes.settings import Settings


class Mode(StrEnum):
    """How people sign in."""

    OIDC = "oidc"
    LOCAL = "local"
    DEMO = "demo"


DEMO_NOTICE = (
    "Demo mode: there is no users file and no single sign-on configured, so anyone can act as "
    "any demo user of the sample partnership. Never use demo mode for real data: add users with "
    "`shared-outcomes users add` or configure sign-on in .streamlit/secrets.toml."
)


def secrets_files(settings: Settings) -> list[Path]:
    """Where Streamlit reads secrets from: the project's `.streamlit/`, then the user's."""
    return [settings.root / ".streamlit" / "secrets.toml", Path.home() / ".streamlit/secrets.toml"]


def oidc_configured(files: list[Path]) -> bool:
    """Whether any of the secrets files has an `[auth]` section (Streamlit's OIDC settings)."""
    for path in files:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(
                f"cannot read the secrets file ({error}). Fix the TOML, or move the file away "
                "to sign in with local accounts.",
                path=path,
            ) from error
        if isinstance(data.get("auth"), dict):
            return True
    return False


def detect_mode(settings: Settings, files: list[Path] | None = None) -> Mode:
    """OIDC if configured, else local accounts if the users file exists, else the demo."""
    if oidc_configured(secrets_files(settings) if files is None else files):
        return Mode.OIDC
    if settings.users_file.exists():
        return Mode.LOCAL
    return Mode.DEMO


@dataclass
class SignIn:
    """The sign-in of one deployment; see the module docstring for the modes."""

    settings: Settings
    audit: AuditLog | None = None
    #: Secrets files to look in (None: `secrets_files(settings)`); tests pass their own.
    secrets: list[Path] | None = None
    _loaded: dict[Path, tuple[tuple[int, int], Directory]] = field(default_factory=dict)

    @classmethod
    def configure(
        cls, settings: Settings, *, audit: AuditLog | None = None, secrets: list[Path] | None = None
    ) -> SignIn:
        return cls(settings, audit, secrets)

    @property
    def mode(self) -> Mode:
        return detect_mode(self.settings, self.secrets)

    @property
    def is_demo(self) -> bool:
        return self.mode == Mode.DEMO

    @property
    def notice(self) -> str | None:
        """The banner every page shows in demo mode (None otherwise)."""
        return DEMO_NOTICE if self.is_demo else None

    # -- who the session is --------------------------------------------------------------------

    def session_identity(self, user_id: str | None) -> Identity | None:
        """The identity of the user id held in the server-side session, re-read from the file
        of the current mode (so a disabled or removed account stops at the next page view).

        None when nobody is signed in, or the user is no longer in the file: sign in again.
        """
        if not user_id:
            return None
        directory = self._directory(self.mode)
        if user_id not in {u.id for u in directory.users}:
            return None
        return directory.identity(user_id)  # AccessDenied if the account was disabled

    def with_oidc(
        self, *, logged_in: bool, email: str | None, session_user_id: str | None = None
    ) -> Identity | None:
        """The identity of the person signed in with the identity provider (None if nobody is).

        Call on every page view with `st.user.is_logged_in`, `st.user.email` and the user id
        the session holds from the previous view; the sign-in is audited when that id changes
        (once per session). An e-mail nobody in the users file has is refused and audited.
        """
        self._require_mode(Mode.OIDC)
        if not logged_in:
            return None
        if not email:
            raise AccessDenied(
                "The identity provider did not send an e-mail address, so your account cannot "
                "be matched. Ask an administrator to check the single sign-on settings.",
                title="Sign-in failed",
            )
        identity = self._directory(Mode.OIDC).identity_for_email(email)
        if identity is None:
            self._record(None, SIGN_IN, denied=True, user_id=email, reason="unknown e-mail")
            raise AccessDenied(
                f"You are signed in as {email}, but this address has no access to Shared "
                "Outcomes yet: ask an administrator to add you.",
                title="No access yet",
            )
        if identity.user_id != session_user_id:
            self._record(identity, SIGN_IN)
        return identity

    def with_password(self, user_id: str, password: str) -> Identity:
        """Check a local account's password; refused (and audited) with one message for a wrong
        name or password."""
        self._require_mode(Mode.LOCAL)
        try:
            identity = self._directory(Mode.LOCAL).authenticate(user_id, password)
        except AccessDenied:
            self._record(None, SIGN_IN, denied=True, user_id=user_id[:100], reason="password")
            raise
        self._record(identity, SIGN_IN)
        return identity

    def demo_users(self) -> list[Identity]:
        """The demo users to pick from: empty unless demo mode is active."""
        if not self.is_demo:
            return []
        return [u.to_identity() for u in self._directory(Mode.DEMO).users if not u.disabled]

    def as_demo_user(self, user_id: str) -> Identity:
        """Act as a demo user (demo mode only: refused when a real configuration exists)."""
        self._require_mode(Mode.DEMO)
        identity = self._directory(Mode.DEMO).identity(user_id)
        self._record(identity, SIGN_IN)
        return identity

    def sign_out(self, identity: Identity) -> None:
        self._record(identity, SIGN_OUT)

    # -- the command line ----------------------------------------------------------------------

    def cli_identity(self, user_id: str | None) -> Identity | None:
        """Who the command line acts as with `--as USER`.

        With a users file, USER is one of its users (and `--as` is required: None is refused);
        in demo mode, USER is a demo user, and None lets the command keep its demo default.
        The command line trusts the operating-system account that runs it (it can read the
        database file anyway); `--as` decides the permissions and names the user in the log.
        """
        mode = self.mode
        if mode == Mode.DEMO:
            return None if user_id is None else self._directory(Mode.DEMO).identity(user_id)
        if user_id is None:
            raise UsageError(
                f"name who you are with --as USER (a user of {self.settings.users_file}); "
                "list them with `shared-outcomes users list`."
            )
        if not self.settings.users_file.exists():
            raise UsageError(
                f"single sign-on is configured but there is no users file at "
                f"{self.settings.users_file}: add users with `shared-outcomes users add`."
            )
        return self._directory(Mode.LOCAL).identity(user_id)

    # -- helpers -------------------------------------------------------------------------------

    def _require_mode(self, wanted: Mode) -> None:
        mode = self.mode
        if mode != wanted:
            raise AccessDenied(
                f"This deployment signs people in with {mode.value} sign-in, not {wanted.value}.",
                title="Sign-in not available",
            )

    def _directory(self, mode: Mode) -> Directory:
        """The users of `mode` (the demo file in demo mode), re-read when the file changes."""
        path = self.settings.demo_users_file if mode == Mode.DEMO else self.settings.users_file
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (0, -1)
        cached = self._loaded.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, Directory.load(path))
            self._loaded[path] = cached
        return cached[1]

    def _record(
        self,
        identity: Identity | None,
        action: str,
        *,
        denied: bool = False,
        user_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        if self.audit is None:
            return
        detail = {"mode": self.mode.value} | ({"reason": reason} if reason else {})
        self.audit.record(
            identity,
            action,
            outcome="denied" if denied else "allowed",
            user_id=user_id,
            detail=detail,
        )
