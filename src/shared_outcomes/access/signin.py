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

Wrong passwords are throttled (`LOCKOUT_POLICY`, `Throttle`): counted per account (the user id
as typed, whether or not it exists, so a lock says nothing about which accounts exist) and,
separately, per client (`client_id`, which the page works out and passes in: the core never
reads Streamlit). Too many in the window lock that account, or that client, for a while; while
locked even the right password is refused, without checking it. Every failed sign-in and every
refusal because of a lock is audited, with the client.
"""

from __future__ import annotations

import math
import threading
import tomllib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from shared_outcomes.access.accounts import Directory
from shared_outcomes.access.audit import SIGN_IN, SIGN_OUT, AuditLog
from shared_outcomes.access.roles import Identity
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


# -- wrong passwords: the lockout policy ------------------------------------------------------


@dataclass(frozen=True)
class LockoutPolicy:
    """How many wrong passwords lock an account or a client, and for how long.

    `max_failures` failed sign-ins within `window` lock the account they were for (whoever made
    them), and separately the client they came from (whichever accounts they tried), for
    `duration` from the failure that reached the limit. A successful sign-in clears the account's
    count, not the client's (a client must not reset its count by signing in to its own account
    between guesses). The counts live in this server process's memory: a restart forgets them,
    and each process of a deployment with several counts on its own.
    """

    max_failures: int
    window: timedelta
    duration: timedelta


#: The policy of every deployment: 5 failures in 15 minutes lock for 15 minutes.
LOCKOUT_POLICY = LockoutPolicy(
    max_failures=5, window=timedelta(minutes=15), duration=timedelta(minutes=15)
)
#: The most accounts and clients whose failures are remembered (older ones are forgotten first),
#: so guessing through endless made-up user ids cannot fill the server's memory.
MAX_TRACKED = 10_000
#: The client when the page knows none: a connection from this machine (Streamlit gives no
#: address for localhost) with no proxy header.
LOCAL_CLIENT = "local"

_ACCOUNT, _CLIENT = "account", "client"


def client_id(remote_ip: object, forwarded_for: str | None = None) -> str:
    """Who is asking, for the per-client count: the connection's address.

    A connection from this machine has no address (Streamlit's `st.context.ip_address` is None
    for localhost): then, behind a reverse proxy on the same machine, the last address of its
    `X-Forwarded-For` header (the one the proxy added; earlier ones are the client's to
    invent), else `LOCAL_CLIENT`. A remote connection's own header is ignored, since a client
    could send any. Anything but a string (a test double) counts as no address.
    """
    if isinstance(remote_ip, str) and remote_ip.strip():
        return remote_ip.strip()[:100]
    if isinstance(forwarded_for, str):
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            return hops[-1][:100]
    return LOCAL_CLIENT


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Throttle:
    """Failed sign-ins per account and per client, and the locks they led to (thread-safe)."""

    policy: LockoutPolicy = LOCKOUT_POLICY
    _failures: dict[tuple[str, str], deque[datetime]] = field(default_factory=dict)
    _locked: dict[tuple[str, str], datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def locks(self, account: str, client: str, now: datetime) -> dict[str, datetime]:
        """What is locked now ("account", "client") and until when."""
        with self._lock:
            found = {}
            for key in ((_ACCOUNT, account), (_CLIENT, client)):
                until = self._locked.get(key)
                if until is not None and until > now:
                    found[key[0]] = until
                elif until is not None:
                    del self._locked[key]
            return found

    def failed(self, account: str, client: str, now: datetime) -> dict[str, datetime]:
        """Count a failure for both; what it locked (or what was already locked)."""
        with self._lock:
            self._forget_old(now)
            for key in ((_ACCOUNT, account), (_CLIENT, client)):
                times = self._failures.setdefault(key, deque())
                times.append(now)
                while times and times[0] <= now - self.policy.window:
                    times.popleft()
                if len(times) >= self.policy.max_failures:
                    self._locked[key] = now + self.policy.duration
                    del self._failures[key]
            locked = ((_ACCOUNT, account), (_CLIENT, client))
            return {k[0]: self._locked[k] for k in locked if self._locked.get(k, now) > now}

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop((_ACCOUNT, account), None)

    def _forget_old(self, now: datetime) -> None:
        """Drop expired counts and locks; past MAX_TRACKED, the oldest counts go first."""
        if len(self._failures) + len(self._locked) < MAX_TRACKED:
            return
        cutoff = now - self.policy.window
        self._failures = {k: t for k, t in self._failures.items() if t and t[-1] > cutoff}
        self._locked = {k: until for k, until in self._locked.items() if until > now}
        while self._failures and len(self._failures) + len(self._locked) >= MAX_TRACKED:
            oldest = min(self._failures, key=lambda k: self._failures[k][-1])
            del self._failures[oldest]


def lockout_message(locks: dict[str, datetime], now: datetime) -> str:
    """Why sign-in is paused, and when to try again, in words a person can act on."""
    whose = " and ".join(
        words
        for kind, words in (
            (_ACCOUNT, "for this account"),
            (_CLIENT, "from your device or network"),
        )
        if kind in locks
    )
    until = max(locks.values())
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (
        f"There have been too many failed sign-ins {whose}, so signing in is paused. "
        f"Try again after {until.astimezone(UTC):%H:%M} UTC (in {minutes} "
        f"minute{'s' if minutes != 1 else ''}). If you have forgotten your password, ask an "
        "administrator to set a new one."
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
    #: The time now (UTC); tests pass a clock they move.
    clock: Callable[[], datetime] = _utc_now
    #: Wrong passwords per account and client (`LOCKOUT_POLICY`).
    throttle: Throttle = field(default_factory=Throttle)
    _password_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _loaded: dict[Path, tuple[tuple[int, int], Directory]] = field(default_factory=dict)

    @classmethod
    def configure(
        cls,
        settings: Settings,
        *,
        audit: AuditLog | None = None,
        secrets: list[Path] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> SignIn:
        return cls(settings, audit, secrets, clock or _utc_now)

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

    def with_password(self, user_id: str, password: str, *, client: str | None = None) -> Identity:
        """Check a local account's password; refused (and audited) with one message for a wrong
        name or password.

        `client` is who is asking (`client_id`, from the page). While the account or the client
        is locked (`LOCKOUT_POLICY`) the password is not even checked: refused, audited, with a
        message saying when to try again; the failure that reaches the limit says so too.
        """
        self._require_mode(Mode.LOCAL)
        account, client = user_id[:100], (client or LOCAL_CLIENT)[:100]
        # One password check at a time in this process, from the lock check to the count, so
        # parallel guesses cannot all pass the check before any failure is counted. The audit
        # entry is written after, outside the lock (a busy database must not hold up others).
        with self._password_lock:
            now = self.clock()
            locks = self.throttle.locks(account, client, now)
            wrong: AccessDenied | None = None
            if not locks:
                try:
                    identity = self._directory(Mode.LOCAL).authenticate(user_id, password)
                except AccessDenied as refused:
                    wrong = refused
                    locks = self.throttle.failed(account, client, now)
                else:
                    self.throttle.succeeded(account)
        if wrong is None and locks:  # locked before this attempt: the password was not checked
            detail = _lock_detail(client, locks)
            self._record(None, SIGN_IN, denied=True, user_id=account, reason="locked", extra=detail)
            raise AccessDenied(lockout_message(locks, now), title="Too many failed sign-ins")
        if wrong is not None:
            detail = _lock_detail(client, locks)
            self._record(
                None, SIGN_IN, denied=True, user_id=account, reason="password", extra=detail
            )
            if locks:  # this failure reached the limit
                raise AccessDenied(
                    f"{wrong.message} {lockout_message(locks, now)}", title=wrong.title
                ) from None
            raise wrong
        self._record(identity, SIGN_IN, extra={"client": client})
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
        extra: dict[str, object] | None = None,
    ) -> None:
        if self.audit is None:
            return
        detail = {"mode": self.mode.value} | ({"reason": reason} if reason else {}) | (extra or {})
        self.audit.record(
            identity,
            action,
            outcome="denied" if denied else "allowed",
            user_id=user_id,
            detail=detail,
        )


def _lock_detail(client: str, locks: dict[str, datetime]) -> dict[str, object]:
    """The audit detail of a refused password sign-in: the client, and any lock with its end."""
    if not locks:
        return {"client": client}
    return {"client": client, "locked": sorted(locks), "until": max(locks.values()).isoformat()}
